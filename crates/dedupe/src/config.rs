//! The stage's YAML configuration and the parameters it resolves to.

use newspipe_core::ConfigIssue;
use serde::{Deserialize, Serialize};

/// A starting point for the near-duplicate pass; every parameter can still be set by hand.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Clean digital reposts: 2-word shingles, 128 permutations, candidates from Jaccard
    /// 0.2, 5-gram containment 0.7, a 7-day window.
    #[default]
    Clean,
    /// OCR-damaged, abridged and retitled reprints: 2-word shingles, 128 permutations,
    /// candidates from Jaccard 0.2, 5-gram containment 0.7, a 30-day window.
    Noisy,
}

/// What to do with documents that are not their cluster's representative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Keep every document and annotate it.
    #[default]
    Mark,
    /// Remove non-representatives; the runner records each in the `dropped` file.
    Drop,
}

/// The lowest similarity LSH bands are tuned for, whatever the threshold.
const LSH_FLOOR: f64 = 0.2;

/// `dedupe:` in a pipeline. Keys left out (or `null`) take the preset's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DedupeConfig {
    /// `clean` (default) or `noisy`.
    pub preset: Preset,
    /// `mark` (default) keeps all documents; `drop` removes non-representatives.
    pub action: Action,
    /// Words per shingle (clean 5, noisy 2).
    pub shingle_words: Option<usize>,
    /// MinHash permutations (128) the LSH bands are chosen for; only the `bands·rows` of
    /// them that the bands read are computed.
    pub num_perm: Option<usize>,
    /// Jaccard similarity of word-shingle sets that the LSH bands are tuned for: pairs
    /// above it become candidates (0.2; a low value, since cut and damaged copies share few
    /// shingles and every candidate is verified).
    pub threshold: Option<f64>,
    /// Share of the shorter text's character 5-grams the other must contain for a
    /// candidate pair to be copies (0.7).
    pub containment: Option<f64>,
    /// Documents with fewer words take part only in the exact pass (10).
    pub min_words: Option<usize>,
    /// Copies must be published within this many days of each other, when both dates are
    /// known (clean 7: re-sent wire copy; noisy 30: papers reprint stories for weeks).
    pub date_window_days: Option<u32>,
    /// Smallest share of the numbers of the document with fewer numbers that the other must
    /// also contain; guards against templated stories that differ only in their figures
    /// (clean 0.67, noisy 0.3: OCR damage breaks numbers too; 0 turns the guard off).
    pub number_overlap: Option<f64>,
    /// Link rewrites and translations that share rare facts as `derived` (default true).
    pub derived: bool,
    /// Weighted share of rare facts two documents must share to be `derived` (default 0.55).
    pub derived_threshold: f64,
    /// Fewest rare facts two documents must share to be `derived` (default 6).
    pub derived_min_shared: usize,
}

impl Default for DedupeConfig {
    fn default() -> Self {
        Self {
            preset: Preset::Clean,
            action: Action::Mark,
            shingle_words: None,
            num_perm: None,
            threshold: None,
            containment: None,
            min_words: None,
            date_window_days: None,
            number_overlap: None,
            derived: true,
            derived_threshold: 0.55,
            derived_min_shared: 6,
        }
    }
}

/// Every parameter with the preset applied and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Words per shingle, at least 1.
    pub shingle_words: usize,
    /// MinHash permutations, 8 to 1024.
    pub num_perm: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows (signature slots) per band.
    pub rows: usize,
    /// Jaccard the LSH bands are tuned for.
    pub threshold: f64,
    /// Containment threshold of the verification.
    pub containment: f64,
    /// Minimum words for the near-duplicate and derived passes.
    pub min_words: usize,
    /// Publication-date window in days.
    pub date_window_days: u32,
    /// Number-overlap guard.
    pub number_overlap: f64,
    /// Whether the derived pass runs.
    pub derived: bool,
    /// Derived score threshold.
    pub derived_threshold: f64,
    /// Derived minimum shared facts.
    pub derived_min_shared: usize,
    /// Keep or drop non-representatives.
    pub action: Action,
}

impl DedupeConfig {
    /// Applies the preset, checks ranges, and picks LSH bands for the threshold.
    pub fn resolve(&self) -> Result<Params, ConfigIssue> {
        let (shingle, perms, threshold, containment, min_words, numbers, days) = match self.preset {
            Preset::Clean => (2, 128, 0.2, 0.7, 10, 0.67, 7),
            Preset::Noisy => (2, 128, 0.2, 0.7, 10, 0.3, 30),
        };
        let shingle_words = self.shingle_words.unwrap_or(shingle);
        let num_perm = self.num_perm.unwrap_or(perms);
        let threshold = self.threshold.unwrap_or(threshold);
        let containment = self.containment.unwrap_or(containment);
        let number_overlap = self.number_overlap.unwrap_or(numbers);
        if !(1..=16).contains(&shingle_words) {
            return Err(issue(
                "shingle_words",
                format!("must be 1 to 16, got {shingle_words}"),
            ));
        }
        if !(8..=1024).contains(&num_perm) {
            return Err(issue(
                "num_perm",
                format!("must be 8 to 1024, got {num_perm}"),
            ));
        }
        for (name, value) in [
            ("threshold", threshold),
            ("containment", containment),
            ("number_overlap", number_overlap),
            ("derived_threshold", self.derived_threshold),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(issue(name, format!("must be between 0 and 1, got {value}")));
            }
        }
        // Below 0.2, chance collisions of common word pairs would flood the candidates of a
        // large corpus with pairs the verification then has to refuse.
        let (bands, rows) = crate::minhash::optimal_bands(threshold.max(LSH_FLOOR), num_perm);
        Ok(Params {
            shingle_words,
            num_perm,
            bands,
            rows,
            threshold,
            containment,
            min_words: self.min_words.unwrap_or(min_words),
            date_window_days: self.date_window_days.unwrap_or(days),
            number_overlap,
            derived: self.derived,
            derived_threshold: self.derived_threshold,
            derived_min_shared: self.derived_min_shared.max(1),
            action: self.action,
        })
    }
}

/// A problem with the value of one key.
fn issue(key: &str, problem: String) -> ConfigIssue {
    ConfigIssue {
        path: vec![key.to_string()],
        message: format!("`{key}` {problem}"),
        unknown_key: None,
        expected: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_differ_and_overrides_win() {
        let clean = DedupeConfig::default().resolve().unwrap();
        assert_eq!((clean.shingle_words, clean.num_perm), (2, 128));
        let noisy = DedupeConfig {
            preset: Preset::Noisy,
            threshold: Some(0.4),
            ..DedupeConfig::default()
        }
        .resolve()
        .unwrap();
        assert_eq!((noisy.shingle_words, noisy.num_perm), (2, 128));
        assert_eq!(noisy.threshold, 0.4);
        assert_eq!(noisy.containment, 0.7, "from the preset");
        assert!(noisy.bands * noisy.rows <= 128);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let bad = DedupeConfig {
            threshold: Some(1.5),
            ..DedupeConfig::default()
        };
        assert_eq!(bad.resolve().unwrap_err().path, ["threshold"]);
        let bad = DedupeConfig {
            num_perm: Some(2),
            ..DedupeConfig::default()
        };
        assert_eq!(bad.resolve().unwrap_err().path, ["num_perm"]);
    }
}
