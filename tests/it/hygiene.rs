//! Real folders and real mistakes (issue 15): stage order, file ids, what is read and what is
//! skipped, other languages, pipelines without export, interrupts, closed pipes, log noise and
//! messages a user can act on.

use std::fs;
use std::path::Path;

use super::support::{newspipe, read_jsonl, root, transcript};

const SEED: &str = "seeds/000_a3f51ef37fe564ec.txt";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn seed_text() -> String {
    fs::read_to_string(root().join(SEED)).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stats(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// A pipeline over `input` with `stages` (YAML list items) writing JSON Lines to `out/`.
fn pipeline(dir: &Path, input: &str, stages: &str) {
    write(
        dir,
        "p.yaml",
        &format!("input:\n  path: {input}\nstages:\n{stages}"),
    );
}

const ALL_STAGES: &str = "  - normalize: {}\n  - dedupe: {}\n  - extract: {}\n  - score-reliability: {}\n  - export:\n      jsonl: out/documents.jsonl\n";

#[test]
fn a_text_rewriting_stage_after_an_annotating_one_is_refused_with_an_order_that_works() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", &seed_text());
    pipeline(
        dir.path(),
        "in",
        "  - extract: {}\n  - normalize: {}\n  - export:\n      jsonl: out/documents.jsonl\n",
    );
    for command in ["validate", "run"] {
        let output = newspipe(dir.path(), &[command, "p.yaml"]);
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        let err = stderr(&output);
        assert!(
            err.contains("stage `normalize` rewrites `text` after `extract` annotated it")
                && err.contains("this order works: normalize → extract → export"),
            "{err}"
        );
    }
    assert!(!dir.path().join("out/documents.jsonl").exists());
}

#[test]
fn files_with_the_same_name_in_two_folders_keep_distinct_ids_and_drops_name_their_source() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "in/siteA/article.txt",
        "Canada will send troops, officials said.\n",
    );
    write(
        dir.path(),
        "in/siteB/article.txt",
        "Germany will not send troops, officials said.\n",
    );
    write(
        dir.path(),
        "in/feed.jsonl",
        "{\"id\": \"x\", \"text\": \"One report.\"}\n{\"id\": \"x\", \"text\": \"Another report.\"}\n",
    );
    pipeline(
        dir.path(),
        "in",
        "  - export:\n      jsonl: out/documents.jsonl\n",
    );
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let ids: Vec<String> = read_jsonl(&dir.path().join("out/documents.jsonl"))
        .iter()
        .map(|doc| doc["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["x", "siteA/article", "siteB/article"]);
    let dropped = read_jsonl(&dir.path().join("out/dropped.jsonl"));
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0]["id"], "x");
    assert!(
        dropped[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("feed.jsonl:2"),
        "{dropped:?}"
    );
}

#[test]
fn a_saved_page_folder_reads_only_articles_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/story.txt", &seed_text());
    write(
        dir.path(),
        "in/story_files/site.css",
        "body { color: red }\n",
    );
    write(dir.path(), "in/story_files/app.js", "var tracker = 1;\n");
    write(
        dir.path(),
        "in/story_files/config.json",
        "{\"ads\": true}\n",
    );
    write(
        dir.path(),
        "in/story_files/ad.html",
        "<!DOCTYPE html><html><head><script>var ad=1;</script></head><body><div id=\"ad\"></div></body></html>",
    );
    pipeline(dir.path(), "in", ALL_STAGES);
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let err = stderr(&output);
    assert!(err.contains("skipped 3 files"), "{err}");
    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["story", "story_files/ad"]);
    assert!(docs[0]["reliability"]["band"].is_string(), "{}", docs[0]);
    assert!(
        docs[1]["reliability"].is_null(),
        "an empty ad frame is not judged as an article: {}",
        docs[1]
    );
    assert_eq!(docs[1]["meta"]["skipped"][0]["stage"], "score-reliability");
    let stats = stats(&dir.path().join("out/stats.json"));
    assert_eq!(stats["skipped"]["not an article: a stylesheet"], 1);
    assert_eq!(stats["skipped"]["not an article: a script"], 1);
    assert_eq!(
        stats["skipped"]["not an article: JSON data (not JSON Lines)"],
        1
    );

    // Named on its own, a stylesheet is rejected with the reason instead of vanishing.
    pipeline(dir.path(), "in/story_files/site.css", ALL_STAGES);
    let named = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(named.status.success(), "{}", transcript(&named));
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not an article: a stylesheet"),
        "{rejects:?}"
    );
}

