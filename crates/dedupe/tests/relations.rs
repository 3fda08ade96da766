//! Each relation kind, and each guard against false merges, on small hand-built corpora.
//! Guard tests first show the pair merging with the guard off, so they can fail.

mod common;

use common::{plain, with_facts, FACTS};
use newspipe_core::{DedupeInfo, Document, Relation, Source};
use newspipe_corpusgen::synthetic_articles;
use newspipe_dedupe::DedupeConfig;

fn doc(id: &str, text: &str) -> Document {
    Document::new(id, Source::default(), text.to_string())
}

fn dated(id: &str, text: &str, published: &str) -> Document {
    let mut doc = doc(id, text);
    doc.meta.published = Some(published.to_string());
    doc
}

/// Bodies of distinct synthetic articles: different wording, the same kind of text.
fn bodies(count: usize) -> Vec<String> {
    synthetic_articles(count, 99)
        .into_iter()
        .map(|a| a.body)
        .collect()
}

/// Every digit shifted by one: the same template, other figures.
fn renumbered(text: &str) -> String {
    text.chars()
        .map(|c| {
            c.to_digit(10)
                .map_or(c, |d| char::from_digit((d + 1) % 10, 10).unwrap())
        })
        .collect()
}

fn dedupe(config: &DedupeConfig, mut docs: Vec<Document>) -> Vec<DedupeInfo> {
    common::run(config, &mut docs, 3);
    docs.into_iter()
        .map(|d| d.dedupe.expect("annotated"))
        .collect()
}

fn together(infos: &[DedupeInfo], a: usize, b: usize) -> bool {
    infos[a].cluster == infos[b].cluster
}

#[test]
fn exact_copies_differ_only_in_case_punctuation_and_line_breaks() {
    let body = &bodies(1)[0];
    let copy = body.to_uppercase().replace(". ", "! ").replace(' ', "  \n");
    let hyphenated = {
        // Break the first long word across a line with a hyphen.
        let word = body.split_whitespace().find(|w| w.len() > 6).unwrap();
        body.replacen(word, &format!("{}-\n{}", &word[..3], &word[3..]), 1)
    };
    let infos = dedupe(
        &DedupeConfig::default(),
        vec![
            doc("a", body),
            doc("b", &copy),
            doc("c", &hyphenated),
            doc("d", &bodies(2)[1]),
        ],
    );
    assert!(together(&infos, 0, 1) && together(&infos, 0, 2));
    assert!(!together(&infos, 0, 3));
    let copies: Vec<Relation> = infos[..3]
        .iter()
        .filter(|i| !i.representative)
        .map(|i| i.relation)
        .collect();
    assert_eq!(copies, [Relation::Exact, Relation::Exact]);
    assert!(infos[..3]
        .iter()
        .filter(|i| !i.representative)
        .all(|i| i.similarity == 1.0));
    assert_eq!(infos[3].relation, Relation::None);
}

#[test]
fn a_retitled_lightly_edited_copy_is_a_near_duplicate() {
    let body = &bodies(1)[0];
    let mut words: Vec<&str> = body.split(' ').collect();
    for index in (0..words.len()).step_by(40) {
        words[index] = "changed";
    }
    let edited = format!("A New Headline For The Reprint\n{}", words.join(" "));
    let infos = dedupe(
        &DedupeConfig::default(),
        vec![doc("orig", body), doc("copy", &edited)],
    );
    assert!(together(&infos, 0, 1));
    let copy = infos.iter().find(|i| !i.representative).unwrap();
    assert_eq!(copy.relation, Relation::NearDuplicate);
    assert!(
        copy.similarity > 0.6 && copy.similarity < 1.0,
        "{}",
        copy.similarity
    );
}

#[test]
fn a_wire_credited_copy_is_syndicated_and_names_its_origin() {
    let body = &bodies(1)[0];
    let repost = format!("WASHINGTON (AP) \u{2014} {body}");
    let infos = dedupe(
        &DedupeConfig::default(),
        vec![
            dated("orig", body, "2025-03-01"),
            dated("repost", &repost, "2025-03-02"),
        ],
    );
    assert!(together(&infos, 0, 1));
    assert!(
        infos[0].representative,
        "the earlier one stands for the cluster"
    );
    assert_eq!(infos[1].relation, Relation::Syndicated);
    assert_eq!(infos[1].origin.as_deref(), Some("Associated Press"));
    assert_eq!(infos[1].duplicate_of.as_deref(), Some("orig"));
}

