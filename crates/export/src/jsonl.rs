//! JSON Lines: one document per line, the public document contract.

use std::io::Write;
use std::path::Path;

use newspipe_core::{AtomicFile, Document, StageError};

/// A JSON Lines file being written.
pub struct JsonlWriter {
    file: AtomicFile,
    line: Vec<u8>,
}

impl JsonlWriter {
    /// Starts writing `path` (as a temporary file until [`commit`](Self::commit)).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
            line: Vec::new(),
        })
    }

    /// Writes one document as one line, as it is (an empty `raw` is left out).
    pub fn write(&mut self, doc: &Document) -> Result<(), StageError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, doc)
            .map_err(|err| StageError::new(format!("cannot serialize document: {err}")))?;
        self.line.push(b'\n');
        self.file.write_all(&self.line)?;
        Ok(())
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), StageError> {
        Ok(self.file.commit()?)
    }
}
