//! Plugins through the real binary: the reference plugin in a pipeline, `plugins inspect`, and
//! every failure the host must catch (before any work, or per chunk during the run).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::support::{newspipe, read_jsonl, root, transcript};

/// The plugin and fixture crates the tests load.
const PLUGIN_CRATES: [&str; 5] = [
    "outlet-ownership",
    "passthrough",
    "fixture-panics",
    "fixture-raw",
    "fixture-abi99",
];

/// The library built from `crate_name`, building every plugin crate once per test binary (in
/// release mode when the tests run in release mode, for the measuring test).
pub(super) fn library(crate_name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        // The test binary lives in `<target>/<profile>/deps/`: build the plugins in the same
        // target folder (cargo has released its lock by the time tests run).
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().to_owned();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .arg("build")
            .current_dir(root())
            .env("CARGO_TARGET_DIR", &target);
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            cargo.arg("--release");
            "release"
        };
        for name in PLUGIN_CRATES {
            cargo.args(["-p", name]);
        }
        let output = cargo.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "building the plugins failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        target.join(profile)
    });
    dir.join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        crate_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ))
}

/// Writes `docs` as a JSON Lines input and a pipeline running `stage` on it into `dir`.
fn pipeline(dir: &Path, docs: &[Value], stage: Value, on_error: &str) -> PathBuf {
    let input: String = docs.iter().map(|doc| format!("{doc}\n")).collect();
    fs::write(dir.join("input.jsonl"), input).unwrap();
    let stage = serde_json::to_string(&stage).unwrap();
    let path = dir.join("pipeline.yaml");
    fs::write(
        &path,
        format!(
            "name: plugins\non_error: {on_error}\ninput:\n  path: input.jsonl\nstages:\n  - plugin: {stage}\n  - export:\n      jsonl: out/documents.jsonl\n"
        ),
    )
    .unwrap();
    path
}

/// `n` documents `d00`, `d01`, ... with some text.
fn numbered(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"id": format!("d{i:02}"), "text": format!("Report number {i}.")}))
        .collect()
}

/// Runs `pipeline.yaml` in `dir`.
fn run(dir: &Path, threads: &str) -> std::process::Output {
    newspipe(dir, &["run", "pipeline.yaml", "-q", "--threads", threads])
}

/// A transcript with the library paths replaced, for snapshots.
fn redacted(output: &std::process::Output) -> String {
    let dir = library("passthrough")
        .parent()
        .unwrap()
        .display()
        .to_string();
    transcript(output).replace(&dir, "[PLUGINS]")
}

fn ids(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|doc| doc["id"].as_str().unwrap()).collect()
}

fn ownership_stage(unmatched: &str) -> Value {
    json!({
        "library": library("outlet-ownership"),
        "stage": "ownership",
        "config": {
            "unmatched": unmatched,
            "outlets": [
                {"name": "Reuters", "domains": ["reuters.com"], "owner": "Thomson Reuters", "kind": "private"},
                {"name": "RT", "aliases": ["Russia Today"], "domains": ["rt.com"],
                 "owner": "ANO TV-Novosti", "kind": "state", "country": "RU"},
            ]
        }
    })
}

/// 40 documents (three chunks), a third from each listed outlet and a third from elsewhere.
fn outlet_docs() -> Vec<Value> {
    (0..40)
        .map(|i| match i % 3 {
            0 => json!({"id": format!("d{i:02}"), "text": "Wire copy.", "url": format!("https://www.reuters.com/world/{i}"), "topic": "energy"}),
            1 => json!({"id": format!("d{i:02}"), "text": "Broadcast.", "outlet": "russia  today", "topic": "energy"}),
            _ => json!({"id": format!("d{i:02}"), "text": "Blog post.", "url": format!("https://blog.example/{i}"), "topic": "energy"}),
        })
        .collect()
}

