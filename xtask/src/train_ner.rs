//! `cargo xtask train-ner`: trains the extract stage's entity model and writes the model file
//! that ships in the crate.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use newspipe_extract::{train_ner as train, TrainConfig};

/// The shipped model file, relative to the workspace root.
const MODEL_FILE: &str = "crates/extract/data/ner.model.gz";

/// Trains on `<data>/eng.train`, reports on `<data>/eng.testa`, and writes the model.
pub fn train_ner(
    data: &Path,
    epochs: Option<usize>,
    rows_log2: Option<u32>,
    out: Option<PathBuf>,
) -> Result<()> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let data = if data.is_relative() {
        root.join(data)
    } else {
        data.to_path_buf()
    };
    let read = |name: &str| {
        let path = data.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let defaults = TrainConfig::default();
    let config = TrainConfig {
        epochs: epochs.unwrap_or(defaults.epochs),
        rows_log2: rows_log2.unwrap_or(defaults.rows_log2),
    };
    let (model, _) = train(
        &read("eng.train")?,
        &read("eng.testa")?,
        config,
        &mut |line| eprintln!("{line}"),
    )?;
    let out = out.unwrap_or_else(|| root.join(MODEL_FILE));
    std::fs::write(&out, &model).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), model.len());
    Ok(())
}
