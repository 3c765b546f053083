window.ALL_CRATES = ["ring_sys"];
//{"start":21,"fragment_lengths":[10]}