#[test]
fn the_reference_plugin_tags_documents_the_same_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        &outlet_docs(),
        ownership_stage("keep"),
        "continue",
    );
    let output = run(dir.path(), "1");
    assert!(output.status.success(), "{}", transcript(&output));
    let one_thread = fs::read(dir.path().join("out/documents.jsonl")).unwrap();
    let docs = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(docs.len(), 40);
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["id"], format!("d{i:02}"));
        assert_eq!(
            doc["extra"]["topic"], "energy",
            "input fields survive: {doc}"
        );
        let ownership = &doc["extra"]["ownership"];
        match i % 3 {
            0 => {
                assert_eq!(ownership["owner"], "Thomson Reuters", "{doc}");
                assert_eq!(ownership["matched_by"], "url");
                assert_eq!(doc["meta"]["outlet"], "Reuters");
            }
            1 => {
                assert_eq!(ownership["owner"], "ANO TV-Novosti", "{doc}");
                assert_eq!(ownership["country"], "RU");
                assert_eq!(ownership["matched_by"], "outlet");
            }
            _ => assert!(ownership.is_null(), "{doc}"),
        }
    }
    let output = run(dir.path(), "3");
    assert!(output.status.success(), "{}", transcript(&output));
    assert_eq!(
        fs::read(dir.path().join("out/documents.jsonl")).unwrap(),
        one_thread
    );
}

#[test]
fn a_pass_through_plugin_changes_nothing_in_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let docs = [
        json!({"id": "a", "html": "<html><title>T</title><p>Body é “quoted”</p></html>",
               "url": "https://x.example/a", "published": "2025-03-06", "topic": ["a", "b"]}),
        json!({"id": "b", "text": "Plain text\nwith lines.", "outlet": "Reuters"}),
    ];
    let input: String = docs.iter().map(|doc| format!("{doc}\n")).collect();
    fs::write(dir.path().join("input.jsonl"), input).unwrap();
    let library = serde_json::to_string(&library("passthrough")).unwrap();
    for (name, plugin) in [
        ("without", String::new()),
        (
            "with",
            format!("  - plugin: {{library: {library}, stage: pass}}\n"),
        ),
    ] {
        fs::write(
            dir.path().join(format!("{name}.yaml")),
            format!("input:\n  path: input.jsonl\nstages:\n{plugin}  - export:\n      jsonl: {name}/documents.jsonl\n      include_raw: true\n"),
        )
        .unwrap();
        let output = newspipe(dir.path(), &["run", &format!("{name}.yaml"), "-q"]);
        assert!(output.status.success(), "{}", transcript(&output));
    }
    let without = fs::read_to_string(dir.path().join("without/documents.jsonl")).unwrap();
    let with = fs::read_to_string(dir.path().join("with/documents.jsonl")).unwrap();
    assert!(without.contains(r#""raw":"<html>"#), "{without}");
    assert_eq!(with, without);
}

#[test]
fn plugin_logs_reach_the_host_log() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        &outlet_docs(),
        ownership_stage("keep"),
        "continue",
    );
    let output = newspipe(dir.path(), &["run", "pipeline.yaml", "-q", "-vv"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Ownership list ready. outlets=2 names=3 domains=2")
            && stderr.contains("plugin=outlet_ownership"),
        "{stderr}"
    );
    assert!(stderr.contains("Plugin instance finished."), "{stderr}");
    let quiet = run(dir.path(), "1");
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("Ownership list ready"),
        "debug events stay hidden by default"
    );
}

#[test]
fn documents_a_plugin_drops_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        &outlet_docs(),
        ownership_stage("drop"),
        "continue",
    );
    let output = run(dir.path(), "2");
    assert!(output.status.success(), "{}", transcript(&output));
    let kept = read_jsonl(&dir.path().join("out/documents.jsonl"));
    let dropped = read_jsonl(&dir.path().join("out/dropped.jsonl"));
    assert_eq!(kept.len() + dropped.len(), 40);
    assert_eq!(dropped.len(), 13);
    for record in &dropped {
        let i: usize = record["id"].as_str().unwrap()[1..].parse().unwrap();
        assert_eq!(i % 3, 2, "{record}");
        assert_eq!(record["stage"], "plugin:outlet-ownership/ownership");
        assert_eq!(record["reason"], "outlet not in the ownership list");
    }
}

#[test]
fn inspect_prints_the_manifest() {
    let library = library("outlet-ownership");
    let output = newspipe(&root(), &["plugins", "inspect", library.to_str().unwrap()]);
    assert!(output.status.success(), "{}", transcript(&output));
    insta::with_settings!({filters => vec![
        (r"rustc \d+\.\d+\.\d+[^,]*", "rustc [VERSION]"),
        (r"for [\w.-]+\n", "for [TARGET]\n"),
        (r"newspipe-plugin-sdk \d+\.\d+\.\d+", "newspipe-plugin-sdk [VERSION]"),
        (r"outlet-ownership \d+\.\d+\.\d+", "outlet-ownership [VERSION]"),
    ]}, {
        insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
    });
    let output = newspipe(
        &root(),
        &["plugins", "inspect", "--json", library.to_str().unwrap()],
    );
    let manifest: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest["abi"], 1);
    assert_eq!(manifest["panic_unwind"], true);
    assert_eq!(
        manifest["stages"][0]["writes"],
        json!(["meta.outlet", "extra.ownership"])
    );
    assert_eq!(
        manifest["stages"][0]["config_schema"]["properties"]["unmatched"]["default"],
        "keep"
    );
}

