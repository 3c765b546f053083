//! Reading ring-core's sources as text, shared by the tests that check the
//! tree by reading it (`coverage.rs`, `tidy.rs`): nothing is compiled or
//! run. Comments and literals are blanked first, so that only code is
//! read, and the braces of every item are matched, so that a place in the
//! code can be named by the impl and function around it.
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("readable source tree").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source with comments, string and character literals replaced by
/// spaces (newlines kept), so that braces and words inside them are not
/// code. Raw strings (`r"..."`, `r#"..."#`) and byte strings are handled;
/// lifetimes are told from character literals.
pub fn blank(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank_range = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = src[i..].find('\n').map_or(b.len(), |n| i + n);
            blank_range(&mut out, i, end);
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank_range(&mut out, i, j);
            i = j;
        } else if c == b'r' && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#')) && !ident_before(b, i) {
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let end = src[j + 1..].find(&close).map_or(b.len(), |n| j + 1 + n + close.len());
            blank_range(&mut out, i, end);
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank_range(&mut out, i, (j + 1).min(b.len()));
            i = j + 1;
        } else if c == b'\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                src.get(i + 3..).and_then(|r| r.find('\'')).map(|n| i + 3 + n + 1)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(e) => {
                    blank_range(&mut out, i, e);
                    i = e;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("blanking keeps UTF-8 (multi-byte characters only occur in literals and comments)")
}

pub fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

pub fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The identifier starting at `i`.
pub fn ident_at(s: &str, i: usize) -> &str {
    let b = s.as_bytes();
    let mut j = i;
    while j < b.len() && is_ident(b[j]) {
        j += 1;
    }
    &s[i..j]
}

/// What an opening brace opens.
#[derive(Debug, Clone)]
pub enum Scope {
    Impl(String),
    Fn(String),
    Mod { test: bool },
    Block,
}

/// The first word-boundary occurrence of `word` in `s`.
pub fn find_word(s: &str, word: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(n) = s[from..].find(word) {
        let i = from + n;
        let before = i == 0 || !is_ident(b[i - 1]);
        let after = i + word.len() >= b.len() || !is_ident(b[i + word.len()]);
        if before && after {
            return Some(i);
        }
        from = i + word.len();
    }
    None
}

/// Classifies the header text before an opening brace.
pub fn classify(header: &str) -> Scope {
    let h = header.trim();
    if let Some(i) = find_word(h, "fn") {
        let rest = h[i + 2..].trim_start();
        let name = ident_at(rest, 0);
        if !name.is_empty() {
            return Scope::Fn(name.to_string());
        }
    }
    if let Some(i) = find_word(h, "impl") {
        // `impl<..> Trait for Type<..>` names Type; `impl<..> Type<..>` too.
        let mut rest = &h[i + 4..];
        if rest.trim_start().starts_with('<') {
            let mut depth = 0;
            for (k, ch) in rest.char_indices() {
                match ch {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            rest = &rest[k + 1..];
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        let target = match find_word(rest, "for") {
            Some(f) => &rest[f + 3..],
            None => rest,
        };
        let target = target.trim_start().trim_start_matches('&').trim_start();
        let path = target.split(|c: char| c == '<' || c.is_whitespace()).next().unwrap_or("");
        let name = path.rsplit("::").next().unwrap_or(path);
        let is_drop = find_word(rest, "Drop").is_some_and(|d| find_word(rest, "for").is_some_and(|f| d < f));
        return Scope::Impl(if is_drop { format!("Drop for {name}") } else { name.to_string() });
    }
    if let Some(i) = find_word(h, "mod") {
        let name = ident_at(h[i + 3..].trim_start(), 0);
        return Scope::Mod { test: name == "tests" || h.contains("cfg(test)") };
    }
    Scope::Block
}

/// The scopes around every byte offset: for each opening brace, what it
/// opened; the owner name of an offset is the innermost impl and fn.
pub struct Scopes {
    /// (offset of `{`, offset of the matching `}`, scope)
    pub spans: Vec<(usize, usize, Scope)>,
}

impl Scopes {
    pub fn of(code: &str) -> Scopes {
        let b = code.as_bytes();
        let mut stack: Vec<(usize, Scope)> = Vec::new();
        let mut spans = Vec::new();
        let mut header_start = 0;
        // Parentheses and brackets open since the header started: a `;`
        // inside them (`[u64; 2]`) does not end an item.
        let mut nest = 0i32;
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'{' => {
                    let scope = classify(&code[header_start..i]);
                    stack.push((i, scope));
                    header_start = i + 1;
                    nest = 0;
                }
                b'}' => {
                    if let Some((open, scope)) = stack.pop() {
                        spans.push((open, i, scope));
                    }
                    header_start = i + 1;
                    nest = 0;
                }
                b'(' | b'[' => nest += 1,
                b')' | b']' => nest -= 1,
                b';' if nest <= 0 => header_start = i + 1,
                _ => {}
            }
        }
        Scopes { spans }
    }

    pub fn enclosing(&self, at: usize) -> Vec<&Scope> {
        let mut v: Vec<&(usize, usize, Scope)> = self.spans.iter().filter(|(o, c, _)| *o < at && at < *c).collect();
        v.sort_by_key(|(o, _, _)| *o);
        v.into_iter().map(|(_, _, s)| s).collect()
    }

    /// `Type::fn`, `fn`, `Type` or `(file)`; `None` inside a test module.
    pub fn owner(&self, at: usize) -> Option<String> {
        let mut ty = None;
        let mut f = None;
        for s in self.enclosing(at) {
            match s {
                Scope::Mod { test: true } => return None,
                Scope::Impl(n) => {
                    ty = Some(n.clone());
                    f = None;
                }
                Scope::Fn(n) => f = Some(n.clone()),
                _ => {}
            }
        }
        Some(match (ty, f) {
            (Some(t), Some(f)) => format!("{t}::{f}"),
            (None, Some(f)) => f,
            (Some(t), None) => t,
            (None, None) => "(item)".into(),
        })
    }
}
