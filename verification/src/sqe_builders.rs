//! The SQE-builder target: arbitrary parameters for every raw builder in
//! `ring_core::opcode` (all 65 opcodes, every required argument and every
//! setter), and for the safe operations' `prepare` where a value can be
//! built without a driver. Shared by the fuzz target
//! (`fuzz/fuzz_targets/sqe_builders.rs`) and the plain test that runs it
//! over generated inputs and the checked-in seeds
//! (`tests/sqe_builders.rs`), which also checks that the list below names
//! every builder and every field found in ring-core's sources.
//!
//! What is checked, for each builder and any values:
//!
//! - building never panics (every argument is taken as it is: the raw
//!   builders have no error path, and none may overflow or index out of
//!   bounds on a value the caller can pass);
//! - the entry carries the builder's opcode;
//! - nothing asked is lost: changing any one argument (by one bit, or to
//!   another value the input picks) changes the entry, so no argument is
//!   dropped, truncated or folded into another's value (the few encodings
//!   that cannot tell two values apart are the rules of [`alias`], each
//!   with its reason);
//! - what lands in the SQE is what was asked, where the place is common to
//!   every builder: a file argument named `fd` is `sqe.fd`, with
//!   `IOSQE_FIXED_FILE` exactly when it is a registered file;
//! - the setters are independent: applying them in another order, or one
//!   of them twice (the last value wins), builds the same entry;
//! - nothing else leaks in: bytes that no argument reaches keep their
//!   value whatever the arguments are.

use core::ffi::{c_char, c_void};
use ring_core::opcode::*;
use ring_core::types::{Entry, Entry128, Target, Timespec};
use ring_sys::*;
use std::os::fd::RawFd;

/// Reads fuzzer bytes (zeros once they run out).
#[derive(Debug)]
pub struct Gen<'a>(&'a [u8]);

