//! A buffer whose spare capacity holds canary bytes, so that a write past
//! what the kernel reported shows.

use ring_core::buf::{IoBuf, IoBufMut};

/// What the canary bytes after a read's data hold.
pub(super) const CANARY: u8 = 0xa5;

/// A buffer whose spare capacity holds canary bytes.
pub(super) struct Canary {
    pub(super) data: Vec<u8>,
}

impl Canary {
    pub(super) fn new(cap: usize) -> Canary {
        let mut data = Vec::with_capacity(cap);
        data.spare_capacity_mut().iter_mut().for_each(|b| {
            b.write(CANARY);
        });
        Canary { data }
    }

    /// The bytes after the initialised part, up to the capacity.
    pub(super) fn tail(&self) -> Vec<u8> {
        let cap = self.data.capacity();
        let len = self.data.len();
        // SAFETY: every byte of the capacity was written in `new` (the
        // canary) or by the kernel; reading `[len, cap)` reads initialised
        // memory of the live allocation.
        (len..cap).map(|i| unsafe { self.data.as_ptr().add(i).read() }).collect()
    }
}

// SAFETY: forwards to the Vec's heap memory, stable across moves.
unsafe impl IoBuf for Canary {
    fn stable_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.data.len()
    }
    fn bytes_total(&self) -> usize {
        self.data.capacity()
    }
}

// SAFETY: as above.
unsafe impl IoBufMut for Canary {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.data.set_init(n) }
    }
}
