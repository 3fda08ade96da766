//! The HTML report's row of `cargo xtask bench`: a report over a large corpus built in memory
//! (the export crate's scaled fixture documents), its size, and the seconds headless Chromium
//! takes from opening it to the report's script being done, when the page can be used.

use std::path::Path;

use anyhow::{anyhow, Result};
use newspipe_core::{BuildContext, RunInfo, Sink};
use newspipe_export::{Export, ExportConfig};

#[path = "../../../crates/export/tests/browser/mod.rs"]
mod browser;
#[path = "../../../crates/export/tests/fixtures/mod.rs"]
mod fixtures;

/// The report's budgets for 100,000 documents.
pub const BUDGET_MB: f64 = 5.0;
/// Seconds from opening the report to using it.
pub const BUDGET_SECONDS: f64 = 2.0;

/// What the report row measured.
pub struct ReportLoad {
    /// Documents in the corpus.
    pub docs: usize,
    /// Bytes of the report file.
    pub bytes: u64,
    /// Median seconds from navigation to the script's `data-ready`.
    pub seconds: f64,
}

/// Writes the report of `docs` scaled documents into `dir` and times Chromium loading it
/// `repeat` times (median); `None` when Chromium is not installed.
pub fn measure(dir: &Path, docs: usize, repeat: u32) -> Result<Option<ReportLoad>> {
    let Some(binary) = browser::chromium() else {
        eprintln!("  html report: skipped, chromium is not installed (apt-get install chromium)");
        return Ok(None);
    };
    let cx = BuildContext {
        base_dir: dir.to_path_buf(),
        pipeline: "bench".into(),
    };
    let config = ExportConfig {
        html: Some("report.html".into()),
        ..ExportConfig::default()
    };
    let mut export = Export::new(config, &cx).map_err(|e| anyhow!("{e}"))?;
    let base = fixtures::corpus();
    for start in (0..docs).step_by(2_000) {
        let mut batch = fixtures::scaled(&base, start..docs.min(start + 2_000));
        export.write(&mut batch).map_err(|e| anyhow!("{e}"))?;
    }
    let run = RunInfo {
        pipeline: "bench".into(),
        read: docs as u64,
        ..RunInfo::default()
    };
    export.finish(&run).map_err(|e| anyhow!("{e}"))?;
    let page = dir.join("report.html");
    let bytes = std::fs::metadata(&page)?.len();
    let mut browser = browser::Browser::launch(&binary);
    browser.viewport(1400, 900);
    let mut seconds: Vec<f64> = (0..repeat).map(|_| browser.open(&page)).collect();
    seconds.sort_by(f64::total_cmp);
    Ok(Some(ReportLoad {
        docs,
        bytes,
        seconds: seconds[seconds.len() / 2],
    }))
}
