//! Runs a validated pipeline: builds every stage first, then streams batches through them.
//!
//! Stages that must see the whole corpus (`needs_full_view`) split the pipeline into passes: the
//! documents flowing out of one pass are observed by the next pass's first stage and held in a
//! [`Spool`], then flow again once that stage has prepared its state from their records.
//!
//! The runner owns the parallelism of every stage: documents go to document stages in fixed
//! chunks of [`CHUNK_SIZE`] on the rayon pool and to corpus stages one at a time, each chunk or
//! document a task of its own (`with_max_len(1)`: rayon's default splitting would run a
//! quarter of a batch or so as one sequence that the other thread cannot take from, so at the
//! end of every batch one thread waited while the other finished its run of long documents);
//! each result is collected in input order, and a panic or an error on one document rejects
//! that document only.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newspipe_config::{Input, OnError, Pipeline, StageSpec};
use newspipe_core::{
    isolate, panic_message, BuildContext, BuildError, Disposition, Document, DocumentStage,
    DynCorpusStage, Erased, Registry, RunInfo, Sink, StageError, StageInstance, WarmUp,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::input::discover;
use crate::reader::BatchReader;
use crate::records::{Dropped, RecordFile, Rejected};
use crate::select::{select, Selection};
use crate::spool::Spool;
use crate::RunError;

/// Documents per parallel work unit. Fixed, so a stage that fails a whole chunk (a plugin
/// batch) fails the same documents whatever the thread count.
pub const CHUNK_SIZE: usize = 16;

/// How to run, beyond what the pipeline file says.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Show a progress bar (only ever drawn on a terminal).
    pub progress: bool,
    /// Bytes of documents held in memory between passes before spilling to disk.
    pub memory_budget: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            threads: None,
            progress: true,
            memory_budget: 256 << 20,
        }
    }
}

/// Counts for one stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageStats {
    /// The stage's name.
    pub name: String,
    /// Documents it rejected.
    pub rejected: u64,
    /// Documents it dropped on purpose.
    pub dropped: u64,
    /// Documents it passed over on purpose (a language or page kind it does not handle);
    /// each names the stage and the reason in `meta.skipped`.
    pub skipped: u64,
    /// Seconds spent in it (wall clock, all threads).
    pub seconds: f64,
}

/// What a run did; also written as the stats file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// The pipeline's name.
    pub pipeline: String,
    /// Hash of the pipeline file.
    pub config_hash: String,
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Worker threads used.
    pub threads: usize,
    /// Documents read from the input (including those rejected on reading).
    pub read: u64,
    /// Documents that came out of the last stage.
    pub written: u64,
    /// Documents rejected, by any stage or the reader.
    pub rejected: u64,
    /// Documents dropped on purpose.
    pub dropped: u64,
    /// Bytes of input read.
    pub input_bytes: u64,
    /// Files in the input that were not read, counted by reason (the run's own outputs,
    /// files that are not articles).
    pub skipped: std::collections::BTreeMap<String, u64>,
    /// Per-stage counts, in pipeline order.
    pub stages: Vec<StageStats>,
}

pub(crate) enum Work {
    Document(Box<dyn DocumentStage>),
    Corpus(CorpusWork),
    Sink(Box<dyn Sink>),
}

/// A corpus stage with what it has gathered so far.
pub(crate) struct CorpusWork {
    pub(crate) stage: Box<dyn DynCorpusStage>,
    /// Records of the documents observed so far, in input order.
    pub(crate) records: Vec<Erased>,
    /// The prepared state, once every document was observed (or at the first apply).
    pub(crate) state: Option<Erased>,
    /// The position of the next document to apply to.
    pub(crate) next_position: usize,
}

pub(crate) struct Step {
    pub(crate) name: String,
    pub(crate) work: Work,
    pub(crate) stats: StageStats,
    pub(crate) elapsed: Duration,
}

