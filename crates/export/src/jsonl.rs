//! JSON Lines: one document per line, the public document contract.

use std::io::Write;
use std::path::Path;

use newspipe_core::{AtomicFile, Document, StageError};

/// A JSON Lines file being written.
pub struct JsonlWriter {
    file: AtomicFile,
    include_raw: bool,
    line: Vec<u8>,
}

impl JsonlWriter {
    /// Starts writing `path` (as a temporary file until [`commit`](Self::commit)).
    pub fn create(path: &Path, include_raw: bool) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
            include_raw,
            line: Vec::new(),
        })
    }

    /// Writes one document as one line; `raw` is left out unless `include_raw`.
    pub fn write(&mut self, doc: &mut Document) -> Result<(), StageError> {
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
        self.file.write_all(&self.line)?;
        Ok(())
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), StageError> {
        Ok(self.file.commit()?)
    }
}
