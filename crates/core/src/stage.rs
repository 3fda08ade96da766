//! The stage contract. The runner owns the parallelism and the per-document isolation; a stage
//! only says what it does to one document.
//!
//! There are three kinds of stage:
//!
//! - a [`DocumentStage`] looks at each document on its own (plugins, simple transforms);
//! - a [`CorpusStage`] needs the corpus in view (normalize's site repeats, dedupe, extract's
//!   canonical names, score-reliability). It works in three steps: [`observe`] one document at a
//!   time into a small, serializable [`CorpusStage::Record`] (in parallel); [`prepare`] the
//!   [`CorpusStage::State`] from every record, in input order (once); then [`apply`] to one
//!   document at a time (in parallel), with one result per document. Records and states are
//!   exactly what a run split over several machines ships between its tasks, so they have a
//!   versioned binary encoding ([`DynCorpusStage::encode_records`]). Where one task could not
//!   hold every record, a stage splits its merge into steps ([`CorpusStage::merge_steps`]), and
//!   where `apply` reads little of a large state, it writes one state per shard
//!   ([`CorpusStage::shard_state`]);
//! - a [`Sink`] writes the documents out in input order (export).
//!
//! For every kind, a panic or an error on one document rejects that document only; `on_error:
//! fail` turns it into a failed run.
//!
//! [`observe`]: CorpusStage::observe
//! [`prepare`]: CorpusStage::prepare
//! [`apply`]: CorpusStage::apply

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::{de::DeserializeOwned, Serialize};

use crate::{Document, StageError};

/// What a stage builds before its first document (automata, models, compiled patterns), as
/// work the runner can start on a thread of its own: see [`DocumentStage::warm_up`].
pub type WarmUp = Box<dyn FnOnce() + Send + 'static>;

/// The text of a panic payload (`panic!` with a literal or a formatted message).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `call` on one document, turning a panic into that document's error.
pub fn isolate<T>(call: impl FnOnce() -> Result<T, StageError>) -> Result<T, StageError> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|panic| {
        Err(StageError::new(format!(
            "stage panicked: {}",
            panic_message(panic.as_ref())
        )))
    })
}

/// What a stage decided about a document it processed. An `Err` in place of a disposition
/// rejects the document (it goes to the rejects file with the error).
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

/// A stage that sees one document at a time and needs nothing else.
///
/// The runner calls it from many threads at once over a batch and keeps input order, so it
/// must be `Sync` and must not depend on the order in which documents arrive.
pub trait DocumentStage: Send + Sync {
    /// Processes one document in place. An error rejects only this document.
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError>;

    /// The name the run's records (rejects, dropped, stats) give this stage when its YAML name
    /// alone cannot tell it apart: a plugin stage names its plugin and stage, so two plugin
    /// stages in one pipeline stay distinct. `None` (the default) keeps the YAML name.
    fn record_name(&self) -> Option<String> {
        None
    }

    /// What this stage would otherwise build on its first document (automata, models,
    /// compiled patterns), for the runner to start when a run starts, on a thread beside the
    /// reader and the workers: the building then overlaps reading and the earlier stages
    /// instead of holding up the first document. The stage must work without it (it builds
    /// the rest on first use); `None` (the default): nothing to build.
    fn warm_up(&self) -> Option<WarmUp> {
        None
    }

    /// Processes a fixed-size chunk of a batch; the runner always cuts chunks the same way,
    /// whatever the thread count. Stages with a per-call cost (plugins) override this.
    ///
    /// A panic on one document becomes that document's error, so the others go on.
    fn process_chunk(&self, docs: &mut [Document]) -> Vec<Result<Disposition, StageError>> {
        docs.iter_mut()
            .map(|doc| isolate(|| self.process(doc)))
            .collect()
    }
}

