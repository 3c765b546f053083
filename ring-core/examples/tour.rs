//! A tour of io_uring on this machine: what the kernel supports, a NOP and
//! a read through the raw rings, then the same read through the safe layer.
//!
//! Run with `cargo run --release -p ring-core --example tour`.

use ring_core::names::{ENTER_FLAGS, FEATURES, OPCODES, REGISTER_OPS};
use ring_core::sys::*;
use ring_core::{Builder, Probe, Runtime};
use std::io::Write;
use std::os::fd::AsRawFd;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The raw system call: set up a ring and look at what came back.
    let mut ring = Builder::new(64).build()?;
    let p = *ring.params();
    let mut uts: libc::utsname = unsafe_utsname();
    // SAFETY: uname writes one utsname.
    unsafe { libc::uname(&mut uts) };
    // SAFETY: uname NUL-terminates the release field.
    let release = unsafe { std::ffi::CStr::from_ptr(uts.release.as_ptr()) }.to_string_lossy();
    println!("== io_uring on Linux {release} (syscalls via {}) ==", ring_sys::syscall::PATH);
    println!(
        "ring: {} SQ entries, {} CQ entries, fd {:?}, registered index {:?}",
        p.sq_entries,
        p.cq_entries,
        ring.fd(),
        ring.registered_index()
    );
    println!("setup flags in use: {:#x} (NO_SQARRAY: {})", p.flags, p.flags & IORING_SETUP_NO_SQARRAY != 0);
    println!(
        "SQ ring offsets: head {} tail {} mask {} entries {} flags {} dropped {} array {}",
        p.sq_off.head,
        p.sq_off.tail,
        p.sq_off.ring_mask,
        p.sq_off.ring_entries,
        p.sq_off.flags,
        p.sq_off.dropped,
        p.sq_off.array
    );
    println!(
        "CQ ring offsets: head {} tail {} mask {} entries {} overflow {} cqes {} flags {}",
        p.cq_off.head,
        p.cq_off.tail,
        p.cq_off.ring_mask,
        p.cq_off.ring_entries,
        p.cq_off.overflow,
        p.cq_off.cqes,
        p.cq_off.flags
    );

    println!("\n== features ({} of {}) ==", FEATURES.iter().filter(|f| ring.has_feature(f.0)).count(), FEATURES.len());
    for (bit, name, since) in FEATURES {
        println!("  {:<32} {:<5} {}", name, since, if ring.has_feature(bit) { "yes" } else { "no" });
    }

    let probe = Probe::new(&ring)?;
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
    print_degradations(&ring, &probe);

    // 2. A NOP through the raw rings.
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = 0x1234;
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&sqe) }?;
    ring.submit_and_wait(1)?;
    let cqe = ring.cq().pop().ok_or("no completion")?;
    println!("\nNOP: user_data {:#x} res {}", cqe.user_data, cqe.res);

    // 3. A real read through the raw rings.
    let path = std::env::temp_dir().join(format!("ring-tour-{}", std::process::id()));
    std::fs::File::create(&path)?.write_all(b"read through the raw ring\n")?;
    let file = std::fs::File::open(&path)?;
    let mut buf = vec![0u8; 64];
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_READ;
    sqe.fd = file.as_raw_fd();
    sqe.set_addr(buf.as_mut_ptr() as u64);
    sqe.len = buf.len() as u32;
    sqe.set_off(0);
    sqe.user_data = 7;
    // SAFETY: `buf` outlives the read: we wait for its completion below
    // before touching or dropping `buf`.
    unsafe { ring.sq().push(&sqe) }?;
    ring.submit_and_wait(1)?;
    let cqe = ring.cq().pop().ok_or("no completion")?;
    let n = usize::try_from(cqe.res).map_err(|_| std::io::Error::from_raw_os_error(-cqe.res))?;
    print!("READ (raw): {n} bytes: {}", String::from_utf8_lossy(&buf[..n]));

    // 4. The same read through the safe layer: the buffer is moved into the
    //    operation and handed back with the result, and the operation holds
    //    the file (shared through an `Rc`) until the kernel is done, so it
    //    cannot be closed under the request.
    let rt = Runtime::new(64)?;
    let d = rt.driver().clone();
    let file = std::rc::Rc::new(file);
    let (res, buf) = rt.block_on(async move { d.read_at(&file, Vec::with_capacity(64), 0).await })?;
    print!("READ (safe): {} bytes: {}", res?, String::from_utf8_lossy(&buf));
    std::fs::remove_file(&path)?;
    Ok(())
}

/// What this kernel lacks that ring-core would use, and what it does
/// instead. Every line comes from asking the running kernel (a setup flag it
/// refused, a feature bit, the opcode and register probes, or a behaviour
/// tried on a private ring), never from its version number.
fn print_degradations(ring: &ring_core::Ring, probe: &Probe) {
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

fn unsafe_utsname() -> libc::utsname {
    // SAFETY: utsname is plain bytes; all-zero is valid.
    unsafe { std::mem::zeroed() }
}
