//! The invariants the documents state about the tree, checked by reading
//! files (nothing is compiled or run):
//!
//! - every "bug class N.M" the code and the documents cite is an entry of
//!   the catalogue, `docs/bug-classes.md`, and every entry names the tests
//!   that guard it;
//! - every repository path the code and the documents name (a file, or a
//!   folder ending in `/`) exists;
//! - every ordering constant and function of `ring-core/src/order.rs` is
//!   named by a loom model (`verification/tests/loom_*.rs`), by a planted
//!   bug (`scripts/planted_bugs.py`), or by a row of
//!   `verification/coverage/access_sites.md` that gives the loom models
//!   running the site that uses it (`coverage.rs` checks those models
//!   exist);
//! - `unsafe` code is opted into file by file: ring-core denies it at the
//!   crate root, each file that has any says so at its top with
//!   `#![allow(unsafe_code)]` (so that `grep -l 'allow(unsafe_code)'` is
//!   the audit list, which the compiler keeps complete), no file says so
//!   without having any, and the I/O objects (`objects/`) have none.
#![cfg(not(ring_loom))]

mod source;

use source::{blank, root, rust_files};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every file of the repository that is text the project wrote: sources,
/// documents, scripts and manifests; not build output, not fuzz corpora.
fn text_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if !matches!(name.as_str(), "target" | ".git" | "corpus" | "artifacts" | "seeds" | "node_modules") {
                    walk(&p, out);
                }
            } else if ["rs", "md", "py", "sh", "toml", "c", "h"].iter().any(|e| name.ends_with(&format!(".{e}"))) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &mut out);
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().display().to_string()
}

/// The entries of the catalogue: `N.M` -> the entry's text.
fn catalogue() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("docs/bug-classes.md")).expect("docs/bug-classes.md");
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        // An entry starts with a heading `### N.M Title`.
        if let Some(rest) = line.strip_prefix("### ") {
            let id = rest.split_whitespace().next().unwrap_or("");
            if is_class_id(id) {
                current = Some(id.to_string());
                out.insert(id.to_string(), String::new());
                continue;
            }
        }
        if line.starts_with("## ") || line.starts_with("### ") {
            current = None;
        }
        if let Some(id) = &current {
            let e = out.get_mut(id).unwrap();
            e.push_str(line);
            e.push('\n');
        }
    }
    out
}

fn is_class_id(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The class ids a text cites: `bug class 1.2`, `bug classes 1.2, 2.3
/// and 3.1` (a list goes on through commas and "and"), also when the
/// citation is wrapped across comment lines; with the line it starts on.
fn citations(text: &str) -> Vec<(usize, String)> {
    // The text as one line, comment markers at line starts dropped, and
    // the original line of every byte.
    let mut flat = String::new();
    let mut line_of = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = ["//!", "///", "//", "#"].iter().find_map(|m| t.strip_prefix(m)).unwrap_or(t);
        flat.push_str(t.trim());
        flat.push(' ');
        line_of.resize(flat.len(), n + 1);
    }
    let lower = flat.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("bug class") {
        let start = from + i;
        let mut rest = &flat[start + "bug class".len()..];
        rest = rest.strip_prefix("es").unwrap_or(rest);
        loop {
            let r = rest.trim_start();
            let id: String = r.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let id = id.trim_end_matches('.').to_string();
            if !is_class_id(&id) {
                break;
            }
            out.push((line_of[start], id.clone()));
            let r = r[id.len()..].trim_start();
            if let Some(r) = r.strip_prefix(',').or_else(|| r.strip_prefix("and ")) {
                let r = r.trim_start();
                rest = r.strip_prefix("and ").unwrap_or(r);
            } else {
                break;
            }
        }
        from = start + "bug class".len();
    }
    out
}

