//! # newspipe-core
//!
//! The shared vocabulary of newspipe: the [`Document`] that flows through a pipeline, the
//! annotations each stage adds to it (every one carrying byte offsets into `text`), the three
//! kinds of stage ([`DocumentStage`], [`CorpusStage`] and [`Sink`]), the [`Registry`] that maps YAML stage names to
//! constructors, and the error types.
//!
//! The JSON form of [`Document`] is a public contract: it is what `export` writes as JSON Lines
//! and what crosses the plugin boundary, so field names change only with a version bump.

mod annotations;
pub mod calendar;
mod config;
mod document;
mod error;
mod memory_files;
mod output;
mod registry;
mod stage;

pub use annotations::{
    Band, Claim, ClaimReliability, DateMention, DedupeInfo, Entity, EntityKind, Evidence, Quantity,
    QuantityValue, Quote, Relation, Reliability, Signal,
};
pub use config::{parse_config, ConfigIssue};
pub use document::{
    DateCandidate, Document, InputFormat, Meta, PageKind, RemovedKind, RemovedSpan, Source, Span,
    StageSkip,
};
pub use error::{BuildError, StageError};
pub use memory_files::{applied, applied_whole, FileKey, MemoryFiles};
pub use output::{close_all, temp_file_prefix, AtomicFile, PendingFile};
pub use registry::{BuildContext, ConfigKey, Registry, StageFactory, StageInstance};
pub use stage::{
    encode_stage_data, isolate, panic_message, CorpusStage, Disposition, DocumentStage,
    DynCorpusStage, Erased, MergeFiles, MergeLayout, MergeSource, MergeStep, RunInfo, Sink,
    SplitFiles, WarmUp,
};
