//! The ring's memory and identity: slot and region sizes from the setup
//! flags, rings in caller memory (`IORING_SETUP_NO_MMAP`) and huge pages,
//! the ring's descriptor and registered index, size clamps, and what the
//! probe reports.

use crate::caps;
use crate::support::{counter, poll_with};
use core::ptr::NonNull;
use core::time::Duration;
use ring_core::layout::{cq_ring_len, cqe_size, sq_ring_len, sqe_size, sqes_len};
use ring_core::sys::*;
use ring_core::{Builder, Ring};
use std::task::Poll;

/// Pushes a NOP carrying `user_data`.
fn push_nop(ring: &mut Ring, user_data: u64) {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = user_data;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
}

/// The `user_data` of every completion ready now.
fn reap(ring: &mut Ring) -> Vec<u64> {
    let mut v: Vec<u64> = std::iter::from_fn(|| ring.cq().pop()).map(|c| c.user_data).collect();
    v.sort_unstable();
    v
}

fn page() -> usize {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// An anonymous mapping the test leaks on purpose (memory a ring may keep
/// pinned must never be reused).
fn leaked_pages(n: usize) -> NonNull<u8> {
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            n * page(),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    NonNull::new(p.cast()).unwrap()
}

#[test]
fn slot_sizes_follow_the_size_flags_only() {
    let others = IORING_SETUP_SQPOLL | IORING_SETUP_NO_MMAP | IORING_SETUP_NO_SQARRAY | IORING_SETUP_CQSIZE;
    for extra in [0, others] {
        assert_eq!(sqe_size(extra), 64, "flags {extra:#x}");
        assert_eq!(cqe_size(extra), 16, "flags {extra:#x}");
        assert_eq!(sqe_size(extra | IORING_SETUP_SQE128), 128, "flags {extra:#x}");
        assert_eq!(cqe_size(extra | IORING_SETUP_CQE32), 32, "flags {extra:#x}");
        assert_eq!(sqe_size(extra | IORING_SETUP_CQE32), 64, "flags {extra:#x}");
        assert_eq!(cqe_size(extra | IORING_SETUP_SQE128), 16, "flags {extra:#x}");
    }
}

#[test]
fn region_lengths_follow_the_offsets() {
    let mut p = io_uring_params { sq_entries: 8, cq_entries: 16, ..Default::default() };
    p.sq_off.array = 1000;
    p.cq_off.cqes = 320;
    assert_eq!(sq_ring_len(&p), 1000 + 8 * 4);
    assert_eq!(cq_ring_len(&p), 320 + 16 * 16);
    assert_eq!(sqes_len(&p), 8 * 64);
    p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
    assert_eq!(cq_ring_len(&p), 320 + 16 * 32);
    assert_eq!(sqes_len(&p), 8 * 128);
    p.flags = IORING_SETUP_NO_SQARRAY;
    assert_eq!(sq_ring_len(&p), 0, "without the array the CQ mapping covers the SQ words");
}

#[test]
fn no_mmap_ring_fits_in_exactly_the_memory_it_needs() {
    // 64 SQEs of 64 bytes fill one page, and the ring header with 128 CQEs
    // of 16 bytes fits in another; lent exactly that, the ring is built and
    // runs. (Counting a slot as larger than it is would ask for more.)
    let sqes = leaked_pages(1);
    let rings = leaked_pages(1);
    assert_eq!(page(), 4096, "the sizes below assume 4 KiB pages");
    // SAFETY: both regions are fresh mappings used by nothing else and never unmapped (leaked on purpose).
    let b = unsafe { Builder::new(64).no_mmap_in(sqes, page(), rings, page()) };
    let Some(mut ring) = caps::build_or_skip(b, "no_mmap_ring_fits_in_exactly_the_memory_it_needs") else {
        return;
    };
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (64, 128));
    for i in 0..64 {
        push_nop(&mut ring, i);
    }
    ring.submit_and_wait(64).unwrap();
    assert_eq!(reap(&mut ring), (0..64).collect::<Vec<_>>());
}

