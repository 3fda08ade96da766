//! Holds the documents between two passes of a pipeline (before a stage that must see the
//! whole corpus), in memory up to a budget and in a temporary file beyond it.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use newspipe_core::Document;
use rayon::prelude::*;

/// Documents in input order, part in memory, the rest spilled to disk.
pub struct Spool {
    memory: VecDeque<Vec<Document>>,
    memory_bytes: usize,
    budget: usize,
    spill: Option<BufWriter<File>>,
    /// The length of every spilled batch, so the batches come back as they went in.
    spilled_batches: VecDeque<usize>,
    total: u64,
}

impl Spool {
    /// An empty spool keeping at most about `budget` bytes of documents in memory.
    pub fn new(budget: usize) -> Self {
        Self {
            memory: VecDeque::new(),
            memory_bytes: 0,
            budget,
            spill: None,
            spilled_batches: VecDeque::new(),
            total: 0,
        }
    }

    /// Appends a batch. Once one batch has gone to disk, all later ones do too, so order holds.
    pub fn push(&mut self, batch: Vec<Document>) -> io::Result<()> {
        self.total += batch.len() as u64;
        let size: usize = batch.iter().map(approximate_size).sum();
        if self.spill.is_none() && self.memory_bytes + size <= self.budget {
            self.memory_bytes += size;
            self.memory.push_back(batch);
            return Ok(());
        }
        if self.spill.is_none() {
            tracing::info!(
                budget = self.budget,
                "Memory budget reached; spilling documents to a temporary file."
            );
            self.spill = Some(BufWriter::new(tempfile::tempfile()?));
        }
        let writer = self.spill.as_mut().expect("spill file was just created");
        // Serializing is the costly part: it runs on every worker, the writing in order.
        let lines: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|doc| {
                let mut line = serde_json::to_vec(doc)?;
                line.push(b'\n');
                Ok(line)
            })
            .collect::<io::Result<_>>()?;
        for line in lines {
            writer.write_all(&line)?;
        }
        self.spilled_batches.push_back(batch.len());
        Ok(())
    }

    /// Documents held.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Reads everything back in order, in the batches that were pushed (spilled or not), so
    /// what follows sees the same batches whatever the memory budget.
    pub fn drain(self) -> io::Result<SpoolDrain> {
        let spill = match self.spill {
            Some(writer) => {
                let mut file = writer.into_inner().map_err(|err| err.into_error())?;
                file.rewind()?;
                Some(BufReader::new(file))
            }
            None => None,
        };
        Ok(SpoolDrain {
            memory: self.memory,
            spill,
            spilled_batches: self.spilled_batches,
        })
    }
}

/// Rough bytes a document occupies in memory: its texts (with allocator slack) and its
/// annotations, of which claims and quotes copy whole sentences.
fn approximate_size(doc: &Document) -> usize {
    let annotations = doc.entities.len()
        + doc.dates.len()
        + doc.quantities.len()
        + doc.quotes.len()
        + doc.claims.len()
        + doc.removed.len();
    let sentences: usize = doc.claims.iter().map(|c| c.text.len()).sum::<usize>()
        + doc.quotes.iter().map(|q| q.text.len()).sum::<usize>();
    let reliability = doc
        .reliability
        .as_ref()
        .map_or(0, |r| 256 * r.signals.len());
    2 * (doc.raw.len() + doc.text.len()) + 128 * annotations + sentences + reliability + 512
}

/// Batches coming back out of a [`Spool`].
pub struct SpoolDrain {
    memory: VecDeque<Vec<Document>>,
    spill: Option<BufReader<File>>,
    spilled_batches: VecDeque<usize>,
}

impl Iterator for SpoolDrain {
    type Item = io::Result<Vec<Document>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(batch) = self.memory.pop_front() {
            return Some(Ok(batch));
        }
        let reader = self.spill.as_mut()?;
        let Some(len) = self.spilled_batches.pop_front() else {
            self.spill = None;
            return None;
        };
        let mut lines = Vec::with_capacity(len);
        while lines.len() < len {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) => {
                    return Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the spool file ended early",
                    )))
                }
                Ok(_) => lines.push(line),
                Err(err) => return Some(Err(err)),
            }
        }
        // Read in order, parsed on every worker.
        let batch = lines
            .par_iter()
            .map(|line| serde_json::from_str::<Document>(line).map_err(io::Error::from))
            .collect::<io::Result<Vec<Document>>>();
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(range: std::ops::Range<usize>) -> Vec<Document> {
        range
            .map(|i| Document::new(i.to_string(), Default::default(), "x".repeat(100)))
            .collect()
    }

    #[test]
    fn order_survives_a_spill() {
        let mut spool = Spool::new(2_000);
        for start in (0..50).step_by(10) {
            spool.push(docs(start..start + 10)).unwrap();
        }
        assert_eq!(spool.len(), 50);
        let ids: Vec<String> = spool
            .drain()
            .unwrap()
            .flat_map(|batch| batch.unwrap())
            .map(|doc| doc.id)
            .collect();
        let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn spilled_batches_come_back_as_they_went_in() {
        let mut spool = Spool::new(500);
        for (start, len) in [(0, 3), (3, 0), (3, 5), (8, 1)] {
            spool.push(docs(start..start + len)).unwrap();
        }
        let lens: Vec<usize> = spool.drain().unwrap().map(|b| b.unwrap().len()).collect();
        assert_eq!(lens, [3, 0, 5, 1]);
    }

    #[test]
    fn numbers_survive_a_spill_exactly() {
        let value = 1.08_f64 * 1e12;
        let mut doc = Document::new("q", Default::default(), "$1.08 trillion".into());
        doc.quantities.push(newspipe_core::Quantity {
            text: "$1.08 trillion".into(),
            value: newspipe_core::QuantityValue::Number(value),
            unit: Some("USD".into()),
            qualifier: None,
            start: 0,
            end: 14,
        });
        let mut spool = Spool::new(0);
        spool.push(vec![doc]).unwrap();
        let back: Vec<Document> = spool.drain().unwrap().flat_map(|b| b.unwrap()).collect();
        let newspipe_core::QuantityValue::Number(read) = back[0].quantities[0].value else {
            panic!("the value changed shape: {:?}", back[0].quantities[0].value);
        };
        assert_eq!(read.to_bits(), value.to_bits(), "{read} != {value}");
    }
}
