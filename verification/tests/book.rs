//! The book's checker: every claim tag in `docs/` names evidence that
//! exists, every chapter carries at least one, and every relative link and
//! every repository path the book names resolves.
//!
//! Nothing is run and nothing is built: the test reads the Markdown files
//! under `docs/` and the files they name. The tag format is documented in
//! `docs/README.md` ("How claims are tagged"):
//!
//! - `[test: path/to/file.rs::name]`: the file exists and defines `fn name`
//!   under a test attribute (`#[test]`, `#[tokio::test]`); a `module::name`
//!   path is allowed, its last segment is the function;
//! - `[loom: verification/tests/loom_*.rs::name]`: the same, in a loom file;
//! - `[planted: row]`: `scripts/planted_bugs.py` has a plant named `row`;
//! - `[example: name]`: `ring-core/examples/<name>.rs` exists;
//! - `[kernel: io_uring/file.c symbol]` and `[man: page(n)]`: the kernel's
//!   own words, checked for form only (the kernel's sources are not here);
//! - `[measured: command]`: a command whose script or binary source exists.
//!
//! Links: every `[text](target)` whose target is not a URL resolves to a
//! file or directory (relative to the document), and a `#anchor` names a
//! heading of the target document. Paths: every inline code span that is a
//! repository path (`ring-core/src/...`, `verification/...`, `docs/...`,
//! ...) exists. Fenced code blocks are program output and are skipped.
//!
//! A failure lists every problem at once, with file and line.
#![cfg(not(ring_loom))]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

/// Every Markdown file under `docs/`, sorted.
fn book_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.join("docs")];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).expect("docs/ is readable") {
            let p = e.expect("a directory entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The lines of a document outside fenced code blocks, with their numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-`
/// and `_` removed, spaces turned into `-`.
fn slug(heading: &str) -> String {
    let mut s = String::new();
    for c in heading.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            s.extend(c.to_lowercase());
        } else if c == ' ' {
            s.push('-');
        }
    }
    s
}

/// The anchors of a Markdown document's headings (duplicates numbered as
/// GitHub numbers them).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let t = line.trim_start();
        if t.starts_with('#') {
            let h = t.trim_start_matches('#');
            if h.starts_with(' ') {
                let base = slug(&h.replace('`', ""));
                let mut a = base.clone();
                let mut n = 0;
                while out.contains(&a) {
                    n += 1;
                    a = format!("{base}-{n}");
                }
                out.insert(a);
            }
        }
    }
    out
}

/// A line without its inline code spans: a tag written in backquotes is an
/// example of the format, not a claim.
fn outside_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// Every `[kind: body]` tag on a line (outside inline code).
fn tags(line: &str) -> Vec<(String, String)> {
    let line = outside_code(line);
    tags_in(&line).into_iter().map(|(k, b)| (k.to_string(), b.to_string())).collect()
}

fn tags_in(line: &str) -> Vec<(&str, &str)> {
    const KINDS: [&str; 7] = ["test", "loom", "planted", "example", "kernel", "man", "measured"];
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        let Some(colon) = rest.find(": ") else { break };
        let kind = &rest[..colon];
        if !KINDS.contains(&kind) {
            continue;
        }
        let Some(end) = rest.find(']') else { break };
        if end < colon {
            continue;
        }
        out.push((kind, rest[colon + 2..end].trim()));
        rest = &rest[end + 1..];
    }
    out
}

/// Whether `text` defines a function named `name`.
fn defines_fn(text: &str, name: &str) -> bool {
    let pat = format!("fn {name}");
    text.match_indices(&pat).any(|(i, _)| {
        let after = text[i + pat.len()..].chars().next();
        !matches!(after, Some(c) if c.is_alphanumeric() || c == '_')
    })
}

/// Whether `text` defines `fn name` as a test: an attribute right above
/// it is `#[test]` or a runner's own (`#[tokio::test]`), so a helper of the
/// same file cannot stand in for the test a claim names.
fn defines_test(text: &str, name: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let is_test_attr =
        |l: &str| l == "#[test]" || (l.starts_with("#[") && (l.contains("::test]") || l.contains("::test(")));
    lines.iter().enumerate().any(|(i, l)| {
        defines_fn(l, name)
            && lines[..i]
                .iter()
                .rev()
                .map(|l| l.trim())
                .take_while(|l| l.starts_with('#') || l.starts_with("//"))
                .any(is_test_attr)
    })
}

