//! The stage as the runner sees it: `observe` computes the document-only signals and keeps
//! compact keys, `prepare` judges the corpus, `apply` writes `reliability` on each document
//! and each claim.

use std::collections::HashMap;

use newspipe_core::{
    ClaimReliability, CorpusStage, Disposition, Document, Reliability, Signal, StageError,
};
use rayon::prelude::*;

use crate::combine::{band, claim_weight, document_weight, points};
use crate::config::{ReliabilityConfig, Weights};
use crate::corpus::{judge, ClaimVerdict, Verdict};
use crate::facts::{observe, DocFacts};
use crate::signal::{note, round1, scored};
use crate::tenure::{OfficeHolders, BUILTIN};

/// The runtime `score-reliability` stage.
#[derive(Debug)]
pub struct ScoreReliability {
    config: ReliabilityConfig,
    holders: OfficeHolders,
    facts: Vec<DocFacts>,
    by_id: HashMap<String, usize>,
    verdicts: Vec<Verdict>,
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
        Ok(Self {
            config,
            holders,
            facts: Vec::new(),
            by_id: HashMap::new(),
            verdicts: Vec::new(),
        })
    }

    fn score(&self, doc: &mut Document, facts: &DocFacts, verdict: &Verdict) {
        let mut signals: Vec<Signal> = facts.own.clone();
        for s in &mut signals {
            s.weight = document_weight(&self.config.weights, &s.name);
        }
        signals.extend(verdict.signals.iter().cloned());
        signals.push(verdict.currency.clone());
        // Document signals in their fixed order, then the currency factor.
        signals.sort_by_key(|s| {
            Weights::SIGNALS
                .iter()
                .position(|n| *n == s.name)
                .unwrap_or(Weights::SIGNALS.len())
        });
        let factor = if verdict.currency.applicable {
            verdict.currency.score
        } else {
            1.0
        };
        let score = round1(points(&signals) * factor);
        for ((claim, key), claim_verdict) in doc
            .claims
            .iter_mut()
            .zip(&facts.claims)
            .zip(&verdict.claims)
        {
            let terms = self.claim_terms(&doc.id, key, claim_verdict, verdict.intrinsic);
            let score = round1(points(&terms) * factor);
            claim.reliability = Some(ClaimReliability {
                score,
                band: band(score, &self.config.bands),
                supported_by: claim_verdict
                    .support
                    .iter()
                    .map(|w| w.representative.clone())
                    .collect(),
                contradicted_by: claim_verdict
                    .contradiction
                    .iter()
                    .map(|w| w.representative.clone())
                    .collect(),
                signals: terms,
            });
        }
        doc.reliability = Some(Reliability {
            score,
            band: band(score, &self.config.bands),
            signals,
        });
    }

    /// The five terms of a claim's score.
    fn claim_terms(
        &self,
        doc: &str,
        key: &crate::claims::ClaimKey,
        verdict: &ClaimVerdict,
        intrinsic: f64,
    ) -> Vec<Signal> {
        let at = |s: &str| vec![crate::signal::at(doc, key.start, key.end, s)];
        let mut local = 1.0;
        let mut local_notes = Vec::new();
        if key.damaged {
            local -= 0.6;
            local_notes.push("machine-translation artifact in the sentence");
        }
        if verdict.misspelt {
            local -= 0.3;
            local_notes.push("minority spelling of a name in the sentence");
        }
        if local_notes.is_empty() {
            local_notes.push("no damage in the sentence");
        }
        let mut terms = vec![
            scored(
                "source",
                intrinsic / 100.0,
                vec![note(
                    doc,
                    format!("the document's score from its own signals, before corroboration and contradiction: {}", round1(intrinsic)),
                )],
            ),
            scored("attribution", key.attribution.0, at(&key.attribution.1)),
            scored("local_quality", local, at(&local_notes.join("; "))),
        ];
        if verdict.has_peers {
            let support: f64 = verdict.support.iter().map(|w| w.weight).sum();
            let against: f64 = verdict.contradiction.iter().map(|w| w.weight).sum();
            let evidence = |list: &[crate::corpus::Witness], none: &str| {
                if list.is_empty() {
                    vec![note(doc, none)]
                } else {
                    list.iter().map(|w| w.evidence.clone()).collect()
                }
            };
            terms.push(scored(
                "corroboration",
                1.0 - (-support / 100.0).exp(),
                evidence(&verdict.support, "no independent support"),
            ));
            terms.push(scored(
                "consistency",
                (-against / 100.0).exp(),
                evidence(&verdict.contradiction, "no independent contradiction"),
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
}

impl CorpusStage for ScoreReliability {
    fn needs_full_view(&self) -> bool {
        true
    }

    fn observe(&mut self, docs: &mut [Document]) -> Result<(), StageError> {
        let (config, holders) = (&self.config, &self.holders);
        let facts: Vec<DocFacts> = docs
            .par_iter()
            .map(|d| observe(d, config, holders))
            .collect();
        for f in facts {
            self.by_id.entry(f.id.clone()).or_insert(self.facts.len());
            self.facts.push(f);
        }
        Ok(())
    }

    fn prepare(&mut self) -> Result<(), StageError> {
        self.verdicts = judge(&self.facts, &self.config);
        Ok(())
    }

    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        let this = &*self;
        docs.par_iter_mut()
            .for_each(|doc| match this.by_id.get(&doc.id) {
                Some(&i) => this.score(doc, &this.facts[i], &this.verdicts[i]),
                None => {
                    // Not seen in the first pass (a stage in between added it): judge it alone.
                    let facts = observe(doc, &this.config, &this.holders);
                    let verdict = judge(std::slice::from_ref(&facts), &this.config).remove(0);
                    this.score(doc, &facts, &verdict);
                }
            });
        Ok(vec![Disposition::Keep; docs.len()])
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
        let mut stage = ScoreReliability::new(ReliabilityConfig::default()).unwrap();
        stage.observe(&mut docs).unwrap();
        stage.prepare().unwrap();
        stage.apply(&mut docs).unwrap();
        docs
    }

    fn claim(docs: &[Document], id: &str) -> ClaimReliability {
        let doc = docs.iter().find(|d| d.id == id).unwrap();
        doc.claims[0].reliability.clone().unwrap()
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
            "attribution",
            "direct_quotes",
        ] {
            let s = r.signals.iter().find(|s| s.name == name).unwrap();
            assert!(!s.applicable, "{name} is not applicable");
        }
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
    fn empty_and_odd_text_do_not_panic() {
        let odd = "\u{feff}“ -x Lt.-g é\u{0301}".to_owned();
        let docs = run(vec![
            Document::new("e", Default::default(), String::new()),
            Document::new("o", Default::default(), odd),
        ]);
        assert!(docs.iter().all(|d| d.reliability.is_some()));
    }
}
