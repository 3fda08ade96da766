//! One task of a run split by a [`Plan`]: `observe` (per shard), the steps of a split merge
//! (dedupe's bucket tasks), `merge` (per corpus stage) or `assemble` (the last pass and the
//! outputs).
//!
//! Every task writes its files in its own folder of the work folder (`TASK/RANK/`) under
//! temporary names, renames them, and only then writes its completion marker (`done.json`)
//! with the blake3 hash of each file it wrote (hashed as it went out, never read back) and its
//! length and modification time, and the hash of each file it read. A task whose marker still
//! matches is skipped, so running the graph again resumes it: the check is a `stat` of each
//! file, never a hash (a resume must not read terabytes). A task killed mid-write leaves no
//! marker, so nothing downstream reads its files; a task checks every file it reads against the
//! marker of the task that wrote it (its length before it reads, its hash as it reads), and
//! names that task when the file is missing or differs.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use newspipe_config::Pipeline;
use newspipe_core::{
    AtomicFile, Document, DynCorpusStage, Erased, MergeFiles, MergeSource, Registry, RunInfo,
    StageError,
};
use rayon::prelude::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::plan::{Plan, TaskKind, TaskStep};
use crate::reader::BatchReader;
use crate::records::RecordFile;
use crate::run::{
    build_steps, finish_sinks, flow, flow_overlapping_sink, guard, observe, thread_count,
    worker_pool, write_stats, Batch, Sinks, Step, Work,
};
use crate::{RunError, RunOptions, RunSummary, StageStats};

/// The documents that left an `observe` task, one JSON object per line.
const DOCS: &str = "docs.jsonl";
/// The corpus stage's records of those documents, in its versioned binary form.
const RECORDS: &str = "records.bin";
/// The documents the task rejected, as lines of the run's rejects file.
const REJECTED: &str = "rejected.jsonl";
/// The documents the task dropped, as lines of the run's dropped file.
const DROPPED: &str = "dropped.jsonl";
/// Counts: [`ObserveMeta`] or [`MergeMeta`].
const META: &str = "meta.json";
/// A merged corpus stage's state, in its versioned binary form.
const STATE: &str = "state.bin";
/// The completion marker.
const MARKER: &str = "done.json";

/// What happened to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// It ran and committed its outputs.
    Ran,
    /// Its completion marker matched what it reads and writes: nothing to do.
    Skipped,
}

/// What an `observe` task counted.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ObserveMeta {
    /// Records read from the input (first step only).
    read: u64,
    /// Documents in each batch it wrote, empty batches included: the next task cuts the same.
    batches: Vec<usize>,
    /// Counts of the stages it ran, in pipeline order from its first stage.
    stages: Vec<StageStats>,
}

/// What a `merge` task wrote besides the state.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MergeMeta {
    /// For each shard, how many observed documents come before its first: the position its
    /// `apply` starts at.
    offsets: Vec<usize>,
    /// How many documents every shard observed: with `offsets`, each shard's positions, so an
    /// apply task that cuts its own state reads no observe task's counts (each apply task read
    /// every shard's `meta.json` before, and the assemble task that once per shard).
    observed: usize,
    /// Whether it wrote one state per shard ([`shard_state_file`]) instead of [`STATE`].
    #[serde(default)]
    per_shard: bool,
    /// Whether each apply task cuts its shard's state from [`STATE`] and the merge steps'
    /// files for its shard (the stage's `shard_state_in_apply`), the merge task having written
    /// only [`STATE`].
    #[serde(default)]
    cut_in_apply: bool,
}

/// The file of the state that the apply task of shard `rank` reads, for a stage whose merge
/// writes one per shard.
fn shard_state_file(rank: usize) -> String {
    format!("state-{rank}.bin")
}

/// A completion marker: the hash of the plan; the hash of each work-folder file the task
/// read, as its writer recorded it; the hash and stat fingerprint of each file it wrote in the
/// work folder, by path relative to it; and the stat fingerprint of every run output it wrote
/// outside it, by absolute path. A marker of an older build does not parse: the task runs again.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Marker {
    task: String,
    rank: usize,
    plan: String,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, Written>,
    written: BTreeMap<String, Fingerprint>,
}

/// What a marker records of a file its task wrote in the work folder: the blake3 hash of its
/// bytes, which a reader checks as it reads them, and its fingerprint, which a resume checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    hash: String,
    fingerprint: Fingerprint,
}

/// What `stat` says of a run output, to tell cheaply whether it is still the file the task
/// wrote (hashing every output again would read terabytes): deleted, truncated, rewritten or
/// replaced, its length or modification time differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Fingerprint {
    bytes: u64,
    /// Nanoseconds since the Unix epoch.
    modified_ns: u128,
}

impl Fingerprint {
    fn of(path: &Path) -> std::io::Result<Self> {
        let meta = fs::metadata(path)?;
        let modified = meta.modified()?;
        Ok(Self {
            bytes: meta.len(),
            modified_ns: modified
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |since| since.as_nanos()),
        })
    }
}

/// The rank of this task from the environment: a Slurm array index or a Kubernetes Indexed
/// Job's completion index.
pub fn rank_from_env() -> Option<usize> {
    ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
}

