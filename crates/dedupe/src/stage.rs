//! The corpus stage: a record per document in `observe`, clusters in `prepare`, verdicts in
//! `apply`.

use std::cell::RefCell;

use newspipe_core::{
    CorpusStage, DedupeInfo, Disposition, Document, MergeLayout, MergeStep, Relation, SplitFiles,
    StageError,
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

/// What `prepare` decides: the verdict of each observed document, by position, with its id to
/// check that `apply` sees the document it was meant for.
#[derive(Debug, Serialize, Deserialize)]
pub struct Verdicts {
    ids: Vec<String>,
    verdicts: Vec<Verdict>,
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
    /// 7: each sketch of a sketch file in its own bytes, decoded only when wanted;
    /// 6: a verdict's cluster as its number and its representative as a position (the
    /// clustering task held two strings a document); 5: rare facts Rice-coded; band files list the documents without a signature
    /// (4: a cluster run ships no records, only the split merge's files, see `split`:
    /// summaries with the exact key in 16 bytes, facts, band keys, and sketches of the
    /// documents of candidate pairs only; 3: 32-bit band keys instead of the signature slots,
    /// 32-bit numbers, 40-bit facts, Rice-coded gram samples; 2: only the signature slots the
    /// bands read; hashes packed, see `packed`).
    const FORMAT_VERSION: u32 = 7;

    fn observe(&self, doc: &mut Document) -> Result<DocRecord, StageError> {
        Ok(SCRATCH.with_borrow_mut(|scratch| record(doc, &self.params, &self.hasher, scratch)))
    }

    fn prepare(&self, records: Vec<DocRecord>) -> Result<Verdicts, StageError> {
        let verdicts = cluster(&records, &self.params);
        let ids = records.into_iter().map(|r| r.id).collect();
        Ok(Verdicts { ids, verdicts })
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

    fn finish_merge(&self, files: &mut SplitFiles<'_, Self>) -> Result<Verdicts, StageError> {
        let (summaries, verdicts) = split::finish_merge(files, &self.params)?;
        let ids = summaries.into_iter().map(|s| s.into_id()).collect();
        Ok(Verdicts { ids, verdicts })
    }

    fn apply(
        &self,
        state: &Verdicts,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        if state.ids.get(position) != Some(&doc.id) {
            return Err(StageError::new(format!(
                "dedupe: document `{}` was not observed at position {position} before apply",
                doc.id
            )));
        }
        let verdict = state.verdicts[position].clone();
        let duplicate_of = verdict
            .duplicate_of
            .map(|rep| state.ids[rep as usize].clone());
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
