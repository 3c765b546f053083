//! Rule: foreign code (a waker's `clone`, `wake` or `drop`) may panic or
//! call back into the driver at any point where the library calls it; the
//! library never panics because of it (no double borrow of its state), never
//! loses an operation's outcome because of it, and its state stays
//! consistent (every entry and credit comes back).
//!
//! The points where the driver calls a waker: the clone when an operation
//! starts, when it waits for a credit, when it is polled again by another
//! task (single-shot, stream, chain); the wake of every due waker after a
//! turn, of waiters when room frees, of everyone at teardown; the drop of a
//! waker replaced or let go of.

use crate::hostile::{panics, Hostile};
use crate::support::{counter, drain, finish, poll_with};
use ring_core::ops::{KeepAlive, Timeout};
use ring_core::{Driver, Op};
use std::cell::RefCell;
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::task::{Poll, Waker};
use std::time::Duration;

fn temp_file(tag: &str) -> CString {
    let p = std::env::temp_dir().join(format!("ring-adversarial-{tag}-{}", std::process::id()));
    std::fs::write(&p, b"canary").unwrap();
    CString::new(p.into_os_string().into_encoded_bytes()).unwrap()
}

/// Rule: the claim on an operation is made before any foreign code runs.
/// A waker whose `clone` panics while the operation starts leaves the
/// operation claimed by its future: polled again, it delivers its outcome,
/// and the entry and its credit come back.
#[test]
fn a_panicking_clone_at_start_loses_no_outcome() {
    let d = Driver::new(8).unwrap();
    let credits = d.credits();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut op = d.nop();
    assert!(panics(|| poll_with(&mut op, &h.waker())));
    finish(&d, &mut op).unwrap();
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.credits(), credits);
}

/// Rule: an operation that started ends with exactly one outcome, whatever
/// its waker's `clone` does: an open whose waker panicked at the start
/// still hands its descriptor to its future (it is not leaked).
#[test]
fn a_panicking_clone_at_start_loses_no_descriptor() {
    let d = Driver::new(8).unwrap();
    let path = temp_file("open-clone");
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut open = d.openat(ring_core::At::CWD, path.clone(), libc::O_RDONLY, 0);
    assert!(panics(|| poll_with(&mut open, &h.waker())));
    let fd = finish(&d, &mut open).expect("the open's descriptor is delivered");
    assert!(fd.as_raw_fd() >= 0);
    drop(fd);
    std::fs::remove_file(path.to_str().unwrap()).unwrap();
}

/// Rule: an operation whose waker's `clone` panicked at the start, then
/// dropped, is orphaned like any other: its entry and credit come back.
#[test]
fn a_panicking_clone_at_start_then_a_drop_returns_the_entry() {
    let d = Driver::new(8).unwrap();
    let credits = d.credits();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut sleep = d.sleep(Duration::from_secs(30));
    assert!(panics(|| poll_with(&mut sleep, &h.waker())));
    drop(sleep);
    drain(&d);
    assert_eq!(d.credits(), credits);
    assert_eq!(d.stats().orphans_reaped, 1);
}

