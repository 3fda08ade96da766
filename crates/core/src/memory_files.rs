//! A cluster run's work-folder files kept in memory, so that a stage's split merge can be
//! tested against its one-process `prepare` without a runner, processes or a disk.

use std::collections::HashMap;

use crate::stage::{DynCorpusStage, Erased, MergeFiles, MergeSource};
use crate::{Document, StageError};

/// Where a file sits in [`MemoryFiles`]: the step that wrote it (`None` for the observe
/// tasks, `Some(i)` for the stage's merge step `i`), its rank, and its name.
pub type FileKey = (Option<usize>, usize, String);

/// The files of a split merge in memory: what the observe tasks and the merge steps wrote, each
/// shard's document count, and every read in order (so a test can check which task read what).
/// A split merge reads no records: asking for them is recorded and refused.
#[derive(Debug, Default)]
pub struct MemoryFiles {
    /// Documents in each shard, in shard order.
    pub shard_sizes: Vec<usize>,
    /// Ranks of each merge step, in step order.
    pub step_ranks: Vec<usize>,
    /// The files written so far.
    pub files: HashMap<FileKey, Vec<u8>>,
    /// Every file read, in order.
    pub reads: Vec<FileKey>,
    /// The shards whose records were asked for, in order.
    pub records_asked: Vec<usize>,
}

impl MemoryFiles {
    /// No files yet, for shards of these sizes and merge steps of these ranks.
    pub fn new(shard_sizes: Vec<usize>, step_ranks: Vec<usize>) -> Self {
        Self {
            shard_sizes,
            step_ranks,
            ..Self::default()
        }
    }

    /// Stores what `source` wrote at `rank` (an observe task's shard files, a merge step's
    /// output).
    pub fn write(&mut self, source: MergeSource, rank: usize, written: Vec<(String, Vec<u8>)>) {
        for (name, bytes) in written {
            self.files.insert((step_of(source), rank, name), bytes);
        }
    }
}

/// The step part of a [`FileKey`].
fn step_of(source: MergeSource) -> Option<usize> {
    match source {
        MergeSource::Observe => None,
        MergeSource::Step(step) => Some(step),
    }
}

impl MergeFiles for MemoryFiles {
    fn ranks(&self, source: MergeSource) -> usize {
        match source {
            MergeSource::Observe => self.shard_sizes.len(),
            MergeSource::Step(step) => self.step_ranks[step],
        }
    }

    fn first_position(&mut self, shard: usize) -> Result<usize, StageError> {
        Ok(self.shard_sizes[..shard].iter().sum())
    }

    fn read(
        &mut self,
        source: MergeSource,
        rank: usize,
        name: &str,
    ) -> Result<Vec<u8>, StageError> {
        let key = (step_of(source), rank, name.to_owned());
        self.reads.push(key.clone());
        self.files
            .get(&key)
            .cloned()
            .ok_or_else(|| StageError::new(format!("no file {name} of {source:?} rank {rank}")))
    }

    fn records(&mut self, shard: usize) -> Result<Vec<Erased>, StageError> {
        self.records_asked.push(shard);
        Err(StageError::new("a split merge reads no records"))
    }

    fn corrupt(&self, source: MergeSource, rank: usize, name: &str, why: &str) -> StageError {
        StageError::new(format!("{name} of {source:?} rank {rank}: {why}"))
    }
}

/// Each of `docs` (at positions from `first`) after `stage` applied `state` to a copy of it, as
/// its JSON and its disposition: what a split merge's test compares with what the one-process
/// state gives ([`applied_whole`]).
pub fn applied(
    stage: &dyn DynCorpusStage,
    state: &Erased,
    docs: &[Document],
    first: usize,
) -> Vec<String> {
    docs.iter()
        .enumerate()
        .map(|(index, doc)| {
            let mut doc = doc.clone();
            let disposition = stage.apply(state, first + index, &mut doc);
            let json = serde_json::to_string(&doc).expect("a document serializes");
            format!("{json} {disposition:?}")
        })
        .collect()
}

/// [`applied`] with the state one process prepares from every document of `docs`, observed in
/// order.
pub fn applied_whole(stage: &dyn DynCorpusStage, mut docs: Vec<Document>) -> Vec<String> {
    let records: Vec<Erased> = docs
        .iter_mut()
        .map(|doc| stage.observe(doc).expect("every test document is observed"))
        .collect();
    let state = stage
        .prepare(records)
        .expect("the one-process state is prepared");
    applied(stage, &state, &docs, 0)
}
