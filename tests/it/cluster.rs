//! A run split into tasks (`newspipe plan`, `run-task`, `run --executor local`) writes exactly
//! what one in-process run writes, whatever the shard count, apart from the run's own
//! timestamps (and the report's per-file script nonce); a killed run resumes to the same
//! output, and a corrupt file between tasks is named with the task that wrote it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::time::Duration;

use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use regex::{Captures, Regex};

use super::support::{default_pipeline_in, newspipe, root, transcript};

/// The default pipeline over `input`, in `dir`, with `batch_size` documents per batch, so that
/// a small input spans several batches (and so several shards).
pub(super) fn pipeline(dir: &Path, input: &str, batch_size: usize) -> PathBuf {
    let path = default_pipeline_in(dir, input);
    let text = fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "input:\n",
        &format!("input:\n  batch_size: {batch_size}\n"),
        1,
    );
    fs::write(&path, text).unwrap();
    path
}

/// A generated corpus of reposts and near copies (no dev data needed), with exact copies of
/// its first documents at its end, so copies sit in different shards, plus a blank line and a
/// broken line for the reader to skip and reject.
fn generated_corpus(dir: &Path) -> String {
    let spec = CorpusSpec {
        sources: 40,
        ..CorpusSpec::clean(23)
    };
    let docs = generate(&synthetic_articles(40, 9), &spec);
    let mut lines: Vec<String> = docs
        .iter()
        .map(|doc| serde_json::to_string(doc).unwrap())
        .collect();
    for (n, doc) in docs.iter().take(12).enumerate() {
        let mut copy = serde_json::to_value(doc).unwrap();
        copy["id"] = format!("late-copy-{n}").into();
        lines.push(copy.to_string());
    }
    lines.insert(lines.len() / 2, String::new());
    lines.insert(lines.len() / 3, "{\"id\": \"broken\", \"text\": ".into());
    fs::write(dir.join("corpus.jsonl"), lines.join("\n") + "\n").unwrap();
    assert!(lines.len() > 100, "the corpus should span many batches");
    "corpus.jsonl".into()
}

/// Every output of a run in `dir/out`, as text, with the run's timestamps and the report's
/// script nonce blanked; the SQLite database as its schema and rows.
pub(super) fn outputs(dir: &Path) -> BTreeMap<String, String> {
    let out = dir.join("out");
    let mut files = BTreeMap::new();
    for name in [
        "documents.jsonl",
        "rejects.jsonl",
        "dropped.jsonl",
        "report.html",
    ] {
        let text = fs::read_to_string(out.join(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
        files.insert(name.to_string(), without_run_stamps(&text));
    }
    let mut tables: Vec<PathBuf> = fs::read_dir(out.join("tables"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    tables.sort();
    for table in tables {
        let name = table.file_name().unwrap().to_string_lossy().into_owned();
        files.insert(
            name,
            without_run_stamps(&fs::read_to_string(&table).unwrap()),
        );
    }
    files.insert(
        "news.db".into(),
        without_run_stamps(&sqlite_dump(&out.join("news.db"))),
    );
    let mut stats: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("stats.json")).unwrap()).unwrap();
    for key in ["started_at", "seconds", "threads"] {
        stats.as_object_mut().unwrap().remove(key);
    }
    for stage in stats["stages"].as_array_mut().unwrap() {
        stage.as_object_mut().unwrap().remove("seconds");
    }
    files.insert(
        "stats.json".into(),
        serde_json::to_string_pretty(&stats).unwrap(),
    );
    files
}

/// The database as text: each object's schema, then each table's rows in storage order, a
/// row as its values written by SQLite's `quote()` (a string quoted, a real number in as many
/// digits as it takes to read back the same, a blob in hex), joined by `|`. SQLite writes each
/// row's text: formatting every value in the debug-built test took over a minute of the 30 MB
/// test.
fn sqlite_dump(path: &Path) -> String {
    let db = rusqlite::Connection::open(path).unwrap();
    let mut dump = String::new();
    let mut schema = db
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let objects: Vec<(String, String, Option<String>)> = schema
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name, sql) in objects {
        dump.push_str(&format!("{kind} {name}: {sql:?}\n"));
        if kind != "table" {
            continue;
        }
        let columns: Vec<String> = db
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap()
            .query_map([&name], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let row = columns
            .iter()
            .map(|column| format!("quote(\"{column}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows = db
            .prepare(&format!("SELECT {row} FROM \"{name}\""))
            .unwrap();
        let mut query = rows.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            dump.push_str(row.get_ref(0).unwrap().as_str().unwrap());
            dump.push('\n');
        }
    }
    dump
}

/// The dump the output comparisons read: every value of every row, told apart by its type.
#[test]
fn the_database_dump_holds_every_value_with_its_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("values.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE t (a TEXT, b REAL, c INTEGER, d BLOB, e TEXT);
             INSERT INTO t VALUES ('it''s|x', 0.1, 7, x'00ff', NULL), ('2', 2.0, -1, NULL, 'é');",
        )
        .unwrap();
    assert_eq!(
        sqlite_dump(&path),
        "table t: Some(\"CREATE TABLE t (a TEXT, b REAL, c INTEGER, d BLOB, e TEXT)\")\n\
         'it''s|x'|0.1|7|X'00FF'|NULL\n\
         '2'|2.0|-1|NULL|'é'\n"
    );
}

/// The text with every RFC 3339 time (`2026-01-02T03:04:05Z`) and every script nonce (the hex
/// digits after `nonce-` or `nonce="`) blanked: the only bytes two runs may differ in. One
/// regex search over the text: a walk over every character in the debug-built test took most
/// of the 30 MB test's fifteen minutes.
fn without_run_stamps(text: &str) -> String {
    static STAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z|(nonce-|nonce=")[0-9A-Fa-f]*"#,
        )
        .unwrap()
    });
    STAMP
        .replace_all(text, |found: &Captures| match found.get(1) {
            Some(prefix) => format!("{}<nonce>", prefix.as_str()),
            None => "<time>".to_string(),
        })
        .into_owned()
}

