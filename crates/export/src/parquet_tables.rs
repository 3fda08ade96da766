//! Parquet: a folder with one subfolder per table (`documents/`, `entities/`, ...), each holding
//! `part-NNNNN.parquet` files with the same columns as the CSV and SQLite tables. A run on one
//! machine writes one part; a cluster run writes one part per shard, and readers take a table's
//! folder as one table (DuckDB `read_parquet('dir/documents/*.parquet')`, pandas
//! `read_parquet('dir/documents')`, Spark `spark.read.parquet('dir/documents')`).
//!
//! Rows go through the same [`document_rows`] as CSV and SQLite. They are gathered into Arrow
//! batches of a fixed number of rows and a row group is closed once it holds a fixed number of
//! encoded bytes, so the file depends only on the rows, never on how documents were batched or
//! on the thread count: the same documents give the same bytes. Columns are Snappy-compressed,
//! the codec every Parquet reader has.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use newspipe_core::{AtomicFile, Document, PendingFile, StageError};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::rows::{document_rows, Cell, RowSink};
use crate::run_record::RunRecord;
use crate::schema::{SqlType, Table, TableId, TABLES};

/// Rows gathered before they are handed to the Parquet writer as one Arrow batch.
const BATCH_ROWS: usize = 1024;
/// Encoded bytes after which a table's row group is closed: bounds the writer's memory per
/// table whatever the corpus size, while keeping row groups large enough to scan fast.
const ROW_GROUP_BYTES: usize = 32 << 20;

/// The tables of one slice of documents, written as `part-NNNNN.parquet` in each table's
/// folder under one directory, as temporary files until [`commit`](Self::commit). The `runs`
/// table is not part of a slice: see [`write_runs_table`].
pub struct ParquetPart {
    tables: Vec<TableWriter>,
}

impl ParquetPart {
    /// Starts part number `part` of every document table under `dir`, creating the folders.
    pub fn create(dir: &Path, part: u32) -> Result<Self, StageError> {
        let tables = TABLES
            .iter()
            .filter(|table| table.name != TableId::Runs.table().name)
            .map(|table| TableWriter::create(dir, table, part))
            .collect::<Result<_, _>>()?;
        Ok(Self { tables })
    }

    /// Adds every row of `doc`.
    pub fn write(&mut self, doc: &Document) -> Result<(), StageError> {
        document_rows(doc, self)
    }

    /// Writes what is left, closes every file and renames it into place; returns the paths.
    pub fn commit(self) -> Result<Vec<PathBuf>, StageError> {
        commit_all(self.close()?)
    }

    /// Writes what is left and closes every file, still under its temporary name, to commit
    /// later with the run's other parts ([`commit_all`]).
    pub fn close(self) -> Result<Vec<PendingFile>, StageError> {
        self.tables.into_iter().map(TableWriter::close).collect()
    }
}

/// Renames closed part files into place; returns their paths.
pub fn commit_all(files: Vec<PendingFile>) -> Result<Vec<PathBuf>, StageError> {
    files
        .into_iter()
        .map(|file| {
            let path = file.path().to_path_buf();
            file.commit()?;
            Ok(path)
        })
        .collect()
}

impl RowSink<'_> for ParquetPart {
    fn row(&mut self, table: TableId, cells: &[Cell<'_>]) -> Result<(), StageError> {
        // Every table but `runs` (the last) has a writer, at its index in `TABLES`.
        match self.tables.get_mut(table as usize) {
            Some(writer) => writer.row(cells),
            None => Err(StageError::new(format!(
                "cannot write Parquet table {}: it is not part of a slice of documents",
                table.table().name
            ))),
        }
    }
}

/// Writes the `runs` table (one row: this run) as `runs/part-00000.parquet` under `dir`, for
/// a run that wrote `written` documents in all its parts.
pub fn write_runs_table(
    dir: &Path,
    run: &newspipe_core::RunInfo,
    written: u64,
) -> Result<PathBuf, StageError> {
    write_runs(dir, &RunRecord::new(run, written))
}

