//! The export forms end to end: the default pipeline writes JSON Lines, CSV, SQLite, Parquet
//! and HTML that agree with each other, and the report is safe and working in a real headless
//! browser.

#[path = "../../crates/export/tests/fixtures/mod.rs"]
mod fixtures;
#[path = "../../crates/export/tests/tables/mod.rs"]
pub(super) mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use newspipe_core::{BuildContext, RunInfo, Sink};
use newspipe_export::schema::TABLES;
use newspipe_export::{Export, ExportConfig};
use serde_json::Value;

#[path = "../../crates/export/tests/browser/mod.rs"]
mod browser;

use super::support::{default_pipeline_in, newspipe, read_jsonl, root, transcript};

/// Rows each table should hold, counted from the JSON Lines documents.
fn rows_from_jsonl(docs: &[Value]) -> BTreeMap<&'static str, usize> {
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    let mut rows: BTreeMap<&'static str, usize> = TABLES.iter().map(|t| (t.name, 0)).collect();
    let mut add = |table: &'static str, n: usize| *rows.get_mut(table).unwrap() += n;
    add("runs", 1);
    for doc in docs {
        add("documents", 1);
        for (field, table) in [
            ("entities", "entities"),
            ("dates", "dates"),
            ("quantities", "quantities"),
            ("quotes", "quotes"),
            ("claims", "claims"),
        ] {
            add(table, len(&doc[field]));
        }
        add("clusters", usize::from(doc["dedupe"].is_object()));
        let signals = doc["reliability"]["signals"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        add("signals", signals.len());
        add(
            "signal_evidence",
            signals.iter().map(|s| len(&s["evidence"])).sum(),
        );
        for claim in doc["claims"].as_array().into_iter().flatten() {
            let r = &claim["reliability"];
            for key in ["supported_by", "contradicted_by"] {
                let mut ids: Vec<&str> = r[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                add("claim_support", ids.len());
            }
            let signals = r["signals"].as_array().cloned().unwrap_or_default();
            add("claim_signals", signals.len());
            add(
                "claim_signal_evidence",
                signals.iter().map(|s| len(&s["evidence"])).sum(),
            );
        }
    }
    rows
}

fn csv_rows(dir: &Path) -> BTreeMap<&'static str, usize> {
    TABLES
        .iter()
        .map(|table| {
            let path = dir.join(format!("{}.csv", table.name));
            let mut reader = csv::Reader::from_path(&path)
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            (
                table.name,
                reader
                    .records()
                    .inspect(|r| assert!(r.is_ok(), "{r:?}"))
                    .count(),
            )
        })
        .collect()
}

fn sqlite_rows(db: &rusqlite::Connection) -> BTreeMap<&'static str, usize> {
    TABLES
        .iter()
        .map(|table| {
            let sql = format!("SELECT count(*) FROM {}", table.name);
            (table.name, db.query_row(&sql, [], |r| r.get(0)).unwrap())
        })
        .collect()
}

