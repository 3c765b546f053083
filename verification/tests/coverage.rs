//! Coverage by name: every ring access site and every ownership transition
//! in ring-core, found by reading its sources, must be listed in a table
//! that maps it to what checks it.
//!
//! Nothing is run: the test reads every `.rs` file under `ring-core/src`
//! (whatever the module tree looks like), finds the sites by the rules
//! below, and compares them with the checked-in tables:
//!
//! - `verification/coverage/access_sites.md`: every access to a shared ring
//!   word or entry (every atomic operation or fence whose ordering comes
//!   from `order.rs`, every atomic operation or fence in a file that takes
//!   an ordering from `order.rs`, every call of an `order.rs` function,
//!   every `with`/`with_mut` on a `sync::UnsafeCell`), and every raw memory
//!   access (`read_volatile`, `write_volatile`, `copy_nonoverlapping`,
//!   `ptr::copy`), which must either be no ring memory or say what orders
//!   it. Each ring site names the loom models that run it as shipped
//!   (`file::test`, checked to exist) and the planted bugs
//!   (`scripts/planted_bugs.py` rows, checked to exist and to run one of
//!   those models) that show a model catches a weakening there; and a site
//!   of kind `ring` must be in one of the files that alone touch ring words
//!   (`RING_FILES`: the queues and the buffer-ring writer).
//! - `verification/coverage/ownership.md`: every place an operation's
//!   memory or a resource is released, handed back, recycled or leaked
//!   (the driver storage's `take`/`take_unchecked`/`clear`/`free`/`leak`,
//!   `free_entry`, the orphan and stream hooks and the operations'
//!   `orphaned`/`orphaned_cqe`, every `release`/`recycle`/`unmap`/`leak`/
//!   `mem::forget` call, and every `Drop` impl), each with the invariant it
//!   keeps and the tests or scenarios that catch an early release there.
//!
//! A site is named by the function it is in (`Type::method`, or the free
//! function's name) and what it does (`load(order::CQ_TAIL_LOAD)`,
//! `with_mut`, ...), numbered when a function has several alike; file
//! paths are not part of the name, so moving code between modules does not
//! change it. A new site without a row fails the test, and so does a row
//! whose site is gone. Run with `COVERAGE_PRINT=1` (and `--nocapture`) to
//! print every site found, as rows to paste.
#![cfg(not(ring_loom))]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

mod source;

use source::{blank, ident_at, is_ident, root, rust_files, Scope, Scopes};

/// A site found in the code.
#[derive(Debug, Clone)]
struct Site {
    /// `Type::fn` or `fn`.
    owner: String,
    /// What the site does.
    access: String,
    file: String,
    line: usize,
}

fn line_of(code: &str, at: usize) -> usize {
    code[..at].bytes().filter(|&c| c == b'\n').count() + 1
}

/// The text of the parenthesised arguments starting at the `(` at `open`.
fn args_at(code: &str, open: usize) -> &str {
    let b = code.as_bytes();
    let mut depth = 0;
    for (k, &c) in b[open..].iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return &code[open + 1..open + k];
                }
            }
            _ => {}
        }
    }
    &code[open + 1..]
}

/// The last top-level argument of an argument list, whitespace squeezed.
fn last_arg(args: &str) -> String {
    let mut depth = 0;
    let mut start = 0;
    for (k, c) in args.char_indices() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => start = k + 1,
            _ => {}
        }
    }
    args[start..].split_whitespace().collect::<String>()
}

/// The names the ordering module defines (constants and functions).
fn order_names(order_src: &str) -> BTreeSet<String> {
    let code = blank(order_src);
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let l = line.trim_start();
        for kw in ["pub const ", "pub fn "] {
            if let Some(rest) = l.strip_prefix(kw) {
                names.insert(ident_at(rest, 0).to_string());
            }
        }
    }
    names
}

/// The names a file imports from the ordering module (`use crate::order::X`
/// or `use crate::order::{X, Y}`).
fn imported_order_names(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(n) = code[from..].find("use crate::order::") {
        let i = from + n + "use crate::order::".len();
        let end = code[i..].find(';').map_or(code.len(), |e| i + e);
        for part in code[i..end].split([',', '{', '}']) {
            let name = part.trim();
            if !name.is_empty() && name.bytes().all(is_ident) {
                out.insert(name.to_string());
            }
        }
        from = end;
    }
    out
}

