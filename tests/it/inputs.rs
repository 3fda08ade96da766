//! Reading inputs: formats, decoding, rejects, and nothing lost.

use std::fs;

use super::support::{default_pipeline_in, newspipe, read_jsonl, root, transcript};

#[test]
fn the_default_pipeline_processes_the_five_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = default_pipeline_in(dir.path(), &root().join("seeds").display().to_string());
    let output = newspipe(dir.path(), &["run", pipeline.to_str().unwrap()]);
    assert!(output.status.success(), "{}", transcript(&output));
    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "000_a3f51ef37fe564ec",
            "001_ba8cfe2f9047f230",
            "002_17018d9ce10ced11",
            "003_c6cc531a71872b5f",
            "004_f66a77ac3ae11a33"
        ]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("read 5, written 5, rejected 0"), "{stderr}");
    assert_eq!(read_jsonl(&dir.path().join("out/rejects.jsonl")).len(), 0);
}

/// A folder with a JSONL file, an empty file, a binary file, a latin-1 text and a normal text.
#[test]
fn a_mixed_folder_yields_documents_and_named_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(
        input.join("batch.jsonl"),
        "{\"id\": \"wire-1\", \"text\": \"First story.\", \"outlet\": \"AP\"}\n\n{\"id\": \"wire-2\", \"html\": \"<p>Second</p>\", \"lang\": \"en\"}\n",
    )
    .unwrap();
    fs::write(input.join("empty.txt"), "").unwrap();
    fs::write(
        // Binary content under an extension that says nothing: skipped by its content, as a
        // `.png` is by its extension.
        input.join("image.dat"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
    )
    .unwrap();
    fs::write(
        input.join("latin1.txt"),
        b"Le minist\xe8re de la D\xe9fense a confirm\xe9 l'envoi de troupes \xe0 Kyiv.\n",
    )
    .unwrap();
    fs::write(
        input.join("plain.txt"),
        "Ottawa said on Monday it is ready.\n",
    )
    .unwrap();
    default_pipeline_in(dir.path(), "in");
    let output = newspipe(dir.path(), &["run", "pipeline.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));

    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["wire-1", "wire-2", "latin1", "plain"]);
    assert_eq!(docs[0]["meta"]["outlet"], "AP");
    assert_eq!(docs[1]["source"]["format"], "html");
    assert_eq!(docs[1]["extra"]["lang"], "en");
    let latin1 = docs[2]["text"].as_str().unwrap();
    assert!(latin1.contains("ministère de la Défense"), "{latin1}");

    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    let summary: Vec<String> = rejects
        .iter()
        .map(|r| {
            format!(
                "{} | {} | {} | {}",
                r["id"], r["source"], r["stage"], r["reason"]
            )
        })
        .collect();
    insta::assert_snapshot!(summary.join("\n"), @r#"
    "empty" | "in/empty.txt" | "read" | "empty document"
    "#);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("read 5, written 4, rejected 1, dropped 0"),
        "{stderr}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/stats.json")).unwrap())
            .unwrap();
    assert_eq!(
        (
            stats["read"].as_u64(),
            stats["written"].as_u64(),
            stats["rejected"].as_u64()
        ),
        (Some(5), Some(4), Some(1))
    );
    assert_eq!(stats["skipped"]["not an article: binary content"], 1);
}

#[test]
fn on_error_fail_stops_the_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::write(input.join("a.txt"), "A story.").unwrap();
    fs::write(input.join("b.txt"), "").unwrap();
    let pipeline = default_pipeline_in(dir.path(), "in");
    let text = fs::read_to_string(&pipeline).unwrap();
    fs::write(&pipeline, format!("on_error: fail\n{text}")).unwrap();
    let output = newspipe(dir.path(), &["run", "pipeline.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr), @r"
    error: stage `read` failed on document `b`: empty document (the pipeline says `on_error: fail`)
    no output was written
    ");
    assert!(!dir.path().join("out").join("documents.jsonl").exists());
}

#[test]
fn an_unwritable_output_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("blocker"),
        "a file where a folder should be",
    )
    .unwrap();
    fs::write(
        dir.path().join("pipeline.yaml"),
        format!(
            "input:\n  path: {}\nstages:\n  - export:\n      jsonl: blocker/documents.jsonl\n",
            root().join("seeds").display()
        ),
    )
    .unwrap();
    let output = newspipe(dir.path(), &["run", "pipeline.yaml"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`blocker` is a file, not a folder"),
        "{stderr}"
    );
}
