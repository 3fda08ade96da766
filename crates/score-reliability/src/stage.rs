//! The stage as the runner sees it: `observe` computes the document-only signals, writes them
//! on the document and keeps compact keys (and one byte per claim); `prepare` judges what needs
//! the whole corpus; `apply` adds each document's corpus signals and writes its final
//! `reliability` and each claim's.

use newspipe_core::{
    ClaimReliability, CorpusStage, Disposition, Document, MergeLayout, MergeStep, Reliability,
    Signal, SplitFiles, StageError, WarmUp,
};
use serde::{Deserialize, Serialize};

use crate::claims::{Attribution, ClaimTraits};
use crate::combine::{band, claim_weight, document_weight, points};
use crate::config::{ReliabilityConfig, Weights};
use crate::corpus::{ClaimVerdict, Corpus, Verdict, CONTRADICTING, SUPPORTING};
use crate::facts::{attribution_term, is_parked, local_quality, observe, Observed};
use crate::index::Index;
use crate::signal::{note, round1, round3, scored};
use crate::tenure::{OfficeHolders, BUILTIN};

/// The runtime `score-reliability` stage.
#[derive(Debug)]
pub struct ScoreReliability {
    config: ReliabilityConfig,
    holders: OfficeHolders,
}

/// What `prepare` builds: the compact keys of every observed document and what the corpus
/// says about them; or, in a cluster run, one shard's part of it ([`crate::split`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct Judged {
    index: Index,
    corpus: Corpus,
    /// The position of the first document of `index` (0, or a shard's first).
    first: usize,
    /// How many documents of `index`, from the first, `apply` is for (the others, in a shard's
    /// state, are only named by the evidence).
    own: usize,
}

/// A signal parked by `observe`, as read back: scores rounded again (the document may have
/// been written to the spool and read back) and the weight of the configuration.
fn parked(mut s: Signal, weight: f64) -> Signal {
    s.score = round3(s.score);
    s.weight = weight;
    s
}