/// What the output comparisons blank: a time or a nonce wherever it starts, and nothing else.
#[test]
fn run_stamps_are_blanked_and_nothing_else() {
    let text = "at 2026-01-02T03:04:05Z, 12026-01-02T03:04:05Z; 2026-01-02 03:04:05Z \
                <script nonce=\"0123abcdEF\"> 'nonce-9f9f' nonce-xyz é";
    assert_eq!(
        without_run_stamps(text),
        "at <time>, 1<time>; 2026-01-02 03:04:05Z \
         <script nonce=\"<nonce>\"> 'nonce-<nonce>' nonce-<nonce>xyz é"
    );
}

/// The work-folder files task `task` at `rank` read, as its completion marker lists them.
fn task_inputs(workdir: &Path, task: &str, rank: usize) -> Vec<String> {
    let marker: serde_json::Value = serde_json::from_slice(
        &fs::read(workdir.join(format!("{task}/{rank}/done.json"))).unwrap(),
    )
    .unwrap();
    marker["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Runs `args` in `dir` and fails the test with the transcript if the command fails.
fn ok(dir: &Path, args: &[&str]) {
    let output = newspipe(dir, args);
    assert!(output.status.success(), "{args:?}\n{}", transcript(&output));
}

/// Runs `program` (a `newspipe` binary) with `args` in `dir`, failing the test with the
/// transcript if the command fails.
fn ok_with(program: &Path, dir: &Path, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", program.display()));
    assert!(output.status.success(), "{args:?}\n{}", transcript(&output));
}

/// The in-process run's outputs, then the same pipeline split into 1, 3 and 7 shards.
fn check_shard_counts(dir: &Path, pipeline: &Path) {
    check_shard_counts_with(Path::new(env!("CARGO_BIN_EXE_newspipe")), dir, pipeline);
}

/// [`check_shard_counts`] with the `newspipe` binary `program`.
fn check_shard_counts_with(program: &Path, dir: &Path, pipeline: &Path) {
    let ok = |dir: &Path, args: &[&str]| ok_with(program, dir, args);
    let pipeline = pipeline.to_str().unwrap();
    ok(dir, &["run", pipeline, "-q"]);
    let single = outputs(dir);
    assert!(single["documents.jsonl"].lines().count() > 0);
    for shards in ["1", "3", "7"] {
        fs::remove_dir_all(dir.join("out")).unwrap();
        let workdir = dir.join(format!("work-{shards}"));
        let workdir = workdir.to_str().unwrap();
        let args = [
            "run",
            pipeline,
            "-q",
            "--executor",
            "local",
            "--shards",
            shards,
        ];
        ok(dir, &[&args[..], &["--workdir", workdir]].concat());
        let split = outputs(dir);
        for (name, text) in &single {
            assert!(
                split[name] == *text,
                "{name} differs with --shards {shards}"
            );
        }
        assert_eq!(split.len(), single.len());
    }
}

#[test]
fn the_same_inputs_give_the_same_plan_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = generated_corpus(dir.path());
    let pipeline = pipeline(dir.path(), &input, 8);
    let pipeline = pipeline.to_str().unwrap();
    ok(
        dir.path(),
        &["plan", pipeline, "--shards", "3", "--workdir", "a"],
    );
    ok(
        dir.path(),
        &["plan", pipeline, "--shards", "3", "--workdir", "b"],
    );
    let a = fs::read(dir.path().join("a/plan.json")).unwrap();
    assert_eq!(a, fs::read(dir.path().join("b/plan.json")).unwrap());
    let plan: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let shards = plan["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 3);
    assert!(shards.iter().all(|s| s["records"].as_u64().unwrap() > 0));
    let steps: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(steps.last(), Some(&"assemble"));
    // Normalize's merge is split: the site repeats counted in buckets by site hash.
    assert_eq!(
        steps[..3],
        ["observe-normalize", "normalize-bucket", "merge-normalize"]
    );
    // Dedupe's merge is split: exact groups and LSH band buckets by key, sketches and
    // verification per shard, rare facts by fact hash, derived pairs per shard, the
    // clustering, each shard's state resolved per shard.
    let dedupe = steps.iter().position(|&s| s == "observe-dedupe").unwrap();
    assert_eq!(
        steps[dedupe..dedupe + 11],
        [
            "observe-dedupe",
            "dedupe-exact",
            "dedupe-bucket",
            "dedupe-sketch",
            "dedupe-verify",
            "dedupe-facts",
            "dedupe-derived",
            "dedupe-cluster",
            "dedupe-publish",
            "dedupe-resolve",
            "merge-dedupe"
        ]
    );
    // Score-reliability's too: claims matched in buckets by entity hash, cluster weights,
    // families and the name book in buckets by cluster id and name, then its merge (dates).
    let reliability = steps
        .iter()
        .position(|&s| s == "observe-score-reliability")
        .unwrap();
    assert_eq!(
        steps[reliability..reliability + 4],
        [
            "observe-score-reliability",
            "score-reliability-bucket",
            "score-reliability-tables",
            "merge-score-reliability"
        ]
    );
    // Extract's too: the canonical map built in buckets by the surname's initial.
    let extract = steps.iter().position(|&s| s == "observe-extract").unwrap();
    assert_eq!(
        steps[extract..extract + 3],
        ["observe-extract", "extract-bucket", "merge-extract"]
    );
    assert_eq!(steps.len(), 22, "{steps:?}");

    ok(
        dir.path(),
        &["plan", pipeline, "--shards", "4", "--workdir", "c"],
    );
    assert_ne!(a, fs::read(dir.path().join("c/plan.json")).unwrap());
}

#[test]
fn split_runs_match_the_in_process_run_on_the_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = root().join("seeds");
    let pipeline = pipeline(dir.path(), seeds.to_str().unwrap(), 2);
    check_shard_counts(dir.path(), &pipeline);
}

#[test]
fn split_runs_match_the_in_process_run_with_copies_across_shards() {
    let dir = tempfile::tempdir().unwrap();
    let input = generated_corpus(dir.path());
    let pipeline = pipeline(dir.path(), &input, 8);
    check_shard_counts(dir.path(), &pipeline);
    let rejects = fs::read_to_string(dir.path().join("out/rejects.jsonl")).unwrap();
    assert!(rejects.contains("corpus.jsonl:"), "{rejects}");
    let dropped = fs::read_to_string(dir.path().join("out/dropped.jsonl")).unwrap_or_default();
    let documents = fs::read_to_string(dir.path().join("out/documents.jsonl")).unwrap();
    assert!(
        documents.contains("late-copy-0") || dropped.contains("late-copy-0"),
        "the copies went missing"
    );
}

#[test]
fn split_runs_match_with_several_bucket_tasks_that_read_only_band_keys() {
    let dir = tempfile::tempdir().unwrap();
    let input = generated_corpus(dir.path());
    let pipeline = pipeline(dir.path(), &input, 8);
    let text = fs::read_to_string(&pipeline).unwrap();
    fs::write(&pipeline, format!("cluster:\n  bucket_tasks: 5\n{text}")).unwrap();
    check_shard_counts(dir.path(), &pipeline);

    let workdir = dir.path().join("work-3");
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(workdir.join("plan.json")).unwrap()).unwrap();
    let ranks = |name: &str| {
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}"))["ranks"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(ranks("normalize-bucket"), 5);
    assert_eq!(ranks("dedupe-bucket"), 5);
    assert_eq!(ranks("dedupe-verify"), 3, "one verify task per shard");
    assert_eq!(ranks("merge-dedupe"), 1);
    for rank in 0..5 {
        let inputs = task_inputs(&workdir, "dedupe-bucket", rank);
        assert!(
            inputs
                .iter()
                .any(|path| path.ends_with(&format!("bands-{rank}.bin"))),
            "{inputs:?}"
        );
        assert!(
            !inputs.iter().any(|path| path.ends_with("records.bin")),
            "a bucket task reads band keys, not records: {inputs:?}"
        );
    }
    // Normalize's observation is shipped as one pages file per bucket task, and each apply
    // task (the dedupe observe task of its shard) reads its own shard's repeats only.
    for shard in 0..3 {
        let folder = workdir.join(format!("observe-normalize/{shard}"));
        assert!(folder.join("pages-4.bin").exists(), "{}", folder.display());
        assert!(!folder.join("records.bin").exists(), "{}", folder.display());
        let inputs = task_inputs(&workdir, "observe-dedupe", shard);
        let states: Vec<&String> = inputs
            .iter()
            .filter(|path| path.starts_with("merge-normalize/") && path.ends_with(".bin"))
            .collect();
        assert_eq!(
            states,
            [&format!("merge-normalize/0/state-{shard}.bin")],
            "shard {shard}"
        );
    }
    // Dedupe's observation is shipped once, as the split merge's files: no records beside them.
    for shard in 0..3 {
        let folder = workdir.join(format!("observe-dedupe/{shard}"));
        assert!(folder.join("facts.bin").exists());
        assert!(!folder.join("records.bin").exists(), "{}", folder.display());
        // A sketch task reads the documents of its own shard only.
        let inputs = task_inputs(&workdir, "dedupe-sketch", shard);
        let documents: Vec<&String> = inputs
            .iter()
            .filter(|path| path.ends_with("docs.jsonl"))
            .collect();
        assert_eq!(
            documents,
            [&format!("observe-dedupe/{shard}/docs.jsonl")],
            "shard {shard}"
        );
    }
}

