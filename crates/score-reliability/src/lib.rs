//! # newspipe-score-reliability: the `score-reliability` stage
//!
//! **What it does.** Gives every document and every extracted claim an explainable 0–100
//! score: a weighted sum of named signals, each a sub-score in [0, 1] with the evidence that
//! moved it (spans into `text`, or into another document for cross-document evidence).
//!
//! Document signals: `attribution` (reported speech), `direct_quotes` (with speakers),
//! `anonymous_sourcing`, `hedging`, `byline`, `residual_boilerplate` (page furniture left in
//! the text), `mt_artifacts` (split compounds, mid-word capitals, rank abbreviations in lower
//! case; a slip or two is a typo), `sensationalism` (shouting or exclaiming headlines, exclamations),
//! `name_consistency` (minority spellings against the corpus), `date_consistency` (header,
//! byline, id and office holders' tenures), `originality` (copy, repost, rewrite, aggregator
//! disclaimer), `corroboration` and `contradiction` (claims matched across **independent
//! clusters**: the documents of one dedupe cluster are one witness, so copies never add
//! support). A signal that cannot be computed is reported with `applicable: false` and the
//! others are rescaled. In `mode: current` a report much older than the corpus's newest
//! consistent date is discounted (the `currency` signal, weight 0, multiplies the score).
//!
//! Claim terms: `source` (the document's score without its corpus signals), `attribution`,
//! `local_quality` (damage inside the sentence), `corroboration` and `consistency`.
//!
//! **Memory.** `observe` writes each document's own signals on the document (a provisional
//! `reliability`, finished by `apply`), so they wait in the runner's spool, not in the stage.
//! Between the passes the stage keeps only compact keys: ids in one arena, clusters and
//! person names interned to `u32`, 32-bit hashes of the entities and words of the claims that
//! can match another claim, one byte per claim, dates and sums of the own signals — about
//! 0.8 KB per 11 KB news document. Each document's corpus signals and claim verdicts are
//! worked out when `apply` reaches it, so no other document's evidence is held.
//!
//! **When to use.** After `normalize`, `dedupe` and `extract` (it reads their output), before
//! `export`. Without them it still scores, with fewer signals applicable.
//!
//! **Example YAML.**
//! ```yaml
//! stages:
//!   - score-reliability:
//!       mode: current            # or archival: no discount for age
//!       reference_date: null     # or 2025-03-06; null finds it from the corpus
//!       weights: { corroboration: 14, mt_artifacts: 12 }   # the others keep their defaults
//! ```
//!
//! **Output fields.** `reliability.score`, `reliability.band` (`high`, `medium`, `low`),
//! `reliability.signals[]` (`name`, `score`, `weight`, `applicable`, `evidence[]` with `doc`,
//! `start`, `end`, `note`), and `claims[].reliability` (`score`, `band`, `supported_by`,
//! `contradicted_by`, `signals`).

mod calendar;
mod claims;
mod combine;
mod compact;
mod config;
mod corpus;
mod dating;
mod facts;
mod index;
mod lexicon;
mod names;
mod presentation;
mod signal;
mod sourcing;
mod split;
mod stage;
mod tenure;

use newspipe_core::{BuildError, StageFactory, StageInstance};

pub use config::{Bands, ClaimWeights, Currency, Mode, ReliabilityConfig, Thresholds, Weights};
pub use presentation::{find_artifacts, translation_residue, Artifact};
pub use stage::ScoreReliability;

/// Registers the `score-reliability` stage under its YAML name.
pub fn factory() -> StageFactory {
    StageFactory::new::<ReliabilityConfig>(
        "score-reliability",
        "explainable 0-100 reliability scores for documents and claims, with corroboration over independent clusters",
        |mut config, cx| {
            if let Some(path) = config.office_holders.as_deref().filter(|p| !p.is_empty()) {
                config.office_holders = Some(cx.resolve(path).to_string_lossy().into_owned());
            }
            let stage = ScoreReliability::new(config).map_err(BuildError::Setup)?;
            Ok(StageInstance::corpus(stage))
        },
    )
    .describing_keys::<ReliabilityConfig>()
    .annotating_text()
}
