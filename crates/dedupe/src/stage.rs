//! The corpus stage: records in `observe`, clusters in `prepare`, verdicts in `apply`.

use std::collections::HashMap;

use newspipe_core::{CorpusStage, DedupeInfo, Disposition, Document, Relation, StageError};
use rayon::prelude::*;

use crate::cluster::{cluster, Verdict};
use crate::config::{Action, Params};
use crate::minhash::MinHasher;
use crate::record::{record, DocRecord};

/// The dedupe stage at run time.
pub struct Dedupe {
    params: Params,
    hasher: MinHasher,
    records: Vec<DocRecord>,
    ids: Vec<String>,
    verdicts: Vec<Verdict>,
    next: usize,
    by_id: Option<HashMap<String, usize>>,
}

impl Dedupe {
    /// A stage with resolved parameters.
    pub fn new(params: Params) -> Self {
        let hasher = MinHasher::new(params.num_perm, params.shingle_words);
        Self {
            params,
            hasher,
            records: Vec::new(),
            ids: Vec::new(),
            verdicts: Vec::new(),
            next: 0,
            by_id: None,
        }
    }

    /// The verdict for the `position`-th document of the corpus, checked against its id; a
    /// runner that re-orders documents between the passes falls back to a lookup by id.
    fn verdict_for(&mut self, position: usize, id: &str) -> Result<&Verdict, StageError> {
        let index = if self.ids.get(position).is_some_and(|known| known == id) {
            position
        } else {
            let by_id = self.by_id.get_or_insert_with(|| {
                let mut map = HashMap::new();
                for (index, id) in self.ids.iter().enumerate() {
                    map.entry(id.clone()).or_insert(index);
                }
                map
            });
            *by_id.get(id).ok_or_else(|| {
                StageError::new(format!(
                    "dedupe: document `{id}` was not observed before apply"
                ))
            })?
        };
        Ok(&self.verdicts[index])
    }
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
    fn needs_full_view(&self) -> bool {
        true
    }

    fn observe(&mut self, docs: &mut [Document]) -> Result<(), StageError> {
        let (params, hasher) = (&self.params, &self.hasher);
        let records: Vec<DocRecord> = docs
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(buffer, grams), doc| record(doc, params, hasher, buffer, grams),
            )
            .collect();
        self.records.extend(records);
        Ok(())
    }

    fn prepare(&mut self) -> Result<(), StageError> {
        self.verdicts = cluster(&self.records, &self.params);
        self.ids = std::mem::take(&mut self.records)
            .into_iter()
            .map(|r| r.id)
            .collect();
        self.next = 0;
        self.by_id = None;
        Ok(())
    }

    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        let drop = self.params.action == Action::Drop;
        let mut dispositions = Vec::with_capacity(docs.len());
        for doc in docs.iter_mut() {
            let position = self.next;
            self.next += 1;
            let verdict = self.verdict_for(position, &doc.id)?.clone();
            dispositions.push(if drop && !verdict.representative {
                Disposition::Drop {
                    reason: drop_reason(verdict.relation).to_string(),
                    duplicate_of: verdict.duplicate_of.clone(),
                }
            } else {
                Disposition::Keep
            });
            doc.dedupe = Some(DedupeInfo {
                cluster: verdict.cluster,
                representative: verdict.representative,
                relation: verdict.relation,
                similarity: verdict.similarity,
                duplicate_of: verdict.duplicate_of,
                origin: verdict.origin,
            });
        }
        Ok(dispositions)
    }
}
