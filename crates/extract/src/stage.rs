//! The `extract` stage as the runner sees it: a corpus stage that annotates each document and
//! records the names it uses in `observe`, builds the canonical map in `prepare` (in a cluster
//! run, in bucket tasks by the surname's initial, [`crate::split`]), and swaps in the
//! corpus-wide names in `apply`.

use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

use newspipe_core::{
    CorpusStage, Disposition, Document, EntityKind, MergeLayout, MergeStep, SplitFiles, StageError,
    WarmUp,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::canonical::{kind_slot, CanonicalMap, NameIndex};
use crate::config::ExtractConfig;
use crate::pipeline::extract;
use crate::split::bucket_of;

/// The runtime stage: its configuration.
#[derive(Debug)]
pub struct ExtractStage {
    config: ExtractConfig,
}

/// What `observe` keeps of one document: the distinct names it uses, not its text.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocNames {
    pub(crate) id: String,
    /// Its dedupe cluster, else its id: copies in one cluster are one witness of a spelling.
    pub(crate) witness: String,
    pub(crate) names: NameList,
    /// What its claims name, for the few documents where a spelling alone is ambiguous.
    pub(crate) ambiguous: Option<Vec<ClaimNames>>,
    /// People's names `apply` reads that `names` does not list (entities an earlier stage
    /// wrote into a document extract skipped): they take no part in the canonical map, but a
    /// cluster run must put their entries in the state of the document's shard.
    pub(crate) unlisted: Option<NameList>,
}

/// A document's distinct names with their kinds, sorted, in two pieces instead of one string
/// each: every name's byte length and kind packed in one number (`length << 2 | kind`, a
/// one-byte varint for most names) and the names written one after the other.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct NameList {
    lengths_and_kinds: Vec<u32>,
    text: String,
}

impl NameList {
    /// The list of these names, each once.
    pub(crate) fn new<'n>(names: impl Iterator<Item = (EntityKind, &'n str)>) -> Self {
        let mut names: Vec<(EntityKind, &str)> = names.collect();
        names.sort_unstable();
        names.dedup();
        let mut list = NameList {
            lengths_and_kinds: Vec::with_capacity(names.len()),
            text: String::with_capacity(names.iter().map(|(_, n)| n.len()).sum()),
        };
        for (kind, name) in names {
            list.lengths_and_kinds
                .push((name.len() as u32) << 2 | kind_slot(kind) as u32);
            list.text.push_str(name);
        }
        list
    }

    /// The names with their kinds, in order; an error when the list is not one [`NameList::new`]
    /// wrote (a corrupt observation).
    pub(crate) fn names(&self) -> Result<Vec<(EntityKind, &str)>, StageError> {
        let corrupt = || StageError::new("extract: corrupt observation (name list)");
        let mut at = 0;
        self.lengths_and_kinds
            .iter()
            .map(|&packed| {
                let kind = *KIND_OF_SLOT
                    .get((packed & 3) as usize)
                    .ok_or_else(corrupt)?;
                let end = at + (packed >> 2) as usize;
                let name = self.text.get(at..end).ok_or_else(corrupt)?;
                at = end;
                Ok((kind, name))
            })
            .collect()
    }
}

/// The kind each slot of [`kind_slot`] stands for.
const KIND_OF_SLOT: [EntityKind; 3] = [
    EntityKind::Person,
    EntityKind::Organization,
    EntityKind::Place,
];

/// The corpus-wide names `apply` swaps in.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CorpusNames {
    pub(crate) map: CanonicalMap,
    /// The canonical names the claims of documents with an ambiguous spelling name, by the
    /// document's position.
    pub(crate) ambiguous: BTreeMap<usize, Vec<ClaimCanonical>>,
}

/// What one claim names, as positions in its document's [`NameList`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimNames {
    pub(crate) speaker: Option<u32>,
    pub(crate) entities: Vec<u32>,
}

/// One claim's speaker and entities as corpus-wide canonical names, each entity once.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimCanonical {
    speaker: Option<String>,
    entities: Vec<String>,
}

/// The people among a document's names: the only names the canonical map links (an
/// organization or a place is always its own canonical name).
pub(crate) fn people(names: &NameList) -> Result<impl Iterator<Item = &str>, StageError> {
    Ok(names
        .names()?
        .into_iter()
        .filter(|&(kind, _)| kind == EntityKind::Person)
        .map(|(_, name)| name))
}

