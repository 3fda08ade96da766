//! The main-text quality metric of the public article-extraction benchmark, ported from
//! `shared/tools/score_extraction.py` so tests and benchmarks can score extractions in Rust.
//!
//! Tokens are maximal runs of word characters (letters, digits, underscore; case kept). Each
//! text becomes a multiset of word 4-gram shingles (a text shorter than 4 tokens is a single
//! shingle). Per page, tp, fp and fn are counted on the multisets and divided by tp+fp+fn;
//! precision is the mean over pages with a non-empty prediction, recall the mean over pages with
//! a non-empty gold, and F1 the harmonic mean of the two means.

use std::collections::HashMap;

/// Shingle size of the benchmark metric.
const SHINGLE: usize = 4;

/// Per-page counts, each divided by `tp + fp + fn`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PageCounts {
    /// Shingles in both texts.
    pub tp: f64,
    /// Shingles only in the prediction.
    pub fp: f64,
    /// Shingles only in the gold.
    pub fn_: f64,
}

impl PageCounts {
    /// Precision of this page, `None` when the prediction has no shingles.
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0.0).then(|| self.tp / (self.tp + self.fp))
    }

    /// Recall of this page, `None` when the gold has no shingles.
    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0.0).then(|| self.tp / (self.tp + self.fn_))
    }
}

/// Corpus-level scores: macro precision and recall and their harmonic mean.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Harmonic mean of `precision` and `recall`.
    pub f1: f64,
    /// Mean page precision over pages with a non-empty prediction.
    pub precision: f64,
    /// Mean page recall over pages with a non-empty gold.
    pub recall: f64,
}

/// Splits a text into the metric's tokens: maximal runs of letters, digits and `_`.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(&text[s..i]);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Python's `\w`: Unicode letters and numbers, plus the underscore.
fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The multiset of word 4-gram shingles of a token list.
fn shingles<'a>(toks: &[&'a str]) -> HashMap<Vec<&'a str>, usize> {
    let mut bag = HashMap::new();
    if toks.is_empty() {
        return bag;
    }
    if toks.len() < SHINGLE {
        bag.insert(toks.to_vec(), 1);
        return bag;
    }
    for window in toks.windows(SHINGLE) {
        *bag.entry(window.to_vec()).or_insert(0) += 1;
    }
    bag
}

/// Scores one page's prediction against its gold text.
pub fn page_counts(gold: &str, pred: &str) -> PageCounts {
    let gold_toks = tokens(gold);
    let pred_toks = tokens(pred);
    let gold_bag = shingles(&gold_toks);
    let pred_bag = shingles(&pred_toks);
    let gold_total: usize = gold_bag.values().sum();
    let pred_total: usize = pred_bag.values().sum();
    let tp: usize = pred_bag
        .iter()
        .map(|(k, n)| (*n).min(gold_bag.get(k).copied().unwrap_or(0)))
        .sum();
    let (fp, fn_) = (pred_total - tp, gold_total - tp);
    let total = (tp + fp + fn_) as f64;
    if total == 0.0 {
        return PageCounts::default();
    }
    PageCounts {
        tp: tp as f64 / total,
        fp: fp as f64 / total,
        fn_: fn_ as f64 / total,
    }
}

/// Macro precision, recall and F1 over pages.
pub fn aggregate(pages: &[PageCounts]) -> Scores {
    let mean = |values: Vec<f64>| {
        if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        }
    };
    let precision = mean(pages.iter().filter_map(PageCounts::precision).collect());
    let recall = mean(pages.iter().filter_map(PageCounts::recall).collect());
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        f1,
        precision,
        recall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_runs_of_word_characters() {
        assert_eq!(
            tokens("Don’t stop—at 3.5% _x_ Ünïcode!"),
            ["Don", "t", "stop", "at", "3", "5", "_x_", "Ünïcode"]
        );
    }

    #[test]
    fn identical_texts_score_one_and_disjoint_zero() {
        let gold = "one two three four five six";
        let same = page_counts(gold, "one  two\nthree four, five six");
        assert_eq!((same.tp, same.fp, same.fn_), (1.0, 0.0, 0.0));
        let other = page_counts(gold, "seven eight nine ten");
        assert_eq!(other.tp, 0.0);
        assert_eq!(aggregate(&[same]).f1, 1.0);
    }

    #[test]
    fn counts_follow_the_multiset_definition() {
        // gold: 3 shingles (a b c d, b c d e, c d e f); pred: a b c d, b c d e, c d e x.
        let page = page_counts("a b c d e f", "a b c d e x");
        assert!((page.tp - 2.0 / 4.0).abs() < 1e-12);
        assert!((page.fp - 1.0 / 4.0).abs() < 1e-12);
        assert_eq!(page.precision(), Some(2.0 / 3.0));
        // A short text is one shingle of all its tokens.
        assert_eq!(page_counts("a b", "a b").tp, 1.0);
    }

    #[test]
    fn empty_prediction_counts_for_recall_only() {
        let empty = page_counts("a b c d", "");
        assert_eq!(empty.precision(), None);
        assert_eq!(empty.recall(), Some(0.0));
        let full = page_counts("a b c d", "a b c d");
        let scores = aggregate(&[empty, full]);
        assert_eq!(scores.precision, 1.0);
        assert_eq!(scores.recall, 0.5);
    }
}