/// Runs task `task` at `rank` of the plan at `plan_path` (its folder is the work folder),
/// unless its completion marker shows it already ran on the same inputs.
pub fn run_task(
    plan_path: &Path,
    task: &str,
    rank: usize,
    registry: &Registry,
    options: &RunOptions,
) -> Result<TaskOutcome, RunError> {
    let plan = Plan::read(plan_path)?;
    let workdir = plan_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let (index, step) = plan.step(task).ok_or_else(|| {
        let names: Vec<&str> = plan.steps.iter().map(|s| s.name.as_str()).collect();
        RunError::Task(format!(
            "the plan has no task `{task}`; its tasks are {}",
            names.join(", ")
        ))
    })?;
    if rank >= step.ranks {
        return Err(RunError::Task(format!(
            "task `{task}` runs at ranks 0 to {}, not {rank}",
            step.ranks - 1
        )));
    }
    let pipeline = newspipe_config::load(&plan.pipeline, registry).map_err(|diagnostics| {
        RunError::Task(format!(
            "cannot load the plan's pipeline {}:\n{diagnostics}",
            plan.pipeline.display()
        ))
    })?;
    if pipeline.config_hash != plan.pipeline_hash {
        return Err(RunError::Task(format!(
            "{} changed since the plan was made; make the plan again",
            plan.pipeline.display()
        )));
    }
    let folder = workdir.join(task).join(rank.to_string());
    let plan_hash = hash_file(plan_path)?;
    if still_valid(&workdir, &folder, &plan_hash) {
        tracing::info!(task, rank, "Task already done; skipped.");
        return Ok(TaskOutcome::Skipped);
    }
    remove_if_present(&folder.join(MARKER))?;
    let mut inputs = Inputs::new(&workdir);
    let context = Context {
        plan: &plan,
        pipeline: &pipeline,
        registry,
        index,
        step,
        rank,
        folder: &folder,
    };
    let pool = worker_pool(thread_count(options))?;
    let outputs = pool.install(|| match step.kind {
        TaskKind::Observe => context.observe(&mut inputs),
        TaskKind::MergeStep => context.merge_step(&mut inputs),
        TaskKind::Merge => context.merge(&mut inputs),
        TaskKind::Assemble => context.assemble(&mut inputs, thread_count(options)),
    })?;
    // Only the assemble task writes outside the work folder: the run's outputs.
    let written = match step.kind {
        TaskKind::Assemble => run_output_fingerprints(&pipeline, registry)?,
        _ => BTreeMap::new(),
    };
    let marker = Marker {
        task: task.into(),
        rank,
        plan: plan_hash,
        inputs: inputs.hashes,
        outputs,
        written,
    };
    write_json(&folder.join(MARKER), &marker)?;
    Ok(TaskOutcome::Ran)
}

/// Everything a task needs to know about itself.
struct Context<'a> {
    plan: &'a Plan,
    pipeline: &'a Pipeline,
    registry: &'a Registry,
    /// The task's step's place in the plan.
    index: usize,
    step: &'a TaskStep,
    rank: usize,
    folder: &'a Path,
}

type Outputs = BTreeMap<String, Written>;

