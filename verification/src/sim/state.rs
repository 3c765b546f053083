//! The simulated kernel's state: rings, requests in flight, model files,
//! provided-buffer rings and the virtual clock. The rules that act on it
//! live beside it: consuming SQEs (`sq.rs`), a request's run
//! (`lifecycle.rs`), posting CQEs (`cq.rs`), each opcode (`ops.rs`).

use super::chaos::{Chaos, EnterFault, Rng};
use super::config::{SimConfig, SimStats};
use super::mem::RingMem;
use super::request::{Kind, MemRange};
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

/// Fisher-Yates with the simulator's generator.
pub(crate) fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}
