//! The fuzzer's generator: a scenario decoded from arbitrary bytes.

use crate::scenario::action::{Action, ChainSpec, Kind, Member};
use crate::scenario::drive::DriveSpec;
use crate::scenario::setup::{Mode, Setup};
use crate::scenario::world::REGION;

/// Decodes a scenario from arbitrary bytes (for the fuzzer): a seed, a ring
/// size and set-up, then one action per two bytes.
pub fn decode(data: &[u8]) -> (u64, u32, Vec<Action>) {
    let (seed, entries, _, actions) = decode_with_mode(data);
    (seed, entries, actions)
}

/// As [`decode`], also picking the ring's [`Setup`]: its [`Mode`],
/// whether its CQ is tiny ([`Setup::tiny_cq`]), and the drive of the
/// scenario's driver ([`DriveSpec::from_byte`]).
pub fn decode_with_mode(data: &[u8]) -> (u64, u32, Setup, Vec<Action>) {
    let mut seed = [0u8; 8];
    let n = data.len().min(8);
    seed[..n].copy_from_slice(&data[..n]);
    let rest = data.get(8..).unwrap_or(&[]);
    let ring = rest.first().copied().unwrap_or(0) as usize;
    let entries = [1u32, 2, 4][ring % 3];
    let actions = rest
        .get(1..)
        .unwrap_or(&[])
        .chunks(2)
        .take(200)
        .map(|c| {
            let (op, arg) = (c[0], c.get(1).copied().unwrap_or(0));
            match op % 20 {
                0 => Action::Submit(Kind::Nop),
                1 => Action::Submit(Kind::ReadFile { off: u16::from(arg) * 15, len: arg % 63 + 1 }),
                2 => Action::Submit(Kind::WriteFile { len: arg % (REGION as u8 - 1) + 1 }),
                3 => Action::Submit(Kind::ReadPipe { len: arg % 15 + 1 }),
                4 => Action::Submit(Kind::Sleep { ms: arg % 50 }),
                5 => Action::Submit(Kind::Poll),
                6 => Action::Submit(Kind::Ticks { n: arg % 3 + 1 }),
                7 => Action::Submit(Kind::SendZc { len: arg % 63 + 1 }),
                8 => Action::Poll(arg),
                // One poll in two of this kind with a hostile waker.
                9 if op / 20 % 2 == 1 => Action::PollHostile(arg, op / 40),
                9 => Action::Poll(arg),
                10 => Action::Drop(arg),
                11 => Action::Forget(arg),
                12 => Action::Cancel(arg),
                13 => Action::Turn,
                14 => Action::Park,
                15 => Action::ReleaseSome,
                16 => Action::ReleaseAll,
                17 => Action::ReleaseNotifs,
                18 => Action::Chain(decode_chain(op / 20, arg)),
                _ => match arg % 8 {
                    0 => Action::PipeWrite(arg),
                    1 => Action::SetReady,
                    2 => Action::SqpollStep,
                    3 => Action::Advance(arg),
                    4 => Action::Submit(Kind::PoolStream),
                    5 => Action::NewPool,
                    6 => Action::SubmitOther(match arg >> 3 & 3 {
                        0 => Kind::Nop,
                        1 => Kind::PoolStream,
                        2 => Kind::ReadPipe { len: arg % 15 + 1 },
                        _ => Kind::SendZc { len: arg % 63 + 1 },
                    }),
                    _ => match arg >> 3 & 3 {
                        0 => Action::Submit(Kind::ForeignPoolStream),
                        1 => Action::TurnOther,
                        _ => Action::SendZcPhase(arg >> 5),
                    },
                },
            }
        })
        .collect();
    let mode = [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll][ring / 3 % 3];
    let setup = if ring / 9 % 2 == 1 { Setup::tiny_cq(mode, entries) } else { Setup::from(mode) };
    // The scenario's driver's drive: the default for a ring byte under 18.
    let setup = setup.with_drives([DriveSpec::from_byte((ring / 18) as u8 * 19), DriveSpec::default()]);
    (u64::from_le_bytes(seed), entries, setup, actions)
}

/// A chain from two small numbers (`hi` < 13, `arg` any byte): two or
/// three members of the four kinds, hard or not, and which to take.
fn decode_chain(hi: u8, arg: u8) -> ChainSpec {
    let member = |k: u8| match k % 4 {
        0 => Member::Nop,
        1 => Member::ReadFile { off: u16::from(arg) * 16, len: arg % 63 + 1 },
        2 => Member::WriteFile { len: arg % (REGION as u8 - 1) + 1 },
        _ => Member::Sleep { ms: arg % 20 },
    };
    let n = 2 + usize::from(hi % 2);
    let members = (0..n).map(|i| member((arg >> (2 * i)) ^ (hi >> 1))).collect();
    ChainSpec { members, hard: hi / 2 % 4 == 3, take: if hi / 8 == 0 { 0b111 } else { arg >> 5 } }
}
