//! Ring indices wrapping past `u32::MAX`, under every layout, and the
//! ring words where Linux puts them (bug class 2.2).

use super::*;

fn wrap_case(cfg: SimConfig, builder: Builder) {
    let start = u32::MAX - 3;
    let sim = SimKernel::new(SimConfig { start_index: start, ..cfg });
    let mut ring = builder.build_on(sim.clone()).expect("setup on the simulator");
    assert_eq!(ring.sq().local_tail(), start, "the queue starts at the kernel's tail");
    assert_eq!(ring.cq().head(), start);
    run_nops(&sim, &mut ring, 0, LONG, 1);
    // Both rings wrapped past u32::MAX.
    assert!(ring.sq().local_tail() < start && ring.cq().head() < start);
    assert_eq!(ring.sq().local_tail(), start.wrapping_add(LONG as u32));
    assert_eq!(ring.cq().head(), start.wrapping_add(LONG as u32));
    assert_clean(&sim);
}

#[test]
fn wraps_past_u32_max_without_sq_array() {
    let sim_cfg = SimConfig::default();
    wrap_case(sim_cfg, Builder::new(8));
}

#[test]
fn wraps_past_u32_max_with_sq_array() {
    wrap_case(SimConfig::default(), Builder::new(8).no_sqarray(false));
}

#[test]
fn wraps_past_u32_max_with_separate_mappings() {
    // Without IORING_FEAT_SINGLE_MMAP the SQ and CQ rings are mapped
    // separately, and NO_SQARRAY is refused (as a pre-6.6 kernel does), so
    // the builder falls back to the index array.
    let cfg = SimConfig { features: SIM_FEATURES & !IORING_FEAT_SINGLE_MMAP, ..SimConfig::default() };
    wrap_case(cfg, Builder::new(4));
}

#[test]
fn wraps_past_u32_max_with_the_5x_word_layout() {
    // Each head and tail on its own cache line, as Linux 5.x lays them out:
    // ring-core must take every offset from the parameters.
    let cfg = SimConfig { layout: WordLayout::CacheLines, ..SimConfig::default() };
    wrap_case(cfg, Builder::new(8).no_sqarray(false));
}

#[test]
fn wraps_past_u32_max_with_cqe32() {
    wrap_case(SimConfig::default(), Builder::new(2).cqe32());
}

#[test]
fn ring_words_sit_where_linux_puts_them() {
    // The offsets Linux 6.18 reports (docs/rings.md, the `tour` example).
    let sim = SimKernel::default();
    let ring = Builder::new(64).build_on(sim.clone()).unwrap();
    let p = ring.params();
    let sq =
        (p.sq_off.head, p.sq_off.tail, p.sq_off.ring_mask, p.sq_off.ring_entries, p.sq_off.flags, p.sq_off.dropped);
    let cq = (
        p.cq_off.head,
        p.cq_off.tail,
        p.cq_off.ring_mask,
        p.cq_off.ring_entries,
        p.cq_off.overflow,
        p.cq_off.cqes,
        p.cq_off.flags,
    );
    assert_eq!(sq, (0, 4, 16, 24, 36, 32));
    assert_eq!(cq, (8, 12, 20, 28, 44, 64, 40));
    assert_eq!((p.sq_entries, p.cq_entries, p.sq_off.array), (64, 128, 0));
    assert!(ring.setup_flags() & IORING_SETUP_NO_SQARRAY != 0);
}