#[test]
fn files_whose_extension_says_nothing_are_judged_by_their_content() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/story.txt", &seed_text());
    write(
        dir.path(),
        "in/saved/site.txt",
        "/* theme */\nbody { margin: 0; color: #222; }\n.nav a:hover {\n  color: red;\n}\n",
    );
    write(
        dir.path(),
        "in/saved/tracker.txt",
        "(function () {\n  var queue = window.q || [];\n  queue.push({ event: 'view' });\n})();\n",
    );
    write(
        dir.path(),
        "in/saved/settings.txt",
        "{\n  \"ads\": true,\n  \"slots\": [1, 2]\n}\n",
    );
    fs::write(
        dir.path().join("in/saved/photo"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
    )
    .unwrap();
    pipeline(dir.path(), "in", ALL_STAGES);
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let err = stderr(&output);
    assert!(err.contains("skipped 4 files"), "{err}");
    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["story"]);
    assert!(read_jsonl(&dir.path().join("out/rejects.jsonl")).is_empty());
    let stats = stats(&dir.path().join("out/stats.json"));
    assert_eq!(stats["skipped"]["not an article: a stylesheet"], 1);
    assert_eq!(stats["skipped"]["not an article: a script"], 1);
    assert_eq!(
        stats["skipped"]["not an article: JSON data (not JSON Lines)"],
        1
    );
    assert_eq!(stats["skipped"]["not an article: binary content"], 1);

    // Named on its own, a stylesheet saved as `.txt` is rejected with the reason.
    pipeline(dir.path(), "in/saved/site.txt", ALL_STAGES);
    let named = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(named.status.success(), "{}", transcript(&named));
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(
        rejects[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not an article: a stylesheet (by its content)"),
        "{rejects:?}"
    );
}

#[test]
fn a_run_never_reads_its_own_outputs_or_its_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "work/000.txt", &seed_text());
    write(
        dir.path(),
        "work/001.txt",
        &fs::read_to_string(root().join("seeds/002_17018d9ce10ced11.txt")).unwrap(),
    );
    write(
        dir.path(),
        "work/p.yaml",
        "input:\n  path: .\nstages:\n  - normalize: {}\n  - extract: {}\n  - score-reliability: {}\n  - export:\n      jsonl: out/documents.jsonl\n      csv: out/tables/\n      html: out/report.html\n",
    );
    let work = dir.path().join("work");
    let first = newspipe(&work, &["run", "p.yaml"]);
    assert!(first.status.success(), "{}", transcript(&first));
    let before = fs::read_to_string(work.join("out/documents.jsonl")).unwrap();
    let second = newspipe(&work, &["run", "p.yaml"]);
    assert!(second.status.success(), "{}", transcript(&second));
    assert_eq!(stats(&work.join("out/stats.json"))["read"], 2);
    let after = fs::read_to_string(work.join("out/documents.jsonl")).unwrap();
    assert_eq!(before, after, "the second run read only the articles");
    assert!(
        stderr(&second).contains("an output or the pipeline file of this run"),
        "{}",
        transcript(&second)
    );
}