/// The bytes of every Parquet file under `dir` but the `runs` table's (it holds the time).
fn parquet_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    TABLES
        .iter()
        .filter(|table| table.name != "runs")
        .flat_map(|table| std::fs::read_dir(dir.join(table.name)).unwrap())
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn the_seeds_pipeline_writes_five_forms_that_agree() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = default_pipeline_in(dir.path(), &root().join("seeds").display().to_string());
    let yaml = std::fs::read_to_string(&pipeline).unwrap();
    let with_parquet = yaml.replacen(
        "sqlite: out/news.db",
        "sqlite: out/news.db\n      parquet: out/parquet/",
        1,
    );
    assert_ne!(with_parquet, yaml, "the default pipeline writes SQLite");
    std::fs::write(&pipeline, with_parquet).unwrap();
    let out = dir.path().join("out");
    // Twice, the second time on one thread: it replaces every output of the first, and the
    // Parquet files come out byte for byte the same.
    let mut parquet_runs = Vec::new();
    for threads in ["2", "1"] {
        let output = newspipe(
            dir.path(),
            &[
                "run",
                pipeline.to_str().unwrap(),
                "-q",
                "--threads",
                threads,
            ],
        );
        assert!(output.status.success(), "{}", transcript(&output));
        parquet_runs.push(parquet_files(&out.join("parquet")));
    }
    assert_eq!(parquet_runs[0].len(), TABLES.len() - 1);
    assert!(
        parquet_runs[0] == parquet_runs[1],
        "Parquet bytes differ between runs"
    );
    let docs = read_jsonl(&out.join("documents.jsonl"));
    assert_eq!(docs.len(), 5);
    let expected = rows_from_jsonl(&docs);
    assert_eq!(
        csv_rows(&out.join("tables")),
        expected,
        "CSV against JSON Lines"
    );
    let db = rusqlite::Connection::open(out.join("news.db")).unwrap();
    assert_eq!(sqlite_rows(&db), expected, "SQLite against JSON Lines");
    let violations: usize = db
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0, "PRAGMA foreign_key_check");
    let parquet_rows = tables::assert_parquet_equals_sqlite(&out.join("parquet"), &db);
    let names = TABLES.iter().map(|t| t.name);
    assert_eq!(
        names.zip(parquet_rows).collect::<BTreeMap<_, _>>(),
        expected,
        "Parquet against JSON Lines"
    );
    let run: (String, i64, i64) = db
        .query_row("SELECT pipeline, read, written FROM runs", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(run, ("news".into(), 5, 5));
    let ids: Vec<String> = db
        .prepare("SELECT id FROM documents ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let jsonl_ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, jsonl_ids);

    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in jsonl_ids {
        assert!(report.contains(id), "{id} missing from the report");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// What a headless browser saw when it loaded a page.
struct Loaded {
    dom: String,
    log: String,
}

/// Loads `page` in headless `browser` with `extra` arguments; gives up after a minute.
fn load(browser: &Path, page: &Path, profile: &Path, extra: &[&str]) -> Loaded {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish loading {} in 60 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Loaded {
        dom: out.join().unwrap(),
        log: err.join().unwrap(),
    }
}

/// Checks that the page ran its own script, nothing else, and logged nothing to the console.
fn assert_safe_and_working(loaded: &Loaded, page: &Path) {
    let html = loaded
        .dom
        .find("<html")
        .map(|at| &loaded.dom[at..at + loaded.dom[at..].find('>').unwrap()])
        .unwrap_or_else(|| panic!("no DOM dumped for {}: {}", page.display(), loaded.log));
    assert!(
        html.contains("data-ready=\"1\""),
        "the report's script did not finish: {html}"
    );
    assert!(
        !html.contains("data-error"),
        "the report's script failed: {html}"
    );
    assert!(
        !html.contains("data-pwned"),
        "an injected script ran: {html}"
    );
    let title = loaded
        .dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next());
    assert!(
        title.is_some_and(|t| t.starts_with("newspipe report")),
        "an injected script changed the title: {title:?}"
    );
    let console: Vec<&str> = loaded
        .log
        .lines()
        .filter(|line| line.contains("CONSOLE"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

/// A JSON Lines input whose text, title, outlet and URL try to inject script.
fn injected_input(dir: &Path) -> PathBuf {
    let doc = serde_json::json!({
        "id": "inject",
        "text": fixtures::injected_text(),
        "title": format!("Title {}", fixtures::INJECTED_SCRIPT),
        "outlet": format!("\">{}", fixtures::INJECTED_IMG),
        "url": "javascript:document.title='PWNED'",
    });
    let plain = serde_json::json!({"id": "plain", "text": "Ottawa said on Monday it is ready."});
    let path = dir.join("injected.jsonl");
    std::fs::write(&path, format!("{doc}\n{plain}\n")).unwrap();
    path
}

/// The hand-made, fully annotated corpus rendered by the export stage itself.
fn fixture_report(dir: &Path) -> PathBuf {
    let cx = BuildContext {
        base_dir: dir.to_path_buf(),
        pipeline: "fixture".into(),
    };
    let config = ExportConfig {
        html: Some("fixture.html".into()),
        ..ExportConfig::default()
    };
    let mut export = Export::new(config, &cx).unwrap();
    export.write(&mut fixtures::corpus()).unwrap();
    let run = RunInfo {
        pipeline: "fixture".into(),
        config_hash: "0123456789abcdef".into(),
        read: 6,
        dropped: 1,
        started_at: "2025-03-06T10:00:00Z".into(),
        ..RunInfo::default()
    };
    export.finish(&run).unwrap();
    dir.join("fixture.html")
}

#[test]
fn the_report_runs_only_its_own_script_in_a_real_browser() {
    let Some(browser) = browser::chromium_or_skip("the_report_runs_only_its_own_script") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = injected_input(dir.path());
    let pipeline = default_pipeline_in(dir.path(), &input.display().to_string());
    let output = newspipe(dir.path(), &["run", pipeline.to_str().unwrap(), "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let pages = [
        dir.path().join("out/report.html"),
        fixture_report(dir.path()),
    ];
    for (i, page) in pages.iter().enumerate() {
        let profile = dir.path().join(format!("profile-{i}"));
        let loaded = load(
            &browser,
            page,
            &profile,
            &["--dump-dom", "--virtual-time-budget=2000"],
        );
        assert_safe_and_working(&loaded, page);
    }

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let profile = dir.path().join("profile-shot");
    let loaded = load(
        &browser,
        &pages[1],
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&shot)
        .unwrap_or_else(|err| panic!("no screenshot at {}: {err}\n{}", shot.display(), loaded.log));
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    eprintln!("screenshot of the report: {}", shot.display());
}
