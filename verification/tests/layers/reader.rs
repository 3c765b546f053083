//! The reader: one source file as a module of its crate (its `use`
//! declarations with their trees expanded, the names it defines, its child
//! modules), its code blanked of comments, literals and test modules.

use crate::source::{is_ident, Scope, Scopes};
use std::collections::BTreeSet;

/// One source file as a module of its crate.
pub(crate) struct Module {
    /// The path from the workspace root.
    pub(crate) rel: String,
    /// The module path inside the crate (`["raw", "ring"]`).
    pub(crate) path: Vec<String>,
    /// The code with comments, literals and test modules blanked.
    pub(crate) code: String,
    /// Names the file defines (items at any depth outside test modules).
    pub(crate) defines: BTreeSet<String>,
    /// Child modules the file declares (`mod x;` or `mod x { .. }`).
    pub(crate) children: BTreeSet<String>,
    /// The `use` declarations: (re-export?, the full path as written, the
    /// local name it binds, offset).
    pub(crate) uses: Vec<Use>,
}

#[derive(Debug, Clone)]
pub(crate) struct Use {
    pub(crate) public: bool,
    pub(crate) segs: Vec<String>,
    /// The name bound (`*` for a glob).
    pub(crate) name: String,
    pub(crate) at: usize,
}

/// The module path of a file under the crate's source folder.
pub(crate) fn module_path(rel_to_src: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel_to_src.trim_end_matches(".rs").split('/').map(String::from).collect();
    let last = parts.last().cloned().unwrap_or_default();
    if last == "mod" || (parts.len() == 1 && (last == "lib" || last == "main")) {
        parts.pop();
    }
    parts
}

/// Blanks the test modules (`#[cfg(test)] mod tests { .. }`) of `code`.
pub(crate) fn without_test_modules(code: &str) -> String {
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

pub(crate) fn word_at(code: &str, i: usize, word: &str) -> bool {
    let b = code.as_bytes();
    code[i..].starts_with(word)
        && (i == 0 || !is_ident(b[i - 1]))
        && b.get(i + word.len()).is_none_or(|c| !is_ident(*c))
}

/// Every offset where `word` stands as a word.
pub(crate) fn words<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    code.match_indices(word).map(|(i, _)| i).filter(move |&i| word_at(code, i, word))
}

/// Expands a use tree (`a::{b, c::d as e, f::*}`) into (path, bound name).
pub(crate) fn expand(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
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
pub(crate) fn take_uses(code: &mut String) -> Vec<Use> {
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
pub(crate) fn definitions(code: &str) -> (BTreeSet<String>, BTreeSet<String>) {
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