/// The file of test target `target` that defines `fn name`: the target's
/// single file (`verification/tests/<target>.rs`), or, for a target made of
/// a folder, the file in it that defines the function (its `main.rs` if
/// none does, which the check then reports).
fn test_file(root: &Path, target: &str, name: &str) -> String {
    let single = format!("verification/tests/{target}.rs");
    let dir = root.join("verification/tests").join(target);
    if root.join(&single).exists() || !dir.is_dir() {
        return single;
    }
    let mut files: Vec<PathBuf> = fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    files.sort();
    let defines = |f: &PathBuf| fs::read_to_string(f).is_ok_and(|t| t.contains(&format!("fn {name}(")));
    let file = files.iter().find(|f| defines(f)).cloned().unwrap_or_else(|| dir.join("main.rs"));
    file.strip_prefix(root).unwrap_or(&file).display().to_string()
}

/// Checks a `file::name` reference (a test, or a loom model); `None` when
/// it holds.
fn check_fn_ref(root: &Path, body: &str, loom: bool) -> Option<String> {
    let Some((file, path)) = body.split_once("::") else {
        return Some(format!("`{body}` is not `file::name`"));
    };
    if loom && !file.contains("loom") {
        return Some(format!("`{file}` is not a loom model file"));
    }
    let name = path.rsplit("::").next().unwrap_or(path);
    match fs::read_to_string(root.join(file)) {
        Err(_) => Some(format!("no file `{file}`")),
        Ok(text) if !defines_fn(&text, name) => Some(format!("`{file}` defines no `fn {name}`")),
        Ok(text) if !defines_test(&text, name) => Some(format!("`{file}`: `fn {name}` is not a test")),
        Ok(_) => None,
    }
}

fn check_tag(root: &Path, planted: &str, kind: &str, body: &str) -> Option<String> {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    match kind {
        "test" => check_fn_ref(root, body, false),
        "loom" => check_fn_ref(root, body, true),
        "planted" => (!planted.contains(&format!("(\"{body}\"")))
            .then(|| format!("no plant named \"{body}\" in scripts/planted_bugs.py")),
        "example" => (!root.join(format!("ring-core/examples/{body}.rs")).is_file())
            .then(|| format!("no example ring-core/examples/{body}.rs")),
        "kernel" => {
            let mut parts = body.split_whitespace();
            let (file, sym) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let file_ok = (file.starts_with("io_uring/") || file.starts_with("include/"))
                && (file.ends_with(".c") || file.ends_with(".h"));
            (!file_ok || !ident(sym) || parts.next().is_some())
                .then(|| format!("`{body}` is not `io_uring/file.c symbol`"))
        }
        "man" => {
            let ok = body.split_once('(').is_some_and(|(page, sec)| {
                ident(page) && sec.len() == 2 && sec.ends_with(')') && sec.as_bytes()[0].is_ascii_digit()
            });
            (!ok).then(|| format!("`{body}` is not `page(n)`"))
        }
        "measured" => {
            let words: Vec<&str> = body.split_whitespace().collect();
            let first = words.first().copied().unwrap_or("");
            if first.starts_with("scripts/") || first.starts_with("./scripts/") {
                (!root.join(first.trim_start_matches("./")).is_file()).then(|| format!("no script `{first}`"))
            } else if first == "cargo" {
                // `--example NAME` and `--bin NAME` must name a program that exists.
                let named = |flag: &str| words.windows(2).find(|w| w[0] == flag).map(|w| w[1]);
                if let Some(ex) = named("--example") {
                    (!root.join(format!("ring-core/examples/{ex}.rs")).is_file()).then(|| format!("no example `{ex}`"))
                } else if let Some(bin) = named("--bin") {
                    (!root.join(format!("benches/src/bin/{bin}.rs")).is_file())
                        .then(|| format!("no benchmark binary `{bin}`"))
                } else {
                    None
                }
            } else {
                Some(format!("`{body}` starts with neither `cargo` nor `scripts/`"))
            }
        }
        _ => None,
    }
}

/// Whether a code span looks like a commit hash (7 to 40 hex digits, with
/// both a digit and a letter, as abbreviated hashes nearly always have).
fn is_commit_hash(span: &str) -> bool {
    (7..=40).contains(&span.len())
        && span.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        && span.chars().any(|c| c.is_ascii_digit())
        && span.chars().any(|c| c.is_ascii_alphabetic())
}