/// Rule: a waker's `clone` may call back into the driver (turn it, read its
/// counters, start, poll and drop other operations, park it) while an
/// operation starts; nothing panics and nothing is lost.
#[test]
fn a_clone_that_calls_back_into_the_driver_at_start_works() {
    let d = Driver::new(8).unwrap();
    let others: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let victim = Rc::new(RefCell::new(Some(d.sleep(Duration::from_secs(30)))));
    assert!(poll_with(victim.borrow_mut().as_mut().unwrap(), Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let (d, others, victim) = (d.clone(), others.clone(), victim.clone());
        h.clone.on(move || {
            d.poll().unwrap();
            let _ = (d.in_flight(), d.stats(), d.credits());
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            others.borrow_mut().push(nop);
            drop(victim.borrow_mut().take());
            d.park(Some(Duration::ZERO)).unwrap();
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.clone.count.get() >= 1, "the driver cloned the waker");
    finish(&d, &mut op).unwrap();
    for mut nop in others.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
    assert_eq!(d.stats().orphans_reaped, 1, "the dropped sleep was orphaned");
}

/// Rule: a completion reaped while the new waker of an operation is being
/// cloned (the clone parks the driver) reaches that waker: the operation is
/// woken, not left waiting for a wake-up that already went to nobody.
#[test]
fn a_clone_that_completes_its_own_operation_still_wakes_it() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    {
        let d = d.clone();
        h.clone.on(move || {
            // The NOP being started is published: this turn completes it.
            let _ = d.park(Some(Duration::from_millis(100)));
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.wakes() >= 1, "the operation's waker was woken");
    assert!(poll_with(&mut op, Waker::noop()).is_ready());
}

/// Rule: a future's claim survives a panicking `clone` of the waker it is
/// polled with later (by another task): polled again, it completes.
#[test]
fn a_panicking_clone_when_polled_again_keeps_the_claim() {
    let d = Driver::new(8).unwrap();
    let mut op = d.sleep(Duration::from_millis(20));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut op, &h.waker())));
    finish(&d, &mut op).unwrap();
    assert_eq!(d.in_flight(), 0);
}

/// Rule: an operation polled again with a new waker whose `clone` turns
/// the driver and so completes the operation still gets that waker woken.
#[test]
fn a_clone_when_polled_again_that_completes_the_operation_wakes_the_new_waker() {
    let d = Driver::new(8).unwrap();
    let mut op = d.nop();
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let d = d.clone();
        h.clone.on(move || {
            let _ = d.park(Some(Duration::from_millis(100)));
        });
    }
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.wakes() >= 1, "the new waker was woken for the completion");
    assert!(poll_with(&mut op, Waker::noop()).is_ready());
}

/// Starts as many sleeps as there are credits, so the next operation waits.
fn fill(d: &Driver) -> Vec<Op<Timeout>> {
    let mut fillers = Vec::new();
    while d.credits() > 0 {
        let mut s = d.sleep(Duration::from_millis(20));
        assert!(poll_with(&mut s, Waker::noop()).is_pending());
        fillers.push(s);
    }
    fillers
}

/// Rule: an operation waiting for a credit keeps its place (its ticket)
/// if its waker's `clone` panics; once room frees it starts and completes.
#[test]
fn a_panicking_clone_while_waiting_for_a_credit_keeps_the_ticket() {
    let d = Driver::new(2).unwrap();
    let mut fillers = fill(&d);
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut late = d.nop();
    assert!(panics(|| poll_with(&mut late, &h.waker())));
    for f in &mut fillers {
        finish(&d, f).unwrap();
    }
    finish(&d, &mut late).unwrap();
    drain(&d);
}

/// Rule: a waiter whose waker's `clone` frees the room it waits for (by
/// completing other operations) is woken, not forgotten: the wake-up that
/// came while its waker was being cloned goes to the clone.
#[test]
fn a_clone_that_frees_the_credit_it_waits_for_wakes_the_waiter() {
    let d = Driver::new(2).unwrap();
    let fillers = Rc::new(RefCell::new(fill(&d)));
    let h = Hostile::new();
    {
        let (d, fillers) = (d.clone(), fillers.clone());
        h.clone.on(move || {
            for f in fillers.borrow_mut().iter_mut() {
                finish(&d, f).unwrap();
            }
            fillers.borrow_mut().clear();
        });
    }
    let mut late = d.nop();
    assert!(poll_with(&mut late, &h.waker()).is_pending());
    h.clone.off();
    assert!(fillers.borrow().is_empty(), "the clone completed the fillers");
    assert!(h.wakes() >= 1, "the waiter was woken for the room its clone made");
    finish(&d, &mut late).unwrap();
    drain(&d);
}

