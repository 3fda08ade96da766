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
    // `mark` keeps everything and says what `drop` must do.
    let mut marked = corpus(&CorpusSpec::clean(6));
    let kept = common::run(&DedupeConfig::default(), &mut marked, 50);
    assert!(kept.iter().all(|d| *d == Disposition::Keep));
    let info = |doc: &Document| doc.dedupe.clone().expect("every document is marked");
    let clusters: HashSet<String> = marked.iter().map(|d| info(d).cluster).collect();
    let representative_of: BTreeMap<String, String> = marked
        .iter()
        .filter(|d| info(d).representative)
        .map(|d| (info(d).cluster, d.id.clone()))
        .collect();

    let mut docs = corpus(&CorpusSpec::clean(6));
    let config = DedupeConfig {
        action: Action::Drop,
        ..DedupeConfig::default()
    };
    let dispositions = common::run(&config, &mut docs, 50);
    assert_eq!(dispositions.len(), marked.len());
    let dropped = dispositions
        .iter()
        .filter(|d| matches!(d, Disposition::Drop { .. }))
        .count();
    assert_eq!(
        dropped,
        marked.len() - clusters.len(),
        "one kept per cluster"
    );
    assert!(dropped > 0);
    for ((doc, marked), disposition) in docs.iter().zip(&marked).zip(&dispositions) {
        let expected = info(marked);
        match disposition {
            Disposition::Keep => {
                assert!(expected.representative, "{} kept", doc.id);
                assert_eq!(doc.dedupe.as_ref(), Some(&expected), "kept as marked");
            }
            Disposition::Drop {
                reason,
                duplicate_of,
            } => {
                assert!(!expected.representative);
                assert!(!reason.is_empty());
                assert_eq!(
                    duplicate_of.as_ref(),
                    Some(&representative_of[&expected.cluster])
                );
            }
        }
    }
}
