//! Clusters must not depend on thread count, batch size or input order, and `action: drop`
//! must account for every document it removes.

mod common;

use std::collections::{BTreeMap, HashSet};

use newspipe_core::{DedupeInfo, Disposition, Document, Source};
use newspipe_corpusgen::{generate, synthetic_articles, CorpusSpec};
use newspipe_dedupe::{Action, DedupeConfig, Preset};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn corpus(spec: &CorpusSpec) -> Vec<Document> {
    generate(&synthetic_articles(60, 5), spec)
        .into_iter()
        .map(|d| {
            let mut doc = Document::new(d.id, Source::default(), d.text);
            doc.meta.published = d.published;
            doc
        })
        .collect()
}

/// Runs the stage inside a pool of `threads` threads and returns each document's verdict
/// by id.
fn verdicts(
    config: &DedupeConfig,
    mut docs: Vec<Document>,
    threads: usize,
    batch: usize,
) -> BTreeMap<String, DedupeInfo> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| common::run(config, &mut docs, batch));
    docs.into_iter()
        .map(|d| (d.id, d.dedupe.expect("annotated")))
        .collect()
}

fn check_stable(preset: Preset, spec: CorpusSpec) {
    let config = DedupeConfig {
        preset,
        ..DedupeConfig::default()
    };
    let docs = corpus(&spec);
    let baseline = verdicts(&config, docs.clone(), 1, 1000);
    let clusters: HashSet<&str> = baseline.values().map(|v| v.cluster.as_str()).collect();
    assert!(
        clusters.len() < docs.len(),
        "the corpus has copies to cluster"
    );
    let mut shuffled = docs.clone();
    shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(9));
    assert_eq!(
        verdicts(&config, docs, 2, 7),
        baseline,
        "2 threads, small batches"
    );
    assert_eq!(
        verdicts(&config, shuffled.clone(), 1, 1000),
        baseline,
        "shuffled, 1 thread"
    );
    assert_eq!(
        verdicts(&config, shuffled, 2, 64),
        baseline,
        "shuffled, 2 threads"
    );
}

#[test]
fn noisy_clusters_ignore_threads_batches_and_order() {
    check_stable(Preset::Noisy, CorpusSpec::noisy(3));
}

#[test]
fn clean_clusters_ignore_threads_batches_and_order() {
    check_stable(Preset::Clean, CorpusSpec::clean(4));
}

#[test]
fn drop_removes_exactly_the_non_representatives_and_names_their_original() {
    let mut docs = corpus(&CorpusSpec::clean(6));
    let config = DedupeConfig {
        action: Action::Drop,
        ..DedupeConfig::default()
    };
    let dispositions = common::run(&config, &mut docs, 50);
    assert_eq!(dispositions.len(), docs.len());
    let clusters: HashSet<&str> = docs
        .iter()
        .map(|d| d.dedupe.as_ref().unwrap().cluster.as_str())
        .collect();
    let dropped = dispositions
        .iter()
        .filter(|d| matches!(d, Disposition::Drop { .. }))
        .count();
    assert_eq!(dropped, docs.len() - clusters.len(), "one kept per cluster");
    assert!(dropped > 0);
    let representative_of: BTreeMap<&str, &str> = docs
        .iter()
        .filter(|d| d.dedupe.as_ref().unwrap().representative)
        .map(|d| (d.dedupe.as_ref().unwrap().cluster.as_str(), d.id.as_str()))
        .collect();
    for (doc, disposition) in docs.iter().zip(&dispositions) {
        let info = doc.dedupe.as_ref().unwrap();
        match disposition {
            Disposition::Keep => assert!(info.representative, "{} kept", doc.id),
            Disposition::Drop {
                reason,
                duplicate_of,
            } => {
                assert!(!info.representative);
                assert!(!reason.is_empty());
                assert_eq!(
                    duplicate_of.as_deref(),
                    Some(representative_of[info.cluster.as_str()])
                );
            }
        }
    }
    // `mark` keeps everything and annotates the same clusters.
    let mut marked = corpus(&CorpusSpec::clean(6));
    let kept = common::run(&DedupeConfig::default(), &mut marked, 50);
    assert!(kept.iter().all(|d| *d == Disposition::Keep));
    assert_eq!(
        marked.iter().map(|d| d.dedupe.clone()).collect::<Vec<_>>(),
        docs.iter().map(|d| d.dedupe.clone()).collect::<Vec<_>>()
    );
}