impl ScoreReliability {
    /// A stage with this configuration; reads the office-holder file it names.
    pub fn new(config: ReliabilityConfig) -> Result<Self, String> {
        let holders = match config.office_holders.as_deref() {
            None => OfficeHolders::parse(BUILTIN)?,
            Some("") => OfficeHolders::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|err| format!("cannot read office holders `{path}`: {err}"))?;
                OfficeHolders::parse(&text).map_err(|err| format!("{path}: {err}"))?
            }
        };
        if let Some(date) = config.reference_date.as_deref() {
            if crate::calendar::parse_iso(date).is_none() {
                return Err(format!("reference_date `{date}` is not a YYYY-MM-DD date"));
            }
        }
        Ok(Self { config, holders })
    }

    /// Writes the final scores on a document from what `observe` parked on it and the
    /// corpus's verdict.
    fn score(&self, doc: &mut Document, d: u32, verdict: Verdict, corpus: &Corpus, index: &Index) {
        let weights = &self.config.weights;
        let own = doc
            .reliability
            .take()
            .map(|r| r.signals)
            .unwrap_or_default();
        let mut signals: Vec<Signal> = own
            .into_iter()
            .map(|s| {
                let weight = document_weight(weights, &s.name);
                parked(s, weight)
            })
            .collect();
        signals.extend(verdict.signals);
        let currency = verdict.currency;
        signals.push(currency.clone());
        // Document signals in their fixed order, then the currency factor.
        signals.sort_by_key(|s| {
            Weights::SIGNALS
                .iter()
                .position(|n| *n == s.name)
                .unwrap_or(Weights::SIGNALS.len())
        });
        let factor = if currency.applicable {
            currency.score
        } else {
            1.0
        };
        let score = round1(points(&signals) * factor);
        let id = doc.id.as_str();
        let traits = index.traits_of(d);
        for (k, (claim, claim_verdict)) in doc.claims.iter_mut().zip(&verdict.claims).enumerate() {
            let traits = traits
                .get(k)
                .copied()
                .unwrap_or(ClaimTraits::new(Attribution::Reporter, false));
            let terms = self.claim_terms(
                id,
                (claim.start, claim.end),
                attribution_term(id, claim.start, claim.end, traits, claim.speaker.as_deref()),
                traits.damaged(),
                claim_verdict,
                verdict.intrinsic,
                corpus,
                index,
            );
            let score = round1(points(&terms) * factor);
            let reps = |list: &[crate::corpus::Witness]| {
                list.iter()
                    .map(|w| corpus.witness_doc(index, w).to_owned())
                    .collect()
            };
            claim.reliability = Some(ClaimReliability {
                score,
                band: band(score, &self.config.bands),
                supported_by: reps(&claim_verdict.support),
                contradicted_by: reps(&claim_verdict.contradiction),
                signals: terms,
            });
        }
        doc.reliability = Some(Reliability {
            score,
            band: band(score, &self.config.bands),
            signals,
        });
    }

    /// The five terms of a claim's score, given its `attribution` term and damage.
    #[allow(clippy::too_many_arguments)]
    fn claim_terms(
        &self,
        doc: &str,
        (start, end): (usize, usize),
        attribution: Signal,
        damaged: bool,
        verdict: &ClaimVerdict,
        intrinsic: f64,
        corpus: &Corpus,
        index: &Index,
    ) -> Vec<Signal> {
        let mut terms = vec![
            scored(
                "source",
                intrinsic / 100.0,
                vec![note(
                    doc,
                    format!("the document's score from its own signals, before corroboration and contradiction: {}", round1(intrinsic)),
                )],
            ),
            attribution,
            local_quality(doc, start, end, damaged, verdict.misspelt),
        ];
        if verdict.has_peers {
            let support: f64 = verdict.support.iter().map(|w| w.weight).sum();
            let against: f64 = verdict.contradiction.iter().map(|w| w.weight).sum();
            let evidence = |list: &[crate::corpus::Witness], what: &str, none: &str| {
                if list.is_empty() {
                    vec![note(doc, none)]
                } else {
                    list.iter()
                        .map(|w| corpus.evidence(index, w, what))
                        .collect()
                }
            };
            terms.push(scored(
                "corroboration",
                1.0 - (-support / 100.0).exp(),
                evidence(&verdict.support, SUPPORTING, "no independent support"),
            ));
            terms.push(scored(
                "consistency",
                (-against / 100.0).exp(),
                evidence(
                    &verdict.contradiction,
                    CONTRADICTING,
                    "no independent contradiction",
                ),
            ));
        } else {
            let reason = "no independent cluster reports on the same things in the time window";
            terms.push(crate::signal::not_applicable(doc, "corroboration", reason));
            terms.push(crate::signal::not_applicable(doc, "consistency", reason));
        }
        for t in &mut terms {
            t.weight = claim_weight(&self.config.claim_weights, &t.name);
        }
        terms
    }

    /// What the corpus of every document in `index` says: the state `prepare` builds.
    fn judged(&self, index: Index) -> Judged {
        let corpus = Corpus::new(&index, &self.config);
        let own = index.docs.len();
        Judged {
            index,
            corpus,
            first: 0,
            own,
        }
    }

    /// Scores a document the first pass did not see, judged alone.
    fn score_alone(&self, doc: &mut Document) {
        let mut index = Index::default();
        index.push(observe(doc, &self.config, &self.holders));
        let corpus = Corpus::new(&index, &self.config);
        let verdict = corpus.judge(&index, 0, doc, &self.config);
        self.score(doc, 0, verdict, &corpus, &index);
    }
}

/// Why a document gets no reliability score: a page that is not an article (a score would
/// suggest it was judged as one), or text in a language the signals do not read.
fn not_judged(doc: &Document) -> Option<String> {
    doc.meta.not_english().or_else(|| match doc.meta.page_kind {
        Some(newspipe_core::PageKind::Listing) => Some("not an article: a listing page".into()),
        Some(newspipe_core::PageKind::Other) => Some("not an article".into()),
        _ => None,
    })
}

impl CorpusStage for ScoreReliability {
    type Record = Observed;
    type State = Judged;
    const FORMAT_VERSION: u32 = 6;

