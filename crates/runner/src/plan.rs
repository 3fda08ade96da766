//! The plan of a run split into tasks: the input listed once, cut into shards at batch
//! boundaries and balanced by bytes, and the graph of tasks the passes of the pipeline make.
//!
//! Shards start where a one-machine run starts a batch, so every shard task cuts the same
//! batches a one-machine run cuts, and the rejects and drops it records come out in the same
//! order once the shards' records are put one after the other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newspipe_config::Pipeline;
use newspipe_core::{MergeLayout, Registry};
use serde::{Deserialize, Serialize};

use crate::input::RawRecord;
use crate::reader::BatchReader;
use crate::run::{build_steps, pass_bounds, Work};
use crate::select::{InputFile, Selection};
use crate::RunError;

/// Version of the plan file's layout; a plan of another version is refused.
pub const PLAN_FORMAT: u32 = 2;

/// The file name of the plan inside the work folder.
pub const PLAN_FILE: &str = "plan.json";

/// A run split into tasks, as written to `plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_FORMAT`] when written.
    pub format: u32,
    /// The pipeline file, absolute.
    pub pipeline: PathBuf,
    /// The pipeline's hash; a task refuses to run a pipeline that changed since.
    pub pipeline_hash: String,
    /// A hash of the input listing and of every record's bytes.
    pub listing_hash: String,
    /// Bytes of input files, as a one-machine run counts them.
    pub input_bytes: u64,
    /// Files in the input that are not read, counted by reason.
    pub skipped: BTreeMap<String, u64>,
    /// The input files in reading order, with the records each holds.
    pub files: Vec<PlannedFile>,
    /// The shards, in input order.
    pub shards: Vec<Shard>,
    /// The task steps in the order they run; each step waits for the one before.
    pub steps: Vec<TaskStep>,
}

/// One input file of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedFile {
    /// The file.
    pub path: PathBuf,
    /// Its id (the path below the input root).
    pub id: String,
    /// Why it is refused unread, if it is.
    pub refused: Option<String>,
    /// How many records of the input come before this file's first.
    pub first_record: u64,
    /// Its records (one for a whole file, one per non-blank line of JSON Lines).
    pub records: u64,
}

/// A contiguous range of input records, starting at a batch boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shard {
    /// How many records of the input come before the shard's first.
    pub first_record: u64,
    /// Its records.
    pub records: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// What a task step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// One task per shard: applies the previous corpus stage (from its merged state), runs the
    /// stages up to the next corpus stage, and records that stage's observation of each
    /// document.
    Observe,
    /// One task per rank of a step a corpus stage splits its merge into (dedupe's LSH
    /// `bucket` tasks): reads the observe tasks' files and earlier merge steps', writes its own.
    MergeStep,
    /// One task: merges every shard's observation, in shard order, into the stage's state (or,
    /// for a split merge, finishes it from the merge steps' files).
    Merge,
    /// One task: runs the last pass over every shard's documents in shard order and writes
    /// the outputs exactly as a one-machine run does.
    Assemble,
}

/// One step of the task graph: a task name run at every rank in `0..ranks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStep {
    /// The task's name, for `run-task --task`.
    pub name: String,
    /// What it does.
    pub kind: TaskKind,
    /// How many ranks it runs at (the shard count, or 1).
    pub ranks: usize,
    /// The pipeline stages it runs, as `[first, last]` indexes (for `observe`, `last` is the
    /// corpus stage it observes for; for `merge`, both are that stage).
    pub stages: [usize; 2],
    /// The step it waits for.
    pub after: Option<String>,
}

impl Plan {
    /// The step named `name`, with its place in [`steps`](Self::steps).
    pub fn step(&self, name: &str) -> Option<(usize, &TaskStep)> {
        self.steps.iter().enumerate().find(|(_, s)| s.name == name)
    }

    /// Reads and checks a plan file.
    pub fn read(path: &Path) -> Result<Self, RunError> {
        let bytes = std::fs::read(path).map_err(|err| {
            RunError::Setup(format!("cannot read the plan {}: {err}", path.display()))
        })?;
        let plan: Plan = serde_json::from_slice(&bytes).map_err(|err| {
            RunError::Setup(format!("{} is not a newspipe plan: {err}", path.display()))
        })?;
        if plan.format != PLAN_FORMAT {
            return Err(RunError::Setup(format!(
                "{} has plan format {}, this build reads format {PLAN_FORMAT}; make the plan again",
                path.display(),
                plan.format
            )));
        }
        Ok(plan)
    }

