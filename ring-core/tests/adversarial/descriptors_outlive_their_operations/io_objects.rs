//! The rule for the I/O objects: a ring file, a ring socket, the `Uring`
//! adapter and the AIO context, dropped or closed with an operation in
//! flight, leave the descriptor to that operation.

use super::*;

/// Path: `Batch`; the crate's own [`ring_core::File`]. A write is
/// forgotten and the file dropped; another file is opened.
#[test]
fn a_ring_file_dropped_with_a_forgotten_write_still_receives_it() {
    let _t = turn();
    let (named_path, other_path) = (scratch("file-named"), scratch("file-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let named = ring_core::File::from_std(&d, file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = named.write_at(b"through ring_core::File".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"through ring_core::File", reused);
}

/// Path: `Batch`; [`ring_core::File::close`] with a write in flight (its
/// future forgotten). `close` finds the write still holding the descriptor,
/// leaves it open and reports success; the number stays taken until the
/// write has ended.
#[test]
fn closing_a_ring_file_with_a_write_in_flight_leaves_the_descriptor_to_the_write() {
    let _t = turn();
    let (named_path, other_path) = (scratch("close-named"), scratch("close-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let named = ring_core::File::from_std(&d, file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = named.write_at(b"before the close".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    let mut close = Box::pin(named.close());
    assert!(matches!(poll_once(&mut close), Poll::Ready(Ok(()))), "nothing to close yet");
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"before the close", reused);
}

/// Path: `Batch`; the crate's [`ring_core::net::UnixStream`]. A send is
/// forgotten and the stream dropped; a new socket pair takes the lowest
/// free numbers. The bytes reach the named stream's peer, not the new one.
#[test]
fn a_ring_socket_dropped_with_a_forgotten_send_sends_to_its_own_peer() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let (named, named_peer) = UnixStream::pair().unwrap();
    let named = ring_core::net::UnixStream::from_std(&d, named);
    let number = named.as_raw_fd();
    let mut op = named.write(b"to the named peer".to_vec());
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    received_by_the_named_peer(&named_peer, &other_peer, b"to the named peer", reused);
}

/// Path: `Batch`; the [`Uring`] adapter over a socket. A write's future
/// is dropped (the operation stays in the adapter), then the adapter
/// itself, with the caller's only handle of the socket: the driver orphans
/// the write (a send on a socket with room completes as it is issued, before
/// the cancellation the driver sends behind it). A new socket pair takes
/// the lowest free numbers; the bytes reach the named socket's peer.
#[test]
fn a_dropped_uring_adapters_write_reaches_its_own_socket() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let (named, named_peer) = UnixStream::pair().unwrap();
    let mut adapter = Uring::new(&d, named);
    let number = adapter.get_ref().as_raw_fd();
    {
        let mut w = Box::pin(adapter.write(b"through the adapter"));
        assert!(poll_once(&mut w).is_pending());
    }
    assert!(adapter.has_pending());
    drop(adapter);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    received_by_the_named_peer(&named_peer, &other_peer, b"through the adapter", reused);
}

/// Path: `Batch`; the [`AioContext`] adapter. The write's future is
/// forgotten after it started, and the caller's `Rc` dropped.
#[test]
fn a_forgotten_aio_context_write_lands_on_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("aio-named"), scratch("aio-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let ctx = AioContext::new(&d, 4);
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut buf = AlignedBuf::new(4096).unwrap();
    buf.as_mut_slice().fill(b'a');
    let mut w = Box::pin(ctx.write(&named, 0, buf));
    assert!(poll_once(&mut w).is_pending());
    assert_eq!(ctx.in_flight(), 1, "the write started");
    std::mem::forget(w);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", &[b'a'; 4096], reused);
}