    /// The patterns every text is read with and the boilerplate matcher's long-line literals:
    /// about 15 ms of compiling that the first document would wait for.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(Box::new(|| {
            newspipe_knowledge::warm_up();
            crate::lexicon::warm_up();
        }))
    }

    fn observe(&self, doc: &mut Document) -> Result<Observed, StageError> {
        Ok(observe(doc, &self.config, &self.holders))
    }

    fn prepare(&self, records: Vec<Observed>) -> Result<Judged, StageError> {
        let mut index = Index::default();
        for observed in records {
            index.push(observed);
        }
        Ok(self.judged(index))
    }

    /// A cluster run's merge: only the reference date and the archive spread, from every
    /// shard's dates; the bucket and tables tasks worked out the rest by key, and each apply
    /// task cuts its shard's state ([`shard_state`](Self::shard_state)).
    fn finish_merge(&self, files: &mut SplitFiles<'_, Self>) -> Result<Judged, StageError> {
        Ok(Judged {
            index: Index::default(),
            corpus: crate::split::merged(files, &self.config)?,
            first: 0,
            own: 0,
        })
    }

    /// An apply task reads only its shard's part of the state: its documents' keys, and of
    /// the others only what their evidence names.
    fn state_per_shard(&self) -> bool {
        true
    }

    /// The merge task holds only a few corpus-wide values; each apply task cuts its own part.
    fn shard_state_in_apply(&self) -> bool {
        true
    }

    /// Shard `shard`'s part of the state, from its keys and what the bucket and tables tasks
    /// wrote for it ([`crate::split`]); `merged` holds the reference date and archive spread.
    fn shard_state(
        &self,
        merged: &Judged,
        shard: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Judged, StageError> {
        let first = files.first_position(shard)?;
        let (index, corpus, own) = crate::split::shard_state(&merged.corpus, shard, files)?;
        Ok(Judged {
            index,
            corpus,
            first,
            own,
        })
    }

    fn merge_steps(&self, layout: &MergeLayout) -> Vec<MergeStep> {
        crate::split::merge_steps(layout)
    }

    fn shard_files(
        &self,
        records: &[&Observed],
        ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        crate::split::shard_files(records, ranks)
    }

    fn run_merge_step(
        &self,
        step: usize,
        rank: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        match step {
            0 => crate::split::bucket(rank, files, &self.config),
            1 => crate::split::tables(rank, files, &self.config),
            _ => Err(StageError::no_merge_step(step)),
        }
    }

    fn apply(
        &self,
        judged: &Judged,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        let (index, corpus) = (&judged.index, &judged.corpus);
        let at = position
            .checked_sub(judged.first)
            .filter(|&local| local < judged.own)
            .map(|local| local as u32);
        let d = match at {
            Some(local) if index.id(local) == doc.id => Some(local),
            _ => corpus.find(index, &doc.id),
        };
        if let Some(reason) = not_judged(doc) {
            doc.reliability = None;
            doc.meta.record_skip("score-reliability", reason);
            return Ok(Disposition::Keep);
        }
        match d.filter(|_| is_parked(doc)) {
            Some(d) => {
                let verdict = corpus.judge(index, d, doc, &self.config);
                self.score(doc, d, verdict, corpus, index);
            }
            // Not observed (a document the first pass did not see): judged alone.
            None => self.score_alone(doc),
        }
        Ok(Disposition::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combine::CURRENCY;
    use newspipe_core::{Claim, DedupeInfo, Entity, EntityKind, Quantity, QuantityValue, Relation};

    /// A hand-made document with one claim about Canadian troops in Latvia.
    fn fixture(
        id: &str,
        cluster: &str,
        relation: Relation,
        sentence: &str,
        troops: f64,
    ) -> Document {
        let mut doc = Document::new(id, Default::default(), sentence.to_owned());
        let entity = |name: &str, kind| {
            let start = sentence.find(name).unwrap();
            Entity {
                kind,
                text: name.into(),
                canonical: name.into(),
                role: None,
                start,
                end: start + name.len(),
            }
        };
        doc.entities = vec![
            entity("Canada", EntityKind::Place),
            entity("Latvia", EntityKind::Place),
        ];
        let number = troops.to_string();
        let start = sentence.find(&number).unwrap();
        doc.quantities = vec![Quantity {
            text: format!("{number} troops"),
            value: QuantityValue::Number(troops),
            unit: Some("troop".into()),
            qualifier: None,
            start,
            end: start + number.len() + 7,
        }];
        doc.claims = vec![Claim {
            text: sentence.into(),
            start: 0,
            end: sentence.len(),
            speaker: None,
            hedged: false,
            entities: vec!["Canada".into(), "Latvia".into()],
            quantities: vec![0],
            reliability: None,
        }];
        doc.dedupe = Some(DedupeInfo {
            cluster: cluster.into(),
            representative: relation == Relation::None,
            relation,
            similarity: 1.0,
            duplicate_of: (relation != Relation::None).then(|| "b".to_owned()),
            origin: None,
        });
        doc
    }

    fn run(mut docs: Vec<Document>) -> Vec<Document> {
        let stage = ScoreReliability::new(ReliabilityConfig::default()).unwrap();
        let records = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let judged = stage.prepare(records).unwrap();
        for (position, doc) in docs.iter_mut().enumerate() {
            stage.apply(&judged, position, doc).unwrap();
        }
        docs
    }

    fn claim(docs: &[Document], id: &str) -> ClaimReliability {
        let doc = docs.iter().find(|d| d.id == id).unwrap();
        doc.claims[0].reliability.clone().unwrap()
    }

    /// One story told by independent clusters: "a", "b" and "e" report 400 troops, "b-copy"
    /// copies "b", "d" says 900. The documents named by `ids`, in that order.
    fn troops(ids: &[&str]) -> Vec<Document> {
        const STORY: [(&str, &str, Relation, &str, f64); 5] = [
            (
                "a",
                "c1",
                Relation::None,
                "Canada will send 400 troops to Latvia next spring.",
                400.0,
            ),
            (
                "b",
                "c2",
                Relation::None,
                "Canada is sending 400 troops to Latvia in the spring.",
                400.0,
            ),
            (
                "b-copy",
                "c2",
                Relation::Derived,
                "Canada is sending 400 troops to Latvia in the spring.",
                400.0,
            ),
            (
                "d",
                "c3",
                Relation::None,
                "Canada will send 900 troops to Latvia next spring.",
                900.0,
            ),
            (
                "e",
                "c4",
                Relation::None,
                "Canada will send 400 troops to Latvia next spring.",
                400.0,
            ),
        ];
        ids.iter()
            .map(|id| {
                let (id, cluster, relation, text, number) = STORY
                    .iter()
                    .find(|(known, ..)| known == id)
                    .expect("a document of the story");
                fixture(id, cluster, *relation, text, *number)
            })
            .collect()
    }

    #[test]
    fn copies_are_one_witness_and_numbers_can_contradict() {
        let a = fixture(
            "a",
            "c1",
            Relation::None,
            "Canada will send 400 troops to Latvia next spring.",
            400.0,
        );
        let b = fixture(
            "b",
            "c2",
            Relation::None,
            "Canada is sending 400 troops to Latvia in the spring.",
            400.0,
        );
        let copy = fixture(
            "b-copy",
            "c2",
            Relation::Exact,
            "Canada is sending 400 troops to Latvia in the spring.",
            400.0,
        );
        let d = fixture(
            "d",
            "c3",
            Relation::None,
            "Canada will send 900 troops to Latvia next spring.",
            900.0,
        );
        let with_copy = run(vec![a.clone(), b.clone(), copy, d.clone()]);
        let without = run(vec![a, b, d]);
        let claim_a = claim(&with_copy, "a");
        assert_eq!(claim_a.supported_by, ["b"]);
        assert_eq!(claim_a.contradicted_by, ["d"]);
        assert_eq!(claim_a, claim(&without, "a"), "the copy changes nothing");
        let originality = |docs: &[Document], id: &str| {
            let doc = docs.iter().find(|d| d.id == id).unwrap();
            let r = doc.reliability.as_ref().unwrap();
            r.signals
                .iter()
                .find(|s| s.name == "originality")
                .unwrap()
                .score
        };
        assert_eq!(originality(&with_copy, "b-copy"), 0.5);
        assert_eq!(originality(&with_copy, "b"), 1.0);
    }

    #[test]
    fn a_lone_document_gets_a_score_with_corpus_signals_not_applicable() {
        let mut doc = Document::new("x", Default::default(), "Officials met on Monday.".into());
        doc.meta.published = Some("2025-03-06".into());
        let docs = run(vec![doc]);
        let r = docs[0].reliability.as_ref().unwrap();
        for name in [
            "corroboration",
            "contradiction",
            "name_consistency",
            "direct_quotes",
        ] {
            let s = r.signals.iter().find(|s| s.name == name).unwrap();
            assert!(!s.applicable, "{name} is not applicable");
        }
        // Attribution reads reported-speech cues in the text, so it needs no extract.
        let attribution = r.signals.iter().find(|s| s.name == "attribution").unwrap();
        assert!(attribution.applicable && attribution.score == 0.0);
        let no_span = &attribution.evidence[0];
        assert_eq!(
            (no_span.start, no_span.end),
            (None, None),
            "a note has no span"
        );
        assert!(r.score > 0.0 && r.score <= 100.0);
    }

    #[test]
    fn an_archive_spanning_years_is_not_discounted_but_a_stale_outlier_is() {
        let dated = |id: &str, date: &str| {
            let mut doc = Document::new(id, Default::default(), "Officials met on Monday.".into());
            doc.meta.published = Some(date.into());
            doc
        };
        let currency = |docs: &[Document], id: &str| {
            let doc = docs.iter().find(|d| d.id == id).unwrap();
            let r = doc.reliability.as_ref().unwrap();
            r.signals
                .iter()
                .find(|s| s.name == CURRENCY)
                .unwrap()
                .clone()
        };
        let archive = run(vec![
            dated("a", "2012-05-01"),
            dated("b", "2016-03-01"),
            dated("c", "2025-03-06"),
        ]);
        assert!(!currency(&archive, "a").applicable);
        let story = run(vec![
            dated("a", "2017-11-09"),
            dated("b", "2025-03-01"),
            dated("c", "2025-03-06"),
        ]);
        let old = currency(&story, "a");
        assert!(old.applicable && old.score == 0.25, "{old:?}");
        assert_eq!(currency(&story, "b").score, 1.0);
    }

    #[test]
    fn documents_read_back_from_the_spool_in_other_batches_score_the_same() {
        let docs = troops(&["a", "b", "d"]);
        let direct = run(docs.clone());
        let stage = ScoreReliability::new(ReliabilityConfig::default()).unwrap();
        let mut observed = docs;
        let records = observed
            .iter_mut()
            .map(|d| stage.observe(d).unwrap())
            .collect();
        // The state crosses a task boundary in its binary form.
        let judged: Judged =
            postcard::from_bytes(&postcard::to_stdvec(&stage.prepare(records).unwrap()).unwrap())
                .unwrap();
        // What observe parked survives the spool's JSON, and documents may come in any order.
        let mut back: Vec<Document> = observed
            .iter()
            .map(|d| serde_json::from_str(&serde_json::to_string(d).unwrap()).unwrap())
            .collect();
        for (position, doc) in back.iter_mut().enumerate().rev() {
            stage.apply(&judged, position, doc).unwrap();
        }
        assert_eq!(back, direct);
        assert_eq!(claim(&back, "a").contradicted_by, ["d"]);
    }

    #[test]
    fn bucket_tasks_and_shard_states_score_as_one_machine() {
        let docs = troops(&["a", "b", "b-copy", "d", "e"]);
        let direct = run(docs.clone());
        assert_eq!(claim(&direct, "a").supported_by, ["b"]);
        assert_eq!(claim(&direct, "e").contradicted_by, ["d"]);
        let stage = ScoreReliability::new(ReliabilityConfig::default()).unwrap();
        let whole_bytes = {
            let mut docs = docs.clone();
            let records = docs.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
            postcard::to_stdvec(&stage.prepare(records).unwrap())
                .unwrap()
                .len()
        };
        for buckets in [1, 2, 3] {
            for cuts in [vec![0, 5], vec![0, 2, 3, 5], vec![0, 1, 2, 3, 4, 5]] {
                let mut observed = docs.clone();
                let records: Vec<Observed> = observed
                    .iter_mut()
                    .map(|d| stage.observe(d).unwrap())
                    .collect();
                let sizes = cuts
                    .windows(2)
                    .map(|bounds| bounds[1] - bounds[0])
                    .collect();
                let mut memory = newspipe_core::MemoryFiles::new(sizes, vec![buckets, buckets]);
                for (shard, bounds) in cuts.windows(2).enumerate() {
                    let mine: Vec<&Observed> = records[bounds[0]..bounds[1]].iter().collect();
                    let files = stage.shard_files(&mine, &[buckets, buckets]).unwrap();
                    memory.write(newspipe_core::MergeSource::Observe, shard, files);
                }
                for step in 0..2 {
                    for bucket in 0..buckets {
                        let written = stage
                            .run_merge_step(step, bucket, &mut SplitFiles::new(&mut memory))
                            .unwrap();
                        memory.write(newspipe_core::MergeSource::Step(step), bucket, written);
                    }
                }
                let merged = stage
                    .finish_merge(&mut SplitFiles::new(&mut memory))
                    .unwrap();
                for (shard, bounds) in cuts.windows(2).enumerate() {
                    let part = stage
                        .shard_state(&merged, shard, &mut SplitFiles::new(&mut memory))
                        .unwrap();
                    let bytes = postcard::to_stdvec(&part).unwrap();
                    if bounds[1] - bounds[0] == 1 {
                        assert!(bytes.len() < whole_bytes, "one document's state is smaller");
                    }
                    let part: Judged = postcard::from_bytes(&bytes).unwrap();
                    for (position, doc) in observed
                        .iter_mut()
                        .enumerate()
                        .take(bounds[1])
                        .skip(bounds[0])
                    {
                        stage.apply(&part, position, doc).unwrap();
                    }
                }
                assert_eq!(observed, direct, "{buckets} buckets, shards {cuts:?}");
            }
        }
    }

    #[test]
    fn empty_and_odd_text_do_not_panic() {
        let odd = "\u{feff}“ -x Lt.-g é\u{0301}".to_owned();
        let docs = run(vec![
            Document::new("e", Default::default(), String::new()),
            Document::new("o", Default::default(), odd),
        ]);
        assert!(docs.iter().all(|d| d.reliability.is_some()));
    }
}
