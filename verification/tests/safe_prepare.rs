//! The safe-prepare target's body (`verification::safe_prepare`) as a
//! plain test: over the inputs checked in under `fuzz/seeds/safe_prepare/`
//! and a few thousand generated ones (every operation, with the extremes:
//! all-zero and all-ones arguments). libFuzzer runs the same body
//! (`fuzz/fuzz_targets/safe_prepare.rs`).
//!
//! `SAFE_PREPARE_WRITE_SEEDS=1` rewrites the seeds (a few per operation).
#![cfg(not(ring_loom))]

use verification::safe_prepare::run;

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
fn every_operation_with_generated_arguments() {
    let cases = if cfg!(miri) { 4 } else { 400 };
    for op in 0..8u8 {
        for seed in 0..cases {
            let mut data = vec![op];
            data.extend(bytes(seed * 8 + u64::from(op), 256));
            run(&data);
        }
        let mut zeros = vec![op];
        zeros.extend([0u8; 256]);
        run(&zeros);
        let mut ones = vec![op];
        ones.extend([0xffu8; 256]);
        run(&ones);
    }
}

#[test]
fn the_checked_in_seeds_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/safe_prepare");
    if std::env::var_os("SAFE_PREPARE_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for op in 0..8u8 {
            for k in 0..3u64 {
                let mut data = vec![op];
                data.extend(bytes(1000 + k * 8 + u64::from(op), 64));
                std::fs::write(dir.join(format!("seed-{op}-{k}")), data).unwrap();
            }
        }
    }
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        run(&std::fs::read(e.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "no seeds checked in");
}