#[test]
fn inspect_into_a_closed_pipe_is_a_quiet_exit() {
    let library = library("outlet-ownership");
    // The reader is gone before anything is written, as after `| head -1` has its line.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(["plugins", "inspect", "--json", library.to_str().unwrap()])
        .current_dir(root())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(output.stderr.is_empty(), "{}", transcript(&output));
}

/// A library that is not a plugin: the C library, or else a file that is not a library at all.
fn not_a_plugin(dir: &Path) -> (PathBuf, &'static str) {
    let candidates = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6",
        "/usr/lib/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib/libSystem.B.dylib",
    ];
    match candidates.iter().map(PathBuf::from).find(|p| p.is_file()) {
        Some(libc) => (libc, "libc"),
        None => {
            println!("no libc found at a known path; using a text file as the non-plugin");
            let path = dir.join("libnotes.so");
            fs::write(&path, "not a library").unwrap();
            (path, "text file")
        }
    }
}

#[test]
fn a_plugin_that_cannot_start_stops_the_run_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (not_plugin, not_plugin_kind) = not_a_plugin(dir.path());
    let cases = [
        (
            "missing file",
            json!({"library": "plugins/libmissing.so", "stage": "ownership"}),
        ),
        (
            "not a plugin",
            json!({"library": not_plugin, "stage": "ownership"}),
        ),
        (
            "ABI version mismatch",
            json!({"library": library("fixture-abi99"), "stage": "ownership"}),
        ),
        (
            "unknown stage",
            json!({"library": library("outlet-ownership"), "stage": "owner"}),
        ),
        (
            "bad config",
            json!({"library": library("outlet-ownership"), "stage": "ownership",
                   "config": {"outlets": [], "unmached": "drop"}}),
        ),
        (
            "config the plugin refuses",
            json!({"library": library("outlet-ownership"), "stage": "ownership"}),
        ),
    ];
    let mut report = String::new();
    for (name, stage) in cases {
        // Both `on_error` settings stop such a run the same way.
        pipeline(dir.path(), &numbered(3), stage.clone(), "fail");
        let with_fail = run(dir.path(), "2");
        pipeline(dir.path(), &numbered(3), stage, "continue");
        let output = run(dir.path(), "2");
        assert_eq!(
            (output.status.code(), &output.stderr),
            (with_fail.status.code(), &with_fail.stderr),
            "{name}: `on_error: fail` and `continue` differ"
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            transcript(&output)
        );
        assert!(
            !dir.path().join("out").exists(),
            "{name}: nothing may be written"
        );
        let text = redacted(&output);
        let text = if name == "not a plugin" {
            text.replace(
                &not_plugin.display().to_string(),
                &format!("[{not_plugin_kind}]"),
            )
        } else {
            text
        };
        report.push_str(&format!("## {name}\n{text}\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn a_panicking_plugin_rejects_only_the_document_at_fault_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = numbered(40);
    docs[20]["text"] = json!("This one says PANIC.");
    let stage = json!({"library": library("fixture-panics"), "stage": "panic"});
    pipeline(dir.path(), &docs, stage.clone(), "continue");
    let output = run(dir.path(), "2");
    assert!(output.status.success(), "{}", transcript(&output));
    // The chunk d16..d31 panics as a whole; sent again one document at a time, only d20 does.
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(ids(&rejects), ["d20"]);
    assert_eq!(
        rejects[0]["reason"],
        "plugin `fixture-panics` stage `panic` panicked: the fixture panicked on the chunk holding `d20`"
    );
    assert_eq!(rejects[0]["stage"], "plugin:fixture-panics/panic");
    let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(written.len(), 39);
    // Every call after a panic ran on a fresh instance.
    assert!(written.iter().all(|doc| doc["extra"]["survived"] == true));

    let output = {
        pipeline(dir.path(), &docs, stage, "fail");
        fs::remove_dir_all(dir.path().join("out")).unwrap();
        run(dir.path(), "2")
    };
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(!dir.path().join("out/documents.jsonl").exists());
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn a_panic_inside_one_document_rejects_only_that_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = numbered(20);
    docs[3]["text"] = json!("PANIC");
    let stage = json!({"library": library("fixture-panics"), "stage": "panic",
                       "config": {"on": "document"}});
    pipeline(dir.path(), &docs, stage, "continue");
    let output = run(dir.path(), "2");
    assert!(output.status.success(), "{}", transcript(&output));
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(ids(&rejects), ["d03"]);
    assert_eq!(
        rejects[0]["reason"],
        "plugin `fixture-panics` stage `panic`: stage panicked: the fixture panicked on `d03`"
    );
    assert_eq!(
        read_jsonl(&dir.path().join("out/documents.jsonl")).len(),
        19
    );
}

#[test]
fn malformed_lost_or_invented_documents_are_errors_not_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = String::new();
    for stage in ["malformed", "invent", "lose"] {
        let spec = json!({"library": library("fixture-raw"), "stage": stage});
        pipeline(dir.path(), &numbered(20), spec, "continue");
        let output = run(dir.path(), "2");
        assert!(output.status.success(), "{stage}: {}", transcript(&output));
        let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
        assert!(written.is_empty(), "{stage}: {written:?}");
        let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
        assert_eq!(
            rejects.len(),
            20,
            "{stage}: every document is accounted for"
        );
        // One line per chunk (d00..d15, d16..d19).
        report.push_str(&format!(
            "{stage}:\n  {}\n  {}\n",
            rejects[0]["reason"].as_str().unwrap(),
            rejects[16]["reason"].as_str().unwrap()
        ));
    }
    insta::assert_snapshot!(report);
}

/// The output folder is empty or absent: a failed run commits nothing and removes its
/// temporary files.
fn assert_nothing_written(dir: &Path, case: &str) {
    let out = dir.join("out");
    let left: Vec<_> = fs::read_dir(&out)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{case}: files written: {left:?}");
}

#[test]
fn with_on_error_fail_a_panic_in_one_document_stops_the_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = numbered(20);
    docs[3]["text"] = json!("PANIC");
    let stage = json!({"library": library("fixture-panics"), "stage": "panic",
                       "config": {"on": "document"}});
    pipeline(dir.path(), &docs, stage, "fail");
    let output = run(dir.path(), "2");
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_nothing_written(dir.path(), "document panic");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed on document `d03`")
            && stderr.contains("the fixture panicked on `d03`")
            && stderr.contains("on_error: fail"),
        "{stderr}"
    );
}