/// A stage that needs the corpus in view. Implement this; the runner sees it through
/// [`DynCorpusStage`] (wrap it with [`StageInstance::corpus`](crate::StageInstance::corpus)).
///
/// Without [`needs_full_view`](Self::needs_full_view) (a config that turns the corpus part
/// off), `observe` is never called and `apply` gets the state `prepare` makes from no records.
pub trait CorpusStage: Send + Sync + 'static {
    /// What `observe` keeps of one document: small (hashes, names, signatures), never its text.
    type Record: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What `prepare` builds from every record; the only thing `apply` reads besides the
    /// document.
    type State: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Version of the binary form of `Record` and `State`; bump it when either changes shape,
    /// so a task never reads what an older build wrote.
    const FORMAT_VERSION: u32;

    /// Whether every document must be observed before any is applied.
    fn needs_full_view(&self) -> bool {
        true
    }

    /// See [`DocumentStage::warm_up`].
    fn warm_up(&self) -> Option<WarmUp> {
        None
    }

    /// First look at one document, from any thread. May already write what needs no other
    /// document (the document carries it to `apply`): cheaper than finding it twice.
    fn observe(&self, doc: &mut Document) -> Result<Self::Record, StageError>;

    /// Builds the state from the records of every observed document, in input order. Called
    /// once, after the last `observe`.
    fn prepare(&self, records: Vec<Self::Record>) -> Result<Self::State, StageError>;

    /// Second look at one document, from any thread. `position` is the document's place among
    /// the observed documents (the index of its record), counted from 0 in input order.
    fn apply(
        &self,
        state: &Self::State,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError>;

    /// The steps a cluster run splits this stage's merge into, between the `observe` tasks and
    /// the final merge task ([`finish_merge`](Self::finish_merge)); empty (the default): one
    /// merge task runs [`prepare`](Self::prepare) over every record. A stage whose records of
    /// every document would not fit one machine splits it, so that no task holds them all.
    fn merge_steps(&self, _layout: &MergeLayout) -> Vec<MergeStep> {
        Vec::new()
    }

    /// The files an `observe` task writes for the merge steps, instead of its shard's records
    /// (a cluster run writes no `records.bin` for a stage whose merge is split); `ranks` are the
    /// ranks of each merge step.
    fn shard_files(
        &self,
        _records: &[&Self::Record],
        _ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        Ok(Vec::new())
    }

    /// Runs merge step `step` (an index into [`merge_steps`](Self::merge_steps)) at `rank`;
    /// returns the files it writes, by name.
    fn run_merge_step(
        &self,
        step: usize,
        _rank: usize,
        _files: &mut SplitFiles<'_, Self>,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError>
    where
        Self: Sized,
    {
        Err(StageError::no_merge_step(step))
    }

    /// Whether a cluster run writes one state per apply shard ([`shard_state`](Self::shard_state))
    /// instead of one state every apply task reads whole: for a stage whose state grows with
    /// the corpus but whose `apply` of one document reads only a small part of it.
    fn state_per_shard(&self) -> bool {
        false
    }

    /// The part of `state` (what [`finish_merge`](Self::finish_merge) built) that `apply`
    /// reads for the documents of shard `shard` (positions `files.first_position(shard)` up to
    /// the next shard's first), with [`state_per_shard`](Self::state_per_shard): `apply` with it
    /// must give each of those documents exactly what `prepare`'s state gives. It may read what
    /// the merge steps wrote for that shard, so that the merge task holds one shard's share of
    /// it at a time. The merge task calls it once per shard and writes each in its own file;
    /// the apply task of a shard reads only its own (or, with
    /// [`shard_state_in_apply`](Self::shard_state_in_apply), calls it itself for its shard).
    fn shard_state(
        &self,
        _state: &Self::State,
        _shard: usize,
        _files: &mut SplitFiles<'_, Self>,
    ) -> Result<Self::State, StageError>
    where
        Self: Sized,
    {
        Err(StageError::new(
            "this stage keeps one state for every shard",
        ))
    }

    /// With [`state_per_shard`](Self::state_per_shard): whether the apply task of each shard
    /// cuts its own state ([`shard_state`](Self::shard_state) with what
    /// [`finish_merge`](Self::finish_merge) built and the merge steps' files) instead of the
    /// merge task cutting every shard's. For a stage whose `finish_merge` builds only small
    /// corpus-wide values and whose shard states come from the merge steps' files for that
    /// shard: then no task holds more than one shard's part, and the cuts run in parallel.
    fn shard_state_in_apply(&self) -> bool {
        false
    }

    /// The merge task of a cluster run: builds the state `prepare` would build, from the files
    /// of the observe tasks (and of the merge steps, when split). The default decodes every
    /// shard's records and calls `prepare`; a stage whose state can take records shard by
    /// shard overrides it, so that the task never holds every decoded record at once.
    fn finish_merge(&self, files: &mut SplitFiles<'_, Self>) -> Result<Self::State, StageError>
    where
        Self: Sized,
    {
        let mut records = Vec::new();
        for shard in 0..files.ranks(MergeSource::Observe) {
            records.extend(files.records(shard)?);
        }
        self.prepare(records)
    }
}

/// What a split merge may spread its steps over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeLayout {
    /// The run's shards (ranks of every `observe` step).
    pub shards: usize,
    /// Tasks for a step that splits work by key (dedupe's LSH bands): the `cluster:` section's
    /// `bucket_tasks`, else the shard count.
    pub buckets: usize,
}

/// One step of a split merge: a task run at every rank in `0..ranks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeStep {
    /// Its name; the task is named `STAGE-NAME` (`dedupe-bucket`).
    pub name: &'static str,
    /// How many ranks run it.
    pub ranks: usize,
}

