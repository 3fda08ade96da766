//! `newspipe validate` and `newspipe stages`.

use std::fs;

use super::support::{newspipe, root, transcript};

#[test]
fn validate_reports_every_problem_with_lines_and_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("seeds")).unwrap();
    fs::write(
        dir.path().join("bad.yaml"),
        "name: news\ninput:\n  pathh: seeds\n  format: auto\nstages:\n  - exprot:\n      jsonl: out/documents.jsonl\n",
    )
    .unwrap();
    let output = newspipe(dir.path(), &["validate", "bad.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn validate_accepts_the_default_pipeline() {
    let output = newspipe(&root(), &["validate", "pipelines/news.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
}

#[test]
fn a_missing_pipeline_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = newspipe(dir.path(), &["run", "nope.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read pipeline file") && stderr.contains("nope.yaml"),
        "{stderr}"
    );
}

#[test]
fn every_key_of_every_built_in_stage_says_what_it_does() {
    let registry = newspipe::registry();
    let mut undocumented = Vec::new();
    for factory in registry.iter() {
        let keys = factory.config_keys();
        let missing: Vec<String> = keys
            .iter()
            .filter(|key| {
                key.description
                    .as_deref()
                    .is_none_or(|text| text.trim().is_empty())
            })
            .map(|key| format!("{}.{}", factory.name(), key.name))
            .collect();
        undocumented.extend(missing);
    }
    assert!(
        undocumented.is_empty(),
        "config keys without a doc comment (add `/// …` on the field and \
         `.describing_keys::<Config>()` on the factory): {undocumented:?}"
    );

    // The binary prints each description, indented, under its key.
    let output = newspipe(&root(), &["stages"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "    max_edit_distance: 2\n        Largest edit distance between two spellings of one surname"
        ),
        "{stdout}"
    );
}

#[test]
fn stages_lists_keys_and_defaults() {
    let output = newspipe(&root(), &["stages"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("export\n") && stdout.contains("    jsonl: null"),
        "{stdout}"
    );
}