#[test]
fn english_only_stages_skip_other_languages_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "in/de.txt",
        "Berlin schickt weitere Hilfe in die Ukraine\n\nDie Bundesregierung hat am Montag beschlossen, weitere 100.000 Euro für humanitäre Hilfe bereitzustellen. Nach Schätzungen des Ministeriums sind mehr als sechs Millionen Menschen betroffen. Verteidigungsminister Boris Pistorius sagte, Deutschland werde seine Verpflichtungen erfüllen. Die Opposition kritisierte die Entscheidung als unzureichend und forderte mehr Unterstützung.\n",
    );
    pipeline(dir.path(), "in", ALL_STAGES);
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let doc = &docs[0];
    assert_eq!(doc["meta"]["language"], "deu");
    assert_eq!(doc["entities"], serde_json::json!([]), "{doc}");
    assert_eq!(doc["quantities"], serde_json::json!([]), "{doc}");
    assert!(doc["reliability"].is_null(), "{doc}");
    let skipped: Vec<&str> = doc["meta"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|skip| skip["stage"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["extract", "score-reliability"]);
    assert!(doc["meta"]["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("English only"));
    let stats = stats(&dir.path().join("out/stats.json"));
    let extract = stats["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stage| stage["name"] == "extract")
        .unwrap();
    assert_eq!(extract["skipped"], 1);
    assert!(
        stderr(&output).contains("extract 1"),
        "{}",
        transcript(&output)
    );
}

#[test]
fn a_pipeline_without_export_is_warned_about_and_says_nothing_was_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", &seed_text());
    pipeline(dir.path(), "in", "  - normalize: {}\n");
    let validate = newspipe(dir.path(), &["validate", "p.yaml"]);
    assert!(validate.status.success(), "{}", transcript(&validate));
    assert!(
        stderr(&validate).contains("warning: p.yaml: no stage writes the documents out"),
        "{}",
        transcript(&validate)
    );
    let run = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(run.status.success(), "{}", transcript(&run));
    let err = stderr(&run);
    assert!(
        err.contains("none written") && !err.contains("written 1"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_temporary_files_keeps_the_previous_outputs_and_exits_130() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let text = seed_text();
    // Enough documents that the run is still going when the signal comes (400 were done in
    // under half a second once the stages got faster, before the 300 ms below were up).
    for i in 0..2000 {
        write(
            dir.path(),
            &format!("in/d{i:04}.txt"),
            &format!("{text}\n\nUpdate {i}: officials said {i} more troops would follow.\n"),
        );
    }
    write(
        dir.path(),
        "p.yaml",
        &format!("input:\n  path: in\n  batch_size: 4\nstages:\n{ALL_STAGES}"),
    );
    write(dir.path(), "out/documents.jsonl", "previous\n");
    // A temporary file of a run killed with SIGKILL: its process is gone.
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let stale = dir
        .path()
        .join(format!("out/.newspipe-{}-x1Y2z3.tmp", gone.id()));
    write(
        dir.path(),
        &format!("out/.newspipe-{}-x1Y2z3.tmp", gone.id()),
        "half",
    );
    // One of a run still going (this test process) is left alone.
    let live = dir
        .path()
        .join(format!("out/.newspipe-{}-a1B2c3.tmp", std::process::id()));
    fs::write(&live, "busy").unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(["run", "p.yaml"])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let temp_files = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(&format!(".newspipe-{}-", child.id())))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while temp_files(&dir.path().join("out")).is_empty() {
        assert!(Instant::now() < deadline, "the run never started writing");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", transcript(&output));
    assert!(
        stderr(&output).contains("the previous outputs are untouched"),
        "{}",
        transcript(&output)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("out/documents.jsonl")).unwrap(),
        "previous\n"
    );
    let mut left: Vec<String> = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [live.file_name().unwrap().to_string_lossy().into_owned()],
        "the run's own temporary files and the dead run's are gone (stale: {})",
        stale.display()
    );
}

#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    use std::process::{Command, Stdio};
    // The reader is gone before anything is written, as after `| head -1` has its line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .arg("stages")
        .current_dir(root())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(output.stderr.is_empty(), "{}", transcript(&output));
}

#[test]
fn html_parser_notes_stay_out_of_the_default_log() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "in/page.html",
        "<html><body><table>stray text<tr><td>cell</td></tr></table><p>One <p>two</p><article><p>Canada will send troops, officials said on Monday.</p></article></body></html>",
    );
    pipeline(dir.path(), "in", ALL_STAGES);
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let err = stderr(&output);
    assert!(!err.contains("WARN"), "{err}");
}

