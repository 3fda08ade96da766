//! Training of the entity model ([`crate::ner`]) on CoNLL-2003 files: each document's
//! sentences become text the way `dev_eval.py` feeds them (tokens joined by spaces, a sentence
//! a line), the text goes through the same tokenizer and features as at run time, and an
//! averaged perceptron learns the tags. Deterministic: one thread, a fixed document order per
//! epoch.

use std::time::Instant;

use crate::ner::{argmax, spans, tag_document, DocumentFeatures, Model, Scorer, WordCache};
use crate::ner::{TAGS, TAG_COUNT};
use crate::text::Analysis;

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    /// Passes over the training documents.
    pub epochs: usize,
    /// log2 of the number of weight rows (hash buckets).
    pub rows_log2: u32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 20,
            rows_log2: 17,
        }
    }
}

/// One document of a CoNLL file as text with its gold tags per tokenizer token.
struct TrainingDocument {
    text: String,
    /// Gold entities as (type 1..=4, start byte, end byte).
    gold: Vec<(usize, usize, usize)>,
}

/// Reads a CoNLL-2003 file (IOB1 or IOB2 tags in the last column) into documents.
fn read_conll(data: &str) -> Vec<TrainingDocument> {
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut gold: Vec<(usize, usize, usize)> = Vec::new();
    let mut in_sentence = false;
    let mut open: Option<usize> = None;
    let close_doc = |text: &mut String, gold: &mut Vec<_>, docs: &mut Vec<TrainingDocument>| {
        if !text.is_empty() {
            docs.push(TrainingDocument {
                text: std::mem::take(text),
                gold: std::mem::take(gold),
            });
        }
    };
    for line in data.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            in_sentence = false;
            open = None;
            continue;
        }
        if parts[0] == "-DOCSTART-" {
            close_doc(&mut text, &mut gold, &mut docs);
            in_sentence = false;
            open = None;
            continue;
        }
        if !text.is_empty() {
            text.push(if in_sentence { ' ' } else { '\n' });
        }
        in_sentence = true;
        let start = text.len();
        text.push_str(parts[0]);
        let tag = parts[parts.len() - 1];
        let kind = match tag.get(2..) {
            Some("PER") => 1,
            Some("ORG") => 2,
            Some("LOC") => 3,
            Some("MISC") => 4,
            _ => 0,
        };
        if kind == 0 {
            open = None;
            continue;
        }
        match open {
            Some(g) if gold[g].0 == kind && !tag.starts_with("B-") => gold[g].2 = text.len(),
            _ => {
                open = Some(gold.len());
                gold.push((kind, start, text.len()));
            }
        }
    }
    close_doc(&mut text, &mut gold, &mut docs);
    docs
}

/// The gold tag of each tokenizer token: inside a gold entity it is B- on the entity's first
/// token and I- after.
fn gold_tags(a: &Analysis, gold: &[(usize, usize, usize)]) -> Vec<usize> {
    let mut tags = vec![0; a.tokens.len()];
    for &(kind, start, end) in gold {
        let first = a.token_containing(start);
        for (k, tag) in tags.iter_mut().enumerate().skip(first) {
            if a.tokens[k].start >= end {
                break;
            }
            *tag = 2 * kind - usize::from(k == first);
        }
    }
    tags
}

/// Weights being trained, with the running sums that turn them into averages.
struct Perceptron {
    weights: Vec<f32>,
    totals: Vec<f32>,
    mask: u64,
    step: f32,
}

impl Scorer for Perceptron {
    fn best(&self, features: &[u64]) -> usize {
        let mut scores = [0f32; TAG_COUNT];
        for &f in features {
            let row = ((f & self.mask) as usize) * TAG_COUNT;
            for (s, w) in scores.iter_mut().zip(&self.weights[row..row + TAG_COUNT]) {
                *s += w;
            }
        }
        argmax(&scores)
    }
}

impl Perceptron {
    fn new(rows_log2: u32) -> Self {
        let size = TAG_COUNT << rows_log2;
        Self {
            weights: vec![0.0; size],
            totals: vec![0.0; size],
            mask: (1u64 << rows_log2) - 1,
            step: 1.0,
        }
    }

    fn update(&mut self, features: &[u64], gold: usize, guess: usize) {
        for &f in features {
            let row = ((f & self.mask) as usize) * TAG_COUNT;
            for (tag, delta) in [(gold, 1.0f32), (guess, -1.0)] {
                self.weights[row + tag] += delta;
                self.totals[row + tag] += self.step * delta;
            }
        }
    }

