//! Rule: a `Drive` is foreign code (a safe public trait the caller
//! implements) that decides when and how the kernel is entered, never what
//! it is handed or when memory is freed. Whatever an implementation does
//! (panic in any method, claim to submit and not, refuse SQ room forever,
//! fail every entry, call back into the driver), the library never frees
//! memory the kernel may still write into, never aborts, never loses an
//! outcome, and never hangs past a deadline: the operations complete, or the
//! turn returns a typed error.

use crate::hostile::panics;
use crate::support::within;
use crate::support::{drain, finish, poll_with};
use ring_core::driver::{Drive, Enter};
use ring_core::{Builder, Driver, Error, Runtime};
use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

const N: usize = 4096;

/// Which method panics while armed.
#[derive(Clone, Copy, PartialEq, Debug)]
enum At {
    ReadySq,
    SubmitNow,
    Submit,
    Completions,
}

struct Armed {
    at: At,
    armed: Rc<Cell<bool>>,
}

impl Armed {
    fn check(&self, here: At) {
        if self.armed.get() && self.at == here {
            panic!("hostile drive at {here:?}");
        }
    }
}

impl Drive for Armed {
    fn poll_ready_sq(&mut self, _: u32, _: u32) -> Poll<()> {
        self.check(At::ReadySq);
        Poll::Ready(())
    }
    fn submit_now(&mut self, _: u32) -> bool {
        self.check(At::SubmitNow);
        false
    }
    fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
        self.check(At::Submit);
        enter.submit_and_wait().map(drop)
    }
    fn on_completions(&mut self, _: u32) {
        self.check(At::Completions);
    }
}

/// Writes into the socket whose read was in flight and counts the canaries
/// (same-size buffers allocated after the driver went) that received it.
fn canaries_hit(rx: &UnixStream, mut tx: UnixStream) -> usize {
    let canaries: Vec<Vec<u8>> = (0..256).map(|_| vec![0xCC; N]).collect();
    tx.write_all(&[0xAB; N]).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let hit = canaries.iter().filter(|c| c.iter().any(|&b| b != 0xCC)).count();
    rx.set_nonblocking(true).unwrap();
    let mut b = [0u8; N];
    let _ = (&*rx).read(&mut b);
    hit
}

/// A panic in any of the drive's methods is caught, raised once by a later
/// turn, and loses nothing: more operations than the SQ holds (so that SQ
/// room is asked for) all complete with their outputs, and the drive is
/// not asked again.
#[test]
fn a_panic_in_any_drive_method_is_raised_once_and_loses_nothing() {
    for at in [At::ReadySq, At::SubmitNow, At::Submit, At::Completions] {
        let armed = Rc::new(Cell::new(false));
        let d = Driver::with_drive(Builder::new(2).build().unwrap(), Armed { at, armed: armed.clone() });
        let mut ops: Vec<_> = (0..6).map(|_| d.nop()).collect();
        armed.set(true);
        let mut raised = 0;
        for op in ops.iter_mut() {
            if panics(|| poll_with(op, Waker::noop()).is_pending()) {
                raised += 1;
            }
        }
        for _ in 0..3 {
            if panics(|| d.park(Some(Duration::from_millis(10)))) {
                raised += 1;
            }
        }
        assert_eq!(raised, 1, "{at:?}: the drive's panic must come out exactly once");
        for op in ops.iter_mut() {
            finish(&d, op).unwrap();
        }
        drain(&d);
        armed.set(false);
    }
}

