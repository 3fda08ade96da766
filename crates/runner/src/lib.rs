//! # newspipe-runner
//!
//! Runs a validated [`newspipe_config::Pipeline`]: finds the input files (a folder, a file or a
//! glob; `.gz` read transparently), decodes them (BOMs, declared charsets, detection), streams
//! them in batches through the stages on a rayon pool, keeps input order, and writes the side
//! outputs: rejected documents, dropped documents and a stats file, all atomically.
//!
//! Output is byte-identical whatever the thread count: batches and chunks are cut by count, not
//! by thread, and results are collected in input order.

mod decode;
mod executor;
mod input;
mod interrupt;
mod plan;
mod reader;
mod records;
mod run;
mod select;
mod spool;
mod task;

pub use decode::{decode, NotText};
pub use executor::{
    write_plan, LocalExecutor, SlurmExecutor, SlurmResources, SubmittedStep, TaskUsage,
};
pub use input::discover;
pub use interrupt::{remove_stale_temp_files, request_stop, stop_requested};
pub use plan::{make_plan, Plan, PlannedFile, Shard, TaskKind, TaskStep, PLAN_FILE, PLAN_FORMAT};
pub use records::{Dropped, Rejected};
pub use run::{
    run, run_in_memory, trace, MemoryRun, MemoryRunOptions, RunOptions, RunSummary, StageStats,
    StageTrace, Trace, CHUNK_SIZE,
};
pub use task::{rank_from_env, run_task, TaskOutcome};

/// Turns one line of a JSON Lines file (its bytes without the newline; `line` is 1-based) into a
/// document, or into the reject a run would record for it: exactly what a run does with each
/// non-blank line. Public so the fuzz targets and tests can drive the reader without files.
pub fn jsonl_document(
    path: &std::path::Path,
    line: u64,
    bytes: &[u8],
) -> Result<newspipe_core::Document, Rejected> {
    let root = path.parent().unwrap_or(std::path::Path::new(""));
    input::RawRecord::Line {
        path: path.to_path_buf(),
        id: select::relative_id(root, path),
        line,
        bytes: bytes.to_vec(),
    }
    .into_document()
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run could not start (threads, for example).
    #[error("{0}")]
    Setup(String),
    /// A stage could not be built from its configuration.
    #[error("stage `{stage}` cannot start: {message}")]
    Build {
        /// The stage.
        stage: String,
        /// Why.
        message: String,
    },
    /// The input could not be listed.
    #[error("cannot read input: {0}")]
    Input(std::io::Error),
    /// With `on_error: fail`, a stage failed on a document.
    #[error(
        "stage `{stage}` failed on document `{id}`: {message} (the pipeline says `on_error: fail`)"
    )]
    Document {
        /// The stage.
        stage: String,
        /// The document.
        id: String,
        /// Why.
        message: String,
    },
    /// A corpus stage failed.
    #[error("stage `{stage}` failed: {message}")]
    Stage {
        /// The stage.
        stage: String,
        /// Why.
        message: String,
    },
    /// An output could not be written.
    #[error("{0}")]
    Output(std::io::Error),
    /// A task of a run split by a plan cannot run; a missing or corrupt input names the task
    /// that should have written it.
    #[error("{0}")]
    Task(String),
    /// Ctrl-C or SIGTERM stopped the run before it committed anything.
    #[error("interrupted")]
    Interrupted,
}
