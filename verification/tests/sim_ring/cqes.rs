//! Big (32-byte) and mixed CQEs.

use super::*;

fn big_nop(user_data: u64, a: u64, b: u64, flags: u32) -> io_uring_sqe {
    let mut sqe = nop(user_data);
    sqe.set_addr(a);
    sqe.set_addr2(b);
    sqe.set_nop_flags(flags);
    sqe
}

#[test]
fn cqe32_carries_the_extra_words() {
    let sim = SimKernel::starting_at(u32::MAX - 2);
    let mut ring = Builder::new(2).cqe32().build_on(sim.clone()).unwrap();
    for i in 0..20u64 {
        assert!(push(&mut ring, &big_nop(i, i * 3, !i, 0)));
        ring.submit_and_wait(1).unwrap();
        let c = ring.cq().pop().unwrap();
        assert_eq!((c.user_data, c.big), (i, [i * 3, !i]));
    }
    assert_clean(&sim);
}

#[test]
fn mixed_cq_skips_filler_entries() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(4).cqe_mixed().build_on(sim.clone()).unwrap();
    assert_eq!(ring.cq().capacity(), 8);
    let mut rng = Rng::new(3);
    let mut expect = Vec::new();
    let mut got = Vec::new();
    for i in 0..if cfg!(miri) { 60 } else { 600 } {
        let big = rng.below(3) == 0;
        let sqe = if big { big_nop(i, i, i + 1, IORING_NOP_CQE32) } else { nop(i) };
        assert!(push(&mut ring, &sqe));
        expect.push((i, big));
        if rng.below(2) == 0 || ring.sq().space_left() == 0 {
            ring.submit().unwrap();
            for c in drain(&mut ring) {
                assert_eq!(c.flags & IORING_CQE_F_SKIP, 0, "a filler entry reached the application");
                let big = c.flags & IORING_CQE_F_32 != 0;
                if big {
                    assert_eq!(c.big, [c.user_data, c.user_data + 1]);
                }
                got.push((c.user_data, big));
            }
        }
    }
    ring.submit().unwrap();
    got.extend(drain(&mut ring).iter().map(|c| (c.user_data, c.flags & IORING_CQE_F_32 != 0)));
    assert_eq!(got, expect);
    assert_clean(&sim);
}