/// A drive that never enters the kernel (it claims to have submitted) and
/// never waits: the driver submits what the drive left at every turn, so
/// the operations complete; a park returns early rather than hang.
#[test]
fn a_drive_that_never_enters_the_kernel_still_makes_progress() {
    struct Lies(Rc<Cell<u32>>);
    impl Drive for Lies {
        fn submits_only_at_park(&self) -> bool {
            true
        }
        fn submit(&mut self, _: &mut Enter<'_>) -> Result<(), Error> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
    }
    within(10, || {
        let asked = Rc::new(Cell::new(0));
        let d = Driver::with_drive(Builder::new(4).build().unwrap(), Lies(asked.clone()));
        let (rx, mut tx) = UnixStream::pair().unwrap();
        let rx = Rc::new(rx);
        let mut read = d.read(&rx, Vec::with_capacity(16));
        assert!(poll_with(&mut read, Waker::noop()).is_pending());
        let mut nops: Vec<_> = (0..16).map(|_| d.nop()).collect();
        for op in nops.iter_mut() {
            finish(&d, op).unwrap();
        }
        tx.write_all(b"hi").unwrap();
        let (r, buf) = finish(&d, &mut read);
        assert_eq!(r.unwrap(), 2);
        assert_eq!(&buf[..], b"hi");
        assert!(asked.get() > 0, "the drive was asked");
    });
}

/// A drive that refuses SQ room forever (`Pending` at every ask): an
/// operation that finds the SQ full waits for the driver's next turn, which
/// submits everything, and then starts without asking; every operation
/// completes before a deadline.
#[test]
fn a_drive_refusing_sq_room_forever_delays_but_never_starves() {
    struct NeverReady(Rc<Cell<u32>>);
    impl Drive for NeverReady {
        fn submits_only_at_park(&self) -> bool {
            true
        }
        fn poll_ready_sq(&mut self, free: u32, needed: u32) -> Poll<()> {
            assert!(free < needed, "asked only when the SQ lacks room");
            self.0.set(self.0.get() + 1);
            Poll::Pending
        }
    }
    within(10, || {
        let asked = Rc::new(Cell::new(0));
        let d = Driver::with_drive(Builder::new(2).build().unwrap(), NeverReady(asked.clone()));
        let mut ops: Vec<_> = (0..12).map(|_| d.nop()).collect();
        let start = Instant::now();
        let mut done = vec![false; ops.len()];
        while done.iter().any(|d| !d) {
            assert!(start.elapsed() < Duration::from_secs(5), "operations starved behind the drive");
            for (i, op) in ops.iter_mut().enumerate() {
                if !done[i] {
                    if let Poll::Ready(r) = poll_with(op, Waker::noop()) {
                        r.unwrap();
                        done[i] = true;
                    }
                }
            }
            d.park(Some(Duration::from_millis(10))).unwrap();
        }
        assert!(asked.get() > 0, "the SQ filled up and the drive was asked");
        drain(&d);
    });
}

/// A drive whose every entry fails (a made-up fatal error): the turn
/// returns that typed error, and what was written is still submitted by
/// the driver, so the operations complete.
#[test]
fn a_drive_failing_every_entry_gives_a_typed_error() {
    struct Fails;
    impl Drive for Fails {
        fn submit(&mut self, _: &mut Enter<'_>) -> Result<(), Error> {
            Err(Error::NotConfigured("hostile drive"))
        }
    }
    let d = Driver::with_drive(Builder::new(4).build().unwrap(), Fails);
    let mut op = d.nop();
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    let mut got_error = false;
    for _ in 0..100 {
        if let Poll::Ready(r) = poll_with(&mut op, Waker::noop()) {
            r.unwrap();
            assert!(got_error, "the drive's error was returned from the turn");
            return;
        }
        match d.park(Some(Duration::from_millis(10))) {
            Err(e) => {
                assert!(e.to_string().contains("hostile drive"), "{e}");
                got_error = true;
            }
            Ok(()) => panic!("the drive's error was swallowed"),
        }
    }
    panic!("the nop never completed");
}

/// Teardown never asks the drive (armed to panic in every method once the
/// read is in flight, and never entering the kernel): shutdown cancels and
/// reaps the read by itself, and nothing the kernel still holds is freed.
#[test]
fn teardown_never_asks_the_drive_and_frees_nothing_in_the_kernel() {
    struct Everywhere(Rc<Cell<bool>>);
    impl Drive for Everywhere {
        fn poll_ready_sq(&mut self, _: u32, _: u32) -> Poll<()> {
            assert!(!self.0.get(), "hostile drive");
            Poll::Pending
        }
        fn submit_now(&mut self, _: u32) -> bool {
            assert!(!self.0.get(), "hostile drive");
            false
        }
        fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
            assert!(!self.0.get(), "hostile drive");
            enter.submit().map(drop)
        }
        fn on_completions(&mut self, _: u32) {
            assert!(!self.0.get(), "hostile drive");
        }
    }
    let arm = Rc::new(Cell::new(false));
    let rt = Runtime::with_drive(Builder::new(16).build().unwrap(), Everywhere(arm.clone())).unwrap();
    let handle = rt.handle();
    let d = rt.driver().clone();
    let (rx, tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = Box::pin(d.read(&rx, Vec::with_capacity(N)));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    d.poll().unwrap();
    arm.set(true);
    assert!(!panics(|| d.shutdown()), "shutdown asked the drive (foreign code)");
    drop(op);
    drop(d);
    drop(rt);
    arm.set(false);
    let hit = canaries_hit(&rx, tx);
    drop(handle);
    assert_eq!(hit, 0, "the kernel wrote into memory the driver's table freed");
}

/// Dropping operations under a drive that panics at each turn and never
/// enters: the orphans are cancelled and reaped (by the driver), and the
/// driver's drop frees nothing the kernel still writes into.
#[test]
fn orphans_under_a_hostile_drive_free_nothing_in_the_kernel() {
    struct Hostile;
    impl Drive for Hostile {
        fn submit(&mut self, _: &mut Enter<'_>) -> Result<(), Error> {
            panic!("hostile drive")
        }
    }
    let d = Driver::with_drive(Builder::new(8).build().unwrap(), Hostile);
    let (rx, tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = d.read(&rx, Vec::with_capacity(N));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    assert!(panics(|| d.poll()), "the drive's panic came out of the turn");
    drop(op);
    let _ = panics(|| d.poll());
    drop(d);
    assert_eq!(canaries_hit(&rx, tx), 0, "the kernel wrote into memory the driver's table freed");
    assert_eq!(Rc::strong_count(&rx), 1, "the read let go of its descriptor");
}

/// A drive that calls back into its own driver finds it busy
/// (`Error::Reentrant`), and the driver works afterwards.
#[test]
fn a_drive_calling_back_into_the_driver_gets_reentrant() {
    type Slot = Rc<RefCell<Option<Driver>>>;
    struct CallsBack(Slot, Rc<RefCell<Vec<String>>>);
    impl Drive for CallsBack {
        fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
            if let Some(d) = self.0.borrow().as_ref() {
                self.1.borrow_mut().push(match d.poll() {
                    Err(e) => format!("{e}"),
                    Ok(()) => "turned".into(),
                });
            }
            enter.submit_and_wait().map(drop)
        }
    }
    let slot: Slot = Rc::new(RefCell::new(None));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let d = Driver::with_drive(Builder::new(8).build().unwrap(), CallsBack(slot.clone(), seen.clone()));
    *slot.borrow_mut() = Some(d.clone());
    let mut op = d.nop();
    finish(&d, &mut op).unwrap();
    let reentrant = format!("{}", Error::Reentrant);
    let seen = seen.borrow().clone();
    assert!(!seen.is_empty(), "the drive was asked");
    assert!(seen.iter().all(|s| s == &reentrant), "{seen:?}");
    slot.borrow_mut().take();
    let mut op = d.nop();
    finish(&d, &mut op).unwrap();
}

/// A drive cannot wait longer than the driver asked: waiting again and
/// again in one turn ends at the turn's timeout, and a turn that asked for
/// no wait (`Driver::poll`) does not block whatever the drive calls.
#[test]
fn a_drive_cannot_wait_past_what_the_turn_asked() {
    struct WaitsTenTimes;
    impl Drive for WaitsTenTimes {
        fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
            for _ in 0..10 {
                enter.submit_and_wait()?;
                enter.submit_and_wait_for(Duration::from_secs(5))?;
            }
            Ok(())
        }
    }
    within(10, || {
        let d = Driver::with_drive(Builder::new(4).build().unwrap(), WaitsTenTimes);
        let (rx, _tx) = UnixStream::pair().unwrap();
        let rx = Rc::new(rx);
        let mut read = d.read(&rx, Vec::with_capacity(8));
        assert!(poll_with(&mut read, Waker::noop()).is_pending());
        let start = Instant::now();
        d.poll().unwrap();
        assert!(start.elapsed() < Duration::from_millis(100), "a turn without a wait blocked: {:?}", start.elapsed());
        if !d.has_feature(ring_core::sys::IORING_FEAT_EXT_ARG) {
            return; // no bounded wait on this kernel: only the no-wait half applies
        }
        let start = Instant::now();
        d.park(Some(Duration::from_millis(30))).unwrap();
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(25) && took < Duration::from_millis(150), "{took:?}");
        drop(read);
        drain(&d);
    });
}