impl Context<'_> {
    fn build(&self, first: usize, end: usize) -> Result<Vec<Step>, RunError> {
        build_steps(
            self.pipeline,
            &self.pipeline.stages[first..end],
            self.registry,
        )
    }

    /// The step `back` places before this one.
    fn earlier(&self, back: usize) -> &TaskStep {
        &self.plan.steps[self.index - back]
    }

    /// The last `observe` step before this one.
    fn previous_observe(&self) -> &TaskStep {
        self.plan.steps[..self.index]
            .iter()
            .rev()
            .find(|step| step.kind == TaskKind::Observe)
            .expect("a merge follows an observe step")
    }

    /// The steps of the split merge that follows `observe` (the step at `observe`), if any.
    fn merge_steps_after(&self, observe: usize) -> Vec<&TaskStep> {
        self.plan.steps[observe + 1..]
            .iter()
            .take_while(|step| step.kind == TaskKind::MergeStep)
            .collect()
    }

    /// The files of the split merge of the corpus stage `stage`, read through `inputs`.
    fn merge_files<'a>(
        &'a self,
        inputs: &'a mut Inputs,
        stage: &'a dyn DynCorpusStage,
    ) -> TaskFiles<'a> {
        let observe = self.previous_observe();
        let at = self
            .plan
            .step(&observe.name)
            .map(|(index, _)| index)
            .expect("a step of the plan");
        TaskFiles {
            workdir: inputs.workdir.clone(),
            inputs,
            stage,
            observe,
            merge_steps: self.merge_steps_after(at),
            first_positions: None,
            error: None,
            failures: Default::default(),
        }
    }

    /// Runs one rank of a step of a split merge and writes its files.
    fn merge_step(&self, inputs: &mut Inputs) -> Result<Outputs, RunError> {
        let [stage, _] = self.step.stages;
        let steps = self.build(stage, stage + 1)?;
        let Work::Corpus(work) = &steps[0].work else {
            unreachable!("a merge is always for a corpus stage")
        };
        let mut files = self.merge_files(inputs, &*work.stage);
        let number = files
            .merge_steps
            .iter()
            .position(|step| step.name == self.step.name)
            .expect("this step follows its observe step");
        let written = guard(&steps[0].name, || {
            work.stage.run_merge_step(number, self.rank, &mut files)
        })
        .map_err(|err| files.error.take().unwrap_or(err))?;
        let mut outputs = Outputs::new();
        files.verified()?;
        for (name, bytes) in written {
            self.write_file(&name, &bytes, &mut outputs)?;
        }
        Ok(outputs)
    }

    /// Loads the state the merge step just before this one wrote into the corpus stage that
    /// opens `steps`, ready to apply from the position of `rank`'s first document: shard
    /// `rank`'s own state when the merge wrote one per shard, or cut here from the merged state
    /// when the stage cuts its states in the apply tasks (then returns `true`), else the one
    /// state of every shard.
    fn load_state(
        &self,
        inputs: &mut Inputs,
        step: &mut Step,
        rank: usize,
    ) -> Result<bool, RunError> {
        let merge = self.earlier(1);
        let meta: MergeMeta = inputs.read_json(&merge.name, 0, META)?;
        let name = if meta.per_shard && !meta.cut_in_apply {
            shard_state_file(rank)
        } else {
            STATE.to_owned()
        };
        let (path, bytes) = inputs.read(&merge.name, 0, &name)?;
        let Work::Corpus(work) = &mut step.work else {
            unreachable!("a merge is always for a corpus stage")
        };
        let mut state = work
            .stage
            .decode_state(&bytes)
            .map_err(|err| corrupt(&path, &merge.name, 0, &err.message))?;
        if meta.per_shard && meta.cut_in_apply {
            // This shard's part, cut here from the merged state and the merge steps' files,
            // with the shards' positions the merge task counted.
            let mut files = self.merge_files(inputs, &*work.stage);
            files.first_positions = Some(
                meta.offsets
                    .iter()
                    .copied()
                    .chain([meta.observed])
                    .collect(),
            );
            state = guard(&step.name, || {
                work.stage.shard_state(&state, rank, &mut files)
            })
            .map_err(|err| files.error.take().unwrap_or(err))?;
            files.verified()?;
        }
        work.state = Some(state);
        work.next_position = meta.offsets.get(rank).copied().ok_or_else(|| {
            corrupt(
                &path,
                &merge.name,
                0,
                &format!("it has no offset for shard {rank}"),
            )
        })?;
        Ok(meta.per_shard)
    }

    /// The documents an earlier `observe` task wrote for `rank`, in the batches it wrote.
    fn documents_of(
        &self,
        inputs: &mut Inputs,
        task: &str,
        rank: usize,
    ) -> Result<DocBatches, RunError> {
        let meta: ObserveMeta = inputs.read_json(task, rank, META)?;
        let reader = inputs.open(task, rank, DOCS)?;
        Ok(DocBatches {
            reader,
            batches: meta.batches.into_iter(),
        })
    }

    /// Applies the previous corpus stage, runs the stages up to the next one, and records that
    /// stage's observation of each document.
    fn observe(&self, inputs: &mut Inputs) -> Result<Outputs, RunError> {
        let [first, barrier] = self.step.stages;
        let mut steps = self.build(first, barrier + 1)?;
        let source: Box<dyn Iterator<Item = Result<Batch, RunError>>> = if self.index == 0 {
            let shard = &self.plan.shards[self.rank];
            let (files, skip) = self.plan.files_of(shard);
            let input = &self.pipeline.input;
            let reader = BatchReader::start_range(
                self.plan.input_files(files),
                input.format,
                input.batch_size,
                input.max_document_bytes,
                skip,
                shard.records,
                Batch::decode,
            );
            Box::new(reader.map(Ok))
        } else {
            self.load_state(inputs, &mut steps[0], self.rank)?;
            let previous = self.previous_observe().name.clone();
            Box::new(self.documents_of(inputs, &previous, self.rank)?)
        };
        let mut sinks = Sinks::new(None, self.pipeline.on_error);
        let mut meta = ObserveMeta::default();
        let mut docs_file = HashedFile::create(&self.folder.join(DOCS))?;
        let (head, last) = steps.split_at_mut(barrier - first);
        for batch in source {
            let docs = batch?.admit(&mut sinks, &mut meta.read)?;
            let docs = flow(docs, head, &mut sinks)?;
            let docs = observe(&mut last[0], docs, &mut sinks)?;
            meta.batches.push(docs.len());
            write_documents(&mut docs_file, &docs)?;
        }
        let Work::Corpus(work) = &last[0].work else {
            unreachable!("an observe task ends at a corpus stage")
        };
        let ranks: Vec<usize> = self
            .merge_steps_after(self.index)
            .iter()
            .map(|step| step.ranks)
            .collect();
        // A split merge reads the stage's shard files instead of its records: ship only them.
        let (records, shard_files) = if ranks.is_empty() {
            let records =
                work.stage
                    .encode_records(&work.records)
                    .map_err(|err| RunError::Stage {
                        stage: last[0].name.clone(),
                        message: err.message,
                    })?;
            (Some(records), Vec::new())
        } else {
            let files = guard(&last[0].name, || {
                work.stage.shard_files(&work.records, &ranks)
            })?;
            (None, files)
        };
        meta.stages = stage_stats(&steps);
        let mut outputs = Outputs::new();
        outputs.insert(self.relative(DOCS), docs_file.commit()?);
        if let Some(records) = &records {
            self.write_file(RECORDS, records, &mut outputs)?;
        }
        for (name, bytes) in &shard_files {
            self.write_file(name, bytes, &mut outputs)?;
        }
        self.write_file(REJECTED, &json_lines(&sinks.rejected)?, &mut outputs)?;
        self.write_file(DROPPED, &json_lines(&sinks.dropped)?, &mut outputs)?;
        let meta = serde_json::to_vec_pretty(&meta).map_err(|err| RunError::Output(err.into()))?;
        self.write_file(META, &meta, &mut outputs)?;
        Ok(outputs)
    }

    /// Builds the corpus stage's state once from every shard's observation, in shard order
    /// (the stage's `finish_merge`: by default every shard's records, then `prepare`; after a
    /// split merge's steps, from their files).
    fn merge(&self, inputs: &mut Inputs) -> Result<Outputs, RunError> {
        let [stage, _] = self.step.stages;
        let steps = self.build(stage, stage + 1)?;
        let step = &steps[0];
        let Work::Corpus(work) = &step.work else {
            unreachable!("a merge is always for a corpus stage")
        };
        let mut files = self.merge_files(inputs, &*work.stage);
        tracing::info!("Merging observations.");
        let state = guard(&step.name, || work.stage.finish_merge(&mut files))
            .map_err(|err| files.error.take().unwrap_or(err))?;
        let mut offsets = files.first_positions()?.clone();
        let stage_error = |err: StageError| RunError::Stage {
            stage: step.name.clone(),
            message: err.message,
        };
        let mut outputs = Outputs::new();
        let per_shard = work.stage.state_per_shard();
        let cut_in_apply = per_shard && work.stage.shard_state_in_apply();
        if per_shard && !cut_in_apply {
            // One state per apply shard, each cut from the whole and written before the next.
            for rank in 0..offsets.len() - 1 {
                let part = guard(&step.name, || {
                    work.stage.shard_state(&state, rank, &mut files)
                })
                .map_err(|err| files.error.take().unwrap_or(err))?;
                let bytes = work.stage.encode_state(&part).map_err(stage_error)?;
                drop(part);
                self.write_file(&shard_state_file(rank), &bytes, &mut outputs)?;
            }
        } else {
            let bytes = work.stage.encode_state(&state).map_err(stage_error)?;
            self.write_file(STATE, &bytes, &mut outputs)?;
        }
        drop(state);
        files.verified()?;
        let observed = offsets.pop().unwrap_or_default();
        let meta = serde_json::to_vec(&MergeMeta {
            offsets,
            observed,
            per_shard,
            cut_in_apply,
        })
        .map_err(|err| RunError::Output(err.into()))?;
        self.write_file(META, &meta, &mut outputs)?;
        Ok(outputs)
    }

    /// Writes file `name` of this task and records its hash and fingerprint among `outputs`.
    fn write_file(&self, name: &str, bytes: &[u8], outputs: &mut Outputs) -> Result<(), RunError> {
        let mut file = HashedFile::create(&self.folder.join(name))?;
        file.write_all(bytes).map_err(RunError::Output)?;
        outputs.insert(self.relative(name), file.commit()?);
        Ok(())
    }

    /// Runs the last pass over every shard's documents in shard order and writes every output
    /// of the run (documents, rejects, drops, stats) as a one-machine run writes them, but for
    /// the sinks' parts: each shard's rows go to a part of their own (Parquet), numbered by it.
    fn assemble(&self, inputs: &mut Inputs, threads: usize) -> Result<Outputs, RunError> {
        let started = Instant::now();
        let pipeline = self.pipeline;
        let [first, _] = self.step.stages;
        let mut steps = self.build(first, pipeline.stages.len())?;
        let files = (
            RecordFile::create(&pipeline.rejects).map_err(RunError::Output)?,
            RecordFile::create(&pipeline.dropped).map_err(RunError::Output)?,
        );
        let mut sinks = Sinks::new(Some(files), pipeline.on_error);
        let stats_file = AtomicFile::create(&pipeline.stats).map_err(RunError::Output)?;
        let own = crate::select::own_files(pipeline, self.registry);
        crate::interrupt::remove_stale_temp_files(&crate::select::output_folders(&own));

        let mut stats: Vec<StageStats> = pipeline
            .stages
            .iter()
            .map(|spec| StageStats {
                name: spec.name.clone(),
                ..StageStats::default()
            })
            .collect();
        let mut read = 0;
        let observe_steps: Vec<&TaskStep> = self
            .plan
            .steps
            .iter()
            .filter(|step| step.kind == TaskKind::Observe)
            .collect();
        // Earlier passes' rejects and drops, pass by pass, shard by shard: the order of a
        // one-machine run, whose passes follow each other and whose batches the shards keep.
        for step in &observe_steps {
            for rank in 0..step.ranks {
                let meta: ObserveMeta = inputs.read_json(&step.name, rank, META)?;
                if step.stages[0] == 0 {
                    read += meta.read;
                }
                for (offset, stage) in meta.stages.iter().enumerate() {
                    add_stats(&mut stats[step.stages[0] + offset], stage);
                }
                let (rejects, dropped) = sinks.files.as_mut().expect("a run writes files");
                let (_, bytes) = inputs.read(&step.name, rank, REJECTED)?;
                for line in bytes.split_inclusive(|&b| b == b'\n') {
                    rejects.write_line(line).map_err(RunError::Output)?;
                    sinks.rejected_count += 1;
                }
                let (_, bytes) = inputs.read(&step.name, rank, DROPPED)?;
                for line in bytes.split_inclusive(|&b| b == b'\n') {
                    dropped.write_line(line).map_err(RunError::Output)?;
                    sinks.dropped_count += 1;
                }
            }
        }
        // Each shard's documents in turn, with the part number the sinks give its rows (one
        // Parquet part per shard); without an earlier step, the whole input as one part.
        type Source = Box<dyn Iterator<Item = Result<Batch, RunError>>>;
        let mut per_shard_state = false;
        let parts: Vec<(Option<u32>, Source)> = match observe_steps.last() {
            None => {
                let input = &pipeline.input;
                let reader = BatchReader::start(
                    self.plan.input_files(0..self.plan.files.len()),
                    input.format,
                    input.batch_size,
                    input.max_document_bytes,
                    Batch::decode,
                );
                vec![(None, Box::new(reader.map(Ok)))]
            }
            Some(last) => {
                per_shard_state = self.load_state(inputs, &mut steps[0], 0)?;
                let mut shards: Vec<(Option<u32>, Source)> = Vec::with_capacity(last.ranks);
                for rank in 0..last.ranks {
                    let part = u32::try_from(rank).map_err(|_| {
                        RunError::Task(format!("shard {rank} is beyond the part numbers"))
                    })?;
                    shards.push((
                        Some(part),
                        Box::new(self.documents_of(inputs, &last.name, rank)?),
                    ));
                }
                shards
            }
        };
        let mut written = 0;
        for (part, source) in parts {
            if let Some(part) = part {
                if per_shard_state && part > 0 {
                    self.load_state(inputs, &mut steps[0], part as usize)?;
                }
                start_part(&mut steps, part)?;
            }
            let (part_read, part_written) =
                if steps.len() >= 2 && matches!(steps[steps.len() - 1].work, Work::Sink(_)) {
                    flow_overlapping_sink(source, &mut steps, &mut sinks, None)?
                } else {
                    let (mut read, mut written) = (0, 0);
                    for batch in source {
                        let docs = batch?.admit(&mut sinks, &mut read)?;
                        written += flow(docs, &mut steps, &mut sinks)?.len() as u64;
                    }
                    (read, written)
                };
            read += part_read;
            written += part_written;
        }
        let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let info = RunInfo {
            pipeline: pipeline.name.clone(),
            config_hash: pipeline.config_hash.clone(),
            read,
            rejected: sinks.rejected_count,
            dropped: sinks.dropped_count,
            started_at: started_at.clone(),
        };
        finish_sinks(&mut steps, &info)?;
        for (offset, stage) in stage_stats(&steps).iter().enumerate() {
            add_stats(&mut stats[first + offset], stage);
        }
        let summary = RunSummary {
            pipeline: pipeline.name.clone(),
            config_hash: pipeline.config_hash.clone(),
            started_at,
            seconds: started.elapsed().as_secs_f64(),
            threads,
            read,
            written,
            rejected: sinks.rejected_count,
            dropped: sinks.dropped_count,
            input_bytes: self.plan.input_bytes,
            skipped: self.plan.skipped.clone(),
            stages: stats,
        };
        if let Some((rejects, dropped)) = sinks.files.take() {
            rejects.commit().map_err(RunError::Output)?;
            dropped.commit().map_err(RunError::Output)?;
        }
        write_stats(stats_file, &summary)?;
        // The run's outputs, stats included, are in the marker's `written` fingerprints.
        Ok(Outputs::new())
    }

    /// A file of this task, relative to the work folder.
    fn relative(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.step.name, self.rank)
    }
}

