//! Quality and speed of the stage on the dev pages, one thread (CPU time), release mode:
//! `cargo run --release -p newspipe-normalize --example devdata_report [STEP] [OUT_DIR]`
//!
//! For each HTML extractor (and, for reference, the `trafilatura` crate with its own fallbacks),
//! prints the shingle F1 against the gold bodies, pages/s and MB/s; then the same for text mode
//! over the pages flattened to text (menus and all). Each is broken down by half of the pages
//! (even- and odd-numbered: tune on one, check on the other) and by page kind: pages that
//! declare a news article in their structured data against the rest. With OUT_DIR, writes
//! `{id, text}` JSON Lines per configuration for `shared/tools/score_extraction.py`.

#[path = "../tests/support/devdata.rs"]
mod devdata;

use std::io::Write;

use newspipe_core::{Document, InputFormat, Source};
use newspipe_corpusgen::thread_cpu_seconds;
use newspipe_normalize::eval::{aggregate, page_counts, PageCounts};
use newspipe_normalize::{
    declares_news_article, flatten_html, fold_for_matching, ExtractorChoice, NormalizeConfig,
    Normalizer,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let step: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let out_dir = args.next();
    let Some(pages) = devdata::load_dev_pages(step) else {
        return;
    };
    let html_bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    println!(
        "{} pages, {:.1} MB of HTML",
        pages.len(),
        html_bytes as f64 / 1e6
    );

    let trafilatura_full = |html: &str| {
        let options = trafilatura::Options::default().with_fallback(true);
        trafilatura::extract(html, &options)
            .map(|r| r.content_text)
            .unwrap_or_default()
    };
    let inputs: Vec<&str> = pages.iter().map(|p| p.html.as_str()).collect();
    report(
        "trafilatura crate, fallbacks on",
        &pages,
        &inputs,
        out_dir.as_deref(),
        |html| trafilatura_full(html),
    );
    for choice in [
        ExtractorChoice::Auto,
        ExtractorChoice::DomSmoothie,
        ExtractorChoice::Trafilatura,
    ] {
        let normalizer = Normalizer::new(NormalizeConfig {
            html_extractor: choice,
            ..Default::default()
        })
        .expect("default config builds");
        let label = format!("normalize html, {choice:?}");
        report(&label, &pages, &inputs, out_dir.as_deref(), |html| {
            run(&normalizer, html, InputFormat::Html)
        });
    }
    metadata_report(&pages);
    let flat: Vec<String> = pages.iter().map(|p| flatten_html(&p.html)).collect();
    let flat_refs: Vec<&str> = flat.iter().map(String::as_str).collect();
    let normalizer = Normalizer::new(NormalizeConfig::default()).expect("default config builds");
    report(
        "no cleaning, flattened text",
        &pages,
        &flat_refs,
        out_dir.as_deref(),
        |text| text.to_owned(),
    );
    report(
        "normalize text, flattened",
        &pages,
        &flat_refs,
        out_dir.as_deref(),
        |text| run(&normalizer, text, InputFormat::Text),
    );
}