/// The people's names `apply` would read in `doc` that `listed` does not hold: the canonical
/// names of its entities and its quotes' speakers with their mention's kind. Extract lists
/// every name it annotates (entities and speakers are its mentions), so only a document it
/// skipped that came with entities has any: `observe` asks only for those.
fn unlisted_people(doc: &Document, listed: &NameList) -> Option<NameList> {
    let listed = listed.names().unwrap_or_default();
    let speakers = doc.quotes.iter().filter_map(|q| {
        let start = q.speaker_start?;
        let at = doc
            .entities
            .binary_search_by_key(&start, |e| e.start)
            .ok()?;
        Some((doc.entities[at].kind, q.speaker.as_deref()?))
    });
    let mut unlisted = doc
        .entities
        .iter()
        .map(|e| (e.kind, e.canonical.as_str()))
        .chain(speakers)
        .filter(|&(kind, name)| {
            kind == EntityKind::Person && listed.binary_search(&(kind, name)).is_err()
        })
        .peekable();
    unlisted.peek()?;
    Some(NameList::new(unlisted))
}

/// The claims of a document with an ambiguous spelling, as canonical names: each claim's
/// speaker and entities (positions in `names`) through `map`.
pub(crate) fn resolve_claims(
    map: &CanonicalMap,
    names: &NameList,
    claims: &[ClaimNames],
) -> Result<Vec<ClaimCanonical>, StageError> {
    let names = names.names()?;
    let canonical = |at: &u32| {
        let (kind, name) = names
            .get(*at as usize)
            .ok_or_else(|| StageError::new("extract: corrupt observation (claim name)"))?;
        Ok::<_, StageError>(map.canonical(*kind, name))
    };
    claims
        .iter()
        .map(|c| {
            let speaker = c.speaker.as_ref().map(canonical).transpose()?;
            let entities = c
                .entities
                .iter()
                .map(canonical)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ClaimCanonical {
                speaker,
                entities: distinct(entities.into_iter()),
            })
        })
        .collect()
}

/// The names in their first-seen order, each once.
fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// How many parts of the people's map `prepare` builds side by side: a few per core of a
/// small machine, fixed so that the parts (and the order `absorb` joins them in) are the same
/// whatever the thread count.
const PREPARE_BUCKETS: usize = 8;

/// The key of `doc.extra` that holds the document's [`crate::EntityVariants`] records.
pub const VARIANTS_KEY: &str = "entity_variants";

impl ExtractStage {
    /// A stage with this configuration.
    pub fn new(config: ExtractConfig) -> Self {
        Self { config }
    }

    /// Finds everything in one document, with each name as this document alone spells it.
    /// When the document uses one spelling for two kinds of entity, returns what its claims
    /// name with each name's kind, which `apply` could not otherwise tell apart.
    /// With `names`, the list the claims' names are recorded against.
    fn annotate_locally(
        &self,
        doc: &mut Document,
        names: Option<&mut NameList>,
    ) -> Option<Vec<ClaimNames>> {
        if let Some(reason) = doc.meta.not_english() {
            doc.meta.record_skip("extract", reason);
            return None;
        }
        crate::lexicon::warm_up();
        let found = extract(&doc.text, &doc.meta, self.config.header_dates);
        let mut claims = None;
        if let Some(list) = names {
            *list = NameList::new(
                found
                    .mentions
                    .iter()
                    .map(|m| (m.kind, m.local_canonical.as_str())),
            );
            let mut kinds: FxHashMap<&str, EntityKind> = FxHashMap::default();
            let ambiguous = found
                .mentions
                .iter()
                .any(|m| *kinds.entry(&m.local_canonical).or_insert(m.kind) != m.kind);
            if ambiguous {
                let listed = list.names().unwrap_or_default();
                let position = |m: usize| {
                    let mention = &found.mentions[m];
                    let key = (mention.kind, mention.local_canonical.as_str());
                    listed.binary_search(&key).map_or(0, |at| at as u32)
                };
                claims = Some(
                    found
                        .claims
                        .iter()
                        .map(|c| ClaimNames {
                            speaker: c.speaker.map(position),
                            entities: c.entities.iter().map(|&m| position(m)).collect(),
                        })
                        .collect(),
                );
            }
        }
        found.write_into(doc, &|_, name| name.to_string());
        doc.extra.remove(VARIANTS_KEY);
        claims
    }