/// A corpus whose people are spelt several ways in documents far apart ("Keir Starrer" in
/// every fifth document, "Keir Starmer" and "Starmer" in the others; "Volodymyr Zelensky" in
/// every third, "Volodymyr Zelenskyy" and "Zelensky" elsewhere), one document a line.
fn people_spelt_several_ways(dir: &Path) -> String {
    const CITIES: [&str; 8] = [
        "London", "Kyiv", "Paris", "Berlin", "Warsaw", "Rome", "Madrid", "Vienna",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const TOPICS: [&str; 5] = [
        "grain exports through the Black Sea",
        "air defence systems for the coming winter",
        "the reconstruction of power stations",
        "sanctions on oil shipments",
        "a loan backed by frozen assets",
    ];
    let lines: Vec<String> = (0..36)
        .map(|i| {
            let starmer = if i % 5 == 1 { "Keir Starrer" } else { "Keir Starmer" };
            let zelensky = if i % 3 == 0 {
                "Volodymyr Zelensky"
            } else {
                "Volodymyr Zelenskyy"
            };
            let surname = if i % 2 == 0 { "Starmer" } else { "Zelensky" };
            let text = format!(
                "British Prime Minister {starmer} met Ukrainian President {zelensky} in {} on {},                  officials said. The two leaders discussed {} during a meeting that lasted {}                  minutes. {surname} told reporters afterwards that {} new projects would start in                  {} before the end of the year, and that the talks would continue next month.",
                CITIES[i % 8],
                DAYS[i % 7],
                TOPICS[i % 5],
                40 + i,
                3 + i * 7,
                CITIES[(i * 3 + 1) % 8],
            );
            serde_json::json!({ "id": format!("story-{i:02}"), "text": text }).to_string()
        })
        .collect();
    fs::write(dir.join("people.jsonl"), lines.join("\n") + "\n").unwrap();
    "people.jsonl".into()
}

/// The shard of each record of the plan in `workdir`.
fn shard_of_records(workdir: &Path) -> Vec<usize> {
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(workdir.join("plan.json")).unwrap()).unwrap();
    let mut shard_of = Vec::new();
    for (shard, range) in plan["shards"].as_array().unwrap().iter().enumerate() {
        shard_of.extend(std::iter::repeat_n(
            shard,
            range["records"].as_u64().unwrap() as usize,
        ));
    }
    shard_of
}

