//! The pipeline file: its typed shape and the validated plan built from it.

use std::path::{Path, PathBuf};

use path_clean::PathClean;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What to do when a stage fails on a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Reject that document (it goes to the rejects file) and go on.
    #[default]
    Continue,
    /// Stop the run at the first failure; no output is committed.
    Fail,
}

/// How input files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// By extension, then by content.
    #[default]
    Auto,
    /// One document per file; the file stem is its id.
    Text,
    /// One HTML page per file; the file stem is its id.
    Html,
    /// One JSON document per line (`id`, and `text` or `html`).
    Jsonl,
}

/// Default number of documents per batch: large enough to keep both cores busy, small enough
/// to keep memory flat.
pub const DEFAULT_BATCH_SIZE: usize = 512;

/// Default cap on one document's bytes (a file, or a JSON Lines line): 64 MiB. The largest
/// real news pages (inline scripts, embedded images) are a few megabytes, so this only stops
/// runaway inputs, and a batch (at most 64 MiB of documents plus one document) stays well
/// inside a laptop's memory.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// The `input:` section as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputSection {
    pub path: String,
    #[serde(default)]
    pub format: InputFormat,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_max_document_bytes")]
    pub max_document_bytes: u64,
}

fn default_batch_size() -> usize {
    DEFAULT_BATCH_SIZE
}

fn default_max_document_bytes() -> u64 {
    DEFAULT_MAX_DOCUMENT_BYTES
}

/// The whole file as written. Every field stays untyped here so that a bad value in one does
/// not hide problems in the others; each is then parsed on its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PipelineFile {
    #[serde(default)]
    pub name: Option<Value>,
    #[serde(default)]
    pub rejects: Option<Value>,
    #[serde(default)]
    pub dropped: Option<Value>,
    #[serde(default)]
    pub stats: Option<Value>,
    #[serde(default)]
    pub on_error: Option<Value>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub stages: Option<Value>,
    #[serde(default)]
    pub tests: Option<Value>,
    #[serde(default)]
    pub cluster: Option<Value>,
}

/// The `cluster:` section: what each task of a run split over a cluster asks the scheduler
/// for (`newspipe run --executor slurm`); the command's flags override it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// The Slurm partition.
    #[serde(default)]
    pub partition: Option<String>,
    /// The time limit of each task, as Slurm writes it (`"2:00:00"`).
    #[serde(default)]
    pub time: Option<String>,
    /// CPUs of each task (also its worker threads).
    #[serde(default)]
    pub cpus_per_task: Option<u32>,
    /// Memory of each task, as Slurm writes it (`4G`).
    #[serde(default)]
    pub memory: Option<String>,
    /// Tasks of each merge step that splits its work by key (normalize's site hashes; dedupe's
    /// exact keys, its LSH bands at most one task per band, and its rare facts; extract's
    /// surname initials; score-reliability's entity hashes, and its cluster ids and canonical
    /// names); the shard count when left out.
    #[serde(default)]
    pub bucket_tasks: Option<u32>,
}

/// One entry of the `tests:` block as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestSection {
    pub name: String,
    pub input: String,
    #[serde(default)]
    pub format: Option<InputFormat>,
    #[serde(default)]
    pub stages: Option<String>,
    #[serde(default)]
    pub snapshot: bool,
    #[serde(default)]
    pub expect: Expect,
}

/// Simple expectations on a test's output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// How many documents come out.
    #[serde(default)]
    pub count: Option<usize>,
    /// Fields that must contain a string.
    #[serde(default)]
    pub contains: Vec<FieldCheck>,
    /// Fields that must not contain a string.
    #[serde(default)]
    pub not_contains: Vec<FieldCheck>,
}

/// A check on one field of the output documents.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldCheck {
    /// A dotted path into the document's JSON (`text`, `meta.title`, `dedupe.relation`).
    pub field: String,
    /// The string to look for.
    pub value: String,
    /// Only this document; without it, every document must pass.
    #[serde(default)]
    pub doc: Option<String>,
}

/// A regression test of the pipeline, from its `tests:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The test's name (used in snapshot file names).
    pub name: String,
    /// Its input, resolved against the pipeline file.
    pub input: Input,
    /// Stop after this stage (its name as in `stages:`).
    pub stop_after: Option<String>,
    /// Whether each stage's output is compared with stored snapshots.
    pub snapshot: bool,
    /// Expectations on the final output.
    pub expect: Expect,
}

/// Where documents come from, with the path resolved against the pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// A folder, a file or a glob pattern.
    pub path: PathBuf,
    /// How to read the files.
    pub format: InputFormat,
    /// Documents per batch.
    pub batch_size: usize,
    /// Largest document read, in bytes; a larger file or JSON Lines line is rejected unread.
    pub max_document_bytes: u64,
}

/// One stage of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    /// Its registered name.
    pub name: String,
    /// Its configuration, already checked by the stage's factory.
    pub config: Value,
}

/// A validated pipeline, ready for the runner.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The pipeline's name (its `name:`, else the file stem).
    pub name: String,
    /// The pipeline file.
    pub file: PathBuf,
    /// The folder relative paths start from.
    pub base_dir: PathBuf,
    /// A short hash of the file's bytes.
    pub config_hash: String,
    /// Where documents come from.
    pub input: Input,
    /// What to do when a stage fails on a document.
    pub on_error: OnError,
    /// Where rejected documents are written.
    pub rejects: PathBuf,
    /// Where documents dropped on purpose are written.
    pub dropped: PathBuf,
    /// Where the run's counts are written.
    pub stats: PathBuf,
    /// The stages, in order.
    pub stages: Vec<StageSpec>,
    /// What each task asks a cluster's scheduler for (the `cluster:` section).
    pub cluster: Cluster,
    /// Regression tests run by `newspipe test`.
    pub tests: Vec<TestCase>,
}

/// Export keys whose path decides where rejects, dropped and stats files go by default.
const EXPORT_PATH_KEYS: [&str; 4] = ["jsonl", "csv", "sqlite", "html"];

/// The folder the run's side files default to: the folder of the first export output, else the
/// pipeline's own folder.
pub(crate) fn side_file_dir(base_dir: &Path, stages: &[StageSpec]) -> PathBuf {
    stages
        .iter()
        .filter(|stage| stage.name == "export")
        .find_map(|stage| {
            EXPORT_PATH_KEYS
                .iter()
                .find_map(|key| stage.config.get(*key)?.as_str())
        })
        .map(|path| {
            let path = base_dir.join(path.trim_end_matches('/')).clean();
            path.parent()
                .map_or_else(|| base_dir.to_path_buf(), Path::to_path_buf)
        })
        .unwrap_or_else(|| base_dir.to_path_buf())
}