    /// The input files as the reader takes them.
    pub(crate) fn input_files(&self, range: std::ops::Range<usize>) -> Vec<InputFile> {
        self.files[range]
            .iter()
            .map(|file| InputFile {
                path: file.path.clone(),
                id: file.id.clone(),
                refused: file.refused.clone(),
            })
            .collect()
    }

    /// The files that hold records of `shard`, as a range of [`files`](Self::files), and how
    /// many records of the first of them come before the shard.
    pub(crate) fn files_of(&self, shard: &Shard) -> (std::ops::Range<usize>, u64) {
        let end_record = shard.first_record + shard.records;
        let first = self
            .files
            .iter()
            .position(|file| file.first_record + file.records > shard.first_record)
            .unwrap_or(self.files.len());
        let end = self
            .files
            .iter()
            .position(|file| file.first_record >= end_record && file.records > 0)
            .unwrap_or(self.files.len())
            .max(first);
        let skip = self
            .files
            .get(first)
            .map_or(0, |file| shard.first_record - file.first_record);
        (first..end, skip)
    }
}

/// Lists the input of `pipeline` exactly as a run reads it, cuts it into `shards` shards at
/// batch boundaries, balanced by bytes, and lays out the task graph. Reads every input record
/// once (to find the batch boundaries and hash the content); writes nothing.
pub fn make_plan(
    pipeline: &Pipeline,
    registry: &Registry,
    shards: usize,
) -> Result<Plan, RunError> {
    let shards = shards.max(1);
    let steps = build_steps(pipeline, &pipeline.stages, registry)?;
    let own = crate::select::own_files(pipeline, registry);
    let (Selection { files, skipped }, input_bytes) =
        crate::select::list_input(pipeline, &own).map_err(RunError::Input)?;
    let mut planned: Vec<PlannedFile> = files
        .iter()
        .map(|file| PlannedFile {
            path: file.path.clone(),
            id: file.id.clone(),
            refused: file.refused.clone(),
            first_record: 0,
            records: 0,
        })
        .collect();

    let mut hasher = blake3::Hasher::new();
    let mut batches: Vec<(u64, u64)> = Vec::new();
    let mut file_index = 0;
    let input = &pipeline.input;
    let reader = BatchReader::start(
        files,
        input.format,
        input.batch_size,
        input.max_document_bytes,
        std::convert::identity,
    );
    for batch in reader {
        let mut bytes = 0;
        for record in &batch {
            let (path, line, content) = match record {
                RawRecord::File { path, bytes, .. } => (path, None, bytes.as_slice()),
                RawRecord::Line {
                    path, line, bytes, ..
                } => (path, Some(*line), bytes.as_slice()),
                RawRecord::Unreadable { path, line, .. } => (path, *line, &[][..]),
            };
            while planned[file_index].path != *path {
                file_index += 1;
            }
            planned[file_index].records += 1;
            hasher.update(path.as_os_str().as_encoded_bytes());
            hasher.update(&line.unwrap_or(0).to_le_bytes());
            hasher.update(&(content.len() as u64).to_le_bytes());
            hasher.update(content);
            bytes += record.len() as u64;
        }
        batches.push((batch.len() as u64, bytes));
    }
    let mut first_record = 0;
    for file in &mut planned {
        file.first_record = first_record;
        first_record += file.records;
    }
    for file in &planned {
        hasher.update(file.id.as_bytes());
        hasher.update(file.refused.as_deref().unwrap_or("").as_bytes());
    }

    let passes = pass_bounds(&steps);
    let layout = MergeLayout {
        shards,
        buckets: pipeline
            .cluster
            .bucket_tasks
            .map_or(shards, |tasks| tasks as usize)
            .max(1),
    };
    let mut task_steps = Vec::new();
    let mut after: Option<String> = None;
    let name_of = |index: usize| {
        let name = &pipeline.stages[index].name;
        if pipeline.stages.iter().filter(|s| s.name == *name).count() > 1 {
            format!("{name}-{index}")
        } else {
            name.clone()
        }
    };
    for &(lo, hi) in &passes[..passes.len() - 1] {
        let observe = format!("observe-{}", name_of(hi));
        task_steps.push(TaskStep {
            name: observe.clone(),
            kind: TaskKind::Observe,
            ranks: shards,
            stages: [lo, hi],
            after: after.take(),
        });
        let mut after_observe = observe;
        if let Work::Corpus(work) = &steps[hi].work {
            for step in work.stage.merge_steps(&layout) {
                let name = format!("{}-{}", name_of(hi), step.name);
                task_steps.push(TaskStep {
                    name: name.clone(),
                    kind: TaskKind::MergeStep,
                    ranks: step.ranks.max(1),
                    stages: [hi, hi],
                    after: Some(after_observe),
                });
                after_observe = name;
            }
        }
        let merge = format!("merge-{}", name_of(hi));
        task_steps.push(TaskStep {
            name: merge.clone(),
            kind: TaskKind::Merge,
            ranks: 1,
            stages: [hi, hi],
            after: Some(after_observe),
        });
        after = Some(merge);
    }
    let (lo, hi) = passes[passes.len() - 1];
    task_steps.push(TaskStep {
        name: "assemble".into(),
        kind: TaskKind::Assemble,
        ranks: 1,
        stages: [lo, hi.saturating_sub(1).max(lo)],
        after,
    });

    Ok(Plan {
        format: PLAN_FORMAT,
        pipeline: std::path::absolute(&pipeline.file).unwrap_or_else(|_| pipeline.file.clone()),
        pipeline_hash: pipeline.config_hash.clone(),
        listing_hash: hasher.finalize().to_hex().to_string(),
        input_bytes,
        skipped,
        files: planned,
        shards: balance(&batches, shards),
        steps: task_steps,
    })
}