impl Step {
    fn new(name: String, instance: StageInstance) -> Self {
        let work = match instance {
            StageInstance::Document(stage) => Work::Document(stage),
            StageInstance::Corpus(stage) => Work::Corpus(CorpusWork {
                stage,
                records: Vec::new(),
                state: None,
                next_position: 0,
            }),
            StageInstance::Sink(sink) => Work::Sink(sink),
        };
        Self {
            stats: StageStats {
                name: name.clone(),
                ..StageStats::default()
            },
            name,
            work,
            elapsed: Duration::ZERO,
        }
    }

    fn needs_full_view(&self) -> bool {
        matches!(&self.work, Work::Corpus(work) if work.stage.needs_full_view())
    }

    /// The stage's warm-up, if it has one.
    fn warm_up(&self) -> Option<WarmUp> {
        match &self.work {
            Work::Document(stage) => stage.warm_up(),
            Work::Corpus(work) => work.stage.warm_up(),
            Work::Sink(_) => None,
        }
    }
}

/// Starts every stage's warm-up ([`DocumentStage::warm_up`]) on a thread of its own, in
/// pipeline order, and returns at once: the stages' automata, models and patterns are built
/// while the reader decodes the first batches and the first stages work, instead of on a
/// worker when its first document reaches each stage (sampled on the `wire` stories, the
/// workers spent about 35 ms compiling and waited about 28 ms for extract's gazetteer). Not
/// joined: a document that reaches a stage before its warm-up is done waits only for what it
/// reads (each is built once, by whichever thread gets there first). A thread that cannot
/// start leaves it all to first use.
fn start_warm_ups(steps: &[Step]) {
    let warm_ups: Vec<WarmUp> = steps.iter().filter_map(Step::warm_up).collect();
    if warm_ups.is_empty() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("newspipe-warm-up".into())
        .spawn(move || {
            lower_priority();
            warm_ups.into_iter().for_each(|warm_up| warm_up());
        });
}

