//! Rule: no safe call makes the kernel post a completion with a `user_data`
//! the caller chose into a ring a `Driver` drives. A completion reaches the
//! driver's entry that its `user_data` names; one posted with a chosen
//! number would end that entry's operation early and hand back a buffer
//! the kernel still writes.
//!
//! Every path that posts such a completion is `unsafe`: `MSG_RING` with a
//! chosen `user_data` (`Driver::msg_ring`, `send_msg_ring_sync`), and the
//! tags of registered files and buffers, which the kernel posts when the
//! file or buffer leaves its slot (`register_files_tags`,
//! `update_files_tags`, `register_buffers_tags`). Registering tagged files
//! was safe, and a raw ring with a file tagged `1 << 32` (entry 0,
//! generation 1: a fresh driver's first operation) handed to a driver made
//! the driver's first read end at `files_update`, with its buffer back,
//! while the kernel still held the read: the kernel's later write landed in
//! the returned buffer. The safe signature is now a compile error (the
//! `compile_fail` examples on `register_files_tags` and
//! `update_files_tags`); the tests here check the completions the
//! remaining safe paths post, and the tag values the `unsafe` contract
//! names as harmless.

use crate::resources_bound_to_their_ring::{pipe, put, wait};
use crate::support::poll_with;
use ring_core::driver::Batch;
use ring_core::{Driver, Ring, Runtime};
use std::os::fd::AsRawFd;
use std::task::Waker;
use std::time::Duration;

/// Rule: tags in the range the `unsafe` contract of `register_files_tags`
/// allows on a driven ring (index `u32::MAX`, generation 2 or more) are
/// completions no entry takes: the driver ignores them, and an operation
/// in flight ends only with its own completion, its buffer holding what
/// the kernel wrote.
#[test]
fn tags_the_contract_allows_reach_no_operation() {
    let ring = Ring::new(8).unwrap();
    let (r, w) = pipe();
    let (other, _w2) = pipe();
    let tags = [u64::from(u32::MAX) | (2 << 32), u64::from(u32::MAX) | (u64::from(u32::MAX) << 32)];
    // SAFETY: both tags have index `u32::MAX` and a generation of 2 or
    // more, which names no entry and none of the driver's own requests.
    unsafe { ring.register_files_tags(&[other.as_raw_fd(), other.as_raw_fd()], &tags) }.unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let mut read = d.read(&r, Vec::<u8>::with_capacity(16));
    assert!(poll_with(&mut read, Waker::noop()).is_pending());
    d.park(Some(Duration::from_millis(1))).unwrap();
    // Both tagged files leave their slots: the kernel posts both tags.
    let (n, _) = wait(&d, d.files_update(vec![None, None], 0));
    assert_eq!(n.unwrap(), 2);
    // The tags come when the kernel releases the table's old resource node:
    // at once on recent kernels, about a second later on 6.1, whose release
    // runs as delayed work (`mod_delayed_work(.., HZ)` in
    // `io_rsrc_node_ref_zero`). Wait for them with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while d.stats().stale < 2 && std::time::Instant::now() < deadline {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(d.stats().stale, 2, "both tags were seen and ignored");
    assert!(poll_with(&mut read, Waker::noop()).is_pending(), "the read did not end early");
    put(&*w, b"canary");
    let (n, buf) = wait(&d, read);
    assert_eq!((n.unwrap(), &buf[..]), (6, &b"canary"[..]));
}

/// Rule: a `Handle`'s wake-up through `MSG_RING` carries the driver's own
/// wake tag, which no entry has: an operation in flight on the runtime is
/// not ended by it.
#[test]
fn a_handles_wake_up_ends_no_operation() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let handle = rt.handle();
    let (r, w) = pipe();
    let mut from = Ring::new(2).unwrap();
    let r2 = r.clone();
    let out = rt.block_on(async move {
        let mut read = d.read(&r2, Vec::<u8>::with_capacity(8));
        assert!(poll_with(&mut read, Waker::noop()).is_pending());
        let join = handle.spawn_via_msg_ring(&mut from, |_d| async { 7 });
        // Let the wake-up and the job run; the read must still wait.
        d.sleep(Duration::from_millis(20)).await.unwrap();
        assert!(poll_with(&mut read, Waker::noop()).is_pending(), "the wake-up ended the read");
        put(&*w, b"ok");
        let (n, buf) = read.await;
        (n.unwrap(), buf, join)
    });
    let (n, buf, join) = out.unwrap();
    assert_eq!((n, &buf[..]), (2, &b"ok"[..]));
    assert_eq!(join.join().unwrap(), 7);
    drop(r);
}
