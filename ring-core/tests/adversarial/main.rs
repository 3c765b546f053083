//! The adversarial suite: safe code attacking the public API the way an
//! auditor would. Each module is named by the rule it checks, and each
//! test's doc comment states the rule.
//!
//! Run with `cargo test -p ring-core --test adversarial`.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

mod bad_input_is_a_typed_error;
mod caller_flags_are_checked;
#[path = "../caps/mod.rs"]
mod caps;
mod checked_on_the_driver_they_start_on;
mod completions_posted_only_by_operations;
mod control_messages_hold_their_descriptors;
mod deadlines_hold_without_credits;
mod deadlines_lose_no_buffer;
mod descriptors_outlive_their_operations;
mod drive_is_foreign_code;
mod foreign_counts_are_checked;
mod hostile;
mod hostile_wakers;
mod join_handles;
mod operations_named_by_typed_handles;
mod operations_on_a_disabled_ring_end_at_once;
mod permits_and_channels_survive_foreign_code;
mod poll_readers_never_lend_their_buffers;
mod received_counts_never_overstate;
mod registered_ring_index;
mod resources_bound_to_their_ring;
mod sizes_checked_before_allocation;
mod std_sockets_convert_without_panicking;
mod submit_strategy_is_foreign_code;
#[path = "../support/mod.rs"]
mod support;
mod wait_queues_survive_hostile_wakers;
