//! A live walk through io_uring on this machine: the rings are set up, an
//! entry is written field by field, and every step prints the heads and
//! tails before and after, so the rings can be watched moving. Then the
//! same kind of work goes through the safe layer, whose own state (credits,
//! operations in flight, an orphan and its reaping) is printed the same way.
//!
//! Run with `cargo run --release -p ring-core --example tour`; add
//! `--probe` for the full listing of what the running kernel supports
//! (features, every opcode, every register operation, the enter flags).
//! The walk is the first chapter of the book (`docs/io_uring.md`).
//!
//! Every step that needs a newer kernel than the one running says so and
//! is skipped; nothing is decided by the kernel's version number.

use ring_core::names::{ENTER_FLAGS, FEATURES, OPCODES, REGISTER_OPS};
use ring_core::sys::*;
use ring_core::{opcode, Builder, Cqe, Probe, Ring, Runtime, SqeFlags};
use std::future::Future;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::Duration;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let mut probe_listing = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--probe" => probe_listing = true,
            _ => return Err(format!("unknown argument {arg:?}; usage: tour [--probe]").into()),
        }
    }
    // A deliberately tiny ring: 4 SQ entries and 8 CQ entries, so that the
    // walk wraps around both rings and overflows the CQ within a few steps.
    let mut ring = Builder::new(4).cq_size(8).build()?;
    println!("== io_uring on Linux {} (system calls via {}) ==", release(), ring_sys::syscall::PATH);

    layout(&ring);
    one_nop(&mut ring)?;
    wrap_around(&mut ring)?;
    overflow(&mut ring)?;
    chain(&mut ring)?;
    multishot(&mut ring)?;
    zero_copy(&mut ring)?;
    safe_layer()?;
    let probe = Probe::new(&ring)?;
    if probe_listing {
        listing(&ring, &probe);
    } else {
        println!("\n(run with --probe for every feature, opcode and register operation this kernel knows)");
    }
    print_degradations(&ring, &probe);
    Ok(())
}

/// The SQ's kernel head, its shared tail and its private tail.
fn sq_state(ring: &mut Ring) -> String {
    let sq = ring.sq();
    let head = sq.sync_head();
    let private = sq.local_tail();
    let shared = private.wrapping_sub(sq.unpublished());
    format!("SQ head {head} tail {shared} (private tail {private})")
}

/// The CQ's head and the kernel's tail.
fn cq_state(ring: &mut Ring) -> String {
    let cq = ring.cq();
    let head = cq.head();
    let tail = cq.sync_tail();
    format!("CQ head {head} tail {tail}")
}

fn state(ring: &mut Ring) -> String {
    format!("{} | {}", sq_state(ring), cq_state(ring))
}

/// A CQE's fields, with its flags by name.
fn show_cqe(c: &Cqe) -> String {
    let names = [
        (IORING_CQE_F_BUFFER, "F_BUFFER"),
        (IORING_CQE_F_MORE, "F_MORE"),
        (IORING_CQE_F_SOCK_NONEMPTY, "F_SOCK_NONEMPTY"),
        (IORING_CQE_F_NOTIF, "F_NOTIF"),
        (IORING_CQE_F_BUF_MORE, "F_BUF_MORE"),
        (IORING_CQE_F_SKIP, "F_SKIP"),
        (IORING_CQE_F_32, "F_32"),
    ];
    let set: Vec<&str> = names.iter().filter(|(bit, _)| c.flags & bit != 0).map(|(_, n)| *n).collect();
    let res = if c.res < 0 { format!("{} (-{})", c.res, errno_name(-c.res)) } else { c.res.to_string() };
    format!(
        "user_data {:#x} res {res} flags {:#x}{}",
        c.user_data,
        c.flags,
        if set.is_empty() { String::new() } else { format!(" [{}]", set.join(" ")) }
    )
}

fn errno_name(e: i32) -> &'static str {
    match e {
        libc::ECANCELED => "ECANCELED",
        libc::ETIME => "ETIME",
        libc::EBADF => "EBADF",
        libc::EINVAL => "EINVAL",
        libc::ENOENT => "ENOENT",
        libc::EALREADY => "EALREADY",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EIO => "EIO",
        _ => "errno",
    }
}

