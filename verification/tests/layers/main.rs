//! The module graph of every crate in the workspace, built by reading the
//! sources (nothing is compiled or run), and the walls it must keep:
//!
//! - **Every name is used from the module that defines it.** A path to an
//!   item of the crate (`use crate::a::b::Item`, an inline `crate::a::Item`,
//!   `super::Item`, `module::Item` through an imported module) must name the
//!   file that defines the item, or a folder's face (its `mod.rs`, or the
//!   file of the same name beside it) that re-exports it from one of the
//!   folder's own files; never the crate root's re-exports, which are
//!   the façade for users, and never a re-export from elsewhere. So a
//!   reader sees where each name lives, and the graph below is the graph of
//!   real dependencies.
//! - **No import circles**, in any crate: a file never depends, directly or
//!   through others, on a file that depends on it. Re-exports (`pub use`)
//!   hand names on and are not dependencies.
//! - **ring-core's layers**: every file belongs to one layer (by its path),
//!   and a file never depends on a file of a higher layer: the kernel seam
//!   (`error.rs`, `kernel.rs`, `names.rs`, `order.rs`, `sync.rs`) below the
//!   raw layer (`raw/`), below the ownership layer (`ownership/`), below the
//!   I/O objects (`objects/`), below the runtime (`runtime/`), below the
//!   guide (`guide/`, documentation only).
//!
//! Run with `LAYERS_PRINT=1` (and `--nocapture`) to print every file's
//! dependencies.
#![cfg(not(ring_loom))]

#[path = "../source/mod.rs"]
mod source;

mod graph;
mod reader;
mod resolve;

use graph::{circles, file_of, graph, layer};
use reader::{definitions, expand, module_path, take_uses};
use resolve::Crate;
use std::collections::BTreeSet;

/// ring-core's layers, lowest first: a path prefix (a file, or a folder
/// ending in `/`) under `ring-core/src/` and the layer's name.
const RING_CORE_LAYERS: &[(&[&str], &str)] = &[
    (&["error.rs", "kernel.rs", "names.rs", "order.rs", "sync.rs"], "the kernel seam"),
    (&["raw/"], "the raw layer"),
    (&["ownership/"], "the ownership layer"),
    (&["objects/"], "the I/O objects"),
    (&["runtime/"], "the runtime"),
    (&["guide/"], "the guide (documentation only)"),
];

/// The crates whose graphs are checked: the source folder and, for
/// ring-core, its layers.
const CRATES: &[(&str, bool)] = &[
    ("ring-sys/src", false),
    ("ring-core/src", true),
    ("verification/src", false),
    ("benches/src", false),
    ("benches/harness/src", false),
];

/// Circles known to be there, each a sorted list of files, which the test
/// tolerates until they are taken apart. Empty when the house has none.
const KNOWN_CIRCLES: &[&[&str]] = &[];

/// One source file as a module of its crate.

#[test]
fn every_path_names_the_defining_module_and_no_file_imports_in_a_circle() {
    let mut problems = Vec::new();
    for (src, layered) in CRATES {
        let c = Crate::read(src);
        let (edges, mut naming) = graph(&c);
        problems.append(&mut naming);
        if std::env::var_os("LAYERS_PRINT").is_some() {
            for m in c.modules.values() {
                let deps: BTreeSet<String> =
                    edges.iter().filter(|e| e.from == m.path).map(|e| file_of(&c, &e.to)).collect();
                println!("{} -> {}", m.rel, deps.into_iter().collect::<Vec<_>>().join(", "));
            }
        }
        for circle in circles(&edges) {
            let files: Vec<String> = circle.iter().map(|p| file_of(&c, p)).collect();
            let set: BTreeSet<&str> = files.iter().map(String::as_str).collect();
            if KNOWN_CIRCLES.iter().any(|k| k.iter().copied().collect::<BTreeSet<_>>() == set) {
                continue;
            }
            let ties: Vec<String> = edges
                .iter()
                .filter(|e| circle.contains(&e.from) && circle.contains(&e.to))
                .map(|e| format!("    {} -> {} ({})", file_of(&c, &e.from), file_of(&c, &e.to), e.name))
                .collect();
            problems.push(format!("a circle of {} files:\n{}", files.len(), ties.join("\n")));
        }
        if *layered {
            for m in c.modules.values() {
                if let Err(e) = layer(&m.rel) {
                    problems.push(e);
                }
            }
            for e in &edges {
                let (from, to) = (file_of(&c, &e.from), file_of(&c, &e.to));
                if let (Ok(Some(a)), Ok(Some(b))) = (layer(&from), layer(&to)) {
                    if b > a {
                        problems.push(format!(
                            "{from} ({}) depends on {to} ({}) through `{}`: a lower layer never uses a higher one",
                            RING_CORE_LAYERS[a].1, RING_CORE_LAYERS[b].1, e.name
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_reader_expands_use_trees_and_finds_definitions() {
    let mut out = Vec::new();
    expand(&[], "crate::a::{b, c::{d as e, f}, self, g::*}", &mut out);
    let got: Vec<String> = out.iter().map(|(p, n)| format!("{}={n}", p.join("::"))).collect();
    assert_eq!(got, ["crate::a::b=b", "crate::a::c::d=e", "crate::a::c::f=f", "crate::a=a", "crate::a::g::*=*"]);
    let mut code = "pub use x::Y;\nuse crate::z::{W, V};\nfn f() { let use_it = 1; }\n".to_string();
    let uses = take_uses(&mut code);
    assert_eq!(uses.len(), 3);
    assert!(uses[0].public && !uses[1].public);
    assert!(!code.contains("crate::z"));
    let (defs, children) = definitions("pub(crate) struct A; mod b; pub const fn c() {} macro_rules! d {}");
    assert_eq!(defs, ["A", "b", "c", "d"].map(String::from).into());
    assert_eq!(children, ["b"].map(String::from).into());
    assert_eq!(module_path("raw/opcode/mod.rs"), ["raw", "opcode"]);
    assert_eq!(module_path("lib.rs"), Vec::<String>::new());
}