    /// Replaces the document's own spellings with the corpus-wide canonical names, and
    /// records the spelling variants it uses.
    fn canonicalize(&self, names: &CorpusNames, position: usize, doc: &mut Document) {
        let map = &names.map;
        // the spellings this document uses, read before the entities take the canonical names
        let variants =
            map.variants_for(doc.entities.iter().map(|e| (e.kind, e.canonical.as_str())));
        // Each name's kind as this document uses it (at its first mention).
        let mut kinds: FxHashMap<&str, EntityKind> =
            FxHashMap::with_capacity_and_hasher(doc.entities.len(), Default::default());
        for e in &doc.entities {
            kinds.entry(e.canonical.as_str()).or_insert(e.kind);
        }
        let canonical = |name: &str| match kinds.get(name) {
            Some(&kind) => map.canonical(kind, name),
            None => name.to_string(),
        };
        let quote_speakers: Vec<Option<String>> = doc
            .quotes
            .iter()
            .map(|q| {
                let speaker = q.speaker.as_deref()?;
                // Entities are sorted by start and never overlap.
                let mention = q.speaker_start.and_then(|start| {
                    let at = doc.entities.binary_search_by_key(&start, |e| e.start);
                    at.ok().map(|i| &doc.entities[i])
                });
                Some(match mention {
                    Some(e) => map.canonical(e.kind, speaker),
                    None => canonical(speaker),
                })
            })
            .collect();
        let claims: Vec<(Option<String>, Vec<String>)> = match names.ambiguous.get(&position) {
            Some(claims) => claims
                .iter()
                .map(|c| (c.speaker.clone(), c.entities.clone()))
                .collect(),
            None => doc
                .claims
                .iter()
                .map(|c| {
                    let speaker = c.speaker.as_deref().map(canonical);
                    (speaker, distinct(c.entities.iter().map(|n| canonical(n))))
                })
                .collect(),
        };
        for (quote, speaker) in doc.quotes.iter_mut().zip(quote_speakers) {
            quote.speaker = speaker;
        }
        for (claim, (speaker, entities)) in doc.claims.iter_mut().zip(claims) {
            claim.speaker = speaker;
            claim.entities = entities;
        }
        for entity in &mut doc.entities {
            if let Some(name) = map.renamed(entity.kind, &entity.canonical) {
                entity.canonical = name.to_string();
            }
        }
        if variants.is_empty() {
            doc.extra.remove(VARIANTS_KEY);
        } else if let Ok(value) = serde_json::to_value(&variants) {
            doc.extra.insert(VARIANTS_KEY.to_string(), value);
        }
    }
}

impl CorpusStage for ExtractStage {
    type Record = DocNames;
    type State = CorpusNames;
    /// 3: a cluster run's merge is split by the surname's initial (`split`: bucket files of
    /// people's names, one state per shard); records list the people `apply` reads unlisted
    /// (2: each name a document uses once, a state of only the renamed names).
    const FORMAT_VERSION: u32 = 3;

