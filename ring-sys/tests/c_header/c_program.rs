//! The C program: written from the entries, compiled, run, and its output
//! compared with what the crate says.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::table::{table, Entry, Tier};

/// Writes the C program for the entries of `tiers`.
fn c_source(entries: &[&Entry], extra_headers: &[&str]) -> String {
    let mut s = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <linux/io_uring.h>\n\
         #include <linux/openat2.h>\n#include <linux/futex.h>\n",
    );
    for h in extra_headers {
        s.push_str(&format!("#include <{h}>\n"));
    }
    s.push_str("\nint main(void)\n{\n");
    for e in entries {
        let line = format!("\tprintf(\"%s\\t%lld\\n\", \"{}\", (long long)({}));\n", e.expr, e.expr);
        match e.guard {
            Some(g) => s.push_str(&format!("#ifdef {g}\n{line}#endif\n")),
            None => s.push_str(&line),
        }
    }
    s.push_str("\treturn 0;\n}\n");
    s
}

/// Compiles and runs the program; `None` (after saying why) if it cannot.
fn run_c(tag: &str, source: &str, include: Option<&Path>) -> Option<BTreeMap<String, i128>> {
    match Command::new("cc").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            println!("skipping: `cc --version` failed with {}", o.status);
            return None;
        }
        Err(e) => {
            println!("skipping: no C compiler (`cc`) to check against: {e}");
            return None;
        }
    }
    let dir = std::env::temp_dir().join(format!("ring-sys-c-header-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let c = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&c, source).expect("write C source");
    let mut cmd = Command::new("cc");
    cmd.arg("-std=gnu11").arg("-Wall").arg("-o").arg(&exe).arg(&c);
    if let Some(inc) = include {
        cmd.arg("-I").arg(inc);
    }
    let out = cmd.output().expect("run cc");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("linux/io_uring.h: No such file") {
            println!("skipping: the C compiler has no <linux/io_uring.h>:\n{err}");
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        }
        panic!("the generated C program does not compile ({}):\n{err}", c.display());
    }
    let run = Command::new(&exe).output().expect("run the C program");
    assert!(run.status.success(), "the C program failed: {}", run.status);
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(run.stdout).expect("utf-8 output");
    let mut values = BTreeMap::new();
    for line in text.lines() {
        let (k, v) = line.rsplit_once('\t').expect("`expr<TAB>value` line");
        values.insert(k.to_owned(), v.parse::<i128>().expect("integer"));
    }
    Some(values)
}

/// Checks the entries of `tiers` against the headers found with `include`.
pub(crate) fn check(tag: &str, tiers: &[Tier], include: Option<&Path>, extra_headers: &[&str]) {
    let table = table();
    let entries: Vec<&Entry> = table.iter().filter(|e| tiers.contains(&e.tier)).collect();
    // The list itself must not name one C expression twice.
    let mut seen = std::collections::BTreeSet::new();
    for e in &table {
        assert!(seen.insert((e.expr.as_str(), e.tier == Tier::Old)), "duplicate entry {}", e.expr);
    }
    let Some(values) = run_c(tag, &c_source(&entries, extra_headers), include) else {
        return;
    };
    let mut mismatches = Vec::new();
    let mut absent = Vec::new();
    for e in &entries {
        match values.get(&e.expr) {
            // C prints every value as a `long long`; compare the low 64 bits,
            // so that `u64` masks with the top bit set match.
            Some(&c) if c as i64 == e.rust as i64 => {}
            Some(&c) => mismatches.push(format!("{}: C says {c}, ring-sys says {}", e.expr, e.rust)),
            None if e.guard.is_some() => absent.push(e.expr.as_str()),
            None => mismatches.push(format!("{}: no output line", e.expr)),
        }
    }
    println!(
        "{tag}: {} of {} entries compared; macros this header does not define: {absent:?}",
        entries.len() - absent.len(),
        entries.len()
    );
    assert!(mismatches.is_empty(), "{tag}: {} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