const ATOMIC_METHODS: &[&str] = &[
    "load",
    "store",
    "swap",
    "fetch_add",
    "fetch_sub",
    "fetch_or",
    "fetch_and",
    "fetch_xor",
    "fetch_update",
    "fetch_max",
    "fetch_min",
    "compare_exchange",
    "compare_exchange_weak",
];

/// Every call `name(` in the code (as a method `.name(` when `method`),
/// with the offset of its `(`.
fn calls<'a>(code: &'a str, name: &'a str, method: bool) -> impl Iterator<Item = (usize, usize)> + 'a {
    let b = code.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(n) = code[from..].find(name) {
            let i = from + n;
            from = i + name.len();
            let mut j = from;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            // A turbofish between the name and the arguments.
            if code[j..].starts_with("::<") {
                let mut depth = 0;
                while j < b.len() {
                    match b[j] {
                        b'<' => depth += 1,
                        b'>' => {
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            if b.get(j) != Some(&b'(') || (i > 0 && is_ident(b[i - 1])) {
                continue;
            }
            if i + name.len() < b.len() && is_ident(b[i + name.len()]) {
                continue;
            }
            let mut k = i;
            while k > 0 && b[k - 1].is_ascii_whitespace() {
                k -= 1;
            }
            let is_method = k > 0 && b[k - 1] == b'.';
            if method != is_method {
                continue;
            }
            return Some((i, j));
        }
        None
    })
}

/// The receiver expression's last identifier before `.name(` at `i`.
fn receiver_ident(code: &str, i: usize) -> &str {
    let b = code.as_bytes();
    let mut k = i;
    while k > 0 && (b[k - 1].is_ascii_whitespace() || b[k - 1] == b'.') {
        k -= 1;
    }
    let end = k;
    while k > 0 && is_ident(b[k - 1]) {
        k -= 1;
    }
    &code[k..end]
}

struct SourceFile {
    rel: String,
    code: String,
    scopes: Scopes,
}

fn sources() -> (Vec<SourceFile>, BTreeSet<String>) {
    let src = root().join("ring-core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut order = BTreeSet::new();
    let mut out = Vec::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        if p.file_name().is_some_and(|n| n == "order.rs") && text.contains("pub const SQ_TAIL_STORE") {
            order = order_names(&text);
        }
        let code = blank(&text);
        let scopes = Scopes::of(&code);
        out.push(SourceFile { rel, code, scopes });
    }
    assert!(!order.is_empty(), "the ordering module (order.rs, with SQ_TAIL_STORE) was not found under ring-core/src");
    (out, order)
}

/// Adds a site, numbering repeats of the same access in the same owner.
fn push_site(sites: &mut Vec<Site>, f: &SourceFile, at: usize, access: String) {
    let Some(owner) = f.scopes.owner(at) else { return };
    sites.push(Site { owner, access, file: f.rel.clone(), line: line_of(&f.code, at) });
}

/// Every ring access site (see the module documentation for the rules).
/// The files of the runtime's park and wake-up protocol, whose atomics the
/// `loom_runtime` models run as shipped.
const PARK_PROTOCOL_FILES: &[&str] = &["ring-core/src/runtime/executor/", "ring-core/src/runtime/handle.rs"];

fn access_sites() -> Vec<Site> {
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
fn ownership_sites() -> Vec<Site> {
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

/// Names sites `owner | access #n`, numbering repeats in source order.
fn keyed(sites: &[Site]) -> BTreeMap<String, Site> {
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for s in sites {
        let n = seen.entry((s.owner.clone(), s.access.clone())).or_default();
        *n += 1;
        let key =
            if *n == 1 { format!("{} | {}", s.owner, s.access) } else { format!("{} | {} #{n}", s.owner, s.access) };
        out.insert(key, s.clone());
    }
    out
}

/// One row of a coverage table: its key (`site | access`) and the other cells.
struct Row {
    key: String,
    cells: Vec<String>,
    line: usize,
}

/// The rows of the first markdown table in `path` whose header starts with `| site |`.
fn table(path: &Path, columns: usize) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if !l.starts_with('|') || l.starts_with("| site ") || l.starts_with("|--") || l.starts_with("| ---") {
            continue;
        }
        let cells: Vec<String> = l.trim_matches('|').split(" | ").map(|c| c.trim().replace("\\|", "|")).collect();
        assert_eq!(
            cells.len(),
            columns + 2,
            "{}:{}: expected {} cells (site, access, then {columns}), got {}: {l}",
            path.display(),
            n + 1,
            columns + 2,
            cells.len()
        );
        let key = format!("{} | {}", cells[0].trim_matches('`'), cells[1].trim_matches('`'));
        rows.push(Row { key, cells: cells[2..].to_vec(), line: n + 1 });
    }
    rows
}

/// Compares the sites found with a table's rows; returns the problems.
fn compare(what: &str, path: &Path, found: &BTreeMap<String, Site>, rows: &[Row], blank_cells: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for r in rows {
        if !listed.insert(r.key.clone()) {
            problems.push(format!("{}:{}: `{}` is listed twice", path.display(), r.line, r.key));
        }
        if !found.contains_key(&r.key) {
            problems.push(format!(
                "{}:{}: `{}` is listed but no such {what} is in ring-core/src any more (remove or rename the row)",
                path.display(),
                r.line,
                r.key
            ));
        }
    }
    for (k, s) in found {
        if !listed.contains(k) {
            let (owner, access) = k.split_once(" | ").unwrap();
            let empty = " |".repeat(blank_cells);
            problems.push(format!(
                "{}:{}: a {what} with no row in {}; add one:\n| `{owner}` | `{access}` |{empty}",
                s.file,
                s.line,
                path.display()
            ));
        }
    }
    problems
}

/// Prints every site found, as table rows, when `COVERAGE_PRINT` is set.
fn print_sites(found: &BTreeMap<String, Site>) {
    if std::env::var_os("COVERAGE_PRINT").is_none() {
        return;
    }
    let mut out = String::new();
    for (k, s) in found {
        let (owner, access) = k.split_once(" | ").unwrap();
        let _ = writeln!(out, "| `{owner}` | `{access}` | {}:{} |", s.file, s.line);
    }
    println!("{out}");
}

/// Every `#[test] fn` of `verification/tests/{file}.rs`.
fn tests_in(file: &str) -> BTreeSet<String> {
    let path = root().join("verification/tests").join(format!("{file}.rs"));
    let Ok(text) = std::fs::read_to_string(&path) else { return BTreeSet::new() };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if let Some(rest) = t.strip_prefix("fn ") {
            let attr = lines[..i].iter().rev().take(40).take_while(|p| {
                let p = p.trim_start();
                p.starts_with("///") || p.starts_with("#[") || p.starts_with("//")
            });
            if attr.into_iter().any(|p| p.trim_start().starts_with("#[test]")) {
                out.insert(ident_at(rest, 0).to_string());
            }
        }
    }
    out
}

/// The rows of `scripts/planted_bugs.py`: name -> the loom model name
/// patterns its suites run (empty when none of its suites is loom's).
fn planted_rows() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("scripts/planted_bugs.py")).expect("scripts/planted_bugs.py");
    let start = text.find("PLANTS = [").expect("PLANTS list");
    let body = &text[start..];
    let mut rows = BTreeMap::new();
    for part in body.split("\n    (\"").skip(1) {
        let name_end = part.find('"').unwrap();
        let name = part[..name_end].to_string();
        let mut pats = Vec::new();
        let mut from = 0;
        while let Some(n) = part[from..].find("loom(\"") {
            let i = from + n + 6;
            let e = part[i..].find('"').unwrap();
            pats.push(part[i..i + e].to_string());
            from = i + e;
        }
        rows.insert(name, pats);
    }
    rows
}

