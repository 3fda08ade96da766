//! A background thread that reads input files and hands out batches of records, each prepared
//! on that thread (the runs decode them into documents there), so reading and decoding overlap
//! with processing and at most two batches wait in memory.

use std::io::{BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use newspipe_config::InputFormat;

use crate::input::{file_format, not_a_file, open, too_large, FileFormat, RawRecord};
use crate::select::InputFile;

/// Most bytes of input held in one batch, whatever the document count.
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// Batches of records, in input order, each as its `prepare` function made it.
pub struct BatchReader<T> {
    batches: Receiver<T>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> BatchReader<T> {
    /// Starts reading `files` in the background; a document over `max_document_bytes` is
    /// rejected without holding more than that many bytes of it. Each batch of raw records
    /// goes through `prepare` on the reading thread.
    pub fn start(
        files: Vec<InputFile>,
        format: InputFormat,
        batch_size: usize,
        max_document_bytes: u64,
        prepare: fn(Vec<RawRecord>) -> T,
    ) -> Self {
        Self::start_range(
            files,
            format,
            batch_size,
            max_document_bytes,
            0,
            u64::MAX,
            prepare,
        )
    }

    /// Like [`start`](Self::start), over the `take` records that follow the first `skip` of
    /// `files`: one shard of a cluster run. Batches are cut from the first record taken.
    pub fn start_range(
        files: Vec<InputFile>,
        format: InputFormat,
        batch_size: usize,
        max_document_bytes: u64,
        skip: u64,
        take: u64,
        prepare: fn(Vec<RawRecord>) -> T,
    ) -> Self {
        let (sender, batches) = sync_channel(2);
        let thread = std::thread::Builder::new()
            .name("newspipe-reader".into())
            .spawn(move || {
                let mut batch = Batch::new(batch_size);
                let wanted = files
                    .into_iter()
                    .flat_map(|file| records(file, format, max_document_bytes))
                    .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                    .take(usize::try_from(take).unwrap_or(usize::MAX));
                for record in wanted {
                    if let Some(full) = batch.push(record) {
                        if sender.send(prepare(full)).is_err() {
                            return;
                        }
                    }
                }
                if !batch.records.is_empty() {
                    let _ = sender.send(prepare(batch.records));
                }
            })
            .expect("spawning the reader thread");
        Self {
            batches,
            thread: Some(thread),
        }
    }
}

impl<T> Iterator for BatchReader<T> {
    type Item = T;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.batches.recv().ok();
        if batch.is_none() {
            if let Some(thread) = self.thread.take() {
                if let Err(panic) = thread.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
        batch
    }
}

struct Batch {
    records: Vec<RawRecord>,
    bytes: usize,
    limit: usize,
}

impl Batch {
    fn new(limit: usize) -> Self {
        Self {
            records: Vec::with_capacity(limit.min(4096)),
            bytes: 0,
            limit,
        }
    }

    /// Adds a record; returns the batch when full.
    fn push(&mut self, record: RawRecord) -> Option<Vec<RawRecord>> {
        self.bytes += record.len();
        self.records.push(record);
        if self.records.len() >= self.limit || self.bytes >= MAX_BATCH_BYTES {
            self.bytes = 0;
            Some(std::mem::replace(
                &mut self.records,
                Vec::with_capacity(self.limit),
            ))
        } else {
            None
        }
    }
}

/// The records of one file: the file itself, or each non-blank line of a JSON Lines file.
/// Anything that is not a readable regular file becomes one named reject.
fn records(
    file: InputFile,
    format: InputFormat,
    limit: u64,
) -> Box<dyn Iterator<Item = RawRecord>> {
    let InputFile { path, id, refused } = file;
    let unreadable = |path, reason| {
        Box::new(std::iter::once(RawRecord::Unreadable {
            path,
            id: id.clone(),
            line: None,
            reason,
        }))
    };
    if let Some(reason) = refused.or_else(|| not_a_file(&path)) {
        return unreadable(path, reason);
    }
    let mut reader = match open(&path) {
        Ok(reader) => reader,
        Err(err) => return unreadable(path, format!("cannot read file: {err}")),
    };
    let head = match reader.fill_buf() {
        Ok(head) => head.to_vec(),
        Err(err) => return unreadable(path, format!("cannot read file: {err}")),
    };
    match file_format(&path, format, &head) {
        FileFormat::Jsonl => Box::new(JsonLines {
            path,
            id,
            reader,
            line: 0,
            limit,
            failed: false,
        }),
        format => {
            let compressed = path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
            let size = std::fs::metadata(&path)
                .ok()
                .filter(|_| !compressed)
                .map(|meta| meta.len());
            if let Some(size) = size.filter(|&size| size > limit) {
                return unreadable(path, too_large(Some(size), limit));
            }
            // Sized once: a buffer grown by doubling would hold the text twice as it grows.
            let mut bytes = Vec::with_capacity(size.map_or(0, |size| size as usize + 1));
            match reader.take(limit.saturating_add(1)).read_to_end(&mut bytes) {
                Ok(_) if bytes.len() as u64 > limit => unreadable(path, too_large(size, limit)),
                Ok(_) => Box::new(std::iter::once(RawRecord::File {
                    path,
                    id,
                    format,
                    bytes,
                })),
                Err(err) => unreadable(path, format!("cannot read file: {err}")),
            }
        }
    }
}

struct JsonLines {
    path: std::path::PathBuf,
    id: String,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    limit: u64,
    failed: bool,
}

impl JsonLines {
    /// Skips to the end of the current line; returns how many bytes were skipped (without
    /// the newline).
    fn skip_line(&mut self) -> std::io::Result<u64> {
        let mut skipped = 0;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(skipped);
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.reader.consume(at + 1);
                    return Ok(skipped + at as u64);
                }
                None => {
                    let len = buf.len();
                    self.reader.consume(len);
                    skipped += len as u64;
                }
            }
        }
    }

    fn failure(&mut self, err: std::io::Error) -> RawRecord {
        self.failed = true;
        RawRecord::Unreadable {
            path: self.path.clone(),
            id: self.id.clone(),
            line: Some(self.line),
            reason: format!("cannot read line {}: {err}", self.line),
        }
    }
}

impl Iterator for JsonLines {
    type Item = RawRecord;

    fn next(&mut self) -> Option<RawRecord> {
        if self.failed {
            return None;
        }
        loop {
            let mut bytes = Vec::new();
            self.line += 1;
            let read = (&mut self.reader)
                .take(self.limit.saturating_add(1))
                .read_until(b'\n', &mut bytes);
            match read {
                Ok(0) => return None,
                Ok(_) => {
                    if bytes.last() != Some(&b'\n') && bytes.len() as u64 > self.limit {
                        let rest = match self.skip_line() {
                            Ok(rest) => rest,
                            Err(err) => return Some(self.failure(err)),
                        };
                        return Some(RawRecord::Unreadable {
                            path: self.path.clone(),
                            id: self.id.clone(),
                            line: Some(self.line),
                            reason: too_large(Some(bytes.len() as u64 + rest), self.limit),
                        });
                    }
                    while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
                        bytes.pop();
                    }
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(RawRecord::Line {
                        path: self.path.clone(),
                        id: self.id.clone(),
                        line: self.line,
                        bytes,
                    });
                }
                Err(err) => return Some(self.failure(err)),
            }
        }
    }
}