#[test]
fn a_rewrite_sharing_the_rare_facts_is_derived() {
    let texts = bodies(6);
    let original = with_facts(&plain(&texts[0]), FACTS, 5, 9);
    let rewrite = with_facts(&plain(&texts[1]), FACTS, 11, 7);
    let mut docs = vec![doc("original", &original), doc("rewrite", &rewrite)];
    // A same-topic story sharing a few of the facts, and unrelated stories.
    docs.push(doc(
        "related",
        &with_facts(&plain(&texts[2]), &FACTS[..4], 4, 10),
    ));
    docs.extend(
        texts[3..]
            .iter()
            .enumerate()
            .map(|(n, t)| doc(&format!("other{n}"), t)),
    );
    let infos = dedupe(&DedupeConfig::default(), docs.clone());
    assert!(together(&infos, 0, 1));
    let copy = infos[..2].iter().find(|i| !i.representative).unwrap();
    assert_eq!(copy.relation, Relation::Derived);
    assert!(copy.similarity >= 0.55, "{}", copy.similarity);
    assert!(infos[2..].iter().all(|i| i.representative), "{infos:#?}");
    let off = DedupeConfig {
        derived: false,
        ..DedupeConfig::default()
    };
    assert!(!together(&dedupe(&off, docs), 0, 1));
}

#[test]
fn templated_stories_with_other_numbers_stay_apart() {
    let body = with_facts(&bodies(1)[0], &["120,000", "2025", "34", "9,870"], 3, 25);
    let other = renumbered(&body);
    let docs = vec![doc("first", &body), doc("second", &other)];
    let unguarded = DedupeConfig {
        number_overlap: Some(0.0),
        ..DedupeConfig::default()
    };
    assert!(
        together(&dedupe(&unguarded, docs.clone()), 0, 1),
        "only the numbers differ"
    );
    assert!(!together(&dedupe(&DedupeConfig::default(), docs), 0, 1));
    // A copy that keeps the numbers but loses some words is still one.
    let cut: String = body.split(' ').skip(5).collect::<Vec<_>>().join(" ");
    let infos = dedupe(
        &DedupeConfig::default(),
        vec![doc("first", &body), doc("cut", &cut)],
    );
    assert!(together(&infos, 0, 1));
}

#[test]
fn copies_published_far_apart_stay_apart() {
    let body = &bodies(1)[0];
    let copy = format!("Another Headline\n{body}");
    let docs = vec![
        dated("a", body, "2025-01-01"),
        dated("b", &copy, "2025-03-01"),
    ];
    let wide = DedupeConfig {
        date_window_days: Some(90),
        ..DedupeConfig::default()
    };
    assert!(together(&dedupe(&wide, docs.clone()), 0, 1));
    assert!(!together(&dedupe(&DedupeConfig::default(), docs), 0, 1));
    let close = vec![
        dated("a", body, "2025-01-01"),
        dated("b", &copy, "2025-01-05"),
    ];
    assert!(together(&dedupe(&DedupeConfig::default(), close), 0, 1));
}

#[test]
fn short_texts_take_part_only_in_the_exact_pass() {
    let short = "The council approved the harbour budget of the town on Monday after a long debate";
    let variant =
        "The council approved the harbour budget of the town on Tuesday after a long debate";
    let docs = vec![
        doc("a", short),
        doc("b", variant),
        doc("c", &short.to_lowercase()),
    ];
    let permissive = DedupeConfig {
        min_words: Some(5),
        shingle_words: Some(2),
        ..DedupeConfig::default()
    };
    assert!(together(&dedupe(&permissive, docs.clone()), 0, 1));
    let strict = DedupeConfig {
        min_words: Some(20),
        ..DedupeConfig::default()
    };
    let infos = dedupe(&strict, docs);
    assert!(!together(&infos, 0, 1));
    assert!(
        together(&infos, 0, 2),
        "exact copies of short texts still cluster"
    );
}

#[test]
fn empty_and_odd_documents_are_annotated_alone() {
    let docs = vec![
        doc("empty", ""),
        doc("blank", "   \n\t "),
        doc("symbols", "\u{1F600}\u{1F600} -- \u{2014} ..."),
        doc("mixed", &"né\u{0301}-\n".repeat(500)),
    ];
    let infos = dedupe(&DedupeConfig::default(), docs);
    let clusters: std::collections::HashSet<&str> =
        infos.iter().map(|i| i.cluster.as_str()).collect();
    assert_eq!(clusters.len(), 4);
    assert!(infos
        .iter()
        .all(|i| i.representative && i.relation == Relation::None));
}
