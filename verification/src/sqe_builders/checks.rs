//! The checks made of every builder: the macro that declares them from the
//! list of its arguments (`builders!`, used by `list.rs`), and the helpers
//! it calls.

use crate::sqe_builders::alias::{alias, FD_ELSEWHERE};
use ring_core::types::Target;
use ring_sys::*;

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
pub(super) fn differs<T: core::fmt::Debug>(
    builder: &str,
    arg: &str,
    same: bool,
    va: &T,
    vb: &T,
    vals: &str,
    applied: &[&str],
) {
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
pub(super) fn fd_lands<T: core::fmt::Debug + 'static>(builder: &str, arg: &str, sqe: &[u8], v: &T) {
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

pub(super) fn mark(base: &[u8], other: &[u8], reached: &mut [bool]) {
    for (i, (a, b)) in base.iter().zip(other).enumerate() {
        if a != b {
            reached[i] = true;
        }
    }
}