/// The files a task read, checked against the markers of the tasks that wrote them: the
/// hash each marker recorded, by path relative to the work folder.
struct Inputs {
    workdir: PathBuf,
    hashes: BTreeMap<String, String>,
    /// The markers read so far, by the folder of their task (`TASK/RANK`).
    markers: BTreeMap<String, Marker>,
}

/// A file of an earlier task, found in its marker, before its bytes are read.
struct Source {
    path: PathBuf,
    /// Its hash, as its writer recorded it.
    hash: String,
    task: String,
    rank: usize,
}

impl Source {
    /// The error for bytes whose hash is not the recorded one.
    fn differs(&self) -> RunError {
        corrupt(
            &self.path,
            &self.task,
            self.rank,
            "its bytes differ from what the task wrote (hash mismatch)",
        )
    }
}

impl Inputs {
    fn new(workdir: &Path) -> Self {
        Self {
            workdir: workdir.to_path_buf(),
            hashes: BTreeMap::new(),
            markers: BTreeMap::new(),
        }
    }

    /// File `file` written by `task` at `rank`, once its writer's marker names it and its
    /// length is the one recorded; records the recorded hash among this task's inputs. The
    /// bytes are checked against that hash as they are read ([`read`](Self::read),
    /// [`open`](Self::open)).
    fn take(&mut self, task: &str, rank: usize, file: &str) -> Result<Source, RunError> {
        let folder = format!("{task}/{rank}");
        let relative = format!("{folder}/{file}");
        let path = self.workdir.join(&relative);
        if !self.markers.contains_key(&folder) {
            let marker_path = self.workdir.join(&folder).join(MARKER);
            let marker: Marker = match fs::read(&marker_path) {
                Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| {
                    RunError::Task(format!(
                        "the completion marker {} of task `{task}` rank {rank} is corrupt ({err}); run that task again",
                        marker_path.display()
                    ))
                })?,
                Err(_) => {
                    return Err(RunError::Task(format!(
                        "missing input {}: task `{task}` rank {rank} has not finished; run it first",
                        path.display()
                    )))
                }
            };
            self.markers.insert(folder.clone(), marker);
        }
        let recorded = self.markers[&folder].outputs.get(&relative).cloned();
        let Some(recorded) = recorded else {
            return Err(corrupt(
                &path,
                task,
                rank,
                "its task's completion marker does not name it",
            ));
        };
        let actual = Fingerprint::of(&path).map_err(|_| {
            RunError::Task(format!(
                "missing input {}: task `{task}` rank {rank} wrote it, but it is gone; run that task again",
                path.display()
            ))
        })?;
        if actual.bytes != recorded.fingerprint.bytes {
            let why = format!(
                "it holds {} bytes, the task wrote {}",
                actual.bytes, recorded.fingerprint.bytes
            );
            return Err(corrupt(&path, task, rank, &why));
        }
        self.hashes.insert(relative, recorded.hash.clone());
        Ok(Source {
            path,
            hash: recorded.hash,
            task: task.into(),
            rank,
        })
    }

    /// The bytes of `file` written by `task` at `rank`, checked against its writer's marker.
    fn read(
        &mut self,
        task: &str,
        rank: usize,
        file: &str,
    ) -> Result<(PathBuf, Vec<u8>), RunError> {
        let source = self.take(task, rank, file)?;
        let bytes =
            fs::read(&source.path).map_err(|err| missing(&source.path, task, rank, &err))?;
        if blake3::hash(&bytes).to_hex().as_str() != source.hash {
            return Err(source.differs());
        }
        Ok((source.path, bytes))
    }

    /// A JSON file of an earlier task, checked as [`read`](Self::read) checks it.
    fn read_json<T: DeserializeOwned>(
        &mut self,
        task: &str,
        rank: usize,
        file: &str,
    ) -> Result<T, RunError> {
        let (path, bytes) = self.read(task, rank, file)?;
        serde_json::from_slice(&bytes).map_err(|err| corrupt(&path, task, rank, &err.to_string()))
    }

    /// `file` written by `task` at `rank` as a reader that checks its hash once it reaches the
    /// end ([`Verified`]).
    fn open(&mut self, task: &str, rank: usize, file: &str) -> Result<Verified, RunError> {
        let source = self.take(task, rank, file)?;
        let opened =
            fs::File::open(&source.path).map_err(|err| missing(&source.path, task, rank, &err))?;
        Ok(Verified {
            reader: BufReader::new(opened),
            hasher: blake3::Hasher::new(),
            source,
            outcome: None,
            failures: None,
        })
    }
}

