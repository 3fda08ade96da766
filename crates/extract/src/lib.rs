//! # newspipe-extract: the `extract` stage
//!
//! **What it does.** Reads each document's `text` and fills its annotations:
//! - `entities[]`: people, organizations and places (`kind`, `text`, `canonical`, `role`,
//!   `start`, `end`). The span covers the name only; a title stated before it goes to `role`
//!   ("Lt.-Gen. Steve Boivin" → text "Steve Boivin", role "Lt.-Gen.").
//! - `dates[]`: absolute, partial, relative and anaphoric dates with an ISO `value` resolved
//!   against `meta.published` (or a header date the document states), `null` when unresolvable.
//! - `quantities[]`: counts, money with currency, percentages, distances and durations, with
//!   `value` (a number or `[low, high]`), `unit` and `qualifier`.
//! - `quotes[]`: direct and indirect quotes with the mention their attribution names
//!   (`source_start`/`source_end`: "he", "the spokeswoman") and the `speaker`'s canonical
//!   name with the mention that source resolved to (`speaker_start`/`speaker_end`).
//! - `claims[]`: checkable sentences with their speaker, hedging, entities and quantities.
//!
//! Across the corpus, spelling variants ("Zelensky"/"Zelenskyy", "Keir Starrer"/"Keir
//! Starmer") and surname-only mentions ("Boivin") become one canonical entity; the spelling
//! used by most independent witnesses (dedupe clusters when dedupe ran, else documents) wins.
//! Each document that names such an entity gets `extra.entity_variants`: a list of
//! [`EntityVariants`] saying which spelling it uses, whether that is a minority variant, and
//! which documents use each spelling.
//!
//! Name lists (places, organizations, titles, nationality adjectives, given names) ship in
//! `data/` with their sources and licences; rules over capitalization and context find names
//! no list knows. It works on any text, normalized or not.
//!
//! **When to use.** After `normalize` and `dedupe`, before `score-reliability`.
//!
//! **Example YAML.**
//! ```yaml
//! stages:
//!   - extract: { canonicalize: true, max_edit_distance: 2, header_dates: true }
//! ```

mod calendar;
mod canonical;
mod claims;
mod config;
mod dates;
mod entities;
mod lexicon;
mod lower;
mod ner;
mod ner_train;
mod numbers;
mod pipeline;
mod quantities;
mod quotes;
mod split;
mod stage;
mod text;

use newspipe_core::{StageFactory, StageInstance};

pub use canonical::{CanonicalMap, EntityVariants, NameIndex, VariantUse};
pub use claims::ClaimFound;
pub use config::ExtractConfig;
pub use dates::DateFound;
pub use entities::Mention;
pub use ner_train::{score_entities, train_ner, Scores, TrainConfig};
pub use pipeline::{extract, Extraction};
pub use quantities::QuantityFound;
pub use quotes::QuoteFound;
pub use stage::{ExtractStage, VARIANTS_KEY};

/// Registers the `extract` stage under its YAML name.
pub fn factory() -> StageFactory {
    StageFactory::new::<ExtractConfig>(
        "extract",
        "entities, dates, quantities, quotes with speakers and claims; canonical names across the corpus",
        |config, _cx| Ok(StageInstance::corpus(ExtractStage::new(config))),
    )
    .describing_keys::<ExtractConfig>()
    .annotating_text()
}