/// Step 1: what `io_uring_setup` returned, and the ring memory laid out by
/// the offsets it filled in.
fn layout(ring: &Ring) {
    let p = *ring.params();
    println!("\n-- 1. io_uring_setup(4, params): the rings and their memory --");
    println!(
        "fd {:?} (registered index {:?}); SQ {} entries, CQ {} entries (IORING_SETUP_CQSIZE); setup flags {:#x}{}",
        ring.fd(),
        ring.registered_index(),
        p.sq_entries,
        p.cq_entries,
        p.flags,
        if p.flags & IORING_SETUP_NO_SQARRAY != 0 { " (NO_SQARRAY: no index array)" } else { "" }
    );
    let mut words = vec![
        (p.sq_off.head, "sq.head"),
        (p.sq_off.tail, "sq.tail"),
        (p.sq_off.ring_mask, "sq.ring_mask"),
        (p.sq_off.ring_entries, "sq.ring_entries"),
        (p.sq_off.flags, "sq.flags"),
        (p.sq_off.dropped, "sq.dropped"),
        (p.cq_off.head, "cq.head"),
        (p.cq_off.tail, "cq.tail"),
        (p.cq_off.ring_mask, "cq.ring_mask"),
        (p.cq_off.ring_entries, "cq.ring_entries"),
        (p.cq_off.overflow, "cq.overflow"),
        (p.cq_off.flags, "cq.flags"),
    ];
    words.sort();
    let single = ring.has_feature(IORING_FEAT_SINGLE_MMAP);
    println!(
        "ring words ({}):",
        if single { "one mapping at IORING_OFF_SQ_RING holds both rings" } else { "SQ ring mapping" }
    );
    for row in words.chunks(4) {
        let cells: Vec<String> = row.iter().map(|(off, name)| format!("+{off:<3} {name:<16}")).collect();
        println!("  {}", cells.join(" "));
    }
    let cqe_end = p.cq_off.cqes + p.cq_entries * 16;
    println!("  +{:<3} cqes[{}] x 16 bytes, up to +{cqe_end}", p.cq_off.cqes, p.cq_entries);
    if p.flags & IORING_SETUP_NO_SQARRAY == 0 {
        println!("  +{:<3} sq.array[{}] x 4 bytes", p.sq_off.array, p.sq_entries);
    }
    println!("SQE array (mapping at IORING_OFF_SQES): {} x 64 bytes", p.sq_entries);
}

/// Step 2: one NOP, written field by field, published, submitted, reaped.
fn one_nop(ring: &mut Ring) -> Res<()> {
    println!("\n-- 2. One NOP: write the SQE, publish the tail, enter, reap the CQE --");
    let sqe = opcode::Nop::new().build().user_data(0x1234);
    println!(
        "SQE: opcode {} (IORING_OP_NOP) flags {:#x} ioprio {} fd {} off {} addr {:#x} len {} op_flags {:#x} user_data {:#x}",
        sqe.opcode,
        sqe.flags,
        sqe.ioprio,
        sqe.fd,
        sqe.off(),
        sqe.addr(),
        sqe.len,
        sqe.nop_flags(),
        sqe.user_data
    );
    // SAFETY: `io_uring_sqe` is 64 bytes of plain integers and unions of
    // plain integers with no padding (ring-sys checks its layout against
    // the kernel's), so every byte is initialised.
    let bytes: [u8; 64] = unsafe { std::mem::transmute(*sqe) };
    for (i, row) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
        println!("  {:2}: {}", i * 16, hex.join(" "));
    }
    println!("  (opcode at byte 0, user_data at bytes 32-39, little-endian)");
    println!("before:            {}", state(ring));
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&sqe) }?;
    println!("after push:        {}   <- written, the kernel cannot see it", state(ring));
    ring.sq().publish();
    println!("after publish:     {}   <- tail stored (release)", state(ring));
    let n = ring.submit_and_wait(1)?;
    println!("io_uring_enter(to_submit 1, min_complete 1, GETEVENTS) returned {n}");
    println!("after enter:       {}   <- kernel consumed the SQE, posted a CQE", state(ring));
    let cqe = ring.cq().pop().ok_or("no completion")?;
    println!("CQE: {}", show_cqe(&cqe));
    println!("after pop:         {}   <- head stored (release): the slot is the kernel's again", state(ring));
    Ok(())
}