/// What `/proc/self/fd/<fd>` points to.
fn fd_target(fd: i32) -> String {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Three rings built on a fresh thread get registered indexes 0, 1 and 2 (the
/// table of registered rings is per thread), each has an io_uring descriptor,
/// and the flags, features and `Debug` are the kernel's.
#[test]
fn a_ring_reports_its_descriptor_index_flags_and_features() {
    if !caps::ring_fds("IORING_REGISTER_RING_FDS") {
        return;
    }
    use ring_core::sys::{IORING_FEAT_NODROP, IORING_FEAT_SINGLE_MMAP, IORING_SETUP_CQSIZE};
    std::thread::spawn(|| {
        let rings = [ring_core::Ring::new(4), ring_core::Builder::new(4).cq_size(16).build(), ring_core::Ring::new(4)]
            .map(Result::unwrap);
        let mut idx: Vec<u32> = rings.iter().map(|r| r.registered_index().expect("registered")).collect();
        idx.sort();
        assert_eq!(idx, [0, 1, 2]);
        for r in &rings {
            let fd = r.fd().expect("a descriptor");
            assert!(fd > 2);
            assert_eq!(fd_target(fd), "anon_inode:[io_uring]");
            assert_eq!(r.features(), r.params().features);
            assert_eq!(r.setup_flags(), r.params().flags);
        }
        let r = &rings[1];
        assert_ne!(r.setup_flags() & IORING_SETUP_CQSIZE, 0);
        assert!(r.features() > 1);
        assert!(r.has_feature(IORING_FEAT_SINGLE_MMAP));
        assert!(r.has_feature(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP));
        assert!(!r.has_feature(1 << 31), "no such feature");
        let want = format!(
            concat!(
                "Ring {{ fd: {}, registered_index: {:?}, sq_entries: 4, cq_entries: 16, ",
                "flags: {:#x}, features: {:#x}, .. }}"
            ),
            r.fd().unwrap(),
            r.registered_index(),
            r.setup_flags(),
            r.features()
        );
        assert_eq!(format!("{r:?}"), want);
    })
    .join()
    .unwrap();
}

/// A ring built without the registration gets an index when asked, and keeps
/// working through it.
#[test]
fn registering_a_rings_descriptor_later_gives_it_an_index() {
    if !caps::ring_fds("IORING_REGISTER_RING_FDS") {
        return;
    }
    let mut ring = ring_core::Builder::new(4).register_ring_fd(false).build().unwrap();
    assert_eq!(ring.registered_index(), None);
    assert!(ring.register_ring_fd().unwrap());
    assert!(ring.registered_index().is_some());
    assert!(ring.register_ring_fd().unwrap(), "already registered");
    a_nop_round_trips(ring);
}

/// How many io_uring descriptors this process has open.
fn io_uring_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).map(|p| p.to_string_lossy() == "anon_inode:[io_uring]").unwrap_or(false)
        })
        .count()
}

/// A dropped ring closes its descriptor. Counted in a child process, where no
/// other test opens rings meanwhile. A ring set up with `REGISTERED_FD_ONLY`
/// exists only as an index in its thread's table of 16 registered rings, and
/// dropping it must unregister it, or the 17th such ring on the thread fails
/// with `EBUSY`.
#[test]
fn a_dropped_ring_closes_its_descriptor_and_gives_back_its_index() {
    if !crate::support::in_child() {
        assert!(crate::support::run_as_child(
            "ring_memory::a_dropped_ring_closes_its_descriptor_and_gives_back_its_index"
        ));
        return;
    }
    let before = io_uring_fds();
    let ring = ring_core::Builder::new(4).register_ring_fd(false).build().unwrap();
    assert_eq!(io_uring_fds(), before + 1);
    drop(ring);
    assert_eq!(io_uring_fds(), before, "the descriptor was closed");
    if !caps::setup(
        ring_core::Builder::new(4).registered_fd_only(),
        "IORING_SETUP_REGISTERED_FD_ONLY (the second half)",
    ) {
        return;
    }
    std::thread::spawn(|| {
        for i in 0..20 {
            let ring = ring_core::Builder::new(4).registered_fd_only().build();
            let ring = ring.unwrap_or_else(|e| panic!("ring {i}: {e}"));
            assert_eq!(ring.fd(), None);
        }
    })
    .join()
    .unwrap();
}