/// Gives the calling thread a lower scheduling priority (nice 10), so that the warm-up takes
/// the cores the reader and the workers leave idle instead of sharing theirs: on two cores the
/// first pass (all reading) took 40-50 ms longer beside a warm-up of equal priority. A worker
/// that needs what the warm-up is building waits for it, and its core goes to the warm-up
/// meanwhile.
fn lower_priority() {
    // On Linux a thread has a nice value of its own, and `who = 0` is the calling thread.
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` reads no memory of ours; a failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Where rejected and dropped documents go, and whether a failure stops the run.
/// Files go to disk in a run; in a trace (no files) the records are kept in memory.
pub(crate) struct Sinks {
    pub(crate) files: Option<(RecordFile, RecordFile)>,
    pub(crate) rejected: Vec<Rejected>,
    pub(crate) dropped: Vec<Dropped>,
    pub(crate) rejected_count: u64,
    pub(crate) dropped_count: u64,
    on_error: OnError,
}

impl Sinks {
    pub(crate) fn new(files: Option<(RecordFile, RecordFile)>, on_error: OnError) -> Self {
        Self {
            files,
            rejected: Vec::new(),
            dropped: Vec::new(),
            rejected_count: 0,
            dropped_count: 0,
            on_error,
        }
    }

    pub(crate) fn reject(&mut self, record: Rejected) -> Result<(), RunError> {
        if self.on_error == OnError::Fail {
            return Err(RunError::Document {
                stage: record.stage,
                id: record.id,
                message: record.reason,
            });
        }
        tracing::info!(id = %record.id, stage = %record.stage, reason = %record.reason, "Document rejected.");
        self.keep_rejected(record)
    }

    /// Counts and stores a rejected document, already checked against `on_error` and logged.
    fn keep_rejected(&mut self, record: Rejected) -> Result<(), RunError> {
        self.rejected_count += 1;
        match &mut self.files {
            Some((rejects, _)) => rejects.write(&record).map_err(RunError::Output),
            None => {
                self.rejected.push(record);
                Ok(())
            }
        }
    }

    /// Records what another set of sinks kept in memory (and already checked and logged), in
    /// its order.
    fn absorb(&mut self, other: Sinks) -> Result<(), RunError> {
        for record in other.rejected {
            self.keep_rejected(record)?;
        }
        for record in other.dropped {
            self.drop(record)?;
        }
        Ok(())
    }

    fn drop(&mut self, record: Dropped) -> Result<(), RunError> {
        self.dropped_count += 1;
        match &mut self.files {
            Some((_, dropped)) => dropped.write(&record).map_err(RunError::Output),
            None => {
                self.dropped.push(record);
                Ok(())
            }
        }
    }
}

/// Runs `pipeline` to the end and commits its outputs; on error nothing is committed.
pub fn run(
    pipeline: &Pipeline,
    registry: &Registry,
    options: &RunOptions,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let threads = thread_count(options);
    let pool = worker_pool(threads)?;
    let mut steps = build_steps(pipeline, &pipeline.stages, registry)?;
    start_warm_ups(&steps);
    let files = (
        RecordFile::create(&pipeline.rejects).map_err(RunError::Output)?,
        RecordFile::create(&pipeline.dropped).map_err(RunError::Output)?,
    );
    let mut sinks = Sinks::new(Some(files), pipeline.on_error);
    let stats_file =
        newspipe_core::AtomicFile::create(&pipeline.stats).map_err(RunError::Output)?;
    let own = crate::select::own_files(pipeline, registry);
    crate::interrupt::remove_stale_temp_files(&crate::select::output_folders(&own));
    let (Selection { files, skipped }, input_bytes) =
        crate::select::list_input(pipeline, &own).map_err(RunError::Input)?;
    tracing::info!(
        files = files.len(),
        bytes = input_bytes,
        threads,
        "Starting run."
    );

    let mut summary = RunSummary {
        pipeline: pipeline.name.clone(),
        config_hash: pipeline.config_hash.clone(),
        started_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        threads,
        input_bytes,
        skipped,
        ..RunSummary::default()
    };
    let counts = pool.install(|| {
        let input = &pipeline.input;
        // Each batch is decoded on the reader's thread, with the input bytes it came from.
        let reader = BatchReader::start(
            files,
            input.format,
            input.batch_size,
            input.max_document_bytes,
            |raw| {
                let bytes: u64 = raw.iter().map(|record| record.len() as u64).sum();
                (bytes, Batch::decode(raw))
            },
        );
        let progress = progress_bar(options.progress, input_bytes, "reading".into());
        let source = reader.map(move |(bytes, batch)| {
            progress.inc(bytes);
            stop_point()?;
            Ok(batch)
        });
        let passes = Passes {
            memory_budget: options.memory_budget,
            progress: options.progress,
        };
        passes.run(Box::new(source), &mut steps, &mut sinks, None)
    })?;
    summary.read = counts.read;
    summary.written = counts.written;
    summary.rejected = sinks.rejected_count;
    summary.dropped = sinks.dropped_count;
    let info = RunInfo {
        pipeline: pipeline.name.clone(),
        config_hash: pipeline.config_hash.clone(),
        read: summary.read,
        rejected: summary.rejected,
        dropped: summary.dropped,
        started_at: summary.started_at.clone(),
    };
    finish_sinks(&mut steps, &info)?;
    summary.stages = steps
        .into_iter()
        .map(|step| StageStats {
            seconds: step.elapsed.as_secs_f64(),
            ..step.stats
        })
        .collect();
    summary.seconds = started.elapsed().as_secs_f64();
    if let Some((rejects, dropped)) = sinks.files.take() {
        rejects.commit().map_err(RunError::Output)?;
        dropped.commit().map_err(RunError::Output)?;
    }
    write_stats(stats_file, &summary)?;
    Ok(summary)
}

pub(crate) fn thread_count(options: &RunOptions) -> usize {
    options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) fn worker_pool(threads: usize) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("newspipe-worker-{i}"))
        .build()
        .map_err(|err| RunError::Setup(format!("cannot start {threads} worker threads: {err}")))
}

/// Calls `finish` on every sink, in pipeline order.
pub(crate) fn finish_sinks(steps: &mut [Step], info: &RunInfo) -> Result<(), RunError> {
    for step in steps {
        if let Work::Sink(sink) = &mut step.work {
            let started = Instant::now();
            guard(&step.name, || sink.finish(info))?;
            let took = started.elapsed();
            tracing::info!(stage = %step.name, seconds = took.as_secs_f64(), "Outputs committed.");
            step.elapsed += took;
        }
    }
    Ok(())
}

/// Documents read and written by [`Passes::run`].
struct Counts {
    read: u64,
    written: u64,
}

type BatchSource<'a> = Box<dyn Iterator<Item = Result<Batch, RunError>> + 'a>;

/// How the passes of a run are cut and held.
struct Passes {
    memory_budget: usize,
    progress: bool,
}

impl Passes {
    /// Streams `source` through every pass of `steps`: at the end of a pass the next pass's
    /// corpus stage observes each batch, the batches wait in a [`Spool`], the stage prepares,
    /// and the spooled batches flow on. With `collect`, the documents that leave the last stage
    /// are kept there, in input order.
    fn run(
        &self,
        mut source: BatchSource<'_>,
        steps: &mut [Step],
        sinks: &mut Sinks,
        mut collect: Option<&mut Vec<Document>>,
    ) -> Result<Counts, RunError> {
        let mut counts = Counts {
            read: 0,
            written: 0,
        };
        let passes = pass_bounds(steps);
        for (pass, &(lo, hi)) in passes.iter().enumerate() {
            let last = pass + 1 == passes.len();
            if last && hi - lo >= 2 && matches!(steps[hi - 1].work, Work::Sink(_)) {
                let (read, written) =
                    flow_overlapping_sink(source, &mut steps[lo..hi], sinks, collect)?;
                counts.read += read;
                counts.written += written;
                break;
            }
            let mut spool = Spool::new(self.memory_budget);
            for batch in source {
                let docs = batch?.admit(sinks, &mut counts.read)?;
                let docs = flow(docs, &mut steps[lo..hi], sinks)?;
                if last {
                    counts.written += docs.len() as u64;
                    if let Some(out) = collect.as_deref_mut() {
                        out.extend(docs);
                    }
                } else {
                    let docs = observe(&mut steps[hi], docs, sinks)?;
                    spool.push(docs).map_err(RunError::Output)?;
                }
            }
            if last {
                break;
            }
            let barrier = &mut steps[hi];
            let took = prepare(barrier)?;
            tracing::info!(
                stage = %barrier.name,
                documents = spool.len(),
                seconds = took.as_secs_f64(),
                "Corpus stage prepared."
            );
            let label = format!("pass {}/{} from {}", pass + 2, passes.len(), barrier.name);
            let progress = progress_bar(self.progress, spool.len(), label);
            let drain = spool.drain().map_err(RunError::Output)?;
            source = Box::new(drain.map(move |docs| {
                stop_point()?;
                let docs = docs.map_err(RunError::Output)?;
                progress.inc(docs.len() as u64);
                Ok(Batch {
                    docs,
                    rejects: Vec::new(),
                    read: 0,
                })
            }));
        }
        Ok(counts)
    }
}

/// A corpus stage's first look at one batch: a record per document, kept in input order; a
/// document whose observation fails is rejected and goes no further.
pub(crate) fn observe(
    step: &mut Step,
    mut docs: Vec<Document>,
    sinks: &mut Sinks,
) -> Result<Vec<Document>, RunError> {
    let started = Instant::now();
    let Work::Corpus(work) = &mut step.work else {
        unreachable!("passes end before corpus stages")
    };
    let stage = &*work.stage;
    let results: Vec<Result<Erased, StageError>> = docs
        .par_iter_mut()
        .with_max_len(1)
        .map(|doc| isolate(|| stage.observe(doc)))
        .collect();
    check_result_count(&step.name, results.len(), docs.len())?;
    let mut kept = Vec::with_capacity(docs.len());
    for (doc, result) in docs.into_iter().zip(results) {
        match result {
            Ok(record) => {
                work.records.push(record);
                kept.push(doc);
            }
            Err(err) => {
                step.stats.rejected += 1;
                sinks.reject(Rejected {
                    source: source_label(&doc),
                    id: doc.id,
                    stage: step.name.clone(),
                    reason: err.message,
                })?;
            }
        }
    }
    step.elapsed += started.elapsed();
    Ok(kept)
}

/// Builds a corpus stage's state from the records of every observed document; returns how long
/// that took. A failure here is the stage's, not one document's: it stops the run.
pub(crate) fn prepare(step: &mut Step) -> Result<Duration, RunError> {
    let started = Instant::now();
    let Work::Corpus(work) = &mut step.work else {
        unreachable!("passes end before corpus stages")
    };
    let records = std::mem::take(&mut work.records);
    let state = guard(&step.name, || work.stage.prepare(records))?;
    work.state = Some(state);
    work.next_position = 0;
    let took = started.elapsed();
    step.elapsed += took;
    Ok(took)
}

fn check_result_count(stage: &str, results: usize, docs: usize) -> Result<(), RunError> {
    if results == docs {
        return Ok(());
    }
    Err(RunError::Stage {
        stage: stage.into(),
        message: format!("returned {results} results for {docs} documents"),
    })
}

/// A batch on its way into a pass: documents, plus what the reader rejected (first pass only).
pub(crate) struct Batch {
    pub(crate) docs: Vec<Document>,
    pub(crate) rejects: Vec<Rejected>,
    pub(crate) read: u64,
}

impl Batch {
    /// Hands the reader's rejects to `sinks`, adds the records read to `read`, and returns the
    /// documents: what every pass does first with a batch.
    pub(crate) fn admit(
        self,
        sinks: &mut Sinks,
        read: &mut u64,
    ) -> Result<Vec<Document>, RunError> {
        *read += self.read;
        for rejected in self.rejects {
            sinks.reject(rejected)?;
        }
        Ok(self.docs)
    }

    /// Decodes raw records, keeping input order. One thread, the reader's ([`BatchReader`]),
    /// beside the workers: the workers decoding a batch together took as long as one alone
    /// (29-39 ms over the wire row either way), and held up everything else they had to do.
    pub(crate) fn decode(raw: Vec<crate::input::RawRecord>) -> Self {
        let read = raw.len() as u64;
        let results: Vec<_> = raw
            .into_iter()
            .map(|record| record.into_document())
            .collect();
        let mut docs = Vec::with_capacity(results.len());
        let mut rejects = Vec::new();
        for result in results {
            match result {
                Ok(doc) => docs.push(doc),
                Err(rejected) => rejects.push(rejected),
            }
        }
        Self {
            docs,
            rejects,
            read,
        }
    }
}

/// Builds every stage before any document is read, so a bad setup fails fast.
pub(crate) fn build_steps(
    pipeline: &Pipeline,
    specs: &[StageSpec],
    registry: &Registry,
) -> Result<Vec<Step>, RunError> {
    let cx = BuildContext {
        base_dir: pipeline.base_dir.clone(),
        pipeline: pipeline.name.clone(),
    };
    specs
        .iter()
        .map(|spec| {
            let factory = registry.get(&spec.name).ok_or_else(|| RunError::Build {
                stage: spec.name.clone(),
                message: "no such stage".into(),
            })?;
            match factory.build(&spec.config, &cx) {
                Ok(instance) => {
                    let name = match &instance {
                        StageInstance::Document(stage) => stage.record_name(),
                        _ => None,
                    };
                    Ok(Step::new(
                        name.unwrap_or_else(|| spec.name.clone()),
                        instance,
                    ))
                }
                Err(BuildError::Setup(message)) => Err(RunError::Build {
                    stage: spec.name.clone(),
                    message,
                }),
                Err(BuildError::Config(issues)) => {
                    let message = issues
                        .iter()
                        .map(|issue| format!("{}: {}", issue.path.join("."), issue.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                    Err(RunError::Build {
                        stage: spec.name.clone(),
                        message,
                    })
                }
            }
        })
        .collect()
}

/// The passes of a pipeline as `[lo, hi)` stage ranges: a new pass starts at every stage that
/// needs the full view (its `apply` opens the pass; its `observe` closed the one before).
pub(crate) fn pass_bounds(steps: &[Step]) -> Vec<(usize, usize)> {
    let mut passes = Vec::new();
    let mut lo = 0;
    for (index, step) in steps.iter().enumerate() {
        if step.needs_full_view() {
            passes.push((lo, index));
            lo = index;
        }
    }
    passes.push((lo, steps.len()));
    passes
}

/// Sends one batch through a run of stages, removing rejected and dropped documents.
pub(crate) fn flow(
    mut docs: Vec<Document>,
    steps: &mut [Step],
    sinks: &mut Sinks,
) -> Result<Vec<Document>, RunError> {
    for step in steps {
        if docs.is_empty() {
            break;
        }
        stop_point()?;
        let started = Instant::now();
        let outcomes: Vec<Result<Disposition, StageError>> = match &mut step.work {
            Work::Document(stage) => {
                let stage = &**stage;
                docs.par_chunks_mut(CHUNK_SIZE)
                    .with_max_len(1)
                    .flat_map_iter(|chunk| {
                        let len = chunk.len();
                        catch_unwind(AssertUnwindSafe(|| stage.process_chunk(chunk)))
                            .unwrap_or_else(|panic| {
                                let message =
                                    format!("stage panicked: {}", panic_message(panic.as_ref()));
                                vec![Err(StageError::new(message)); len]
                            })
                    })
                    .collect()
            }
            Work::Corpus(work) => {
                if work.state.is_none() {
                    // No full view: the state of no records.
                    let state = guard(&step.name, || work.stage.prepare(Vec::new()))?;
                    work.state = Some(state);
                }
                let (stage, state) = (&*work.stage, work.state.as_ref().expect("prepared"));
                let first = work.next_position;
                work.next_position += docs.len();
                docs.par_iter_mut()
                    .with_max_len(1)
                    .enumerate()
                    .map(|(i, doc)| isolate(|| stage.apply(state, first + i, doc)))
                    .collect()
            }
            Work::Sink(sink) => guard(&step.name, || sink.write(&mut docs))?
                .into_iter()
                .map(Ok)
                .collect(),
        };
        step.elapsed += started.elapsed();
        step.stats.skipped += docs
            .iter()
            .filter(|doc| doc.meta.skipped.iter().any(|skip| skip.stage == step.name))
            .count() as u64;
        check_result_count(&step.name, outcomes.len(), docs.len())?;
        let mut kept = Vec::with_capacity(docs.len());
        for (doc, outcome) in docs.into_iter().zip(outcomes) {
            match outcome {
                Ok(Disposition::Keep) => kept.push(doc),
                Ok(Disposition::Drop {
                    reason,
                    duplicate_of,
                }) => {
                    step.stats.dropped += 1;
                    let record = Dropped {
                        source: source_label(&doc),
                        id: doc.id,
                        stage: step.name.clone(),
                        reason,
                        duplicate_of,
                    };
                    sinks.drop(record)?;
                }
                Err(err) => {
                    step.stats.rejected += 1;
                    sinks.reject(Rejected {
                        source: source_label(&doc),
                        id: doc.id,
                        stage: step.name.clone(),
                        reason: err.message,
                    })?;
                }
            }
        }
        docs = kept;
    }
    Ok(docs)
}

/// The last pass when it ends in a sink (export): while the sink writes batch k, the
/// stages before it already work on batch k+1, so a serial writer (SQLite) overlaps with the
/// parallel stages instead of leaving cores idle. The final stage's rejects and drops for batch
/// k are recorded after the earlier stages' for batch k+1, the same order on any thread count.
/// Returns the documents read and written.
pub(crate) fn flow_overlapping_sink(
    source: impl Iterator<Item = Result<Batch, RunError>>,
    steps: &mut [Step],
    sinks: &mut Sinks,
    mut collect: Option<&mut Vec<Document>>,
) -> Result<(u64, u64), RunError> {
    let (head, sink) = steps.split_at_mut(steps.len() - 1);
    let on_error = sinks.on_error;
    let keep = collect.is_some();
    let (mut read, mut written) = (0, 0);
    let mut pending: Option<Vec<Document>> = None;
    for batch in source {
        let docs = batch?.admit(sinks, &mut read)?;
        let previous = pending.take();
        let (ahead, behind) = rayon::join(
            || flow(docs, head, sinks),
            || {
                previous
                    .map(|docs| {
                        let mut records = Sinks::new(None, on_error);
                        let out = flow(docs, sink, &mut records)?;
                        let count = out.len() as u64;
                        if keep {
                            return Ok((count, Some(out), records));
                        }
                        // Freeing a batch's documents is real work: done here, beside the
                        // stages, and on every worker (alone, the sink's thread kept the other
                        // waiting at the end of the stages' part of the batch).
                        out.into_par_iter().with_max_len(16).for_each(drop);
                        Ok((count, None, records))
                    })
                    .transpose()
            },
        );
        if let Some((count, out, records)) = behind? {
            written += count;
            sinks.absorb(records)?;
            if let (Some(kept), Some(out)) = (collect.as_deref_mut(), out) {
                kept.extend(out);
            }
        }
        pending = Some(ahead?);
    }
    if let Some(docs) = pending {
        let out = flow(docs, sink, sinks)?;
        written += out.len() as u64;
        if let Some(kept) = collect {
            kept.extend(out);
        }
    }
    Ok((read, written))
}

/// Ends the run here when Ctrl-C or SIGTERM asked it to stop.
pub(crate) fn stop_point() -> Result<(), RunError> {
    if crate::interrupt::stop_requested() {
        Err(RunError::Interrupted)
    } else {
        Ok(())
    }
}

fn source_label(doc: &Document) -> String {
    match doc.source.line {
        Some(line) => format!("{}:{line}", doc.source.path),
        None => doc.source.path.clone(),
    }
}

/// Runs a corpus-stage call, turning an error or a panic into a run error naming the stage.
pub(crate) fn guard<T>(
    stage: &str,
    call: impl FnOnce() -> Result<T, StageError>,
) -> Result<T, RunError> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(RunError::Stage {
            stage: stage.into(),
            message: err.message,
        }),
        Err(panic) => Err(RunError::Stage {
            stage: stage.into(),
            message: format!("panicked: {}", panic_message(panic.as_ref())),
        }),
    }
}

/// A progress bar on stderr, drawn only on a terminal: input bytes for the first pass
/// (`reading`), documents for the later ones.
fn progress_bar(enabled: bool, total: u64, label: String) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let template = if label == "reading" {
        "{spinner} {msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})"
    } else {
        "{spinner} {msg} {bar:30} {human_pos}/{human_len} documents (eta {eta})"
    };
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(label);
    bar
}

pub(crate) fn write_stats(
    mut file: newspipe_core::AtomicFile,
    summary: &RunSummary,
) -> Result<(), RunError> {
    use std::io::Write;
    serde_json::to_writer_pretty(&mut file, summary).map_err(|err| RunError::Output(err.into()))?;
    file.write_all(b"\n").map_err(RunError::Output)?;
    file.commit().map_err(RunError::Output)
}

/// The documents as they leave one stage of a [`trace`].
#[derive(Debug, Clone)]
pub struct StageTrace {
    /// The stage's name.
    pub name: String,
    /// The documents that came out, in input order.
    pub docs: Vec<Document>,
    /// The documents it rejected.
    pub rejected: Vec<Rejected>,
    /// The documents it dropped.
    pub dropped: Vec<Dropped>,
}

/// A whole small run held in memory: the documents as read, then after each stage.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The documents as read, before any stage.
    pub read: Vec<Document>,
    /// What the reader rejected.
    pub rejected: Vec<Rejected>,
    /// One entry per stage run.
    pub stages: Vec<StageTrace>,
}

/// Runs `stages` over `input` entirely in memory, keeping the documents after every stage, for
/// regression tests. Nothing is written: stages named in `skip` (outputs such as `export`) are
/// left out. Meant for small inputs; [`run`] is the streaming path.
pub fn trace(
    pipeline: &Pipeline,
    stages: &[StageSpec],
    input: &Input,
    registry: &Registry,
    options: &RunOptions,
) -> Result<Trace, RunError> {
    let pool = worker_pool(thread_count(options))?;
    let mut steps = build_steps(pipeline, stages, registry)?;
    let listed = discover(&input.path).map_err(RunError::Input)?;
    let own = crate::select::own_files(pipeline, registry);
    let files = select(&input.path, listed, input.format, &own).files;
    pool.install(|| {
        let mut sinks = Sinks::new(None, pipeline.on_error);
        let mut docs = Vec::new();
        let mut read = 0;
        let reader = BatchReader::start(
            files,
            input.format,
            usize::MAX,
            input.max_document_bytes,
            Batch::decode,
        );
        for batch in reader {
            docs.extend(batch.admit(&mut sinks, &mut read)?);
        }
        let mut trace = Trace {
            read: docs.clone(),
            rejected: std::mem::take(&mut sinks.rejected),
            stages: Vec::with_capacity(steps.len()),
        };
        for step in steps.iter_mut() {
            if step.needs_full_view() {
                docs = observe(step, docs, &mut sinks)?;
                prepare(step)?;
            }
            docs = flow(docs, std::slice::from_mut(step), &mut sinks)?;
            trace.stages.push(StageTrace {
                name: step.name.clone(),
                docs: docs.clone(),
                rejected: std::mem::take(&mut sinks.rejected),
                dropped: std::mem::take(&mut sinks.dropped),
            });
        }
        let info = RunInfo {
            pipeline: pipeline.name.clone(),
            config_hash: pipeline.config_hash.clone(),
            read,
            rejected: sinks.rejected_count,
            dropped: sinks.dropped_count,
            started_at: String::new(),
        };
        finish_sinks(&mut steps, &info)?;
        Ok(trace)
    })
}

/// How [`run_in_memory`] cuts and runs the work.
#[derive(Debug, Clone)]
pub struct MemoryRunOptions {
    /// Worker threads.
    pub threads: usize,
    /// Documents per batch, as `input.batch_size` in a pipeline.
    pub batch_size: usize,
    /// Bytes of documents held between passes before spilling to a temporary file.
    pub memory_budget: usize,
    /// Whether a document's failure stops the run.
    pub on_error: OnError,
}

impl Default for MemoryRunOptions {
    fn default() -> Self {
        Self {
            threads: 1,
            batch_size: 512,
            memory_budget: RunOptions::default().memory_budget,
            on_error: OnError::Continue,
        }
    }
}

/// What came out of [`run_in_memory`].
#[derive(Debug, Clone)]
pub struct MemoryRun {
    /// The documents that left the last stage, in input order.
    pub docs: Vec<Document>,
    /// The documents a stage rejected, in the order a run records them.
    pub rejected: Vec<Rejected>,
    /// The documents a stage dropped.
    pub dropped: Vec<Dropped>,
}

/// Runs built stages over documents held in memory through exactly the passes, batches, chunks
/// and spool of [`run`]: the one driver for tests of a stage or of several.
pub fn run_in_memory(
    stages: Vec<(String, StageInstance)>,
    docs: Vec<Document>,
    options: &MemoryRunOptions,
) -> Result<MemoryRun, RunError> {
    let pool = worker_pool(options.threads.max(1))?;
    let mut steps: Vec<Step> = stages
        .into_iter()
        .map(|(name, instance)| Step::new(name, instance))
        .collect();
    let batch_size = options.batch_size.max(1);
    pool.install(|| {
        let mut sinks = Sinks::new(None, options.on_error);
        let read = docs.len() as u64;
        let mut docs = docs.into_iter().peekable();
        let source = std::iter::from_fn(move || {
            docs.peek()?;
            let docs: Vec<Document> = docs.by_ref().take(batch_size).collect();
            let read = docs.len() as u64;
            Some(Ok(Batch {
                docs,
                rejects: Vec::new(),
                read,
            }))
        });
        let passes = Passes {
            memory_budget: options.memory_budget,
            progress: false,
        };
        let mut out = Vec::new();
        passes.run(Box::new(source), &mut steps, &mut sinks, Some(&mut out))?;
        let info = RunInfo {
            read,
            rejected: sinks.rejected_count,
            dropped: sinks.dropped_count,
            ..RunInfo::default()
        };
        finish_sinks(&mut steps, &info)?;
        Ok(MemoryRun {
            docs: out,
            rejected: sinks.rejected,
            dropped: sinks.dropped,
        })
    })
}
