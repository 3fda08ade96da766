//! The `export` stage at run time: the [`Sink`] that hands each batch to every configured form
//! and commits them all at the end of the run.

use std::path::PathBuf;

use newspipe_core::{
    BuildContext, BuildError, Disposition, Document, PendingFile, RunInfo, Sink, StageError,
};

use crate::csv_tables::CsvTables;
use crate::exported::ExportedIds;
use crate::html::HtmlReport;
use crate::jsonl::JsonlWriter;
use crate::parquet_tables::{self, ParquetPart};
use crate::run_record::RunRecord;
use crate::sqlite::SqliteDb;
use crate::ExportConfig;

/// The Parquet tables being written: the open part, and the parts closed before it (a run
/// split into shards writes one per shard), all committed together when the run succeeds.
struct ParquetOutput {
    dir: PathBuf,
    number: u32,
    part: ParquetPart,
    closed: Vec<PendingFile>,
}

/// The `export` stage at run time: its open outputs.
pub struct Export {
    jsonl: Option<JsonlWriter>,
    csv: Option<CsvTables>,
    sqlite: Option<SqliteDb>,
    parquet: Option<ParquetOutput>,
    html: Option<HtmlReport>,
    include_raw: bool,
    seen: ExportedIds,
    written: u64,
}

impl Export {
    /// Opens every configured output (as temporary files); fails if none is configured or one
    /// cannot be written.
    pub fn new(config: ExportConfig, cx: &BuildContext) -> Result<Self, BuildError> {
        let forms = [
            &config.jsonl,
            &config.csv,
            &config.sqlite,
            &config.parquet,
            &config.html,
        ];
        if forms.iter().all(|output| output.is_none()) {
            return Err(BuildError::Setup(
                "no output configured; add one of `jsonl: out/documents.jsonl`, `csv: out/tables/`, \
                 `sqlite: out/news.db`, `parquet: out/parquet/`, `html: out/report.html`"
                    .into(),
            ));
        }
        let setup = |form: &str, err: &dyn std::fmt::Display| {
            BuildError::Setup(format!("{form} output: {err}"))
        };
        let jsonl = match &config.jsonl {
            Some(path) => {
                Some(JsonlWriter::create(&cx.resolve(path)).map_err(|err| setup("jsonl", &err))?)
            }
            None => None,
        };
        let csv = match &config.csv {
            Some(dir) => {
                Some(CsvTables::create(&cx.resolve(dir)).map_err(|err| setup("csv", &err))?)
            }
            None => None,
        };
        let sqlite = match &config.sqlite {
            Some(path) => {
                Some(SqliteDb::create(&cx.resolve(path)).map_err(|err| setup("sqlite", &err))?)
            }
            None => None,
        };
        // The one-machine run writes the whole table as its single part.
        let parquet = match &config.parquet {
            Some(dir) => {
                let dir = cx.resolve(dir);
                let part = ParquetPart::create(&dir, 0).map_err(|err| setup("parquet", &err))?;
                Some(ParquetOutput {
                    dir,
                    number: 0,
                    part,
                    closed: Vec::new(),
                })
            }
            None => None,
        };
        let html = match &config.html {
            Some(path) => {
                let sqlite = config.sqlite.as_ref().map(|p| cx.resolve(p));
                let csv = config.csv.as_ref().map(|p| cx.resolve(p));
                let parquet = config.parquet.as_ref().map(|p| cx.resolve(p));
                let outputs: Vec<(&'static str, &std::path::Path)> = [
                    ("SQLite", sqlite.as_deref()),
                    ("CSV tables", csv.as_deref()),
                    ("Parquet tables", parquet.as_deref()),
                ]
                .into_iter()
                .filter_map(|(kind, path)| Some((kind, path?)))
                .collect();
                Some(
                    HtmlReport::create(
                        &cx.resolve(path),
                        config.html_max_documents,
                        config.html_max_claims,
                        &outputs,
                    )
                    .map_err(|err| setup("html", &err))?,
                )
            }
            None => None,
        };
        Ok(Self {
            jsonl,
            csv,
            sqlite,
            parquet,
            html,
            include_raw: config.include_raw,
            seen: ExportedIds::default(),
            written: 0,
        })
    }

    /// Writes a batch to every output at once, each form on its own task: SQLite, the slowest,
    /// overlaps with the others. The first error, in a fixed order, is returned.
    fn write_all_forms(&mut self, kept: &[&Document]) -> Result<(), StageError> {
        let (mut sqlite, mut csv, mut parquet, mut jsonl) = (Ok(()), Ok(()), Ok(()), Ok(()));
        rayon::scope(|scope| {
            if let Some(db) = self.sqlite.as_mut() {
                let result = &mut sqlite;
                scope.spawn(move |_| *result = db.write(kept.iter().copied()));
            }
            if let Some(tables) = self.csv.as_mut() {
                let result = &mut csv;
                scope.spawn(move |_| *result = kept.iter().try_for_each(|doc| tables.write(doc)));
            }
            if let Some(ParquetOutput { part, .. }) = self.parquet.as_mut() {
                let result = &mut parquet;
                scope.spawn(move |_| *result = kept.iter().try_for_each(|doc| part.write(doc)));
            }
            if let Some(report) = self.html.as_mut() {
                scope.spawn(move |_| kept.iter().for_each(|doc| report.add(doc)));
            }
            if let Some(writer) = self.jsonl.as_mut() {
                jsonl = writer.write(kept);
            }
        });
        sqlite.and(csv).and(parquet).and(jsonl)
    }
}