#[test]
fn with_on_error_fail_malformed_lost_or_invented_documents_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for stage in ["malformed", "invent", "lose"] {
        let spec = json!({"library": library("fixture-raw"), "stage": stage});
        pipeline(dir.path(), &numbered(20), spec, "fail");
        let output = run(dir.path(), "2");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{stage}: {}",
            transcript(&output)
        );
        assert_nothing_written(dir.path(), stage);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("plugin `fixture-raw`") && stderr.contains("on_error: fail"),
            "{stage}: {stderr}"
        );
    }
}

/// A plugin that aborts the process takes the run down with it (no host can catch that in
/// process), whatever `on_error` says; but outputs are atomic, so the previous run's files
/// stay whole and nothing half-written appears at an output path.
#[test]
fn a_plugin_that_aborts_the_process_leaves_the_previous_outputs_whole() {
    let dir = tempfile::tempdir().unwrap();
    let stage = json!({"library": library("fixture-panics"), "stage": "panic",
                       "config": {"on": "abort"}});
    pipeline(dir.path(), &numbered(40), stage.clone(), "continue");
    let output = run(dir.path(), "2");
    assert!(output.status.success(), "{}", transcript(&output));
    let out = dir.path().join("out");
    let before: Vec<(String, Vec<u8>)> = [
        "documents.jsonl",
        "rejects.jsonl",
        "dropped.jsonl",
        "stats.json",
    ]
    .iter()
    .map(|name| (name.to_string(), fs::read(out.join(name)).unwrap()))
    .collect();
    let mut docs = numbered(41);
    docs[30]["text"] = json!("This one says PANIC.");
    for on_error in ["continue", "fail"] {
        pipeline(dir.path(), &docs, stage.clone(), on_error);
        let output = run(dir.path(), "2");
        assert_eq!(
            output.status.code(),
            None,
            "{on_error}: killed by a signal: {}",
            transcript(&output)
        );
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(output.status.signal(), Some(6), "{on_error}: SIGABRT");
        }
        for (name, bytes) in &before {
            assert_eq!(
                &fs::read(out.join(name)).unwrap(),
                bytes,
                "{on_error}: {name} changed"
            );
        }
        for entry in fs::read_dir(&out).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                before.iter().any(|(known, _)| *known == name)
                    || (name.starts_with(".newspipe-") && name.ends_with(".tmp")),
                "{on_error}: unexpected {name}"
            );
        }
    }
}