/// Writes the `runs` table with `record` as its one row.
pub(crate) fn write_runs(dir: &Path, record: &RunRecord) -> Result<PathBuf, StageError> {
    let runs = TableId::Runs;
    let mut writer = TableWriter::create(dir, runs.table(), 0)?;
    writer.row(&record.cells())?;
    writer.commit()
}

/// Removes the `part-NNNNN.parquet` files of every table folder under `dir` that are not in
/// `keep`: a run on one machine replaces a whole earlier output, including the parts of an
/// earlier run split into more shards. Other files are left alone.
pub(crate) fn remove_other_parts(dir: &Path, keep: &[PathBuf]) -> Result<(), StageError> {
    for table in &TABLES {
        let folder = dir.join(table.name);
        let entries = std::fs::read_dir(&folder)
            .map_err(|err| StageError::new(format!("cannot list {}: {err}", folder.display())))?;
        for entry in entries {
            let path = entry
                .map_err(|err| StageError::new(format!("cannot list {}: {err}", folder.display())))?
                .path();
            let is_part = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(is_part_name);
            if is_part && !keep.contains(&path) {
                std::fs::remove_file(&path).map_err(|err| {
                    StageError::new(format!(
                        "cannot remove the earlier part {}: {err}",
                        path.display()
                    ))
                })?;
            }
        }
    }
    Ok(())
}

/// The file name of part `part`.
pub fn part_file_name(part: u32) -> String {
    format!("part-{part:05}.parquet")
}

/// Whether `name` is `part-` and at least five digits, then `.parquet`.
fn is_part_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|rest| rest.strip_suffix(".parquet"))
        .is_some_and(|digits| digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// One table's part file being written.
struct TableWriter {
    table: &'static Table,
    schema: SchemaRef,
    columns: Vec<ColumnBuilder>,
    rows: usize,
    writer: ArrowWriter<AtomicFile>,
}

impl TableWriter {
    fn create(dir: &Path, table: &'static Table, part: u32) -> Result<Self, StageError> {
        let path = dir.join(table.name).join(part_file_name(part));
        let file = AtomicFile::create(&path)?;
        let schema = Arc::new(Schema::new(
            table
                .columns
                .iter()
                .map(|column| Field::new(column.name, data_type(column.ty), !column.required))
                .collect::<Vec<_>>(),
        ));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(|err| parquet_error(table, &err))?;
        Ok(Self {
            table,
            schema,
            columns: table
                .columns
                .iter()
                .map(|column| ColumnBuilder::new(column.ty))
                .collect(),
            rows: 0,
            writer,
        })
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), StageError> {
        if cells.len() != self.columns.len() {
            return Err(StageError::new(format!(
                "cannot write Parquet table {}: a row of {} cells for {} columns",
                self.table.name,
                cells.len(),
                self.columns.len()
            )));
        }
        for ((builder, cell), column) in self.columns.iter_mut().zip(cells).zip(self.table.columns)
        {
            if !builder.append(cell) {
                return Err(StageError::new(format!(
                    "cannot write Parquet table {}: column {} ({:?}) got {cell:?}",
                    self.table.name, column.name, column.ty
                )));
            }
        }
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.write_batch()?;
            if self.writer.in_progress_size() >= ROW_GROUP_BYTES {
                self.writer
                    .flush()
                    .map_err(|err| parquet_error(self.table, &err))?;
            }
        }
        Ok(())
    }

    /// Hands the gathered rows to the writer as one batch.
    fn write_batch(&mut self) -> Result<(), StageError> {
        let arrays = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|err| parquet_error(self.table, &err))?;
        self.writer
            .write(&batch)
            .map_err(|err| parquet_error(self.table, &err))?;
        self.rows = 0;
        Ok(())
    }

    fn commit(self) -> Result<PathBuf, StageError> {
        commit_all(vec![self.close()?]).map(|mut paths| paths.remove(0))
    }

    /// Writes what is left and the footer, and closes the file under its temporary name.
    fn close(mut self) -> Result<PendingFile, StageError> {
        if self.rows > 0 {
            self.write_batch()?;
        }
        let file = self
            .writer
            .into_inner()
            .map_err(|err| parquet_error(self.table, &err))?;
        Ok(file.close()?)
    }
}