impl Sink for Export {
    fn write(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        let dispositions: Vec<Disposition> = docs
            .iter()
            .map(|doc| {
                if self.seen.insert(&doc.id) {
                    Disposition::Keep
                } else {
                    Disposition::Drop {
                        reason: "duplicate document id: an earlier document with this id was \
                                 exported"
                            .into(),
                        duplicate_of: Some(doc.id.clone()),
                    }
                }
            })
            .collect();
        // `raw` goes to no output unless asked for; it is set aside while the batch is written.
        let mut raws = Vec::new();
        if !self.include_raw {
            for (doc, disposition) in docs.iter_mut().zip(&dispositions) {
                if *disposition == Disposition::Keep {
                    raws.push(std::mem::take(&mut doc.raw));
                }
            }
        }
        let kept: Vec<&Document> = docs
            .iter()
            .zip(&dispositions)
            .filter(|(_, d)| **d == Disposition::Keep)
            .map(|(doc, _)| doc)
            .collect();
        let written = self.write_all_forms(&kept);
        self.written += kept.len() as u64;
        if !self.include_raw {
            let kept = docs
                .iter_mut()
                .zip(&dispositions)
                .filter(|(_, d)| **d == Disposition::Keep);
            for ((doc, _), raw) in kept.zip(raws) {
                doc.raw = raw;
            }
        }
        written?;
        Ok(dispositions)
    }

    fn finish(&mut self, run: &RunInfo) -> Result<(), StageError> {
        let record = RunRecord::new(run, self.written);
        let record = &record;
        let (jsonl, csv, parquet) = (self.jsonl.take(), self.csv.take(), self.parquet.take());
        let (sqlite, html) = (self.sqlite.take(), self.html.take());
        // The report tells exported documents from absent ones by this set; nothing is
        // exported after `finish`.
        let exported = std::mem::take(&mut self.seen);
        std::thread::scope(|io| {
            // Committing the text files is mostly waiting for the disk to sync them: on threads
            // of their own, beside the work of indexing the database and rendering the report,
            // which share the workers.
            let jsonl = jsonl.map(|file| io.spawn(move || file.commit()));
            let csv = csv.map(|tables| io.spawn(move || tables.commit(record)));
            let (sqlite, (html, parquet)) = rayon::join(
                || sqlite.map_or(Ok(()), |db| db.commit(record)),
                || {
                    rayon::join(
                        || html.map_or(Ok(()), |report| report.commit(record, exported)),
                        || parquet.map_or(Ok(()), |parts| commit_parquet(parts, record)),
                    )
                },
            );
            let joined = |handle: Option<std::thread::ScopedJoinHandle<'_, _>>| {
                handle.map_or(Ok(()), |handle| match handle.join() {
                    Ok(done) => done,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
            };
            let (jsonl, csv) = (joined(jsonl), joined(csv));
            jsonl.and(csv).and(parquet).and(sqlite).and(html)
        })
    }

    /// Closes the Parquet part being written and starts `part-NNNNN.parquet` with this number
    /// in every table's folder: a shard's rows in a part of their own, named by the shard.
    fn start_part(&mut self, part: u32) -> Result<(), StageError> {
        let Some(parquet) = self.parquet.as_mut() else {
            return Ok(());
        };
        if part == parquet.number {
            return Ok(());
        }
        let next = ParquetPart::create(&parquet.dir, part)?;
        let done = std::mem::replace(&mut parquet.part, next);
        parquet.closed.extend(done.close()?);
        parquet.number = part;
        Ok(())
    }
}

/// Closes the last Parquet part, then renames every part into place and writes the `runs`
/// table; removes parts an earlier run left that this one did not write.
fn commit_parquet(mut parquet: ParquetOutput, record: &RunRecord) -> Result<(), StageError> {
    parquet.closed.extend(parquet.part.close()?);
    let mut written = parquet_tables::commit_all(parquet.closed)?;
    written.push(parquet_tables::write_runs(&parquet.dir, record)?);
    parquet_tables::remove_other_parts(&parquet.dir, &written)
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
            ..ExportConfig::default()
        };
        let mut export = Export::new(config, &context(dir.path())).unwrap();
        let mut docs = vec![
            Document::new("a", Default::default(), "first".into()),
            Document::new("b", Default::default(), "second".into()),
        ];
        assert_eq!(export.write(&mut docs).unwrap().len(), 2);
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
    fn a_repeated_id_is_dropped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let config = ExportConfig {
            jsonl: Some("docs.jsonl".into()),
            ..ExportConfig::default()
        };
        let mut export = Export::new(config, &context(dir.path())).unwrap();
        let mut first = vec![Document::new("a", Default::default(), "one".into())];
        let mut second = vec![
            Document::new("b", Default::default(), "two".into()),
            Document::new("a", Default::default(), "three".into()),
        ];
        assert_eq!(export.write(&mut first).unwrap(), [Disposition::Keep]);
        let dispositions = export.write(&mut second).unwrap();
        assert_eq!(dispositions[0], Disposition::Keep);
        let Disposition::Drop {
            reason,
            duplicate_of,
        } = &dispositions[1]
        else {
            panic!("the repeated id must be dropped: {dispositions:?}");
        };
        assert!(reason.contains("duplicate document id"), "{reason}");
        assert_eq!(duplicate_of.as_deref(), Some("a"));
        export.finish(&RunInfo::default()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("docs.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 2);
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
