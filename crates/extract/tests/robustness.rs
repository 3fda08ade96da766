//! The stage never panics and every span it writes lies on character boundaries of the text:
//! on generated odd input, and on real article bodies from the dev data when it is present.

use std::io::BufRead;
use std::path::PathBuf;

use newspipe_core::{DedupeInfo, Document, Meta, Relation, Source, StageInstance};
use newspipe_extract::{extract, ExtractConfig, ExtractStage};
use newspipe_runner::{run_in_memory, MemoryRunOptions};

/// Runs the stage with `config` over `docs` as a pipeline run would; every document is kept.
fn run_with(config: ExtractConfig, docs: &mut Vec<Document>) {
    let stage = StageInstance::corpus(ExtractStage::new(config));
    let count = docs.len();
    let out = run_in_memory(
        vec![("extract".into(), stage)],
        std::mem::take(docs),
        &MemoryRunOptions::default(),
    )
    .expect("the run succeeds");
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.docs.len(), count);
    *docs = out.docs;
}

fn run_stage(docs: &mut Vec<Document>) {
    run_with(ExtractConfig::default(), docs);
}

fn assert_spans_valid(doc: &Document) {
    let ok = |s: usize, e: usize| s <= e && doc.text.get(s..e).is_some();
    for e in &doc.entities {
        assert!(ok(e.start, e.end), "entity {e:?}");
    }
    for d in &doc.dates {
        assert!(ok(d.start, d.end), "date {d:?}");
    }
    for q in &doc.quantities {
        assert!(ok(q.start, q.end), "quantity {q:?}");
    }
    for q in &doc.quotes {
        assert!(ok(q.start, q.end), "quote {q:?}");
        if let (Some(s), Some(e)) = (q.speaker_start, q.speaker_end) {
            assert!(ok(s, e), "speaker of {q:?}");
        }
    }
    for c in &doc.claims {
        assert!(ok(c.start, c.end), "claim {c:?}");
    }
}

/// A small deterministic generator (xorshift), so the test needs no extra crate.
fn pseudo_random_texts(count: usize) -> Vec<String> {
    let pieces = [
        "Lt.-Gen. ",
        "Steve ",
        "Boivin",
        "’s ",
        "'s",
        "“",
        "”",
        "\"",
        " said",
        ", ",
        ". ",
        "\n",
        "\n\n",
        "U.S.",
        "President ",
        "March ",
        "5",
        ",",
        " 2025",
        "about ",
        "1,700",
        " to ",
        "two billion ",
        "dollars",
        "%",
        "é",
        "ß",
        "🙂",
        "\u{200b}",
        "\u{a0}",
        "-",
        "–",
        "The ",
        "NATO",
        "he ",
        "ago ",
        "last week",
        "Monday",
        "12:17 PM",
        "mid-",
        "1990s",
        "for ",
        "of ",
        "MENAFN",
        "0",
        "(",
        ")",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 80) as usize;
            (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn odd_generated_input_never_panics() {
    let mut docs: Vec<Document> = pseudo_random_texts(400)
        .into_iter()
        .chain([
            "".to_string(),
            "“".repeat(50),
            "\n".repeat(30),
            "A. B. C. D.".to_string(),
        ])
        .enumerate()
        .map(|(i, t)| Document::new(i.to_string(), Source::default(), t))
        .collect();
    run_stage(&mut docs);
    docs.iter().for_each(assert_spans_valid);
}

#[test]
fn published_date_anchors_relative_dates() {
    let meta = Meta {
        published: Some("2025-01-02".into()),
        ..Meta::default()
    };
    let found = extract("Talks began on Monday and ended last week.", &meta, true);
    let values: Vec<_> = found.dates.iter().map(|d| d.value.as_deref()).collect();
    assert_eq!(values, [Some("2024-12-30"), Some("2024-W52")]);
    // without a date the same words stay unresolved
    let found = extract(
        "Talks began on Monday and ended last week.",
        &Meta::default(),
        true,
    );
    assert!(found.dates.iter().all(|d| d.value.is_none()));
}

#[test]
fn copies_in_one_dedupe_cluster_count_once_for_the_majority() {
    let cluster = |id: &str| DedupeInfo {
        cluster: id.into(),
        representative: false,
        relation: Relation::NearDuplicate,
        similarity: 0.95,
        duplicate_of: None,
        origin: None,
    };
    let text_a = "British Prime Minister Keir Starrer spoke in London on Monday.";
    let text_b = "British Prime Minister Keir Starmer spoke in London on Monday.";
    let mut docs: Vec<Document> = (0..3)
        .map(|i| {
            let mut d = Document::new(format!("copy{i}"), Source::default(), text_a.into());
            d.dedupe = Some(cluster("c1"));
            d
        })
        .chain((0..2).map(|i| Document::new(format!("own{i}"), Source::default(), text_b.into())))
        .collect();
    run_stage(&mut docs);
    for doc in &docs {
        let person = doc
            .entities
            .iter()
            .find(|e| e.text.starts_with("Keir"))
            .expect("person");
        assert_eq!(person.canonical, "Keir Starmer", "in {}", doc.id);
    }
}

#[test]
fn without_canonicalization_each_document_stands_alone() {
    let config = ExtractConfig {
        canonicalize: false,
        ..ExtractConfig::default()
    };
    let mut docs = vec![
        Document::new(
            "a",
            Source::default(),
            "Prime Minister Keir Starrer spoke.".into(),
        ),
        Document::new(
            "b",
            Source::default(),
            "Prime Minister Keir Starmer spoke.".into(),
        ),
    ];
    run_with(config, &mut docs);
    assert_eq!(docs[0].entities[0].canonical, "Keir Starrer");
    assert_eq!(docs[1].entities[0].canonical, "Keir Starmer");
    assert!(docs
        .iter()
        .all(|d| !d.extra.contains_key("entity_variants")));
}

#[test]
fn unknown_config_keys_are_rejected() {
    let factory = newspipe_extract::factory();
    assert_eq!(factory.name(), "extract");
    assert!(factory
        .check(&serde_json::json!({ "canonicalize": false }))
        .is_empty());
    assert!(!factory
        .check(&serde_json::json!({ "canonicalise": false }))
        .is_empty());
}

fn devdata() -> Option<PathBuf> {
    let path = newspipe_corpusgen::devdata_file();
    path.exists().then_some(path)
}

#[test]
fn real_article_bodies_never_panic() {
    let Some(path) = devdata() else {
        println!("skipped: no dev data (set NEWSPIPE_DEVDATA to the folder of wcxb-dev-articles.jsonl.gz)");
        return;
    };
    let file = std::fs::File::open(path).expect("dev data opens");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    // every fourth article keeps the test quick in debug builds
    let mut docs: Vec<Document> = reader
        .lines()
        .map_while(Result::ok)
        .step_by(4)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .filter_map(|r| r["article_body"].as_str().map(str::to_string))
        .enumerate()
        .map(|(i, body)| Document::new(i.to_string(), Source::default(), body))
        .collect();
    assert!(!docs.is_empty());
    run_stage(&mut docs);
    docs.iter().for_each(assert_spans_valid);
    let annotated = docs.iter().filter(|d| !d.entities.is_empty()).count();
    assert!(
        annotated * 10 >= docs.len() * 8,
        "only {annotated} of {} articles have entities",
        docs.len()
    );
}