#[test]
fn every_cited_bug_class_is_in_the_catalogue_and_names_its_guards() {
    let entries = catalogue();
    assert!(entries.len() >= 20, "docs/bug-classes.md should hold the catalogue's entries, found {}", entries.len());
    let mut problems = Vec::new();
    let mut cited = BTreeSet::new();
    for f in text_files() {
        let r = rel(&f);
        if r == "docs/bug-classes.md" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (line, id) in citations(&text) {
            cited.insert(id.clone());
            if !entries.contains_key(&id) {
                problems.push(format!("{r}:{line}: cites bug class {id}, which docs/bug-classes.md does not have"));
            }
        }
    }
    let fns = test_functions();
    let plants = planted_names();
    for (id, text) in &entries {
        for part in ["Invariant", "Reference", "Guarded by"] {
            if !text.contains(&format!("**{part}")) {
                problems.push(format!("docs/bug-classes.md: class {id} has no **{part}** line"));
            }
        }
        let guards = text.split("**Guarded by:**").nth(1).unwrap_or("");
        let guards = guards.split("\n\n").next().unwrap_or("").replace('\n', " ");
        let mut named = 0;
        for (i, part) in guards.split('`').enumerate() {
            // Odd parts are inside backticks.
            if i % 2 == 1 && part.contains('_') && !part.contains(' ') && !part.contains('/') {
                let name = part.rsplit("::").next().unwrap();
                named += 1;
                if !fns.contains(name) {
                    problems.push(format!("docs/bug-classes.md: class {id} names `{part}`, which no fn is"));
                }
            }
        }
        for (i, part) in guards.split('"').enumerate() {
            if i % 2 == 1 {
                named += 1;
                if !plants.contains(part) {
                    problems.push(format!("docs/bug-classes.md: class {id} names \"{part}\", which no planted row is"));
                }
            }
        }
        if named == 0 {
            problems.push(format!("docs/bug-classes.md: class {id} names no test and no planted bug that guards it"));
        }
    }
    assert!(cited.len() >= 15, "only {} classes cited: is the citation reader still right?", cited.len());
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The names of every `fn` in the workspace's Rust files (tests included),
/// and of every Rust file (a test binary or module).
fn test_functions() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in text_files() {
        if f.extension().is_some_and(|e| e == "rs") {
            out.insert(f.file_stem().unwrap().to_string_lossy().to_string());
            let code = blank(&std::fs::read_to_string(&f).unwrap_or_default());
            for (i, _) in code.match_indices("fn ") {
                let name: String =
                    code[i + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// The names of the rows of `scripts/planted_bugs.py` (`    ("name", ...`).
fn planted_names() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("scripts/planted_bugs.py")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("    (\""))
        .filter_map(|l| l.split_once('"').map(|(n, _)| n.to_string()))
        .collect()
}

/// The top-level folders whose paths the documents name.
const ROOTS: &[&str] = &["docs/", "scripts/", "ring-core/", "ring-sys/", "verification/", "benches/", "fuzz/", ".ci/"];

/// The repository paths a text names: a word starting with one of
/// [`ROOTS`] and ending in a file extension or `/`.
fn paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let b = line.as_bytes();
        for r in ROOTS {
            let mut from = 0;
            while let Some(i) = line[from..].find(r) {
                let at = from + i;
                from = at + r.len();
                // At the start of a word (not `foo/docs/`).
                if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b"_-./".contains(&b[at - 1])) {
                    continue;
                }
                let end = (at..b.len())
                    .find(|&k| !(b[k].is_ascii_alphanumeric() || b"_-./".contains(&b[k])))
                    .unwrap_or(b.len());
                let mut p = &line[at..end];
                while p.ends_with('.') {
                    p = &p[..p.len() - 1];
                }
                let file =
                    [".rs", ".md", ".py", ".sh", ".toml", ".c", ".h", ".json", ".txt"].iter().any(|e| p.ends_with(e));
                let generated = ["target/", "corpus/", "artifacts/", "/peers/target"].iter().any(|g| p.contains(g));
                if (file || p.ends_with('/')) && !generated && !p.contains('*') {
                    out.push((n + 1, p.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn every_path_the_tree_names_exists() {
    let mut problems = Vec::new();
    for f in text_files() {
        let r = rel(&f);
        // The journal records what was, under the names it had then.
        if r == "verification/JOURNAL.md" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (line, p) in paths(&text) {
            if !root().join(&p).exists() {
                problems.push(format!("{r}:{line}: names `{p}`, which does not exist"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The constants and functions `order.rs` defines.
fn orderings() -> Vec<String> {
    let code = blank(&std::fs::read_to_string(root().join("ring-core/src/order.rs")).unwrap());
    let mut out = Vec::new();
    for l in code.lines() {
        let l = l.trim_start();
        for kw in ["pub const ", "pub fn "] {
            if let Some(rest) = l.strip_prefix(kw) {
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn every_ordering_is_named_by_a_loom_model_or_a_planted_bug() {
    let names = orderings();
    assert!(names.len() >= 8, "order.rs defines {} orderings: is the reader still right?", names.len());
    let mut models = String::new();
    for e in std::fs::read_dir(root().join("verification/tests")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("loom_") && p.extension().is_some_and(|x| x == "rs") {
            models.push_str(&blank(&std::fs::read_to_string(&p).unwrap()));
        }
    }
    let plants = std::fs::read_to_string(root().join("scripts/planted_bugs.py")).unwrap();
    let word = |text: &str, w: &str| {
        text.match_indices(w).any(|(i, _)| {
            let b = text.as_bytes();
            let before = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            let after = b.get(i + w.len()).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
            before && after
        })
    };
    // Rows of the access-site table: `| site | access | kind | models | ..`.
    let sites = std::fs::read_to_string(root().join("verification/coverage/access_sites.md")).unwrap();
    let site_row_models = |name: &str| {
        sites.lines().any(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            cells.len() > 3 && cells[1].contains(&format!("order::{name}")) && cells[3].contains("loom_")
        })
    };
    let missing: Vec<&String> =
        names.iter().filter(|n| !word(&models, n) && !word(&plants, n) && !site_row_models(n)).collect();
    assert!(
        missing.is_empty(),
        "orderings of ring-core/src/order.rs that no loom model (verification/tests/loom_*.rs), no planted bug \
         (scripts/planted_bugs.py) and no access-site row with a model (verification/coverage/access_sites.md) \
         names: {missing:?}"
    );
}

#[test]
fn unsafe_code_is_opted_into_file_by_file() {
    let src = root().join("ring-core/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"), "ring-core/src/lib.rs must deny unsafe code crate-wide");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut audit = Vec::new();
    for f in files {
        let r = rel(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        let allows = text.lines().any(|l| l.trim() == "#![allow(unsafe_code)]");
        let code = blank(&text);
        let has_unsafe = code.match_indices("unsafe").any(|(i, _)| {
            let b = code.as_bytes();
            let before = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            let after = b.get(i + 6).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
            // `allow(unsafe_code)` itself is not unsafe code.
            before && after && !code[i..].starts_with("unsafe_code")
        });
        if allows {
            audit.push(r.clone());
            if !has_unsafe {
                problems.push(format!("{r}: allows unsafe code but has none (remove `#![allow(unsafe_code)]`)"));
            }
        }
        if r.starts_with("ring-core/src/objects/") && (allows || has_unsafe) {
            problems.push(format!("{r}: the I/O objects have no unsafe code (move it into the ownership layer)"));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    assert!(audit.len() >= 20, "the audit list has {} files: is the reader still right?", audit.len());
}

#[test]
fn the_readers_find_citations_and_paths() {
    let c = citations(
        "// bug class 1.2. Also bug classes 2.3, 2.4 and 3.1; Bug class 4.10 (see bug\n/// classes 1.5 and\n//! 1.6).",
    );
    let ids: Vec<&str> = c.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(ids, ["1.2", "2.3", "2.4", "3.1", "4.10", "1.5", "1.6"]);
    assert_eq!(c[5].0, 1, "the line a wrapped citation starts on");
    let p = paths("see `docs/rings.md`, ring-core/src/raw/ and x/docs/no.md or ring-core/libc-syscall.");
    let got: Vec<&str> = p.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(got, ["docs/rings.md", "ring-core/src/raw/"]);
}