/// Step 3: more NOPs than either ring has slots; positions keep counting
/// and the slot is `position & mask`.
fn wrap_around(ring: &mut Ring) -> Res<()> {
    println!("\n-- 3. Wrap-around: positions count up, slots are position & mask --");
    let sq_mask = ring.sq().capacity() - 1;
    let cq_mask = ring.cq().capacity() - 1;
    for round in 0..3u64 {
        let from = ring.sq().local_tail();
        for i in 0..3 {
            let sqe = opcode::Nop::new().build().user_data(0x100 + round * 3 + i);
            // SAFETY: a NOP points at no memory.
            unsafe { ring.sq().push(&sqe) }?;
        }
        let to = ring.sq().local_tail();
        ring.submit_and_wait(3)?;
        let cq_from = ring.cq().head();
        let mut got = Vec::new();
        while let Some(c) = ring.cq().pop() {
            got.push(format!("{:#x}", c.user_data));
        }
        let cq_to = ring.cq().head();
        let sq_slots: Vec<u32> = (from..to).map(|p| p & sq_mask).collect();
        let cq_slots: Vec<u32> = (cq_from..cq_to).map(|p| p & cq_mask).collect();
        println!(
            "round {round}: SQ positions {from}-{} in slots {sq_slots:?}; CQ positions {cq_from}-{} in slots {cq_slots:?}: {}",
            to - 1,
            cq_to - 1,
            got.join(" ")
        );
    }
    println!("now:               {}", state(ring));
    Ok(())
}

/// Step 4: twelve completions for a CQ of eight. The kernel parks the rest
/// (`IORING_FEAT_NODROP`) and says so in the SQ flags; an enter with
/// GETEVENTS flushes them once there is room.
fn overflow(ring: &mut Ring) -> Res<()> {
    println!("\n-- 4. Overflow: 12 completions for a CQ of 8, nothing reaped in between --");
    println!("IORING_FEAT_NODROP: {}", ring.has_feature(IORING_FEAT_NODROP));
    for batch in 0..3u64 {
        for i in 0..4 {
            let sqe = opcode::Nop::new().build().user_data(0x200 + batch * 4 + i);
            // SAFETY: a NOP points at no memory.
            unsafe { ring.sq().push(&sqe) }?;
        }
        ring.submit()?;
    }
    let flagged = ring.sq().cq_overflow();
    println!(
        "after 3 submits:   {}   IORING_SQ_CQ_OVERFLOW {} (cq.overflow counter {})",
        state(ring),
        if flagged { "set" } else { "clear" },
        ring.cq().overflow()
    );
    let mut reaped = 0;
    while ring.cq().pop().is_some() {
        reaped += 1;
    }
    println!("reaped {reaped}:          {}", state(ring));
    ring.get_events()?;
    println!(
        "enter(GETEVENTS):  {}   IORING_SQ_CQ_OVERFLOW {}",
        state(ring),
        if ring.sq().cq_overflow() { "set" } else { "clear" }
    );
    let mut rest = Vec::new();
    while let Some(c) = ring.cq().pop() {
        rest.push(format!("{:#x}", c.user_data));
    }
    println!("the parked completions, flushed in order: {}", rest.join(" "));
    Ok(())
}

