//! CSV: a folder with one RFC 4180 file per table (`documents.csv`, `entities.csv`, ...), each
//! with a header row. Booleans are `true`/`false`, missing values are empty fields.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newspipe_core::{close_all, AtomicFile, Document, StageError};

use crate::rows::{document_rows, Cell, RowSink};
use crate::run_record::RunRecord;
use crate::schema::{TableId, TABLES};

/// The CSV files of one export, one writer per table in [`TABLES`] order.
pub struct CsvTables {
    writers: Vec<csv::Writer<AtomicFile>>,
    /// Where a number is formatted: integers by `itoa` (the same digits as `Display`, without
    /// the formatting machinery, for the half a million offsets and indexes of 3,000 wire
    /// stories), numbers with a fraction by `Display`.
    field: String,
    integer: itoa::Buffer,
}

impl CsvTables {
    /// Creates the folder if missing and starts one file per table, header first.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let writers = TABLES
            .iter()
            .map(|table| {
                let file = AtomicFile::create(&table_path(dir, table.name))?;
                let mut writer = csv::Writer::from_writer(file);
                writer.write_record(table.columns.iter().map(|col| col.name))?;
                Ok(writer)
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self {
            writers,
            field: String::new(),
            integer: itoa::Buffer::new(),
        })
    }

    /// Writes every row of `doc`.
    pub fn write(&mut self, doc: &Document) -> Result<(), StageError> {
        document_rows(doc, self)
    }

    /// Writes the `runs` row, syncs every file (all at once), then renames each into place:
    /// no table is replaced unless every one was written.
    pub fn commit(mut self, run: &RunRecord) -> Result<(), StageError> {
        self.row(TableId::Runs, &run.cells())?;
        let files = self
            .writers
            .into_iter()
            .map(|writer| {
                writer
                    .into_inner()
                    .map_err(|err| StageError::new(format!("cannot write CSV: {}", err.error())))
            })
            .collect::<Result<Vec<AtomicFile>, StageError>>()?;
        for file in close_all(files)? {
            file.commit()?;
        }
        Ok(())
    }
}

impl RowSink<'_> for CsvTables {
    fn row(&mut self, table: TableId, cells: &[Cell<'_>]) -> Result<(), StageError> {
        let writer = &mut self.writers[table as usize];
        for cell in cells {
            self.field.clear();
            let field: &str = match cell {
                Cell::Null => "",
                Cell::Int(value) => self.integer.format(*value),
                Cell::Real(value) if value.is_finite() => {
                    let _ = write!(self.field, "{value}");
                    &self.field
                }
                Cell::Real(_) => "",
                Cell::Text(text) => text,
                Cell::Bool(value) => {
                    if *value {
                        "true"
                    } else {
                        "false"
                    }
                }
            };
            writer.write_field(field).map_err(csv_error)?;
        }
        writer
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(csv_error)
    }
}

fn table_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.csv"))
}

fn csv_error(err: csv::Error) -> StageError {
    StageError::new(format!("cannot write CSV: {err}"))
}