/// Projects whose commits `docs/bug-classes.md` cites as the evidence of a
/// bug class: a hash in a paragraph that names one of them (before the
/// hash) is an upstream citation, not a record of this repository's work.
const UPSTREAM: [&str; 8] =
    ["liburing", "tokio-rs/", "spacejam/", "DataDog/", "withoutboats/", "compio-rs/", "bytedance/", "torvalds/"];

/// The words of a prose line that look like commit hashes, with their byte
/// offsets: a word is a run of letters, digits and `_./+-` (so a file name
/// such as `a1b2c3d.svg` or a path is one word, not a hash), trimmed of a
/// trailing `.`, `-` or `/`; words inside a URL and hex literals (`0x...`)
/// are not hashes.
fn hash_words(line: &str) -> Vec<(usize, &str)> {
    let word_char = |c: char| c.is_ascii_alphanumeric() || "_./+-".contains(c);
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        match (start, word_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                let word = line[s..i].trim_end_matches(['.', '-', '/']).trim_start_matches(['.', '-', '/']);
                let in_url = line[..s].rsplit(char::is_whitespace).next().is_some_and(|w| w.contains("://"))
                    || line[s..].starts_with("//");
                if !in_url && !word.starts_with("0x") && is_commit_hash(word) {
                    out.push((s, word));
                }
            }
            _ => {}
        }
    }
    out
}

/// Hash-like words of a document's prose (outside fenced code, inside or
/// outside code spans) that are not upstream citations, with line numbers.
fn own_commit_hashes(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut paragraph = String::new();
    for (n, line) in prose_lines(text) {
        if line.trim().is_empty() {
            paragraph.clear();
            continue;
        }
        for (at, word) in hash_words(line) {
            let before = format!("{paragraph}{}", &line[..at]);
            if !UPSTREAM.iter().any(|u| before.contains(u)) {
                out.push((n, word.to_string()));
            }
        }
        paragraph.push_str(line);
        paragraph.push('\n');
    }
    out
}

/// Whether a line carries a calendar date (`2026-11-22`): work-log
/// wording, which belongs in the journals, not in a chapter.
fn has_date(line: &str) -> bool {
    let b = line.as_bytes();
    b.windows(10).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[5..7].iter().all(u8::is_ascii_digit)
            && w[7] == b'-'
            && w[8..].iter().all(u8::is_ascii_digit)
    })
}

/// Inline code spans of a line.
fn code_spans(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

/// Whether a code span is a repository path the checker should resolve: a
/// file (its last segment has an extension) or a folder (a trailing `/`),
/// as `tidy.rs` reads paths. A label such as the kernel matrix's
/// `ring-core/lib` (a crate and its test target) is not a path.
fn repo_path(span: &str) -> Option<&str> {
    const TOP: [&str; 7] = ["ring-core/", "ring-sys/", "verification/", "benches/", "fuzz/", "scripts/", "docs/"];
    let path = span.split("::").next().unwrap_or(span);
    let plain = path.chars().all(|c| c.is_alphanumeric() || "_-./".contains(c));
    let last = path.rsplit('/').next().unwrap_or(path);
    let shaped = path.ends_with('/') || last.contains('.');
    (plain && shaped && TOP.iter().any(|t| path.starts_with(t))).then_some(path)
}

/// Every `[text](target)` link target of a line.
fn link_targets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(&rest[..end]);
            rest = &rest[end + 1..];
        }
    }
    out
}