/// Step 5: three entries linked with `IOSQE_IO_LINK`, published by one tail
/// store; the second fails, so the kernel cancels the third.
fn chain(ring: &mut Ring) -> Res<()> {
    println!("\n-- 5. A linked chain: NOP -> READ of descriptor -1 -> NOP --");
    let chain = [
        *opcode::Nop::new().build().user_data(0x51).flags(SqeFlags::IO_LINK),
        *opcode::Read::new(-1, std::ptr::null_mut(), 0).build().user_data(0x52).flags(SqeFlags::IO_LINK),
        *opcode::Nop::new().build().user_data(0x53),
    ];
    println!("before:            {}", sq_state(ring));
    // SAFETY: the NOPs point at no memory, and the read of a descriptor
    // that is not open reads nothing into its null, zero-length buffer.
    unsafe { ring.sq().push_all(&chain) }?;
    ring.sq().publish();
    println!("after push_all:    {}   <- one tail store for the whole chain", sq_state(ring));
    ring.submit_and_wait(3)?;
    while let Some(c) = ring.cq().pop() {
        println!("CQE: {}", show_cqe(&c));
    }
    Ok(())
}

/// Step 6: a multishot timeout posts a CQE per expiry, each with
/// `IORING_CQE_F_MORE` but the last.
fn multishot(ring: &mut Ring) -> Res<()> {
    println!("\n-- 6. Multishot: a timeout that fires three times, 1 ms apart --");
    let ts = ring_core::types::Timespec::from(Duration::from_millis(1));
    let sqe = opcode::Timeout::new(&ts).count(3).flags(IORING_TIMEOUT_MULTISHOT).build().user_data(0x61);
    // SAFETY: the kernel copies the timespec when it consumes the SQE, and
    // `ts` lives until the completions below have been reaped.
    unsafe { ring.sq().push(&sqe) }?;
    loop {
        ring.submit_and_wait(1)?;
        let Some(c) = ring.cq().pop() else { continue };
        println!("CQE: {}", show_cqe(&c));
        if c.res == -libc::EINVAL {
            println!("(this kernel has no multishot timeouts: skipped)");
            break;
        }
        if !c.more() {
            println!("no F_MORE: the stream has ended, user_data 0x61 is free again");
            break;
        }
    }
    Ok(())
}

/// Step 7: a zero-copy send completes twice: the result (with F_MORE),
/// then the notification that the kernel no longer reads the buffer.
fn zero_copy(ring: &mut Ring) -> Res<()> {
    println!("\n-- 7. Zero-copy send over UDP loopback: two completions --");
    let rx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
    tx.connect(rx.local_addr()?)?;
    // On the heap, so that if the notification never came the buffer could
    // be leaked rather than freed under the kernel.
    let payload: Box<[u8]> = Box::from(&b"bytes the kernel reads straight from user memory"[..]);
    let sqe = opcode::SendZc::new(tx.as_raw_fd(), payload.as_ptr(), payload.len() as u32).build().user_data(0x71);
    // SAFETY: `payload` is neither touched nor freed until the notification
    // below has been reaped; without one it is leaked.
    unsafe { ring.sq().push(&sqe) }?;
    ring.submit_and_wait(1)?;
    let first = ring.cq().pop().ok_or("no completion")?;
    println!("CQE: {}   <- the result: the buffer is still the kernel's", show_cqe(&first));
    if !first.more() {
        println!("(no notification follows: this kernel or socket refused the zero-copy send)");
        return Ok(());
    }
    let mut got = [0u8; 128];
    let n = rx.recv(&mut got)?;
    println!("the receiver read {n} bytes");
    for _ in 0..5 {
        ring.submit_and_wait_timeout(1, Duration::from_secs(2))?;
        if let Some(c) = ring.cq().pop() {
            println!("CQE: {}   <- the notification: the buffer is ours again", show_cqe(&c));
            return Ok(());
        }
    }
    println!("(no notification within 10 s: the buffer is leaked, never freed under the kernel)");
    std::mem::forget(payload);
    Ok(())
}

