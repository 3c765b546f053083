//! Names coverage: every identifier the Linux 7.0 io_uring uapi headers
//! define must exist in this crate's source.
//!
//! `tests/data/uapi-7.0-names.txt` lists, one per line, every `#define`
//! name and every enum member (`const NAME`), every struct (`struct NAME`)
//! and every struct member (`field STRUCT.NAME`) of `linux/io_uring.h`,
//! `linux/io_uring/query.h` and `linux/io_uring/bpf_filter.h` as synced
//! into liburing for Linux 7.0. The headers themselves are not part of the
//! repository; only this list of identifiers is.
//!
//! The check is textual, on purpose: a `const` must be defined as
//! `pub const NAME:`, a struct as `pub struct NAME`, and a member must
//! appear as a `pub NAME:` field or a `fn NAME(` accessor somewhere in
//! `src/`.
//!
//! When the headers are available (by default at `/tmp/io_uring_7.h`,
//! `/tmp/io_uring_query_7.h` and `/tmp/io_uring_bpf_filter_7.h`, or at the
//! paths in `RING_SYS_UAPI_H`, `RING_SYS_UAPI_QUERY_H`,
//! `RING_SYS_UAPI_BPF_FILTER_H`), the test also extracts the list from them
//! again and fails if it differs from the committed one. Setting
//! `RING_SYS_BLESS_NAMES=1` rewrites the committed list instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LIST: &str = "tests/data/uapi-7.0-names.txt";

/// The headers, in the order their names appear in the list.
const HEADERS: [(&str, &str, &str); 3] = [
    ("linux/io_uring.h", "RING_SYS_UAPI_H", "/tmp/io_uring_7.h"),
    ("linux/io_uring/query.h", "RING_SYS_UAPI_QUERY_H", "/tmp/io_uring_query_7.h"),
    ("linux/io_uring/bpf_filter.h", "RING_SYS_UAPI_BPF_FILTER_H", "/tmp/io_uring_bpf_filter_7.h"),
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Removes `/* */` and `//` comments.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                match rest[b + 2..].find("*/") {
                    Some(e) => {
                        out.push(' ');
                        rest = &rest[b + 2 + e + 2..];
                    }
                    None => break,
                }
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                match rest[l..].find('\n') {
                    Some(e) => rest = &rest[l + e..],
                    None => break,
                }
            }
            _ => {
                out.push_str(rest);
                break;
            }
        }
    }
    out
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// The leading identifier of `s`, if it starts with one.
fn leading_ident(s: &str) -> Option<&str> {
    let s = s.trim_start();
    if !s.starts_with(is_ident_start) {
        return None;
    }
    let end = s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len());
    Some(&s[..end])
}

/// The index of the `}` matching the `{` at `open`.
fn matching_brace(s: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces");
}

/// Extracts `const`, `struct` and `field` lines from one header.
fn extract(header: &str) -> Vec<String> {
    let src = strip_comments(header);
    let mut out = Vec::new();

    // #define NAME, except include guards.
    for line in src.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            if let Some(rest) = rest.trim_start().strip_prefix("define") {
                if let Some(name) = leading_ident(rest) {
                    if !name.ends_with("_H") {
                        out.push(format!("const {name}"));
                    }
                }
            }
        }
    }

    // enum [tag] { A, B = 1, ... }: every member.
    let mut at = 0;
    while let Some(pos) = src[at..].find("enum") {
        let start = at + pos;
        at = start + 4;
        let before_ok = start == 0 || !src[..start].ends_with(is_ident_char);
        let after = &src[start + 4..];
        if !before_ok || after.starts_with(is_ident_char) {
            continue;
        }
        let Some(open_rel) = after.find(['{', ';']) else {
            break;
        };
        if after.as_bytes()[open_rel] != b'{' {
            continue;
        }
        let open = start + 4 + open_rel;
        let close = matching_brace(&src, open);
        for item in src[open + 1..close].split(',') {
            if let Some(name) = leading_ident(item) {
                out.push(format!("const {name}"));
            }
        }
        at = close;
    }

    // struct NAME { ... }: the name, then every member declared in it
    // (including those of nested anonymous unions and structs).
    let mut at = 0;
    while let Some(pos) = src[at..].find("struct") {
        let start = at + pos;
        at = start + 6;
        let before_ok = start == 0 || !src[..start].ends_with(is_ident_char);
        let after = &src[start + 6..];
        if !before_ok || after.starts_with(is_ident_char) {
            continue;
        }
        let Some(name) = leading_ident(after) else {
            continue;
        };
        let after_name = after.trim_start()[name.len()..].trim_start();
        if !after_name.starts_with('{') {
            continue;
        }
        let open = src.len() - after_name.len();
        let close = matching_brace(&src, open);
        out.push(format!("struct {name}"));
        for decl in src[open + 1..close].split([';', '{', '}']) {
            let decl = decl.trim();
            if decl.is_empty() || decl.starts_with("__attribute__") {
                continue;
            }
            // The declarator is the last identifier, before any `[N]`.
            let decl = decl.split('[').next().unwrap_or("").trim_end();
            let start = decl.rfind(|c: char| !is_ident_char(c)).map_or(0, |i| i + 1);
            let field = &decl[start..];
            if field.is_empty() || !field.starts_with(is_ident_start) {
                continue;
            }
            if matches!(field, "union" | "struct") {
                continue;
            }
            out.push(format!("field {name}.{field}"));
        }
        at = close;
    }

    // Keep the order of first appearance, without duplicates.
    let mut seen = BTreeSet::new();
    out.retain(|l| seen.insert(l.clone()));
    out
}

