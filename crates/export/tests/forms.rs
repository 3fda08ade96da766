//! The five output forms over a hand-made corpus that carries every annotation: the same rows
//! in CSV, SQLite and Parquet as in JSON Lines, clean keys, a readable and safe report, atomic
//! and deterministic writes.

mod fixtures;
mod tables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use newspipe_core::{BuildContext, Document, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};
use rusqlite::Connection;

fn context(dir: &Path) -> BuildContext {
    BuildContext {
        base_dir: dir.to_path_buf(),
        pipeline: "fixture".into(),
    }
}

fn run_info() -> RunInfo {
    RunInfo {
        pipeline: "fixture".into(),
        config_hash: "abc123".into(),
        read: 7,
        rejected: 1,
        dropped: 1,
        started_at: "2025-03-06T10:00:00Z".into(),
    }
}

fn all_forms() -> ExportConfig {
    ExportConfig {
        jsonl: Some("out/documents.jsonl".into()),
        csv: Some("out/tables".into()),
        sqlite: Some("out/news.db".into()),
        parquet: Some("out/parquet".into()),
        html: Some("out/report.html".into()),
        ..ExportConfig::default()
    }
}

/// Exports `docs` in batches of two with `config` into `dir`.
fn export(dir: &Path, config: ExportConfig, mut docs: Vec<Document>) {
    let mut export = Export::new(config, &context(dir)).unwrap();
    for batch in docs.chunks_mut(2) {
        export.write(batch).unwrap();
    }
    export.finish(&run_info()).unwrap();
}

/// Rows each table must have, counted from the documents themselves.
fn expected_rows(docs: &[Document]) -> BTreeMap<&'static str, usize> {
    let mut rows = BTreeMap::new();
    let mut add = |table: &'static str, n: usize| *rows.entry(table).or_insert(0) += n;
    add("runs", 1);
    for doc in docs {
        add("documents", 1);
        add("entities", doc.entities.len());
        add("dates", doc.dates.len());
        add("quantities", doc.quantities.len());
        add("quotes", doc.quotes.len());
        add("claims", doc.claims.len());
        add("clusters", usize::from(doc.dedupe.is_some()));
        let signals = doc.reliability.iter().flat_map(|r| &r.signals);
        add("signals", signals.clone().count());
        add("signal_evidence", signals.map(|s| s.evidence.len()).sum());
        for claim in &doc.claims {
            let Some(r) = &claim.reliability else {
                continue;
            };
            let support: BTreeSet<_> = r.supported_by.iter().collect();
            let against: BTreeSet<_> = r.contradicted_by.iter().collect();
            add("claim_support", support.len() + against.len());
            add("claim_signals", r.signals.len());
            add(
                "claim_signal_evidence",
                r.signals.iter().map(|s| s.evidence.len()).sum(),
            );
        }
    }
    rows
}

#[test]
fn every_form_holds_the_same_rows_and_the_keys_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = fixtures::corpus();
    let expected = expected_rows(&corpus);
    assert!(
        expected.values().all(|&n| n > 0),
        "the fixture must exercise every table: {expected:?}"
    );
    export(dir.path(), all_forms(), corpus.clone());
    let out = dir.path().join("out");

    let jsonl = std::fs::read_to_string(out.join("documents.jsonl")).unwrap();
    let back: Vec<Document> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(back, corpus, "JSON Lines round-trips every document");

    let mut csv_rows = BTreeMap::new();
    for table in newspipe_export::schema::TABLES {
        let mut reader = csv::Reader::from_path(out.join(format!("tables/{}.csv", table.name)))
            .unwrap_or_else(|err| panic!("{}: {err}", table.name));
        assert_eq!(reader.headers().unwrap().len(), table.columns.len());
        let rows = reader
            .records()
            .inspect(|r| assert!(r.is_ok(), "{r:?}"))
            .count();
        csv_rows.insert(table.name, rows);
    }
    assert_eq!(csv_rows, expected, "CSV rows");

    let db = Connection::open(out.join("news.db")).unwrap();
    let mut sql_rows = BTreeMap::new();
    for table in newspipe_export::schema::TABLES {
        let n: usize = db
            .query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })
            .unwrap();
        sql_rows.insert(table.name, n);
    }
    assert_eq!(sql_rows, expected, "SQLite rows");
    let violations: usize = db
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0, "PRAGMA foreign_key_check");
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, newspipe_export::SCHEMA_VERSION);

    let parquet_rows = tables::assert_parquet_equals_sqlite(&out.join("parquet"), &db);
    let names = newspipe_export::schema::TABLES.iter().map(|t| t.name);
    assert_eq!(
        names.zip(parquet_rows).collect::<BTreeMap<_, _>>(),
        expected,
        "Parquet rows"
    );
}