/// Which task wrote a file a merge step reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeSource {
    /// An `observe` task (rank = shard): its records or a [`CorpusStage::shard_files`] file.
    Observe,
    /// An earlier merge step, by its index.
    Step(usize),
}

/// The files of a split merge, as the runner hands them to a stage: every read is checked
/// against the completion marker of the task that wrote it, and recorded in the reader's.
pub trait MergeFiles {
    /// The ranks of the observe step (the shards) or of a merge step.
    fn ranks(&self, source: MergeSource) -> usize;
    /// How many documents the shards before `shard` observed: the position of its first.
    fn first_position(&mut self, shard: usize) -> Result<usize, StageError>;
    /// The bytes of file `name` written by `source` at `rank`.
    fn read(&mut self, source: MergeSource, rank: usize, name: &str)
        -> Result<Vec<u8>, StageError>;
    /// File `name` of `source` at `rank` as a reader, for a file read once from front to back
    /// (the documents an observe task wrote), without holding it whole; the default reads it
    /// whole.
    fn open(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Box<dyn std::io::BufRead>, StageError> {
        Ok(Box::new(std::io::Cursor::new(
            self.read(source, rank, name)?,
        )))
    }
    /// The records the observe task of `shard` wrote, decoded.
    fn records(&mut self, shard: usize) -> Result<Vec<Erased>, StageError>;
    /// An error saying that file `name` of `source` at `rank` is corrupt, naming the task.
    fn corrupt(&self, source: MergeSource, rank: usize, name: &str, why: &str) -> StageError;
}

/// [`MergeFiles`] for one stage: decodes its records and its files in its versioned form.
pub struct SplitFiles<'a, S: ?Sized> {
    files: &'a mut dyn MergeFiles,
    stage: std::marker::PhantomData<fn(&S)>,
}

impl<'a, S: CorpusStage> SplitFiles<'a, S> {
    /// Wraps the runner's files.
    pub fn new(files: &'a mut dyn MergeFiles) -> Self {
        Self {
            files,
            stage: std::marker::PhantomData,
        }
    }

    /// See [`MergeFiles::ranks`].
    pub fn ranks(&self, source: MergeSource) -> usize {
        self.files.ranks(source)
    }

    /// See [`MergeFiles::first_position`].
    pub fn first_position(&mut self, shard: usize) -> Result<usize, StageError> {
        self.files.first_position(shard)
    }

    /// The records of `shard`.
    pub fn records(&mut self, shard: usize) -> Result<Vec<S::Record>, StageError> {
        Ok(self
            .files
            .records(shard)?
            .into_iter()
            .map(unerase::<S::Record>)
            .collect())
    }

