//! Every fuzz target's body over the seeds checked in under `fuzz/seeds/`
//! and a few hundred generated inputs, as a plain test: the smoke run of
//! the fuzz targets in `scripts/test.sh`, without libFuzzer's build. The
//! completion-stream and SQE-builder targets have their own test files
//! (`completion_stream.rs`, `sqe_builders.rs`); the driver-scenario
//! target's body is the property test's (`prop_driver.rs`), over its seeds
//! here too.
#![cfg(not(ring_loom))]

use verification::fuzz_bodies::{ring_layout, sim_ring};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds").join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

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

/// Writes a target's generated seeds when `FUZZ_WRITE_SEEDS` is set.
fn write_seeds(target: &str, n: u64, len: usize) {
    if std::env::var_os("FUZZ_WRITE_SEEDS").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    for s in 0..n {
        std::fs::write(dir.join(format!("seed-{s}")), bytes(s + 0x5eed, len)).unwrap();
    }
}

#[test]
fn sim_ring_over_seeds_and_generated_inputs() {
    write_seeds("sim_ring", 4, 300);
    for data in seeds("sim_ring") {
        sim_ring(&data);
    }
    for s in 0..100 {
        sim_ring(&bytes(s, 40 + s as usize * 5));
    }
}

#[test]
fn ring_layout_over_seeds_and_generated_inputs() {
    write_seeds("ring_layout", 4, 130);
    for data in seeds("ring_layout") {
        ring_layout(&data);
    }
    for s in 0..2000 {
        ring_layout(&bytes(s, 120 + s as usize % 16));
    }
}

#[test]
fn driver_scenario_over_seeds() {
    write_seeds("driver_scenario", 4, 200);
    for data in seeds("driver_scenario") {
        let (seed, entries, mode, actions) = verification::scenario::decode_with_mode(&data);
        verification::scenario::run_in(seed, entries, mode, actions);
    }
}