    /// The averaged weights: w − totals / steps.
    fn averaged(&self) -> Vec<f32> {
        self.weights
            .iter()
            .zip(&self.totals)
            .map(|(w, t)| w - t / self.step)
            .collect()
    }

    /// One greedy pass over a document, updating on every wrong tag; the features see the
    /// tags predicted so far, as at run time.
    fn train_document(
        &mut self,
        doc: &mut DocumentFeatures,
        gold: &[usize],
        a: &Analysis,
        words: &mut WordCache,
    ) {
        let mut tags: Vec<usize> = Vec::with_capacity(gold.len());
        let mut history = rustc_hash::FxHashMap::default();
        let mut features = Vec::with_capacity(48);
        for i in 0..doc.len() {
            let first = doc.sentence_first(i);
            let prev = [
                if i > first { tags[i - 1] } else { 0 },
                if i > first + 1 { tags[i - 2] } else { 0 },
            ];
            if prev[0] == 0 && !doc.may_begin(i) {
                tags.push(0);
                continue;
            }
            let key = doc.prepare(a, i, words);
            let seen = history.get(&key).copied().unwrap_or(0);
            doc.features(a, i, prev, seen, &mut features);
            let guess = self.best(&features);
            if guess != gold[i] {
                self.update(&features, gold[i], guess);
            }
            self.step += 1.0;
            if guess != 0 {
                history.insert(key, crate::ner::tag_type(guess));
            }
            tags.push(guess);
        }
    }
}

/// Entity-level precision, recall and F1 per reported type (PER, ORG, LOC) and overall.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// True positives, predictions and gold entities for PER, ORG, LOC.
    pub counts: [[usize; 3]; 3],
}

impl Scores {
    /// F1 (0–100) of one type (0 PER, 1 ORG, 2 LOC), or of all three with `None`.
    pub fn f1(&self, kind: Option<usize>) -> f64 {
        let [tp, pred, gold] = match kind {
            Some(k) => self.counts[k],
            None => [0, 1, 2].map(|j| self.counts.iter().map(|c| c[j]).sum()),
        };
        if tp == 0 {
            return 0.0;
        }
        let (p, r) = (tp as f64 / pred as f64, tp as f64 / gold as f64);
        200.0 * p * r / (p + r)
    }

    /// One line: overall F1 and each type's.
    pub fn summary(&self) -> String {
        format!(
            "F1 {:.2} (PER {:.2}, ORG {:.2}, LOC {:.2})",
            self.f1(None),
            self.f1(Some(0)),
            self.f1(Some(1)),
            self.f1(Some(2))
        )
    }
}

fn evaluate(docs: &mut [Prepared], words: &mut WordCache, scorer: &impl Scorer) -> Scores {
    let mut scores = Scores::default();
    for d in docs {
        let a = Analysis::new(&d.source.text);
        let tags = tag_document(&mut d.features, &a, words, scorer);
        let predicted: Vec<(usize, usize, usize)> = spans(&tags, &a)
            .into_iter()
            .filter(|s| s.0 <= 3)
            .map(|(k, f, l)| (k, a.tokens[f].start, a.tokens[l - 1].end))
            .collect();
        for k in 1..=3 {
            let p: Vec<_> = predicted.iter().filter(|s| s.0 == k).collect();
            let g: Vec<_> = d.source.gold.iter().filter(|s| s.0 == k).collect();
            let c = &mut scores.counts[k - 1];
            c[0] += p.iter().filter(|s| g.contains(s)).count();
            c[1] += p.len();
            c[2] += g.len();
        }
    }
    scores
}

/// Scores the whole entity pass of the extract stage (model, lists and rules together, one
/// document at a time) on a CoNLL-2003 file, the way `dev_eval.py ner` scores the binary
/// (minus corpus canonicalization, which changes no span or kind).
pub fn score_entities(conll: &str) -> Scores {
    let mut scores = Scores::default();
    for doc in read_conll(conll) {
        let a = Analysis::new(&doc.text);
        let found = crate::entities::find_entities(&a);
        for (k, kind) in [
            newspipe_core::EntityKind::Person,
            newspipe_core::EntityKind::Organization,
            newspipe_core::EntityKind::Place,
        ]
        .into_iter()
        .enumerate()
        {
            let predicted: Vec<(usize, usize)> = found
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| (m.start, m.end))
                .collect();
            let gold: Vec<(usize, usize)> = doc
                .gold
                .iter()
                .filter(|g| g.0 == k + 1)
                .map(|g| (g.1, g.2))
                .collect();
            let c = &mut scores.counts[k];
            c[0] += predicted.iter().filter(|p| gold.contains(p)).count();
            c[1] += predicted.len();
            c[2] += gold.len();
        }
    }
    scores
}

