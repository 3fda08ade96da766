//! Odd inputs never panic and never lose the document: NUL bytes, BOMs, replacement
//! characters, empty bodies, huge pages, deep nesting, markup in text mode.

use newspipe_core::{Document, InputFormat, Source};
use newspipe_normalize::{factory, NormalizeConfig, Normalizer};
use newspipe_runner::{run_in_memory, MemoryRun, MemoryRunOptions};

/// Runs the stage built from `config` over `docs` as a pipeline run would.
fn run_stage(config: serde_json::Value, docs: Vec<Document>) -> MemoryRun {
    let stage = factory().build(&config, &Default::default()).unwrap();
    let options = MemoryRunOptions {
        batch_size: 2,
        ..MemoryRunOptions::default()
    };
    run_in_memory(vec![("normalize".into(), stage)], docs, &options).unwrap()
}

fn doc(id: &str, format: InputFormat, raw: String) -> Document {
    let source = Source {
        path: "odd/page".into(),
        format,
        url: Some("https://news.example/2025/03/06/story".into()),
        ..Default::default()
    };
    Document::new(id, source, raw)
}

fn odd_inputs() -> Vec<(&'static str, String)> {
    let paragraph =
        "The council voted on Tuesday to extend the program for another year, officials said.\n\n";
    vec![
        ("empty", String::new()),
        ("blank", " \n\t\r\n ".into()),
        ("nul", format!("\0\0{paragraph}\0\u{FEFF}{paragraph}\0")),
        ("bom", format!("\u{FEFF}{paragraph}{paragraph}")),
        (
            "replacement",
            "\u{FFFD}\u{FFFD} caf\u{FFFD} \u{FFFD}\n".repeat(50),
        ),
        (
            "controls",
            "\u{1}\u{2}\u{7f}\u{85}\u{2028}\u{202e}x\n".repeat(100),
        ),
        ("combining", "e\u{301}\u{301}\u{301}\u{301} ".repeat(1000)),
        ("ten_mb_line", "word ".repeat(2_000_000)),
        ("many_lines", paragraph.repeat(20_000)),
        (
            "deep_nesting",
            format!(
                "<html><body>{}text{}</body></html>",
                "<div>".repeat(2_000),
                "</div>".repeat(2_000)
            ),
        ),
        (
            "broken_html",
            "<html><body><p>Unclosed <b>bold <i>italic</p></div></span><script>".into(),
        ),
        (
            "html_no_body",
            "<!doctype html><html><head><title>Just a title</title></head></html>".into(),
        ),
        (
            "cjk",
            "北京时间今天上午，国务院新闻办公室举行新闻发布会，介绍今年前三季度经济运行情况。\n"
                .repeat(30),
        ),
        (
            "rtl",
            "قالت الحكومة يوم الثلاثاء إنها ستمدد البرنامج لعام آخر.\n".repeat(30),
        ),
    ]
}

#[test]
fn odd_inputs_are_normalized_without_panic_in_both_formats() {
    let normalizer = Normalizer::new(NormalizeConfig::default()).unwrap();
    for (name, raw) in odd_inputs() {
        for format in [InputFormat::Text, InputFormat::Html] {
            let mut d = doc(name, format, raw.clone());
            normalizer.normalize(&mut d, None);
            assert!(d.meta.page_kind.is_some(), "{name} {format:?}");
            assert!(!d.text.contains('\0'), "{name} {format:?}");
            assert!(!d.text.contains('\u{FEFF}'), "{name} {format:?}");
            for span in &d.removed {
                assert!(
                    d.raw.get(span.start..span.end).is_some(),
                    "{name} {format:?}: span {span:?} not on char boundaries"
                );
            }
        }
    }
}

#[test]
fn the_stage_keeps_every_document_of_a_batch() {
    let docs: Vec<Document> = odd_inputs()
        .into_iter()
        .map(|(name, raw)| doc(name, InputFormat::Text, raw))
        .collect();
    let count = docs.len();
    let run = run_stage(serde_json::json!({}), docs);
    assert_eq!(run.docs.len(), count);
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    assert!(run.dropped.is_empty(), "{:?}", run.dropped);
}

#[test]
fn lines_repeated_across_a_site_are_cut_by_the_stage() {
    let template = "Independent reporting from the capital since 1998, every single day";
    let stories = [
        "The council voted on Tuesday to extend the bus program for another year, officials said after the meeting.",
        "Firefighters contained a blaze at a warehouse near the port on Sunday night, and no one was hurt, the fire service said.",
        "The city library will reopen next month after a two-year renovation that doubled its reading space, the mayor announced.",
    ];
    let docs: Vec<Document> = stories
        .iter()
        .enumerate()
        .map(|(i, story)| {
            doc(
                &i.to_string(),
                InputFormat::Text,
                format!("{story}\n\n{story}\n\n{template}\n"),
            )
        })
        .collect();
    let run = run_stage(serde_json::json!({"site_repeats": {"min_pages": 3}}), docs);
    assert_eq!(run.docs.len(), stories.len());
    for d in &run.docs {
        assert!(!d.text.contains(template), "{}", d.text);
        assert!(d
            .removed
            .iter()
            .any(|r| r.rule.as_deref() == Some("site_repeat")));
    }
}

#[test]
fn non_articles_are_flagged_or_dropped_as_configured() {
    let listing = (0..12)
        .map(|i| format!("Headline number {i} about the city council"))
        .collect::<Vec<_>>()
        .join("\n");
    let docs = vec![doc("listing", InputFormat::Text, listing.clone())];
    let run = run_stage(serde_json::json!({"drop_non_articles": true}), docs);
    assert!(run.docs.is_empty(), "the listing must be dropped");
    assert_eq!(run.dropped.len(), 1);
    assert!(
        run.dropped[0].reason.starts_with("not an article"),
        "{:?}",
        run.dropped[0]
    );
    let docs = vec![doc("listing", InputFormat::Text, listing)];
    let run = run_stage(serde_json::json!({}), docs);
    assert_ne!(
        run.docs[0].meta.page_kind,
        Some(newspipe_core::PageKind::Article),
        "without drop_non_articles the listing is kept and flagged"
    );
}

#[test]
fn bad_config_is_reported_with_its_key() {
    let issues = factory().check(&serde_json::json!({"boilerplat": false}));
    assert_eq!(issues[0].unknown_key.as_deref(), Some("boilerplat"));
    let err = factory()
        .build(
            &serde_json::json!({"extra_patterns": [{"pattern": "("}]}),
            &Default::default(),
        )
        .err()
        .expect("an invalid regex is refused");
    assert!(err.to_string().contains("extra_patterns"), "{err}");
}
