//! Cases to and from bytes: the fuzzer's input, and the checked-in corpus.

use crate::cqe_stream::run::run;
use crate::cqe_stream::steps::{Config, CqMode, Forge, Start, Step};
use ring_sys::*;

/// Reads fuzzer bytes.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
}

/// Turns fuzzer bytes into a configuration and steps (any bytes are a
/// case; at most 300 steps).
pub fn decode(data: &[u8]) -> (Config, Vec<Step>) {
    let mut b = Bytes(data);
    let head = b.u8();
    let cfg = Config {
        entries: 1 << (head & 3).min(2),
        cq: match (head >> 2) & 3 {
            0 => CqMode::Plain,
            1 => CqMode::Cqe32,
            _ => CqMode::Mixed,
        },
        defer: head & 0x40 != 0,
        seed: u64::from(b.u8()),
    };
    let mut steps = Vec::new();
    while !b.0.is_empty() && steps.len() < 300 {
        let tag = b.u8();
        let step = match tag % 16 {
            0 | 1 => Step::Start(match b.u8() % 6 {
                0 => Start::Read { off: u16::from(b.u8()) * 2, len: b.u8() },
                1 => Start::PoolRead { off: u16::from(b.u8()) * 2 },
                2 => Start::Poll,
                3 => Start::PoolStream,
                4 => Start::SendZc { len: b.u8() },
                _ => Start::Nop,
            }),
            2 | 3 => Step::Poll(b.u8()),
            4 => Step::Drop(b.u8()),
            5 => Step::Forget(b.u8()),
            6..=8 => {
                let to = match b.u8() % 5 {
                    0 => Forge::Stale(b.u8()),
                    1 => Forge::Gen0(b.u8()),
                    2 => Forge::PastTable(b.u32(), b.u32()),
                    3 => Forge::Wake,
                    _ => Forge::Raw(b.u64()),
                };
                // The flags that matter most, often; any bits otherwise.
                let sel = b.u8();
                let flags = if sel & 0x80 != 0 {
                    b.u32()
                } else {
                    let known = [
                        IORING_CQE_F_BUFFER,
                        IORING_CQE_F_MORE,
                        IORING_CQE_F_SOCK_NONEMPTY,
                        IORING_CQE_F_NOTIF,
                        IORING_CQE_F_BUF_MORE,
                        IORING_CQE_F_SKIP,
                        IORING_CQE_F_32,
                    ];
                    let mut f = 0;
                    for (i, k) in known.iter().enumerate() {
                        if sel & (1 << i) != 0 {
                            f |= k;
                        }
                    }
                    f | (u32::from(b.u8() % 8) << IORING_CQE_BUFFER_SHIFT)
                };
                let res = b.u32() as i32;
                let big = (tag & 0x10 != 0).then(|| [b.u64(), b.u64()]);
                Step::Inject { to, res, flags, big }
            }
            9 => Step::Release(tag & 0x10 != 0),
            10 => Step::PipeWrite(b.u8(), b.u8() % 100),
            11 => Step::Ready,
            12 => Step::Advance(b.u8()),
            13 => Step::Turn,
            14 => Step::DropBufs,
            _ => Step::NewPool,
        };
        steps.push(step);
    }
    (cfg, steps)
}

/// The bytes [`decode`] turns into `cfg` and `steps` (for seeds written
/// as steps).
pub fn encode(cfg: Config, steps: &[Step]) -> Vec<u8> {
    let entries = cfg.entries.trailing_zeros().min(2) as u8;
    let cq = match cfg.cq {
        CqMode::Plain => 0,
        CqMode::Cqe32 => 1,
        CqMode::Mixed => 2,
    };
    let mut out = vec![entries | (cq << 2) | if cfg.defer { 0x40 } else { 0 }, cfg.seed as u8];
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend(v.to_le_bytes());
    let u64le = |out: &mut Vec<u8>, v: u64| out.extend(v.to_le_bytes());
    for s in steps {
        match *s {
            Step::Start(st) => {
                out.push(0);
                match st {
                    Start::Read { off, len } => out.extend([0, (off / 2) as u8, len]),
                    Start::PoolRead { off } => out.extend([1, (off / 2) as u8]),
                    Start::Poll => out.push(2),
                    Start::PoolStream => out.push(3),
                    Start::SendZc { len } => out.extend([4, len]),
                    Start::Nop => out.push(5),
                }
            }
            Step::Poll(k) => out.extend([2, k]),
            Step::Drop(k) => out.extend([4, k]),
            Step::Forget(k) => out.extend([5, k]),
            Step::Inject { to, res, flags, big } => {
                out.push(if big.is_some() { 6 | 0x10 } else { 6 });
                match to {
                    Forge::Stale(k) => out.extend([0, k]),
                    Forge::Gen0(i) => out.extend([1, i]),
                    Forge::PastTable(i, g) => {
                        out.push(2);
                        u32le(&mut out, i);
                        u32le(&mut out, g);
                    }
                    Forge::Wake => out.push(3),
                    Forge::Raw(ud) => {
                        out.push(4);
                        u64le(&mut out, ud);
                    }
                }
                out.push(0x80);
                u32le(&mut out, flags);
                u32le(&mut out, res as u32);
                if let Some([a, b]) = big {
                    u64le(&mut out, a);
                    u64le(&mut out, b);
                }
            }
            Step::Release(all) => out.push(if all { 9 | 0x10 } else { 9 }),
            Step::PipeWrite(k, n) => out.extend([10, k, n]),
            Step::Ready => out.push(11),
            Step::Advance(ms) => out.extend([12, ms]),
            Step::Turn => out.push(13),
            Step::DropBufs => out.push(14),
            Step::NewPool => out.push(15),
        }
    }
    out
}

/// Decodes and runs one case (the fuzz target's body).
pub fn run_bytes(data: &[u8]) {
    let (cfg, steps) = decode(data);
    run(cfg, &steps);
}
