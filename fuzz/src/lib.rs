//! The fuzz harness: one entry point per fuzz target, each feeding arbitrary bytes to a part of
//! newspipe the way a run does and checking the invariants that part promises (not just "no
//! panic"). A broken invariant panics, which libFuzzer reports as a crash.
//!
//! The same file is compiled into the workspace's integration tests (`tests/it/fuzz_replay.rs`),
//! which replay the seeds and every kept crasher under `fuzz/seeds/` and `fuzz/regressions/`
//! on stable Rust, so CI guards them without nightly or libFuzzer.

use std::path::Path;

use newspipe_core::{BuildContext, Document, InputFormat, Source};
use serde_json::Value;

/// Every target, by the name of its `fuzz_targets/<name>.rs` and its seed folders.
pub const TARGETS: &[&str] = &[
    "pipeline_config",
    "normalize_text",
    "normalize_html",
    "jsonl_reader",
    "extract",
];

/// Runs the target called `name` on `data`; panics on a broken invariant or an unknown name.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "pipeline_config" => pipeline_config(data),
        "normalize_text" => normalize(InputFormat::Text, data),
        "normalize_html" => normalize(InputFormat::Html, data),
        "jsonl_reader" => jsonl_reader(data),
        "extract" => extract(data),
        other => panic!("unknown fuzz target `{other}`"),
    }
}

/// Byte that separates documents in one input of the corpus targets: never valid UTF-8, so it
/// cannot collide with text the fuzzer wants to test.
const DOC_SEPARATOR: u8 = 0xFF;

/// At most this many documents per input, so one input stays fast.
const MAX_DOCS: usize = 6;

/// Splits an input into the raw texts of up to [`MAX_DOCS`] documents.
fn documents(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == DOC_SEPARATOR)
        .take(MAX_DOCS)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// pipeline_config

/// Stages whose build has no side effects (export creates files, plugin loads libraries).
const BUILDABLE: &[&str] = &["normalize", "dedupe", "extract"];

/// `newspipe_config::load_str` on arbitrary text: either a pipeline whose stages are known and
/// build without a config error, or diagnostics (at least one, each at a real place in the
/// file) that render. `from_yaml`/`to_yaml` round-trip what they read.
pub fn pipeline_config(data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    let path = Path::new("pipelines/fuzz.yaml");
    let registry = newspipe::registry();
    match newspipe_config::load_str(path, &source, &registry) {
        Ok(pipeline) => {
            assert!(!pipeline.stages.is_empty(), "a valid pipeline has stages");
            assert!(pipeline.input.batch_size >= 1);
            let cx = BuildContext {
                base_dir: pipeline.base_dir.clone(),
                pipeline: pipeline.name.clone(),
            };
            for stage in &pipeline.stages {
                let factory = registry
                    .get(&stage.name)
                    .unwrap_or_else(|| panic!("validated stage `{}` is unknown", stage.name));
                if BUILDABLE.contains(&stage.name.as_str()) {
                    if let Err(newspipe_core::BuildError::Config(issues)) =
                        factory.build(&stage.config, &cx)
                    {
                        panic!(
                            "stage `{}` passed validation but its config is rejected: {issues:?}",
                            stage.name
                        );
                    }
                }
            }
        }
        Err(diagnostics) => {
            assert!(
                !diagnostics.items.is_empty(),
                "an error without diagnostics"
            );
            let lines: Vec<&str> = source.split('\n').collect();
            for item in &diagnostics.items {
                let line_chars = item
                    .line
                    .checked_sub(1)
                    .and_then(|index| lines.get(index))
                    .map(|line| line.chars().count());
                assert!(
                    line_chars.is_some_and(|chars| (1..=chars + 1).contains(&item.column)),
                    "diagnostic outside the file ({} lines): {item:?}",
                    lines.len()
                );
                assert!(!item.message.is_empty(), "empty diagnostic message");
            }
            let rendered = diagnostics.to_string();
            assert!(rendered.contains("problem"), "rendered: {rendered}");
        }
    }
    if let Ok(value) = newspipe_config::from_yaml(&source) {
        let yaml = newspipe_config::to_yaml(&value);
        let again = newspipe_config::from_yaml(&yaml)
            .unwrap_or_else(|err| panic!("to_yaml wrote unreadable YAML ({err}):\n{yaml}"));
        assert_eq!(again, value, "YAML round trip changed the value:\n{yaml}");
    }
}

