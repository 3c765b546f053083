//! One step of a scenario: an [`Action`] applied to the world and its
//! table of live futures.

use crate::scenario::action::Action;
use crate::scenario::oracle::judge_send;
use crate::scenario::start::{start_chain, submit};
use crate::scenario::world::{sim_fd, Live, World};
use ring_core::ops::SendZc;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Applies `a` to `w` and the live futures (an action that picks a live
/// future does nothing when there is none).
pub(super) fn step(w: &mut World, live: &mut Vec<Box<dyn Live>>, cx: &mut Context<'_>, a: Action) {
    match a {
        Action::Submit(k) => {
            let l = submit(w, 0, k);
            live.push(l);
        }
        Action::SubmitOther(k) => {
            let l = submit(w, 1, k);
            live.push(l);
        }
        Action::NewPool => {
            let old = std::mem::take(&mut w.pools);
            let _ = crate::hostile::catch(move || drop(old));
        }
        Action::TurnOther => {
            let _ = crate::hostile::catch(|| w.other.poll());
        }
        Action::SendZcPhase(phase) => {
            let id = w.new_op();
            let b = w.buf(id, vec![0x5a; 24]);
            let mut op = w.driver.op(SendZc::new(&sim_fd(w.sock), b, 0));
            let _ = crate::hostile::catch(|| Pin::new(&mut op).poll(cx).is_ready());
            let mut finished = false;
            if phase % 4 >= 1 {
                let _ = crate::hostile::catch(|| w.driver.poll());
                // Held by the simulator's chaos: the kernel runs it now
                // (the result is posted, the notification held), with
                // nothing reaped.
                if let Some(ud) = op.user_data() {
                    w.sim.release(ud);
                }
            }
            if phase % 4 >= 2 {
                let _ = crate::hostile::catch(|| w.driver.poll());
                if let Some(Poll::Ready(out)) = crate::hostile::catch(|| Pin::new(&mut op).poll(cx)) {
                    judge_send(id, out, false, w);
                    finished = true;
                }
            }
            if phase % 4 >= 3 {
                let _ = crate::hostile::catch(|| w.driver.poll());
            }
            if !finished {
                let _ = crate::hostile::catch(move || drop(op));
            }
        }
        Action::Chain(spec) => {
            let mut l = start_chain(w, spec);
            if !l.poll(w, cx) {
                live.push(l);
            }
        }
        Action::Poll(i) if !live.is_empty() => {
            let i = i as usize % live.len();
            if crate::hostile::catch(|| live[i].poll(w, cx)) == Some(true) {
                live.swap_remove(i);
            }
        }
        Action::PollHostile(i, kind) if !live.is_empty() => {
            let i = i as usize % live.len();
            let hw = crate::hostile::waker(crate::hostile::Hostility::from_byte(kind));
            let mut hcx = Context::from_waker(&hw);
            // A poll the waker's panic interrupted leaves the future
            // live: its claim must have been kept.
            if crate::hostile::catch(|| live[i].poll(w, &mut hcx)) == Some(true) {
                live.swap_remove(i);
            }
            let _ = crate::hostile::catch(move || drop(hw));
        }
        Action::Drop(i) if !live.is_empty() => {
            let i = i as usize % live.len();
            let _ = crate::hostile::catch(|| drop(live.swap_remove(i)));
        }
        Action::Forget(i) if !live.is_empty() => {
            let i = i as usize % live.len();
            live.swap_remove(i).forget(w);
        }
        Action::Cancel(i) if !live.is_empty() => {
            let i = i as usize % live.len();
            let l = live.swap_remove(i);
            live.push(l.cancel(w));
        }
        Action::Turn => {
            let _ = crate::hostile::catch(|| w.driver.poll());
        }
        Action::Park => {
            let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
        }
        Action::ReleaseSome => {
            w.sim.release_some();
        }
        Action::ReleaseAll => {
            w.sim.release_all();
        }
        Action::ReleaseNotifs => {
            w.sim.release_notifs();
        }
        Action::PipeWrite(b) => {
            w.piped.push(b);
            w.sim.pipe_write(w.pipe.1, &[b; 3]);
        }
        Action::SetReady => w.sim.set_ready(w.pollable, libc::POLLIN as u32),
        Action::Advance(ms) => w.sim.advance(Duration::from_millis(u64::from(ms))),
        Action::SqpollStep => {
            w.sim.sqpoll_step();
        }
        _ => {}
    }
}
