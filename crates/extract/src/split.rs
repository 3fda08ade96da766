//! Extract's merge split over the tasks of a cluster run, so that no task holds every
//! document's names and no apply task reads the whole canonical map.
//!
//! The canonical map links people only (an organization or a place is its own canonical name),
//! and every link stays among people whose surname (the last word of the name) starts with the
//! same character: spelling variants are compared within a block of the same given names and
//! surname initial, unless one document uses both, and a surname-only name goes to the one full
//! name whose surname is it or a spelling of it, which `spelling_variant` requires to start with
//! the same character (compared as it is written, no case folding). So the surname's initial is
//! a blocking key: a bucket task that gets every use of the people of its initials (the
//! document, its witness, the names it uses) counts their witnesses and documents, sees which
//! names a document uses together and lists the first documents of each spelling in input
//! order exactly as the whole corpus's build does (`NameIndex::build`, which `prepare` calls
//! too).
//!
//! | task | ranks | reads | writes |
//! | --- | --- | --- | --- |
//! | `observe-extract` | shards | its shard | one [`names_file`] per bucket task (its documents' people of that bucket: id, witness, names), [`AMBIGUOUS`] (the few documents whose claims need their names' kinds); no `records.bin` |
//! | `extract-bucket` | `bucket_tasks` | its names file of every shard | one [`map_file`] per shard: the renames and variant records of the bucket's names that shard's documents use |
//! | `merge-extract` | 1 | per shard, every bucket's map file for it and its [`AMBIGUOUS`] | one state per shard (`state_per_shard`) |