/// Rule: a waker whose `wake` panics does not keep the other due wakers of
/// the same turn from being woken; the panic reaches the caller of the
/// turn, and the driver goes on working.
#[test]
fn a_panicking_wake_does_not_keep_others_from_being_woken() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let (count, good) = counter();
    let mut first = d.nop();
    assert!(poll_with(&mut first, &h.waker()).is_pending());
    let mut second = d.nop();
    assert!(poll_with(&mut second, &good).is_pending());
    let mut turned = false;
    for _ in 0..100 {
        let panicked = panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        turned |= panicked;
        if count.0.load(Ordering::SeqCst) > 0 {
            break;
        }
    }
    assert!(turned, "the waker's panic reached the caller of the turn");
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the other waker was woken in the same turn");
    finish(&d, &mut first).unwrap();
    finish(&d, &mut second).unwrap();
    drain(&d);
}

/// Rule: a waker's `wake` may call back into the driver (turn it, start and
/// drop operations); nothing panics and nothing is lost.
#[test]
fn a_wake_that_calls_back_into_the_driver_works() {
    let d = Driver::new(8).unwrap();
    let started: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let victim = Rc::new(RefCell::new(Some(d.sleep(Duration::from_secs(30)))));
    assert!(poll_with(victim.borrow_mut().as_mut().unwrap(), Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let (d, started, victim) = (d.clone(), started.clone(), victim.clone());
        h.wake.on(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            started.borrow_mut().push(nop);
            drop(victim.borrow_mut().take());
            d.poll().unwrap();
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    while h.wakes() == 0 {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    h.wake.off();
    finish(&d, &mut op).unwrap();
    for mut nop in started.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
    assert_eq!(d.stats().orphans_reaped, 1);
}

/// Rule: a waker whose `drop` panics when the driver lets go of it leaves
/// the operation's claim intact and the driver consistent; a waker whose
/// `drop` calls back into the driver works.
#[test]
fn a_waker_drop_that_panics_or_calls_back_is_contained() {
    let d = Driver::new(8).unwrap();
    let mut op = d.sleep(Duration::from_millis(20));
    let h = Hostile::new();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    assert_eq!(h.live(), 1, "the driver holds a clone");
    h.drop.panic_next(1);
    // Polled by another task: the first waker is let go of (dropped once the
    // driver's state is not borrowed), and its panic reaches this poll,
    // whose claim is kept.
    assert!(panics(|| poll_with(&mut op, Waker::noop())));
    assert_eq!(h.live(), 0, "the replaced waker was dropped");
    finish(&d, &mut op).unwrap();
    let h2 = Hostile::new();
    {
        let d = d.clone();
        h2.drop.on(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            d.poll().unwrap();
            drop(nop);
        });
    }
    let mut op = d.sleep(Duration::from_millis(5));
    assert!(poll_with(&mut op, &h2.waker()).is_pending());
    finish(&d, &mut op).unwrap();
    drain(&d);
    assert_eq!(h2.live(), 0, "every clone was dropped");
}

/// Rule: teardown wakes everyone waiting on the driver, even if one waker
/// panics; the operations end as cancelled and nothing stays in flight.
#[test]
fn teardown_wakes_every_waker_even_if_one_panics() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let (count, good) = counter();
    let mut a = d.sleep(Duration::from_secs(30));
    assert!(poll_with(&mut a, &h.waker()).is_pending());
    let mut b = d.sleep(Duration::from_secs(30));
    assert!(poll_with(&mut b, &good).is_pending());
    d.poll().unwrap();
    assert!(panics(|| d.shutdown()), "the waker's panic reaches shutdown's caller");
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the other waiter was woken");
    assert!(finish(&d, &mut a).is_err());
    assert!(finish(&d, &mut b).is_err());
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.teardown_report().map(|r| r.leaked), Some(0));
}

/// Drops count, and panics at the first drop if asked to.
struct Keep {
    drops: Rc<std::cell::Cell<u32>>,
    panic: bool,
    call: Option<Box<dyn FnOnce()>>,
}

impl Drop for Keep {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
        if let Some(f) = self.call.take() {
            f();
        }
        if self.panic && !std::thread::panicking() {
            panic!("hostile drop");
        }
    }
}