#[test]
fn split_runs_match_with_one_person_spelt_several_ways_across_shards() {
    let dir = tempfile::tempdir().unwrap();
    let input = people_spelt_several_ways(dir.path());
    let pipeline = pipeline(dir.path(), &input, 2);
    let text = fs::read_to_string(&pipeline).unwrap();
    fs::write(&pipeline, format!("cluster:\n  bucket_tasks: 3\n{text}")).unwrap();
    check_shard_counts(dir.path(), &pipeline);

    // The minority spellings were merged into the majority's, from documents in other shards.
    let workdir = dir.path().join("work-7");
    let shard_of = shard_of_records(&workdir);
    let documents = fs::read_to_string(dir.path().join("out/documents.jsonl")).unwrap();
    let mut shards_naming: BTreeMap<String, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for line in documents.lines() {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = doc["id"].as_str().unwrap();
        let record: usize = id.trim_start_matches("story-").parse().unwrap();
        for entity in doc["entities"].as_array().unwrap() {
            let spelling = format!("{} -> {}", entity["text"], entity["canonical"]);
            shards_naming
                .entry(spelling)
                .or_default()
                .insert(shard_of[record]);
        }
    }
    for merged in [
        "\"Keir Starrer\" -> \"Keir Starmer\"",
        "\"Keir Starmer\" -> \"Keir Starmer\"",
        "\"Starmer\" -> \"Keir Starmer\"",
        "\"Volodymyr Zelensky\" -> \"Volodymyr Zelenskyy\"",
        "\"Zelensky\" -> \"Volodymyr Zelenskyy\"",
    ] {
        let shards = shards_naming.get(merged);
        assert!(
            shards.is_some_and(|s| s.len() > 1),
            "{merged} in shards {shards:?}: {shards_naming:?}"
        );
    }
    assert!(
        documents.contains("\"minority\":true"),
        "no minority spelling recorded"
    );

    // The bucket tasks read their names files, no records; one state per shard.
    for rank in 0..3 {
        let inputs = task_inputs(&workdir, "extract-bucket", rank);
        assert_eq!(
            inputs
                .iter()
                .filter(|path| path.ends_with(&format!("names-{rank}.bin")))
                .count(),
            7,
            "{inputs:?}"
        );
        assert!(!inputs.iter().any(|path| path.ends_with("records.bin")));
    }
    for shard in 0..7 {
        assert!(!workdir
            .join(format!("observe-extract/{shard}/records.bin"))
            .exists());
        assert!(workdir
            .join(format!("merge-extract/0/state-{shard}.bin"))
            .exists());
    }
}