use newspipe_core::{
    encode_stage_data, EntityKind, MergeLayout, MergeSource, MergeStep, SplitFiles, StageError,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::canonical::{last_word, CanonicalMap, NameIndex};
use crate::stage::{
    people, resolve_claims, ClaimNames, CorpusNames, DocNames, ExtractStage, NameList,
};

/// An observe task's documents whose claims name a spelling used for two kinds of entity.
pub(crate) const AMBIGUOUS: &str = "ambiguous.bin";

/// The file of an observe task with the people bucket task `bucket` reads.
pub(crate) fn names_file(bucket: usize) -> String {
    format!("names-{bucket}.bin")
}

/// The file of a bucket task with its part of the map for the documents of shard `shard`.
pub(crate) fn map_file(shard: usize) -> String {
    format!("map-{shard}.bin")
}

/// The bucket task of a person's name: by the first character of its last word, as written.
pub(crate) fn bucket_of(name: &str, buckets: usize) -> usize {
    let initial = last_word(name).chars().next();
    // A fixed mix of the code point, so that neighbouring letters fall in different buckets.
    let mixed = initial.map_or(0, |c| {
        (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
    });
    (mixed % buckets.max(1) as u64) as usize
}

/// The one step of the split merge: the map, by the surname's initial.
pub(crate) fn merge_steps(layout: &MergeLayout) -> Vec<MergeStep> {
    vec![MergeStep {
        name: "bucket",
        ranks: layout.buckets.max(1),
    }]
}

/// One shard's people for one bucket task: each distinct name once, and per document the
/// names it uses by their number.
#[derive(Debug, Default, Serialize, Deserialize)]
struct BucketNames {
    /// The distinct names, in the order the documents first use them.
    names: Vec<String>,
    /// The documents that use a name of the bucket, in input order.
    docs: Vec<BucketDoc>,
    /// Names `apply` reads in the shard's documents that no document lists.
    unlisted: Vec<u32>,
}

/// A document's people of one bucket.
#[derive(Debug, Serialize, Deserialize)]
struct BucketDoc {
    id: String,
    /// Its witness when it is not its id.
    witness: Option<String>,
    /// Its names, as numbers in [`BucketNames::names`].
    names: Vec<u32>,
}

impl BucketNames {
    /// The number of `name`, adding it when new.
    fn number(&mut self, numbers: &mut FxHashMap<String, u32>, name: &str) -> u32 {
        if let Some(&n) = numbers.get(name) {
            return n;
        }
        let n = self.names.len() as u32;
        numbers.insert(name.to_string(), n);
        self.names.push(name.to_string());
        n
    }

    /// The name numbered `n`, or why the file is corrupt.
    fn name(&self, n: u32) -> Result<&str, String> {
        self.names
            .get(n as usize)
            .map(String::as_str)
            .ok_or_else(|| format!("name {n} of {} is not listed", self.names.len()))
    }
}

/// A document of [`AMBIGUOUS`]: its place in the shard, its names and what its claims name.
#[derive(Debug, Serialize, Deserialize)]
struct AmbiguousDoc {
    position: u32,
    names: NameList,
    claims: Vec<ClaimNames>,
}

/// The [`AmbiguousDoc`] of the document at `position` of the shard: of its names only those
/// its claims name, the claims renumbered.
fn claimed_names(
    position: usize,
    names: &NameList,
    claims: &[ClaimNames],
) -> Result<AmbiguousDoc, StageError> {
    let listed = names.names()?;
    let mut named: Vec<u32> = claims
        .iter()
        .flat_map(|c| c.speaker.iter().chain(&c.entities).copied())
        .collect();
    named.sort_unstable();
    named.dedup();
    if named
        .last()
        .is_some_and(|&last| last as usize >= listed.len())
    {
        return Err(StageError::new("extract: corrupt observation (claim name)"));
    }
    // The list is sorted, so its names at ascending positions are too: each keeps its rank.
    let renumber = |at: &u32| named.binary_search(at).map_or(0, |rank| rank as u32);
    Ok(AmbiguousDoc {
        position: position as u32,
        names: NameList::new(named.iter().map(|&at| listed[at as usize])),
        claims: claims
            .iter()
            .map(|c| ClaimNames {
                speaker: c.speaker.as_ref().map(renumber),
                entities: c.entities.iter().map(renumber).collect(),
            })
            .collect(),
    })
}

/// The files an observe task writes: one [`names_file`] per bucket task and [`AMBIGUOUS`].
pub(crate) fn shard_files(
    records: &[&DocNames],
    buckets: usize,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let buckets = buckets.max(1);
    let mut files: Vec<BucketNames> = (0..buckets).map(|_| BucketNames::default()).collect();
    let mut numbers: Vec<FxHashMap<String, u32>> = vec![FxHashMap::default(); buckets];
    let mut ambiguous = Vec::new();
    for (position, record) in records.iter().enumerate() {
        let mut touched: Vec<usize> = Vec::new();
        for name in people(&record.names)? {
            let b = bucket_of(name, buckets);
            let n = files[b].number(&mut numbers[b], name);
            if !touched.contains(&b) {
                touched.push(b);
                files[b].docs.push(BucketDoc {
                    id: record.id.clone(),
                    witness: (record.witness != record.id).then(|| record.witness.clone()),
                    names: Vec::new(),
                });
            }
            let doc = files[b].docs.last_mut().expect("just pushed");
            doc.names.push(n);
        }
        if let Some(unlisted) = &record.unlisted {
            for name in people(unlisted)? {
                let b = bucket_of(name, buckets);
                let n = files[b].number(&mut numbers[b], name);
                files[b].unlisted.push(n);
            }
        }
        if let Some(claims) = &record.ambiguous {
            ambiguous.push(claimed_names(position, &record.names, claims)?);
        }
    }
    let mut out = Vec::with_capacity(buckets + 1);
    for (b, file) in files.iter().enumerate() {
        out.push((names_file(b), encode_stage_data::<ExtractStage, _>(file)?));
    }
    out.push((
        AMBIGUOUS.to_owned(),
        encode_stage_data::<ExtractStage, _>(&ambiguous)?,
    ));
    Ok(out)
}

/// Bucket task `bucket`: the map of the people of its initials from every shard's uses of
/// them, in input order; writes per shard the part that shard's documents read.
pub(crate) fn bucket(
    bucket: usize,
    files: &mut SplitFiles<'_, ExtractStage>,
    max_distance: usize,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let mut index = NameIndex::default();
    // Where each shard's documents end in `index`, and the names read unlisted per shard.
    let mut shard_ends = Vec::with_capacity(shards);
    let mut unlisted: Vec<Vec<String>> = Vec::with_capacity(shards);
    for shard in 0..shards {
        let name = names_file(bucket);
        let file: BucketNames = files.read(MergeSource::Observe, shard, &name)?;
        let corrupt = |why: String| files.corrupt(MergeSource::Observe, shard, &name, &why);
        for doc in &file.docs {
            let names = doc
                .names
                .iter()
                .map(|&n| Ok((EntityKind::Person, file.name(n)?)))
                .collect::<Result<Vec<_>, String>>()
                .map_err(&corrupt)?;
            index.add(&doc.id, doc.witness.as_deref().unwrap_or(&doc.id), names);
        }
        shard_ends.push(index.doc_count());
        let read = file
            .unlisted
            .iter()
            .map(|&n| file.name(n).map(str::to_string))
            .collect::<Result<Vec<_>, String>>()
            .map_err(&corrupt)?;
        unlisted.push(read);
    }
    let map = index.build(max_distance);
    let mut out = Vec::with_capacity(shards);
    let mut start = 0;
    for (shard, end) in shard_ends.into_iter().enumerate() {
        let used = index.names_used_by(start..end);
        let unlisted = unlisted[shard]
            .iter()
            .map(|n| (EntityKind::Person, n.as_str()));
        let part = map.restrict(used.into_iter().chain(unlisted));
        out.push((
            map_file(shard),
            encode_stage_data::<ExtractStage, _>(&part)?,
        ));
        start = end;
    }
    Ok(out)
}

/// The state of shard `shard`: every bucket's part of the map for it, and its documents'
/// ambiguous claims resolved through them.
pub(crate) fn shard_state(
    shard: usize,
    files: &mut SplitFiles<'_, ExtractStage>,
) -> Result<CorpusNames, StageError> {
    let mut map = CanonicalMap::default();
    for b in 0..files.ranks(MergeSource::Step(0)) {
        let name = map_file(shard);
        let part: CanonicalMap = files.read(MergeSource::Step(0), b, &name)?;
        if !part.is_consistent() {
            let why = "a spelling names a variant record the file does not hold";
            return Err(files.corrupt(MergeSource::Step(0), b, &name, why));
        }
        map.absorb(part);
    }
    let first = files.first_position(shard)?;
    let docs: Vec<AmbiguousDoc> = files.read(MergeSource::Observe, shard, AMBIGUOUS)?;
    let mut ambiguous = std::collections::BTreeMap::new();
    for doc in docs {
        let claims = resolve_claims(&map, &doc.names, &doc.claims)
            .map_err(|err| files.corrupt(MergeSource::Observe, shard, AMBIGUOUS, &err.message))?;
        ambiguous.insert(first + doc.position as usize, claims);
    }
    Ok(CorpusNames { map, ambiguous })
}

#[cfg(test)]
mod tests {
    use newspipe_core::{CorpusStage, Document, MemoryFiles};

    use super::*;
    use crate::config::ExtractConfig;

    /// Runs the split merge of `records` cut into shards at `cuts` with `buckets` bucket
    /// tasks: each shard's state, as the merge task writes them.
    fn split_states(
        stage: &ExtractStage,
        records: &[DocNames],
        cuts: &[usize],
        buckets: usize,
    ) -> Vec<CorpusNames> {
        let sizes = cuts
            .windows(2)
            .map(|bounds| bounds[1] - bounds[0])
            .collect();
        let mut memory = MemoryFiles::new(sizes, vec![buckets]);
        let layout = MergeLayout {
            shards: cuts.len() - 1,
            buckets,
        };
        assert_eq!(stage.merge_steps(&layout)[0].ranks, buckets);
        for (shard, bounds) in cuts.windows(2).enumerate() {
            let mine: Vec<&DocNames> = records[bounds[0]..bounds[1]].iter().collect();
            let files = stage.shard_files(&mine, &[buckets]).unwrap();
            memory.write(MergeSource::Observe, shard, files);
        }
        for bucket in 0..buckets {
            let written = stage
                .run_merge_step(0, bucket, &mut SplitFiles::new(&mut memory))
                .unwrap();
            memory.write(MergeSource::Step(0), bucket, written);
        }
        let whole = stage
            .finish_merge(&mut SplitFiles::new(&mut memory))
            .unwrap();
        (0..cuts.len() - 1)
            .map(|shard| {
                let part = stage
                    .shard_state(&whole, shard, &mut SplitFiles::new(&mut memory))
                    .unwrap();
                postcard::from_bytes(&postcard::to_stdvec(&part).unwrap()).unwrap()
            })
            .collect()
    }

    /// A small deterministic generator (xorshift), so the corpus below needs no seed file.
    struct Draw(u64);

    impl Draw {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Records of documents naming people spelt several ways (variants with the same and
    /// with other initials, non-Latin and lower-case initials, surname-only mentions, two
    /// spellings side by side), organizations and places, copies sharing a witness, claims of
    /// ambiguous spellings and names read but not listed.
    fn corpus(docs: usize, seed: u64) -> Vec<DocNames> {
        const GIVEN: [&str; 6] = ["Keir", "Mark", "Mary", "Łukasz", "jan", "Anna Maria"];
        const SURNAMES: [&str; 14] = [
            "Starmer",
            "Starrer",
            "Stammer",
            "Carney",
            "Carnie",
            "Świątek",
            "Świątec",
            "Swiatek",
            "Zelensky",
            "Zelenskyy",
            "Zelenskyi",
            "van Dijk",
            "van Dyk",
            "Park",
        ];
        const OTHERS: [(EntityKind, &str); 4] = [
            (EntityKind::Organization, "NATO"),
            (EntityKind::Organization, "Carney"),
            (EntityKind::Place, "Kyiv"),
            (EntityKind::Place, "Starmer"),
        ];
        let mut draw = Draw(seed);
        (0..docs)
            .map(|d| {
                let mut names: Vec<(EntityKind, String)> = Vec::new();
                for _ in 0..1 + draw.below(4) {
                    let surname = SURNAMES[draw.below(SURNAMES.len())];
                    let name = match draw.below(4) {
                        0 => surname.to_string(),
                        _ => format!("{} {surname}", GIVEN[draw.below(GIVEN.len())]),
                    };
                    names.push((EntityKind::Person, name));
                }
                if draw.below(2) == 0 {
                    let (kind, name) = OTHERS[draw.below(OTHERS.len())];
                    names.push((kind, name.to_string()));
                }
                let names = NameList::new(names.iter().map(|(k, n)| (*k, n.as_str())));
                let listed = names.names().unwrap().len() as u32;
                let ambiguous = (draw.below(8) == 0).then(|| {
                    // A few of the names, out of order, as claims name them.
                    vec![
                        ClaimNames {
                            speaker: Some(listed - 1),
                            entities: vec![listed / 2, listed - 1],
                        },
                        ClaimNames {
                            speaker: None,
                            entities: (0..listed).rev().step_by(2).collect(),
                        },
                    ]
                });
                let unlisted = (draw.below(10) == 0)
                    .then(|| NameList::new([(EntityKind::Person, "Keir Starrer")].into_iter()));
                let id = format!("doc-{d:03}");
                let witness = match draw.below(3) {
                    0 => format!("cluster-{}", draw.below(6)),
                    _ => id.clone(),
                };
                DocNames {
                    id,
                    witness,
                    names,
                    ambiguous,
                    unlisted,
                }
            })
            .collect()
    }

    /// The names a shard's documents read: listed and unlisted people, and every name their
    /// ambiguous claims name.
    fn names_read(records: &[DocNames]) -> Vec<(EntityKind, &str)> {
        let mut read = Vec::new();
        for record in records {
            read.extend(record.names.names().unwrap());
            if let Some(unlisted) = &record.unlisted {
                read.extend(unlisted.names().unwrap());
            }
        }
        read
    }

    #[test]
    fn any_cut_into_buckets_and_shards_gives_the_whole_map() {
        let stage = ExtractStage::new(ExtractConfig::default());
        for seed in [1, 7, 42] {
            let records = corpus(80, seed);
            let whole = stage.prepare(corpus(80, seed)).unwrap();
            let (renamed, spellings) = whole.map.entries();
            // The corpus links names, across initials' buckets and shards.
            assert!(renamed.len() > 10, "{renamed:?}");
            assert!(spellings.len() > 5, "{spellings:?}");
            assert!(!whole.ambiguous.is_empty());
            let mut draw = Draw(seed * 31 + 5);
            for buckets in [1, 2, 3, 5, 8] {
                let mut cuts = vec![0, 80];
                for _ in 0..draw.below(6) {
                    cuts.push(draw.below(81));
                }
                cuts.sort_unstable();
                let states = split_states(&stage, &records, &cuts, buckets);
                let mut united = CanonicalMap::default();
                for (shard, state) in states.into_iter().enumerate() {
                    let (lo, hi) = (cuts[shard], cuts[shard + 1]);
                    let expected = whole.map.restrict(names_read(&records[lo..hi]));
                    assert_eq!(
                        state.map.entries(),
                        expected.entries(),
                        "seed {seed}, {buckets} buckets, shards {cuts:?}, shard {shard}"
                    );
                    let own: Vec<_> = whole.ambiguous.range(lo..hi).collect();
                    assert_eq!(state.ambiguous.iter().collect::<Vec<_>>(), own);
                    united.absorb(state.map);
                }
                let (united_renamed, united_spellings) = united.entries();
                assert_eq!(united_renamed, renamed, "{buckets} buckets, {cuts:?}");
                assert_eq!(united_spellings, spellings, "{buckets} buckets, {cuts:?}");
            }
        }
    }

    #[test]
    fn every_link_stays_in_one_bucket() {
        // The surname's first character as written, whatever the given names.
        for buckets in [2, 3, 7, 64] {
            let of = |name| bucket_of(name, buckets);
            assert_eq!(of("Keir Starmer"), of("Starrer"));
            assert_eq!(of("Łukasz Świątek"), of("Świątec"));
            assert_eq!(of("jan van Dijk"), of("Dyk"));
        }
        let spread: std::collections::BTreeSet<usize> = ('A'..='Z')
            .map(|c| bucket_of(&format!("Anna {c}x"), 8))
            .collect();
        assert_eq!(spread.len(), 8, "the initials spread over the buckets");
    }

    #[test]
    fn a_corrupt_bucket_file_names_its_task() {
        let stage = ExtractStage::new(ExtractConfig::default());
        let records = corpus(10, 3);
        let mine: Vec<&DocNames> = records.iter().collect();
        let mut memory = MemoryFiles::new(vec![10], vec![1]);
        memory.write(
            MergeSource::Observe,
            0,
            stage.shard_files(&mine, &[1]).unwrap(),
        );
        // A document naming a name the file does not list.
        let key = (None, 0, names_file(0));
        let mut file: BucketNames = postcard::from_bytes(&memory.files[&key][8..]).unwrap();
        file.docs[0].names.push(999);
        let mut bytes = memory.files[&key][..8].to_vec();
        bytes.extend(postcard::to_stdvec(&file).unwrap());
        memory.files.insert(key, bytes);
        let err = stage
            .run_merge_step(0, 0, &mut SplitFiles::new(&mut memory))
            .unwrap_err();
        assert!(
            err.message.contains("names-0.bin of Observe rank 0"),
            "{err}"
        );
    }

    /// Documents naming one person three ways and another two ways, with a copy sharing
    /// a dedupe cluster, in input order.
    fn documents() -> Vec<Document> {
        let texts = [
            "British Prime Minister Keir Starmer spoke in London on Monday.",
            "Prime Minister Keir Starrer met President Volodymyr Zelenskyy in Kyiv on Tuesday.",
            "President Volodymyr Zelensky said Starmer would visit Kyiv soon.",
            "Zelensky thanked Prime Minister Keir Starmer in Kyiv on Wednesday.",
            "Prime Minister Keir Starrer met President Volodymyr Zelenskyy in Kyiv on Tuesday.",
            "Officials said Keir Starmer and Volodymyr Zelenskyy spoke by phone.",
        ];
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let mut doc = Document::new(format!("d{i}"), Default::default(), text.to_string());
                if i == 4 {
                    doc.dedupe = Some(newspipe_core::DedupeInfo {
                        cluster: "d1".into(),
                        representative: false,
                        relation: newspipe_core::Relation::Exact,
                        similarity: 1.0,
                        duplicate_of: Some("d1".into()),
                        origin: None,
                    });
                }
                doc
            })
            .collect()
    }

    #[test]
    fn shard_states_from_bucket_tasks_annotate_as_one_machine() {
        let stage = ExtractStage::new(ExtractConfig::default());
        let mut observed = documents();
        let records: Vec<DocNames> = observed
            .iter_mut()
            .map(|d| stage.observe(d).unwrap())
            .collect();
        let mut direct = observed.clone();
        let whole = stage.prepare(documents_records(&stage)).unwrap();
        for (position, doc) in direct.iter_mut().enumerate() {
            stage.apply(&whole, position, doc).unwrap();
        }
        // Spellings are merged across documents, so across shards below.
        let canonical = |doc: &Document, text: &str| {
            doc.entities
                .iter()
                .find(|e| e.text == text)
                .map(|e| e.canonical.clone())
        };
        assert_eq!(
            canonical(&direct[1], "Keir Starrer").as_deref(),
            Some("Keir Starmer")
        );
        assert_eq!(
            canonical(&direct[2], "Volodymyr Zelensky").as_deref(),
            Some("Volodymyr Zelenskyy")
        );
        assert!(direct[1].extra.contains_key(crate::VARIANTS_KEY));
        for buckets in [1, 2, 4] {
            for cuts in [
                vec![0, 6],
                vec![0, 1, 3, 6],
                vec![0, 2, 2, 4, 6],
                vec![0, 1, 2, 3, 4, 5, 6],
            ] {
                let states = split_states(&stage, &records, &cuts, buckets);
                let mut split = observed.clone();
                for (shard, state) in states.iter().enumerate() {
                    let (lo, hi) = (cuts[shard], cuts[shard + 1]);
                    for (position, doc) in split.iter_mut().enumerate().take(hi).skip(lo) {
                        stage.apply(state, position, doc).unwrap();
                    }
                }
                assert_eq!(split, direct, "{buckets} buckets, shards {cuts:?}");
            }
        }
    }

    /// The records of [`documents`], observed afresh (a record is consumed by `prepare`).
    fn documents_records(stage: &ExtractStage) -> Vec<DocNames> {
        documents()
            .iter_mut()
            .map(|d| stage.observe(d).unwrap())
            .collect()
    }
}
