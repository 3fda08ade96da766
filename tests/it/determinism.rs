//! The output is byte-identical whatever the thread count and the memory budget.

use std::fmt::Write as _;
use std::fs;

use super::support::{default_pipeline_in, newspipe, transcript};

/// Thousands of varied documents built from the seeds: sentences shuffled by a fixed rule,
/// some duplicated, some with their numbers changed.
fn corpus() -> String {
    let seeds: Vec<String> = fs::read_dir(super::support::root().join("seeds"))
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let sentences: Vec<&str> = seeds.iter().flat_map(|s| s.split(". ")).collect();
    let mut out = String::new();
    for i in 0..3000usize {
        let text: Vec<&str> = (0..8)
            .map(|k| sentences[(i * 7 + k * 13 + i / 5) % sentences.len()])
            .collect();
        let text = text
            .join(". ")
            .replace("2025", &(1990 + i % 40).to_string());
        let doc = serde_json::json!({"id": format!("doc-{i:04}"), "text": text, "published": format!("2025-03-{:02}", 1 + i % 28)});
        writeln!(out, "{doc}").unwrap();
    }
    out
}

/// One thread with everything in memory against two threads with a 1 MB budget, which sends
/// the documents through temporary files between every pass.
#[test]
fn threads_and_memory_budget_leave_the_output_identical() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("corpus.jsonl"), corpus()).unwrap();
    let pipeline = default_pipeline_in(dir.path(), "corpus.jsonl");
    let mut outputs = Vec::new();
    for (threads, memory_mb) in [("1", "4096"), ("2", "1")] {
        let output = newspipe(
            dir.path(),
            &[
                "run",
                pipeline.to_str().unwrap(),
                "--threads",
                threads,
                "--memory-mb",
                memory_mb,
                "-q",
            ],
        );
        assert!(output.status.success(), "{}", transcript(&output));
        let mut files = vec![fs::read(dir.path().join("out/documents.jsonl")).unwrap()];
        let mut tables: Vec<_> = fs::read_dir(dir.path().join("out/tables"))
            .map(|entries| entries.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        // `runs` records when the run happened; every other table must match byte for byte.
        tables.retain(|path: &std::path::PathBuf| !path.ends_with("runs.csv"));
        tables.sort();
        files.extend(tables.iter().map(|path| fs::read(path).unwrap()));
        outputs.push(files);
    }
    assert_eq!(outputs[0][0].iter().filter(|&&b| b == b'\n').count(), 3000);
    assert!(
        outputs[0] == outputs[1],
        "thread count or memory budget changed the output"
    );
}
