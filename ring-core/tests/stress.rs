//! Thousands of concurrent reads and writes with random drops, forgets and
//! explicit cancels mid-flight, on the real kernel.
//!
//! Afterwards: every write known to have completed is in the file, every
//! other write left either its bytes or nothing; every read returned the
//! file's bytes; every buffer that was not forgotten was freed exactly once;
//! forgotten buffers were never freed (their entries stay in the table).

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

#[path = "support/mod.rs"]
mod support;

use ring_core::{Cancelled, Runtime};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use support::Counted;

const OPS: usize = 3000;
const CHUNK: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Await,
    Drop,
    Forget,
    Cancel,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn pattern(i: usize) -> Vec<u8> {
    (0..CHUNK).map(|k| (i * 31 + k * 7) as u8 | 1).collect()
}

/// Polls `fut` once with the current task's context.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *fut).poll(cx))).await
}

#[test]
fn random_drops_forgets_and_cancels_lose_nothing() {
    let dir = std::env::temp_dir();
    let src_path = dir.join(format!("ring-stress-src-{}", std::process::id()));
    let dst_path = dir.join(format!("ring-stress-dst-{}", std::process::id()));
    let src_data: Vec<u8> = (0..OPS * CHUNK).map(|k| (k % 251) as u8).collect();
    std::fs::write(&src_path, &src_data).unwrap();
    std::fs::write(&dst_path, vec![0u8; OPS * CHUNK]).unwrap();
    let src = std::fs::File::open(&src_path).unwrap();
    let dst = std::fs::OpenOptions::new().write(true).open(&dst_path).unwrap();

    // How often each operation's buffer was dropped.
    let drops: Rc<Vec<Rc<Cell<u32>>>> = Rc::new((0..OPS).map(|_| Rc::new(Cell::new(0))).collect());
    let fates = Rc::new(RefCell::new(vec![Fate::Await; OPS]));
    // For writes: Some(true) known written, Some(false) known not written, None unknown.
    let written: Rc<RefCell<Vec<Option<bool>>>> = Rc::new(RefCell::new(vec![None; OPS]));
    let read_ok = Rc::new(RefCell::new(0usize));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let rt = Runtime::new(64).unwrap();
    let src = Rc::new(src);
    let dst = Rc::new(dst);
    let mut handles = Vec::new();
    for i in 0..OPS {
        let fate = match rng.next() % 20 {
            0..=11 => Fate::Await,
            12..=14 => Fate::Drop,
            15..=16 => Fate::Forget,
            _ => Fate::Cancel,
        };
        fates.borrow_mut()[i] = fate;
        let is_write = i % 2 == 0;
        let d = rt.driver().clone();
        let (src, dst, drops, written, read_ok) =
            (src.clone(), dst.clone(), drops.clone(), written.clone(), read_ok.clone());
        let off = (i * CHUNK) as u64;
        handles.push(rt.spawn(async move {
            if is_write {
                let buf = Counted { data: pattern(i), drops: drops[i].clone() };
                let mut op = d.write_at(&dst, buf, off);
                if let Poll::Ready((r, _b)) = poll_once(&mut op).await {
                    written.borrow_mut()[i] = Some(r.unwrap() == CHUNK);
                    return;
                }
                match fate {
                    Fate::Await => {
                        let (r, _b) = op.await;
                        written.borrow_mut()[i] = Some(r.unwrap() == CHUNK);
                    }
                    Fate::Drop => drop(op),
                    Fate::Forget => std::mem::forget(op),
                    Fate::Cancel => match op.cancel().await {
                        Cancelled::Completed((r, _b)) => written.borrow_mut()[i] = Some(r.unwrap() == CHUNK),
                        Cancelled::Cancelled(_) => written.borrow_mut()[i] = Some(false),
                    },
                }
            } else {
                let buf = Counted { data: Vec::with_capacity(CHUNK), drops: drops[i].clone() };
                let mut op = d.read_at(&src, buf, off);
                let check = |r: std::io::Result<usize>, b: &Counted| {
                    assert_eq!(r.unwrap(), CHUNK);
                    assert_eq!(&b.data[..], &src_data_slice(i)[..]);
                    *read_ok.borrow_mut() += 1;
                };
                if let Poll::Ready((r, b)) = poll_once(&mut op).await {
                    check(r, &b);
                    return;
                }
                match fate {
                    Fate::Await => {
                        let (r, b) = op.await;
                        check(r, &b);
                    }
                    Fate::Drop => drop(op),
                    Fate::Forget => std::mem::forget(op),
                    Fate::Cancel => {
                        if let Cancelled::Completed((r, b)) = op.cancel().await {
                            check(r, &b);
                        }
                    }
                }
            }
        }));
    }
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    })
    .unwrap();
    // Let orphaned and forgotten operations finish in the kernel.
    for _ in 0..200 {
        rt.driver().park(Some(std::time::Duration::from_millis(2))).unwrap();
        if rt.driver().stats().orphans_reaped as usize == fates.borrow().iter().filter(|f| **f == Fate::Drop).count() {
            break;
        }
    }
    let forgotten: Vec<usize> = (0..OPS).filter(|&i| fates.borrow()[i] == Fate::Forget).collect();
    let stats = rt.driver().stats();
    println!("{stats:?}; forgotten {}", forgotten.len());
    drop(rt);

    // Buffers: forgotten ones were never freed; every other one exactly once.
    let drops: Vec<u32> = drops.iter().map(|c| c.get()).collect();
    for (i, &n) in drops.iter().enumerate() {
        if fates.borrow()[i] == Fate::Forget {
            // A forgotten op that completed on its first poll was never in
            // the table and its buffer was dropped normally.
            assert!(n <= 1, "op {i} dropped {n} times");
        } else {
            assert_eq!(n, 1, "op {i} ({:?}) dropped {n} times", fates.borrow()[i]);
        }
    }
    let forgotten_in_table = forgotten.iter().filter(|&&i| drops[i] == 0).count();
    assert!(forgotten_in_table > 0, "some forgotten operations must still hold their buffers");

    // Files: known writes landed; unknown ones left their bytes or nothing.
    let out = std::fs::read(&dst_path).unwrap();
    for i in (0..OPS).step_by(2) {
        let got = &out[i * CHUNK..(i + 1) * CHUNK];
        match written.borrow()[i] {
            Some(true) => assert_eq!(got, &pattern(i)[..], "write {i}"),
            _ => assert!(got == &pattern(i)[..] || got.iter().all(|&b| b == 0), "write {i} is torn"),
        }
    }
    assert!(*read_ok.borrow() > OPS / 4);
    std::fs::remove_file(src_path).unwrap();
    std::fs::remove_file(dst_path).unwrap();
}

fn src_data_slice(i: usize) -> Vec<u8> {
    (i * CHUNK..(i + 1) * CHUNK).map(|k| (k % 251) as u8).collect()
}
