//! Hostile or broken pipeline files: each gets a clear error from both `validate` and `run`,
//! quickly and in bounded memory, never a hang or a stack overflow.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::support::{newspipe_bounded, transcript};

/// A bound far above the few milliseconds these take: it only tells a hang from a slow machine.
const HANG: Duration = Duration::from_secs(20);

/// Address space allowed to the child: a file that were loaded or expanded in full would need
/// far more.
const MEMORY_MIB: u64 = 1024;

/// The tail of a valid pipeline, so the only problem in each file is the one under test.
const VALID_TAIL: &str = "input:\n  path: in\nstages:\n  - export: {jsonl: out/documents.jsonl}\n";

/// Runs `validate` and `run` on `file` in `dir`; both must fail with exit code 2 and say
/// `expected`, and `run` must write nothing.
fn assert_refused(dir: &Path, file: &str, expected: &[&str]) -> String {
    let mut stderr = String::new();
    for command in ["validate", "run"] {
        let output = newspipe_bounded(dir, &[command, file], HANG, Some(MEMORY_MIB));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command} {file}: {}",
            transcript(&output)
        );
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        for needle in expected {
            assert!(
                text.contains(needle),
                "{command} {file}: no `{needle}` in\n{text}"
            );
        }
        assert!(!dir.join("out").exists(), "{command} {file} wrote output");
        stderr = text;
    }
    stderr
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("in")).unwrap();
    fs::write(
        dir.path().join("in/a.txt"),
        "Ottawa said on Monday it is ready.",
    )
    .unwrap();
    dir
}

#[test]
fn an_alias_bomb_is_refused() {
    let dir = setup();
    // Nine levels of nine aliases each: 9^9 (387 million) strings once expanded.
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for pair in names.windows(2) {
        let items = vec![format!("*{}", pair[0]); 9].join(", ");
        text.push_str(&format!("{0}: &{0} [{items}]\n", pair[1]));
    }
    fs::write(dir.path().join("bomb.yaml"), format!("{text}{VALID_TAIL}")).unwrap();
    let stderr = assert_refused(
        dir.path(),
        "bomb.yaml",
        &["with its aliases expanded", "bomb.yaml:7", "help: an alias"],
    );
    println!("{stderr}");
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused_in_flow_and_block_style() {
    let dir = setup();
    let flow = format!(
        "{VALID_TAIL}tests: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    fs::write(dir.path().join("flow.yaml"), flow).unwrap();
    let block = format!("{VALID_TAIL}tests:\n{}x\n", "- ".repeat(10_000));
    fs::write(dir.path().join("block.yaml"), block).unwrap();
    let maps = format!(
        "{VALID_TAIL}tests: {}1{}\n",
        "{a: ".repeat(10_000),
        "}".repeat(10_000)
    );
    fs::write(dir.path().join("maps.yaml"), maps).unwrap();
    for (file, line) in [("flow.yaml", 5), ("block.yaml", 6), ("maps.yaml", 5)] {
        let stderr = assert_refused(
            dir.path(),
            file,
            &["nests more than 64 levels", &format!("{file}:{line}:")],
        );
        assert!(
            stderr.contains("the line is too long to show"),
            "a 20,000-character line is not echoed: {stderr}"
        );
    }
}

#[test]
fn a_50_mb_pipeline_file_is_refused_without_reading_it_all() {
    let dir = setup();
    let mut file = fs::File::create(dir.path().join("big.yaml")).unwrap();
    file.write_all(VALID_TAIL.as_bytes()).unwrap();
    let line = "  - export: {jsonl: out/documents.jsonl}\n".repeat(1024);
    for _ in 0..(50 << 20) / line.len() {
        file.write_all(line.as_bytes()).unwrap();
    }
    drop(file);
    assert_refused(
        dir.path(),
        "big.yaml",
        &["larger than 1024 KiB, the limit for a pipeline file"],
    );
}

#[test]
fn wrong_types_everywhere_are_each_reported_at_their_key() {
    let dir = setup();
    fs::write(
        dir.path().join("types.yaml"),
        "name: [1]\non_error: 3\ninput:\n  path: {x: 1}\n  format: 7\n  batch_size: many\n  max_document_bytes: -1\nstages: export\ntests: 5\n",
    )
    .unwrap();
    let stderr = assert_refused(
        dir.path(),
        "types.yaml",
        &[
            "types.yaml:1:1",
            "key `name`",
            "key `on_error`",
            "key `input.path`",
            "key `stages`",
            "key `tests`",
        ],
    );
    assert!(stderr.contains("problems in types.yaml"), "{stderr}");
}

#[test]
fn a_tab_used_for_indentation_is_named_at_its_line() {
    let dir = setup();
    fs::write(
        dir.path().join("tabs.yaml"),
        "input:\n\tpath: in\nstages:\n  - export: {jsonl: out/documents.jsonl}\n",
    )
    .unwrap();
    assert_refused(
        dir.path(),
        "tabs.yaml",
        &[
            "tabs.yaml:2:1",
            "not valid YAML",
            "this line starts with a tab",
        ],
    );
}

#[test]
fn an_empty_file_and_a_file_of_nothing_but_comments_are_named() {
    let dir = setup();
    fs::write(dir.path().join("empty.yaml"), "").unwrap();
    fs::write(dir.path().join("comments.yaml"), "# nothing yet\n\n").unwrap();
    for file in ["empty.yaml", "comments.yaml"] {
        assert_refused(dir.path(), file, &["the pipeline file is empty"]);
    }
}

#[test]
fn a_pipeline_that_is_not_utf8_or_is_a_folder_is_named() {
    let dir = setup();
    fs::write(dir.path().join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    assert_refused(dir.path(), "latin1.yaml", &["not UTF-8 text"]);
    fs::create_dir(dir.path().join("folder.yaml")).unwrap();
    assert_refused(dir.path(), "folder.yaml", &["cannot read pipeline file"]);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = setup();
    fs::write(dir.path().join("bom.yaml"), format!("\u{feff}{VALID_TAIL}")).unwrap();
    let output = newspipe_bounded(dir.path(), &["run", "bom.yaml", "-q"], HANG, None);
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(dir.path().join("out/documents.jsonl").is_file());
}
