//! Single-thread speed of the stage on the dev pages, in CPU time:
//! `cargo run --release -p newspipe-normalize --example bench [html|text] [STEP]`
//! `html` normalizes the pages as served; `text` normalizes them flattened to text (menus and
//! all). Prints pages/s and MB/s of input.

#[path = "../tests/support/devdata.rs"]
mod devdata;

use newspipe_core::{Document, InputFormat, Source};
use newspipe_corpusgen::thread_cpu_seconds;
use newspipe_normalize::{flatten_html, NormalizeConfig, Normalizer};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "html".into());
    let step: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let Some(pages) = devdata::load_dev_pages(step) else {
        return;
    };
    let (format, inputs): (InputFormat, Vec<String>) = match mode.as_str() {
        "text" => (
            InputFormat::Text,
            pages.iter().map(|p| flatten_html(&p.html)).collect(),
        ),
        _ => (
            InputFormat::Html,
            pages.iter().map(|p| p.html.clone()).collect(),
        ),
    };
    let docs: Vec<Document> = pages
        .iter()
        .zip(inputs)
        .map(|(page, input)| {
            let source = Source {
                format,
                url: page.url.clone(),
                ..Default::default()
            };
            Document::new(page.id.clone(), source, input)
        })
        .collect();
    let bytes: usize = docs.iter().map(|d| d.raw.len()).sum();
    let normalizer = Normalizer::new(NormalizeConfig::default()).expect("default config builds");
    let start = thread_cpu_seconds();
    let mut words = 0usize;
    for mut doc in docs {
        normalizer.normalize(&mut doc, None);
        words += doc.text.split_whitespace().count();
    }
    let secs = thread_cpu_seconds() - start;
    println!(
        "normalize {mode}: {} pages, {:.1} MB in {secs:.2} s CPU: {:.1} pages/s, {:.1} MB/s ({words} words out)",
        pages.len(),
        bytes as f64 / 1e6,
        pages.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