/// How many of this process's descriptors name the file at `path`.
fn descriptors_of(path: &CString) -> usize {
    let want = std::path::Path::new(path.to_str().unwrap());
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == want)
        .count()
}

/// Rule: a value handed to an operation whose `Drop` panics when the
/// driver drops it (its future was dropped, the operation orphaned) does
/// not keep the other orphans of the same turn from being finished (an
/// orphaned open still closes the descriptor it opened); the panic reaches
/// the caller of the turn; every entry comes back.
#[test]
fn an_orphan_whose_drop_panics_does_not_skip_the_other_orphans() {
    let d = Driver::new(8).unwrap();
    let path = temp_file("orphan-drop");
    let drops = Rc::new(std::cell::Cell::new(0));
    let keep = |panic| Keep { drops: drops.clone(), panic, call: None };
    let mut first = d.op(KeepAlive::new(ring_core::ops::Nop, keep(true)));
    let mut open = d.openat(ring_core::At::CWD, path.clone(), libc::O_RDONLY, 0);
    let mut last = d.op(KeepAlive::new(ring_core::ops::Nop, keep(false)));
    assert!(poll_with(&mut first, Waker::noop()).is_pending());
    assert!(poll_with(&mut open, Waker::noop()).is_pending());
    assert!(poll_with(&mut last, Waker::noop()).is_pending());
    // Orphaned before any is reaped (the SQEs are not even submitted): the
    // next turn reaps all three, the panicking one's completion first.
    drop((first, open, last));
    let mut panicked = false;
    for _ in 0..100 {
        panicked |= panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        if d.in_flight() == 0 {
            break;
        }
    }
    assert!(panicked, "the drop's panic reached the caller of the turn");
    assert_eq!(drops.get(), 2, "every orphan's value was dropped");
    assert_eq!(descriptors_of(&path), 0, "the orphaned open's descriptor was closed");
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.stats().orphans_reaped, 3);
    std::fs::remove_file(path.to_str().unwrap()).unwrap();
}

/// Rule: a value whose `Drop` calls back into the driver (starts an
/// operation, turns the driver, drops the last handle) when the driver
/// drops it works: nothing panics.
#[test]
fn an_orphan_whose_drop_calls_back_into_the_driver_works() {
    let d = Driver::new(8).unwrap();
    let drops = Rc::new(std::cell::Cell::new(0));
    let started: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let call: Box<dyn FnOnce()> = {
        let (d, started) = (d.clone(), started.clone());
        Box::new(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            started.borrow_mut().push(nop);
            d.poll().unwrap();
        })
    };
    let keep = Keep { drops: drops.clone(), panic: false, call: Some(call) };
    let mut op = d.op(KeepAlive::new(ring_core::ops::Nop, keep));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    drop(op);
    while drops.get() == 0 {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    for mut nop in started.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
}

/// Rule: a stream keeps its claim if its waker's `clone` panics as it
/// starts: polled again it delivers every item, and its entry comes back.
#[test]
fn a_panicking_clone_at_a_streams_start_loses_no_item() {
    // A tick stream is a multishot timeout, which some kernels lack.
    if !crate::caps::multishot_timeouts("a_panicking_clone_at_a_streams_start_loses_no_item") {
        return;
    }
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut ticks = d.ticks(Duration::from_millis(2), 3);
    assert!(panics(|| poll_with(&mut ticks.next(), &h.waker())));
    let mut items = 0;
    while finish(&d, &mut ticks.next()).is_some() {
        items += 1;
    }
    assert_eq!(items, 3);
    drain(&d);
}

/// Rule: a stream whose new waker's `clone` panics keeps its claim too.
#[test]
fn a_panicking_clone_when_a_stream_is_polled_again_keeps_the_claim() {
    // A tick stream is a multishot timeout, which some kernels lack.
    if !crate::caps::multishot_timeouts("a_panicking_clone_when_a_stream_is_polled_again_keeps_the_claim") {
        return;
    }
    let d = Driver::new(8).unwrap();
    let mut ticks = d.ticks(Duration::from_millis(2), 2);
    assert!(poll_with(&mut ticks.next(), Waker::noop()).is_pending());
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut ticks.next(), &h.waker())));
    let mut items = 0;
    while finish(&d, &mut ticks.next()).is_some() {
        items += 1;
    }
    assert_eq!(items, 2);
    drain(&d);
}