/// The release build of `newspipe` that `cargo xtask ci` builds and names in
/// `NEWSPIPE_RELEASE_BIN`; `None` (after saying why the caller skips) on a developer machine
/// without it. Under `CI` a missing binary fails the test.
fn release_binary(test: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os("NEWSPIPE_RELEASE_BIN").map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test} needs the release binary in NEWSPIPE_RELEASE_BIN; run CI through `cargo xtask ci`"
        );
        eprintln!(
            "SKIPPED {test}: NEWSPIPE_RELEASE_BIN is not set (`cargo build --release -p newspipe`, \
             then NEWSPIPE_RELEASE_BIN=target/release/newspipe; `cargo xtask ci` does both)"
        );
        return None;
    };
    assert!(
        path.is_file(),
        "NEWSPIPE_RELEASE_BIN names {}, which is not a file",
        path.display()
    );
    Some(path)
}

/// Bytes of text in the large generated corpus: the issue's 30 MB.
const LARGE_CORPUS_BYTES: usize = 30_000_000;

/// A generated corpus of at least [`LARGE_CORPUS_BYTES`] of text: passes of the clean preset
/// (reposts, abridged copies, syndication wrappers) over 400 synthetic articles with
/// successive seeds, then every document put in the order of a hash of its id, so that the
/// copies of one article lie anywhere in the file (a pass alone would sit in one shard).
/// Returns the file name and each line's copy group.
fn large_generated_corpus(dir: &Path) -> (String, Vec<String>) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let articles = synthetic_articles(400, 31);
    let mut docs: Vec<(u64, String, String)> = Vec::new();
    let mut bytes = 0;
    for pass in 0u64.. {
        for mut doc in generate(&articles, &CorpusSpec::clean(31 + pass * 1_000_003)) {
            doc.id = format!("p{pass}-{}", doc.id);
            bytes += doc.text.len();
            let mut place = DefaultHasher::new();
            doc.id.hash(&mut place);
            let group = format!("p{pass}-{}", doc.cluster);
            docs.push((place.finish(), group, serde_json::to_string(&doc).unwrap()));
        }
        if bytes >= LARGE_CORPUS_BYTES {
            break;
        }
    }
    docs.sort();
    let (groups, lines): (Vec<String>, Vec<String>) = docs
        .into_iter()
        .map(|(_, group, line)| (group, line))
        .unzip();
    fs::write(dir.join("large.jsonl"), lines.join("\n") + "\n").unwrap();
    ("large.jsonl".into(), groups)
}

/// How many copy groups have documents in more than one shard of the plan in `workdir`
/// (the input is one JSON Lines file without blank lines, so record `n` is line `n`).
fn groups_split_across_shards(workdir: &Path, groups: &[String]) -> usize {
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(workdir.join("plan.json")).unwrap()).unwrap();
    let mut shards_of: BTreeMap<&str, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for (shard, range) in plan["shards"].as_array().unwrap().iter().enumerate() {
        let first = range["first_record"].as_u64().unwrap() as usize;
        let records = range["records"].as_u64().unwrap() as usize;
        for group in &groups[first..first + records] {
            shards_of.entry(group).or_default().insert(shard);
        }
    }
    shards_of.values().filter(|shards| shards.len() > 1).count()
}

