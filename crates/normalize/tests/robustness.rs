//! Odd inputs never panic and never lose the document: NUL bytes, BOMs, replacement
//! characters, empty bodies, huge pages, deep nesting, markup in text mode.

use newspipe_core::{Document, InputFormat, Source, StageInstance};
use newspipe_normalize::{factory, NormalizeConfig, Normalizer};

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
    let StageInstance::Corpus(mut stage) = factory()
        .build(&serde_json::json!({}), &Default::default())
        .unwrap()
    else {
        panic!("normalize is a corpus stage");
    };
    let mut docs: Vec<Document> = odd_inputs()
        .into_iter()
        .map(|(name, raw)| doc(name, InputFormat::Text, raw))
        .collect();
    assert!(stage.needs_full_view());
    stage.observe(&mut docs).unwrap();
    stage.prepare().unwrap();
    let dispositions = stage.apply(&mut docs).unwrap();
    assert_eq!(dispositions.len(), docs.len());
    assert!(dispositions
        .iter()
        .all(|d| *d == newspipe_core::Disposition::Keep));
}

#[test]
fn lines_repeated_across_a_site_are_cut_by_the_stage() {
    let StageInstance::Corpus(mut stage) = factory()
        .build(
            &serde_json::json!({"site_repeats": {"min_pages": 3}}),
            &Default::default(),
        )
        .unwrap()
    else {
        panic!("normalize is a corpus stage");
    };
    let template = "Independent reporting from the capital since 1998, every single day";
    let stories = [
        "The council voted on Tuesday to extend the bus program for another year, officials said after the meeting.",
        "Firefighters contained a blaze at a warehouse near the port on Sunday night, and no one was hurt, the fire service said.",
        "The city library will reopen next month after a two-year renovation that doubled its reading space, the mayor announced.",
    ];
    let mut docs: Vec<Document> = stories
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
    stage.observe(&mut docs).unwrap();
    stage.prepare().unwrap();
    stage.apply(&mut docs).unwrap();
    for d in &docs {
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
    let StageInstance::Corpus(mut stage) = factory()
        .build(
            &serde_json::json!({"drop_non_articles": true}),
            &Default::default(),
        )
        .unwrap()
    else {
        panic!("normalize is a corpus stage");
    };
    let mut docs = vec![doc("listing", InputFormat::Text, listing)];
    stage.observe(&mut docs).unwrap();
    stage.prepare().unwrap();
    let dispositions = stage.apply(&mut docs).unwrap();
    assert!(
        matches!(dispositions[0], newspipe_core::Disposition::Drop { .. }),
        "{dispositions:?}"
    );
    assert_ne!(
        docs[0].meta.page_kind,
        Some(newspipe_core::PageKind::Article)
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