#[test]
fn validate_messages_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", "text\n");
    write(dir.path(), "article.txt", &seed_text());
    let article = newspipe(dir.path(), &["validate", "article.txt"]);
    assert_eq!(article.status.code(), Some(2));
    let err = stderr(&article);
    assert!(err.contains("this is not a pipeline file"), "{err}");
    assert!(
        !err.contains("Western military commanders"),
        "the article is not printed back: {err}"
    );

    write(
        dir.path(),
        "bad.yaml",
        "input:\n  path: in\n  batch_size: lots\nstages:\n  - dedupe:\n    preset: clean\n  - export:\n      jsonl: out/documents.jsonl\ntests:\n  - name: t\n    input: in\n    expect:\n      contains:\n        - { field: meta.tittle, value: x }\n",
    );
    let bad = newspipe(dir.path(), &["validate", "bad.yaml"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr(&bad);
    assert!(
        err.contains("expected a whole number (0 or more), found string \"lots\""),
        "{err}"
    );
    assert!(
        err.contains("indent `preset` two spaces further in than `dedupe`"),
        "{err}"
    );
    assert!(
        err.contains("a document has no field `meta.tittle`")
            && err.contains("did you mean `meta.title`?"),
        "{err}"
    );

    write(dir.path(), "out", "a file where the output folder goes");
    pipeline(
        dir.path(),
        "in",
        "  - export:\n      jsonl: out/documents.jsonl\n",
    );
    let blocked = newspipe(dir.path(), &["validate", "p.yaml"]);
    assert_eq!(blocked.status.code(), Some(2), "{}", transcript(&blocked));
    assert!(
        stderr(&blocked).contains("`out` is a file, not a folder"),
        "{}",
        transcript(&blocked)
    );
    write(
        dir.path(),
        "side.yaml",
        "rejects: out/rejects.jsonl
input:
  path: in
stages:
  - export:
      jsonl: docs/documents.jsonl
",
    );
    let side = newspipe(dir.path(), &["run", "side.yaml"]);
    assert_eq!(side.status.code(), Some(2), "{}", transcript(&side));
    assert!(
        stderr(&side).contains("key `rejects`") && stderr(&side).contains("`out` is a file"),
        "{}",
        transcript(&side)
    );
}

#[test]
fn an_invalid_json_line_is_rejected_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "in/feed.jsonl",
        "{\"id\": \"a\", \"text\": \"Fine.\"}\n{\"id\": \"b\", \"text\": nope}\n",
    );
    pipeline(
        dir.path(),
        "in",
        "  - export:\n      jsonl: out/documents.jsonl\n",
    );
    let output = newspipe(dir.path(), &["run", "p.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    let reason = rejects[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("invalid JSON on line 2 of ") && reason.contains("feed.jsonl"),
        "{reason}"
    );
    assert!(reason.contains("column"), "{reason}");
}

#[test]
fn a_failed_expectation_alone_shows_no_snapshot_footer() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in/a.txt", &seed_text());
    write(
        dir.path(),
        "p.yaml",
        "input:\n  path: in\nstages:\n  - normalize: {}\ntests:\n  - name: t\n    input: in\n    expect:\n      count: 2\n",
    );
    let output = newspipe(dir.path(), &["test", "p.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("expected 2 documents, got 1"), "{stdout}");
    assert!(!stdout.contains("review new snapshots"), "{stdout}");
}