/// Step 8: the safe layer's own state while operations come and go.
fn safe_layer() -> Res<()> {
    println!("\n-- 8. The safe layer: credits, operations in flight, an orphan --");
    let rt = Runtime::new(8)?;
    let d = rt.driver().clone();
    let show = |what: &str| {
        let s = d.stats();
        println!(
            "{what:<34} in flight {} credits {} | started {} completed {} cancels {} orphans reaped {}",
            d.in_flight(),
            d.credits(),
            s.started,
            s.completed,
            s.cancels,
            s.orphans_reaped
        );
    };
    show("a runtime on SQ 8 / CQ 16:");

    let path = std::env::temp_dir().join(format!("ring-tour-{}", std::process::id()));
    std::fs::File::create(&path)?.write_all(b"read through the safe layer\n")?;
    let file = Rc::new(std::fs::File::open(&path)?);
    let d2 = d.clone();
    let (res, buf) = rt.block_on(async move { d2.read_at(&file, Vec::with_capacity(64), 0).await })?;
    std::fs::remove_file(&path)?;
    print!("read_at gave the buffer back with {} bytes: {}", res?, String::from_utf8_lossy(&buf));
    show("after the read:");
    println!("(the runtime keeps one read of its wake-up eventfd in flight, holding one credit)");

    // The driver writes each operation's `user_data` itself: the table
    // entry's index in the low 32 bits, its generation in the high 32. The
    // escape hatch `submit_raw` hands the raw completion back, so the tour
    // can print it; the same entry, reused, has a new generation.
    for round in 0..2 {
        // SAFETY: a NOP makes the kernel touch no memory, and posts one
        // completion.
        let nop = unsafe { d.submit_raw((), |_| *opcode::Nop::new().build()) };
        let (cqe, ()) = rt.block_on(nop)?;
        println!(
            "raw NOP {round}: user_data {:#018x} = entry {} generation {}",
            cqe.user_data,
            cqe.user_data as u32,
            cqe.user_data >> 32
        );
    }

    // A read from an empty pipe stays in the kernel until it is cancelled.
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (reader, _writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let reader = Rc::new(reader);
    {
        let mut read = std::pin::pin!(d.read(&reader, vec![0u8; 64]));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(read.as_mut().poll(&mut cx).is_pending(), "the pipe is empty");
        d.poll()?;
        show("a pipe read polled once:");
    }
    show("its future dropped (an orphan):");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while d.stats().orphans_reaped == 0 && std::time::Instant::now() < deadline {
        d.park(Some(Duration::from_millis(10)))?;
    }
    show("after the driver's next turns:");
    println!("the buffer was freed only after the kernel's last completion for it");
    Ok(())
}

/// `--probe`: everything the running kernel supports.
fn listing(ring: &Ring, probe: &Probe) {
    println!("\n== features ({} of {}) ==", FEATURES.iter().filter(|f| ring.has_feature(f.0)).count(), FEATURES.len());
    for (bit, name, since) in FEATURES {
        println!("  {:<32} {:<5} {}", name, since, if ring.has_feature(bit) { "yes" } else { "no" });
    }
    println!("\n== opcodes ({} of {} supported) ==", probe.supported_count(), OPCODES.len());
    for (op, name, since) in OPCODES {
        println!(
            "  {:>2} {:<28} {:<5} {}",
            op,
            name,
            since,
            if probe.supported(op) { "supported" } else { "unsupported" }
        );
    }
    let (nreg, queried) = probe.register_ops();
    println!(
        "\n== register operations: {} known to this kernel ({}) ==",
        nreg,
        if queried { "from IORING_REGISTER_QUERY" } else { "inferred from the opcode probe" }
    );
    for (op, name, since) in REGISTER_OPS {
        println!(
            "  {:>2} {:<36} {:<5} {}",
            op,
            name,
            since,
            if probe.register_op_supported(op) { "yes" } else { "no" }
        );
    }
    println!("\n== enter flags ==");
    for (_, name, since) in ENTER_FLAGS {
        println!("  {name:<32} {since}");
    }
}

/// What this kernel lacks that ring-core would use, and what it does
/// instead. Every line comes from asking the running kernel (a setup flag it
/// refused, a feature bit, the opcode and register probes, or a behaviour
/// tried on a private ring), never from its version number.
fn print_degradations(ring: &Ring, probe: &Probe) {
    println!("\n== what this kernel lacks, and how ring-core degrades ==");
    let mut lacking = 0;
    let mut show = |has: bool, what: &str, with: &str, without: &str| {
        if has {
            println!("  {what}: supported, {with}");
        } else {
            lacking += 1;
            println!("  {what}: not supported, {without}");
        }
    };
    show(
        ring.setup_flags() & IORING_SETUP_NO_SQARRAY != 0,
        "IORING_SETUP_NO_SQARRAY",
        "the SQ has no index array",
        "using the SQ array",
    );
    show(
        ring.registered_index().is_some(),
        "IORING_REGISTER_RING_FDS",
        "enter calls name the ring by its registered index",
        "every enter call looks the ring descriptor up",
    );
    show(
        ring.has_feature(IORING_FEAT_REG_REG_RING),
        "IORING_FEAT_REG_REG_RING",
        "register calls use the registered index too",
        "register calls use the ring descriptor",
    );
    show(
        ring.has_feature(IORING_FEAT_EXT_ARG),
        "IORING_FEAT_EXT_ARG",
        "waits can have timeouts",
        "a wait with a timeout fails with Error::NotConfigured",
    );
    let (nreg, exact) = probe.register_ops();
    show(
        exact,
        "register-operation probe",
        &format!("the kernel says it knows {nreg} register opcodes"),
        &format!("{nreg} register opcodes inferred from the opcode count"),
    );
    show(
        probe.supported(IORING_OP_SOCKET),
        "IORING_OP_SOCKET",
        "sockets are created through the ring",
        "sockets are created with socket(2)",
    );
    show(
        probe.supported(IORING_OP_BIND) && probe.supported(IORING_OP_LISTEN),
        "IORING_OP_BIND and IORING_OP_LISTEN",
        "bind and listen go through the ring",
        "bind(2) and listen(2) are called directly",
    );
    show(
        probe.register_op_supported(IORING_REGISTER_MEM_REGION),
        "IORING_REGISTER_MEM_REGION",
        "Builder::registered_waits can register wait arguments",
        "Builder::registered_waits fails with Error::UnsupportedRegister; waits pass their arguments each time",
    );
    match ring.sync_cancel_combines_user_data() {
        Ok(honoured) => show(
            honoured,
            "sync cancel by user data and another criterion",
            "cancel_sync matches both",
            "cancel_sync refuses the combination with Error::Unsupported rather than cancel more than asked",
        ),
        Err(e) => show(false, "IORING_REGISTER_SYNC_CANCEL", "", &format!("cancel_sync fails: {e}")),
    }
    if let Ok(honoured) = ring.sync_cancel_matches_opcode() {
        show(
            honoured,
            "sync cancel by opcode (IORING_ASYNC_CANCEL_OP)",
            "CancelBuilder::opcode works in cancel_sync",
            "cancel_sync by opcode fails with Error::Unsupported",
        );
    }
    for (flag, what, with) in [
        (
            IOU_PBUF_RING_MMAP,
            "buffer rings in kernel memory (IOU_PBUF_RING_MMAP)",
            "BufRingConfig::kernel_mapped works",
        ),
        (IOU_PBUF_RING_INC, "incremental buffer rings (IOU_PBUF_RING_INC)", "BufRingConfig::incremental works"),
    ] {
        if let Ok(has) = ring.buf_ring_flag_supported(flag) {
            show(has, what, with, "registering such a buffer ring fails with Error::Unsupported");
        }
    }
    match ring.napi_has_tracking_modes() {
        Ok(has) => show(
            has,
            "NAPI tracking modes",
            "static tracking and static NAPI ids can be registered",
            "only dynamic tracking: static tracking and ids fail with Error::Unsupported",
        ),
        Err(e) => show(false, "NAPI busy polling", "", &format!("register_napi fails: {e}")),
    }
    println!("  ({lacking} of the above missing on this kernel)");
}

/// The running kernel's release string.
fn release() -> String {
    // SAFETY: utsname is plain bytes; all-zero is valid.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes one utsname.
    unsafe { libc::uname(&mut uts) };
    // SAFETY: uname NUL-terminates the release field.
    unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) }.to_string_lossy().into_owned()
}
