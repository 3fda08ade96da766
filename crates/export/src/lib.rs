//! # newspipe-export
//!
//! **What it does:** writes every document that reaches it, in input order, in up to five forms:
//!
//! - `jsonl`: one JSON document per line, the public document contract (see the README);
//! - `csv`: a folder of RFC 4180 tables, one file per table, with a header row;
//! - `sqlite`: one SQLite database with the same tables, primary and foreign keys, indexes on
//!   the join columns, and a `runs` table (pipeline, config hash, version, times, counts);
//! - `parquet`: a folder with one folder per table holding `part-NNNNN.parquet` files, the same
//!   tables again for DuckDB, pandas and Spark; one part on one machine, one per shard on a
//!   cluster ([`ParquetPart`], [`write_runs_table`]);
//! - `html`: one self-contained report a person can read, of bounded size on any corpus:
//!   overview with charts, the largest clusters, most cited entities, most contested and most
//!   supported claims, paged lists of claims and documents, and each shown document's score
//!   with its reasons, its text with annotations highlighted and its evidence on request.
//!
//! Every output is written to a temporary file beside its target and renamed into place when
//! the run succeeds, so a crash or a failed run never leaves half a file and an existing output
//! is replaced in one step. A missing folder is created; an unwritable one is reported before
//! any document is read. The stage streams: each batch is written as it passes (the report
//! keeps a compact summary per document and is rendered at the end).
//!
//! A document whose id was already exported in this run is dropped (recorded in the `dropped`
//! output with the reason), so every form holds the same documents and ids stay keys.
//!
//! **When to use:** at the end of a pipeline (or in the middle, to keep an intermediate state).
//!
//! ```yaml
//! - export:
//!     jsonl: ../out/documents.jsonl   # paths are relative to the pipeline file
//!     csv: ../out/tables/             # a folder: documents.csv, entities.csv, ...
//!     sqlite: ../out/news.db
//!     parquet: ../out/parquet/        # a folder: documents/part-00000.parquet, ...
//!     html: ../out/report.html
//!     include_raw: false              # also write `raw`, the input as decoded, in JSONL
//!     html_max_documents: 500         # documents shown in full in the report
//!     html_max_claims: 2000           # other documents' claims listed (contested first)
//! ```
//!
//! **Tables** (CSV files, SQLite tables and Parquet folders alike; offsets are byte offsets
//! into `text`): `documents`, `entities`, `dates`, `quantities`, `quotes`, `claims`,
//! `claim_support`, `clusters`, `signals`, `signal_evidence`, `claim_signals`,
//! `claim_signal_evidence`, `runs`. See [`schema`] for their columns and keys. `documents` has
//! the outlet's basis (`outlet_basis`) beside `outlet`, and the fields plugins or the input
//! added (`extra`) as one JSON object, or no value when there are none.
//!
//! **Reading the Parquet tables**, each table's folder as one table:
//!
//! ```sh
//! duckdb -c "SELECT outlet, count(*) FROM read_parquet('out/parquet/documents/*.parquet')
//!            GROUP BY outlet ORDER BY 2 DESC"
//! python3 -c "import pandas as pd; print(pd.read_parquet('out/parquet/entities').head())"
//! ```

mod config;
mod csv_tables;
mod exported;
mod html;
mod jsonl;
mod keys;
mod parquet_tables;
mod rows;
mod run_record;
pub mod schema;
mod sqlite;
mod sqlite_insert;
mod stage;

use newspipe_core::{BuildContext, StageFactory, StageInstance};

pub use config::ExportConfig;
pub use parquet_tables::{part_file_name, write_runs_table, ParquetPart};
pub use sqlite::SCHEMA_VERSION;
pub use stage::Export;

/// Registers `export`.
pub fn factory() -> StageFactory {
    StageFactory::new::<ExportConfig>(
        "export",
        "Write documents out as JSON Lines, CSV tables, a SQLite database, Parquet tables and an HTML report, atomically.",
        |config, cx| Ok(StageInstance::Sink(Box::new(Export::new(config, cx)?))),
    )
    .describing_keys::<ExportConfig>()
    .writing_outputs(output_paths)
}

/// The files (and the CSV and Parquet folders) an `export` config writes, for the runner to keep out of
/// the input; a config that does not parse writes nothing.
fn output_paths(config: &serde_json::Value, cx: &BuildContext) -> Vec<std::path::PathBuf> {
    let Ok(config) = newspipe_core::parse_config::<ExportConfig>(config) else {
        return Vec::new();
    };
    [
        config.jsonl,
        config.csv,
        config.sqlite,
        config.parquet,
        config.html,
    ]
    .into_iter()
    .flatten()
    .map(|path| cx.resolve(path))
    .collect()
}
