//! One task of a run split by a [`Plan`]: `observe` (per shard), the steps of a split merge
//! (dedupe's bucket tasks), `merge` (per corpus stage) or `assemble` (the last pass and the
//! outputs).
//!
//! Every task writes its files in its own folder of the work folder (`TASK/RANK/`) under
//! temporary names, renames them, and only then writes its completion marker (`done.json`)
//! with the hashes of what it read and wrote. A task whose marker still matches is skipped, so
//! running the graph again resumes it; a task killed mid-write leaves no marker, so nothing
//! downstream reads its files; a task checks every file it reads against the marker of the
//! task that wrote it, and names that task when the file is missing or differs.

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
    /// Whether it wrote one state per shard ([`shard_state_file`]) instead of [`STATE`].
    #[serde(default)]
    per_shard: bool,
}

/// The file of the state that the apply task of shard `rank` reads, for a stage whose merge
/// writes one per shard.
fn shard_state_file(rank: usize) -> String {
    format!("state-{rank}.bin")
}

/// A completion marker: the hashes of the files a task read and wrote in the work folder, by
/// path relative to it, and the stat fingerprint of every run output it wrote outside it, by
/// absolute path. A marker without `written` (an older build's) is not valid: the task runs
/// again.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Marker {
    task: String,
    rank: usize,
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    written: BTreeMap<String, Fingerprint>,
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
    if still_valid(&workdir, &folder)? {
        tracing::info!(task, rank, "Task already done; skipped.");
        return Ok(TaskOutcome::Skipped);
    }
    remove_if_present(&folder.join(MARKER))?;
    let mut inputs = Inputs::new(&workdir);
    inputs.hash_plan(plan_path)?;
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

