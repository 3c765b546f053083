//! The encodings that cannot tell two values of an argument apart, each
//! with its reason ([`alias`]), and the builders whose file argument does
//! not go in `sqe.fd`.

use ring_sys::*;

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