/// A file of an earlier task read from front to back, hashed as it is read: at its end the
/// hash must be the one its writer recorded, else reading fails with the error naming that
/// task. Dropped before its end, it reads the rest to check it, and reports a mismatch to
/// `failures`; a reader of the whole file in one piece uses [`Inputs::read`] instead.
struct Verified {
    reader: BufReader<fs::File>,
    hasher: blake3::Hasher,
    source: Source,
    /// Whether the end was reached and the hash matched (`None`: not yet at the end).
    outcome: Option<bool>,
    /// Where a mismatch found when dropped goes ([`TaskFiles::verified`] reports it).
    failures: Option<std::rc::Rc<std::cell::RefCell<Vec<String>>>>,
}

impl Verified {
    /// At the end of the file: compares the hash once.
    fn at_end(&mut self) -> std::io::Result<()> {
        let matched = *self
            .outcome
            .get_or_insert_with(|| self.hasher.finalize().to_hex().as_str() == self.source.hash);
        if matched {
            return Ok(());
        }
        let message = self.source.differs().to_string();
        if let Some(failures) = &self.failures {
            failures.borrow_mut().push(message.clone());
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            message,
        ))
    }

    /// Reads what is left and checks the hash of the whole file.
    fn finish(&mut self) -> Result<(), RunError> {
        if self.outcome.is_some() {
            return match self.outcome {
                Some(true) => Ok(()),
                _ => Err(self.source.differs()),
            };
        }
        match std::io::copy(self, &mut std::io::sink()) {
            Ok(_) => Ok(()),
            Err(_) if self.outcome == Some(false) => Err(self.source.differs()),
            Err(err) => Err(missing(
                &self.source.path,
                &self.source.task,
                self.source.rank,
                &err,
            )),
        }
    }
}