    /// See [`MergeFiles::open`]: a file not in the stage's binary form, such as the documents
    /// an observe task wrote for the next step, as it was written.
    pub fn open(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Box<dyn std::io::BufRead>, StageError> {
        self.files.open(source, rank, name)
    }

    /// See [`MergeFiles::corrupt`].
    pub fn corrupt(&self, source: MergeSource, rank: usize, name: &str, why: &str) -> StageError {
        self.files.corrupt(source, rank, name, why)
    }

    /// File `name` of `source` at `rank`, decoded from the stage's versioned binary form
    /// ([`encode_stage_data`]).
    pub fn read<T: DeserializeOwned>(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<T, StageError> {
        let bytes = self.files.read(source, rank, name)?;
        decode::<S, T>(&bytes).map_err(|err| self.files.corrupt(source, rank, name, &err.message))
    }
}

/// `value` in the versioned binary form of stage `S` (as records and states are written): for
/// the files of a split merge.
pub fn encode_stage_data<S: CorpusStage, T: Serialize>(value: &T) -> Result<Vec<u8>, StageError> {
    encode::<S, T>(value)
}

/// A record or state of some [`CorpusStage`], its type erased for the runner.
pub struct Erased(Box<dyn Any + Send + Sync>);

impl std::fmt::Debug for Erased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Erased(..)")
    }
}

/// The form of a [`CorpusStage`] the runner holds: records and states erased, and a binary
/// encoding of what tasks ship. The runner calls it per document and isolates each call.
pub trait DynCorpusStage: Send + Sync {
    /// See [`CorpusStage::needs_full_view`].
    fn needs_full_view(&self) -> bool;
    /// See [`CorpusStage::warm_up`].
    fn warm_up(&self) -> Option<WarmUp>;
    /// See [`CorpusStage::observe`].
    fn observe(&self, doc: &mut Document) -> Result<Erased, StageError>;
    /// See [`CorpusStage::prepare`]; records must come from this stage's `observe`.
    fn prepare(&self, records: Vec<Erased>) -> Result<Erased, StageError>;
    /// See [`CorpusStage::apply`]; the state must come from this stage's `prepare`.
    fn apply(
        &self,
        state: &Erased,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError>;
    /// The records in the stage's versioned binary form.
    fn encode_records(&self, records: &[Erased]) -> Result<Vec<u8>, StageError>;
    /// Records back from [`encode_records`](Self::encode_records); an error names what is
    /// wrong with the bytes.
    fn decode_records(&self, bytes: &[u8]) -> Result<Vec<Erased>, StageError>;
    /// The state in the stage's versioned binary form.
    fn encode_state(&self, state: &Erased) -> Result<Vec<u8>, StageError>;
    /// A state back from [`encode_state`](Self::encode_state).
    fn decode_state(&self, bytes: &[u8]) -> Result<Erased, StageError>;
    /// See [`CorpusStage::merge_steps`]; none by default (the merge is not split).
    fn merge_steps(&self, _layout: &MergeLayout) -> Vec<MergeStep> {
        Vec::new()
    }
    /// See [`CorpusStage::shard_files`]; records must come from this stage's `observe`.
    fn shard_files(
        &self,
        _records: &[Erased],
        _ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        Ok(Vec::new())
    }
    /// See [`CorpusStage::run_merge_step`].
    fn run_merge_step(
        &self,
        step: usize,
        _rank: usize,
        _files: &mut dyn MergeFiles,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        Err(StageError::no_merge_step(step))
    }
    /// See [`CorpusStage::finish_merge`].
    fn finish_merge(&self, _files: &mut dyn MergeFiles) -> Result<Erased, StageError> {
        Err(StageError::new("this stage's merge is not split"))
    }
    /// See [`CorpusStage::state_per_shard`].
    fn state_per_shard(&self) -> bool {
        false
    }
    /// See [`CorpusStage::shard_state_in_apply`].
    fn shard_state_in_apply(&self) -> bool {
        false
    }
    /// See [`CorpusStage::shard_state`]; the state must come from this stage.
    fn shard_state(
        &self,
        _state: &Erased,
        _shard: usize,
        _files: &mut dyn MergeFiles,
    ) -> Result<Erased, StageError> {
        Err(StageError::new(
            "this stage keeps one state for every shard",
        ))
    }
}

/// Wraps a [`CorpusStage`] as a [`DynCorpusStage`].
pub(crate) struct Corpus<S>(pub(crate) S);

/// Marks the binary form of records and states, so a wrong file is named as such.
const MAGIC: &[u8; 4] = b"NPS1";

/// `value` behind the magic bytes and `S`'s format version. The buffer is sized exactly
/// first (postcard's `Size` flavor): grown by doubling, a merge task's state held up to 2.5
/// times its bytes at once while being encoded.
fn encode<S: CorpusStage, T: Serialize>(value: &T) -> Result<Vec<u8>, StageError> {
    let failed = |err: postcard::Error| StageError::new(format!("cannot encode stage data: {err}"));
    let size = postcard::serialize_with_flavor(value, postcard::ser_flavors::Size::default())
        .map_err(failed)?;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + size);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&S::FORMAT_VERSION.to_le_bytes());
    postcard::to_extend(value, out).map_err(failed)
}

