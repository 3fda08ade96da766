//! JSON Lines: one document per line, the public document contract.

use std::io::Write;
use std::path::Path;

use newspipe_core::{AtomicFile, Document, StageError};
use rayon::prelude::*;

/// Documents serialized into one buffer by one task of [`JsonlWriter::write`].
const LINES_A_PIECE: usize = 16;

/// A JSON Lines file being written.
pub struct JsonlWriter {
    file: AtomicFile,
    /// Lines and bytes written so far: their mean sizes the next buffers, so that a buffer is
    /// not grown (and copied) four or five times on its way to a hundred kilobytes.
    lines: usize,
    bytes: usize,
}

impl JsonlWriter {
    /// Starts writing `path` (as a temporary file until [`commit`](Self::commit)).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
            lines: 0,
            bytes: 0,
        })
    }

    /// Writes each document as one line, as it is (an empty `raw` is left out), in order. The
    /// serializing, the costly part, runs on every worker, [`LINES_A_PIECE`] lines to a buffer:
    /// the writing in order, the one serial part, copies a few large pieces.
    pub fn write(&mut self, docs: &[&Document]) -> Result<(), StageError> {
        // A quarter more than the mean line so far: most pieces then fit their first buffer.
        let line_estimate = (self.bytes / self.lines.max(1)) * 5 / 4;
        let pieces = docs
            .par_chunks(LINES_A_PIECE)
            .map(|chunk| {
                let mut piece = Vec::with_capacity(chunk.len() * line_estimate);
                for doc in chunk {
                    serde_json::to_writer(&mut piece, doc).map_err(|err| {
                        StageError::new(format!("cannot serialize document: {err}"))
                    })?;
                    piece.push(b'\n');
                }
                Ok(piece)
            })
            .collect::<Result<Vec<Vec<u8>>, StageError>>()?;
        for piece in pieces {
            self.file.write_all(&piece)?;
            self.bytes += piece.len();
        }
        self.lines += docs.len();
        Ok(())
    }

    /// Renames the file into place.
    pub fn commit(self) -> Result<(), StageError> {
        Ok(self.file.commit()?)
    }
}
