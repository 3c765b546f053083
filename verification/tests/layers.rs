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

mod source;

use source::{blank, is_ident, root, rust_files, Scope, Scopes};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
struct Module {
    /// The path from the workspace root.
    rel: String,
    /// The module path inside the crate (`["raw", "ring"]`).
    path: Vec<String>,
    /// The code with comments, literals and test modules blanked.
    code: String,
    /// Names the file defines (items at any depth outside test modules).
    defines: BTreeSet<String>,
    /// Child modules the file declares (`mod x;` or `mod x { .. }`).
    children: BTreeSet<String>,
    /// The `use` declarations: (re-export?, the full path as written, the
    /// local name it binds, offset).
    uses: Vec<Use>,
}

#[derive(Debug, Clone)]
struct Use {
    public: bool,
    segs: Vec<String>,
    /// The name bound (`*` for a glob).
    name: String,
    at: usize,
}

/// The module path of a file under the crate's source folder.
fn module_path(rel_to_src: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel_to_src.trim_end_matches(".rs").split('/').map(String::from).collect();
    let last = parts.last().cloned().unwrap_or_default();
    if last == "mod" || (parts.len() == 1 && (last == "lib" || last == "main")) {
        parts.pop();
    }
    parts
}

/// Blanks the test modules (`#[cfg(test)] mod tests { .. }`) of `code`.
fn without_test_modules(code: &str) -> String {
    let scopes = Scopes::of(code);
    let mut out = code.as_bytes().to_vec();
    for (open, close, scope) in &scopes.spans {
        if matches!(scope, Scope::Mod { test: true }) {
            for c in &mut out[*open..=*close] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn word_at(code: &str, i: usize, word: &str) -> bool {
    let b = code.as_bytes();
    code[i..].starts_with(word)
        && (i == 0 || !is_ident(b[i - 1]))
        && b.get(i + word.len()).is_none_or(|c| !is_ident(*c))
}

/// Every offset where `word` stands as a word.
fn words<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    code.match_indices(word).map(|(i, _)| i).filter(move |&i| word_at(code, i, word))
}

/// Expands a use tree (`a::{b, c::d as e, f::*}`) into (path, bound name).
fn expand(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let mut p = prefix.to_vec();
        p.extend(head.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (k, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&p, &inner[start..k], out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand(&p, &inner[start..], out);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p.trim(), Some(a.trim().to_string())),
        None => (tree, None),
    };
    let mut p = prefix.to_vec();
    p.extend(path.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    if p.last().is_some_and(|l| l == "self") {
        p.pop();
    }
    let name = alias.unwrap_or_else(|| p.last().cloned().unwrap_or_default());
    out.push((p, name));
}

/// Parses the file's `use` declarations and blanks them in `code`.
fn take_uses(code: &mut String) -> Vec<Use> {
    let mut uses = Vec::new();
    let starts: Vec<usize> = words(code, "use").collect();
    let mut bytes = code.clone().into_bytes();
    for i in starts {
        // Skip `use` that is not a declaration (a field or method named so).
        let before = code[..i].trim_end();
        let public = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        let is_decl = before.is_empty()
            || before.ends_with(';')
            || before.ends_with('{')
            || before.ends_with('}')
            || before.ends_with(']')
            || public;
        if !is_decl {
            continue;
        }
        let Some(end) = code[i..].find(';').map(|e| i + e) else { continue };
        let tree: String = code[i + 3..end].split_whitespace().collect::<Vec<_>>().join(" ");
        let mut out = Vec::new();
        expand(&[], &tree, &mut out);
        for (segs, name) in out {
            uses.push(Use { public, segs, name, at: i });
        }
        for c in &mut bytes[i..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    }
    *code = String::from_utf8(bytes).unwrap();
    uses
}

/// The names a file defines, and the child modules it declares.
fn definitions(code: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut defs = BTreeSet::new();
    let mut children = BTreeSet::new();
    for kw in ["fn", "struct", "enum", "union", "trait", "type", "const", "static", "mod", "macro_rules!"] {
        for i in words(code, kw.trim_end_matches('!')) {
            let mut j = i + kw.len();
            let b = code.as_bytes();
            while j < b.len() && (b[j].is_ascii_whitespace()) {
                j += 1;
            }
            let k = (j..b.len()).find(|&k| !is_ident(b[k])).unwrap_or(b.len());
            let name = &code[j..k];
            if name.is_empty() || name == "_" {
                continue;
            }
            if kw == "mod" {
                children.insert(name.to_string());
            }
            if kw == "const" && (name == "fn" || name == "unsafe") {
                continue;
            }
            defs.insert(name.to_string());
        }
    }
    (defs, children)
}

/// One crate's modules, by module path.
struct Crate {
    modules: BTreeMap<Vec<String>, Module>,
}

/// What a path resolved to.
enum Resolved {
    /// A file: the module itself, or the module defining the item named.
    File(Vec<String>),
    /// Outside the crate (std, another crate, a local binding).
    External,
}

impl Crate {
    fn read(src_rel: &str) -> Crate {
        let src = root().join(src_rel);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut modules = BTreeMap::new();
        for f in files {
            let rel_src = f.strip_prefix(&src).unwrap().display().to_string();
            if rel_src.starts_with("bin/") {
                continue; // each binary is a crate of its own, with one file
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let mut code = without_test_modules(&blank(&text));
            let uses = take_uses(&mut code);
            let (defines, children) = definitions(&code);
            let path = module_path(&rel_src);
            let rel = Path::new(src_rel).join(&rel_src).display().to_string();
            modules.insert(path.clone(), Module { rel, path, code, defines, children, uses });
        }
        // Files declared only under `#[cfg(test)]` are test modules.
        let test_files: Vec<Vec<String>> = modules
            .values()
            .flat_map(|m| {
                let text = std::fs::read_to_string(root().join(&m.rel)).unwrap();
                let code = blank(&text);
                m.children
                    .iter()
                    .filter(|c| {
                        code.match_indices(&format!("mod {c};"))
                            .any(|(i, _)| code[..i].trim_end().ends_with("#[cfg(test)]"))
                    })
                    .map(|c| {
                        let mut p = m.path.clone();
                        p.push(c.clone());
                        p
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for t in test_files {
            modules.remove(&t);
        }
        Crate { modules }
    }

    fn is_module(&self, path: &[String]) -> bool {
        self.modules.contains_key(path)
    }

    /// The start of a path written in module `from`: the module it is
    /// relative to and the rest, or `None` for a path outside the crate.
    fn anchor(&self, from: &Module, segs: &[String]) -> Option<(Vec<String>, usize)> {
        let first = segs.first()?;
        match first.as_str() {
            "crate" => Some((Vec::new(), 1)),
            "self" => Some((from.path.clone(), 1)),
            "super" => {
                let mut base = from.path.clone();
                let mut i = 0;
                while segs.get(i).is_some_and(|s| s == "super") {
                    base.pop();
                    i += 1;
                }
                Some((base, i))
            }
            "$crate" => None,
            name => {
                let mut child = from.path.clone();
                child.push(name.to_string());
                if from.children.contains(name) && self.is_module(&child) {
                    return Some((from.path.clone(), 0));
                }
                None
            }
        }
    }

    /// Resolves `segs` written in `from`. `Err` says why the path does not
    /// name the defining module.
    fn resolve(&self, from: &Module, segs: &[String]) -> Result<Resolved, String> {
        let Some((mut cur, start)) = self.anchor(from, segs).or_else(|| self.alias(from, segs)) else {
            return Ok(Resolved::External);
        };
        let mut i = start;
        while i < segs.len() {
            let mut next = cur.clone();
            next.push(segs[i].clone());
            if self.is_module(&next) {
                cur = next;
                i += 1;
            } else {
                break;
            }
        }
        let Some(m) = self.modules.get(&cur) else {
            return Err(format!("no module `{}`", cur.join("::")));
        };
        if i == segs.len() {
            return Ok(Resolved::File(cur));
        }
        let item = &segs[i];
        if m.defines.contains(item) {
            return Ok(Resolved::File(cur));
        }
        // A re-export: allowed from a folder's face for its own files.
        let export = m.uses.iter().find(|u| u.public && (u.name == *item || u.name == "*"));
        let Some(export) = export else {
            return Err(format!("`{item}` is not defined in `{}`", m.rel));
        };
        // A module that re-exports another crate's item (`sync` handing on
        // `core`'s or loom's atomics) is the crate's own name for it.
        let external = self.anchor(m, &export.segs).is_none();
        if external && !cur.is_empty() {
            return Ok(Resolved::File(cur));
        }
        let mut target = self.follow(m, item, 0).unwrap_or_default();
        if target.is_empty() {
            target = cur.clone();
        }
        let face = target.len() == cur.len() + 1
            && target.starts_with(&cur)
            && export.segs.first().is_some_and(|s| s != "crate" && s != "super");
        if cur.is_empty() {
            return Err(format!(
                "names `{item}` through the crate root's re-exports; name `crate::{}`",
                target.join("::")
            ));
        }
        if face {
            Ok(Resolved::File(target))
        } else {
            Err(format!("names `{item}` through `{}`'s re-export; name `crate::{}`", m.rel, target.join("::")))
        }
    }

    /// A path starting with a module this file imported (`opcode::Read`
    /// after `use crate::raw::opcode;`).
    fn alias(&self, from: &Module, segs: &[String]) -> Option<(Vec<String>, usize)> {
        let first = segs.first()?;
        let u = from.uses.iter().find(|u| !u.public && u.name == *first && u.name != "*")?;
        let (base, skip) = self.anchor(from, &u.segs)?;
        let mut full = base;
        full.extend(u.segs[skip..].iter().cloned());
        self.is_module(&full).then_some((full, 1))
    }

    /// The module that defines `item`, following re-exports from `m`.
    fn follow(&self, m: &Module, item: &str, depth: usize) -> Option<Vec<String>> {
        if depth > 8 {
            return None;
        }
        if m.defines.contains(item) {
            return Some(m.path.clone());
        }
        for u in m.uses.iter().filter(|u| u.public) {
            let segs: Vec<String> = if u.name == "*" {
                let mut s = u.segs.clone();
                s.pop();
                s.push(item.to_string());
                s
            } else if u.name == item {
                u.segs.clone()
            } else {
                continue;
            };
            let Some((mut cur, start)) = self.anchor(m, &segs) else { continue };
            let mut i = start;
            while i + 1 < segs.len() {
                let mut next = cur.clone();
                next.push(segs[i].clone());
                if !self.is_module(&next) {
                    break;
                }
                cur = next;
                i += 1;
            }
            let Some(n) = self.modules.get(&cur) else { continue };
            if let Some(p) = self.follow(n, &segs[segs.len() - 1], depth + 1) {
                return Some(p);
            }
        }
        None
    }
}

/// A dependency: from a file to a file, with the name that ties them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: Vec<String>,
    to: Vec<String>,
    name: String,
}

/// The paths written in a module's code outside `use` declarations:
/// `crate::..`, `super::..`, `self::..`, and paths through a child module
/// or an imported module.
fn inline_paths(c: &Crate, m: &Module) -> Vec<(Vec<String>, usize)> {
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
fn without_macro_bodies(code: &str) -> String {
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

fn line_of(code: &str, at: usize) -> usize {
    code[..at].bytes().filter(|&c| c == b'\n').count() + 1
}

/// Every dependency of a crate, and every path that does not name the
/// defining module.
fn graph(c: &Crate) -> (BTreeSet<Edge>, Vec<String>) {
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
fn circles(edges: &BTreeSet<Edge>) -> Vec<Vec<Vec<String>>> {
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
    fn visit<'a>(v: &'a Vec<String>, succ: &BTreeMap<&'a Vec<String>, Vec<&'a Vec<String>>>, s: &mut St<'a>) {
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

fn file_of(c: &Crate, path: &[String]) -> String {
    c.modules.get(path).map_or_else(|| path.join("::"), |m| m.rel.clone())
}

/// The layer of a ring-core file (its index in [`RING_CORE_LAYERS`]), or
/// `None` for the crate root.
fn layer(rel: &str) -> Result<Option<usize>, String> {
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
