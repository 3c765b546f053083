//! The sites the coverage tables must map: every access to a shared ring
//! word or entry, and every ownership transition.

use crate::scan::*;
use crate::source::Scope;
use std::collections::BTreeSet;

/// Every ring access site (see the module documentation for the rules).
/// The files of the runtime's park and wake-up protocol, whose atomics the
/// `loom_runtime` models run as shipped.
pub(crate) const PARK_PROTOCOL_FILES: &[&str] = &["ring-core/src/runtime/executor/", "ring-core/src/runtime/handle.rs"];

pub(crate) fn access_sites() -> Vec<Site> {
    let (files, order) = sources();
    let mut sites = Vec::new();
    for f in &files {
        let code = &f.code;
        let mut imported = imported_order_names(code);
        if f.rel.ends_with("order.rs") && code.contains("pub const SQ_TAIL_STORE") {
            // The ordering module names its own constants bare.
            imported.extend(order.iter().cloned());
        }
        // A file that takes an ordering from `order.rs` is one whose words
        // pair with a documented protocol (the kernel's, or the park
        // gate's); every atomic access in it is a site. Every atomic of the
        // crate comes from the `sync` shim (clippy refuses the others), so
        // taking types from it no longer marks a ring file.
        // The runtime's park and wake-up protocol (the executor and the
        // cross-thread handle) is the other protocol the loom models run as
        // shipped (`loom_runtime`): its atomics are sites too.
        let park_protocol = PARK_PROTOCOL_FILES.iter().any(|p| f.rel.starts_with(p));
        let uses_order = code.contains("crate::order") || code.contains("order::") || park_protocol;
        // Maps an ordering argument to its name in `order.rs`, if it is one.
        let order_name = |arg: &str| -> Option<String> {
            let a = arg.trim_start_matches("crate::");
            if let Some(n) = a.strip_prefix("order::") {
                return order.contains(n).then(|| n.to_string());
            }
            imported.contains(a).then(|| a.to_string())
        };
        let mut covered = BTreeSet::new();
        for m in ATOMIC_METHODS.iter().copied().chain(["fence"]) {
            let method = m != "fence";
            for (i, open) in calls(code, m, method) {
                let arg = last_arg(args_at(code, open));
                let named = order_name(&arg);
                if named.is_none() && !uses_order {
                    continue;
                }
                let ordering = named.map_or(arg.clone(), |n| format!("order::{n}"));
                covered.insert(open);
                push_site(&mut sites, f, i, format!("{m}({ordering})"));
            }
        }
        // Calls of the ordering module's functions (`order::sqpoll_wakeup_fence()`).
        for name in &order {
            for (i, _) in calls(code, name, false) {
                let b = code.as_bytes();
                let qualified = code[..i].ends_with("order::");
                let bare = imported.contains(name.as_str()) && !(i > 0 && b[i - 1] == b':');
                if (qualified || bare) && !code[..i].trim_end().ends_with("fn") {
                    push_site(&mut sites, f, i, format!("call(order::{name})"));
                }
            }
        }
        // Entry cells.
        for m in ["with", "with_mut"] {
            for (i, _) in calls(code, m, true) {
                let recv = receiver_ident(code, i);
                let thread_local = !recv.is_empty() && recv.bytes().all(|c| c.is_ascii_uppercase() || c == b'_');
                if !thread_local {
                    push_site(&mut sites, f, i, m.to_string());
                }
            }
        }
        // Raw accesses, which bypass the sync types.
        for (m, method) in [("read_volatile", true), ("write_volatile", true), ("copy_nonoverlapping", false)] {
            for (i, _) in calls(code, m, method) {
                push_site(&mut sites, f, i, m.to_string());
            }
        }
        for (i, _) in calls(code, "copy", false) {
            if code[..i].ends_with("ptr::") {
                push_site(&mut sites, f, i, "ptr::copy".into());
            }
        }
    }
    sites
}

/// Every ownership transition (see the module documentation for the rules).
pub(crate) fn ownership_sites() -> Vec<Site> {
    let (files, _) = sources();
    let mut sites = Vec::new();
    for f in &files {
        let code = &f.code;
        for m in ["take", "take_unchecked", "clear", "free", "leak"] {
            for (i, _) in calls(code, m, true) {
                if receiver_ident(code, i) == "storage" {
                    push_site(&mut sites, f, i, format!("storage.{m}"));
                }
            }
        }
        for m in ["free_entry", "run_orphan_hook", "run_cqe_hook", "orphaned", "orphaned_cqe", "recycle", "release"] {
            for (i, _) in calls(code, m, true) {
                let recv = match receiver_ident(code, i) {
                    "" => "(expr)",
                    r => r,
                };
                push_site(&mut sites, f, i, format!("{recv}.{m}"));
            }
        }
        for (i, _) in calls(code, "unmap", true) {
            push_site(&mut sites, f, i, "unmap".into());
        }
        for (i, _) in calls(code, "leak", true) {
            let recv = receiver_ident(code, i);
            if recv != "storage" {
                push_site(&mut sites, f, i, format!("{recv}.leak"));
            }
        }
        for (i, _) in calls(code, "forget", false) {
            if code[..i].ends_with("mem::") {
                push_site(&mut sites, f, i, "mem::forget".into());
            }
        }
        // Drop impls: the site is the impl itself.
        for (open, _, scope) in &f.scopes.spans {
            if let Scope::Impl(name) = scope {
                if name.starts_with("Drop for ") && f.scopes.owner(*open + 1).is_some() {
                    sites.push(Site {
                        owner: name.clone(),
                        access: "drop".into(),
                        file: f.rel.clone(),
                        line: line_of(code, *open),
                    });
                }
            }
        }
    }
    sites
}
