//! # newspipe-dedupe
//!
//! **What it does.** Finds copies in a news corpus and groups them into clusters with one
//! representative each, so that later stages count a wire story reposted ten times as one
//! source, not ten.
//!
//! - *Exact*: a hash of a normalized key (lower-cased, punctuation dropped, words re-joined
//!   across line-break hyphens, digits kept).
//! - *Near-duplicate*: MinHash over word shingles with LSH banding; each candidate pair is
//!   verified on the signature-estimated Jaccard (or containment, for abridged copies) and
//!   must pass the guards: a minimum length, overlapping numbers, a publication-date window.
//! - *Syndicated*: credits such as `(MENAFN- The Rio Times)`, `WASHINGTON (AP) —`,
//!   "originally published by", `Source: X` and aggregator disclaimers mark a repost and
//!   name its origin outlet, even when the original is not in the corpus.
//! - *Derived*: rewrites and translations share few words but the same rare facts
//!   (multi-word names, numbers of two or more digits, quoted strings); documents whose
//!   idf-weighted fact sets overlap strongly are linked.
//!
//! Clusters are connected components of the accepted links; they do not depend on thread
//! count or input order. Only hashes and signatures are kept between the passes, not texts.
//!
//! **When to use it.** After `normalize` (it also works on raw text), before `extract` and
//! `score-reliability`, which count a cluster as one witness. `preset: clean` suits web
//! reposts; `preset: noisy` suits OCR-damaged, abridged, retitled reprints.
//!
//! **Example YAML.**
//! ```yaml
//! stages:
//!   - normalize: {}
//!   - dedupe: { preset: noisy, action: drop, date_window_days: 3 }
//! ```
//!
//! **Output fields** (`dedupe` on each document): `cluster` (stable id from the
//! representative's id), `representative` (earliest published, else most words, ties by
//! id), `relation` (`exact`, `near_duplicate`, `syndicated`, `derived` or `none`),
//! `similarity` (to the representative; 1 for the representative), `duplicate_of` (the
//! representative's id), `origin` (the outlet a syndication marker names). With
//! `action: drop`, non-representatives are returned as dropped with the reason and the
//! representative's id, and the runner records them in the `dropped` file.

mod cluster;
mod config;
mod facts;
mod minhash;
mod record;
mod sketch;
mod stage;
mod syndication;
mod tokens;

use newspipe_core::{BuildError, StageFactory, StageInstance};

pub use config::{Action, DedupeConfig, Params, Preset};
pub use stage::Dedupe;

/// The `dedupe` stage's factory, for the registry.
pub fn factory() -> StageFactory {
    StageFactory::new::<DedupeConfig>(
        "dedupe",
        "Clusters exact, near-duplicate, syndicated and derived copies; marks or drops them.",
        |config, _| {
            let params = config
                .resolve()
                .map_err(|issue| BuildError::Config(vec![issue]))?;
            Ok(StageInstance::Corpus(Box::new(Dedupe::new(params))))
        },
    )
}
