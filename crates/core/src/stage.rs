//! The two kinds of stage. Built-in stages and plugins implement the same traits.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::{Document, StageError};

/// The text of a panic payload (`panic!` with a literal or a formatted message).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// What a stage decided about a document it processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// The document goes on to the next stage.
    Keep,
    /// The stage removed the document on purpose; it is recorded in the `dropped` output.
    Drop {
        /// Why it was removed.
        reason: String,
        /// The document it duplicates, if that is the reason.
        duplicate_of: Option<String>,
    },
}

/// A stage that sees one document at a time (normalize, extract).
///
/// The runner calls it from many threads at once over a batch and keeps input order, so it
/// must be `Sync` and must not depend on the order in which documents arrive.
pub trait DocumentStage: Send + Sync {
    /// Processes one document in place. An error rejects only this document.
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError>;

    /// Processes a fixed-size chunk of a batch; the runner always cuts chunks the same way,
    /// whatever the thread count. Stages with a per-call cost (plugins) override this.
    ///
    /// A panic on one document becomes that document's error, so the others go on.
    fn process_chunk(&self, docs: &mut [Document]) -> Vec<Result<Disposition, StageError>> {
        docs.iter_mut()
            .map(|doc| {
                catch_unwind(AssertUnwindSafe(|| self.process(doc))).unwrap_or_else(|panic| {
                    Err(StageError::new(format!(
                        "stage panicked: {}",
                        panic_message(panic.as_ref())
                    )))
                })
            })
            .collect()
    }
}

/// Facts about the run, handed to corpus stages when it ends (export records them).
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The pipeline's `name`.
    pub pipeline: String,
    /// A hash of the pipeline file's bytes, to tell configurations apart.
    pub config_hash: String,
    /// Documents read from the input.
    pub read: u64,
    /// Documents rejected so far.
    pub rejected: u64,
    /// Documents dropped on purpose so far.
    pub dropped: u64,
    /// When the run started, RFC 3339.
    pub started_at: String,
}

/// A stage that needs the corpus as a whole (dedupe, cross-document reliability) or writes it
/// out (export).
///
/// With `needs_full_view`, the runner first calls [`observe`](Self::observe) on every batch in
/// input order (keep a compact index, not the texts), then [`prepare`](Self::prepare) once, then
/// [`apply`](Self::apply) on every batch again in input order. Without it, only `apply` and
/// `finish` are called, as batches stream past.
///
/// `observe` may already write what needs no other document (extract's mentions, a score's
/// document-only signals): the documents carry it to `apply`, which then only adds what needs
/// the corpus. That is cheaper than finding things twice and smaller than holding them in the
/// stage between the passes.
pub trait CorpusStage: Send {
    /// Whether every document must be observed before any is annotated.
    fn needs_full_view(&self) -> bool {
        true
    }

    /// First pass over one batch, in input order; may annotate what needs no other document.
    fn observe(&mut self, _docs: &mut [Document]) -> Result<(), StageError> {
        Ok(())
    }

    /// Called once after the first pass, before any `apply`.
    fn prepare(&mut self) -> Result<(), StageError> {
        Ok(())
    }

    /// Annotates one batch; returns one disposition per document. An error stops the run.
    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError>;

    /// Called once at the end of a successful run: commit outputs here.
    fn finish(&mut self, _run: &RunInfo) -> Result<(), StageError> {
        Ok(())
    }
}