/// The Arrow type a column is written as.
fn data_type(ty: SqlType) -> DataType {
    match ty {
        SqlType::Text => DataType::Utf8,
        SqlType::Integer => DataType::Int64,
        SqlType::Real => DataType::Float64,
        SqlType::Boolean => DataType::Boolean,
    }
}

/// The values of one column, gathered until the next batch.
enum ColumnBuilder {
    Text(StringBuilder),
    Integer(Int64Builder),
    Real(Float64Builder),
    Boolean(BooleanBuilder),
}

impl ColumnBuilder {
    fn new(ty: SqlType) -> Self {
        match ty {
            SqlType::Text => Self::Text(StringBuilder::new()),
            SqlType::Integer => Self::Integer(Int64Builder::with_capacity(BATCH_ROWS)),
            SqlType::Real => Self::Real(Float64Builder::with_capacity(BATCH_ROWS)),
            SqlType::Boolean => Self::Boolean(BooleanBuilder::with_capacity(BATCH_ROWS)),
        }
    }

    /// Appends `cell`; false if it does not fit the column's type. A non-finite number is
    /// written as no value, as in CSV and SQLite.
    fn append(&mut self, cell: &Cell<'_>) -> bool {
        match (self, cell) {
            (Self::Text(b), Cell::Null) => b.append_null(),
            (Self::Integer(b), Cell::Null) => b.append_null(),
            (Self::Real(b), Cell::Null) => b.append_null(),
            (Self::Boolean(b), Cell::Null) => b.append_null(),
            (Self::Text(b), Cell::Text(text)) => b.append_value(text),
            (Self::Integer(b), Cell::Int(value)) => b.append_value(*value),
            (Self::Real(b), Cell::Real(value)) => {
                b.append_option(value.is_finite().then_some(*value))
            }
            (Self::Boolean(b), Cell::Bool(value)) => b.append_value(*value),
            _ => return false,
        }
        true
    }

    fn finish(&mut self) -> arrow_array::ArrayRef {
        match self {
            Self::Text(b) => Arc::new(b.finish()),
            Self::Integer(b) => Arc::new(b.finish()),
            Self::Real(b) => Arc::new(b.finish()),
            Self::Boolean(b) => Arc::new(b.finish()),
        }
    }
}

fn parquet_error(table: &Table, err: &dyn std::fmt::Display) -> StageError {
    StageError::new(format!("cannot write Parquet table {}: {err}", table.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_are_recognized_and_nothing_else() {
        assert_eq!(part_file_name(7), "part-00007.parquet");
        assert!(is_part_name("part-00007.parquet"));
        assert!(is_part_name("part-123456.parquet"));
        for other in [
            "part-7.parquet",
            "part-0000a.parquet",
            "notes.parquet",
            "part-00001.csv",
        ] {
            assert!(!is_part_name(other), "{other}");
        }
    }

    #[test]
    fn a_cell_of_the_wrong_type_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut part = ParquetPart::create(dir.path(), 0).unwrap();
        let mut cells = vec![Cell::Null; TableId::Entities.table().columns.len()];
        cells[0] = Cell::Text("a".into());
        cells[1] = Cell::Text("not a number".into());
        let err = part.row(TableId::Entities, &cells).unwrap_err();
        assert!(
            err.message.contains("table entities: column idx (Integer)"),
            "{err}"
        );
    }

    #[test]
    fn stale_parts_go_and_other_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let part = ParquetPart::create(dir.path(), 0).unwrap();
        let mut kept = part.commit().unwrap();
        kept.push(write_runs(dir.path(), &RunRecord::new(&Default::default(), 0)).unwrap());
        let stale = dir.path().join("entities").join(part_file_name(3));
        let notes = dir.path().join("entities").join("README.txt");
        std::fs::write(&stale, "old").unwrap();
        std::fs::write(&notes, "mine").unwrap();
        remove_other_parts(dir.path(), &kept).unwrap();
        assert!(!stale.exists());
        assert!(notes.exists());
        assert!(kept.iter().all(|path| path.exists()));
    }
}