#[test]
fn the_tables_say_what_the_documents_say() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), all_forms(), fixtures::corpus());
    let db = Connection::open(dir.path().join("out/news.db")).unwrap();
    let strings = |sql: &str| -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };

    // Byte offsets point at the words: every mention but the one deliberately cut inside "К".
    let mismatched = strings(
        "SELECT e.doc_id || ':' || e.idx FROM entities e JOIN documents d ON d.id = e.doc_id
         WHERE CAST(substr(CAST(d.text AS BLOB), e.start_byte + 1, e.end_byte - e.start_byte) AS TEXT)
               IS NOT e.text",
    );
    assert_eq!(mismatched, ["summary-003:4"]);

    let support = strings(
        "SELECT doc_id || '#' || claim_idx || ' ' || relation || ' ' || other_doc_id
         FROM claim_support ORDER BY doc_id, claim_idx, relation, other_doc_id",
    );
    assert_eq!(
        support,
        [
            "old-004#0 contradicts wire-001",
            "old-004#0 supports absent-999",
            "summary-003#0 supports wire-001",
            "wire-001#0 contradicts old-004",
            "wire-001#0 supports summary-003",
        ]
    );

    let range: (f64, f64, String) = db
        .query_row(
            "SELECT value_low, value_high, qualifier FROM quantities WHERE doc_id = 'wire-001' AND idx = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(range, (2e9, 3e9, "range".into()));

    let copy: (String, String, i64, f64, String, String) = db
        .query_row(
            "SELECT cluster, relation, representative, similarity, duplicate_of, origin
             FROM clusters WHERE doc_id = 'repost-002'",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        copy,
        (
            "c-wire".into(),
            "syndicated".into(),
            0,
            0.93,
            "wire-001".into(),
            "Reuters".into()
        )
    );

    let run: (String, String, i64, i64, i64, i64) = db
        .query_row(
            "SELECT pipeline, config_hash, read, written, rejected, dropped FROM runs",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(run, ("fixture".into(), "abc123".into(), 7, 5, 1, 1));

    let inapplicable = strings("SELECT name FROM signals WHERE applicable = 0");
    assert_eq!(inapplicable, ["machine_translation"]);
    let evidence = strings(
        "SELECT signal || ' -> ' || evidence_doc FROM claim_signal_evidence ORDER BY doc_id, claim_idx, signal_idx, idx",
    );
    assert_eq!(
        evidence,
        [
            "date_consistency -> absent-999",
            "corroboration -> summary-003",
            "contradiction -> old-004",
        ]
    );

    // The README's example query, read from the README itself.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let query = readme
        .split("sqlite3 -header -column out/news.db \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the README shows a sqlite3 query");
    let mut stmt = db.prepare(query).unwrap();
    let top: Vec<(String, i64, Option<String>, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        top[..4],
        [
            ("wire-001".into(), 0, Some("high".into()), 1),
            ("summary-003".into(), 0, Some("medium".into()), 1),
            ("old-004".into(), 0, Some("low".into()), 1),
            ("wire-001".into(), 1, Some("medium".into()), 0),
        ]
    );

    // CSV: RFC 4180 quoting of the text with quotes, commas and newlines; booleans as words.
    let mut reader = csv::Reader::from_path(dir.path().join("out/tables/quotes.csv")).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[2], "We are ready to deploy within weeks,");
    assert_eq!(&first[4], "true");
    let mut reader = csv::Reader::from_path(dir.path().join("out/tables/documents.csv")).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[20], fixtures::corpus()[0].text);

    // The outlet's basis beside the outlet, and plugin fields as one JSON object.
    let (outlet, basis, extra): (String, String, String) = db
        .query_row(
            "SELECT outlet, outlet_basis, extra FROM documents WHERE id = 'wire-001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (outlet.as_str(), basis.as_str()),
        ("Example Wire", "html_meta")
    );
    let extra: serde_json::Value = serde_json::from_str(&extra).unwrap();
    assert_eq!(
        extra,
        serde_json::json!({
            "plugin_note": "«ready» — 準備",
            "topic": {"label": "defence", "p": 0.82, "tags": ["troops", 1500]},
        })
    );
    let label: String = db
        .query_row(
            "SELECT extra ->> '$.topic.label' FROM documents WHERE id = 'wire-001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(label, "defence", "SQLite's JSON functions read the column");
    let without = strings("SELECT id FROM documents WHERE extra IS NULL ORDER BY id");
    assert_eq!(without.len(), fixtures::corpus().len() - 1, "{without:?}");
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&first[column("outlet_basis")], "html_meta");
    let from_csv: serde_json::Value = serde_json::from_str(&first[column("extra")]).unwrap();
    assert_eq!(from_csv, extra);
}

#[test]
fn csv_headers() {
    let dir = tempfile::tempdir().unwrap();
    let config = ExportConfig {
        csv: Some("tables".into()),
        ..ExportConfig::default()
    };
    export(dir.path(), config, Vec::new());
    let headers: BTreeMap<String, String> = newspipe_export::schema::TABLES
        .iter()
        .map(|table| {
            let path = dir.path().join(format!("tables/{}.csv", table.name));
            let text = std::fs::read_to_string(path).unwrap();
            (
                table.name.to_owned(),
                text.lines().next().unwrap().to_owned(),
            )
        })
        .collect();
    insta::assert_yaml_snapshot!(headers);
}