/// Title, byline and date against the gold metadata, compared as the research notes describe:
/// titles and authors after case folding and keeping only word characters, dates exactly.
fn metadata_report(pages: &[devdata::DevPage]) {
    let normalizer = Normalizer::new(NormalizeConfig::default()).expect("default config builds");
    let key = |s: &str| -> String {
        fold_for_matching(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let (mut title_ok, mut title_n) = (0, 0);
    let (mut author_ok, mut author_n) = (0, 0);
    let (mut date_ok, mut date_n, mut date_spurious, mut date_none) = (0, 0, 0, 0);
    let mut not_article = 0;
    for page in pages {
        let source = Source {
            format: InputFormat::Html,
            url: page.url.clone(),
            ..Default::default()
        };
        let mut doc = Document::new(page.id.clone(), source, page.html.clone());
        normalizer.normalize(&mut doc, None);
        not_article += usize::from(doc.meta.page_kind != Some(newspipe_core::PageKind::Article));
        if let Some(gold) = &page.title {
            title_n += 1;
            title_ok += usize::from(doc.meta.title.as_deref().map(key) == Some(key(gold)));
        }
        if let Some(gold) = &page.author {
            author_n += 1;
            author_ok += usize::from(doc.meta.byline.as_deref().map(key) == Some(key(gold)));
        }
        match (&page.date, &doc.meta.published) {
            (Some(gold), Some(found)) => {
                date_n += 1;
                date_ok += usize::from(gold.get(..10) == Some(found.as_str()));
            }
            (Some(_), None) => date_n += 1,
            (None, Some(_)) => {
                date_none += 1;
                date_spurious += 1;
            }
            (None, None) => date_none += 1,
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "metadata (html, auto): title {:.1}% of {title_n}, byline {:.1}% of {author_n}, date {:.1}% of {date_n}, spurious date on {:.1}% of {date_none} pages without one",
        pct(title_ok, title_n),
        pct(author_ok, author_n),
        pct(date_ok, date_n),
        pct(date_spurious, date_none)
    );
    println!(
        "page kind (html, auto): {:.1}% of these article pages flagged as not an article",
        pct(not_article, pages.len())
    );
}

fn run(normalizer: &Normalizer, input: &str, format: InputFormat) -> String {
    let source = Source {
        format,
        ..Default::default()
    };
    let mut doc = Document::new("d", source, input.to_owned());
    normalizer.normalize(&mut doc, None);
    doc.text
}

fn report(
    label: &str,
    pages: &[devdata::DevPage],
    inputs: &[&str],
    out_dir: Option<&str>,
    extract: impl Fn(&str) -> String,
) {
    let bytes: usize = inputs.iter().map(|i| i.len()).sum();
    let start = thread_cpu_seconds();
    let outputs: Vec<String> = inputs.iter().map(|i| extract(i)).collect();
    let secs = thread_cpu_seconds() - start;
    let counts: Vec<_> = pages
        .iter()
        .zip(&outputs)
        .map(|(p, out)| page_counts(&p.article_body, out))
        .collect();
    let s = aggregate(&counts);
    let empty = outputs.iter().filter(|o| o.trim().is_empty()).count();
    println!(
        "{label:<36} F1 {:.3}  P {:.3}  R {:.3}  empty {empty:>3}  {:>6.1} pages/s  {:>5.1} MB/s",
        s.f1,
        s.precision,
        s.recall,
        pages.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    breakdown(pages, &counts);
    if let Some(dir) = out_dir {
        let name: String = label
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        let path = std::path::Path::new(dir).join(format!("{name}.jsonl"));
        let mut file =
            std::io::BufWriter::new(std::fs::File::create(&path).expect("writable out dir"));
        for (page, text) in pages.iter().zip(&outputs) {
            let record = serde_json::json!({"id": page.id, "text": text});
            writeln!(file, "{record}").expect("write prediction");
        }
    }
}

/// F1 / P / R of one configuration by page kind (declared news articles, the rest, all) and by
/// half of the pages (all, even-numbered, odd-numbered).
fn breakdown(pages: &[devdata::DevPage], counts: &[PageCounts]) {
    let news: Vec<bool> = pages
        .iter()
        .map(|p| declares_news_article(&p.html))
        .collect();
    // Which pages each row keeps: `Some(true)` declared news, `Some(false)` the rest.
    let kinds = [("news", Some(true)), ("rest", Some(false)), ("all", None)];
    for (kind, keep) in kinds {
        let mut line = format!("    {kind:<5}");
        for (half, parity) in [("all", None), ("even", Some(0)), ("odd", Some(1))] {
            let chosen: Vec<PageCounts> = counts
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    keep.is_none_or(|k| news[*i] == k) && parity.is_none_or(|p| i % 2 == p)
                })
                .map(|(_, c)| *c)
                .collect();
            let s = aggregate(&chosen);
            line += &format!(
                "  {half} {:>3}: {:.4} / {:.4} / {:.4}",
                chosen.len(),
                s.f1,
                s.precision,
                s.recall
            );
        }
        println!("{line}");
    }
}