impl<'a> Gen<'a> {
    /// Values drawn from `data`.
    pub fn new(data: &'a [u8]) -> Gen<'a> {
        Gen(data)
    }

    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        core::array::from_fn(|_| self.u8())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A builder argument the target can draw, vary and set to extremes.
pub trait Arb: Copy + PartialEq + core::fmt::Debug {
    /// Any value.
    fn arb(g: &mut Gen) -> Self;
    /// A different value: one bit flipped, or (for small types) another.
    fn other(self, g: &mut Gen) -> Self;
    /// The value with no bit set.
    fn zero() -> Self;
    /// Values with every bit set, one of each kind (reaching every byte
    /// the argument can reach).
    fn extremes() -> Vec<Self>;
}

macro_rules! arb_int {
    ($($t:ty),*) => {$(
        impl Arb for $t {
            fn arb(g: &mut Gen) -> Self {
                // Extremes and small values often, anything otherwise.
                match g.u8() % 4 {
                    0 => <$t>::MAX,
                    1 => g.u8() as $t,
                    _ => <$t>::from_le_bytes(g.bytes()),
                }
            }
            fn other(self, g: &mut Gen) -> Self {
                self ^ (1 as $t).rotate_left(u32::from(g.u8()) % <$t>::BITS)
            }
            fn zero() -> Self {
                0
            }
            fn extremes() -> Vec<Self> {
                // All ones, and values at the edges of the narrower fields a
                // wide argument may go to when it fits.
                [u64::MAX, 1, 0xff, 0xffff, 0xffff_ffff].iter().map(|&x| x as $t).collect()
            }
        }
    )*};
}
arb_int!(u8, u16, u32, u64, i32, i64);

impl Arb for bool {
    fn arb(g: &mut Gen) -> Self {
        g.u8() & 1 != 0
    }
    fn other(self, _: &mut Gen) -> Self {
        !self
    }
    fn zero() -> Self {
        false
    }
    fn extremes() -> Vec<Self> {
        vec![true]
    }
}

impl<const N: usize> Arb for [u8; N] {
    fn arb(g: &mut Gen) -> Self {
        g.bytes()
    }
    fn other(mut self, g: &mut Gen) -> Self {
        let i = usize::from(g.u8()) % N;
        self[i] ^= 1 << (g.u8() % 8);
        self
    }
    fn zero() -> Self {
        [0; N]
    }
    fn extremes() -> Vec<Self> {
        vec![[!0; N]]
    }
}

impl Arb for [u64; 2] {
    fn arb(g: &mut Gen) -> Self {
        [u64::arb(g), u64::arb(g)]
    }
    fn other(mut self, g: &mut Gen) -> Self {
        let i = usize::from(g.u8() & 1);
        self[i] = self[i].other(g);
        self
    }
    fn zero() -> Self {
        [0; 2]
    }
    fn extremes() -> Vec<Self> {
        vec![[!0; 2]]
    }
}

impl Arb for (u32, u32) {
    fn arb(g: &mut Gen) -> Self {
        (u32::arb(g), u32::arb(g))
    }
    fn other(self, g: &mut Gen) -> Self {
        if g.u8() & 1 == 0 {
            (self.0.other(g), self.1)
        } else {
            (self.0, self.1.other(g))
        }
    }
    fn zero() -> Self {
        (0, 0)
    }
    fn extremes() -> Vec<Self> {
        vec![(!0, !0)]
    }
}

impl Arb for Target {
    fn arb(g: &mut Gen) -> Self {
        if g.u8() & 1 == 0 {
            Target::Fd(i32::arb(g))
        } else {
            Target::Fixed(u32::arb(g))
        }
    }
    fn other(self, g: &mut Gen) -> Self {
        match (self, g.u8() % 3) {
            // The same number as the other kind of file.
            (Target::Fd(fd), 0) => Target::Fixed(fd as u32),
            (Target::Fixed(i), 0) => Target::Fd(i as i32),
            (Target::Fd(fd), _) => Target::Fd(fd.other(g)),
            (Target::Fixed(i), _) => Target::Fixed(i.other(g)),
        }
    }
    fn zero() -> Self {
        Target::Fd(0)
    }
    fn extremes() -> Vec<Self> {
        vec![Target::Fd(-1), Target::Fixed(!0 - 1)]
    }
}

/// Builders take pointers only as addresses (nothing is dereferenced
/// until the entry is pushed, which this target never does), so any
/// address will do; they are made without provenance.
macro_rules! arb_ptr {
    ($($p:ident)*) => {$(
        impl<T> Arb for *$p T {
            fn arb(g: &mut Gen) -> Self {
                core::ptr::without_provenance_mut::<T>(usize::arb(g)) as *$p T
            }
            fn other(self, g: &mut Gen) -> Self {
                core::ptr::without_provenance_mut::<T>((self as usize).other(g)) as *$p T
            }
            fn zero() -> Self {
                core::ptr::null_mut::<T>() as *$p T
            }
            fn extremes() -> Vec<Self> {
                vec![core::ptr::without_provenance_mut::<T>(usize::MAX) as *$p T]
            }
        }
    )*};
}
arb_ptr!(const mut);

impl Arb for usize {
    fn arb(g: &mut Gen) -> Self {
        u64::arb(g) as usize
    }
    fn other(self, g: &mut Gen) -> Self {
        self ^ 1usize.rotate_left(u32::from(g.u8()) % usize::BITS)
    }
    fn zero() -> Self {
        0
    }
    fn extremes() -> Vec<Self> {
        vec![!0]
    }
}

/// The bytes of an entry.
pub trait Bytes {
    /// The SQE's bytes (64, or 128 for a 128-byte entry).
    fn bytes(self) -> Vec<u8>;
}

impl Bytes for Entry {
    fn bytes(self) -> Vec<u8> {
        let sqe: io_uring_sqe = self.into();
        // SAFETY: an SQE is 64 bytes of plain integers; every byte is initialised (builders start from all-zero).
        unsafe { core::mem::transmute_copy::<io_uring_sqe, [u8; 64]>(&sqe) }.to_vec()
    }
}

impl Bytes for Entry128 {
    fn bytes(self) -> Vec<u8> {
        let sqe = self.into_sqe();
        // SAFETY: as above, 128 bytes.
        unsafe { core::mem::transmute_copy::<io_uring_sqe128, [u8; 128]>(&sqe) }.to_vec()
    }
}

/// Why two values of one argument may build the same entry, if they may:
/// `vals` is the case's arguments as printed, `applied` the setters it
/// called. Each rule is one the kernel's ABI or the builder's documented
/// encoding imposes; any other collision is an argument lost.
pub fn alias(builder: &str, arg: &str, a: &str, b: &str, vals: &str, applied: &[&str]) -> Option<&'static str> {
    let set = |name: &str| applied.contains(&name);
    let num = |name: &str| field(vals, name).and_then(|v| v.parse::<u64>().ok());
    let xor = || Some(a.parse::<u64>().ok()? ^ b.parse::<u64>().ok()?);
    let truthy = |name: &str| field(vals, name) == Some("true");
    let pair = |x: &str, y: &str| (a == x && b == y) || (a == y && b == x);
    const ACCEPT_MULTI: u64 = IORING_ACCEPT_MULTISHOT as u64;
    const RECV_MULTI: u64 = IORING_RECV_MULTISHOT as u64;
    const BUNDLE: u64 = IORING_RECVSEND_BUNDLE as u64;
    const FIXED_BUF: u64 = IORING_RECVSEND_FIXED_BUF as u64;
    const FD_IN_FIXED: u64 = SPLICE_F_FD_IN_FIXED as u64;
    match (builder, arg) {
        (_, "file_index") if pair("4294967294", "4294967295") => Some(
            "the kernel reads slot n as n + 1 and u32::MAX as IORING_FILE_INDEX_ALLOC, so slot u32::MAX - 1 has no \
             encoding (no file table is that large; `opcode`'s docs say so)",
        ),
        ("Close", "fd") if pair("Fixed(4294967294)", "Fixed(4294967295)") => {
            Some("a registered file is closed by its slot in file_index, with the same encoding")
        }
        ("MsgRing", "send_fd")
            if a.split_once(", ").map(|x| x.0) == b.split_once(", ").map(|x| x.0)
                && [a, b].iter().all(|v| v.ends_with(", 4294967294)") || v.ends_with(", 4294967295)")) =>
        {
            Some("the target slot is a file_index, with the same encoding")
        }
        ("AsyncCancel", "match_user_data") if !set("fd") && !set("opcode") => {
            Some("user_data is the only key then, matched whatever the flag (the builder's docs say so)")
        }
        ("PollRemove", "multi") if !set("new_events") => {
            Some("multishot applies to an update of the events only (the builder's docs say so)")
        }
        // Raw flag words take any bits, also the ones a typed argument sets.
        ("Accept", "ioprio") if xor() == Some(ACCEPT_MULTI) && set("multishot") && truthy("multishot") => {
            Some("multishot sets IORING_ACCEPT_MULTISHOT in ioprio")
        }
        ("Accept", "multishot") if num("ioprio").is_some_and(|p| p & ACCEPT_MULTI != 0) => {
            Some("ioprio already carries IORING_ACCEPT_MULTISHOT")
        }
        ("Recv" | "RecvMsg", "ioprio")
            if xor().is_some_and(|x| {
                x & !(RECV_MULTI | BUNDLE) == 0
                    && (x & RECV_MULTI == 0 || truthy("multishot"))
                    && (x & BUNDLE == 0 || truthy("bundle"))
            }) =>
        {
            Some("multishot and bundle set IORING_RECV_MULTISHOT and IORING_RECVSEND_BUNDLE in ioprio")
        }
        ("Recv" | "RecvMsg", "multishot") if num("ioprio").is_some_and(|p| p & RECV_MULTI != 0) => {
            Some("ioprio already carries IORING_RECV_MULTISHOT")
        }
        ("Recv" | "Send", "bundle") if num("ioprio").is_some_and(|p| p & BUNDLE != 0) => {
            Some("ioprio already carries IORING_RECVSEND_BUNDLE")
        }
        ("Send", "ioprio") if xor() == Some(BUNDLE) && truthy("bundle") => {
            Some("bundle sets IORING_RECVSEND_BUNDLE in ioprio")
        }
        ("SendZc" | "SendMsgZc", "zc_flags") if xor() == Some(FIXED_BUF) && set("buf_index") => {
            Some("a registered buffer sets IORING_RECVSEND_FIXED_BUF in the same word")
        }
        ("Splice" | "Tee", "fd_in") if raw_fd(a) == raw_fd(b) && num("flags").is_some_and(|f| f & FD_IN_FIXED != 0) => {
            Some("flags already carries SPLICE_F_FD_IN_FIXED, which says fd_in is a registered file")
        }
        ("Splice" | "Tee", "flags")
            if xor() == Some(FD_IN_FIXED) && field(vals, "fd_in").is_some_and(|f| f.starts_with("Fixed")) =>
        {
            Some("a registered fd_in sets SPLICE_F_FD_IN_FIXED in flags")
        }
        ("TimeoutRemove", "flags") if xor() == Some(u64::from(IORING_TIMEOUT_UPDATE)) && set("update") => {
            Some("update sets IORING_TIMEOUT_UPDATE in flags")
        }
        ("MsgRing", "result" | "cqe_flags") if set("send_fd") => {
            Some("a message that passes a file sends neither result nor flags (the builder's docs say so)")
        }
        ("MsgRing", "flags")
            if xor() == Some(u64::from(IORING_MSG_RING_FLAGS_PASS)) && set("cqe_flags") && !set("send_fd") =>
        {
            Some("cqe_flags sets IORING_MSG_RING_FLAGS_PASS in flags")
        }
        _ => None,
    }
}

/// The bits a printed `Target` puts in `sqe.fd`.
fn raw_fd(t: &str) -> Option<u32> {
    let inner = t.strip_prefix("Fd(").or_else(|| t.strip_prefix("Fixed("))?.strip_suffix(')')?;
    inner.parse::<i64>().ok().map(|v| v as u32)
}

/// The printed value of argument `name` in a printed set of arguments.
fn field<'a>(vals: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}: ");
    let at = vals.find(&key)? + key.len();
    let rest = &vals[at..];
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    Some(rest.trim())
}

