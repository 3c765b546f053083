//! A simulated io_uring kernel and the models that check ring-core as it ships.
#![allow(missing_docs)]