/// Rule: a chain waiting for room keeps its place if its waker's `clone`
/// panics; it starts once room frees.
#[test]
fn a_panicking_clone_while_a_chain_waits_keeps_it() {
    let d = Driver::new(2).unwrap();
    let mut fillers = fill(&d);
    let mut chain = d.chain();
    let a = chain.push(ring_core::ops::Nop);
    let b = chain.push(ring_core::ops::Nop);
    let mut start = chain.start();
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut start, &h.waker())));
    for f in &mut fillers {
        finish(&d, f).unwrap();
    }
    let mut started = finish(&d, &mut start).expect("the chain starts once room frees");
    finish(&d, &mut started.take(a).unwrap()).unwrap();
    finish(&d, &mut started.take(b).unwrap()).unwrap();
    drain(&d);
}

/// Rule: a clone that drops the last handle of the driver while an
/// operation starts (teardown from inside a waker) works: the operation
/// ends (completed or cancelled) and nothing panics.
#[test]
fn a_clone_that_drops_the_last_driver_handle_works() {
    let d = Driver::new(8).unwrap();
    let mut op = d.nop();
    let holder = Rc::new(RefCell::new(Some(d)));
    let h = Hostile::new();
    {
        let holder = holder.clone();
        h.clone.on(move || drop(holder.borrow_mut().take()));
    }
    let _ = poll_with(&mut op, &h.waker());
    h.clone.off();
    assert!(holder.borrow().is_none(), "the clone dropped the last handle");
    let mut done = false;
    for _ in 0..100 {
        if let Poll::Ready(r) = poll_with(&mut op, Waker::noop()) {
            let _ = r;
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(done, "the operation ended after teardown");
}

/// Rule: the AIO context's waiter keeps working when the waker it lets go
/// of (replaced by a new poll) releases, from its destructor, the very
/// permit the waiter waits for: the old waker is dropped with nothing
/// borrowed, and the waiter is granted and completes.
#[test]
fn an_aio_waker_whose_drop_releases_the_permit_works() {
    use ring_core::adapters::aio::AioContext;
    use ring_core::buf::AlignedBuf;
    use std::os::fd::{FromRawFd, OwnedFd};
    let d: &'static Driver = Box::leak(Box::new(Driver::new(8).unwrap()));
    let ctx: &'static AioContext = Box::leak(Box::new(AioContext::new(d, 1)));
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors this test owns.
    let (r, w) = unsafe { (Rc::new(OwnedFd::from_raw_fd(fds[0])), OwnedFd::from_raw_fd(fds[1])) };
    let r: &'static Rc<OwnedFd> = Box::leak(Box::new(r));
    let first = Rc::new(RefCell::new(Box::pin(ctx.read(r, 0, AlignedBuf::new(4096).unwrap()))));
    assert!(poll_with(&mut *first.borrow_mut(), Waker::noop()).is_pending());
    d.poll().unwrap();
    let mut second = Box::pin(ctx.sync(r));
    let h = Hostile::new();
    assert!(poll_with(&mut second, &h.waker()).is_pending());
    assert_eq!(ctx.waiting(), 1);
    let drops = h.drop.count.get();
    {
        let first = first.clone();
        h.drop.on(move || {
            // SAFETY: writes from a live byte to a descriptor this test owns.
            assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) }, 1);
            // The first read completes and its value (and permit) is
            // dropped: the permit goes to the waiter whose waker this is.
            finish(d, &mut *first.borrow_mut()).0.unwrap();
        });
    }
    // Polled by another task: the hostile waker is let go of.
    let _ = poll_with(&mut second, Waker::noop());
    h.drop.off();
    assert_eq!(h.drop.count.get(), drops + 1, "the old waker was dropped");
    // An fsync of a pipe fails (EINVAL); what matters is that it ran.
    let _ = finish(d, &mut second);
    assert_eq!(ctx.in_flight(), 0);
}

