//! The SQE-builder target's body (`verification::sqe_builders`) as a plain
//! test: every builder checked with values from a fixed pseudo-random
//! generator, over the inputs checked in under `fuzz/seeds/sqe_builders/`,
//! and a check that the target's list names every builder and every
//! argument of `ring_core::opcode` (read from ring-core's sources, wherever
//! they sit), so a builder or setter added later without the target
//! knowing it fails here. libFuzzer runs the same body
//! (`fuzz/fuzz_targets/sqe_builders.rs`).
//!
//! `SQE_BUILDERS_WRITE_SEEDS=1` rewrites the seeds (one per builder);
//! `SQE_BUILDERS_LIST=1` (with `--nocapture`) lists every collision instead
//! of failing at the first, when a builder changes.
#![cfg(not(ring_loom))]

use std::collections::BTreeMap;
use verification::sqe_builders::{check, run_bytes, Gen, BUILDERS};

fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn every_builder_with_generated_values() {
    for which in 0..BUILDERS.len() {
        for seed in 0..64 {
            let data = bytes(seed * 1000 + which as u64, 1024);
            check(which, &mut Gen::new(&data));
        }
        // And the extremes: every value zero, every value all ones.
        check(which, &mut Gen::new(&[0; 1024]));
        check(which, &mut Gen::new(&[0xff; 1024]));
    }
}

#[test]
fn the_checked_in_seeds_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/sqe_builders");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        run_bytes(&std::fs::read(&p).unwrap());
        n += 1;
    }
    if std::env::var_os("SQE_BUILDERS_WRITE_SEEDS").is_some() {
        for (which, (name, _, _)) in BUILDERS.iter().enumerate() {
            let mut data = vec![which as u8];
            data.extend(bytes(which as u64, 200));
            std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
        }
    }
    assert!(n > 0, "no seeds checked in");
}

/// The builders and their arguments, as ring-core's sources declare them
/// (`opcode! { pub struct Name { required ;; optional = default } ... }`).
fn declared() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ring-core/src");
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // Invocations start a line; the macro's own documentation quotes
        // one in comments.
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for block in code.split("opcode! {").skip(1) {
            let Some(start) = block.find("pub struct ") else { continue };
            let rest = &block[start + "pub struct ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let body = &rest[rest.find('{').unwrap() + 1..rest.find("pub const CODE").unwrap()];
            let body = body.rsplit_once('}').unwrap().0;
            let fields = |part: &str| -> Vec<String> {
                part.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("#["))
                    .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_string()))
                    .collect()
            };
            let (req, opt) = body.split_once(";;").unwrap_or((body, ""));
            out.insert(name, (fields(req), fields(opt)));
        }
    }
    out
}

#[test]
fn the_target_knows_every_builder_and_argument() {
    let declared = declared();
    assert_eq!(declared.len(), 65, "expected the 65 opcode builders, found {}", declared.len());
    let known: BTreeMap<String, (Vec<String>, Vec<String>)> = BUILDERS
        .iter()
        .map(|(n, r, o)| {
            (n.to_string(), (r.iter().map(|s| s.to_string()).collect(), o.iter().map(|s| s.to_string()).collect()))
        })
        .collect();
    for (name, args) in &declared {
        match known.get(name) {
            None => panic!("builder {name} is not in verification::sqe_builders' list"),
            Some(k) => assert_eq!(k, args, "{name}: the list's arguments differ from the source's (required, setters)"),
        }
    }
    for name in known.keys() {
        assert!(declared.contains_key(name), "{name} is listed but no longer declared");
    }
}
