//! The stage's YAML configuration: mode, reference date, weights, thresholds and bands, with
//! defaults that need no tuning.

use serde::{Deserialize, Serialize};

/// Whether old reports are discounted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reports much older than the corpus's newest consistent date are discounted.
    #[default]
    Current,
    /// No discount for age: the score rates a report as a record of its own time.
    Archival,
}

/// The `score-reliability` stage's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReliabilityConfig {
    /// `current` (default) or `archival`.
    pub mode: Mode,
    /// The date "now" for currency, `YYYY-MM-DD`; `None` finds it from the corpus (the newest
    /// publication date whose evidence is consistent).
    pub reference_date: Option<String>,
    /// Weights of the document signals; rescaled over the applicable ones.
    pub weights: Weights,
    /// Weights of the claim terms; rescaled over the applicable ones.
    pub claim_weights: ClaimWeights,
    /// Points-to-band cut-offs.
    pub bands: Bands,
    /// How age discounts a report in `current` mode.
    pub currency: Currency,
    /// Where each signal's sub-score reaches 0 or 1.
    pub thresholds: Thresholds,
    /// A file of office holders (`person<TAB>role words<TAB>start<TAB>end`) used to date
    /// documents; `None` uses the small built-in list, `""` disables dating by office holders.
    pub office_holders: Option<String>,
}

impl Default for ReliabilityConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Current,
            reference_date: None,
            weights: Weights::default(),
            claim_weights: ClaimWeights::default(),
            bands: Bands::default(),
            currency: Currency::default(),
            thresholds: Thresholds::default(),
            office_holders: None,
        }
    }
}

/// Weights of the thirteen document signals (any non-negative numbers; only ratios matter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Statements attributed to named people or organizations.
    pub attribution: f64,
    /// Direct quotes with an identified speaker.
    pub direct_quotes: f64,
    /// Few anonymous sources relative to named ones.
    pub anonymous_sourcing: f64,
    /// No pervasive hedging.
    pub hedging: f64,
    /// A named author.
    pub byline: f64,
    /// No page furniture left in the text.
    pub residual_boilerplate: f64,
    /// No machine-translation residue.
    pub mt_artifacts: f64,
    /// No shouting or exclaiming headline, no exclamations in the reporter's text.
    pub sensationalism: f64,
    /// Names spelt as the independent witnesses of the corpus spell them.
    pub name_consistency: f64,
    /// Header, byline, id and content dates agree.
    pub date_consistency: f64,
    /// An original report, not a rewrite, repost or aggregator copy.
    pub originality: f64,
    /// Claims supported by independent clusters.
    pub corroboration: f64,
    /// Claims not contradicted by independent clusters.
    pub contradiction: f64,
}

impl Weights {
    /// The document signals, in the order they are reported.
    pub const SIGNALS: [&'static str; 13] = [
        "attribution",
        "direct_quotes",
        "anonymous_sourcing",
        "hedging",
        "byline",
        "residual_boilerplate",
        "mt_artifacts",
        "sensationalism",
        "name_consistency",
        "date_consistency",
        "originality",
        "corroboration",
        "contradiction",
    ];

    /// The configured weight of the signal `name` (0 for an unknown name).
    pub fn get(&self, name: &str) -> f64 {
        match name {
            "attribution" => self.attribution,
            "direct_quotes" => self.direct_quotes,
            "anonymous_sourcing" => self.anonymous_sourcing,
            "hedging" => self.hedging,
            "byline" => self.byline,
            "residual_boilerplate" => self.residual_boilerplate,
            "mt_artifacts" => self.mt_artifacts,
            "sensationalism" => self.sensationalism,
            "name_consistency" => self.name_consistency,
            "date_consistency" => self.date_consistency,
            "originality" => self.originality,
            "corroboration" => self.corroboration,
            "contradiction" => self.contradiction,
            _ => 0.0,
        }
    }
}

impl Default for Weights {
    /// Calibrated on the reliability dev splits (see the README): they add to 100.
    fn default() -> Self {
        Self {
            attribution: 13.0,
            direct_quotes: 9.0,
            anonymous_sourcing: 4.0,
            hedging: 3.0,
            byline: 4.0,
            residual_boilerplate: 4.0,
            mt_artifacts: 9.0,
            sensationalism: 9.0,
            name_consistency: 7.0,
            date_consistency: 13.0,
            originality: 11.0,
            corroboration: 9.0,
            contradiction: 5.0,
        }
    }
}