/// A waker whose `wake_by_ref` runs a callback and then panics, and whose
/// `drop`, once armed, panics even while the thread unwinds (a second panic
/// there aborts the process).
struct Brutal {
    on_wake: RefCell<Option<Box<dyn FnMut()>>>,
    armed: std::cell::Cell<bool>,
    drops: std::cell::Cell<usize>,
}

static BRUTAL: std::task::RawWakerVTable =
    std::task::RawWakerVTable::new(brutal_clone, brutal_wake, brutal_wake_by_ref, brutal_drop);

impl Brutal {
    fn waker(self: &Rc<Self>) -> Waker {
        let raw = std::task::RawWaker::new(Rc::into_raw(self.clone()).cast(), &BRUTAL);
        // SAFETY: the vtable's functions keep the reference count of the
        // `Rc<Brutal>` the data pointer came from.
        unsafe { Waker::from_raw(raw) }
    }
}

unsafe fn brutal_clone(p: *const ()) -> std::task::RawWaker {
    // SAFETY: `p` came from `Rc::into_raw` in `Brutal::waker`.
    unsafe { Rc::increment_strong_count(p.cast::<Brutal>()) };
    std::task::RawWaker::new(p, &BRUTAL)
}

unsafe fn brutal_wake(p: *const ()) {
    // SAFETY: as in `brutal_clone`; `wake` consumes this reference.
    unsafe {
        brutal_wake_by_ref(p);
        brutal_drop(p);
    }
}

unsafe fn brutal_wake_by_ref(p: *const ()) {
    // SAFETY: as in `brutal_clone`; the reference outlives this call.
    let b = unsafe { &*p.cast::<Brutal>() };
    let call = b.on_wake.borrow_mut().take();
    if let Some(mut f) = call {
        f();
    }
    panic!("brutal waker: wake");
}

unsafe fn brutal_drop(p: *const ()) {
    // SAFETY: as in `brutal_clone`; `drop` gives back this reference.
    let b = unsafe { Rc::from_raw(p.cast::<Brutal>()) };
    b.drops.set(b.drops.get() + 1);
    if b.armed.get() {
        panic!("brutal waker: drop");
    }
}

/// Rule: the turn wakes a task and lets go of its waker inside its
/// containment even when the wake panics: a task that, from its wake,
/// drops its completed operation and starts another with another waker
/// makes the driver let go of the first waker, so the turn holds its last
/// reference; that waker's drop then runs caught (its panic is not a second
/// one during unwinding, which would abort), and the wake's panic reaches
/// the caller of the turn.
#[test]
fn a_waker_let_go_of_during_its_panicking_wake_is_dropped_without_an_abort() {
    let d = Driver::new(8).unwrap();
    let b = Rc::new(Brutal { on_wake: RefCell::new(None), armed: false.into(), drops: 0.into() });
    let done: Rc<RefCell<Option<Op<ring_core::ops::Nop>>>> = Rc::default();
    let next: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    {
        let w = b.waker();
        let mut op = d.nop();
        assert!(poll_with(&mut op, &w).is_pending());
        *done.borrow_mut() = Some(op);
    }
    {
        let (d, done, next) = (d.clone(), done.clone(), next.clone());
        *b.on_wake.borrow_mut() = Some(Box::new(move || {
            drop(done.borrow_mut().take());
            let mut nop = d.nop();
            assert!(poll_with(&mut nop, Waker::noop()).is_pending());
            next.borrow_mut().push(nop);
        }));
    }
    b.armed.set(true);
    let mut panicked = false;
    for _ in 0..100 {
        panicked |= panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        if b.on_wake.borrow().is_none() {
            break;
        }
    }
    b.armed.set(false);
    assert!(panicked, "the wake's panic reached the caller of the turn");
    assert!(done.borrow().is_none(), "the wake ran");
    assert_eq!(Rc::strong_count(&b), 1, "every clone of the waker was dropped");
    for mut nop in next.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
}