// ---------------------------------------------------------------------------------------------
// normalize_text / normalize_html

/// The `normalize` stage, built from its factory with the default config, run over up to
/// [`MAX_DOCS`] pages of one site as the runner runs it (observe, prepare, apply), so the
/// site-repeat index is exercised. Checks `text` (see [`check_clean_text`]), `removed` spans
/// and the dates it sets.
pub fn normalize(format: InputFormat, data: &[u8]) {
    let docs: Vec<Document> = documents(data)
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let source = Source {
                path: format!("site/page{i}"),
                format,
                url: Some(format!("https://news.example/2025/03/0{}/story-{i}", i + 1)),
                ..Source::default()
            };
            Document::new(format!("d{i}"), source, raw)
        })
        .collect();
    let raws: std::collections::HashMap<String, String> = docs
        .iter()
        .map(|doc| (doc.id.clone(), doc.raw.clone()))
        .collect();
    let docs = run_stage("normalize", docs);
    for doc in &docs {
        let raw = &raws[&doc.id];
        assert_eq!(&doc.raw, raw, "normalize changed `raw`");
        check_clean_text(&doc.text);
        for span in &doc.removed {
            assert!(
                span.start <= span.end && doc.raw.get(span.start..span.end).is_some(),
                "removed span {}..{} not a slice of raw ({} bytes)",
                span.start,
                span.end,
                doc.raw.len()
            );
        }
        check_iso_date(doc.meta.published.as_deref());
        for candidate in &doc.meta.date_candidates {
            check_iso_date(Some(&candidate.value));
        }
        assert!(doc.meta.page_kind.is_some(), "page kind not set");
    }
}

/// What the normalized `text` promises: NFC; no control characters but `\n`; no zero-width
/// characters, soft hyphens or bidi controls; single spaces; lines trimmed; at most one blank
/// line between paragraphs; none at either end.
fn check_clean_text(text: &str) {
    assert!(
        unicode_normalization::is_nfc(text),
        "text is not NFC: {text:?}"
    );
    for c in text.chars() {
        let invisible = matches!(
            c,
            '\u{200B}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{00AD}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        );
        assert!(
            !invisible && (c == '\n' || !c.is_control()),
            "text keeps {c:?}: {text:?}"
        );
    }
    assert!(!text.contains("  "), "double space in {text:?}");
    assert!(!text.contains("\n\n\n"), "two blank lines in {text:?}");
    for line in text.split('\n') {
        assert_eq!(line, line.trim(), "untrimmed line in {text:?}");
    }
    assert!(
        !text.starts_with('\n') && !text.ends_with('\n'),
        "blank line at an end of {text:?}"
    );
}

/// `Some` date must be a real `YYYY-MM-DD` date.
fn check_iso_date(date: Option<&str>) {
    if let Some(date) = date {
        assert!(
            date.len() == 10 && newspipe_core::calendar::parse_iso(date).is_some(),
            "not an ISO date: {date:?}"
        );
    }
}

/// Runs the registered stage `name`, with its defaults, over `docs` as a pipeline run would;
/// checks that no document is lost and returns those it kept.
fn run_stage(name: &str, docs: Vec<Document>) -> Vec<Document> {
    let registry = newspipe::registry();
    let factory = registry.get(name).expect("stage is registered");
    let stage = factory
        .build(&Value::Object(Default::default()), &BuildContext::default())
        .unwrap_or_else(|err| panic!("`{name}` does not build with its defaults: {err}"));
    let count = docs.len();
    let out = newspipe_runner::run_in_memory(
        vec![(name.to_string(), stage)],
        docs,
        &newspipe_runner::MemoryRunOptions::default(),
    )
    .expect("the run succeeds");
    assert!(out.rejected.is_empty(), "rejected: {:?}", out.rejected);
    assert_eq!(
        out.docs.len() + out.dropped.len(),
        count,
        "every document is kept or dropped with a reason"
    );
    out.docs
}

// ---------------------------------------------------------------------------------------------
// jsonl_reader

/// Each line of a JSON Lines file, split as the reader splits it, through
/// `newspipe_runner::jsonl_document`: a document with a non-blank body, an id, and the fields
/// of the JSON in their places; or a named reject from the `read` stage.
pub fn jsonl_reader(data: &[u8]) {
    let path = Path::new("input/docs.jsonl");
    for (index, line) in data.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = index as u64 + 1;
        match newspipe_runner::jsonl_document(path, number, line) {
            Ok(doc) => check_jsonl_document(&doc, line, number),
            Err(reject) => {
                assert_eq!(reject.stage, "read");
                assert!(!reject.id.is_empty(), "reject without an id");
                assert!(!reject.reason.is_empty(), "reject without a reason");
                assert_eq!(reject.source, format!("{}:{number}", path.display()));
            }
        }
    }
}

