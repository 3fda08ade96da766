//! JSON Lines: one document per line, the public document contract.

use std::io::Write;
use std::path::Path;

use newspipe_core::{AtomicFile, Document, StageError};
use rayon::prelude::*;

/// A JSON Lines file being written.
pub struct JsonlWriter {
    file: AtomicFile,
}

impl JsonlWriter {
    /// Starts writing `path` (as a temporary file until [`commit`](Self::commit)).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
        })
    }

    /// Writes each document as one line, as it is (an empty `raw` is left out), in order. The
    /// serializing, the costly part, runs on every worker.
    pub fn write(&mut self, docs: &[&Document]) -> Result<(), StageError> {
        let lines = docs
            .par_iter()
            .map(|doc| {
                let mut line = serde_json::to_vec(doc)
                    .map_err(|err| StageError::new(format!("cannot serialize document: {err}")))?;
                line.push(b'\n');
                Ok(line)
            })
            .collect::<Result<Vec<Vec<u8>>, StageError>>()?;
        for line in lines {
            self.file.write_all(&line)?;
        }
        Ok(())
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), StageError> {
        Ok(self.file.commit()?)
    }
}
