//! Quality floors on the WCXB dev pages (shared/devdata), scored with the article-extraction
//! benchmark's shingle F1 (`newspipe_normalize::eval`, a port of score_extraction.py).
//! Skips with a message when the dev data is absent. Every 5th page is used so that the test
//! stays quick in debug builds; `examples/devdata_report.rs` scores the full set.

mod support;

use newspipe_core::{Document, InputFormat, Source};
use newspipe_normalize::eval::{aggregate, page_counts, Scores};
use newspipe_normalize::{declares_news_article, flatten_html, NormalizeConfig, Normalizer};
use support::devdata::{load_dev_pages, DevPage};

/// Pages used: every `SAMPLE_STEP`-th dev page.
const SAMPLE_STEP: usize = 5;

fn score(pages: &[DevPage], format: InputFormat, input: impl Fn(&DevPage) -> String) -> Scores {
    let normalizer = Normalizer::new(NormalizeConfig::default()).unwrap();
    let counts: Vec<_> = pages
        .iter()
        .map(|page| {
            let source = Source {
                format,
                url: page.url.clone(),
                ..Default::default()
            };
            let mut doc = Document::new(page.id.clone(), source, input(page));
            normalizer.normalize(&mut doc, None);
            page_counts(&page.article_body, &doc.text)
        })
        .collect();
    aggregate(&counts)
}

#[test]
fn html_pages_reach_the_f1_floor() {
    let Some(pages) = load_dev_pages(SAMPLE_STEP) else {
        return;
    };
    let scores = score(&pages, InputFormat::Html, |p| p.html.clone());
    println!("html mode on {} dev pages: {scores:?}", pages.len());
    assert!(scores.f1 >= 0.93, "{scores:?}");
}

#[test]
fn declared_news_articles_reach_the_precision_floor() {
    // All the dev pages that declare a news article (60 of 790): too few to sample.
    let Some(pages) = load_dev_pages(1) else {
        return;
    };
    let news: Vec<DevPage> = pages
        .into_iter()
        .filter(|p| declares_news_article(&p.html))
        .collect();
    let scores = score(&news, InputFormat::Html, |p| p.html.clone());
    println!(
        "html mode on {} declared news pages: {scores:?}",
        news.len()
    );
    // Before `auto` read them with `trafilatura`: F1 0.955, precision 0.937.
    assert!(scores.f1 >= 0.957, "{scores:?}");
    assert!(scores.precision >= 0.945, "{scores:?}");
}

#[test]
fn flattened_pages_reach_the_f1_floor() {
    let Some(pages) = load_dev_pages(SAMPLE_STEP) else {
        return;
    };
    let scores = score(&pages, InputFormat::Text, |p| flatten_html(&p.html));
    println!(
        "text mode on {} flattened dev pages: {scores:?}",
        pages.len()
    );
    assert!(scores.f1 >= 0.88, "{scores:?}");
}

/// `auto` parses a news page once, with `dom_query`, and copies the tree for the trafilatura
/// crate (`page_tree`): on real pages the copy must be the tree `scraper` would have parsed
/// (the two are different html5ever versions).
#[test]
fn the_shared_parse_copies_exactly_what_scraper_would_parse() {
    use newspipe_normalize::page_tree::{parse_for_scraper, scraper_copy};
    let Some(pages) = load_dev_pages(SAMPLE_STEP) else {
        return;
    };
    for page in &pages {
        let copied = scraper_copy(&dom_query::Document::from(page.html.as_str()));
        let parsed = parse_for_scraper(&page.html);
        assert!(
            copied.html() == parsed.html(),
            "{}: the trees differ",
            page.id
        );
    }
}