/// Whether the system has huge pages reserved (`vm.nr_hugepages`).
fn huge_pages_reserved() -> bool {
    std::fs::read_to_string("/proc/sys/vm/nr_hugepages").map(|s| s.trim() != "0").unwrap_or(true)
}

/// A region larger than a page takes a 2 MiB huge page; with none reserved,
/// `mmap` fails with `ENOMEM`, and that is the error `build` must return for a
/// 2 MiB SQE array (16384 entries of 128 bytes), an 8 KiB one (64 entries of
/// 128 bytes), a CQ of 256 entries (set with `cq_size`) and a CQ of 128 32-byte
/// entries. Under the faulty versions the region is sized as one page (the
/// kernel then refuses the setup, or worse), too large for a huge page
/// (`TooLong`), or mapped with flags that fail with `EINVAL` or take ordinary
/// pages. Skipped where huge pages are reserved.
#[test]
fn a_no_mmap_region_larger_than_a_page_takes_a_huge_page() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    if huge_pages_reserved() {
        println!("SKIP: huge pages are reserved here, so the allocations succeed");
        return;
    }
    for (what, b) in [
        ("2 MiB of SQEs", ring_core::Builder::new(16384).sqe128()),
        ("64 SQEs of 128 bytes", ring_core::Builder::new(64).sqe128()),
        ("a CQ of 256", ring_core::Builder::new(32).cq_size(256)),
        ("a CQ of 128 32-byte entries", ring_core::Builder::new(64).cqe32()),
    ] {
        match b.no_mmap().build() {
            Err(ring_core::Error::Syscall { call: ring_core::error::Call::Mmap, errno }) => {
                assert_eq!(errno.raw(), libc::ENOMEM, "{what}")
            }
            Err(e) => panic!("{what}: {e:?}"),
            Ok(_) => panic!("{what}: built without huge pages"),
        }
    }
    // A ring whose regions fit in a page each builds.
    ring_core::Builder::new(32).no_mmap().build().unwrap();
}

/// With `CLAMP`, 65536 SQ entries are clamped to 32768, so a CQ of 32768 is
/// large enough; a faulty version compares it with the unclamped 65536 and
/// refuses the ring.
#[test]
fn a_clamped_sq_is_compared_with_the_cq_at_its_clamped_size() {
    let ring = ring_core::Builder::new(65536).clamp().cq_size(32768).build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (32768, 32768));
}

