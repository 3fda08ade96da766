//! Loads the WCXB dev pages (`shared/devdata/wcxb-dev-articles.jsonl.gz`) for quality tests,
//! examples and benchmarks. Found through `NEWSPIPE_DEVDATA` or `<workspace>/../shared/devdata`.

use std::io::{BufRead, BufReader};

/// One dev page with its gold annotation.
#[derive(Debug, Clone, serde::Deserialize)]
#[allow(dead_code)] // every binary that includes this module uses a different subset of fields
pub struct DevPage {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    pub html: String,
    pub article_body: String,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub author: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    pub date: Option<String>,
}

/// Gold metadata uses `""` for "none".
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// The dev pages, every `step`-th one, or `None` (with a printed note) when the data is absent.
/// Under CI (the `CI` environment variable set) missing data is a failure, not a skip.
pub fn load_dev_pages(step: usize) -> Option<Vec<DevPage>> {
    let path = newspipe_corpusgen::devdata_file();
    let Ok(file) = std::fs::File::open(&path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "dev data not found at {} and CI is set: the quality tests must run",
            path.display()
        );
        eprintln!(
            "SKIP: dev data not found at {} (set NEWSPIPE_DEVDATA to the devdata folder)",
            path.display()
        );
        return None;
    };
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let pages = reader
        .lines()
        .map(|line| line.expect("dev data is readable gzip"))
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .filter(|(i, _)| i % step.max(1) == 0)
        .map(|(_, line)| serde_json::from_str(&line).expect("dev data lines are JSON"))
        .collect();
    Some(pages)
}
