//! The five seed articles: the clusters the issue asks for, and one reviewed snapshot per
//! seed of its verdict and its cluster.

mod common;

use std::sync::LazyLock;

use newspipe_core::{Document, Relation};
use newspipe_dedupe::DedupeConfig;
use serde::Serialize;

/// The seeds, deduplicated together with the default (clean) preset, raw text as read.
static SEEDS: LazyLock<Vec<Document>> = LazyLock::new(|| {
    let mut docs = common::seeds();
    common::run(&DedupeConfig::default(), &mut docs, 2);
    docs
});

fn verdict(prefix: &str) -> &'static Document {
    SEEDS
        .iter()
        .find(|doc| doc.id.starts_with(prefix))
        .unwrap_or_else(|| panic!("seed {prefix} present"))
}

fn cluster_of(prefix: &str) -> &'static str {
    &verdict(prefix).dedupe.as_ref().expect("annotated").cluster
}

#[test]
fn the_rewrite_and_the_translation_are_one_derived_cluster() {
    assert_eq!(cluster_of("000"), cluster_of("001"));
    let relations: Vec<Relation> = ["000", "001"]
        .iter()
        .map(|p| verdict(p).dedupe.as_ref().unwrap().relation)
        .collect();
    // The longer translation (001) stands for the cluster; the summary derives from it.
    assert_eq!(relations, [Relation::Derived, Relation::None]);
    let summary = verdict("000").dedupe.as_ref().unwrap();
    assert_eq!(
        summary.duplicate_of.as_deref(),
        Some(verdict("001").id.as_str())
    );
}

#[test]
fn the_other_seeds_stand_alone_and_the_repost_is_syndicated() {
    for prefix in ["002", "003", "004"] {
        let alone = SEEDS
            .iter()
            .filter(|d| d.dedupe.as_ref().unwrap().cluster == cluster_of(prefix));
        assert_eq!(alone.count(), 1, "{prefix} is alone");
        assert!(verdict(prefix).dedupe.as_ref().unwrap().representative);
    }
    let repost = verdict("004").dedupe.as_ref().unwrap();
    assert_eq!(repost.relation, Relation::Syndicated);
    assert_eq!(repost.origin.as_deref(), Some("The Rio Times"));
    assert_eq!(
        verdict("002").dedupe.as_ref().unwrap().relation,
        Relation::None
    );
    assert_eq!(
        verdict("003").dedupe.as_ref().unwrap().relation,
        Relation::None
    );
}

#[test]
fn the_noisy_preset_finds_the_same_clusters() {
    let mut docs = common::seeds();
    let config = DedupeConfig {
        preset: newspipe_dedupe::Preset::Noisy,
        ..DedupeConfig::default()
    };
    common::run(&config, &mut docs, 5);
    let clusters: Vec<&str> = docs
        .iter()
        .map(|d| d.dedupe.as_ref().unwrap().cluster.as_str())
        .collect();
    let expected: Vec<&str> = SEEDS
        .iter()
        .map(|d| d.dedupe.as_ref().unwrap().cluster.as_str())
        .collect();
    assert_eq!(clusters, expected);
}

/// What a reviewer reads in a seed's snapshot.
#[derive(Serialize)]
struct SeedSnapshot<'a> {
    dedupe: &'a newspipe_core::DedupeInfo,
    cluster_members: Vec<&'a str>,
}

#[test]
fn seed_snapshots() {
    insta::glob!("../../../seeds", "*.txt", |path| {
        let id = path.file_stem().unwrap().to_string_lossy();
        let doc = verdict(&id);
        let info = doc.dedupe.as_ref().unwrap();
        let cluster_members = SEEDS
            .iter()
            .filter(|d| d.dedupe.as_ref().unwrap().cluster == info.cluster)
            .map(|d| d.id.as_str())
            .collect();
        insta::assert_yaml_snapshot!(SeedSnapshot {
            dedupe: info,
            cluster_members
        });
    });
}
