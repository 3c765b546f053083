//! The scanner: calls and their arguments found in ring-core's sources
//! (comments, strings and test modules blanked), and the sites they make.

use crate::source::{blank, ident_at, is_ident, root, rust_files, Scopes};
use std::collections::BTreeSet;

/// A site found in the code.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// `Type::fn` or `fn`.
    pub(crate) owner: String,
    /// What the site does.
    pub(crate) access: String,
    pub(crate) file: String,
    pub(crate) line: usize,
}

pub(crate) fn line_of(code: &str, at: usize) -> usize {
    code[..at].bytes().filter(|&c| c == b'\n').count() + 1
}

/// The text of the parenthesised arguments starting at the `(` at `open`.
pub(crate) fn args_at(code: &str, open: usize) -> &str {
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
pub(crate) fn last_arg(args: &str) -> String {
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
pub(crate) fn order_names(order_src: &str) -> BTreeSet<String> {
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
pub(crate) fn imported_order_names(code: &str) -> BTreeSet<String> {
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

pub(crate) const ATOMIC_METHODS: &[&str] = &[
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
pub(crate) fn calls<'a>(code: &'a str, name: &'a str, method: bool) -> impl Iterator<Item = (usize, usize)> + 'a {
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
pub(crate) fn receiver_ident(code: &str, i: usize) -> &str {
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

pub(crate) struct SourceFile {
    pub(crate) rel: String,
    pub(crate) code: String,
    pub(crate) scopes: Scopes,
}

pub(crate) fn sources() -> (Vec<SourceFile>, BTreeSet<String>) {
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
pub(crate) fn push_site(sites: &mut Vec<Site>, f: &SourceFile, at: usize, access: String) {
    let Some(owner) = f.scopes.owner(at) else { return };
    sites.push(Site { owner, access, file: f.rel.clone(), line: line_of(&f.code, at) });
}