/// A document with its features and gold tags computed once.
struct Prepared {
    source: TrainingDocument,
    features: DocumentFeatures,
    tags: Vec<usize>,
}

fn prepare(data: &str, words: &mut WordCache) -> Vec<Prepared> {
    read_conll(data)
        .into_iter()
        .map(|source| {
            let a = Analysis::new(&source.text);
            let (listed, titles) = crate::entities::model_lexicon(&a);
            let features = DocumentFeatures::new(&a, &listed, &titles, words);
            let tags = gold_tags(&a, &source.gold);
            debug_assert!(tags.iter().all(|&t| t < TAGS.len()));
            Prepared {
                source,
                features,
                tags,
            }
        })
        .collect()
}

/// Trains a model on `train` (CoNLL-2003 text), printing the score on `dev` after each
/// epoch through `log`; returns the compressed model file and the final dev scores.
pub fn train_ner(
    train: &str,
    dev: &str,
    config: TrainConfig,
    log: &mut dyn FnMut(String),
) -> std::io::Result<(Vec<u8>, Scores)> {
    let started = Instant::now();
    // one cache for the whole training run: the documents' features point into it
    let mut words = WordCache::default();
    let mut train_docs = prepare(train, &mut words);
    let mut dev_docs = prepare(dev, &mut words);
    let tokens: usize = train_docs.iter().map(|d| d.tags.len()).sum();
    log(format!(
        "{} training documents ({tokens} tokens), {} dev documents; features in {:.1}s",
        train_docs.len(),
        dev_docs.len(),
        started.elapsed().as_secs_f64()
    ));
    let mut model = Perceptron::new(config.rows_log2);
    let mut order: Vec<usize> = (0..train_docs.len()).collect();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for epoch in 1..=config.epochs {
        // Fisher-Yates with a fixed xorshift sequence: the same order on every run
        for k in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(k, (seed % (k as u64 + 1)) as usize);
        }
        for &d in &order {
            let doc = &mut train_docs[d];
            let a = Analysis::new(&doc.source.text);
            model.train_document(&mut doc.features, &doc.tags, &a, &mut words);
        }
        let averaged = Perceptron {
            weights: model.averaged(),
            totals: Vec::new(),
            mask: model.mask,
            step: 1.0,
        };
        log(format!(
            "epoch {epoch}: dev {} after {:.1}s",
            evaluate(&mut dev_docs, &mut words, &averaged).summary(),
            started.elapsed().as_secs_f64()
        ));
    }
    let bytes = Model::to_gzip(&model.averaged())?;
    let shipped = Model::from_gzip(&bytes)?;
    let scores = evaluate(&mut dev_docs, &mut words, &shipped);
    log(format!(
        "quantized model: dev {}, {:.1} MB, {:.1}s in all",
        scores.summary(),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    ));
    Ok((bytes, scores))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\
        German JJ I-NP I-MISC\ncall NN I-NP O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n\
        -DOCSTART- -X- O O\n\nLONDON NNP I-NP I-LOC\n1996-08-30 CD I-NP O\n";

    #[test]
    fn conll_documents_become_text_with_gold_spans() {
        let docs = read_conll(SAMPLE);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].text, "EU rejects German call\nPeter Blackburn");
        assert_eq!(docs[0].gold, [(2, 0, 2), (4, 11, 17), (1, 23, 38)]);
        let a = Analysis::new(&docs[0].text);
        assert_eq!(gold_tags(&a, &docs[0].gold), [3, 0, 7, 0, 1, 2]);
        assert_eq!(docs[1].text, "LONDON 1996-08-30");
    }

    #[test]
    fn training_is_deterministic_and_learns_the_sample() {
        let config = TrainConfig {
            epochs: 3,
            rows_log2: 12,
        };
        let run = || train_ner(SAMPLE, SAMPLE, config, &mut |_| {}).unwrap();
        let (first, scores) = run();
        let (second, _) = run();
        assert_eq!(first, second);
        assert!(scores.f1(None) > 99.0, "{}", scores.summary());
    }
}
