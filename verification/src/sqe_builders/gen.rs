//! Values for the builders' arguments, drawn from fuzzer bytes: [`Gen`],
//! and [`Arb`] for every argument type (any value, another value, zero,
//! the extremes); [`Bytes`], an entry's bytes.

use ring_core::types::{Entry, Entry128, Target};
use ring_sys::*;

/// Reads fuzzer bytes (zeros once they run out).
#[derive(Debug)]
pub struct Gen<'a>(&'a [u8]);

impl<'a> Gen<'a> {
    /// Values drawn from `data`.
    pub fn new(data: &'a [u8]) -> Gen<'a> {
        Gen(data)
    }

    pub(super) fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub(super) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        core::array::from_fn(|_| self.u8())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A builder argument the target can draw, vary and set to extremes.
pub trait Arb: Copy + PartialEq + core::fmt::Debug {
    /// Any value.
    fn arb(g: &mut Gen) -> Self;
    /// A different value: one bit flipped, or (for small types) another.
    fn other(self, g: &mut Gen) -> Self;
    /// The value with no bit set.
    fn zero() -> Self;
    /// Values with every bit set, one of each kind (reaching every byte
    /// the argument can reach).
    fn extremes() -> Vec<Self>;
}

macro_rules! arb_int {
    ($($t:ty),*) => {$(
        impl Arb for $t {
            fn arb(g: &mut Gen) -> Self {
                // Extremes and small values often, anything otherwise.
                match g.u8() % 4 {
                    0 => <$t>::MAX,
                    1 => g.u8() as $t,
                    _ => <$t>::from_le_bytes(g.bytes()),
                }
            }
            fn other(self, g: &mut Gen) -> Self {
                self ^ (1 as $t).rotate_left(u32::from(g.u8()) % <$t>::BITS)
            }
            fn zero() -> Self {
                0
            }
            fn extremes() -> Vec<Self> {
                // All ones, and values at the edges of the narrower fields a
                // wide argument may go to when it fits.
                [u64::MAX, 1, 0xff, 0xffff, 0xffff_ffff].iter().map(|&x| x as $t).collect()
            }
        }
    )*};
}
arb_int!(u8, u16, u32, u64, i32, i64);

impl Arb for bool {
    fn arb(g: &mut Gen) -> Self {
        g.u8() & 1 != 0
    }
    fn other(self, _: &mut Gen) -> Self {
        !self
    }
    fn zero() -> Self {
        false
    }
    fn extremes() -> Vec<Self> {
        vec![true]
    }
}

impl<const N: usize> Arb for [u8; N] {
    fn arb(g: &mut Gen) -> Self {
        g.bytes()
    }
    fn other(mut self, g: &mut Gen) -> Self {
        let i = usize::from(g.u8()) % N;
        self[i] ^= 1 << (g.u8() % 8);
        self
    }
    fn zero() -> Self {
        [0; N]
    }
    fn extremes() -> Vec<Self> {
        vec![[!0; N]]
    }
}

impl Arb for [u64; 2] {
    fn arb(g: &mut Gen) -> Self {
        [u64::arb(g), u64::arb(g)]
    }
    fn other(mut self, g: &mut Gen) -> Self {
        let i = usize::from(g.u8() & 1);
        self[i] = self[i].other(g);
        self
    }
    fn zero() -> Self {
        [0; 2]
    }
    fn extremes() -> Vec<Self> {
        vec![[!0; 2]]
    }
}

impl Arb for (u32, u32) {
    fn arb(g: &mut Gen) -> Self {
        (u32::arb(g), u32::arb(g))
    }
    fn other(self, g: &mut Gen) -> Self {
        if g.u8() & 1 == 0 {
            (self.0.other(g), self.1)
        } else {
            (self.0, self.1.other(g))
        }
    }
    fn zero() -> Self {
        (0, 0)
    }
    fn extremes() -> Vec<Self> {
        vec![(!0, !0)]
    }
}

impl Arb for Target {
    fn arb(g: &mut Gen) -> Self {
        if g.u8() & 1 == 0 {
            Target::Fd(i32::arb(g))
        } else {
            Target::Fixed(u32::arb(g))
        }
    }
    fn other(self, g: &mut Gen) -> Self {
        match (self, g.u8() % 3) {
            // The same number as the other kind of file.
            (Target::Fd(fd), 0) => Target::Fixed(fd as u32),
            (Target::Fixed(i), 0) => Target::Fd(i as i32),
            (Target::Fd(fd), _) => Target::Fd(fd.other(g)),
            (Target::Fixed(i), _) => Target::Fixed(i.other(g)),
        }
    }
    fn zero() -> Self {
        Target::Fd(0)
    }
    fn extremes() -> Vec<Self> {
        vec![Target::Fd(-1), Target::Fixed(!0 - 1)]
    }
}

/// Builders take pointers only as addresses (nothing is dereferenced
/// until the entry is pushed, which this target never does), so any
/// address will do; they are made without provenance.
macro_rules! arb_ptr {
    ($($p:ident)*) => {$(
        impl<T> Arb for *$p T {
            fn arb(g: &mut Gen) -> Self {
                core::ptr::without_provenance_mut::<T>(usize::arb(g)) as *$p T
            }
            fn other(self, g: &mut Gen) -> Self {
                core::ptr::without_provenance_mut::<T>((self as usize).other(g)) as *$p T
            }
            fn zero() -> Self {
                core::ptr::null_mut::<T>() as *$p T
            }
            fn extremes() -> Vec<Self> {
                vec![core::ptr::without_provenance_mut::<T>(usize::MAX) as *$p T]
            }
        }
    )*};
}
arb_ptr!(const mut);

impl Arb for usize {
    fn arb(g: &mut Gen) -> Self {
        u64::arb(g) as usize
    }
    fn other(self, g: &mut Gen) -> Self {
        self ^ 1usize.rotate_left(u32::from(g.u8()) % usize::BITS)
    }
    fn zero() -> Self {
        0
    }
    fn extremes() -> Vec<Self> {
        vec![!0]
    }
}

/// The bytes of an entry.
pub trait Bytes {
    /// The SQE's bytes (64, or 128 for a 128-byte entry).
    fn bytes(self) -> Vec<u8>;
}

impl Bytes for Entry {
    fn bytes(self) -> Vec<u8> {
        let sqe: io_uring_sqe = self.into();
        // SAFETY: an SQE is 64 bytes of plain integers; every byte is initialised (builders start from all-zero).
        unsafe { core::mem::transmute_copy::<io_uring_sqe, [u8; 64]>(&sqe) }.to_vec()
    }
}

impl Bytes for Entry128 {
    fn bytes(self) -> Vec<u8> {
        let sqe = self.into_sqe();
        // SAFETY: as above, 128 bytes.
        unsafe { core::mem::transmute_copy::<io_uring_sqe128, [u8; 128]>(&sqe) }.to_vec()
    }
}
