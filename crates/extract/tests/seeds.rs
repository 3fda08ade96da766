//! Snapshot of every seed's annotations after the whole stage ran over the five seeds as one
//! corpus (so canonical names and variants are corpus-wide). One line per annotation, to be
//! read by a person: `kind text [role] -> canonical @start..end`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use newspipe_core::{Document, QuantityValue, Source, StageInstance};
use newspipe_extract::{ExtractConfig, ExtractStage};
use serde::Serialize;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds")
}

/// The five seeds, annotated together.
static CORPUS: LazyLock<Vec<Document>> = LazyLock::new(|| {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(seeds_dir())
        .expect("seeds/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let docs: Vec<Document> = paths
        .iter()
        .map(|p| {
            let id = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            Document::new(
                id,
                Source::default(),
                std::fs::read_to_string(p).expect("seed reads"),
            )
        })
        .collect();
    newspipe_runner::run_in_memory(
        vec![(
            "extract".into(),
            StageInstance::corpus(ExtractStage::new(ExtractConfig::default())),
        )],
        docs,
        &newspipe_runner::MemoryRunOptions::default(),
    )
    .expect("the run succeeds")
    .docs
});

#[derive(Serialize)]
struct Readable {
    entities: Vec<String>,
    dates: Vec<String>,
    quantities: Vec<String>,
    quotes: Vec<String>,
    claims: Vec<String>,
    entity_variants: Option<serde_json::Value>,
}

fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out.replace('\n', "⏎")
}

fn readable(doc: &Document) -> Readable {
    Readable {
        entities: doc
            .entities
            .iter()
            .map(|e| {
                let role = e
                    .role
                    .as_ref()
                    .map(|r| format!(" [{r}]"))
                    .unwrap_or_default();
                format!(
                    "{:?} {}{role} -> {} @{}..{}",
                    e.kind, e.text, e.canonical, e.start, e.end
                )
            })
            .collect(),
        dates: doc
            .dates
            .iter()
            .map(|d| {
                format!(
                    "{} = {} @{}..{}",
                    d.text,
                    d.value.as_deref().unwrap_or("null"),
                    d.start,
                    d.end
                )
            })
            .collect(),
        quantities: doc
            .quantities
            .iter()
            .map(|q| {
                let value = match q.value {
                    QuantityValue::Number(v) => format!("{v}"),
                    QuantityValue::Range([l, h]) => format!("[{l}, {h}]"),
                };
                format!(
                    "{} = {value} {} ({}) @{}..{}",
                    q.text,
                    q.unit.as_deref().unwrap_or("-"),
                    q.qualifier.as_deref().unwrap_or("exact"),
                    q.start,
                    q.end
                )
            })
            .collect(),
        quotes: doc
            .quotes
            .iter()
            .map(|q| {
                let mention = match (q.speaker_start, q.speaker_end) {
                    (Some(s), Some(e)) => format!(" (mention {:?} @{s}..{e})", &doc.text[s..e]),
                    _ => String::new(),
                };
                // the words the attribution names, when they are not the speaker's mention
                let source = match (q.source_start, q.source_end) {
                    (Some(s), Some(e))
                        if q.speaker_start != Some(s) || q.speaker_end != Some(e) =>
                    {
                        format!(" (source {:?} @{s}..{e})", &doc.text[s..e])
                    }
                    _ => String::new(),
                };
                format!(
                    "{} “{}” <- {}{mention}{source}",
                    if q.direct { "direct" } else { "indirect" },
                    short(&q.text, 60),
                    q.speaker.as_deref().unwrap_or("?")
                )
            })
            .collect(),
        claims: doc
            .claims
            .iter()
            .map(|c| {
                let mut parts = Vec::new();
                if c.hedged {
                    parts.push("hedged".to_string());
                }
                if let Some(s) = &c.speaker {
                    parts.push(format!("<- {s}"));
                }
                parts.push(format!("“{}”", short(&c.text, 50)));
                parts.push(format!(
                    "entities={:?} quantities={:?}",
                    c.entities, c.quantities
                ));
                parts.join(" ")
            })
            .collect(),
        entity_variants: doc.extra.get("entity_variants").cloned(),
    }
}

#[test]
fn seed_annotations() {
    insta::glob!("../../../seeds", "*.txt", |path| {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let doc = CORPUS
            .iter()
            .find(|d| d.id == name)
            .expect("seed annotated");
        insta::assert_yaml_snapshot!(readable(doc));
    });
}

#[test]
fn spans_point_at_their_text() {
    for doc in CORPUS.iter() {
        for e in &doc.entities {
            assert_eq!(&doc.text[e.start..e.end], e.text);
        }
        for d in &doc.dates {
            assert_eq!(&doc.text[d.start..d.end], d.text);
        }
        for q in &doc.quantities {
            assert_eq!(&doc.text[q.start..q.end], q.text);
        }
        for q in &doc.quotes {
            assert_eq!(&doc.text[q.start..q.end], q.text);
        }
        for c in &doc.claims {
            assert_eq!(&doc.text[c.start..c.end], c.text);
            assert!(c.quantities.iter().all(|&i| i < doc.quantities.len()));
        }
    }
}

#[test]
fn misspelling_and_transliteration_become_one_canonical_person() {
    let canonical_of = |text: &str| -> Vec<String> {
        CORPUS
            .iter()
            .flat_map(|d| d.entities.iter())
            .filter(|e| e.text == text)
            .map(|e| e.canonical.clone())
            .collect()
    };
    assert!(canonical_of("Keir Starrer")
        .iter()
        .all(|c| c == "Keir Starmer"));
    assert!(!canonical_of("Keir Starrer").is_empty());
    assert!(canonical_of("Volodymyr Zelensky")
        .iter()
        .all(|c| c == "Volodymyr Zelenskyy"));
    assert!(canonical_of("Boivin").iter().all(|c| c == "Steve Boivin"));
    let translated = CORPUS
        .iter()
        .find(|d| d.id.starts_with("001"))
        .expect("seed 001");
    let variants = translated
        .extra
        .get("entity_variants")
        .expect("variants recorded");
    let starrer = variants
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["used_here"] == "Keir Starrer")
        .expect("Starrer recorded");
    assert_eq!(starrer["minority"], true);
    assert_eq!(starrer["canonical"], "Keir Starmer");
}