impl std::io::Read for Verified {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.reader.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end()?;
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl BufRead for Verified {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.reader.fill_buf()?.is_empty() {
            self.at_end()?;
        }
        self.reader.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.hasher.update(&self.reader.buffer()[..amount]);
        self.reader.consume(amount);
    }
}

impl Drop for Verified {
    fn drop(&mut self) {
        if self.outcome.is_none() && self.failures.is_some() {
            let _ = self.finish();
        }
    }
}

/// A file a task writes, hashed as its bytes go out, so that its marker needs no second read.
struct HashedFile {
    file: AtomicFile,
    hasher: blake3::Hasher,
}

impl HashedFile {
    fn create(path: &Path) -> Result<Self, RunError> {
        Ok(Self {
            file: create(path)?,
            hasher: blake3::Hasher::new(),
        })
    }

    /// Renames the file into place; returns what the marker records of it.
    fn commit(self) -> Result<Written, RunError> {
        let path = self.file.path().to_path_buf();
        let hash = self.hasher.finalize().to_hex().to_string();
        self.file.commit().map_err(RunError::Output)?;
        let fingerprint = Fingerprint::of(&path).map_err(RunError::Output)?;
        Ok(Written { hash, fingerprint })
    }
}

impl Write for HashedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The files of a split merge, as [`MergeFiles`] hands them to the stage: every file is
/// checked against the marker of the task that wrote it.
struct TaskFiles<'a> {
    workdir: PathBuf,
    inputs: &'a mut Inputs,
    stage: &'a dyn DynCorpusStage,
    observe: &'a TaskStep,
    merge_steps: Vec<&'a TaskStep>,
    /// Each shard's first position, and the count of all positions last.
    first_positions: Option<Vec<usize>>,
    /// The error of a file, reported as it is rather than as the stage's.
    error: Option<RunError>,
    /// Mismatches found by the files the stage opened and left before their end.
    failures: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl TaskFiles<'_> {
    fn task(&self, source: MergeSource) -> &TaskStep {
        match source {
            MergeSource::Observe => self.observe,
            MergeSource::Step(step) => self.merge_steps[step],
        }
    }

    /// Keeps `err` to report and hands the stage its message.
    fn fail(&mut self, err: RunError) -> StageError {
        let error = StageError::new(err.to_string());
        self.error.get_or_insert(err);
        error
    }

    /// Fails when a file the stage opened and left before its end was not what its writer
    /// wrote: the stage's work is then not to be kept.
    fn verified(&self) -> Result<(), RunError> {
        match self.failures.borrow().first() {
            Some(message) => Err(RunError::Task(message.clone())),
            None => Ok(()),
        }
    }

    fn first_positions(&mut self) -> Result<&Vec<usize>, RunError> {
        if self.first_positions.is_none() {
            let task = &self.observe.name;
            let mut positions = vec![0];
            for rank in 0..self.observe.ranks {
                let meta: ObserveMeta = self.inputs.read_json(task, rank, META)?;
                let observed: usize = meta.batches.iter().sum();
                positions.push(positions[rank] + observed);
            }
            self.first_positions = Some(positions);
        }
        Ok(self.first_positions.as_ref().expect("just filled"))
    }
}

