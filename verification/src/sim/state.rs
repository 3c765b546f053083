//! The simulated kernel's state: rings, requests in flight, model files,
//! the virtual clock, and the rules for consuming SQEs and posting CQEs.

use super::chaos::{Chaos, EnterFault, Rng};
use super::config::{SimConfig, SimStats};
use super::mem::RingMem;
use super::request::{Kind, MemRange};
use core::sync::atomic::{fence, Ordering};
use ring_sys::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::os::fd::RawFd;
use std::thread::ThreadId;
use std::time::Duration;

/// One completion on its way to a CQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Post {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
    /// The extra words of a 32-byte CQE.
    pub big: Option<[u64; 2]>,
}

/// The SQPOLL thread's state.
#[derive(Debug)]
pub(crate) struct SqPoll {
    pub awake: bool,
    /// Consecutive steps that found nothing to do.
    pub idle: u32,
    /// Whether a real thread runs the steps.
    pub threaded: bool,
}

/// One ring.
#[derive(Debug)]
pub(crate) struct RingState {
    pub mem: Option<RingMem>,
    /// Outstanding mappings (SQ ring, CQ ring, SQEs).
    pub maps: u32,
    pub closed: bool,
    pub flags: u32,
    pub features: u32,
    /// The kernel's SQ head: entries before it are consumed.
    pub sq_head: u32,
    /// The kernel's CQ tail: entries before it are posted.
    pub cq_tail: u32,
    /// Completions parked because the CQ was full (`IORING_FEAT_NODROP`).
    pub overflow: VecDeque<Post>,
    /// Completions waiting for an enter with GETEVENTS (`DEFER_TASKRUN`).
    pub task_work: VecDeque<Post>,
    /// A completion was dropped: the next wait fails with `EBADR`.
    pub lost: bool,
    /// Completions posted (other than timeouts'), for counting timeouts.
    pub completions: u64,
    pub sqpoll: Option<SqPoll>,
    /// `IORING_SETUP_R_DISABLED` until `IORING_REGISTER_ENABLE_RINGS`.
    pub disabled: bool,
    /// Inside an enter with GETEVENTS: `DEFER_TASKRUN` completions post at once.
    pub in_wait: bool,
}

/// A model file object behind a descriptor.
#[derive(Debug)]
pub(crate) enum Obj {
    /// A regular file: its inode and file position.
    File { inode: usize, pos: u64 },
    /// The read end of pipe `n`.
    PipeR(usize),
    /// The write end of pipe `n`.
    PipeW(usize),
    /// A descriptor the test makes ready: the current mask and a counter
    /// bumped on every `set_ready` (an edge).
    Pollable { ready: u32, edge: u64 },
    /// A socket that swallows what is sent.
    Socket { sent: Vec<u8> },
}

/// A pipe's buffer.
#[derive(Debug, Default)]
pub(crate) struct Pipe {
    pub buf: VecDeque<u8>,
    pub writer_open: bool,
    pub edge: u64,
}

/// A request in flight.
#[derive(Debug)]
pub(crate) struct Req {
    /// Submission order, unique.
    pub id: u64,
    pub ring: RawFd,
    pub user_data: u64,
    pub opcode: u8,
    /// `IOSQE_*` flags.
    pub flags: u8,
    pub kind: Kind,
    /// The user memory the request holds until its terminal completion.
    pub held: Vec<MemRange>,
    /// The link chain it belongs to (the id of the chain's head).
    pub chain: Option<u64>,
    /// Waiting for its predecessor in the chain.
    pub linked: bool,
    /// Held by chaos until released.
    pub hold: bool,
}

impl Req {
    pub fn links_next(&self) -> bool {
        self.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0
    }
}

/// A registered provided-buffer ring.
#[derive(Debug)]
pub(crate) struct PBuf {
    /// The address of the ring's entries (entry 0's `resv` is the tail).
    pub addr: u64,
    pub entries: u32,
    /// The kernel's head: entries before it were taken.
    pub head: u16,
    /// Which registration this is: a group unregistered and registered
    /// again under the same id is another one.
    pub epoch: u64,
}

