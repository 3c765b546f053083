//! The dependency graph: every path a file writes, resolved to an edge to
//! the file it depends on; its circles; and ring-core's layers.

use crate::reader::{words, Module};
use crate::resolve::{Crate, Resolved};
use crate::source::is_ident;
use crate::RING_CORE_LAYERS;
use std::collections::{BTreeMap, BTreeSet};

/// A dependency: from a file to a file, with the name that ties them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Edge {
    pub(crate) from: Vec<String>,
    pub(crate) to: Vec<String>,
    pub(crate) name: String,
}

/// The paths written in a module's code outside `use` declarations:
/// `crate::..`, `super::..`, `self::..`, and paths through a child module
/// or an imported module.
pub(crate) fn inline_paths(c: &Crate, m: &Module) -> Vec<(Vec<String>, usize)> {
    let code = &without_macro_bodies(&m.code);
    let b = code.as_bytes();
    let mut starts: BTreeSet<String> = ["crate", "super", "self"].map(String::from).into();
    starts.extend(m.children.iter().cloned());
    for u in m.uses.iter().filter(|u| !u.public && u.name != "*") {
        if c.alias(m, std::slice::from_ref(&u.name)).is_some() {
            starts.insert(u.name.clone());
        }
    }
    let mut out = Vec::new();
    for s in &starts {
        for i in words(code, s) {
            if i > 0 && (b[i - 1] == b'$' || b[i - 1] == b'.') || code[..i].ends_with("::") {
                continue;
            }
            if !code[i + s.len()..].starts_with("::") {
                continue;
            }
            let mut segs = vec![s.clone()];
            let mut j = i + s.len();
            while code[j..].starts_with("::") {
                let k = j + 2;
                let e = (k..b.len()).find(|&e| !is_ident(b[e])).unwrap_or(b.len());
                if e == k {
                    break;
                }
                segs.push(code[k..e].to_string());
                j = e;
            }
            if segs.len() > 1 {
                out.push((segs, i));
            }
        }
    }
    out
}

/// `code` with the bodies of its `macro_rules!` blanked: a path there is
/// resolved where the macro expands, not where it is written.
pub(crate) fn without_macro_bodies(code: &str) -> String {
    let mut out = code.as_bytes().to_vec();
    for i in words(code, "macro_rules") {
        let Some(open) = code[i..].find('{').map(|o| i + o) else { continue };
        let mut depth = 0;
        for (k, &c) in code.as_bytes()[open..].iter().enumerate() {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        for c in &mut out[open..open + k] {
                            if *c != b'\n' {
                                *c = b' ';
                            }
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    String::from_utf8(out).unwrap()
}

pub(crate) fn line_of(code: &str, at: usize) -> usize {
    code[..at].bytes().filter(|&c| c == b'\n').count() + 1
}

/// Every dependency of a crate, and every path that does not name the
/// defining module.
pub(crate) fn graph(c: &Crate) -> (BTreeSet<Edge>, Vec<String>) {
    let mut edges = BTreeSet::new();
    let mut problems = Vec::new();
    for m in c.modules.values() {
        let mut paths: Vec<(Vec<String>, usize, bool)> = Vec::new();
        for u in &m.uses {
            if u.public {
                // A re-export that the file also uses itself is a dependency.
                let used = u.name != "*" && words(&m.code, &u.name).next().is_some();
                if !used {
                    continue;
                }
            }
            let mut segs = u.segs.clone();
            if u.name == "*" {
                segs.pop();
            }
            paths.push((segs, u.at, u.public));
        }
        paths.extend(inline_paths(c, m).into_iter().map(|(s, i)| (s, i, false)));
        for (segs, at, public) in paths {
            match c.resolve(m, &segs) {
                Ok(Resolved::File(to)) => {
                    if to != m.path && !(public && to.starts_with(&m.path)) {
                        let name = segs.last().cloned().unwrap_or_default();
                        edges.insert(Edge { from: m.path.clone(), to, name });
                    }
                }
                Ok(Resolved::External) => {}
                Err(why) => {
                    if !public {
                        problems.push(format!("{}:{}: `{}` {why}", m.rel, line_of(&m.code, at), segs.join("::")))
                    }
                }
            }
        }
    }
    (edges, problems)
}

/// The strongly connected components of more than one file (Tarjan).
pub(crate) fn circles(edges: &BTreeSet<Edge>) -> Vec<Vec<Vec<String>>> {
    let mut nodes: BTreeSet<&Vec<String>> = BTreeSet::new();
    let mut succ: BTreeMap<&Vec<String>, Vec<&Vec<String>>> = BTreeMap::new();
    for e in edges {
        nodes.insert(&e.from);
        nodes.insert(&e.to);
        succ.entry(&e.from).or_default().push(&e.to);
    }
    struct St<'a> {
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        n: usize,
        out: Vec<Vec<Vec<String>>>,
    }
    pub(crate) fn visit<'a>(
        v: &'a Vec<String>,
        succ: &BTreeMap<&'a Vec<String>, Vec<&'a Vec<String>>>,
        s: &mut St<'a>,
    ) {
        s.index.insert(v, s.n);
        s.low.insert(v, s.n);
        s.n += 1;
        s.stack.push(v);
        s.on.insert(v);
        for &w in succ.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            if !s.index.contains_key(w) {
                visit(w, succ, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = St {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        n: 0,
        out: Vec::new(),
    };
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, &succ, &mut s);
        }
    }
    s.out
}

pub(crate) fn file_of(c: &Crate, path: &[String]) -> String {
    c.modules.get(path).map_or_else(|| path.join("::"), |m| m.rel.clone())
}

/// The layer of a ring-core file (its index in [`RING_CORE_LAYERS`]), or
/// `None` for the crate root.
pub(crate) fn layer(rel: &str) -> Result<Option<usize>, String> {
    let inside = rel.strip_prefix("ring-core/src/").unwrap_or(rel);
    if inside == "lib.rs" {
        return Ok(None);
    }
    for (n, (prefixes, _)) in RING_CORE_LAYERS.iter().enumerate() {
        if prefixes.iter().any(|p| if p.ends_with('/') { inside.starts_with(p) } else { inside == *p }) {
            return Ok(Some(n));
        }
    }
    Err(format!("{rel}: belongs to no layer (add it to a layer's folder, or a file to RING_CORE_LAYERS)"))
}
