//! The coverage tables (`verification/coverage/*.md`) read and compared
//! with the sites found; the tests and planted bugs their cells name.

use crate::scan::*;
use crate::source::{ident_at, root};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Names sites `owner | access #n`, numbering repeats in source order.
pub(crate) fn keyed(sites: &[Site]) -> BTreeMap<String, Site> {
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
pub(crate) struct Row {
    pub(crate) key: String,
    pub(crate) cells: Vec<String>,
    pub(crate) line: usize,
}

/// The rows of the first markdown table in `path` whose header starts with `| site |`.
pub(crate) fn table(path: &Path, columns: usize) -> Vec<Row> {
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
pub(crate) fn compare(
    what: &str,
    path: &Path,
    found: &BTreeMap<String, Site>,
    rows: &[Row],
    blank_cells: usize,
) -> Vec<String> {
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
pub(crate) fn print_sites(found: &BTreeMap<String, Site>) {
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

/// Every `#[test] fn` of test target `file` (`verification/tests/{file}.rs`,
/// or the files of `verification/tests/{file}/`).
pub(crate) fn tests_in(file: &str) -> BTreeSet<String> {
    // A target is one file, or a folder whose files are its modules.
    let single = root().join("verification/tests").join(format!("{file}.rs"));
    let dir = root().join("verification/tests").join(file);
    let mut files = vec![single];
    if let Ok(entries) = std::fs::read_dir(&dir) {
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "rs")));
    }
    let mut out = BTreeSet::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        tests_in_text(&text, &mut out);
    }
    out
}

/// Adds the `#[test]` functions of one file's text to `out`.
fn tests_in_text(text: &str, out: &mut BTreeSet<String>) {
    let lines: Vec<&str> = text.lines().collect();
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
}

/// The rows of `scripts/planted_bugs.py`: name -> the loom model name
/// patterns its suites run (empty when none of its suites is loom's).
pub(crate) fn planted_rows() -> BTreeMap<String, Vec<String>> {
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

pub(crate) fn list(cell: &str) -> Vec<String> {
    cell.split(';').map(|s| s.trim().trim_matches('`').to_string()).filter(|s| !s.is_empty() && s != "-").collect()
}
