//! Snapshots of the normalized text and metadata of every seed, plus the acceptance
//! checks on seeds 001, 002 and 004.

use std::path::Path;

use newspipe_core::{Document, Meta, RemovedKind, Source};
use newspipe_normalize::{NormalizeConfig, Normalizer};
use serde::Serialize;

fn seeds_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

fn normalize_file(path: &Path) -> Document {
    let raw = std::fs::read_to_string(path).expect("seed is UTF-8");
    let source = Source {
        path: path.display().to_string(),
        ..Default::default()
    };
    let mut doc = Document::new(path.file_stem().unwrap().to_string_lossy(), source, raw);
    Normalizer::new(NormalizeConfig::default())
        .unwrap()
        .normalize(&mut doc, None);
    doc
}

fn seed(prefix: &str) -> Document {
    let path = std::fs::read_dir(seeds_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .expect("seed exists");
    normalize_file(&path)
}

/// What a reviewer reads: the text's non-blank lines, the metadata, and each cut with its words.
#[derive(Serialize)]
struct Snapshot {
    meta: Meta,
    paragraphs: Vec<String>,
    removed: Vec<Cut>,
}

#[derive(Serialize)]
struct Cut {
    kind: RemovedKind,
    rule: Option<String>,
    text: String,
}

#[test]
fn seed_snapshots() {
    insta::glob!("../../../seeds", "*.txt", |path| {
        let doc = normalize_file(path);
        let removed = doc
            .removed
            .iter()
            .map(|r| Cut {
                kind: r.kind,
                rule: r.rule.clone(),
                text: doc.raw[r.start..r.end].to_string(),
            })
            .collect();
        let snapshot = Snapshot {
            meta: doc.meta.clone(),
            paragraphs: doc
                .text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            removed,
        };
        insta::assert_yaml_snapshot!(snapshot);
    });
}

#[test]
fn seed_001_keeps_its_whole_text_but_the_picture_credit() {
    let doc = seed("001_");
    let credit = "Pictures of Getty Images, Reuters and the Canadian press.";
    assert_eq!(
        doc.text,
        doc.raw.trim().replacen(&format!(" {credit}"), "", 1)
    );
    let cuts: Vec<_> = doc
        .removed
        .iter()
        .map(|r| (&doc.raw[r.start..r.end], r.kind, r.rule.as_deref()))
        .collect();
    assert_eq!(
        cuts,
        [(credit, RemovedKind::Credit, Some("credit_sentence"))]
    );
}

#[test]
fn seeds_002_and_003_name_their_outlets_with_a_basis() {
    let doc = seed("002_");
    assert_eq!(doc.meta.outlet.as_deref(), Some("The Kyiv Independent"));
    assert_eq!(doc.meta.outlet_basis.as_deref(), Some("masthead"));
    let doc = seed("003_");
    assert_eq!(doc.meta.outlet.as_deref(), Some("NP-UN"));
    assert_eq!(doc.meta.outlet_basis.as_deref(), Some("byline"));
}

#[test]
fn seed_002_loses_menus_forms_and_teasers_but_no_paragraph() {
    let doc = seed("002_");
    for junk in [
        "Skip to content",
        "indicates required",
        "Enter your email",
        "Most popular",
        "Editors' Picks",
        "All Newsletters",
        "European countries have intensified talks",
        "U.S. President Donald Trump entered the White House",
        "This audio is created with AI assistance",
        "Getty Images",
    ] {
        assert!(!doc.text.contains(junk), "`{junk}` left in:\n{}", doc.text);
    }
    let article_start = doc.raw.find("Canada is ready to partake").unwrap();
    let article_end = doc
        .raw
        .find("Western troops on the ground in Ukraine.")
        .unwrap();
    for paragraph in doc.raw[article_start..article_end].split("\n\n") {
        assert!(doc.text.contains(paragraph.trim()), "lost: {paragraph}");
    }
    assert!(doc
        .text
        .ends_with("Western troops on the ground in Ukraine."));
    assert_eq!(doc.meta.byline.as_deref(), Some("Volodymyr Ivanyshyn"));
    assert_eq!(doc.meta.published.as_deref(), Some("2025-03-06"));
}

#[test]
fn seed_004_loses_its_disclaimer_and_records_both_dates() {
    let doc = seed("004_");
    assert!(!doc.text.contains("Legal Disclaimer"), "{}", doc.text);
    assert!(!doc.text.contains("without warranty"), "{}", doc.text);
    assert!(doc
        .removed
        .iter()
        .any(|r| r.kind == RemovedKind::Disclaimer));
    let candidates: Vec<_> = doc
        .meta
        .date_candidates
        .iter()
        .map(|c| (c.value.as_str(), c.basis.as_str()))
        .collect();
    assert!(
        candidates.contains(&("2024-01-02", "header_line")),
        "{candidates:?}"
    );
    assert!(
        candidates.contains(&("2025-08-25", "id_string")),
        "{candidates:?}"
    );
    assert_eq!(doc.meta.outlet.as_deref(), Some("The Rio Times"));
    assert_eq!(doc.meta.outlet_basis.as_deref(), Some("wire_prefix"));
    let related = "Canada Weighs Post-War Role in Ukraine Amid Allied Divisions";
    assert!(!doc.text.contains(related), "{}", doc.text);
    assert!(doc
        .removed
        .iter()
        .any(|r| &doc.raw[r.start..r.end] == related && r.kind == RemovedKind::Teaser));
    assert!(doc
        .text
        .contains("through a joint Canada–Ukraine initiative.\n\nSince 2015"));
    assert!(doc.text.ends_with("hang in the balance."));
}