/// Everything behind a [`super::SimKernel`] handle.
#[derive(Debug)]
pub(crate) struct SimState {
    pub cfg: SimConfig,
    pub chaos: Chaos,
    pub rng: Rng,
    pub script: VecDeque<EnterFault>,
    pub rings: BTreeMap<RawFd, RingState>,
    /// Registered ring indices (`IORING_REGISTER_RING_FDS`), one table per
    /// calling thread as in the kernel (`current->io_uring`): an index
    /// names a ring only on the thread that registered it, and every ring
    /// used on that thread shares the thread's sixteen slots.
    pub reg_rings: HashMap<ThreadId, BTreeMap<u32, RawFd>>,
    pub objs: BTreeMap<RawFd, Obj>,
    pub inodes: Vec<Vec<u8>>,
    pub paths: BTreeMap<Vec<u8>, usize>,
    pub pipes: Vec<Pipe>,
    pub reqs: BTreeMap<u64, Req>,
    /// Chains that failed at submission: every member is cancelled.
    pub doomed: BTreeSet<u64>,
    pub next_id: u64,
    pub now: Duration,
    pub violations: Vec<String>,
    pub stalls: Vec<String>,
    /// Chains cut by a submission boundary the application set.
    pub split_chains: Vec<String>,
    /// SQEs consumed per `user_data`.
    pub executions: HashMap<u64, u32>,
    /// CQEs produced per `user_data` (posted, parked or deferred).
    pub posted: HashMap<u64, u32>,
    pub stats: SimStats,
    /// Bumped on every observable change, so `settle` knows when to stop.
    pub changes: u64,
    /// Registered provided-buffer rings, by ring and group.
    pub pbufs: BTreeMap<(RawFd, u16), PBuf>,
    /// The last provided-buffer registration's number.
    pub pbuf_epoch: u64,
    /// Completions injected with `SimKernel::inject_cqe`.
    pub injected: u64,
}

/// The lowest descriptor the simulator hands out.
const FD_BASE: RawFd = 100;

impl SimState {
    pub fn new(cfg: SimConfig) -> SimState {
        SimState {
            cfg,
            chaos: Chaos::default(),
            rng: Rng::new(0),
            script: VecDeque::new(),
            rings: BTreeMap::new(),
            reg_rings: HashMap::new(),
            objs: BTreeMap::new(),
            inodes: Vec::new(),
            paths: BTreeMap::new(),
            pipes: Vec::new(),
            reqs: BTreeMap::new(),
            doomed: BTreeSet::new(),
            next_id: 1,
            now: Duration::ZERO,
            violations: Vec::new(),
            stalls: Vec::new(),
            split_chains: Vec::new(),
            executions: HashMap::new(),
            posted: HashMap::new(),
            stats: SimStats::default(),
            changes: 0,
            pbufs: BTreeMap::new(),
            pbuf_epoch: 0,
            injected: 0,
        }
    }

    /// The lowest free descriptor, so numbers are reused after close as
    /// Linux reuses them.
    pub fn alloc_fd(&self) -> RawFd {
        let mut fd = FD_BASE;
        while self.objs.contains_key(&fd) || self.rings.contains_key(&fd) {
            fd += 1;
        }
        fd
    }

    /// The ring an enter or register call names.
    pub fn ring_fd(&self, fd: u32, registered: bool) -> Option<RawFd> {
        let fd = if registered { *self.reg_rings.get(&std::thread::current().id())?.get(&fd)? } else { fd as RawFd };
        self.rings.get(&fd).filter(|r| !r.closed).map(|_| fd)
    }

    // ---- posting completions ----

