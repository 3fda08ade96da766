//! A background thread that reads input files and hands out batches of raw records, so disk
//! reads overlap with processing and at most two batches wait in memory.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use newspipe_config::InputFormat;

use crate::input::{file_format, open, read_all, FileFormat, RawRecord};

/// Most bytes of input held in one batch, whatever the document count.
pub const MAX_BATCH_BYTES: usize = 64 << 20;

/// Batches of raw records, in input order.
pub struct BatchReader {
    batches: Receiver<Vec<RawRecord>>,
    thread: Option<JoinHandle<()>>,
}

impl BatchReader {
    /// Starts reading `files` in the background.
    pub fn start(files: Vec<PathBuf>, format: InputFormat, batch_size: usize) -> Self {
        let (sender, batches) = sync_channel(2);
        let thread = std::thread::Builder::new()
            .name("newspipe-reader".into())
            .spawn(move || {
                let mut batch = Batch::new(batch_size);
                for path in files {
                    for record in records(path, format) {
                        if let Some(full) = batch.push(record) {
                            if sender.send(full).is_err() {
                                return;
                            }
                        }
                    }
                }
                if !batch.records.is_empty() {
                    let _ = sender.send(batch.records);
                }
            })
            .expect("spawning the reader thread");
        Self {
            batches,
            thread: Some(thread),
        }
    }
}

impl Iterator for BatchReader {
    type Item = Vec<RawRecord>;

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
fn records(path: PathBuf, format: InputFormat) -> Box<dyn Iterator<Item = RawRecord>> {
    let unreadable = |path: PathBuf, err: std::io::Error| RawRecord::Unreadable {
        path,
        reason: format!("cannot read file: {err}"),
    };
    let mut reader = match open(&path) {
        Ok(reader) => reader,
        Err(err) => return Box::new(std::iter::once(unreadable(path, err))),
    };
    let head = match reader.fill_buf() {
        Ok(head) => head.to_vec(),
        Err(err) => return Box::new(std::iter::once(unreadable(path, err))),
    };
    match file_format(&path, format, &head) {
        FileFormat::Jsonl => Box::new(JsonLines {
            path,
            reader,
            line: 0,
            failed: false,
        }),
        format => {
            drop(reader);
            Box::new(std::iter::once(match read_all(&path) {
                Ok(bytes) => RawRecord::File {
                    path,
                    format,
                    bytes,
                },
                Err(err) => unreadable(path, err),
            }))
        }
    }
}

struct JsonLines {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    failed: bool,
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
            match self.reader.read_until(b'\n', &mut bytes) {
                Ok(0) => return None,
                Ok(_) => {
                    while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
                        bytes.pop();
                    }
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(RawRecord::Line {
                        path: self.path.clone(),
                        line: self.line,
                        bytes,
                    });
                }
                Err(err) => {
                    self.failed = true;
                    return Some(RawRecord::Unreadable {
                        path: self.path.clone(),
                        reason: format!("cannot read line {}: {err}", self.line),
                    });
                }
            }
        }
    }
}
