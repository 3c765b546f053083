//! Rule: a `SubmitStrategy` is foreign code (a safe public trait the caller
//! implements), contained the way wakers are: it may panic or call back into
//! the driver at any call, and the library never frees memory the kernel may
//! still write into because of it, never aborts (it is never asked in
//! teardown or in a destructor's path while unwinding), never loses an
//! operation's outcome (the claim is recorded before its panic is raised),
//! and answers a call back into the driver with `Error::Reentrant`.

use crate::hostile::panics;
use crate::support::{drain, finish, poll_with};
use ring_core::driver::SubmitStrategy;
use ring_core::fixed::FixedBuffers;
use ring_core::{Driver, Error, Ring, Runtime};
use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

/// Panics at every call while armed.
struct Armed(Rc<Cell<bool>>);

impl SubmitStrategy for Armed {
    fn submit_now(&mut self, _: u32) -> bool {
        if self.0.get() {
            panic!("hostile strategy");
        }
        true
    }
}

const N: usize = 4096;

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

/// A strategy that would panic during shutdown (which submits the
/// cancellations) is not asked there: shutdown completes, reaps the read,
/// and nothing the kernel still holds is freed, even though a runtime
/// `Handle` keeps the ring open after the driver is gone.
#[test]
fn shutdown_never_runs_the_strategy_and_frees_nothing_in_the_kernel() {
    let arm = Rc::new(Cell::new(false));
    let rt = Runtime::with_ring(Ring::new(16).unwrap(), Armed(arm.clone())).unwrap();
    let handle = rt.handle();
    let d = rt.driver().clone();
    let (rx, tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = Box::pin(d.read(&rx, Vec::with_capacity(N)));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    d.poll().unwrap();
    arm.set(true);
    let panicked = panics(|| d.shutdown());
    arm.set(false);
    assert!(!panicked, "shutdown ran the strategy (foreign code) and let its panic out half-way");
    drop(op);
    drop(d);
    drop(rt);
    let hit = canaries_hit(&rx, tx);
    drop(handle);
    assert_eq!(hit, 0, "the kernel wrote into memory the driver's table freed");
}

/// Dropping an operation in flight submits its cancellation, which asks the
/// strategy: a panic there never leaves the destructor (that would abort a
/// thread already unwinding), is raised by the driver's next turn, and the
/// operation still ends and gives its entry back.
#[test]
fn a_strategy_panic_while_orphaning_never_leaves_the_destructor() {
    let arm = Rc::new(Cell::new(false));
    let d = Driver::with_ring(Ring::new(8).unwrap(), Armed(arm.clone()));
    let (rx, _tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = d.read(&rx, Vec::with_capacity(8));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    d.poll().unwrap();
    arm.set(true);
    assert!(!panics(move || drop(op)), "the strategy's panic left Op's destructor");
    // While unwinding too: the orphan's cancellation asks the strategy
    // (already failed: it is not asked again), and nothing aborts.
    let mut op2 = d.read(&rx, Vec::with_capacity(8));
    let _ = panics(|| poll_with(&mut op2, Waker::noop()).is_pending());
    assert!(panics(move || {
        let _op = op2;
        panic!("the task panics with an operation in flight");
    }));
    arm.set(false);
    // The first panic is raised once, at a point where no outcome is held.
    assert!(panics(|| d.poll()), "the strategy's panic was lost instead of raised at the next turn");
    drain(&d);
}

/// The strategy runs after an operation's SQE is published: if it panics
/// then, the future has already recorded its claim, so the panic (raised
/// from the poll) loses nothing: the operation completes and its output
/// (buffer and all) comes back.
#[test]
fn a_strategy_panic_at_start_keeps_the_claim() {
    let arm = Rc::new(Cell::new(false));
    let d = Driver::with_ring(Ring::new(8).unwrap(), Armed(arm.clone()));
    d.poll().unwrap();
    let (rx, mut tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = d.read(&rx, Vec::with_capacity(16));
    arm.set(true);
    let _ = panics(|| poll_with(&mut op, Waker::noop()).is_pending());
    arm.set(false);
    assert_eq!(d.in_flight(), 1, "the read is in the kernel");
    tx.write_all(b"hello").unwrap();
    // The kept panic (if any) is raised by one turn; the next ones work.
    let _ = panics(|| d.poll());
    let (r, buf) = finish(&d, &mut op);
    assert_eq!(r.unwrap(), 5);
    assert_eq!(&buf[..], b"hello");
    assert_eq!(Rc::strong_count(&rx), 1, "the read let go of its descriptor");
    drain(&d);
}

/// A strategy that calls back into its own driver finds it busy: every
/// safe call it makes fails with `Error::Reentrant` (never "shut down",
/// never a panic inside the library), and the driver works afterwards.
#[test]
fn a_strategy_calling_back_into_the_driver_gets_reentrant() {
    type Slot = Rc<RefCell<Option<Driver>>>;
    struct CallsBack(Slot, Rc<RefCell<Vec<String>>>);
    impl SubmitStrategy for CallsBack {
        fn submit_now(&mut self, _: u32) -> bool {
            if let Some(d) = self.0.borrow().as_ref() {
                let mut seen = self.1.borrow_mut();
                seen.push(match FixedBuffers::new(d, 1, 4096) {
                    Err(e) => format!("{e}"),
                    Ok(_) => "registered".into(),
                });
                seen.push(match d.poll() {
                    Err(e) => format!("{e}"),
                    Ok(()) => "turned".into(),
                });
                seen.push(match d.probe() {
                    Err(e) => format!("{e}"),
                    Ok(_) => "probed".into(),
                });
            }
            true
        }
    }
    let slot: Slot = Rc::new(RefCell::new(None));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let d = Driver::with_ring(Ring::new(8).unwrap(), CallsBack(slot.clone(), seen.clone()));
    *slot.borrow_mut() = Some(d.clone());
    let mut op = d.nop();
    let _ = finish(&d, &mut op);
    let reentrant = format!("{}", Error::Reentrant);
    let seen = seen.borrow().clone();
    assert!(!seen.is_empty(), "the strategy was asked");
    for s in &seen {
        assert_eq!(s, &reentrant, "a call from inside the strategy must say Reentrant: {seen:?}");
    }
    slot.borrow_mut().take();
    let fixed = FixedBuffers::new(&d, 1, 4096);
    assert!(fixed.is_ok(), "the same call works from outside: {:?}", fixed.err());
}

/// The strategy's own destructor is foreign code too: dropping the driver
/// while the thread unwinds (a task panicked with its driver) runs it
/// caught, so a panic there never aborts; dropped outside an unwind, its
/// panic comes out once, after the read in flight was reaped, and the
/// kernel wrote into nothing that was freed.
#[test]
fn a_strategy_whose_drop_panics_never_aborts_teardown() {
    struct PanicsOnDrop;
    impl SubmitStrategy for PanicsOnDrop {
        fn submit_now(&mut self, _: u32) -> bool {
            true
        }
    }
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("hostile strategy drop");
        }
    }
    // Dropped while unwinding: a panic out of the destructor would abort.
    let d = Driver::with_ring(Ring::new(8).unwrap(), PanicsOnDrop);
    let (rx, _tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = d.read(&rx, Vec::with_capacity(N));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    d.poll().unwrap();
    drop(op);
    assert!(panics(move || {
        let _d = d;
        panic!("the task panics holding its driver");
    }));
    assert_eq!(Rc::strong_count(&rx), 1, "teardown reaped the read and let go of its descriptor");

    // Dropped outside an unwind: the panic comes out, after teardown.
    let d = Driver::with_ring(Ring::new(8).unwrap(), PanicsOnDrop);
    let (rx, tx) = UnixStream::pair().unwrap();
    let rx = Rc::new(rx);
    let mut op = d.read(&rx, Vec::with_capacity(N));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    d.poll().unwrap();
    drop(op);
    assert!(panics(move || drop(d)), "the strategy's drop panic was lost");
    assert_eq!(Rc::strong_count(&rx), 1, "teardown reaped the read and let go of its descriptor");
    assert_eq!(canaries_hit(&rx, tx), 0, "the kernel wrote into memory the driver's table freed");
}
