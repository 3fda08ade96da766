//! What export writes for each seed after the whole default chain (normalize → dedupe →
//! extract → score-reliability): the seed's rows in every CSV table, one snapshot per seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use newspipe_config::{Input, InputFormat, OnError, Pipeline, StageSpec};
use newspipe_core::{BuildContext, Registry, RunInfo, Sink};
use newspipe_export::{schema::TABLES, Export, ExportConfig};
use newspipe_runner::RunOptions;

/// Rows shown per table; the rest are counted.
const ROWS_SHOWN: usize = 6;
/// Characters shown per cell.
const CELL_WIDTH: usize = 48;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

/// Runs the chain over all seeds once and exports the CSV tables; returns their folder.
fn tables() -> &'static Path {
    static TABLES_DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    TABLES_DIR
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let mut registry = Registry::new();
            registry
                .register(newspipe_normalize::factory())
                .register(newspipe_dedupe::factory())
                .register(newspipe_extract::factory())
                .register(newspipe_score_reliability::factory());
            let stages: Vec<StageSpec> = registry
                .names()
                .into_iter()
                .map(|name| StageSpec {
                    name: name.into(),
                    config: serde_json::json!({}),
                })
                .collect();
            let input = Input {
                path: seeds_dir(),
                format: InputFormat::Auto,
                batch_size: 64,
                max_document_bytes: newspipe_config::DEFAULT_MAX_DOCUMENT_BYTES,
            };
            let pipeline = Pipeline {
                name: "seeds".into(),
                file: dir.path().join("p.yaml"),
                base_dir: dir.path().to_path_buf(),
                config_hash: "0".into(),
                input: input.clone(),
                on_error: OnError::Fail,
                rejects: dir.path().join("rejects.jsonl"),
                dropped: dir.path().join("dropped.jsonl"),
                stats: dir.path().join("stats.json"),
                stages: stages.clone(),
                tests: Vec::new(),
                cluster: Default::default(),
            };
            let options = RunOptions {
                threads: Some(2),
                progress: false,
                ..RunOptions::default()
            };
            let trace =
                newspipe_runner::trace(&pipeline, &stages, &input, &registry, &options).unwrap();
            let mut docs = trace.stages.last().unwrap().docs.clone();
            let config = ExportConfig {
                csv: Some("tables".into()),
                ..ExportConfig::default()
            };
            let cx = BuildContext {
                base_dir: dir.path().to_path_buf(),
                pipeline: "seeds".into(),
            };
            let mut export = Export::new(config, &cx).unwrap();
            export.write(&mut docs).unwrap();
            export.finish(&RunInfo::default()).unwrap();
            dir
        })
        .path()
}

fn cell(value: &str) -> String {
    let value = value.replace('\n', "⏎");
    match value.char_indices().nth(CELL_WIDTH) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value,
    }
}

/// The seed's rows of every table but `runs`, as `column=value` lines.
fn rows_of(doc_id: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (position, table) in TABLES.iter().enumerate().filter(|(_, t)| t.name != "runs") {
        let path = tables().join("tables").join(format!("{}.csv", table.name));
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let key = if table.name == "documents" {
            "id"
        } else {
            "doc_id"
        };
        let key_index = headers.iter().position(|h| h == key).unwrap();
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .map(Result::unwrap)
            .filter(|row| &row[key_index] == doc_id)
            .collect();
        let mut shown: Vec<String> = rows
            .iter()
            .take(ROWS_SHOWN)
            .map(|row| {
                headers
                    .iter()
                    .zip(row.iter())
                    .filter(|(name, value)| {
                        *name != key && *name != "source_path" && !value.is_empty()
                    })
                    .map(|(name, value)| format!("{name}={}", cell(value)))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if rows.len() > ROWS_SHOWN {
            shown.push(format!("… {} more rows", rows.len() - ROWS_SHOWN));
        }
        out.insert(format!("{position:02} {}", table.name), shown);
    }
    out
}

#[test]
fn each_seed_in_every_table() {
    insta::glob!("../../../seeds", "*.txt", |path| {
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rows = rows_of(&id);
        assert_eq!(
            rows["00 documents"].len(),
            1,
            "exactly one documents row for {id}"
        );
        insta::assert_yaml_snapshot!(rows);
    });
}