/// The issue's 30 MB corpus with copies across shards: 1, 3 and 7 shards give the in-process
/// run's outputs. It runs the release binary (CI builds it): the debug build took over 20
/// minutes on it.
#[test]
fn split_runs_match_the_in_process_run_on_a_30_mb_generated_corpus() {
    let test = "the 30 MB split-run test";
    let Some(program) = release_binary(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (input, groups) = large_generated_corpus(dir.path());
    let size = fs::metadata(dir.path().join(&input)).unwrap().len();
    assert!(size >= LARGE_CORPUS_BYTES as u64, "{size} bytes");
    let pipeline = pipeline(dir.path(), &input, 256);
    check_shard_counts_with(&program, dir.path(), &pipeline);
    let groups_with_copies = {
        let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
        for group in &groups {
            *sizes.entry(group).or_default() += 1;
        }
        sizes.values().filter(|&&n| n > 1).count()
    };
    for shards in [3, 7] {
        let split = groups_split_across_shards(&dir.path().join(format!("work-{shards}")), &groups);
        assert!(
            split * 2 > groups_with_copies,
            "with {shards} shards only {split} of {groups_with_copies} copy groups span shards"
        );
    }
}

/// The arguments of a quiet run of `pipeline` split into three shards by the local executor,
/// working in `work`.
fn local_split_run(pipeline: &str) -> [&str; 9] {
    [
        "run",
        pipeline,
        "-q",
        "--executor",
        "local",
        "--shards",
        "3",
        "--workdir",
        "work",
    ]
}

/// Kills a split run (the executor and every task, with SIGKILL) after `delay`, and waits
/// until every process of it has ended, as a scheduler does before it reruns a job: `kill`
/// returns once the signal is sent, and a task blocked in a system call (a rename or a sync on
/// a busy disk) still completes that call before it dies, possibly after the next run began.
fn killed_run(dir: &Path, args: &[&str], delay: Duration) {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(args)
        .current_dir(dir)
        .process_group(0)
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let group = child.id();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status();
    let _ = child.wait();
    let started = std::time::Instant::now();
    while live_processes_in_group(group) > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the killed run's tasks are still alive after a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Processes of process group `group` that have not ended (zombies, already dead, excepted),
/// from `/proc/PID/stat`: the state is the field after the command's closing parenthesis, the
/// group the third after it.
fn live_processes_in_group(group: u32) -> usize {
    let group = group.to_string();
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| fs::read_to_string(entry.ok()?.path().join("stat")).ok())
        .filter(|stat| {
            let Some((_, after_command)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = after_command.split_whitespace().collect();
            fields.len() > 2 && !matches!(fields[0], "Z" | "X") && fields[2] == group
        })
        .count()
}

#[test]
fn a_killed_run_resumes_to_the_same_output_and_a_corrupt_file_names_its_task() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let input = generated_corpus(dir);
    let pipeline = pipeline(dir, &input, 8);
    let pipeline = pipeline.to_str().unwrap();
    ok(dir, &["run", pipeline, "-q"]);
    let single = outputs(dir);
    fs::remove_dir_all(dir.join("out")).unwrap();

    let args = local_split_run(pipeline);
    for millis in [300, 900, 1500, 2500] {
        killed_run(dir, &args, Duration::from_millis(millis));
    }
    ok(dir, &args);
    let resumed = outputs(dir);
    let differ: Vec<&String> = single
        .keys()
        .filter(|name| single.get(*name) != resumed.get(*name))
        .collect();
    assert!(differ.is_empty(), "the resumed run differs in {differ:?}");

    // A flipped byte in one shard's observation: the fact tasks name the task that wrote it.
    flip_byte_and_expect_refusal(
        dir,
        "work/observe-dedupe/1/facts.bin",
        FlippedByte::Last,
        "dedupe-facts",
        "task `observe-dedupe` rank 1",
    );
    // A flipped byte in a bucket task's part of extract's map for one shard, and in one
    // shard's people for extract's bucket tasks (the merge first: a failed bucket task leaves
    // no files for it).
    flip_byte_and_expect_refusal(
        dir,
        "work/extract-bucket/0/map-1.bin",
        FlippedByte::At(6),
        "merge-extract",
        "task `extract-bucket` rank 0",
    );
    flip_byte_and_expect_refusal(
        dir,
        "work/observe-extract/2/names-0.bin",
        FlippedByte::Last,
        "extract-bucket",
        "task `observe-extract` rank 2",
    );
    // Running the graph again redoes those tasks and everything after them.
    fs::remove_dir_all(dir.join("out")).unwrap();
    ok(dir, &args);
    assert!(outputs(dir) == single, "the repaired run differs");

    // A merge step's file for one shard of a stage whose apply tasks cut their own states:
    // the apply task of that shard (here the assemble task, which applies score-reliability)
    // names the merge step's task.
    flip_byte_and_expect_refusal(
        dir,
        "work/score-reliability-tables/0/tables-1.bin",
        FlippedByte::At(6),
        "assemble",
        "task `score-reliability-tables` rank 0",
    );
    ok(dir, &args);
    assert!(outputs(dir) == single, "the run repaired again differs");
}

/// The tasks of the last split run in `dir/work` that ran, from their logs (the executor writes
/// each task's log afresh every run; a task whose completion marker still holds says so in it).
fn tasks_that_ran(dir: &Path) -> Vec<String> {
    let mut ran: Vec<String> = fs::read_dir(dir.join("work/logs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|log| {
            !fs::read_to_string(log)
                .unwrap()
                .contains("is already done; skipped")
        })
        .map(|log| log.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    ran.sort();
    ran
}

#[test]
fn a_lost_or_cut_output_is_rebuilt_when_the_run_is_resubmitted() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let input = generated_corpus(dir);
    let pipeline = pipeline(dir, &input, 8);
    let args = local_split_run(pipeline.to_str().unwrap());
    ok(dir, &args);
    let logs = fs::read_dir(dir.join("work/logs")).unwrap().count();
    assert!(
        logs > 10,
        "a split run of every stage has many tasks: {logs}"
    );
    assert_eq!(tasks_that_ran(dir).len(), logs);
    let out = dir.join("out");
    let documents = fs::read(out.join("documents.jsonl")).unwrap();
    let table = out.join("tables/entities.csv");
    let entities = fs::read(&table).unwrap();
    assert!(documents.len() > 1000 && entities.len() > 100);
    let first = outputs(dir);

    // Untouched: every task's marker holds, nothing runs again.
    ok(dir, &args);
    assert_eq!(tasks_that_ran(dir), Vec::<String>::new());

    // A deleted output: only the task that wrote it runs again, and writes the same bytes.
    fs::remove_file(out.join("documents.jsonl")).unwrap();
    ok(dir, &args);
    assert_eq!(tasks_that_ran(dir), ["assemble.0"]);
    assert!(fs::read(out.join("documents.jsonl")).unwrap() == documents);

    // A truncated output (a CSV table in the tables folder): the same.
    fs::OpenOptions::new()
        .write(true)
        .open(&table)
        .unwrap()
        .set_len(entities.len() as u64 / 2)
        .unwrap();
    ok(dir, &args);
    assert_eq!(tasks_that_ran(dir), ["assemble.0"]);
    assert!(fs::read(&table).unwrap() == entities);
    assert!(outputs(dir) == first, "the rebuilt outputs differ");

    ok(dir, &args);
    assert_eq!(tasks_that_ran(dir), Vec::<String>::new());

    // A byte changed in place, the file's length and modification time kept: a resume only
    // stats the files and sees nothing, but the task that reads the file checks its hash as it
    // reads, names the task that wrote it and removes that task's marker, so that running the
    // graph again rewrites the file.
    let claims = dir.join("work/observe-score-reliability/1/claims.bin");
    let modified = fs::metadata(&claims).unwrap().modified().unwrap();
    let mut bytes = fs::read(&claims).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&claims, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&claims)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    ok(dir, &args);
    assert_eq!(
        tasks_that_ran(dir),
        Vec::<String>::new(),
        "a resume reads no file"
    );
    fs::remove_file(dir.join("work/score-reliability-bucket/0/done.json")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(["run-task", "--plan", "work/plan.json"])
        .args(["--task", "score-reliability-bucket", "--rank", "0"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("corrupt input")
            && stderr.contains("observe-score-reliability/1/claims.bin")
            && stderr.contains("task `observe-score-reliability` rank 1"),
        "{stderr}"
    );
    ok(dir, &args);
    let ran = tasks_that_ran(dir);
    for task in ["observe-score-reliability.1", "score-reliability-bucket.0"] {
        assert!(ran.iter().any(|t| t == task), "{task} ran again: {ran:?}");
    }
    assert!(
        !ran.iter().any(|t| t.starts_with("observe-extract")),
        "the tasks before it did not: {ran:?}"
    );
    assert!(
        outputs(dir) == first,
        "the outputs repaired in place differ"
    );
}

#[test]
fn plan_emits_one_indexed_job_per_step_for_kubernetes() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = root().join("seeds");
    let pipeline = pipeline(dir.path(), seeds.to_str().unwrap(), 2);
    let pipeline = pipeline.to_str().unwrap();
    let args = ["plan", pipeline, "--shards", "3", "--workdir", "w"];
    ok(
        dir.path(),
        &[&args[..], &["--emit", "k8s", "--image", "reg/np:1"]].concat(),
    );
    let workdir = dir.path().join("w").canonicalize().unwrap();
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(workdir.join("plan.json")).unwrap()).unwrap();
    let steps = plan["steps"].as_array().unwrap();
    let mut files: Vec<PathBuf> = fs::read_dir(workdir.join("k8s"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), steps.len());
    for (file, step) in files.iter().zip(steps) {
        let job: serde_json::Value =
            serde_yaml::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(job["kind"], "Job", "{}", file.display());
        assert_eq!(job["apiVersion"], "batch/v1");
        let spec = &job["spec"];
        assert_eq!(spec["completionMode"], "Indexed");
        assert_eq!(spec["completions"], step["ranks"]);
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Never");
        let container = &pod["containers"][0];
        assert_eq!(container["image"], "reg/np:1");
        let command: Vec<&str> = container["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| part.as_str().unwrap())
            .collect();
        let plan_file = workdir.join("plan.json");
        assert_eq!(
            command,
            [
                "newspipe",
                "run-task",
                "--plan",
                plan_file.to_str().unwrap(),
                "--task",
                step["name"].as_str().unwrap()
            ]
        );
        let mount = &container["volumeMounts"][0];
        assert_eq!(mount["mountPath"], workdir.to_str().unwrap());
        assert_eq!(pod["volumes"][0]["name"], mount["name"]);
        assert_eq!(
            pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "newspipe-work"
        );
    }
}

/// A pipeline that stops at its first reject (`on_error: fail`) over JSON Lines whose fifth
/// line is broken: the shard holding it fails its first task.
pub(super) fn failing_pipeline(dir: &Path) -> PathBuf {
    let lines: Vec<String> = (0..8)
        .map(|i| match i {
            4 => "{\"id\": \"broken\", \"text\": ".to_string(),
            _ => serde_json::json!({"id": format!("d{i}"), "text": format!("Report {i} says the council met on Monday.")}).to_string(),
        })
        .collect();
    fs::write(dir.join("failing.jsonl"), lines.join("\n") + "\n").unwrap();
    let path = pipeline(dir, "failing.jsonl", 2);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("on_error: fail\n{text}")).unwrap();
    path
}