/// Cuts the batches (records, bytes) into `count` contiguous shards of about equal bytes.
fn balance(batches: &[(u64, u64)], count: usize) -> Vec<Shard> {
    let total: u64 = batches.iter().map(|&(_, bytes)| bytes.max(1)).sum();
    let mut shards = Vec::with_capacity(count);
    let mut shard = Shard {
        first_record: 0,
        records: 0,
        bytes: 0,
    };
    let mut seen = 0u64;
    let mut batches = batches.iter().peekable();
    for index in 0..count as u64 {
        let goal = total * (index + 1) / count as u64;
        let last = index + 1 == count as u64;
        while let Some(&&(records, bytes)) = batches.peek() {
            // A batch goes to the shard whose goal is nearer its middle.
            if !last && seen + bytes.max(1) / 2 > goal {
                break;
            }
            seen += bytes.max(1);
            shard.records += records;
            shard.bytes += bytes;
            batches.next();
        }
        let next = Shard {
            first_record: shard.first_record + shard.records,
            records: 0,
            bytes: 0,
        };
        shards.push(std::mem::replace(&mut shard, next));
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_contiguous_balanced_and_cover_every_batch() {
        let batches = [(4, 100), (4, 100), (4, 300), (4, 100), (2, 50)];
        let shards = balance(&batches, 3);
        assert_eq!(shards.len(), 3);
        assert_eq!(shards.iter().map(|s| s.records).sum::<u64>(), 18);
        assert_eq!(
            shards.iter().map(|s| s.bytes).collect::<Vec<_>>(),
            [200, 300, 150]
        );
        for pair in shards.windows(2) {
            assert_eq!(pair[0].first_record + pair[0].records, pair[1].first_record);
        }
    }

    #[test]
    fn more_shards_than_batches_leaves_the_rest_empty() {
        let shards = balance(&[(3, 10)], 4);
        assert_eq!(shards.len(), 4);
        let sizes: Vec<u64> = shards.iter().map(|s| s.records).collect();
        assert_eq!(sizes.iter().filter(|&&n| n > 0).collect::<Vec<_>>(), [&3]);
        for pair in shards.windows(2) {
            assert_eq!(pair[0].first_record + pair[0].records, pair[1].first_record);
        }
    }
}