/// Every answer is checked against the kernel's own (the opcode probe, the
/// ring's features) or against a boundary.
#[test]
fn a_probe_reports_what_the_kernel_said() {
    if !caps::opcode(ring_core::sys::IORING_OP_MSG_RING, "opcodes up to IORING_OP_MSG_RING") {
        return;
    }
    use ring_core::names::{opcode_name, register_op_name};
    use ring_core::probe::Probe;
    use ring_core::sys::{
        IORING_FEAT_NODROP, IORING_FEAT_SINGLE_MMAP, IORING_OP_NOP, IORING_OP_READ, IORING_REGISTER_PROBE,
        IORING_REGISTER_USE_REGISTERED_RING,
    };
    let ring = ring_core::Ring::new(4).unwrap();
    let p = Probe::new(&ring).unwrap();
    assert_eq!(opcode_name(IORING_OP_READ), "IORING_OP_READ");
    assert_eq!(opcode_name(200), "unknown IORING_OP_*");
    assert_eq!(register_op_name(IORING_REGISTER_PROBE | IORING_REGISTER_USE_REGISTERED_RING), "IORING_REGISTER_PROBE");
    assert_eq!(register_op_name(IORING_REGISTER_PROBE), "IORING_REGISTER_PROBE");
    assert_eq!(register_op_name(200), "unknown IORING_REGISTER_*");
    assert!(p.supported(IORING_OP_NOP) && p.supported(IORING_OP_READ));
    assert!(!p.supported(255));
    assert!(p.require(IORING_OP_READ).is_ok());
    assert!(matches!(p.require(255), Err(ring_core::Error::UnsupportedOpcode { opcode: 255, .. })));
    let known = p.ops_known();
    assert!(known > 40, "a 5.18 or later kernel knows more than 40 opcodes: {known}");
    assert!(known < 256);
    let count = (0..=255u8).filter(|&o| p.supported(o)).count();
    assert_eq!(p.supported_count(), count);
    assert!(count > 1);
    assert_eq!(p.features(), ring.features());
    assert!(p.has_feature(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP));
    assert!(!p.has_feature(1 << 31));
    let (n, queried) = p.register_ops();
    assert!(n > 20, "{n} register operations");
    assert!(p.register_op_supported(IORING_REGISTER_PROBE));
    assert!(p.register_op_supported(n - 1));
    assert!(!p.register_op_supported(n));
    let debug = format!("{p:?}");
    assert!(debug.starts_with("Probe { opcodes: [\"IORING_OP_NOP\", \"IORING_OP_READV\""), "{debug}");
    assert!(debug.ends_with(&format!("features: {:#x}, register_ops: {n} }}", ring.features())), "{debug}");
    if caps::query("the query half") {
        assert!(queried, "a kernel that answers IORING_REGISTER_QUERY says how many register opcodes it knows");
        let flags = p.setup_flags().expect("the query reports the setup flags");
        assert!(flags > 1, "{flags:#x}");
        assert_ne!(flags & u64::from(ring_core::sys::IORING_SETUP_CQSIZE), 0);
    } else {
        // The register operations were counted one call at a time (see
        // `the_register_probe_reports_what_works` in register.rs); the
        // setup flags only a query can tell.
        assert_eq!(p.setup_flags(), None);
    }
}

/// An anonymous shared mapping of `pages` pages, unmapped on drop.
struct Mapping(std::ptr::NonNull<u8>, usize);

impl Mapping {
    fn new(pages: usize) -> Mapping {
        let len = pages * 4096;
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        Mapping(std::ptr::NonNull::new(p.cast()).unwrap(), len)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping `new` made; whatever lent it was dropped first.
        unsafe { libc::munmap(self.0.as_ptr().cast(), self.1) };
    }
}

/// A ring of 1024 SQEs with an SQ array (`no_sqarray(false)`) and 2048 CQEs
/// needs 16 pages of SQEs and 10 pages of rings (1024 bytes of header, 32768 of
/// CQEs and 4096 of SQ array, rounded up). Lent exactly that, it builds and
/// runs a NOP; lent a page less of either, it is refused with `TooLong` naming
/// the region. The mappings are a page larger than what is lent, so a faulty
/// version that lets the kernel use more than was lent stays inside memory the
/// test owns.
#[test]
fn memory_lent_to_a_no_mmap_ring_is_checked_against_the_rings_size() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    let sqes = Mapping::new(17);
    let rings = Mapping::new(11);
    let build = |sqe_pages: usize, ring_pages: usize| {
        let b = ring_core::Builder::new(1024).no_sqarray(false);
        // SAFETY: both regions are live mappings of this test, page-aligned
        // and used by nothing else; they are unmapped only after the ring
        // (and its driver) are dropped, at the end of the test.
        unsafe { b.no_mmap_in(sqes.0, sqe_pages * 4096, rings.0, ring_pages * 4096) }.build()
    };
    match build(15, 10) {
        Err(ring_core::Error::TooLong { what, .. }) => assert_eq!(what, "ring size for the lent SQE memory"),
        other => panic!("15 pages of SQEs: {other:?}"),
    }
    match build(16, 9) {
        Err(ring_core::Error::TooLong { what, .. }) => assert_eq!(what, "ring size for the lent ring memory"),
        other => panic!("9 pages of rings: {other:?}"),
    }
    let ring = match build(16, 10) {
        Ok(ring) => ring,
        Err(e) => panic!("exactly enough memory: {e:?}"),
    };
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (1024, 2048));
    a_nop_round_trips(ring);
}

