//! The oracle: what each operation's outcome may be (a read returns the
//! file's bytes at its offset, a write reports at most its length, ...),
//! the reference model of linked chains (a failed member cancels the rest),
//! and the checks made after every step (no memory touched that is not
//! live, no buffer freed while the kernel holds it, no chain cut).

use crate::scenario::world::{src_byte, Res, Tracked, World, OFFSETS};
use crate::sim::Inflight;

impl World {
    /// Records chain member `id`'s outcome and checks its chain.
    pub(super) fn record(&mut self, id: usize, r: Res) {
        self.res[id] = Some(r);
        self.report.members_seen += 1;
        if r == Res::Cancelled && !self.cancel_asked[id] {
            self.report.members_cancelled_by_chain += 1;
        }
        let c = self.member[id].expect("a chain member");
        let chain = &self.chains[c];
        let at = chain.ops.iter().position(|&o| o == id).expect("in its chain");
        let earlier = &chain.ops[..at];
        if !chain.hard {
            // A failure cancels the rest (io_uring_enter(2), IOSQE_IO_LINK).
            for &i in earlier {
                if matches!(self.res[i], Some(Res::Failed | Res::Cancelled)) {
                    self.report.members_checked_after_failure += 1;
                    assert_eq!(
                        r,
                        Res::Cancelled,
                        "chain {c}: op {i} failed ({:?}), yet the later member op {id} was not cancelled \
                         (members {:?}, outcomes {:?})",
                        self.res[i],
                        chain.ops,
                        chain.ops.iter().map(|&o| self.res[o]).collect::<Vec<_>>()
                    );
                    break;
                }
            }
            for &j in &chain.ops[at + 1..] {
                if matches!(r, Res::Failed | Res::Cancelled) && self.res[j].is_some() {
                    self.report.members_checked_after_failure += 1;
                    assert_eq!(
                        self.res[j],
                        Some(Res::Cancelled),
                        "chain {c}: op {id} failed ({r:?}), yet the later member op {j} was not cancelled"
                    );
                }
            }
        }
        if r == Res::Cancelled && !self.cancel_asked[id] {
            // Nobody cancelled it: only the kernel, because an earlier
            // member failed (or might have: its outcome was not seen).
            let reason = !chain.hard && earlier.iter().any(|&i| self.res[i] != Some(Res::Full));
            assert!(
                reason,
                "chain {c}: op {id} got -ECANCELED although nobody cancelled it and every earlier member \
                 succeeded (hard: {}, outcomes {:?})",
                chain.hard,
                chain.ops.iter().map(|&o| self.res[o]).collect::<Vec<_>>()
            );
        }
    }
}

pub(super) fn judge_nop(id: usize, out: std::io::Result<()>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if !cancelled {
        out.unwrap();
    }
}

pub(super) fn judge_read_file(id: usize, (r, buf): (std::io::Result<usize>, Tracked), cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let off = OFFSETS.with(|o| o.borrow()[id]);
    match r {
        Ok(n) => {
            assert_eq!(buf.data.len(), n, "op {id}: the buffer's initialised length is the result");
            for (k, b) in buf.data.iter().enumerate() {
                assert_eq!(*b, src_byte(off + k), "op {id}: read returned bytes that are not the file's");
            }
        }
        Err(e) => assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}"),
    }
}

pub(super) fn judge_write(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len(), "op {id}: wrote more than its length");
    }
}

pub(super) fn judge_read_pipe(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert_eq!(buf.data.len(), n);
        assert!(buf.data.iter().all(|b| w.piped.contains(b)), "op {id}: pipe bytes nobody wrote");
    }
}

pub(super) fn judge_sleep(id: usize, r: std::io::Result<bool>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Err(e) = r {
        assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}");
    }
}

pub(super) fn judge_send(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len());
    }
}

/// A chain member's error: only `-ECANCELED` (from the user's cancel, or
/// the kernel's after an earlier member failed) is one its request can get.
fn member_err(id: usize, e: &std::io::Error) -> Res {
    assert_eq!(e.raw_os_error(), Some(libc::ECANCELED), "chain member op {id}: {e}");
    Res::Cancelled
}

pub(super) fn judge_member_nop(id: usize, out: std::io::Result<()>, _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let r = match out {
        Ok(()) => Res::Full,
        Err(e) => member_err(id, &e),
    };
    w.record(id, r);
}

pub(super) fn judge_member_read(
    id: usize,
    (r, buf): (std::io::Result<usize>, Tracked),
    cancelled: bool,
    w: &mut World,
) {
    let res = match &r {
        Ok(n) if *n == w.want[id] => Res::Full,
        Ok(_) => Res::Failed,
        Err(e) => member_err(id, e),
    };
    judge_read_file(id, (r, buf), cancelled, w);
    w.record(id, res);
}

pub(super) fn judge_member_write(
    id: usize,
    (r, buf): (std::io::Result<usize>, Tracked),
    cancelled: bool,
    w: &mut World,
) {
    let res = match &r {
        Ok(n) if *n == w.want[id] => Res::Full,
        Ok(_) => Res::Failed,
        Err(e) => member_err(id, e),
    };
    judge_write(id, (r, buf), cancelled, w);
    w.record(id, res);
}

pub(super) fn judge_member_sleep(id: usize, r: std::io::Result<bool>, _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let res = match r {
        // The time ran out: -ETIME, a failure for the chain.
        Ok(true) => Res::Failed,
        Ok(false) => Res::Full,
        Err(e) => member_err(id, &e),
    };
    w.record(id, res);
}

pub(super) fn holds(buf: &Option<(usize, usize)>, f: &Inflight) -> bool {
    let Some((ptr, cap)) = *buf else { return false };
    f.held.iter().any(|r| r.addr as usize >= ptr && (r.addr as usize) < ptr + cap.max(1))
}

pub(super) fn check_step(w: &World) {
    check_drives(w);
    let v = w.sim.violations();
    assert!(v.is_empty(), "the kernel touched memory that is not live: {v:?}");
    let split = w.sim.split_chains();
    assert!(split.is_empty(), "the driver cut a linked chain: {split:?}");
    let drops = w.drops.borrow();
    for f in w.sim.inflight() {
        for id in 0..w.bufs.len() {
            if holds(&w.bufs[id], &f) {
                assert_eq!(drops[id], 0, "op {id}'s buffer was freed while the kernel holds it ({f:?})");
            }
        }
    }
}

/// The drives' contract: a drive that panicked is not asked again.
pub(super) fn check_drives(w: &World) {
    for (which, log) in w.drive_logs.iter().enumerate() {
        let n = log.after_panic.get();
        assert_eq!(n, 0, "driver {which}: its drive was asked {n} times after it panicked");
    }
}
