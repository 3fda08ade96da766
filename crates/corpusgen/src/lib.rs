//! # newspipe-corpusgen
//!
//! Reproducible test corpora for duplicate detection, and the score to grade a clustering.
//!
//! **What it does.** Takes real article bodies ([`load_article_bodies`] reads the WCXB dev
//! data's JSON Lines, gzip or not) or synthetic ones ([`synthetic_articles`], for CI where the
//! dev data is absent), and [`generate`]s a corpus in which every source article appears once
//! (a damaged singleton) or as a cluster of damaged copies: OCR-like character damage,
//! re-wrapped and hyphenated lines, cut paragraphs, new headlines and bylines, syndication
//! wrappers, light rewrites. Each rate is a field of [`DamageRates`]; [`CorpusSpec::noisy`]
//! (NEWS-COPY-like scanned reprints, ~30% shared word 3-grams within a cluster) and
//! [`CorpusSpec::clean`] (web reposts) are the two presets. Every choice comes from one
//! ChaCha8 generator seeded with [`CorpusSpec::seed`], so a spec gives the same corpus on
//! every machine.
//!
//! **When to use it.** Tests and benchmarks of the `dedupe` stage (`cargo xtask gen-corpus`,
//! `cargo xtask bench`): generate, cluster, then score the clustering against the `cluster`
//! labels with [`adjusted_rand_index`].
//!
//! **Example.**
//! ```
//! use newspipe_corpusgen::{adjusted_rand_index, generate, synthetic_articles, CorpusSpec};
//! let sources = synthetic_articles(20, 1);
//! let docs = generate(&sources, &CorpusSpec::noisy(42));
//! let truth: Vec<&str> = docs.iter().map(|d| d.cluster.as_str()).collect();
//! assert_eq!(adjusted_rand_index(&truth, &truth), 1.0);
//! let mut jsonl = Vec::new();
//! newspipe_corpusgen::write_jsonl(&docs, &mut jsonl).unwrap();
//! ```
//!
//! **Output fields** (one JSON object per line): `id`, `text`, `title`, `published`
//! (ISO date), `outlet`, and the gold label `cluster`.
//!
//! Corpora built from the WCXB dev data (Murrough Foley, 2026, CC-BY-4.0) are derived works:
//! keep that attribution with anything you ship from them.

mod ari;
mod cpu;
pub mod damage;
mod generate;
mod source;

pub use ari::{adjusted_rand_index, pair_precision_recall};
pub use cpu::{process_cpu_seconds, thread_cpu_seconds};
pub use generate::{
    generate, mean_within_cluster_jaccard, read_jsonl, write_jsonl, CorpusDoc, CorpusSpec,
    DamageRates,
};
pub use source::{devdata_file, load_article_bodies, synthetic_articles, SourceArticle};