#[test]
fn fields_an_older_plugin_does_not_know_survive_the_trip() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![
        json!({"id": "a", "text": "Body.", "title": "Headline", "outlet": "Reuters",
               "url": "https://reuters.com/a", "published": "2025-03-06", "topic": "energy"}),
        json!({"id": "b", "text": "Other body."}),
    ];
    let spec = json!({"library": library("fixture-raw"), "stage": "old-model"});
    pipeline(dir.path(), &docs, spec, "continue");
    let output = run(dir.path(), "1");
    assert!(output.status.success(), "{}", transcript(&output));
    let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(ids(&written), ["a", "b"]);
    let a = &written[0];
    assert_eq!(a["extra"]["seen"], true, "the plugin's change is kept");
    assert_eq!(a["extra"]["topic"], "energy");
    assert_eq!(a["meta"]["title"], "Headline", "meta survived: {a}");
    assert_eq!(a["meta"]["outlet"], "Reuters");
    assert_eq!(a["meta"]["published"], "2025-03-06");
    assert_eq!(a["source"]["url"], "https://reuters.com/a");
    assert_eq!(written[1]["extra"]["seen"], true);
}

#[test]
fn validate_checks_the_plugin_stage_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = pipeline(
        dir.path(),
        &numbered(1),
        json!({"libary": "x.so", "stage": "s"}),
        "continue",
    );
    let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("libary") && stderr.contains("library"),
        "{stderr}"
    );
}