impl MergeFiles for TaskFiles<'_> {
    fn ranks(&self, source: MergeSource) -> usize {
        self.task(source).ranks
    }

    fn first_position(&mut self, shard: usize) -> Result<usize, StageError> {
        match self.first_positions() {
            Ok(positions) => positions
                .get(shard)
                .copied()
                .ok_or_else(|| StageError::new(format!("there is no shard {shard}"))),
            Err(err) => Err(self.fail(err)),
        }
    }

    fn read(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Vec<u8>, StageError> {
        let task = self.task(source).name.clone();
        match self.inputs.read(&task, rank, name) {
            Ok((_, bytes)) => Ok(bytes),
            Err(err) => Err(self.fail(err)),
        }
    }

    fn open(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Box<dyn BufRead>, StageError> {
        let task = self.task(source).name.clone();
        match self.inputs.open(&task, rank, name) {
            Ok(mut file) => {
                file.failures = Some(self.failures.clone());
                Ok(Box::new(file))
            }
            Err(err) => Err(self.fail(err)),
        }
    }

    fn records(&mut self, shard: usize) -> Result<Vec<Erased>, StageError> {
        let bytes = self.read(MergeSource::Observe, shard, RECORDS)?;
        self.stage.decode_records(&bytes).map_err(|err| {
            let path = self
                .workdir
                .join(&self.observe.name)
                .join(shard.to_string());
            let err = corrupt(&path.join(RECORDS), &self.observe.name, shard, &err.message);
            self.fail(err)
        })
    }

    fn corrupt(&self, source: MergeSource, rank: usize, name: &str, why: &str) -> StageError {
        let task = &self.task(source).name;
        let path = self.workdir.join(task).join(rank.to_string()).join(name);
        StageError::new(corrupt(&path, task, rank, why).to_string())
    }
}

/// Whether the task whose folder is `folder` has a marker for this plan (`plan_hash`) whose
/// files all still have the fingerprint recorded: each file it wrote (and each run output) by
/// its length and modification time, each file it read by its writer's marker, which must
/// still record the hash it read and the file's fingerprint. Only `stat`s and markers are
/// read, never the files: a file changed in place without a change of length or time is
/// caught by its reader, which checks the hash as it reads.
fn still_valid(workdir: &Path, folder: &Path, plan_hash: &str) -> bool {
    let marker = |folder: &Path| -> Option<Marker> {
        serde_json::from_slice(&fs::read(folder.join(MARKER)).ok()?).ok()
    };
    let Some(own) = marker(folder) else {
        return false;
    };
    let unchanged = |path: &Path, fingerprint: &Fingerprint| {
        Fingerprint::of(path).is_ok_and(|actual| actual == *fingerprint)
    };
    let mut writers: BTreeMap<PathBuf, Option<Marker>> = BTreeMap::new();
    let mut input_holds = |relative: &String, hash: &String| {
        let path = workdir.join(relative);
        let Some(writer) = path.parent() else {
            return false;
        };
        let writer = writers
            .entry(writer.to_path_buf())
            .or_insert_with(|| marker(writer));
        writer
            .as_ref()
            .and_then(|writer| writer.outputs.get(relative))
            .is_some_and(|recorded| {
                recorded.hash == *hash && unchanged(&path, &recorded.fingerprint)
            })
    };
    own.plan == plan_hash
        && own
            .written
            .iter()
            .all(|(path, fingerprint)| unchanged(Path::new(path), fingerprint))
        && own
            .outputs
            .iter()
            .all(|(relative, recorded)| unchanged(&workdir.join(relative), &recorded.fingerprint))
        && own
            .inputs
            .iter()
            .all(|(relative, hash)| input_holds(relative, hash))
}

/// The fingerprint of every file a run of `pipeline` writes ([`crate::select::own_files`]
/// but the pipeline file), by absolute path: each output file, and each file in an output
/// folder (CSV tables, Parquet parts), temporary files of other runs left out.
fn run_output_fingerprints(
    pipeline: &Pipeline,
    registry: &Registry,
) -> Result<BTreeMap<String, Fingerprint>, RunError> {
    let mut written = BTreeMap::new();
    for own in crate::select::own_files(pipeline, registry) {
        if own == pipeline.file {
            continue;
        }
        let own = std::path::absolute(&own).map_err(RunError::Output)?;
        for entry in walkdir::WalkDir::new(&own).sort_by_file_name() {
            let Ok(entry) = entry else {
                continue; // an output the run did not write (a stage that wrote nothing)
            };
            let temporary = entry
                .file_name()
                .to_string_lossy()
                .starts_with(".newspipe-");
            if entry.file_type().is_file() && !temporary {
                let fingerprint = Fingerprint::of(entry.path()).map_err(RunError::Output)?;
                written.insert(entry.path().display().to_string(), fingerprint);
            }
        }
    }
    Ok(written)
}

/// Batches of documents read back from an `observe` task's file; its hash is checked once
/// the last batch is read.
struct DocBatches {
    reader: Verified,
    batches: std::vec::IntoIter<usize>,
}

impl Iterator for DocBatches {
    type Item = Result<Batch, RunError>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(len) = self.batches.next() else {
            // Past the last batch: the whole file must be what its task wrote.
            return match self.reader.outcome {
                Some(_) => None,
                None => self.reader.finish().err().map(Err),
            };
        };
        let source = &self.reader.source;
        let (path, task, rank) = (source.path.clone(), source.task.clone(), source.rank);
        let mut lines = Vec::with_capacity(len);
        while lines.len() < len {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => {
                    let why = "it ends before its last document";
                    return Some(Err(corrupt(&path, &task, rank, why)));
                }
                Ok(_) => lines.push(line),
                Err(_) if self.reader.outcome == Some(false) => {
                    return Some(Err(self.reader.source.differs()))
                }
                Err(err) => return Some(Err(missing(&path, &task, rank, &err))),
            }
        }
        let docs = lines
            .par_iter()
            .map(|line| serde_json::from_str::<Document>(line))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| corrupt(&path, &task, rank, &err.to_string()));
        Some(docs.map(|docs| Batch {
            docs,
            rejects: Vec::new(),
            read: 0,
        }))
    }
}