#[test]
fn sqlite_schema() {
    let dir = tempfile::tempdir().unwrap();
    let config = ExportConfig {
        sqlite: Some("news.db".into()),
        ..ExportConfig::default()
    };
    export(dir.path(), config, Vec::new());
    let db = Connection::open(dir.path().join("news.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL
             ORDER BY type DESC, tbl_name = 'runs', rowid",
        )
        .unwrap();
    let schema: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    insta::assert_snapshot!(schema.join(";\n\n"));
}

#[test]
fn a_rerun_replaces_the_database_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let config = ExportConfig {
        sqlite: Some("out/news.db".into()),
        ..ExportConfig::default()
    };
    let corpus = fixtures::corpus();
    export(dir.path(), config.clone(), corpus[..2].to_vec());
    let path = dir.path().join("out/news.db");
    let count = |db: &Connection| -> i64 {
        db.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
            .unwrap()
    };

    let mut second = Export::new(config, &context(dir.path())).unwrap();
    second.write(&mut corpus.clone()).unwrap();
    let before = Connection::open(&path).unwrap();
    assert_eq!(
        count(&before),
        2,
        "the old database stays whole until finish"
    );
    second.finish(&run_info()).unwrap();
    assert_eq!(count(&before), 2, "an open reader keeps its snapshot");
    assert_eq!(count(&Connection::open(&path).unwrap()), 5);
    let files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["news.db"], "no temporary file is left behind");
}

#[test]
fn an_unwritable_output_fails_before_any_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocker"), "a file, not a folder").unwrap();
    for (form, config) in [
        (
            "sqlite",
            ExportConfig {
                sqlite: Some("blocker/news.db".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "csv",
            ExportConfig {
                csv: Some("blocker/tables".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "parquet",
            ExportConfig {
                parquet: Some("blocker/parquet".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "html",
            ExportConfig {
                html: Some("blocker/report.html".into()),
                ..ExportConfig::default()
            },
        ),
    ] {
        let err = Export::new(config, &context(dir.path())).err().unwrap();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{form} output: ")),
            "{message}"
        );
        assert!(message.contains("blocker"), "{message}");
    }
}

#[test]
fn an_abandoned_run_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut export = Export::new(all_forms(), &context(dir.path())).unwrap();
    export.write(&mut fixtures::corpus()).unwrap();
    drop(export);
    let left: Vec<_> = walk(&dir.path().join("out"));
    assert!(left.is_empty(), "{left:?}");
}

/// The bytes of every Parquet file under `dir` but the `runs` table's (it holds the time).
fn parquet_bytes(dir: &Path) -> BTreeMap<std::path::PathBuf, Vec<u8>> {
    walk(dir)
        .into_iter()
        .filter(|path| !path.starts_with(dir.join("runs")))
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn parquet_bytes_depend_only_on_the_documents() {
    // Enough documents for several Arrow batches in every large table.
    let corpus = fixtures::scaled(&fixtures::corpus(), 0..2_600);
    let config = ExportConfig {
        parquet: Some("parquet".into()),
        ..ExportConfig::default()
    };
    let mut outputs = Vec::new();
    for batch in [1, 7, 500] {
        let dir = tempfile::tempdir().unwrap();
        let mut export = Export::new(config.clone(), &context(dir.path())).unwrap();
        for chunk in corpus.chunks(batch) {
            export.write(&mut chunk.to_vec()).unwrap();
        }
        export.finish(&run_info()).unwrap();
        outputs.push(parquet_bytes(&dir.path().join("parquet")));
    }
    let tables: Vec<_> = outputs[0].keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        tables.len(),
        newspipe_export::schema::TABLES.len() - 1,
        "{tables:?}"
    );
    assert!(
        tables.contains(&"documents/part-00000.parquet".to_string()),
        "{tables:?}"
    );
    assert!(outputs[0] == outputs[1], "batches of 1 and of 7 differ");
    assert!(outputs[0] == outputs[2], "batches of 1 and of 500 differ");
}

#[test]
fn a_parquet_rerun_replaces_every_earlier_part() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("parquet");
    // What a cluster run with three shards left, and a file of the user's.
    for table in newspipe_export::schema::TABLES {
        for part in 0..3 {
            let path = out
                .join(table.name)
                .join(newspipe_export::part_file_name(part));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "old part").unwrap();
        }
    }
    std::fs::write(out.join("documents/notes.txt"), "mine").unwrap();
    let config = ExportConfig {
        parquet: Some("parquet".into()),
        ..ExportConfig::default()
    };
    export(dir.path(), config, fixtures::corpus());
    let mut files: Vec<String> = walk(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    files.sort();
    let mut expected: Vec<String> = newspipe_export::schema::TABLES
        .iter()
        .map(|t| format!("{}/part-00000.parquet", t.name))
        .chain(["documents/notes.txt".to_string()])
        .collect();
    expected.sort();
    assert_eq!(files, expected);
    let rows = tables::parquet_rows(&out, &newspipe_export::schema::TABLES[0]);
    assert_eq!(rows.len(), fixtures::corpus().len());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