/// Measures what the plugin boundary costs: the same pipeline with and without a pass-through
/// plugin, on 4,000 seed-sized documents. Run it with
/// `cargo test --release --test integration plugin_boundary_cost -- --ignored --nocapture`.
#[test]
#[ignore = "measurement; run in release mode"]
fn plugin_boundary_cost() {
    let dir = tempfile::tempdir().unwrap();
    let seeds: Vec<String> = fs::read_dir(root().join("seeds"))
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let docs: Vec<Value> = (0..4000)
        .map(|i| json!({"id": format!("d{i}"), "text": format!("{i}\n{}", seeds[i % seeds.len()])}))
        .collect();
    let pass = json!({"library": library("passthrough"), "stage": "pass"});
    let time = |stage: Option<&Value>| {
        let path = pipeline(dir.path(), &docs, json!({}), "continue");
        let text = fs::read_to_string(&path).unwrap();
        let text = match stage {
            Some(stage) => text.replace("plugin: {}", &format!("plugin: {stage}")),
            None => text.replace("  - plugin: {}\n", ""),
        };
        fs::write(&path, text).unwrap();
        (0..5)
            .map(|_| {
                let started = std::time::Instant::now();
                let output = run(dir.path(), "2");
                assert!(output.status.success(), "{}", transcript(&output));
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let without = time(None);
    let with = time(Some(&pass));
    println!(
        "4000 documents, best of 5: without plugin {without:.3}s, with pass-through {with:.3}s: \
         {:.1} µs per document at the boundary (+{:.0}%)",
        (with - without) / 4000.0 * 1e6,
        (with / without - 1.0) * 100.0
    );
}

/// Runs a stage of the bare-ABI fixture over `docs` and returns the run and its rejects.
fn run_raw_fixture(
    dir: &Path,
    stage: &str,
    docs: &[Value],
    extra: Value,
) -> (std::process::Output, Vec<Value>) {
    let mut spec = json!({"library": library("fixture-raw"), "stage": stage});
    spec.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    pipeline(dir, docs, spec, "continue");
    let output = run(dir, "2");
    let rejects = read_jsonl(&dir.join("out/rejects.jsonl"));
    (output, rejects)
}

#[test]
fn a_change_outside_the_declared_fields_rejects_the_document_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![json!({"id": "a", "text": "Body.", "title": "Headline"})];
    let (output, rejects) = run_raw_fixture(dir.path(), "undeclared", &docs, json!({}));
    assert!(output.status.success(), "{}", transcript(&output));
    assert_eq!(ids(&rejects), ["a"]);
    assert_eq!(
        rejects[0]["reason"],
        "plugin `fixture-raw` stage `undeclared`: changed `meta.title`, which its stage does not \
         declare in `writes`: declare it in the manifest, or return the field unchanged (or leave it out)"
    );
}

#[test]
fn a_declared_write_keeps_every_other_field_and_extra_key() {
    let dir = tempfile::tempdir().unwrap();
    // `old-model` returns `extra` holding only what it got plus `seen`; `topic` and `meta` went
    // in and must come out, and `seen` (declared) must not be overwritten by the host.
    let docs = vec![json!({"id": "a", "text": "Body.", "title": "Headline", "topic": "energy"})];
    let (output, rejects) = run_raw_fixture(dir.path(), "old-model", &docs, json!({}));
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(rejects.is_empty(), "{rejects:?}");
    let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(
        written[0]["extra"],
        json!({"seen": true, "topic": "energy"})
    );
    assert_eq!(written[0]["meta"]["title"], "Headline");
}

/// A pipeline with `extract` and the text-rewriting fixture, in the order given.
fn text_rewrite_pipeline(dir: &Path, plugin_first: bool) -> PathBuf {
    let docs = [json!({"id": "a", "text": "On 6 March 2025 the ministry said 40 people left."})];
    let input: String = docs.iter().map(|doc| format!("{doc}\n")).collect();
    fs::write(dir.join("input.jsonl"), input).unwrap();
    let plugin = format!(
        "  - plugin: {}\n",
        json!({"library": library("fixture-raw"), "stage": "rewrite-text"})
    );
    let extract = "  - extract: {}\n";
    let stages = if plugin_first {
        format!("{plugin}{extract}")
    } else {
        format!("{extract}{plugin}")
    };
    let path = dir.join("pipeline.yaml");
    fs::write(
        &path,
        format!("input:\n  path: input.jsonl\nstages:\n{stages}  - export:\n      jsonl: out/documents.jsonl\n"),
    )
    .unwrap();
    path
}

#[test]
fn a_plugin_that_rewrites_text_after_annotations_is_refused_by_validate_and_rejected_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_rewrite_pipeline(dir.path(), false);
    let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "stages[1]: plugin `fixture-raw` stage `rewrite-text` rewrites `text` after `extract` annotated it"
        ),
        "{stderr}"
    );
    // A run that goes ahead anyway rejects the annotated document instead of corrupting it.
    let output = run(dir.path(), "1");
    assert!(output.status.success(), "{}", transcript(&output));
    let rejects = read_jsonl(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(ids(&rejects), ["a"]);
    assert!(
        rejects[0]["reason"]
            .as_str()
            .unwrap()
            .contains("rewrote `text` of a document that already has annotations"),
        "{rejects:?}"
    );

    // Before extract, the same plugin is fine and its text is what extract annotates.
    let path = text_rewrite_pipeline(dir.path(), true);
    let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", transcript(&output));
    let output = run(dir.path(), "1");
    assert!(output.status.success(), "{}", transcript(&output));
    let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(
        written[0]["text"],
        "ON 6 MARCH 2025 THE MINISTRY SAID 40 PEOPLE LEFT."
    );
}

#[test]
fn a_call_past_its_timeout_rejects_its_chunk_and_the_run_goes_on_or_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = numbered(40);
    docs[20]["text"] = json!("This one says SLEEP.");
    // Built before the clock starts.
    library("fixture-raw");
    let started = std::time::Instant::now();
    let (output, rejects) =
        run_raw_fixture(dir.path(), "sleep", &docs, json!({"timeout": "500ms"}));
    assert!(output.status.success(), "{}", transcript(&output));
    // The sleeping call is abandoned, not waited for.
    assert!(started.elapsed() < std::time::Duration::from_millis(2900));
    let expected: Vec<String> = (16..32).map(|i| format!("d{i}")).collect();
    assert_eq!(ids(&rejects), expected, "only the chunk that timed out");
    assert_eq!(
        rejects[0]["reason"],
        "plugin `fixture-raw` stage `sleep` took longer than its timeout of 500ms on this chunk \
         of 16 documents; the instance was discarded"
    );
    assert_eq!(
        read_jsonl(&dir.path().join("out/documents.jsonl")).len(),
        24,
        "the chunks after it ran on a fresh instance"
    );

    let spec = json!({"library": library("fixture-raw"), "stage": "sleep", "timeout": "500ms"});
    pipeline(dir.path(), &docs, spec, "fail");
    fs::remove_dir_all(dir.path().join("out")).unwrap();
    let output = run(dir.path(), "2");
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_nothing_written(dir.path(), "timeout");
    assert!(String::from_utf8_lossy(&output.stderr).contains("took longer than its timeout"));
}

