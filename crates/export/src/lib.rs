//! # newspipe-export
//!
//! **What it does:** writes every document that reaches it, in input order.
//! `jsonl: PATH` writes one JSON document per line (the public document contract, see the
//! README). Files are written to a temporary file beside the target and renamed into place when
//! the run succeeds, so a crash or a failed run never leaves half a file; a missing folder is
//! created, and an unwritable one is reported before any document is read.
//!
//! **When to use:** at the end of a pipeline (or in the middle, to keep an intermediate state).
//!
//! ```yaml
//! - export:
//!     jsonl: ../out/documents.jsonl   # relative to the pipeline file
//!     include_raw: false              # also write `raw`, the input as decoded
//! ```

use std::io::Write;

use newspipe_core::{
    AtomicFile, BuildContext, BuildError, CorpusStage, Disposition, Document, RunInfo, StageError,
    StageFactory, StageInstance,
};
use serde::{Deserialize, Serialize};

/// Configuration of the `export` stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportConfig {
    /// JSON Lines output file, one document per line.
    pub jsonl: Option<String>,
    /// Whether to write each document's `raw` input next to its `text`.
    pub include_raw: bool,
}

/// The `export` stage at run time: its open output files.
pub struct Export {
    jsonl: Option<AtomicFile>,
    include_raw: bool,
    line: Vec<u8>,
}

impl Export {
    /// Opens every configured output (as temporary files); fails if none is configured or one
    /// cannot be written.
    pub fn new(config: ExportConfig, cx: &BuildContext) -> Result<Self, BuildError> {
        let Some(jsonl) = &config.jsonl else {
            return Err(BuildError::Setup(
                "no output configured; add `jsonl: out/documents.jsonl`".into(),
            ));
        };
        let jsonl = AtomicFile::create(&cx.resolve(jsonl))
            .map_err(|err| BuildError::Setup(err.to_string()))?;
        Ok(Self {
            jsonl: Some(jsonl),
            include_raw: config.include_raw,
            line: Vec::new(),
        })
    }

    fn write_jsonl(&mut self, doc: &mut Document) -> Result<(), StageError> {
        let Some(file) = self.jsonl.as_mut() else {
            return Ok(());
        };
        let raw = if self.include_raw {
            None
        } else {
            Some(std::mem::take(&mut doc.raw))
        };
        self.line.clear();
        let written = serde_json::to_writer(&mut self.line, &*doc);
        if let Some(raw) = raw {
            doc.raw = raw;
        }
        written.map_err(|err| StageError::new(format!("cannot serialize document: {err}")))?;
        self.line.push(b'\n');
        file.write_all(&self.line)?;
        Ok(())
    }
}

impl CorpusStage for Export {
    fn needs_full_view(&self) -> bool {
        false
    }

    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        for doc in docs.iter_mut() {
            self.write_jsonl(doc)?;
        }
        Ok(vec![Disposition::Keep; docs.len()])
    }

    fn finish(&mut self, _run: &RunInfo) -> Result<(), StageError> {
        if let Some(file) = self.jsonl.take() {
            file.commit()?;
        }
        Ok(())
    }
}

/// Registers `export`.
pub fn factory() -> StageFactory {
    StageFactory::new::<ExportConfig>(
        "export",
        "Write documents out as JSON Lines, atomically.",
        |config, cx| Ok(StageInstance::Corpus(Box::new(Export::new(config, cx)?))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(dir: &std::path::Path) -> BuildContext {
        BuildContext {
            base_dir: dir.to_path_buf(),
            pipeline: "test".into(),
        }
    }

    #[test]
    fn writes_one_line_per_document_only_on_finish() {
        let dir = tempfile::tempdir().unwrap();
        let config = ExportConfig {
            jsonl: Some("out/docs.jsonl".into()),
            include_raw: false,
        };
        let mut export = Export::new(config, &context(dir.path())).unwrap();
        let mut docs = vec![
            Document::new("a", Default::default(), "first".into()),
            Document::new("b", Default::default(), "second".into()),
        ];
        assert_eq!(export.apply(&mut docs).unwrap().len(), 2);
        let target = dir.path().join("out/docs.jsonl");
        assert!(!target.exists(), "nothing may appear before finish");
        export.finish(&RunInfo::default()).unwrap();
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&target)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["id"], "b");
        assert_eq!(lines[1]["text"], "second");
        assert!(lines[1].get("raw").is_none(), "raw is omitted by default");
        assert_eq!(docs[0].raw, "first", "the document keeps its raw text");
    }

    #[test]
    fn no_output_is_a_setup_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Export::new(ExportConfig::default(), &context(dir.path()))
            .err()
            .unwrap();
        assert!(err.to_string().contains("no output configured"), "{err}");
    }
}
