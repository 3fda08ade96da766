//! The corpus stage: a record per document in `observe`, clusters in `prepare`, verdicts in
//! `apply`.

use std::cell::RefCell;

use newspipe_core::{
    CorpusStage, DedupeInfo, Disposition, Document, MergeLayout, MergeStep, Relation, SplitFiles,
    StageError, WarmUp,
};
use serde::{Deserialize, Serialize};

use crate::cluster::{cluster, cluster_name, Verdict};
use crate::config::{Action, Params};
use crate::minhash::MinHasher;
use crate::record::{record, DocRecord, Scratch};
use crate::split;

/// The dedupe stage at run time.
pub struct Dedupe {
    params: Params,
    hasher: MinHasher,
}

impl Dedupe {
    /// A stage with resolved parameters.
    pub fn new(params: Params) -> Self {
        // The LSH bands read the first `bands·rows` slots only (56 of the presets' 128):
        // computing the others would cost time and record bytes and change nothing.
        let hasher = MinHasher::new(params.bands * params.rows, params.shingle_words);
        Self { params, hasher }
    }
}

/// What `prepare` decides: the verdict of each observed document from position `first` on,
/// with its id to check that `apply` sees the document it was meant for. `prepare`'s state
/// holds every document from position 0; a cluster run's apply task reads its shard's only
/// (see `split`), with the ids of the representatives it names in other shards.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Verdicts {
    /// The position of the first document held.
    pub(crate) first: usize,
    /// The ids of the documents held, in position order.
    pub(crate) ids: Vec<String>,
    /// Their verdicts, in the same order.
    pub(crate) verdicts: Vec<Verdict>,
    /// The ids of the representatives outside them that their verdicts name, by position,
    /// ascending.
    pub(crate) elsewhere: Vec<(u32, String)>,
}

impl Verdicts {
    /// The id of the document at `position`, held or named.
    fn id_at(&self, position: u32) -> Option<&String> {
        let held = (position as usize).checked_sub(self.first);
        match held.and_then(|index| self.ids.get(index)) {
            Some(id) => Some(id),
            None => self
                .elsewhere
                .binary_search_by_key(&position, |(at, _)| *at)
                .ok()
                .map(|index| &self.elsewhere[index].1),
        }
    }
}

thread_local! {
    /// Buffers reused across the documents a worker observes.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn drop_reason(relation: Relation) -> &'static str {
    match relation {
        Relation::Exact => "exact duplicate",
        Relation::NearDuplicate => "near duplicate",
        Relation::Syndicated => "syndicated copy",
        Relation::Derived => "derived copy",
        Relation::None => "duplicate",
    }
}

impl CorpusStage for Dedupe {
    type Record = DocRecord;
    type State = Verdicts;
    /// 9: the derived pass split into fact tasks by fact hash (shared counts and document
    /// frequencies per shard) and derived tasks per shard, a placed document without its
    /// similarity (computed per shard), publish files with the facts derived copies need;
    /// 8: exact groups found in bucket tasks by exact key, the clustering over positions
    /// (no ids, no sketches), one state per shard; 7: each sketch of a sketch file in its own bytes, decoded only when wanted;
    /// 6: a verdict's cluster as its number and its representative as a position (the
    /// clustering task held two strings a document); 5: rare facts Rice-coded; band files list the documents without a signature
    /// (4: a cluster run ships no records, only the split merge's files, see `split`:
    /// summaries with the exact key in 16 bytes, facts, band keys, and sketches of the
    /// documents of candidate pairs only; 3: 32-bit band keys instead of the signature slots,
    /// 32-bit numbers, 40-bit facts, Rice-coded gram samples; 2: only the signature slots the
    /// bands read; hashes packed, see `packed`).
    const FORMAT_VERSION: u32 = 9;

    /// The syndication markers every text is searched for (about 7 ms of compiling that the
    /// first document would wait for) and the sentence starters.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(Box::new(|| {
            crate::syndication::warm_up();
            crate::facts::warm_up();
        }))
    }

    fn observe(&self, doc: &mut Document) -> Result<DocRecord, StageError> {
        Ok(SCRATCH.with_borrow_mut(|scratch| record(doc, &self.params, &self.hasher, scratch)))
    }

    fn prepare(&self, records: Vec<DocRecord>) -> Result<Verdicts, StageError> {
        let verdicts = cluster(&records, &self.params);
        let ids = records.into_iter().map(|r| r.id).collect();
        Ok(Verdicts {
            first: 0,
            ids,
            verdicts,
            elsewhere: Vec::new(),
        })
    }

    fn merge_steps(&self, layout: &MergeLayout) -> Vec<MergeStep> {
        split::merge_steps(layout, self.params.bands)
    }

    fn shard_files(
        &self,
        records: &[&DocRecord],
        ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        split::shard_files(records, &self.params, ranks)
    }

    fn run_merge_step(
        &self,
        step: usize,
        rank: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        split::run_step(step, rank, files, &self.params)
    }

    /// The merge steps wrote each shard's verdicts (the `resolve` step): nothing is left to
    /// build for the whole corpus.
    fn finish_merge(&self, _files: &mut SplitFiles<'_, Self>) -> Result<Verdicts, StageError> {
        Ok(Verdicts::default())
    }

    /// An apply task reads its shard's verdicts only, with the ids of the representatives
    /// they name.
    fn state_per_shard(&self) -> bool {
        true
    }

    fn shard_state(
        &self,
        _whole: &Verdicts,
        shard: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Verdicts, StageError> {
        split::shard_state(shard, files)
    }

    fn apply(
        &self,
        state: &Verdicts,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        let index = position.checked_sub(state.first);
        if index.and_then(|index| state.ids.get(index)) != Some(&doc.id) {
            return Err(StageError::new(format!(
                "dedupe: document `{}` was not observed at position {position} before apply",
                doc.id
            )));
        }
        let verdict = state.verdicts[position - state.first].clone();
        let duplicate_of = match verdict.duplicate_of {
            Some(rep) => Some(state.id_at(rep).cloned().ok_or_else(|| {
                StageError::new(format!(
                    "dedupe: the state names no id for the representative at position {rep}"
                ))
            })?),
            None => None,
        };
        let disposition = if self.params.action == Action::Drop && !verdict.representative {
            Disposition::Drop {
                reason: drop_reason(verdict.relation).to_string(),
                duplicate_of: duplicate_of.clone(),
            }
        } else {
            Disposition::Keep
        };
        doc.dedupe = Some(DedupeInfo {
            cluster: cluster_name(verdict.cluster),
            representative: verdict.representative,
            relation: verdict.relation,
            similarity: verdict.similarity,
            duplicate_of,
            origin: verdict.origin,
        });
        Ok(disposition)
    }
}