#[test]
fn a_bad_timeout_is_reported_by_validate() {
    let dir = tempfile::tempdir().unwrap();
    let spec = json!({"library": library("fixture-raw"), "stage": "sleep", "timeout": "soon"});
    let path = pipeline(dir.path(), &numbered(1), spec, "continue");
    let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`soon` is not a duration"),
        "{}",
        transcript(&output)
    );
}

#[test]
fn one_bad_document_rejects_that_document_not_its_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = numbered(20);
    docs[3]["text"] = json!("This one is BAD.");
    let (output, rejects) = run_raw_fixture(dir.path(), "fail-chunk", &docs, json!({}));
    assert!(output.status.success(), "{}", transcript(&output));
    assert_eq!(ids(&rejects), ["d03"]);
    assert_eq!(
        rejects[0]["reason"],
        "plugin `fixture-raw` stage `fail-chunk` failed: a document of this chunk says BAD"
    );
    assert_eq!(rejects[0]["stage"], "plugin:fixture-raw/fail-chunk");
    assert_eq!(
        read_jsonl(&dir.path().join("out/documents.jsonl")).len(),
        19
    );
}

#[test]
fn a_plugin_that_fails_every_document_ends_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = (0..20)
        .map(|i| json!({"id": format!("d{i:02}"), "text": "BAD"}))
        .collect();
    let (output, rejects) = run_raw_fixture(dir.path(), "fail-chunk", &docs, json!({}));
    assert!(output.status.success(), "{}", transcript(&output));
    assert_eq!(rejects.len(), 20);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "plugin `fixture-raw` stage `fail-chunk` failed on every one of the 20 documents it \
             was given; they are in the rejects file. The first reason: plugin `fixture-raw` \
             stage `fail-chunk` failed: a document of this chunk says BAD"
        ),
        "{stderr}"
    );
    // A stage that fails only some documents says nothing more than the rejects file.
    let mut docs = numbered(20);
    docs[3]["text"] = json!("BAD");
    let (output, _) = run_raw_fixture(dir.path(), "fail-chunk", &docs, json!({}));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("every one"));
}

