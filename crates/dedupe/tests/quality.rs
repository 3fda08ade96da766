//! Clustering quality on generated corpora with known clusters, scored with the Adjusted
//! Rand Index. Each test has a floor that can fail. The dev-data tests skip when the data is
//! absent; the synthetic ones always run. For the full-size numbers:
//! `cargo test --release -p newspipe-dedupe --test quality -- --nocapture`.

mod common;

use std::sync::LazyLock;

use newspipe_core::{Document, Meta, Source};
use newspipe_corpusgen::{
    adjusted_rand_index, generate, load_article_bodies, mean_within_cluster_jaccard,
    pair_precision_recall, synthetic_articles, CorpusDoc, CorpusSpec, SourceArticle,
};
use newspipe_dedupe::{DedupeConfig, Preset};

/// The documents of a generated corpus as the pipeline reads them.
fn documents(corpus: &[CorpusDoc]) -> Vec<Document> {
    corpus
        .iter()
        .map(|doc| {
            let mut document = Document::new(doc.id.clone(), Source::default(), doc.text.clone());
            document.meta = Meta {
                title: doc.title.clone(),
                outlet: doc.outlet.clone(),
                published: doc.published.clone(),
                ..Meta::default()
            };
            document
        })
        .collect()
}

/// Clusters `corpus` with `preset` and returns (ARI, pair precision, pair recall).
fn score(corpus: &[CorpusDoc], preset: Preset) -> (f64, f64, f64) {
    let mut docs = documents(corpus);
    let config = DedupeConfig {
        preset,
        ..DedupeConfig::default()
    };
    common::run(&config, &mut docs, 500);
    let truth: Vec<&str> = corpus.iter().map(|d| d.cluster.as_str()).collect();
    let predicted: Vec<String> = docs
        .iter()
        .map(|d| d.dedupe.as_ref().expect("annotated").cluster.clone())
        .collect();
    let ari = adjusted_rand_index(&truth, &predicted);
    let (precision, recall) = pair_precision_recall(&truth, &predicted);
    // The corpus statistic is slow unoptimized; it is shown in release builds.
    let jaccard = if cfg!(debug_assertions) {
        f64::NAN
    } else {
        mean_within_cluster_jaccard(corpus, 3)
    };
    println!(
        "{preset:?}: {} docs, mean 3-gram Jaccard {jaccard:.3}, ARI {ari:.4}, pair precision {precision:.4}, recall {recall:.4}",
        corpus.len(),
    );
    (ari, precision, recall)
}

/// How many source articles a corpus is made from: a sample in debug builds, to keep the
/// test suite fast; every source (thousands of documents) with `cargo test --release`.
fn sample(spec: CorpusSpec) -> CorpusSpec {
    let sources = if cfg!(debug_assertions) { 100 } else { 0 };
    CorpusSpec { sources, ..spec }
}

/// The dev data's article bodies, read once for all tests.
fn dev_sources() -> Option<&'static [SourceArticle]> {
    static SOURCES: LazyLock<Option<Vec<SourceArticle>>> = LazyLock::new(|| {
        let path = common::devdata()?;
        Some(load_article_bodies(&path, 80).expect("readable dev data"))
    });
    SOURCES.as_deref()
}

#[test]
fn noisy_reprints_of_dev_articles() {
    let Some(sources) = dev_sources() else { return };
    let corpus = generate(sources, &sample(CorpusSpec::noisy(11)));
    let (ari, _, _) = score(&corpus, Preset::Noisy);
    assert!(ari >= 0.93, "noisy ARI {ari}");
}

#[test]
fn clean_reposts_of_dev_articles() {
    let Some(sources) = dev_sources() else { return };
    let corpus = generate(sources, &sample(CorpusSpec::clean(12)));
    let (ari, _, _) = score(&corpus, Preset::Clean);
    assert!(ari >= 0.95, "clean ARI {ari}");
}

#[test]
fn noisy_reprints_of_synthetic_articles() {
    let corpus = generate(&synthetic_articles(300, 21), &sample(CorpusSpec::noisy(13)));
    let (ari, _, _) = score(&corpus, Preset::Noisy);
    assert!(ari >= 0.93, "noisy ARI {ari}");
}

#[test]
fn clean_reposts_of_synthetic_articles() {
    let corpus = generate(&synthetic_articles(300, 22), &sample(CorpusSpec::clean(14)));
    let (ari, _, _) = score(&corpus, Preset::Clean);
    assert!(ari >= 0.95, "clean ARI {ari}");
}

#[test]
fn heavily_damaged_reprints_of_synthetic_articles() {
    // Twice the character damage of the calibrated preset: copies share about a fifth of
    // their word 3-grams. The noisy preset must still hold up.
    let mut spec = sample(CorpusSpec::noisy(15));
    spec.damage.char_error = 0.03;
    let corpus = generate(&synthetic_articles(300, 23), &spec);
    let (ari, precision, _) = score(&corpus, Preset::Noisy);
    assert!(ari >= 0.95, "heavy-damage ARI {ari}");
    assert!(precision >= 0.99, "pair precision {precision}");
}