    /// The name lists' automata, the word sets and the entity model ([`crate::lexicon::build`]),
    /// one after the other on the warm-up's thread: more threads would take the reader's core
    /// in the first pass, which is all reading.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(Box::new(crate::lexicon::build))
    }

    fn needs_full_view(&self) -> bool {
        self.config.canonicalize
    }

    /// Annotates the document on its own (the annotations travel with it to `apply`) and
    /// records the names it uses.
    fn observe(&self, doc: &mut Document) -> Result<DocNames, StageError> {
        let mut names = NameList::default();
        // Only a document extract skips can hold names it does not list (see `unlisted_people`).
        let skipped = doc.meta.not_english().is_some();
        let ambiguous = self.annotate_locally(doc, Some(&mut names));
        let witness = doc
            .dedupe
            .as_ref()
            .map_or(doc.id.as_str(), |d| d.cluster.as_str());
        Ok(DocNames {
            id: doc.id.clone(),
            witness: witness.to_string(),
            unlisted: skipped.then(|| unlisted_people(doc, &names)).flatten(),
            names,
            ambiguous,
        })
    }

    /// The map of every document's people, and the claims of the documents with an ambiguous
    /// spelling. The map is built in [`PREPARE_BUCKETS`] parts side by side, each from the
    /// people whose surname's initial falls in it, as a cluster run's bucket tasks build it:
    /// spellings of one name share that initial, so the parts hold different names and
    /// [`CanonicalMap::absorb`] joins them into the map one index of every name would build.
    fn prepare(&self, records: Vec<DocNames>) -> Result<CorpusNames, StageError> {
        let people: Vec<Vec<(usize, &str)>> = records
            .par_iter()
            .map(|record| {
                Ok(people(&record.names)?
                    .map(|name| (bucket_of(name, PREPARE_BUCKETS), name))
                    .collect())
            })
            .collect::<Result<_, StageError>>()?;
        let parts: Vec<CanonicalMap> = (0..PREPARE_BUCKETS)
            .into_par_iter()
            .map(|bucket| {
                let mut index = NameIndex::default();
                for (record, names) in records.iter().zip(&people) {
                    let mut mine = names.iter().filter(|(b, _)| *b == bucket).peekable();
                    if mine.peek().is_some() {
                        let mine = mine.map(|&(_, name)| (EntityKind::Person, name));
                        index.add(&record.id, &record.witness, mine);
                    }
                }
                index.build(self.config.max_edit_distance)
            })
            .collect();
        drop(people);
        let mut map = CanonicalMap::default();
        for part in parts {
            map.absorb(part);
        }
        let mut resolved = BTreeMap::new();
        for (position, record) in records.iter().enumerate() {
            if let Some(claims) = record.ambiguous.as_deref() {
                resolved.insert(position, resolve_claims(&map, &record.names, claims)?);
            }
        }
        Ok(CorpusNames {
            map,
            ambiguous: resolved,
        })
    }

    fn merge_steps(&self, layout: &MergeLayout) -> Vec<MergeStep> {
        crate::split::merge_steps(layout)
    }

    fn shard_files(
        &self,
        records: &[&DocNames],
        ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        crate::split::shard_files(records, ranks[0])
    }

    fn run_merge_step(
        &self,
        step: usize,
        rank: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        match step {
            0 => crate::split::bucket(rank, files, self.config.max_edit_distance),
            _ => Err(StageError::no_merge_step(step)),
        }
    }

    /// Nothing of the whole corpus: the bucket tasks built the map, and each shard's state is
    /// put together from their parts ([`shard_state`](Self::shard_state)).
    fn finish_merge(&self, _files: &mut SplitFiles<'_, Self>) -> Result<CorpusNames, StageError> {
        Ok(CorpusNames::default())
    }

    /// An apply task reads the entries of its documents' names only.
    fn state_per_shard(&self) -> bool {
        true
    }

    fn shard_state(
        &self,
        _whole: &CorpusNames,
        shard: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<CorpusNames, StageError> {
        crate::split::shard_state(shard, files)
    }

    fn apply(
        &self,
        names: &CorpusNames,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        if self.config.canonicalize {
            self.canonicalize(names, position, doc);
        } else {
            self.annotate_locally(doc, None);
        }
        Ok(Disposition::Keep)
    }
}

#[cfg(test)]
mod tests {
    use newspipe_core::Entity;

    use super::*;

    #[test]
    fn a_name_list_keeps_each_name_once_in_order_and_refuses_a_corrupt_one() {
        let list = NameList::new(
            [
                (EntityKind::Place, "Kyiv"),
                (EntityKind::Person, "Keir Starmer"),
                (EntityKind::Place, "Kyiv"),
                (EntityKind::Organization, "NATO"),
            ]
            .into_iter(),
        );
        assert_eq!(
            list.names().unwrap(),
            [
                (EntityKind::Person, "Keir Starmer"),
                (EntityKind::Organization, "NATO"),
                (EntityKind::Place, "Kyiv"),
            ]
        );
        let too_long = NameList {
            lengths_and_kinds: vec![99 << 2],
            text: "Kyiv".into(),
        };
        assert!(too_long.names().is_err());
        let no_kind = NameList {
            lengths_and_kinds: vec![4 << 2 | 3],
            text: "Kyiv".into(),
        };
        assert!(no_kind.names().is_err());
    }

    #[test]
    fn only_a_skipped_document_records_the_people_it_carries_unlisted() {
        let stage = ExtractStage::new(ExtractConfig::default());
        let text = "Keir Starmer met NATO officials in Kyiv on Monday, his office said.";
        let carried = |language: &str| {
            let mut doc = Document::new("d", Default::default(), text.into());
            doc.meta.language = Some(language.into());
            doc.entities = vec![Entity {
                kind: EntityKind::Person,
                text: "Keir Starmer".into(),
                canonical: "Keir Starmer".into(),
                role: None,
                start: 0,
                end: 12,
            }];
            doc
        };
        // Skipped (not English): the entity an earlier stage wrote is read by `apply` unlisted.
        let record = stage.observe(&mut carried("de")).unwrap();
        assert!(record.names.names().unwrap().is_empty());
        let unlisted = record.unlisted.expect("the carried person is recorded");
        assert_eq!(
            unlisted.names().unwrap(),
            [(EntityKind::Person, "Keir Starmer")]
        );
        // Annotated: extract lists every name it writes, so nothing is unlisted.
        let record = stage.observe(&mut carried("en")).unwrap();
        assert!(record
            .names
            .names()
            .unwrap()
            .contains(&(EntityKind::Person, "Keir Starmer")));
        assert!(record.unlisted.is_none());
    }
}