#[test]
fn what_a_plugin_prints_stays_off_stdout_and_quiet_runs_discard_it() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(
        dir.path(),
        &numbered(3),
        json!({"library": library("fixture-raw"), "stage": "noisy"}),
        "continue",
    );
    let output = newspipe(dir.path(), &["run", "pipeline.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(output.stdout.is_empty(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("noisy plugin on stdout"), "{stderr}");
    assert!(stderr.contains("plugins: read 3, written 3"), "{stderr}");

    let output = newspipe(dir.path(), &["run", "pipeline.yaml", "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(output.stdout.is_empty(), "{}", transcript(&output));
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("on stdout"),
        "{}",
        transcript(&output)
    );

    let output = newspipe(dir.path(), &["validate", "pipeline.yaml"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "pipeline.yaml: ok (2 stages: plugin → export)\n"
    );
}

#[test]
fn validate_loads_plugins_and_checks_their_config() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "missing library",
            json!({"library": "plugins/libmissing.so", "stage": "ownership"}),
            "plugin library `",
        ),
        (
            "unknown stage",
            json!({"library": library("outlet-ownership"), "stage": "owner"}),
            "has no stage `owner`; it has: ownership",
        ),
        (
            "misspelled config key",
            json!({"library": library("outlet-ownership"), "stage": "ownership",
                   "config": {"outlets": [], "unmached": "drop"}}),
            "unknown key `config.unmached`: did you mean `unmatched`?",
        ),
        (
            "wrong config type",
            json!({"library": library("outlet-ownership"), "stage": "ownership",
                   "config": {"outlets": "Reuters"}}),
            "`config.outlets` is a string, but the stage expects a list",
        ),
    ];
    for (name, stage, expected) in cases {
        let path = pipeline(dir.path(), &numbered(1), stage, "continue");
        let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name}: {}",
            transcript(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: {}", transcript(&output));
    }
    let path = pipeline(
        dir.path(),
        &numbered(1),
        ownership_stage("keep"),
        "continue",
    );
    let output = newspipe(dir.path(), &["validate", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", transcript(&output));
}

#[test]
fn the_reference_plugin_example_pipeline_validates_and_runs_as_it_is() {
    // Built where the example pipeline looks for it, as `cargo xtask build-plugins` does.
    let output = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "outlet-ownership"])
        .current_dir(root())
        .env("CARGO_TARGET_DIR", root().join("target"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", transcript(&output));
    let pipeline = "examples/plugins/outlet-ownership/pipeline.yaml";
    let output = newspipe(&root(), &["validate", pipeline]);
    assert!(output.status.success(), "{}", transcript(&output));
    let output = newspipe(&root(), &["run", pipeline, "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let docs = read_jsonl(&root().join("out/outlet-ownership/documents.jsonl"));
    assert_eq!(docs.len(), 5, "every seed");
    let tagged: Vec<&Value> = docs
        .iter()
        .filter(|doc| !doc["extra"]["ownership"].is_null())
        .collect();
    assert_eq!(tagged.len(), 1, "{docs:?}");
    assert_eq!(
        tagged[0]["extra"]["ownership"]["owner"],
        "Kyiv Independent LLC"
    );
    assert_eq!(tagged[0]["extra"]["ownership"]["matched_by"], "outlet");
}

/// The C example plugin compiled with the system C compiler (`$CC` or `cc`) and the flags of
/// `cargo xtask build-plugins`, into a fresh folder; `None`, with a message, when there is no C
/// compiler on a developer's machine. Under `CI` a missing compiler is a failure.
fn c_example_plugin(dir: &Path) -> Option<PathBuf> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let library = dir.join(format!(
        "{}word_count{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let compiled = Command::new(&compiler)
        .args([
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-shared", "-I",
        ])
        .arg(root().join("crates/plugin-abi/include"))
        .arg("-o")
        .arg(&library)
        .arg(root().join("examples/plugins/word-count/word_count.c"))
        .output();
    match compiled {
        Ok(output) => {
            assert!(output.status.success(), "{}", transcript(&output));
            Some(library)
        }
        Err(err) => {
            let message = format!("no C compiler (`{compiler}`: {err})");
            assert!(std::env::var_os("CI").is_none(), "{message}: CI needs one");
            eprintln!("skipping the C plugin test: {message}");
            None
        }
    }
}

#[test]
fn the_c_example_plugin_builds_and_runs_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let Some(library) = c_example_plugin(dir.path()) else {
        return;
    };
    let output = newspipe(
        dir.path(),
        &["plugins", "inspect", library.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(
            "  words (document, reads text)\n      Counts the words of the text as extra.word_count.\n      writes: extra.word_count\n      min_words: 0\n"
        ),
        "{}",
        transcript(&output)
    );
    let docs = [
        json!({"id": "a", "text": "Three  little\nwords, \"quoted\" été 😀", "title": "T", "topic": "x"}),
        json!({"id": "b\"q\\", "text": "one"}),
        json!({"id": "c", "text": "Two words"}),
    ];
    let spec = json!({"library": library, "stage": "words", "config": {"min_words": 2}});
    pipeline(dir.path(), &docs, spec, "fail");
    let output = newspipe(dir.path(), &["validate", "pipeline.yaml"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let output = run(dir.path(), "2");
    assert!(output.status.success(), "{}", transcript(&output));
    let written = read_jsonl(&dir.path().join("out/documents.jsonl"));
    assert_eq!(ids(&written), ["a", "c"]);
    assert_eq!(written[0]["extra"], json!({"topic": "x", "word_count": 6}));
    assert_eq!(
        written[0]["meta"]["title"], "T",
        "fields it did not read survive"
    );
    assert_eq!(written[0]["text"], docs[0]["text"]);
    assert_eq!(written[1]["extra"]["word_count"], 2);
    let dropped = read_jsonl(&dir.path().join("out/dropped.jsonl"));
    assert_eq!(ids(&dropped), ["b\"q\\"]);
    assert_eq!(dropped[0]["reason"], "fewer than 2 words");
    assert_eq!(dropped[0]["stage"], "plugin:word-count/words");

    // Its config is checked against its schema by `validate`, and by the plugin at run time.
    let spec = json!({"library": library, "stage": "words", "config": {"min_word": 2}});
    pipeline(dir.path(), &docs, spec, "fail");
    let output = newspipe(dir.path(), &["validate", "pipeline.yaml"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `min_words`?"));
    let output = run(dir.path(), "1");
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("invalid config: unknown key (the stage's keys are: min_words)"),
        "{}",
        transcript(&output)
    );
}