/// Builders whose file argument does not go in `sqe.fd`: (builder, why).
pub const FD_ELSEWHERE: &[(&str, &str)] =
    &[("Close", "a registered file is sent in file_index: the kernel refuses IOSQE_FIXED_FILE for CLOSE")];

/// Builder and argument names, for the test that compares them with the
/// sources: (builder, required arguments, setters).
pub type Names = (&'static str, &'static [&'static str], &'static [&'static str]);

/// Declares the checks of every builder, from the list of its arguments.
macro_rules! builders {
    ($( $name:ident { new($($r:ident : $rt:ty),*) set($($o:ident : $ot:ty),*) -> $ret:ident } )*) => {
        /// Every builder this target knows, with its argument names.
        pub const BUILDERS: &[Names] = &[
            $( (stringify!($name), &[$(stringify!($r)),*], &[$(stringify!($o)),*]), )*
        ];

        /// Checks builder number `which` (modulo the number of builders)
        /// with values drawn from `g`.
        pub fn check(which: usize, g: &mut Gen) {
            let checks: &[fn(&mut Gen)] = &[$( check_one::$name ),*];
            checks[which % checks.len()](g);
        }

        #[allow(non_snake_case)]
        mod check_one {
            use super::*;
            $(
                pub fn $name(g: &mut Gen) {
                    #[derive(Clone, Copy, Debug, PartialEq)]
                    #[allow(non_camel_case_types, dead_code)]
                    struct Vals { $($r: $rt,)* $($o: $ot,)* }
                    #[allow(unused_mut)]
                    let build = |v: &Vals, order: &[usize], twice: Option<(usize, Vals)>| -> Vec<u8> {
                        let mut b = $name::new($(v.$r),*);
                        let setters: &[&dyn Fn($name, &Vals) -> $name] = &[$( &|b: $name, v: &Vals| b.$o(v.$o) ),*];
                        if let Some((i, first)) = twice {
                            if let Some(s) = setters.get(i) {
                                b = s(b, &first);
                            }
                        }
                        for &i in order {
                            b = setters[i](b, v);
                        }
                        b.build().bytes()
                    };
                    let names: &[&str] = &[$(stringify!($r),)* $(stringify!($o),)*];
                    let n_req = <[&str]>::len(&[$(stringify!($r)),*]);
                    let n_set = <[&str]>::len(&[$(stringify!($o)),*]);
                    let zero = Vals { $($r: Arb::zero(),)* $($o: Arb::zero(),)* };
                    let v = Vals { $($r: Arb::arb(g),)* $($o: Arb::arb(g),)* };
                    // Which setters the case calls (the others keep their
                    // defaults), in declaration order.
                    let on: Vec<bool> = (0..n_set).map(|_| g.u8() % 4 != 0).collect();
                    let order: Vec<usize> = (0..n_set).filter(|&i| on[i]).collect();
                    let applied: Vec<&str> = order.iter().map(|&i| names[n_req + i]).collect();
                    let sqe = build(&v, &order, None);
                    let shown = format!("{v:?}");
                    assert_eq!(sqe[0], $name::CODE, "{}: wrong opcode", stringify!($name));
                    // Each argument, changed alone, changes the entry.
                    let mut field = 0usize;
                    $(
                        let mut w = v;
                        w.$r = v.$r.other(g);
                        let same = build(&w, &order, None) == sqe;
                        super::differs(stringify!($name), names[field], same, &v.$r, &w.$r, &shown, &applied);
                        field += 1;
                    )*
                    $(
                        if on[field - n_req] {
                            let mut w = v;
                            w.$o = v.$o.other(g);
                            let same = build(&w, &order, None) == sqe;
                            super::differs(stringify!($name), names[field], same, &v.$o, &w.$o, &shown, &applied);
                        }
                        field += 1;
                    )*
                    let _ = field;
                    // `fd` lands in `sqe.fd`, and only a registered file
                    // sets IOSQE_FIXED_FILE.
                    $(
                        super::fd_lands(stringify!($name), stringify!($r), &sqe, &v.$r);
                    )*
                    // Setters in another order, and one of them applied
                    // twice, build the same entry.
                    if order.len() > 1 {
                        let mut rev = order.clone();
                        rev.reverse();
                        rev.rotate_left(usize::from(g.u8()) % order.len());
                        assert_eq!(build(&v, &rev, None), sqe, "{}: setters do not commute", stringify!($name));
                    }
                    if !order.is_empty() {
                        let i = order[usize::from(g.u8()) % order.len()];
                        let first = Vals { $($r: Arb::arb(g),)* $($o: Arb::arb(g),)* };
                        assert_eq!(
                            build(&v, &order, Some((i, first))),
                            sqe,
                            "{}: setting {} twice does not keep the last value",
                            stringify!($name),
                            names[n_req + i]
                        );
                    }
                    // Bytes no argument reaches keep their value (the
                    // footprints are taken with every setter called).
                    let all: Vec<usize> = (0..n_set).collect();
                    let order = all;
                    let sqe = build(&v, &order, None);
                    let base = build(&zero, &order, None);
                    let mut reached = vec![false; base.len()];
                    let mut field = 0usize;
                    $(
                        for x in Arb::extremes() {
                            let mut w = zero;
                            w.$r = x;
                            super::mark(&base, &build(&w, &order, None), &mut reached);
                        }
                        field += 1;
                    )*
                    $(
                        for x in Arb::extremes() {
                            let mut w = zero;
                            w.$o = x;
                            super::mark(&base, &build(&w, &order, None), &mut reached);
                        }
                        field += 1;
                    )*
                    let _ = field;
                    for (i, (&a, &b)) in base.iter().zip(&sqe).enumerate() {
                        assert!(
                            reached[i] || a == b,
                            "{}: byte {i} changed ({a:#x} to {b:#x}) though no argument reaches it, with {v:?}",
                            stringify!($name)
                        );
                    }
                }
            )*
        }
    };
}

/// Fails unless changing an argument changed the entry (or the two values
/// may alias, see [`alias`]).
fn differs<T: core::fmt::Debug>(builder: &str, arg: &str, same: bool, va: &T, vb: &T, vals: &str, applied: &[&str]) {
    if !same {
        return;
    }
    let (a, b) = (format!("{va:?}"), format!("{vb:?}"));
    let allowed = alias(builder, arg, &a, &b, vals, applied).is_some();
    if std::env::var_os("SQE_BUILDERS_LIST").is_some() && !allowed {
        eprintln!("COLLISION {builder} {arg} {a} {b} {vals} {applied:?}");
        return;
    }
    assert!(
        allowed,
        "{builder}: `{arg}` = {a} and {b} build the same entry: the argument was lost ({vals}, setters {applied:?})"
    );
}

/// A `Target` argument named `fd` is `sqe.fd`, with `IOSQE_FIXED_FILE`
/// exactly for a registered file.
fn fd_lands<T: core::fmt::Debug + 'static>(builder: &str, arg: &str, sqe: &[u8], v: &T) {
    if arg != "fd" {
        return;
    }
    let Some(t) = (v as &dyn core::any::Any).downcast_ref::<Target>() else { return };
    if FD_ELSEWHERE.iter().any(|(b, _)| *b == builder) && t.is_fixed() {
        return;
    }
    let fd = i32::from_le_bytes([sqe[4], sqe[5], sqe[6], sqe[7]]);
    assert_eq!(fd, t.raw(), "{builder}: sqe.fd is not the file asked for");
    assert_eq!(sqe[1] & IOSQE_FIXED_FILE != 0, t.is_fixed(), "{builder}: IOSQE_FIXED_FILE does not match the file");
}

fn mark(base: &[u8], other: &[u8], reached: &mut [bool]) {
    for (i, (a, b)) in base.iter().zip(other).enumerate() {
        if a != b {
            reached[i] = true;
        }
    }
}

builders! {
    OpenAt { new(dirfd: RawFd, path: *const c_char) set(flags: i32, mode: libc::mode_t, file_index: u32) -> Entry }
    Close { new(fd: Target) set() -> Entry }
    FilesUpdate { new(fds: *const RawFd, len: u32) set(offset: i32) -> Entry }
    Statx { new(dirfd: RawFd, path: *const c_char, statxbuf: *mut libc::statx) set(flags: i32, mask: u32) -> Entry }
    OpenAt2 { new(dirfd: RawFd, path: *const c_char, how: *const open_how) set(file_index: u32) -> Entry }
    RenameAt { new(olddirfd: RawFd, oldpath: *const c_char, newdirfd: RawFd, newpath: *const c_char) set(flags: u32) -> Entry }
    UnlinkAt { new(dirfd: RawFd, path: *const c_char) set(flags: i32) -> Entry }
    MkdirAt { new(dirfd: RawFd, path: *const c_char) set(mode: libc::mode_t) -> Entry }
    SymlinkAt { new(target: *const c_char, newdirfd: RawFd, linkpath: *const c_char) set() -> Entry }
    LinkAt { new(olddirfd: RawFd, oldpath: *const c_char, newdirfd: RawFd, newpath: *const c_char) set(flags: i32) -> Entry }
    FSetXattr { new(fd: Target, name: *const c_char, value: *const c_void, len: u32) set(flags: i32) -> Entry }
    SetXattr { new(path: *const c_char, name: *const c_char, value: *const c_void, len: u32) set(flags: i32) -> Entry }
    FGetXattr { new(fd: Target, name: *const c_char, value: *mut c_void, len: u32) set() -> Entry }
    GetXattr { new(path: *const c_char, name: *const c_char, value: *mut c_void, len: u32) set() -> Entry }
    FixedFdInstall { new(fixed: u32) set(flags: u32) -> Entry }
    Pipe { new(fds: *mut [RawFd; 2]) set(flags: u32, file_index: u32) -> Entry }
    Nop { new() set(inject_result: i32, file: Target, fixed_buffer: u16, task_work: bool, cqe32: [u64; 2]) -> Entry }
    PollAdd { new(fd: Target, events: u32) set(multi: bool, level: bool) -> Entry }
    PollRemove { new(user_data: u64) set(new_events: u32, multi: bool, new_user_data: u64) -> Entry }
    Timeout { new(timespec: *const Timespec) set(count: u32, flags: u32) -> Entry }
    TimeoutRemove { new(user_data: u64) set(update: *const Timespec, flags: u32) -> Entry }
    AsyncCancel { new(user_data: u64) set(fd: Target, opcode: u8, match_user_data: bool, all: bool, any: bool) -> Entry }
    LinkTimeout { new(timespec: *const Timespec) set(flags: u32) -> Entry }
    Madvise { new(addr: *const c_void, len: u64, advice: i32) set() -> Entry }
    ProvideBuffers { new(addr: *mut u8, len: u32, nbufs: u32, bgid: u16, bid: u16) set() -> Entry }
    RemoveBuffers { new(nbufs: u32, bgid: u16) set() -> Entry }
    MsgRing { new(ring_fd: Target, result: i32, user_data: u64) set(flags: u32, cqe_flags: u32, send_fd: (u32, u32)) -> Entry }
    UringCmd { new(fd: Target, cmd_op: u32) set(cmd: [u8; 16], addr: u64, optlen: u32, buf_index: u16) -> Entry }
    WaitId { new(idtype: libc::idtype_t, id: libc::id_t, options: i32, infop: *mut libc::siginfo_t) set() -> Entry }
    FutexWait { new(futex: *const u32, val: u64) set(mask: u64, futex_flags: u32) -> Entry }
    FutexWake { new(futex: *const u32, count: u64) set(mask: u64, futex_flags: u32) -> Entry }
    FutexWaitV { new(futexv: *const futex_waitv, nr: u32) set() -> Entry }
    Nop128 { new() set(inject_result: i32) -> Entry128 }
    UringCmd128 { new(fd: Target, cmd_op: u32) set(cmd: [u8; 80], addr: u64, buf_index: u16) -> Entry128 }
    SendMsg { new(fd: Target, msg: *const libc::msghdr) set(flags: u32, ioprio: u16) -> Entry }
    RecvMsg { new(fd: Target, msg: *mut libc::msghdr) set(flags: u32, ioprio: u16, buf_group: u16, multishot: bool) -> Entry }
    Accept { new(fd: Target, addr: *mut libc::sockaddr, addrlen: *mut libc::socklen_t) set(flags: i32, file_index: u32, multishot: bool, ioprio: u16) -> Entry }
    Connect { new(fd: Target, addr: *const libc::sockaddr, addrlen: libc::socklen_t) set() -> Entry }
    Send { new(fd: Target, buf: *const u8, len: u32) set(flags: u32, dest_addr: *const libc::sockaddr, dest_addr_len: u16, ioprio: u16, buf_group: u16, bundle: bool) -> Entry }
    Recv { new(fd: Target, buf: *mut u8, len: u32) set(flags: u32, buf_group: u16, ioprio: u16, multishot: bool, bundle: bool) -> Entry }
    EpollCtl { new(epfd: RawFd, fd: RawFd, op: i32, event: *const libc::epoll_event) set() -> Entry }
    Shutdown { new(fd: Target, how: i32) set() -> Entry }
    Socket { new(domain: i32, socket_type: i32, protocol: i32) set(file_index: u32) -> Entry }
    SendZc { new(fd: Target, buf: *const u8, len: u32) set(flags: u32, zc_flags: u16, buf_index: u16, dest_addr: *const libc::sockaddr, dest_addr_len: u16) -> Entry }
    SendMsgZc { new(fd: Target, msg: *const libc::msghdr) set(flags: u32, zc_flags: u16) -> Entry }
    Bind { new(fd: Target, addr: *const libc::sockaddr, addrlen: libc::socklen_t) set() -> Entry }
    Listen { new(fd: Target, backlog: i32) set() -> Entry }
    RecvZc { new(fd: Target, ifq: u32) set(len: u32, flags: u32) -> Entry }
    EpollWait { new(fd: Target, events: *mut libc::epoll_event, max_events: u32) set() -> Entry }
    Readv { new(fd: Target, iovec: *const libc::iovec, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32, buf_group: u16) -> Entry }
    Writev { new(fd: Target, iovec: *const libc::iovec, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    Fsync { new(fd: Target) set(flags: u32, offset: u64, len: u32) -> Entry }
    ReadFixed { new(fd: Target, buf: *mut u8, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    WriteFixed { new(fd: Target, buf: *const u8, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    SyncFileRange { new(fd: Target, len: u32) set(offset: u64, flags: u32) -> Entry }
    Fallocate { new(fd: Target, len: u64) set(offset: u64, mode: i32) -> Entry }
    Read { new(fd: Target, buf: *mut u8, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32, buf_group: u16) -> Entry }
    Write { new(fd: Target, buf: *const u8, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    Fadvise { new(fd: Target, len: u64, advice: i32) set(offset: u64) -> Entry }
    Splice { new(fd_in: Target, off_in: i64, fd_out: Target, off_out: i64, len: u32) set(flags: u32) -> Entry }
    Tee { new(fd_in: Target, fd_out: Target, len: u32) set(flags: u32) -> Entry }
    ReadMulti { new(fd: Target, buf_group: u16) set(len: u32, offset: u64) -> Entry }
    Ftruncate { new(fd: Target, len: u64) set() -> Entry }
    ReadvFixed { new(fd: Target, iovec: *const libc::iovec, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    WritevFixed { new(fd: Target, iovec: *const libc::iovec, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
}

/// Decodes and runs one case (the fuzz target's body): the first byte
/// picks the first builder, and each further run of bytes checks the next
/// builder with values drawn from them.
pub fn run_bytes(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let mut g = Gen::new(rest);
    let mut which = usize::from(first);
    loop {
        check(which, &mut g);
        if g.is_empty() {
            break;
        }
        which += 1;
    }
}
