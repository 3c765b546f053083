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

#[path = "../source/mod.rs"]
mod source;

mod scan;
mod sites;
mod tables;

use scan::*;
use sites::*;
use source::{blank, root, Scope, Scopes};
use tables::*;

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
                problems.push(format!("{at}: no #[test] fn {test} in verification/tests/{file}.rs or {file}/"));
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