/// The chapters: the documents `docs/README.md` lists under a "Part"
/// heading. Each must carry at least one claim tag.
fn chapters(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_part = false;
    for (_, line) in prose_lines(readme) {
        if line.starts_with("## ") {
            in_part = line.starts_with("## Part");
            continue;
        }
        if in_part {
            for t in link_targets(line) {
                let file = t.split('#').next().unwrap_or(t);
                if file.ends_with(".md") && !out.iter().any(|c| c == file) {
                    out.push(file.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_tag_link_and_path_in_the_book_resolves() {
    let root = root();
    let planted = fs::read_to_string(root.join("scripts/planted_bugs.py")).expect("scripts/planted_bugs.py");
    let mut problems = Vec::new();
    let mut tagged = 0;
    for file in book_files(&root) {
        let rel = file.strip_prefix(&root).expect("under the root").display().to_string();
        let text = fs::read_to_string(&file).expect("a readable document");
        let dir = file.parent().expect("a directory");
        for (n, line) in prose_lines(&text) {
            for (kind, body) in tags(line) {
                tagged += 1;
                if let Some(p) = check_tag(&root, &planted, &kind, &body) {
                    problems.push(format!("{rel}:{n}: [{kind}: {body}]: {p}"));
                }
            }
            for target in link_targets(line) {
                let target = target.split_whitespace().next().unwrap_or("");
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target, None),
                };
                let resolved = if path.is_empty() { file.clone() } else { dir.join(path) };
                if !resolved.exists() {
                    problems.push(format!("{rel}:{n}: link `{target}`: no such file"));
                    continue;
                }
                if let Some(a) = anchor {
                    if resolved.extension().is_some_and(|x| x == "md") {
                        let t = fs::read_to_string(&resolved).unwrap_or_default();
                        if !anchors(&t).contains(a) {
                            problems.push(format!("{rel}:{n}: link `{target}`: no heading with that anchor"));
                        }
                    }
                }
            }
            if has_date(line) {
                problems.push(format!("{rel}:{n}: a date in the book (dated work log belongs in the journals)"));
            }
            for span in code_spans(line) {
                if let Some(path) = repo_path(span) {
                    if !root.join(path).exists() {
                        problems.push(format!("{rel}:{n}: path `{path}` does not exist"));
                    }
                }
            }
        }
        // The book keeps the current truth: the history of how it was
        // reached (commits, dated rounds) belongs in the journals.
        for (n, word) in own_commit_hashes(&text) {
            problems.push(format!("{rel}:{n}: `{word}` looks like a commit hash (history belongs in the journals)"));
        }
    }
    let readme = fs::read_to_string(root.join("docs/README.md")).expect("docs/README.md");
    let chapters = chapters(&readme);
    if chapters.len() < 10 {
        problems.push(format!("docs/README.md lists too few chapters under its Part headings: {chapters:?}"));
    }
    for ch in &chapters {
        let text = fs::read_to_string(root.join("docs").join(ch)).unwrap_or_default();
        let lines = prose_lines(&text);
        if !lines.iter().any(|(_, l)| !tags(l).is_empty()) {
            problems.push(format!("docs/{ch}: a chapter with no claim tag"));
        }
    }
    if tagged == 0 {
        problems.push("no claim tags found under docs/".to_string());
    }
    assert!(problems.is_empty(), "{} problem(s) in the book:\n{}", problems.len(), problems.join("\n"));
}

/// Chapter 1 shows the tour's output: every step heading it shows is one
/// the tour prints, and every step the tour prints is shown, so the
/// chapter cannot drift from the program.
#[test]
fn chapter_one_shows_the_tour_as_it_is() {
    let root = root();
    let chapter = fs::read_to_string(root.join("docs/io_uring.md")).expect("docs/io_uring.md");
    let tour = fs::read_to_string(root.join("ring-core/examples/tour.rs")).expect("the tour");
    let step = |l: &str| l.starts_with("-- ") && l.ends_with(" --");
    let shown: Vec<&str> = chapter.lines().filter(|l| step(l)).collect();
    let printed: Vec<&str> = tour
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let inner = l.strip_prefix("println!(\"\\n")?.strip_suffix("\");")?;
            step(inner).then_some(inner)
        })
        .collect();
    assert!(printed.len() >= 8, "the tour's steps were not found: {printed:?}");
    assert_eq!(shown, printed, "docs/io_uring.md shows other steps than the tour prints");
}

/// Every ordering constant in `ring-core/src/order.rs` names, in its
/// documentation, the loom model that runs it (`loom_file::test`, checked
/// to exist), or says why no model can fail on it.
#[test]
fn every_ordering_constant_names_its_loom_model() {
    let root = root();
    let order = fs::read_to_string(root.join("ring-core/src/order.rs")).expect("ring-core/src/order.rs");
    let mut doc = String::new();
    let mut problems = Vec::new();
    let mut constants = 0;
    for line in order.lines() {
        let t = line.trim_start();
        if let Some(d) = t.strip_prefix("///") {
            doc.push_str(d);
            doc.push(' ');
            continue;
        }
        if let Some(rest) = t.strip_prefix("pub const ") {
            if rest.contains(": Ordering") {
                constants += 1;
                let name = rest.split(':').next().unwrap_or(rest);
                let models: Vec<&str> = code_spans(&doc).into_iter().filter(|s| s.starts_with("loom_")).collect();
                if models.is_empty() && !doc.contains("No model can fail on it") {
                    problems.push(format!("{name}: names no loom model"));
                }
                for m in models {
                    let body = match m.split_once("::") {
                        Some((file, test)) => format!("{}::{test}", test_file(&root, file, test)),
                        None => m.to_string(),
                    };
                    if let Some(p) = check_fn_ref(&root, &body, true) {
                        problems.push(format!("{name}: {p}"));
                    }
                }
            }
        }
        doc.clear();
    }
    assert!(constants >= 10, "too few ordering constants found: {constants}");
    assert!(problems.is_empty(), "ring-core/src/order.rs:\n{}", problems.join("\n"));
}

/// The checker's own parts, on inputs whose answers are known.
#[test]
fn the_checker_reads_tags_links_and_anchors() {
    assert_eq!(
        tags_in("x [test: a.rs::f] y [loom: b::g] [not a tag] [planted: SQ (x) -> y]"),
        vec![("test", "a.rs::f"), ("loom", "b::g"), ("planted", "SQ (x) -> y")]
    );
    assert!(tags("the format `[test: a.rs::f]`").is_empty());
    assert_eq!(link_targets("see [a](b.md#c) and [d](e/)"), vec!["b.md#c", "e/"]);
    assert_eq!(slug("4. Entering the kernel: `io_uring_enter(2)`"), "4-entering-the-kernel-io_uring_enter2");
    assert!(anchors("# A\n## A\n```\n# not\n```\n").contains("a-1"));
    assert!(!anchors("```\n# not\n```\n").contains("not"));
    assert!(defines_fn("fn ab() {}\nfn a() {}", "a"));
    assert!(!defines_fn("fn ab() {}", "a"));
    assert!(defines_test("#[test]\n/// doc\nfn a() {}", "a"));
    assert!(defines_test("#[tokio::test]\nasync fn a() {}", "a"));
    assert!(!defines_test("fn helper() {}\n#[test]\nfn a() { helper() }", "helper"));
    assert!(!defines_test("#[cfg(not(test))]\nfn a() {}", "a"));
    assert_eq!(repo_path("ring-core/src/order.rs"), Some("ring-core/src/order.rs"));
    assert_eq!(repo_path("ring-core/tests/ownership/driver.rs::x"), Some("ring-core/tests/ownership/driver.rs"));
    assert_eq!(repo_path("src/{a,b}.rs"), None);
    assert_eq!(repo_path("Driver::new"), None);
    assert_eq!(repo_path("ring-core/lib"), None);
    assert_eq!(repo_path("ring-core/src/raw/"), Some("ring-core/src/raw/"));
    let root = root();
    assert!(check_tag(&root, "", "kernel", "io_uring/io_uring.c io_submit_sqes").is_none());
    assert!(check_tag(&root, "", "kernel", "io_uring.c").is_some());
    assert!(check_tag(&root, "", "man", "io_uring_enter(2)").is_none());
    assert!(check_tag(&root, "", "test", "ring-core/tests/no-such-file::x").is_some());
    assert!(check_tag(&root, "(\"row\"", "planted", "row").is_none());
    assert!(is_commit_hash("b1d0fcd") && !is_commit_hash("deadbeef") && !is_commit_hash("1234567"));
    assert!(has_date("measured 2026-11-22 on") && !has_date("6.18 and 6.1"));
    fn words(l: &str) -> Vec<&str> {
        hash_words(l).into_iter().map(|(_, w)| w).collect()
    }
    assert_eq!(words("re-run on commit 58d2cf1, since `89a4f0e`; (de37467)."), vec!["58d2cf1", "89a4f0e", "de37467"]);
    assert!(words("see https://github.com/a/b/commit/58d2cf1 and docs/benchmarks/ab12cd3.svg").is_empty());
    assert!(words("at 0x7f3a2b1c00, errno 22, EINVAL, deadbeef, 1234567, ring-core").is_empty());
    assert_eq!(own_commit_hashes("liburing's fix `744f4156`\nand `a4d619a2`.\n\nours: b1d0fcd\n").len(), 1);
    assert!(own_commit_hashes("```\nb1d0fcd\n```\n").is_empty());
}