/// A CQ of exactly `IORING_MAX_CQ_ENTRIES` (65536) is allowed, one more entry
/// is not.
#[test]
fn a_cq_of_the_kernels_maximum_size_is_allowed() {
    let ring = ring_core::Builder::new(4).cq_size(65536).build().unwrap();
    assert_eq!(ring.params().cq_entries, 65536);
    assert!(matches!(
        ring_core::Builder::new(4).cq_size(65537).build(),
        Err(ring_core::Error::RingSize { which: "cq", requested: 65537, max: 65536 })
    ));
}

/// The size of this process's address space, in pages (`/proc/self/statm`).
fn address_space_pages() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap();
    s.split_whitespace().next().unwrap().parse().unwrap()
}

/// The memory ring-core allocates for a `NO_MMAP` ring is unmapped when the
/// ring is dropped. In a child process (so that no other test maps or unmaps
/// meanwhile), 64 rings of two one-page regions each are built and dropped; the
/// address space must not grow by their 128 pages.
#[test]
fn a_dropped_no_mmap_ring_unmaps_the_memory_it_allocated() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    if !crate::support::in_child() {
        assert!(crate::support::run_as_child("ring_memory::a_dropped_no_mmap_ring_unmaps_the_memory_it_allocated"));
        return;
    }
    drop(ring_core::Builder::new(8).no_mmap().build().unwrap());
    let before = address_space_pages();
    for _ in 0..64 {
        drop(ring_core::Builder::new(8).no_mmap().build().unwrap());
    }
    let grown = address_space_pages().saturating_sub(before);
    assert!(grown < 32, "the address space grew by {grown} pages");
}

/// A 128-byte entry must be refused (`SqFull`) on a ring with neither `SQE128`
/// nor `SQE_MIXED`, where the faulty versions write it into two slots.
#[test]
fn a_plain_ring_refuses_a_128_byte_entry() {
    let mut ring = ring_core::Ring::new(4).unwrap();
    let sqe = ring_core::sys::io_uring_sqe128::default();
    // SAFETY: the entry names no memory, and it is refused (the assertion
    // checks that nothing was written); nothing is submitted.
    let r = unsafe { ring.sq().push128(&sqe) };
    assert!(r.is_err(), "a plain ring has no room for a 128-byte entry");
    assert!(ring.sq().is_empty());
}

/// A `REGISTERED_FD_ONLY` ring has no descriptor, so its `io_uring_register`
/// calls must go through its registered index; a faulty version sends them to
/// descriptor -1. A probe is such a call.
#[test]
fn a_ring_without_a_descriptor_registers_through_its_index() {
    if !caps::setup(ring_core::Builder::new(4).registered_fd_only(), "IORING_SETUP_REGISTERED_FD_ONLY") {
        return;
    }
    let ring = ring_core::Builder::new(4).registered_fd_only().build().unwrap();
    assert_eq!(ring.fd(), None);
    let probe = ring_core::probe::Probe::new(&ring).expect("a probe through the registered index");
    assert!(probe.supported(ring_core::sys::IORING_OP_NOP));
}

/// A NOP through a driver on `ring`: pending until the driver parks, then
/// complete with `Ok`. The driver and the NOP are dropped before returning.
fn a_nop_round_trips(ring: ring_core::Ring) {
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let mut nop = d.nop();
    let (_, noop) = counter();
    assert!(poll_with(&mut nop, &noop).is_pending());
    d.park(Some(Duration::from_secs(1))).unwrap();
    assert!(matches!(poll_with(&mut nop, &noop), Poll::Ready(Ok(()))));
}
