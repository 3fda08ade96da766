//! Export speed, per form, over a generated corpus of annotated documents. Not a test: run it
//! in release mode and read the numbers.
//!
//! ```sh
//! cargo test --release -p newspipe-export --test speed -- --ignored --nocapture
//! ```

mod fixtures;

use std::time::Instant;

use newspipe_core::{BuildContext, Document, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};

/// `n` documents: the fixture corpus repeated under fresh ids, in batches of 512.
fn corpus(n: usize) -> Vec<Vec<Document>> {
    let base = fixtures::corpus();
    let docs: Vec<Document> = (0..n)
        .map(|i| {
            let mut doc = base[i % base.len()].clone();
            doc.id = format!("{}-{i}", doc.id);
            doc
        })
        .collect();
    docs.chunks(512).map(<[Document]>::to_vec).collect()
}

#[test]
#[ignore = "measures speed; run in release mode with --ignored --nocapture"]
fn export_speed() {
    let n = 20_000;
    let batches = corpus(n);
    let bytes: usize = batches.iter().flatten().map(|d| d.text.len()).sum();
    let forms: [(&str, ExportConfig); 7] = [
        (
            "jsonl",
            ExportConfig {
                jsonl: Some("out/documents.jsonl".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "csv",
            ExportConfig {
                csv: Some("out/tables".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "sqlite",
            ExportConfig {
                sqlite: Some("out/news.db".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "parquet",
            ExportConfig {
                parquet: Some("out/parquet".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "html",
            ExportConfig {
                html: Some("out/report.html".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "all four",
            ExportConfig {
                jsonl: Some("out/documents.jsonl".into()),
                csv: Some("out/tables".into()),
                sqlite: Some("out/news.db".into()),
                html: Some("out/report.html".into()),
                ..ExportConfig::default()
            },
        ),
        (
            "all five",
            ExportConfig {
                jsonl: Some("out/documents.jsonl".into()),
                csv: Some("out/tables".into()),
                sqlite: Some("out/news.db".into()),
                parquet: Some("out/parquet".into()),
                html: Some("out/report.html".into()),
                ..ExportConfig::default()
            },
        ),
    ];
    for (name, config) in forms {
        // The best of three, as the machine may be busy.
        let seconds = (0..3)
            .map(|_| time_export(&config, batches.clone()))
            .fold(f64::INFINITY, f64::min);
        eprintln!(
            "{name:>8}: {n} documents in {seconds:.2} s = {:.0} docs/s, {:.1} MB/s of text",
            n as f64 / seconds,
            bytes as f64 / seconds / 1e6
        );
    }
}

/// Seconds to export `batches` with `config`, from opening the outputs to committing them.
fn time_export(config: &ExportConfig, mut batches: Vec<Vec<Document>>) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let cx = BuildContext {
        base_dir: dir.path().to_path_buf(),
        pipeline: "speed".into(),
    };
    let started = Instant::now();
    let mut export = Export::new(config.clone(), &cx).unwrap();
    for batch in &mut batches {
        export.write(batch).unwrap();
    }
    export.finish(&RunInfo::default()).unwrap();
    started.elapsed().as_secs_f64()
}
