//! `newspipe test`: the default pipeline's own tests pass, and a changed input is caught with
//! the document, stage and field named, then accepted.

use std::fs;
use std::path::Path;

use super::support::{newspipe, root, transcript};

#[test]
fn the_default_pipeline_tests_pass_from_a_clean_checkout() {
    let output = newspipe(&root(), &["test", "pipelines/news.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(":: seeds ... ok"), "{stdout}");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if path.is_file() && !name.to_string_lossy().ends_with(".snap.new") {
            fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

#[test]
fn an_edited_seed_fails_with_a_diff_then_accept_makes_it_pass() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("seeds"), &dir.path().join("seeds"));
    copy_dir(&root().join("pipelines"), &dir.path().join("pipelines"));
    copy_dir(
        &root().join("pipelines/snapshots"),
        &dir.path().join("pipelines/snapshots"),
    );
    let seed = dir.path().join("seeds/002_17018d9ce10ced11.txt");
    let text = fs::read_to_string(&seed).unwrap();
    fs::write(&seed, text.replace("Blair", "Blaire")).unwrap();

    let failed = newspipe(dir.path(), &["test", "pipelines/news.yaml"]);
    assert_eq!(failed.status.code(), Some(1), "{}", transcript(&failed));
    let report = String::from_utf8_lossy(&failed.stdout);
    assert!(report.contains(":: seeds ... FAILED"), "{report}");
    assert!(
        report.contains("document 002_17018d9ce10ced11, field `"),
        "{report}"
    );
    assert!(
        report.contains("+") && report.contains("Blaire"),
        "{report}"
    );
    assert!(
        !report.contains("document 003_c6cc531a71872b5f"),
        "only the edited document changes: {report}"
    );
    assert!(
        report.contains("accept them all with `newspipe test pipelines/news.yaml --accept`"),
        "the hint names the pipeline: {report}"
    );
    let pending: Vec<_> = fs::read_dir(dir.path().join("pipelines/snapshots"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".snap.new"))
        .collect();
    assert!(
        !pending.is_empty(),
        "the new output waits as .snap.new for review"
    );

    let accepted = newspipe(dir.path(), &["test", "pipelines/news.yaml", "--accept"]);
    assert!(accepted.status.success(), "{}", transcript(&accepted));
    let again = newspipe(dir.path(), &["test", "pipelines/news.yaml"]);
    assert!(again.status.success(), "{}", transcript(&again));
    let leftovers = fs::read_dir(dir.path().join("pipelines/snapshots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".snap.new")
        })
        .count();
    assert_eq!(leftovers, 0);
}