fn decode<S: CorpusStage, T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StageError> {
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| StageError::new("not newspipe stage data (wrong magic bytes)"))?;
    let (version, body) = body
        .split_first_chunk::<4>()
        .ok_or_else(|| StageError::new("stage data cut short"))?;
    let version = u32::from_le_bytes(*version);
    if version != S::FORMAT_VERSION {
        return Err(StageError::new(format!(
            "stage data has format version {version}, this build reads version {}",
            S::FORMAT_VERSION
        )));
    }
    let (value, rest) = postcard::take_from_bytes(body)
        .map_err(|err| StageError::new(format!("corrupt stage data: {err}")))?;
    if !rest.is_empty() {
        return Err(StageError::new(format!(
            "corrupt stage data: {} bytes after the end",
            rest.len()
        )));
    }
    Ok(value)
}

fn unerase<T: 'static>(value: Erased) -> T {
    *value
        .0
        .downcast::<T>()
        .expect("a record or state handed to the stage that made it")
}

fn peek<T: 'static>(value: &Erased) -> &T {
    value
        .0
        .downcast_ref::<T>()
        .expect("a record or state handed to the stage that made it")
}

impl<S: CorpusStage> DynCorpusStage for Corpus<S> {
    fn needs_full_view(&self) -> bool {
        self.0.needs_full_view()
    }

    fn warm_up(&self) -> Option<WarmUp> {
        self.0.warm_up()
    }

    fn observe(&self, doc: &mut Document) -> Result<Erased, StageError> {
        self.0.observe(doc).map(|r| Erased(Box::new(r)))
    }

    fn prepare(&self, records: Vec<Erased>) -> Result<Erased, StageError> {
        let records = records.into_iter().map(unerase::<S::Record>).collect();
        Ok(Erased(Box::new(self.0.prepare(records)?)))
    }

    fn apply(
        &self,
        state: &Erased,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        self.0.apply(peek::<S::State>(state), position, doc)
    }

    fn encode_records(&self, records: &[Erased]) -> Result<Vec<u8>, StageError> {
        let records: Vec<&S::Record> = records.iter().map(peek::<S::Record>).collect();
        encode::<S, _>(&records)
    }

    fn decode_records(&self, bytes: &[u8]) -> Result<Vec<Erased>, StageError> {
        let records: Vec<S::Record> = decode::<S, _>(bytes)?;
        Ok(records.into_iter().map(|r| Erased(Box::new(r))).collect())
    }

    fn encode_state(&self, state: &Erased) -> Result<Vec<u8>, StageError> {
        encode::<S, _>(peek::<S::State>(state))
    }

    fn decode_state(&self, bytes: &[u8]) -> Result<Erased, StageError> {
        Ok(Erased(Box::new(decode::<S, S::State>(bytes)?)))
    }

    fn merge_steps(&self, layout: &MergeLayout) -> Vec<MergeStep> {
        self.0.merge_steps(layout)
    }

    fn shard_files(
        &self,
        records: &[Erased],
        ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        let records: Vec<&S::Record> = records.iter().map(peek::<S::Record>).collect();
        self.0.shard_files(&records, ranks)
    }

    fn run_merge_step(
        &self,
        step: usize,
        rank: usize,
        files: &mut dyn MergeFiles,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        self.0
            .run_merge_step(step, rank, &mut SplitFiles::new(files))
    }

    fn finish_merge(&self, files: &mut dyn MergeFiles) -> Result<Erased, StageError> {
        let state = self.0.finish_merge(&mut SplitFiles::new(files))?;
        Ok(Erased(Box::new(state)))
    }

    fn state_per_shard(&self) -> bool {
        self.0.state_per_shard()
    }

    fn shard_state_in_apply(&self) -> bool {
        self.0.shard_state_in_apply()
    }