type Outputs = BTreeMap<String, String>;

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
        for (name, bytes) in written {
            let path = self.folder.join(&name);
            filled(&path, &bytes)?.commit().map_err(RunError::Output)?;
            outputs.insert(self.relative(&name), hash_file(&path)?);
        }
        Ok(outputs)
    }

    /// Loads the state the merge step just before this one wrote into the corpus stage that
    /// opens `steps`, ready to apply from the position of `rank`'s first document: shard
    /// `rank`'s own state when the merge wrote one per shard (then returns `true`), else the
    /// one state of every shard.
    fn load_state(
        &self,
        inputs: &mut Inputs,
        step: &mut Step,
        rank: usize,
    ) -> Result<bool, RunError> {
        let merge = self.earlier(1);
        let meta: MergeMeta = read_json(&inputs.take(&merge.name, 0, META)?, &merge.name, 0)?;
        let name = if meta.per_shard {
            shard_state_file(rank)
        } else {
            STATE.to_owned()
        };
        let path = inputs.take(&merge.name, 0, &name)?;
        let Work::Corpus(work) = &mut step.work else {
            unreachable!("a merge is always for a corpus stage")
        };
        let bytes = read(&path)?;
        let state = work
            .stage
            .decode_state(&bytes)
            .map_err(|err| corrupt(&path, &merge.name, 0, &err.message))?;
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
        let meta: ObserveMeta = read_json(&inputs.take(task, rank, META)?, task, rank)?;
        let path = inputs.take(task, rank, DOCS)?;
        let file = fs::File::open(&path).map_err(|err| missing(&path, task, rank, &err))?;
        Ok(DocBatches {
            reader: BufReader::new(file),
            batches: meta.batches.into_iter(),
            path,
            task: task.into(),
            rank,
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
            );
            Box::new(reader.map(|raw| Ok(Batch::decode(raw))))
        } else {
            self.load_state(inputs, &mut steps[0], self.rank)?;
            let previous = self.previous_observe().name.clone();
            Box::new(self.documents_of(inputs, &previous, self.rank)?)
        };
        let mut sinks = Sinks::new(None, self.pipeline.on_error);
        let mut meta = ObserveMeta::default();
        let mut docs_file = create(&self.folder.join(DOCS))?;
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
        let mut commit = |name: &str, file: AtomicFile| -> Result<(), RunError> {
            let path = file.path().to_path_buf();
            file.commit().map_err(RunError::Output)?;
            outputs.insert(self.relative(name), hash_file(&path)?);
            Ok(())
        };
        commit(DOCS, docs_file)?;
        if let Some(records) = &records {
            commit(RECORDS, filled(&self.folder.join(RECORDS), records)?)?;
        }
        for (name, bytes) in &shard_files {
            commit(name, filled(&self.folder.join(name), bytes)?)?;
        }
        commit(
            REJECTED,
            lines_file(&self.folder.join(REJECTED), &sinks.rejected)?,
        )?;
        commit(
            DROPPED,
            lines_file(&self.folder.join(DROPPED), &sinks.dropped)?,
        )?;
        let meta = serde_json::to_vec_pretty(&meta).map_err(|err| RunError::Output(err.into()))?;
        commit(META, filled(&self.folder.join(META), &meta)?)?;
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
        if per_shard {
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
        offsets.pop();
        let meta = serde_json::to_vec(&MergeMeta { offsets, per_shard })
            .map_err(|err| RunError::Output(err.into()))?;
        self.write_file(META, &meta, &mut outputs)?;
        Ok(outputs)
    }

    /// Writes file `name` of this task and records its hash among `outputs`.
    fn write_file(&self, name: &str, bytes: &[u8], outputs: &mut Outputs) -> Result<(), RunError> {
        let path = self.folder.join(name);
        filled(&path, bytes)?.commit().map_err(RunError::Output)?;
        outputs.insert(self.relative(name), hash_file(&path)?);
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
                let meta: ObserveMeta =
                    read_json(&inputs.take(&step.name, rank, META)?, &step.name, rank)?;
                if step.stages[0] == 0 {
                    read += meta.read;
                }
                for (offset, stage) in meta.stages.iter().enumerate() {
                    add_stats(&mut stats[step.stages[0] + offset], stage);
                }
                let (rejects, dropped) = sinks.files.as_mut().expect("a run writes files");
                for line in lines(&inputs.take(&step.name, rank, REJECTED)?)? {
                    rejects.write_line(&line).map_err(RunError::Output)?;
                    sinks.rejected_count += 1;
                }
                for line in lines(&inputs.take(&step.name, rank, DROPPED)?)? {
                    dropped.write_line(&line).map_err(RunError::Output)?;
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
                );
                vec![(None, Box::new(reader.map(|raw| Ok(Batch::decode(raw)))))]
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

/// The files a task read, checked against the markers of the tasks that wrote them.
struct Inputs {
    workdir: PathBuf,
    hashes: BTreeMap<String, String>,
}

impl Inputs {
    fn new(workdir: &Path) -> Self {
        Self {
            workdir: workdir.to_path_buf(),
            hashes: BTreeMap::new(),
        }
    }

    fn hash_plan(&mut self, plan: &Path) -> Result<(), RunError> {
        self.hashes.insert(
            plan.file_name()
                .map_or("plan.json".into(), |name| name.to_string_lossy().into()),
            hash_file(plan)?,
        );
        Ok(())
    }

    /// The path of `file` written by `task` at `rank`, once its bytes are checked against
    /// that task's completion marker.
    fn take(&mut self, task: &str, rank: usize, file: &str) -> Result<PathBuf, RunError> {
        let relative = format!("{task}/{rank}/{file}");
        let path = self.workdir.join(&relative);
        let marker_path = self.workdir.join(task).join(rank.to_string()).join(MARKER);
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
        let hash = hash_file(&path).map_err(|_| {
            RunError::Task(format!(
                "missing input {}: task `{task}` rank {rank} wrote it, but it is gone; run that task again",
                path.display()
            ))
        })?;
        if marker.outputs.get(&relative) != Some(&hash) {
            return Err(corrupt(
                &path,
                task,
                rank,
                "its bytes differ from what the task wrote (hash mismatch)",
            ));
        }
        self.hashes.insert(relative, hash);
        Ok(path)
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

    fn first_positions(&mut self) -> Result<&Vec<usize>, RunError> {
        if self.first_positions.is_none() {
            let task = &self.observe.name;
            let mut positions = vec![0];
            for rank in 0..self.observe.ranks {
                let meta: ObserveMeta =
                    read_json(&self.inputs.take(task, rank, META)?, task, rank)?;
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
        match self
            .inputs
            .take(&task, rank, name)
            .and_then(|path| read(&path))
        {
            Ok(bytes) => Ok(bytes),
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
        let opened = self.inputs.take(&task, rank, name).and_then(|path| {
            fs::File::open(&path).map_err(|err| missing(&path, &task, rank, &err))
        });
        match opened {
            Ok(file) => Ok(Box::new(BufReader::new(file))),
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

/// Whether the task whose folder is `folder` has a marker whose inputs and outputs all still
/// hash as recorded, and whose run outputs all still have the fingerprint recorded.
fn still_valid(workdir: &Path, folder: &Path) -> Result<bool, RunError> {
    let Ok(bytes) = fs::read(folder.join(MARKER)) else {
        return Ok(false);
    };
    let Ok(marker) = serde_json::from_slice::<Marker>(&bytes) else {
        return Ok(false);
    };
    let matches = |(path, hash): (&String, &String)| {
        hash_file(&workdir.join(path)).is_ok_and(|actual| actual == *hash)
    };
    let unchanged = |(path, fingerprint): (&String, &Fingerprint)| {
        Fingerprint::of(Path::new(path)).is_ok_and(|actual| actual == *fingerprint)
    };
    Ok(marker.written.iter().all(unchanged)
        && marker.inputs.iter().all(matches)
        && marker.outputs.iter().all(matches))
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

/// Batches of documents read back from an `observe` task's file.
struct DocBatches {
    reader: BufReader<fs::File>,
    batches: std::vec::IntoIter<usize>,
    path: PathBuf,
    task: String,
    rank: usize,
}

impl Iterator for DocBatches {
    type Item = Result<Batch, RunError>;

    fn next(&mut self) -> Option<Self::Item> {
        let len = self.batches.next()?;
        let mut lines = Vec::with_capacity(len);
        while lines.len() < len {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => {
                    let why = "it ends before its last document";
                    return Some(Err(corrupt(&self.path, &self.task, self.rank, why)));
                }
                Ok(_) => lines.push(line),
                Err(err) => return Some(Err(missing(&self.path, &self.task, self.rank, &err))),
            }
        }
        let docs = lines
            .par_iter()
            .map(|line| serde_json::from_str::<Document>(line))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| corrupt(&self.path, &self.task, self.rank, &err.to_string()));
        Some(docs.map(|docs| Batch {
            docs,
            rejects: Vec::new(),
            read: 0,
        }))
    }
}

fn corrupt(path: &Path, task: &str, rank: usize, why: &str) -> RunError {
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

fn read(path: &Path) -> Result<Vec<u8>, RunError> {
    fs::read(path).map_err(RunError::Output)
}

fn read_json<T: DeserializeOwned>(path: &Path, task: &str, rank: usize) -> Result<T, RunError> {
    serde_json::from_slice(&read(path)?).map_err(|err| corrupt(path, task, rank, &err.to_string()))
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

/// A temporary file with one JSON object per line, as the run's record files hold them.
fn lines_file<T: Serialize>(path: &Path, records: &[T]) -> Result<AtomicFile, RunError> {
    let mut file = create(path)?;
    for record in records {
        serde_json::to_writer(&mut file, record).map_err(|err| RunError::Output(err.into()))?;
        file.write_all(b"\n").map_err(RunError::Output)?;
    }
    Ok(file)
}

/// The lines of a file, each with its newline.
fn lines(path: &Path) -> Result<Vec<Vec<u8>>, RunError> {
    let mut reader = BufReader::new(fs::File::open(path).map_err(RunError::Output)?);
    let mut out = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(RunError::Output)?
            == 0
        {
            return Ok(out);
        }
        out.push(line);
    }
}

fn write_documents(file: &mut AtomicFile, docs: &[Document]) -> Result<(), RunError> {
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