fn header_path(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn read_list() -> Vec<String> {
    let text = std::fs::read_to_string(crate_dir().join(LIST)).expect("names list");
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

fn render_list(sections: &[(&str, Vec<String>)]) -> String {
    let mut s = String::from(
        "# Identifiers of the Linux 7.0 io_uring uapi headers (liburing's synced copies),\n\
         # one per line: `const` = #define or enum member, `struct` = struct tag,\n\
         # `field` = struct member (including members of anonymous unions/structs).\n\
         # Checked by tests/uapi_names.rs; regenerate with RING_SYS_BLESS_NAMES=1.\n",
    );
    for (header, names) in sections {
        s.push_str(&format!("\n# {header}\n"));
        for n in names {
            s.push_str(n);
            s.push('\n');
        }
    }
    s
}

fn all_sources() -> String {
    fn walk(dir: &Path, out: &mut String) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("src dir").map(|e| e.expect("dir entry").path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&p).expect("source file"));
                out.push('\n');
            }
        }
    }
    let mut s = String::new();
    walk(&crate_dir().join("src"), &mut s);
    s
}

#[test]
fn committed_list_matches_headers() {
    let mut sections = Vec::new();
    for (name, env, default) in HEADERS {
        let path = header_path(env, default);
        match std::fs::read_to_string(&path) {
            Ok(text) => sections.push((name, extract(&text))),
            Err(e) => {
                println!("skipping the header re-extraction: {} ({name}) is not readable: {e}", path.display());
                return;
            }
        }
    }
    let rendered = render_list(&sections);
    if std::env::var_os("RING_SYS_BLESS_NAMES").is_some() {
        std::fs::create_dir_all(crate_dir().join("tests/data")).expect("data dir");
        std::fs::write(crate_dir().join(LIST), &rendered).expect("write list");
        return;
    }
    let extracted: Vec<String> = sections.into_iter().flat_map(|(_, n)| n).collect();
    let committed = read_list();
    let missing: Vec<_> = extracted.iter().filter(|n| !committed.contains(n)).collect();
    let extra: Vec<_> = committed.iter().filter(|n| !extracted.contains(n)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{LIST} is stale; not in the list: {missing:?}; not in the headers: {extra:?} \
         (rerun with RING_SYS_BLESS_NAMES=1)"
    );
}

#[test]
fn every_header_name_is_defined() {
    let src = all_sources();
    let list = read_list();
    let mut missing = Vec::new();
    let (mut consts, mut structs, mut fields) = (0, 0, 0);
    for line in &list {
        let (kind, name) = line.split_once(' ').expect("`kind name` line");
        let found = match kind {
            "const" => {
                consts += 1;
                src.contains(&format!("pub const {name}:"))
            }
            "struct" => {
                structs += 1;
                src.contains(&format!("pub struct {name} "))
            }
            "field" => {
                fields += 1;
                let (_, member) = name.split_once('.').expect("STRUCT.member");
                src.contains(&format!("pub {member}:"))
                    || src.contains(&format!("pub r#{member}:"))
                    || src.contains(&format!("fn {member}("))
            }
            other => panic!("unknown kind {other:?} in {LIST}"),
        };
        if !found {
            missing.push(line.as_str());
        }
    }
    assert!(missing.is_empty(), "not defined in ring-sys/src: {missing:?}");
    // The headers define 270 names and 44 structs; a shrinking list means a
    // broken extraction, not a smaller ABI.
    assert_eq!(consts, 270, "const lines in {LIST}");
    assert_eq!(structs, 44, "struct lines in {LIST}");
    assert!(fields > 250, "only {fields} field lines in {LIST}");
}

#[test]
fn extraction_sees_anonymous_members() {
    let h = "struct s {\n\t__u8 a; /* c */\n\tunion {\n\t\t__u64 b;\n\t\tstruct {\n\t\t\t__u32 c;\n\t\t\t__u32 d[1];\n\t\t};\n\t} __attribute__((packed));\n};\nenum e { X, Y = 3,\n Z };\n#define W (1U << 2)\n";
    assert_eq!(
        extract(h),
        ["const W", "const X", "const Y", "const Z", "struct s", "field s.a", "field s.b", "field s.c", "field s.d"]
    );
}
