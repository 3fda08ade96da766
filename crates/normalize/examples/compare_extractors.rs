//! Measures HTML extractor backends on the dev pages: shingle F1 and single-thread speed.
//! `cargo run --release -p newspipe-normalize --example compare_extractors`

#[path = "../tests/support/devdata.rs"]
mod devdata;

use std::time::Instant;

use newspipe_normalize::eval::{aggregate, page_counts};

fn trafilatura_text(html: &str, fallback: bool) -> String {
    let opts = trafilatura::Options::default().with_fallback(fallback);
    trafilatura::extract(html, &opts)
        .map(|r| r.content_text)
        .unwrap_or_default()
}

fn smoothie_text(html: &str) -> String {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    dom_smoothie::Readability::new(html, None, Some(cfg))
        .and_then(|mut r| r.parse())
        .map(|a| a.text_content.to_string())
        .unwrap_or_default()
}

fn main() {
    let step: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(pages) = devdata::load_dev_pages(step) else { return };
    let bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    let backends: Vec<(&str, Box<dyn Fn(&str) -> String>)> = vec![
        ("trafilatura (fallback)", Box::new(|h| trafilatura_text(h, true))),
        ("trafilatura (no fallback)", Box::new(|h| trafilatura_text(h, false))),
        ("dom_smoothie (formatted)", Box::new(smoothie_text)),
    ];
    println!("{} pages, {:.1} MB", pages.len(), bytes as f64 / 1e6);
    for (name, run) in backends {
        let start = Instant::now();
        let outputs: Vec<String> = pages.iter().map(|p| run(&p.html)).collect();
        let secs = start.elapsed().as_secs_f64();
        let counts: Vec<_> = pages
            .iter()
            .zip(&outputs)
            .map(|(p, out)| page_counts(&p.article_body, out))
            .collect();
        let s = aggregate(&counts);
        let empty = outputs.iter().filter(|o| o.trim().is_empty()).count();
        println!(
            "{name:<28} F1 {:.3}  P {:.3}  R {:.3}  empty {empty:>3}  {:>6.1} pages/s  {:>5.1} MB/s",
            s.f1,
            s.precision,
            s.recall,
            pages.len() as f64 / secs,
            bytes as f64 / 1e6 / secs
        );
    }
}
