//! The ids of the documents a run has exported, each as the first 16 bytes of its BLAKE3 hash:
//! the duplicate-id check, and the HTML report's way to tell an exported document from an
//! absent one without keeping every id again.

use std::collections::HashSet;

/// The ids exported so far.
#[derive(Debug, Default)]
pub struct ExportedIds {
    hashes: HashSet<[u8; 16]>,
}

impl ExportedIds {
    /// Remembers `id`; returns whether it is new.
    pub fn insert(&mut self, id: &str) -> bool {
        self.hashes.insert(key(id))
    }

    /// Whether `id` was exported.
    pub fn contains(&self, id: &str) -> bool {
        self.hashes.contains(&key(id))
    }
}

fn key(id: &str) -> [u8; 16] {
    let mut key = [0u8; 16];
    key.copy_from_slice(&blake3::hash(id.as_bytes()).as_bytes()[..16]);
    key
}