    fn shard_state(
        &self,
        state: &Erased,
        shard: usize,
        files: &mut dyn MergeFiles,
    ) -> Result<Erased, StageError> {
        let part =
            self.0
                .shard_state(peek::<S::State>(state), shard, &mut SplitFiles::new(files))?;
        Ok(Erased(Box::new(part)))
    }
}

/// Facts about the run, handed to a [`Sink`] when it ends (export records them).
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

/// A stage that writes documents out (export): it gets every batch in input order, from one
/// thread at a time, and commits its outputs when the run succeeds.
pub trait Sink: Send {
    /// Writes one batch; returns one disposition per document. An error stops the run: an
    /// output that cannot be written is not one document's fault.
    fn write(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError>;

    /// Called once at the end of a successful run: commit outputs here.
    fn finish(&mut self, run: &RunInfo) -> Result<(), StageError>;

    /// Called by a run split into shards before the first batch of each shard, in shard
    /// order (`part` 0, 1, ...); a run on one machine never calls it, so all it writes is
    /// part 0. A sink that writes one file per part (Parquet) starts the next file here; the
    /// others need do nothing.
    fn start_part(&mut self, part: u32) -> Result<(), StageError> {
        let _ = part;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Counts the words of every document; tags each with the corpus total.
    struct WordTotal;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Count {
        words: usize,
    }

    impl CorpusStage for WordTotal {
        type Record = Count;
        type State = usize;
        const FORMAT_VERSION: u32 = 7;

        fn observe(&self, doc: &mut Document) -> Result<Count, StageError> {
            if doc.text.contains("boom") {
                panic!("boom in {}", doc.id);
            }
            Ok(Count {
                words: doc.text.split_whitespace().count(),
            })
        }

        fn prepare(&self, records: Vec<Count>) -> Result<usize, StageError> {
            Ok(records.iter().map(|r| r.words).sum())
        }

        fn apply(
            &self,
            state: &usize,
            position: usize,
            doc: &mut Document,
        ) -> Result<Disposition, StageError> {
            doc.text = format!("{position}/{state}: {}", doc.text);
            Ok(Disposition::Keep)
        }
    }

    fn docs(texts: &[&str]) -> Vec<Document> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| Document::new(format!("d{i}"), Default::default(), text.to_string()))
            .collect()
    }

    #[test]
    fn observe_prepare_apply_with_positions() {
        let stage = Corpus(WordTotal);
        let mut docs = docs(&["one two", "three"]);
        let records: Vec<Erased> = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let state = stage.prepare(records).unwrap();
        for (i, doc) in docs.iter_mut().enumerate() {
            assert_eq!(stage.apply(&state, 10 + i, doc), Ok(Disposition::Keep));
        }
        assert_eq!(docs[0].text, "10/3: one two");
        assert_eq!(docs[1].text, "11/3: three");
    }

    #[test]
    fn isolate_turns_a_panic_into_an_error() {
        let stage = Corpus(WordTotal);
        let mut docs = docs(&["fine", "boom here"]);
        assert!(isolate(|| stage.observe(&mut docs[0])).is_ok());
        let err = isolate(|| stage.observe(&mut docs[1])).unwrap_err();
        assert!(err.message.contains("boom in d1"), "{err}");
    }

    #[test]
    fn records_and_states_round_trip_with_their_version() {
        let stage = Corpus(WordTotal);
        let mut docs = docs(&["a b c", "d"]);
        let records: Vec<Erased> = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let bytes = stage.encode_records(&records).unwrap();
        assert_eq!(&bytes[..4], MAGIC);
        let back = stage.decode_records(&bytes).unwrap();
        assert_eq!(peek::<Count>(&back[1]), &Count { words: 1 });
        let state = stage.prepare(back).unwrap();
        let state = stage
            .decode_state(&stage.encode_state(&state).unwrap())
            .unwrap();
        assert_eq!(peek::<usize>(&state), &4);

        let mut other_version = bytes.clone();
        other_version[4] = 8;
        let err = stage.decode_records(&other_version).unwrap_err();
        assert!(err.message.contains("format version 8"), "{err}");
        let err = stage.decode_records(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(err.message.contains("corrupt"), "{err}");
        let err = stage.decode_records(b"{\"json\": 1}").unwrap_err();
        assert!(err.message.contains("magic"), "{err}");
    }
}