    /// Posts a completion for a request of ring `ring`: into the CQ, the
    /// overflow list, or (`DEFER_TASKRUN`, outside a wait) the task work
    /// list. `counts` is false for timeouts, whose completions do not
    /// count towards other timeouts.
    pub fn post(&mut self, ring: RawFd, p: Post, counts: bool) {
        *self.posted.entry(p.user_data).or_default() += 1;
        self.stats.posted += 1;
        self.changes += 1;
        let Some(r) = self.rings.get_mut(&ring) else {
            return;
        };
        if counts {
            r.completions += 1;
        }
        if r.mem.is_none() {
            // The ring is gone; the completion has nowhere to go.
            self.stats.discarded += 1;
            return;
        }
        if r.flags & IORING_SETUP_DEFER_TASKRUN != 0 && !r.in_wait {
            r.task_work.push_back(p);
            if r.flags & IORING_SETUP_TASKRUN_FLAG != 0 {
                if let Some(m) = &r.mem {
                    m.sq_flags().fetch_or(IORING_SQ_TASKRUN, Ordering::Relaxed);
                }
            }
            return;
        }
        self.post_now(ring, p);
    }

    /// Posts into the CQ, or parks or drops on overflow.
    pub(crate) fn post_now(&mut self, ring: RawFd, p: Post) {
        let drop_it = self.rng.chance(self.chaos.drop_overflow);
        let r = self.rings.get_mut(&ring).expect("caller checked");
        if r.overflow.is_empty() && r.write_cqe(p, &mut self.violations) {
            return;
        }
        let mem = r.mem.as_ref().expect("caller checked");
        if r.features & IORING_FEAT_NODROP == 0 || drop_it {
            // The kernel's `io_account_cq_overflow`: count it and lose it.
            let o = mem.cq_overflow();
            o.store(o.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
            r.lost = r.features & IORING_FEAT_NODROP != 0;
            self.stats.dropped += 1;
            return;
        }
        if r.overflow.is_empty() {
            mem.sq_flags().fetch_or(IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
        }
        r.overflow.push_back(p);
        self.stats.overflowed += 1;
    }

    /// Moves parked completions into the CQ while there is room, and
    /// clears `IORING_SQ_CQ_OVERFLOW` once none is left.
    pub fn flush_overflow(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        while let Some(&p) = r.overflow.front() {
            if !r.write_cqe(p, &mut self.violations) {
                break;
            }
            r.overflow.pop_front();
            self.stats.flushed += 1;
            self.changes += 1;
        }
        if r.overflow.is_empty() {
            if let Some(m) = &r.mem {
                m.sq_flags().fetch_and(!IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
            }
        }
    }

    /// Runs deferred task work: posts the completions `DEFER_TASKRUN` held.
    pub fn run_task_work(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        let work = core::mem::take(&mut r.task_work);
        if let Some(m) = &r.mem {
            m.sq_flags().fetch_and(!IORING_SQ_TASKRUN, Ordering::Relaxed);
        }
        for p in work {
            self.changes += 1;
            self.post_now(ring, p);
        }
    }

    /// Completions in the CQ the application has not consumed.
    pub fn cq_ready(&self, ring: RawFd) -> u32 {
        let r = &self.rings[&ring];
        match &r.mem {
            Some(m) => r.cq_tail.wrapping_sub(m.cq_head().load(Ordering::Acquire)),
            None => 0,
        }
    }

    // ---- consuming SQEs ----

    /// Consumes up to `max` published SQEs of `ring`, as `io_submit_sqes`
    /// does, and starts them. Returns how many entries were consumed.
    ///
    /// `short` says that `max` is the simulated kernel's own short
    /// submission (fault injection), not the application's bound: with
    /// `Chaos::whole_chains` it then runs on to the end of a chain it
    /// stopped inside. A submission that ends inside a chain at the
    /// application's bound is recorded in `split_chains`.
    pub fn consume(&mut self, ring: RawFd, max: u32, short: bool) -> u32 {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        let Some(mem) = &r.mem else { return 0 };
        let entries = mem.sq_entries;
        let mask = entries - 1;
        // Acquire: pairs with the application's release store of the tail,
        // so the SQEs (and array slots) written before it are visible.
        let tail = mem.sq_tail().load(Ordering::Acquire);
        let mut avail = tail.wrapping_sub(r.sq_head);
        if avail > entries {
            self.violations.push(format!(
                "ring {ring}: the SQ tail {tail:#x} is {avail} entries past the head {:#x}, more than the ring holds",
                r.sq_head
            ));
            avail = entries;
        }
        let mut want = max.min(avail);
        let whole = short && self.chaos.whole_chains;
        let mixed = r.flags & IORING_SETUP_SQE_MIXED != 0;
        let shift = u32::from(r.flags & IORING_SETUP_SQE128 != 0);
        let mut raw = Vec::new();
        let mut pos = 0;
        while pos < want {
            let p = r.sq_head.wrapping_add(pos);
            let idx = if mem.has_array {
                // SAFETY: position `p` is below the acquired tail.
                unsafe { mem.array_at(p) }
            } else {
                p & mask
            };
            if idx >= entries {
                // An invalid index: counted as dropped, and submission stops.
                let d = mem.sq_dropped();
                d.store(d.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
                raw.push(None);
                break;
            }
            // SAFETY: `idx < entries`, so the unit (and its second half with
            // SQE128) is inside the array; the entry is below the acquired tail.
            let sqe = unsafe { mem.sqe_unit((idx << shift) as usize) };
            let big = mixed && matches!(sqe.opcode, IORING_OP_NOP128 | IORING_OP_URING_CMD128);
            if big && (idx == mask || pos + 1 >= want) {
                // A 128-byte entry must not straddle the ring's end, and
                // both halves must be published.
                raw.push(Some((sqe, Some(-libc::EINVAL))));
                break;
            }
            raw.push(Some((sqe, None)));
            pos += if big { 2 } else { 1 };
            if whole && pos >= want && pos < avail && sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0 {
                // A short submission of our own choosing: take the rest of
                // the chain too (it is published whole, or the application
                // split it, which the check below reports).
                want = pos + 1;
            }
        }
        // Where the submission ended: inside a chain (the last SQE taken
        // links on), although nothing stopped it early (a bad index or
        // entry, a failed preparation: see below).
        let ends_in_chain = pos >= want
            && matches!(raw.last(), Some(Some((sqe, None))) if sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0);
        // Prepare each request (this is where the kernel copies what it
        // needs from user memory), stopping at a failure as the kernel
        // does unless `IORING_SETUP_SUBMIT_ALL`.
        let submit_all = r.flags & IORING_SETUP_SUBMIT_ALL != 0;
        let mut consumed = 0u32;
        let mut batch = Vec::new();
        let mut stopped = false;
        for item in raw {
            let Some((sqe, err)) = item else {
                consumed += 1;
                stopped = true;
                break;
            };
            let big = mixed && matches!(sqe.opcode, IORING_OP_NOP128 | IORING_OP_URING_CMD128) && err.is_none();
            consumed += if big { 2 } else { 1 };
            *self.executions.entry(sqe.user_data).or_default() += 1;
            self.stats.consumed += 1;
            let req = self.prep(ring, &sqe, err);
            let stop = matches!(req.kind, Kind::Fail(_)) && !req.links_next() && !submit_all;
            batch.push(req);
            if stop {
                stopped = true;
                break;
            }
        }
        if ends_in_chain && !stopped {
            if short && want < avail {
                self.stats.chains_split += 1;
            } else {
                let last = batch.last().map_or(0, |r: &Req| r.user_data);
                self.split_chains.push(format!(
                    "ring {ring}: a submission of {consumed} entries ended inside a link chain (after user_data {last:#x}): \
                     chains do not span submission boundaries, so the rest of it will run unlinked"
                ));
            }
        }
        let r = self.rings.get_mut(&ring).expect("caller checked");
        r.sq_head = r.sq_head.wrapping_add(consumed);
        if let Some(mem) = &r.mem {
            // Release: our reads of the entries happen before the
            // application may reuse their slots.
            mem.sq_head().store(r.sq_head, Ordering::Release);
        }
        self.assemble(batch);
        consumed
    }

    /// Links a batch of prepared requests into chains and starts the heads.
    fn assemble(&mut self, batch: Vec<Req>) {
        let mut chain: Option<u64> = None;
        let mut heads = Vec::new();
        for mut req in batch {
            match chain {
                Some(c) => {
                    req.chain = Some(c);
                    req.linked = true;
                }
                None => {
                    if req.links_next() {
                        req.chain = Some(req.id);
                    }
                    heads.push(req.id);
                }
            }
            if let (Kind::Fail(_), Some(c)) = (&req.kind, req.chain) {
                self.doomed.insert(c);
            }
            chain = if req.links_next() { req.chain } else { None };
            self.reqs.insert(req.id, req);
        }
        for id in heads {
            self.start(id);
        }
    }

    /// A request becomes active: its chain predecessor finished (or it has none).
    pub fn start(&mut self, id: u64) {
        let hold = self.chaos.hold;
        let now = self.now;
        let Some(req) = self.reqs.get_mut(&id) else {
            return;
        };
        req.linked = false;
        self.changes += 1;
        // A request that failed preparation, or belongs to a chain that
        // did, completes (with its error, or -ECANCELED) when `settle`
        // runs it, in submission order, and is never held.
        let doomed = req.chain.is_some_and(|c| self.doomed.contains(&c));
        if doomed || matches!(req.kind, Kind::Fail(_)) {
            if !matches!(req.kind, Kind::Fail(_)) {
                req.kind = Kind::Fail(-libc::ECANCELED);
            }
            return;
        }
        let completions = self.rings.get(&req.ring).map_or(0, |r| r.completions);
        req.kind.arm(now, completions);
        req.hold = hold;
        self.preselect(id);
    }

    /// Ends a request: posts its terminal completion (unless
    /// `IOSQE_CQE_SKIP_SUCCESS` applies) and moves its chain on.
    pub fn finish(&mut self, req: Req, mut p: Post, failed: bool) {
        p.user_data = req.user_data;
        if let Some(sel) = req.kind.selected() {
            // A buffer the request took is reported with its completion,
            // whatever the result (`io_put_kbuf`).
            p.flags |= sel.cqe_flags();
        }
        let skip = req.flags & IOSQE_CQE_SKIP_SUCCESS != 0 && !failed;
        if !skip {
            let counts = !matches!(req.kind, Kind::Timeout { .. });
            self.post(req.ring, p, counts);
        }
        self.stats.finished += 1;
        self.changes += 1;
        let Some(chain) = req.chain else { return };
        if !req.links_next() {
            self.doomed.remove(&chain);
            return;
        }
        let next = self.reqs.values().find(|r| r.chain == Some(chain) && r.linked).map(|r| r.id);
        let Some(next) = next else { return };
        let hard = req.flags & IOSQE_IO_HARDLINK != 0;
        if failed && !hard {
            // The rest of the chain is cancelled, in order; a member that
            // failed its own preparation reports that error instead.
            let next = self.reqs.remove(&next).expect("present");
            let res = match next.kind {
                Kind::Fail(e) => e,
                _ => -libc::ECANCELED,
            };
            self.finish(next, Post { user_data: 0, res, flags: 0, big: None }, true);
        } else {
            self.start(next);
        }
    }

    /// Runs every active request until nothing changes: the simulated
    /// kernel's "time passes with no new input".
    pub fn settle(&mut self) {
        loop {
            let before = self.changes;
            let ids: Vec<u64> = self.reqs.values().filter(|r| !r.linked && !r.hold).map(|r| r.id).collect();
            for id in ids {
                if let Some(req) = self.reqs.remove(&id) {
                    if let Some(req) = self.run(req) {
                        self.reqs.insert(req.id, req);
                    }
                }
            }
            if self.changes == before {
                break;
            }
        }
    }

    /// Releases held requests and notifications: each with probability
    /// one half (`all` releases every one), in random order.
    pub fn release_random(&mut self, all: bool) -> usize {
        let mut ids: Vec<u64> =
            self.reqs.values().filter(|r| !r.linked && (r.hold || r.kind.notif_waiting())).map(|r| r.id).collect();
        shuffle(&mut self.rng, &mut ids);
        let mut n = 0;
        for id in ids {
            if !all && self.rng.below(2) == 0 {
                continue;
            }
            self.release_id(id);
            n += 1;
        }
        n
    }

    /// Releases one request (from chaos hold, or its held notification).
    pub fn release_id(&mut self, id: u64) -> bool {
        let Some(r) = self.reqs.get_mut(&id) else {
            return false;
        };
        let was = r.hold || r.kind.notif_waiting();
        // Releasing a held request runs it; a zero-copy send then posts its
        // result, and its notification stays held (with
        // `Chaos::shuffle_notifs`) for a later release, so that the
        // application sees the result alone first, as it may from the
        // kernel. Releasing a send whose notification is held posts it.
        if !r.hold {
            r.kind.allow_notif();
        }
        r.hold = false;
        self.changes += 1;
        if let Some(req) = self.reqs.remove(&id) {
            if let Some(req) = self.run(req) {
                self.reqs.insert(req.id, req);
            }
        }
        self.settle();
        was
    }

    // ---- SQPOLL ----

    /// One turn of the SQPOLL thread: consume what is published, or go
    /// towards sleep. Returns the number of entries consumed.
    pub fn sqpoll_step(&mut self, ring: RawFd) -> u32 {
        let short = self.rng.chance(self.chaos.short_submit);
        let idle_limit = self.cfg.sqpoll_idle_steps.max(1);
        let Some(r) = self.rings.get_mut(&ring) else {
            return 0;
        };
        let Some(mem) = &r.mem else { return 0 };
        let Some(sp) = &mut r.sqpoll else { return 0 };
        if !sp.awake || r.closed {
            return 0;
        }
        let pending = mem.sq_tail().load(Ordering::Acquire).wrapping_sub(r.sq_head);
        if pending > 0 {
            sp.idle = 0;
            let max = if short && pending > 1 { 1 + self.rng.below(u64::from(pending - 1)) as u32 } else { pending };
            let n = self.consume(ring, max, max < pending);
            self.stats.sqpoll_consumed += u64::from(n);
            self.settle();
            return n;
        }
        sp.idle += 1;
        if sp.idle >= idle_limit {
            // Going to sleep, as `io_sq_thread` does: set NEED_WAKEUP, a
            // full barrier (`smp_mb__after_atomic`), then look at the tail
            // once more. This pairs with the application's tail store,
            // fence, flags load: one of the two sides must see the other.
            mem.sq_flags().fetch_or(IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let tail = mem.sq_tail().load(Ordering::Acquire);
            if tail != r.sq_head {
                mem.sq_flags().fetch_and(!IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
                sp.idle = 0;
            } else {
                sp.awake = false;
                self.stats.sqpoll_sleeps += 1;
            }
        }
        0
    }

    /// `IORING_ENTER_SQ_WAKEUP`: wakes the poll thread.
    pub fn sqpoll_wake(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        if let (Some(sp), Some(mem)) = (&mut r.sqpoll, &r.mem) {
            if !sp.awake {
                self.stats.sqpoll_wakeups += 1;
            }
            sp.awake = true;
            sp.idle = 0;
            mem.sq_flags().fetch_and(!IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
        }
    }

    /// Whether the poll thread sleeps while published entries wait.
    pub fn sqpoll_stranded(&self, ring: RawFd) -> bool {
        let r = &self.rings[&ring];
        match (&r.sqpoll, &r.mem) {
            (Some(sp), Some(m)) => !sp.awake && m.sq_tail().load(Ordering::Acquire) != r.sq_head,
            _ => false,
        }
    }

    // ---- the clock ----

    /// The earliest deadline of an armed, unheld timeout.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.reqs.values().filter(|r| !r.linked && !r.hold).filter_map(|r| r.kind.deadline()).min()
    }

    /// Moves the virtual clock forward and fires what is due.
    pub fn advance_to(&mut self, t: Duration) {
        if t > self.now {
            self.now = t;
            self.changes += 1;
        }
        self.settle();
    }

    /// Closes the ring: its memory goes once every mapping is gone.
    pub fn close_ring(&mut self, fd: RawFd) {
        if let Some(r) = self.rings.get_mut(&fd) {
            r.closed = true;
            if r.maps == 0 {
                r.mem = None;
            }
        }
        for table in self.reg_rings.values_mut() {
            table.retain(|_, f| *f != fd);
        }
        self.pbufs.retain(|(r, _), _| *r != fd);
    }
}

impl RingState {
    /// Writes one completion into the CQ if it fits. The CQ head is loaded
    /// with acquire first: it pairs with the application's release store,
    /// so its reads of the slot happen before we overwrite it.
    pub fn write_cqe(&mut self, p: Post, violations: &mut Vec<String>) -> bool {
        let Some(mem) = &self.mem else { return false };
        let entries = mem.cq_entries;
        let mask = entries - 1;
        let head = mem.cq_head().load(Ordering::Acquire);
        let used = self.cq_tail.wrapping_sub(head);
        if used > entries {
            violations.push(format!(
                "the CQ head {head:#x} is past the tail {:#x}: the application consumed entries never posted",
                self.cq_tail
            ));
            return false;
        }
        let free = entries - used;
        let cqe = |flags: u32| io_uring_cqe { user_data: p.user_data, res: p.res, flags, big_cqe: [] };
        if self.flags & IORING_SETUP_CQE32 != 0 {
            if free == 0 {
                return false;
            }
            let unit = ((self.cq_tail & mask) as usize) * 2;
            // SAFETY: slot `tail & mask` is free (acquired head) and its two
            // units lie inside the CQE array.
            unsafe { mem.write_cqe(unit, cqe(p.flags), Some(p.big.unwrap_or([0; 2]))) };
            self.cq_tail = self.cq_tail.wrapping_add(1);
        } else if self.flags & IORING_SETUP_CQE_MIXED != 0 && p.big.is_some() {
            let mut free = free;
            if self.cq_tail & mask == mask {
                // As `io_cqe_cache_refill`: the filler goes into the last
                // slot as soon as that slot is free, whether or not the
                // entry then fits at the start of the ring (if it does not,
                // it waits in the overflow list and the filler stays).
                if free == 0 {
                    return false;
                }
                let filler = io_uring_cqe { user_data: 0, res: 0, flags: IORING_CQE_F_SKIP, big_cqe: [] };
                // SAFETY: the last slot is free (checked above) and in bounds.
                unsafe { mem.write_cqe(mask as usize, filler, None) };
                self.cq_tail = self.cq_tail.wrapping_add(1);
                free -= 1;
                // Release: the filler is published even if the entry waits.
                mem.cq_tail().store(self.cq_tail, Ordering::Release);
            }
            if free < 2 {
                return false;
            }
            let unit = (self.cq_tail & mask) as usize;
            // SAFETY: two free consecutive slots, the second not wrapping
            // (the filler above moved us off the last slot).
            unsafe { mem.write_cqe(unit, cqe(p.flags | IORING_CQE_F_32), p.big) };
            self.cq_tail = self.cq_tail.wrapping_add(2);
        } else {
            if free == 0 {
                return false;
            }
            // SAFETY: slot `tail & mask` is free and in bounds.
            unsafe { mem.write_cqe((self.cq_tail & mask) as usize, cqe(p.flags), None) };
            self.cq_tail = self.cq_tail.wrapping_add(1);
        }
        // Release: the entry is written before the application can see
        // the tail that covers it.
        mem.cq_tail().store(self.cq_tail, Ordering::Release);
        true
    }
}

/// Fisher-Yates with the simulator's generator.
pub(crate) fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}
