//! Replays the fuzz targets' seeds and every crasher the fuzzers found (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) through the same harness and invariant checks, on stable Rust.

use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
mod harness;

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable fuzz folder").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_seeds_and_crashers_keep_their_invariants() {
    for target in harness::TARGETS {
        let seeds = inputs("seeds", target);
        assert!(!seeds.is_empty(), "fuzz target `{target}` has no seeds");
        for file in seeds.iter().chain(&inputs("regressions", target)) {
            let data = std::fs::read(file).expect("readable fuzz input");
            let outcome = std::panic::catch_unwind(|| harness::run(target, &data));
            assert!(
                outcome.is_ok(),
                "fuzz target `{target}` fails on {}",
                file.display()
            );
        }
    }
}