fn check_jsonl_document(doc: &Document, line: &[u8], number: u64) {
    assert!(!doc.id.is_empty(), "document without an id");
    assert!(!doc.text.trim().is_empty(), "blank document accepted");
    assert_eq!(doc.text, doc.raw, "the reader sets raw = text");
    assert_eq!(doc.source.line, Some(number));
    check_iso_date(doc.meta.published.as_deref());
    assert_eq!(
        doc.meta.published.is_some(),
        doc.meta.published_basis.as_deref() == Some("input"),
        "published and its basis disagree"
    );
    serde_json::to_string(doc).expect("a read document serializes");
    // Valid UTF-8 JSON must land exactly where its fields say.
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(line) else {
        return;
    };
    let (body, format) = match (fields.get("html"), fields.get("text")) {
        (Some(Value::String(html)), _) => (html, InputFormat::Html),
        (_, Some(Value::String(text))) => (text, InputFormat::Text),
        _ => panic!("accepted a line with no string `text` or `html`: {fields:?}"),
    };
    assert_eq!(&doc.raw, body, "body differs from the JSON field");
    assert_eq!(doc.source.format, format);
    if let Some(Value::String(id)) = fields.get("id") {
        assert_eq!(&doc.id, id);
    }
    if let Some(Value::String(url)) = fields.get("url") {
        assert_eq!(doc.source.url.as_ref(), Some(url));
    }
}

// ---------------------------------------------------------------------------------------------
// extract

/// The `extract` stage, built from its factory with the default config, over up to
/// [`MAX_DOCS`] documents (observe, prepare, apply, as the runner runs it), some with a
/// publication date and some without. Every annotation must point into `text` on char
/// boundaries and cover what it says it covers.
pub fn extract(data: &[u8]) {
    let docs: Vec<Document> = documents(data)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let mut doc = Document::new(format!("d{i}"), Source::default(), text);
            if i % 2 == 0 {
                doc.meta.published = Some("2025-03-06".into());
                doc.meta.published_basis = Some("input".into());
            }
            doc
        })
        .collect();
    let docs = run_stage("extract", docs);
    for doc in &docs {
        check_annotations(doc);
    }
}

/// Every span of an annotation is a slice of `text`; entity, date and quantity spans cover
/// exactly their `text`; quote speakers and claim quantities point at real things.
fn check_annotations(doc: &Document) {
    let text = doc.text.as_str();
    let slice = |what: &str, start: usize, end: usize| -> &str {
        text.get(start..end).unwrap_or_else(|| {
            panic!(
                "{what} span {start}..{end} is not a slice of text ({} bytes): {text:?}",
                text.len()
            )
        })
    };
    for entity in &doc.entities {
        assert_eq!(slice("entity", entity.start, entity.end), entity.text);
        assert!(
            !entity.canonical.is_empty(),
            "entity without canonical name"
        );
    }
    for date in &doc.dates {
        assert_eq!(slice("date", date.start, date.end), date.text);
    }
    for quantity in &doc.quantities {
        assert_eq!(
            slice("quantity", quantity.start, quantity.end),
            quantity.text
        );
    }
    for quote in &doc.quotes {
        assert!(
            slice("quote", quote.start, quote.end).contains(quote.text.as_str()),
            "quote text {:?} not in its span",
            quote.text
        );
        match (quote.speaker_start, quote.speaker_end) {
            (Some(start), Some(end)) => {
                slice("quote speaker", start, end);
            }
            (None, None) => {}
            other => panic!("half a speaker span: {other:?}"),
        }
    }
    for claim in &doc.claims {
        assert_eq!(slice("claim", claim.start, claim.end), claim.text);
        for &index in &claim.quantities {
            assert!(
                index < doc.quantities.len(),
                "claim quantity {index} missing"
            );
        }
    }
}