/// Weights of the terms of a claim's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimWeights {
    /// The document's own score (without its corpus-relative signals).
    pub source: f64,
    /// Who the claim is attributed to, and whether it is hedged.
    pub attribution: f64,
    /// Translation damage or a misspelt name inside the claim.
    pub local_quality: f64,
    /// Support from independent clusters.
    pub corroboration: f64,
    /// No contradiction from independent clusters.
    pub consistency: f64,
}

impl Default for ClaimWeights {
    fn default() -> Self {
        Self {
            source: 30.0,
            attribution: 20.0,
            local_quality: 10.0,
            corroboration: 30.0,
            consistency: 10.0,
        }
    }
}

/// Lowest score of each band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Bands {
    /// From here up: `high`.
    pub high: f64,
    /// From here up to `high`: `medium`; below: `low`.
    pub medium: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Self {
            high: 75.0,
            medium: 50.0,
        }
    }
}

/// The age discount of `current` mode: none within `grace_days` of the reference date, then
/// halved every `half_life_days`, never below `floor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Currency {
    /// Age in days with no discount.
    pub grace_days: f64,
    /// Days over which the factor halves after the grace period.
    pub half_life_days: f64,
    /// The smallest factor.
    pub floor: f64,
    /// When the median dated document is older than this many days, the corpus is an archive
    /// spanning years, not one story, and no document is discounted. `null` turns the guard off.
    pub archive_median_age_days: Option<f64>,
}

impl Default for Currency {
    fn default() -> Self {
        Self {
            grace_days: 365.0,
            half_life_days: 365.0,
            floor: 0.25,
            archive_median_age_days: Some(365.0),
        }
    }
}

/// Where sub-scores saturate. Rates are per 100 (or 1,000) words of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Named attributions per 100 words that earn a full `attribution` score.
    pub attributions_per_100_words: f64,
    /// Direct quotes per 100 words that earn the full quote-rate half of `direct_quotes`.
    pub quotes_per_100_words: f64,
    /// Words a direct quote needs to count.
    pub quote_min_words: usize,
    /// Share of anonymous attributions at which `anonymous_sourcing` reaches 0.
    pub anonymous_share_zero_at: f64,
    /// Hedges per 100 words above which hedging looks pervasive (`hedging` falls to 0 at twice
    /// this rate).
    pub hedges_high_per_100_words: f64,
    /// Share of residual boilerplate in the text at which its part of `residual_boilerplate`
    /// reaches 0.
    pub residual_boilerplate_zero_at: f64,
    /// Share of the input cut by normalize as page furniture at which its part of
    /// `residual_boilerplate` is halved. It never reaches 0, so more chrome always counts,
    /// however much a page already had.
    pub removed_boilerplate_half_at: f64,
    /// Machine-translation artifacts per 1,000 words at which `mt_artifacts` reaches 0.
    pub mt_artifacts_zero_at_per_1000_words: f64,
    /// Exclamation marks outside quotes per 100 words at which the text's part of
    /// `sensationalism` reaches 0.
    pub exclamations_zero_at_per_100_words: f64,
    /// Date candidates this many days apart still agree.
    pub date_agree_days: i64,
    /// Date candidates this many days apart contradict each other.
    pub date_conflict_days: i64,
    /// Share of supported claims that earns a full `corroboration` score.
    pub supported_share_full: f64,
    /// Claims from documents more than this many days apart do not support each other.
    pub support_window_days: i64,
    /// Claims from documents more than this many days apart do not contradict each other:
    /// numbers and office holders change.
    pub contradiction_window_days: i64,
    /// Content-word overlap (shared words over the shorter claim's) two claims need to be
    /// about the same thing.
    pub claim_min_overlap: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            attributions_per_100_words: 1.0,
            quotes_per_100_words: 0.6,
            quote_min_words: 4,
            anonymous_share_zero_at: 0.5,
            hedges_high_per_100_words: 3.0,
            residual_boilerplate_zero_at: 0.2,
            removed_boilerplate_half_at: 0.25,
            mt_artifacts_zero_at_per_1000_words: 8.0,
            exclamations_zero_at_per_100_words: 0.5,
            date_agree_days: 3,
            date_conflict_days: 30,
            supported_share_full: 0.3,
            support_window_days: 365,
            contradiction_window_days: 30,
            claim_min_overlap: 0.3,
        }
    }
}
