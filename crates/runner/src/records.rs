//! The side outputs of a run: rejected documents, dropped documents and the stats file.

use std::io::Write;
use std::path::Path;

use newspipe_core::AtomicFile;
use serde::Serialize;

/// A document that could not be processed, as written to the rejects file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The document's id (or a stand-in built from its file and line).
    pub id: String,
    /// Where it came from: a path, or `path:line` for JSON Lines.
    pub source: String,
    /// The stage that rejected it (`read` for the input reader).
    pub stage: String,
    /// Why.
    pub reason: String,
}

impl Rejected {
    /// A document the input reader could not turn into a document.
    pub fn read(id: String, source: String, reason: String) -> Self {
        Self {
            id,
            source,
            stage: "read".into(),
            reason,
        }
    }
}

/// A document a stage removed on purpose, as written to the dropped file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// The document's id.
    pub id: String,
    /// Where it came from: a path, or `path:line` for JSON Lines.
    pub source: String,
    /// The stage that dropped it.
    pub stage: String,
    /// Why.
    pub reason: String,
    /// The document it duplicates, when that is the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// An atomic JSON Lines file of records.
pub struct RecordFile {
    file: AtomicFile,
}

impl RecordFile {
    /// Starts the file; fails at once if its folder cannot be written.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
        })
    }

    /// Appends one record.
    pub fn write<T: Serialize>(&mut self, record: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.file, record)?;
        self.file.write_all(b"\n")
    }

    /// Appends one record already serialized as a line of this file (a task's part of a
    /// cluster run), newline included.
    pub fn write_line(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.file.write_all(line)
    }

    /// Renames the file into place.
    pub fn commit(self) -> std::io::Result<()> {
        self.file.commit()
    }
}