#[test]
fn a_failed_task_is_named_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = failing_pipeline(dir.path());
    let pipeline = pipeline.to_str().unwrap();
    let output = newspipe(dir.path(), &local_split_run(pipeline));
    assert!(!output.status.success(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("task `observe-normalize` rank 1 failed") && stderr.contains("on_error"),
        "{stderr}"
    );
    let log = dir.path().join("work/logs/observe-normalize.1.log");
    assert!(stderr.contains(log.to_str().unwrap()), "{stderr}");
    assert!(fs::read_to_string(&log).unwrap().contains("line 5"));
    assert!(!dir.path().join("out/documents.jsonl").exists());
}

/// The `id` column of a Parquet part of the `documents` table, in row order.
fn part_ids(part: &Path) -> Vec<String> {
    use arrow_array::cast::AsArray;
    let file = fs::File::open(part).unwrap_or_else(|err| panic!("{}: {err}", part.display()));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let column = batch.column_by_name("id").expect("documents.id");
        ids.extend(
            column
                .as_string::<i32>()
                .iter()
                .map(|id| id.unwrap().to_string()),
        );
    }
    ids
}

/// The `part-*.parquet` file names in a table's folder, sorted.
fn part_names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".parquet"))
        .collect();
    names.sort();
    names
}

/// A split run writes one Parquet part per shard, named by the shard, in every table's folder
/// (the `runs` table keeps its one part): each part holds the rows of its shard's documents, in
/// their order, and read back together the parts hold exactly the SQLite tables. A run on one
/// machine writes the same rows as one part, and replaces the split run's parts.
#[test]
fn a_split_run_writes_one_parquet_part_per_shard() {
    let dir = tempfile::tempdir().unwrap();
    let input = generated_corpus(dir.path());
    let pipeline = pipeline(dir.path(), &input, 8);
    let yaml = fs::read_to_string(&pipeline).unwrap();
    let with_parquet = yaml.replacen(
        "sqlite: out/news.db",
        "sqlite: out/news.db\n      parquet: out/parquet/",
        1,
    );
    assert_ne!(with_parquet, yaml, "the default pipeline writes SQLite");
    fs::write(&pipeline, with_parquet).unwrap();
    let pipeline = pipeline.to_str().unwrap();
    let out = dir.path().join("out");
    let parquet = out.join("parquet");
    ok(dir.path(), &local_split_run(pipeline));
    let shard_parts = [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ];
    for table in &newspipe_export::schema::TABLES {
        let expected: &[&str] = if table.name == "runs" {
            &shard_parts[..1]
        } else {
            &shard_parts
        };
        assert_eq!(
            part_names(&parquet.join(table.name)),
            expected,
            "{}",
            table.name
        );
    }
    let jsonl_ids: Vec<String> = super::support::read_jsonl(&out.join("documents.jsonl"))
        .iter()
        .map(|doc| doc["id"].as_str().unwrap().to_string())
        .collect();
    let mut ids_by_part = Vec::new();
    for (rank, part) in shard_parts.iter().enumerate() {
        let ids = part_ids(&parquet.join("documents").join(part));
        // The documents the assemble task read from this shard (none is dropped at export).
        let meta: serde_json::Value = serde_json::from_slice(
            &fs::read(
                dir.path()
                    .join(format!("work/observe-score-reliability/{rank}/meta.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let shard_docs: u64 = meta["batches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert!(!ids.is_empty(), "shard {rank} wrote an empty part");
        assert_eq!(ids.len() as u64, shard_docs, "rows of shard {rank}'s part");
        ids_by_part.extend(ids);
    }
    assert_eq!(
        ids_by_part, jsonl_ids,
        "the parts in order hold the documents in order"
    );
    let db = rusqlite::Connection::open(out.join("news.db")).unwrap();
    super::export::tables::assert_parquet_equals_sqlite(&parquet, &db);

    ok(dir.path(), &["run", pipeline, "-q"]);
    for table in &newspipe_export::schema::TABLES {
        assert_eq!(
            part_names(&parquet.join(table.name)),
            ["part-00000.parquet"],
            "{}",
            table.name
        );
    }
    assert_eq!(
        part_ids(&parquet.join("documents/part-00000.parquet")),
        jsonl_ids
    );
    let db = rusqlite::Connection::open(out.join("news.db")).unwrap();
    super::export::tables::assert_parquet_equals_sqlite(&parquet, &db);
}

/// Which byte of a file [`flip_byte_and_expect_refusal`] flips.
enum FlippedByte {
    Last,
    At(usize),
}

/// Flips one byte of `file` (relative to `dir`), runs `task` at rank 0 and expects it to refuse
/// the file as a corrupt input, naming the file and `writer` (the task that should have written
/// it).
fn flip_byte_and_expect_refusal(
    dir: &Path,
    file: &str,
    byte: FlippedByte,
    task: &str,
    writer: &str,
) {
    let path = dir.join(file);
    let mut bytes = fs::read(&path).unwrap();
    let at = match byte {
        FlippedByte::Last => bytes.len() - 1,
        FlippedByte::At(at) => at,
    };
    bytes[at] ^= 0x55;
    fs::write(&path, bytes).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(["run-task", "--plan", "work/plan.json", "--task", task])
        .env("SLURM_ARRAY_TASK_ID", "0")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let named = file.trim_start_matches("work/");
    assert!(
        stderr.contains("corrupt input") && stderr.contains(named) && stderr.contains(writer),
        "{stderr}"
    );
}