fn list(cell: &str) -> Vec<String> {
    cell.split(';').map(|s| s.trim().trim_matches('`').to_string()).filter(|s| !s.is_empty() && s != "-").collect()
}

/// The only files that read or write shared ring words and entries (the
/// queues, the resize's entry copies included, and the buffer-ring writer);
/// the order.rs fence functions are called from them.
const RING_FILES: &[&str] = &[
    "ring-core/src/raw/squeue/",
    "ring-core/src/raw/cqueue.rs",
    "ring-core/src/raw/register/buf_ring_writer.rs",
    "ring-core/src/order.rs",
];

#[test]
fn every_ring_access_site_has_a_model_and_a_plant() {
    let found = keyed(&access_sites());
    print_sites(&found);
    let path = root().join("verification/coverage/access_sites.md");
    // Columns after site and access: kind, models, plants, note.
    let rows = table(&path, 4);
    let mut problems = compare("ring access site", &path, &found, &rows, 4);
    let plants = planted_rows();
    for r in &rows {
        let (kind, models, plant_cell, note) = (&r.cells[0], list(&r.cells[1]), list(&r.cells[2]), &r.cells[3]);
        let at = format!("{}:{}: `{}`", path.display(), r.line, r.key);
        // ARCHITECTURE.md: only the queues and the buffer-ring writer touch
        // shared ring words and entries.
        if let Some(site) = found.get(&r.key) {
            if kind == "ring" && !RING_FILES.iter().any(|f| site.file.starts_with(f)) {
                problems.push(format!(
                    "{at}: a ring site in {}, outside the files that alone touch ring words ({})",
                    site.file,
                    RING_FILES.join(", ")
                ));
            }
        }
        match kind.as_str() {
            "ring" | "shared" => {
                if models.is_empty() {
                    problems.push(format!("{at}: a ring site with no loom model"));
                }
                if plant_cell.is_empty() && note.is_empty() {
                    problems.push(format!("{at}: no planted bug and no note saying why there is none"));
                }
            }
            "not ring memory" | "ordered by a system call" => {
                if note.is_empty() {
                    problems.push(format!("{at}: `{kind}` needs a note saying what memory this is or what orders it"));
                }
            }
            other => problems.push(format!(
                "{at}: unknown kind `{other}` (ring, shared, not ring memory, ordered by a system call)"
            )),
        }
        let mut model_names = Vec::new();
        for m in &models {
            let Some((file, test)) = m.split_once("::") else {
                problems.push(format!("{at}: model `{m}` is not `file::test`"));
                continue;
            };
            if !tests_in(file).contains(test) {
                problems.push(format!("{at}: no #[test] fn {test} in verification/tests/{file}.rs"));
            }
            model_names.push(test.to_string());
        }
        for p in &plant_cell {
            match plants.get(p) {
                None => problems.push(format!("{at}: no row named \"{p}\" in scripts/planted_bugs.py")),
                Some(pats) => {
                    if (kind == "ring" || kind == "shared")
                        && !pats.iter().any(|pat| model_names.iter().any(|m| m.contains(pat.as_str())))
                    {
                        problems.push(format!(
                            "{at}: planted row \"{p}\" runs none of this site's models (it runs loom {pats:?})"
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_ownership_transition_has_an_invariant_and_a_check() {
    let found = keyed(&ownership_sites());
    print_sites(&found);
    let path = root().join("verification/coverage/ownership.md");
    // Columns after site and access: invariant, caught by, planted.
    let rows = table(&path, 3);
    let mut problems = compare("ownership transition", &path, &found, &rows, 3);
    let plants = planted_rows();
    for r in &rows {
        let at = format!("{}:{}: `{}`", path.display(), r.line, r.key);
        if r.cells[0].is_empty() || r.cells[1].is_empty() {
            problems.push(format!("{at}: needs its invariant and what catches an early release there"));
        }
        for p in list(&r.cells[2]) {
            if !plants.contains_key(&p) {
                problems.push(format!("{at}: no row named \"{p}\" in scripts/planted_bugs.py"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_scanner_sees_through_comments_strings_and_scopes() {
    let src = r#"
        // order::SQ_TAIL_STORE in a comment
        const S: &str = "fence(order::X) {";
        impl<K: Kernel> Ring<K> {
            fn a(&self) -> [u64; 2] { let c = '{'; let d = '\''; self.w.load(order::CQ_TAIL_LOAD); }
        }
        unsafe impl<B: IoBuf> Operation for Read<B> {
            fn b(&self) -> impl Fn() { move || {} }
        }
        impl Drop for Thing { fn drop(&mut self) {} }
        #[cfg(test)]
        mod tests { fn t() { x.load(order::Y); } }
    "#;
    let code = blank(src);
    assert!(!code.contains("SQ_TAIL_STORE") && !code.contains("order::X"));
    let scopes = Scopes::of(&code);
    let at = code.find("load(").unwrap();
    assert_eq!(scopes.owner(at).as_deref(), Some("Ring::a"));
    let at = code.find("move").unwrap();
    assert_eq!(scopes.owner(at).as_deref(), Some("Read::b"));
    assert!(scopes.spans.iter().any(|(_, _, s)| matches!(s, Scope::Impl(n) if n == "Drop for Thing")));
    let at = code.find("order::Y").unwrap();
    assert_eq!(scopes.owner(at), None, "test modules are skipped");
    assert_eq!(last_arg("self.head, order::CQ_HEAD_STORE "), "order::CQ_HEAD_STORE");
    assert_eq!(
        imported_order_names("use crate::order::{A, B};\nuse crate::order::C;"),
        ["A", "B", "C"].map(String::from).into()
    );
}
