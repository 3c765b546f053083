//! The ABI of `ring-sys` checked against an independent oracle: the
//! bindgen output of the `linux-raw-sys` crate (0.12), which was generated
//! from the Linux 6.17 uapi headers (it has `IORING_NOP_TW` and
//! `IORING_SEND_VECTORIZED`, both 6.17, and lacks `IORING_SETUP_CQE_MIXED`,
//! 6.18).
//!
//! Part 1 compares, for every struct the oracle has, the size, the
//! alignment and the offset of every field, including every member of every
//! union (through the oracle's `__bindgen_anon_N` members), and part 2 the
//! value of every io_uring constant and enum member the oracle has. Part 3
//! covers what is newer than the oracle, or that bindgen does not translate,
//! against the values printed in the Linux 7.0 header, citing the line of
//! liburing's copy (`src/include/liburing/io_uring.h`, or the `query.h` and
//! `bpf_filter.h` next to it) each value comes from. Part 4 asserts the
//! counts of each family together with the list of its names.
//!
//! The tables keep one assertion per line, so the test functions are
//! `#[rustfmt::skip]`.
//!
//! The parts are child modules: `layouts` (part 1), `constants` (part 2),
//! `newer_than_oracle` (part 3) and `counts` (part 4). The table macros are
//! defined here, before the modules, so that every part can use them.

/// Same size and alignment.
macro_rules! layout {
    ($ours:ty, $theirs:ty) => {{
        assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), "size_of::<{}>", stringify!($ours));
        assert_eq!(align_of::<$ours>(), align_of::<$theirs>(), "align_of::<{}>", stringify!($ours));
    }};
}

/// Same offset of a field (a path through our unions) as an oracle field path.
macro_rules! field {
    ($ours:ty, $($of:ident).+ ; $theirs:ty, $($tf:ident).+) => {
        assert_eq!(
            offset_of!($ours, $($of).+),
            offset_of!($theirs, $($tf).+),
            "offset_of!({}, {})", stringify!($ours), stringify!($($of).+)
        )
    };
}

/// Same offset of a field as a computed offset (for oracle members wrapped
/// in `__BindgenUnionField`, whose contents `offset_of!` cannot reach).
macro_rules! field_at {
    ($ours:ty, $($of:ident).+ ; $at:expr) => {
        assert_eq!(offset_of!($ours, $($of).+), $at, "offset_of!({}, {})", stringify!($ours), stringify!($($of).+))
    };
}

/// Same value, compared as `i128` so that the integer types may differ.
macro_rules! konst {
    ($ours:ident == $theirs:expr) => {
        assert_eq!($ours as i128, $theirs as i128, "{}", stringify!($ours))
    };
}

/// A value from the header text, with the header line it comes from.
macro_rules! header {
    ($ours:expr, $value:expr, $line:literal) => {
        assert_eq!($ours as i128, $value as i128, "{} (header {})", stringify!($ours), $line)
    };
}

/// Names and values of a family of constants.
macro_rules! family {
    ($($name:ident),* $(,)?) => { [$((stringify!($name), $name as u64)),*] };
}

mod constants;
mod counts;
mod layouts;
mod newer_than_oracle;
