//! Regression tests for bugs the fuzz targets found in ring-core, each
//! checked to fail without its fix. The inputs that found them are kept in
//! the corpora under `fuzz/corpus/` too.
#![cfg(not(ring_loom))]

use ring_core::Builder;
use ring_sys::*;
use verification::sim::SimKernel;

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

/// Found by the completion-stream target: on a ring with mixed CQE sizes,
/// an entry flagged both `IORING_CQE_F_SKIP` and `IORING_CQE_F_32` (which
/// the kernel posts when another ring's `IORING_OP_MSG_RING` passes those
/// flags, `IORING_MSG_RING_FLAGS_PASS`) is a 32-byte filler. The reader
/// skipped only its first 16 bytes and read the second half as a
/// completion, and from there on it read every entry out of step (a
/// 32-byte entry's halves as two completions, or two completions as one).
/// Every read path must skip the filler whole: `pop`, `for_each` and
/// `drain` (the last two use `pop`'s path on a mixed ring).
#[test]
fn a_32_byte_filler_on_a_mixed_ring_is_skipped_whole() {
    for path in 0..3 {
        let sim = SimKernel::default();
        let mut ring = Builder::new(4).cqe_mixed().build_on(sim.clone()).unwrap();
        let fd = *sim.ring_fds().last().unwrap();
        // The filler's second half looks like a completion for user_data
        // 0xbad with the F_32 flag (so a reader out of step would also
        // swallow the next entry as its second half).
        let half = [0xbad, u64::from(IORING_CQE_F_32) << 32];
        assert!(sim.inject_cqe(fd, 1, 0, IORING_CQE_F_SKIP | IORING_CQE_F_32, Some(half)));
        assert!(sim.inject_cqe(fd, 2, 5, 0, None));
        assert!(sim.inject_cqe(fd, 3, 6, 0, Some([30, 31])));
        let mut got = Vec::new();
        let cq = ring.cq();
        match path {
            0 => {
                while let Some(c) = cq.pop() {
                    got.push(c);
                }
            }
            1 => {
                cq.for_each(|c| got.push(c));
            }
            _ => {
                cq.drain(|c| got.push(c));
            }
        }
        let seen: Vec<(u64, i32, [u64; 2])> = got.iter().map(|c| (c.user_data, c.res, c.big)).collect();
        assert_eq!(seen, [(2, 5, [0, 0]), (3, 6, [30, 31])], "read path {path}");
    }
}