/// The error for input `path` that is not what task `task` at `rank` wrote. Its completion
/// marker is removed, so that running the graph again runs that task again (a change that kept
/// the file's length and modification time would otherwise leave the marker valid).
fn corrupt(path: &Path, task: &str, rank: usize, why: &str) -> RunError {
    if let Some(folder) = path.parent() {
        let _ = fs::remove_file(folder.join(MARKER));
    }
    RunError::Task(format!(
        "corrupt input {}: {why}; it was written by task `{task}` rank {rank}: run that task again",
        path.display()
    ))
}

fn missing(path: &Path, task: &str, rank: usize, err: &std::io::Error) -> RunError {
    RunError::Task(format!(
        "cannot read {} ({err}), written by task `{task}` rank {rank}: run that task again",
        path.display()
    ))
}

/// Tells every sink among `steps` that the documents of part `part` come next.
fn start_part(steps: &mut [Step], part: u32) -> Result<(), RunError> {
    for step in steps {
        if let Work::Sink(sink) = &mut step.work {
            guard(&step.name, || sink.start_part(part))?;
        }
    }
    Ok(())
}

fn stage_stats(steps: &[Step]) -> Vec<StageStats> {
    steps
        .iter()
        .map(|step| StageStats {
            seconds: step.elapsed.as_secs_f64(),
            ..step.stats.clone()
        })
        .collect()
}

fn add_stats(total: &mut StageStats, part: &StageStats) {
    total.rejected += part.rejected;
    total.dropped += part.dropped;
    total.skipped += part.skipped;
    total.seconds += part.seconds;
}

/// The blake3 hash of a file's bytes, in hex.
fn hash_file(path: &Path) -> Result<String, RunError> {
    let mut hasher = blake3::Hasher::new();
    let mut file = fs::File::open(path).map_err(RunError::Output)?;
    std::io::copy(&mut file, &mut hasher).map_err(RunError::Output)?;
    Ok(hasher.finalize().to_hex().to_string())
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), RunError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|err| RunError::Output(err.into()))?;
    filled(path, &bytes)?.commit().map_err(RunError::Output)
}

fn create(path: &Path) -> Result<AtomicFile, RunError> {
    AtomicFile::create(path).map_err(RunError::Output)
}

/// A temporary file holding `bytes`, to commit.
fn filled(path: &Path, bytes: &[u8]) -> Result<AtomicFile, RunError> {
    let mut file = create(path)?;
    file.write_all(bytes).map_err(RunError::Output)?;
    Ok(file)
}

/// One JSON object per line, as the run's record files hold them.
fn json_lines<T: Serialize>(records: &[T]) -> Result<Vec<u8>, RunError> {
    let mut lines = Vec::new();
    for record in records {
        serde_json::to_writer(&mut lines, record).map_err(|err| RunError::Output(err.into()))?;
        lines.push(b'\n');
    }
    Ok(lines)
}

fn write_documents(file: &mut impl Write, docs: &[Document]) -> Result<(), RunError> {
    let lines: Vec<Vec<u8>> = docs
        .par_iter()
        .map(|doc| {
            let mut line = serde_json::to_vec(doc)?;
            line.push(b'\n');
            Ok(line)
        })
        .collect::<Result<_, serde_json::Error>>()
        .map_err(|err| RunError::Output(err.into()))?;
    for line in lines {
        file.write_all(&line).map_err(RunError::Output)?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), RunError> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(RunError::Output(err)),
        _ => Ok(()),
    }
}
