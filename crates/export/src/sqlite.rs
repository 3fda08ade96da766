//! SQLite: one database file with the tables of [`crate::schema`], their keys and indexes, and
//! a `runs` row. It is built in a temporary file beside the target, in one transaction for the
//! whole run, and renamed over the target when the run succeeds, so readers of an existing
//! database never see a half-written one.

use std::path::{Path, PathBuf};

use newspipe_core::{Document, StageError};
use rusqlite::Connection;
use tempfile::TempPath;

use crate::keys::KeyCheck;
use crate::rows::{document_rows, Cell, RowSink};
use crate::run_record::RunRecord;
use crate::schema::{TableId, TABLES};
use crate::sqlite_insert::TableInserts;

/// Bumped whenever the schema changes; readable with `PRAGMA user_version`. 3: `documents`
/// gained `outlet_basis` and `extra`.
pub const SCHEMA_VERSION: u32 = 3;

/// A database being written.
pub struct SqliteDb {
    /// The `INSERT`s of each table, in [`TABLES`] order (compiled once a run). Declared before
    /// `conn`: they are finalized before the connection closes.
    inserts: Vec<TableInserts>,
    conn: Connection,
    temp: TempPath,
    target: PathBuf,
    keys: KeyCheck,
}

impl SqliteDb {
    /// Creates the folder if missing, and an empty database with every table in a temporary
    /// file beside `path`.
    pub fn create(path: &Path) -> Result<Self, StageError> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|err| {
            StageError::new(format!("cannot create folder {}: {err}", dir.display()))
        })?;
        let prefix = newspipe_core::temp_file_prefix();
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".db.tmp");
        // Shared like any file the user writes (0666 less the umask), not private.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)
            .map_err(|err| {
                StageError::new(format!("cannot write in folder {}: {err}", dir.display()))
            })?
            .into_temp_path();
        let conn = Connection::open(&temp).map_err(|err| sql_error(path, err))?;
        // The file is private until the rename, so durability comes from the rename, not from
        // a journal: a failed run discards the file, so nothing ever rolls back. Rows are
        // written parents first, and their foreign keys are checked as they are written by
        // [`KeyCheck`], not by SQLite on every insert or over the whole database at commit. Pages of 16 KiB make the append-only inserts about 8% cheaper than the
        // default 4 KiB.
        conn.execute_batch(&format!(
            "PRAGMA page_size = 16384;
             PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA cache_size = -65536;
             PRAGMA foreign_keys = OFF;
             PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .map_err(|err| sql_error(path, err))?;
        for table in &TABLES {
            conn.execute_batch(&table.create_sql())
                .map_err(|err| sql_error(path, err))?;
        }
        let inserts = TABLES
            .iter()
            .map(|table| TableInserts::prepare(&conn, table))
            .collect::<Result<_, _>>()
            .map_err(|err| StageError::new(format!("cannot write {}: {err}", path.display())))?;
        // One transaction for the whole run, committed with the indexes: the pages of the
        // randomly ordered keys are written once, not again at the end of every batch.
        conn.execute_batch("BEGIN")
            .map_err(|err| sql_error(path, err))?;
        Ok(Self {
            inserts,
            conn,
            temp,
            target: path.to_path_buf(),
            keys: KeyCheck::default(),
        })
    }

    /// Writes a batch of documents into the run's transaction.
    pub fn write<'a>(
        &mut self,
        docs: impl IntoIterator<Item = &'a Document>,
    ) -> Result<(), StageError> {
        let mut inserts = Inserts::new(&mut self.inserts, &self.target, &mut self.keys);
        for doc in docs {
            document_rows(doc, &mut inserts)?;
        }
        inserts.flush()
    }

    /// Adds the `runs` row and the indexes, commits, closes the database and renames it over
    /// the target.
    pub fn commit(mut self, run: &RunRecord) -> Result<(), StageError> {
        let target = self.target.clone();
        let cells = run.cells();
        let mut inserts = Inserts::new(&mut self.inserts, &target, &mut self.keys);
        inserts.row(TableId::Runs, &cells)?;
        inserts.flush()?;
        // Finalized before the connection closes.
        self.inserts.clear();
        for sql in TABLES.iter().flat_map(|table| table.index_sql()) {
            self.conn
                .execute_batch(&sql)
                .map_err(|err| sql_error(&target, err))?;
        }
        self.conn
            .execute_batch("COMMIT")
            .map_err(|err| sql_error(&target, err))?;
        self.conn
            .close()
            .map_err(|(_, err)| sql_error(&target, err))?;
        std::fs::File::open(&self.temp)
            .and_then(|file| file.sync_all())
            .map_err(|err| StageError::new(format!("cannot write {}: {err}", target.display())))?;
        self.temp.persist(&target).map_err(|err| {
            StageError::new(format!(
                "cannot rename into {}: {}",
                target.display(),
                err.error
            ))
        })?;
        Ok(())
    }
}

/// The run's `INSERT`s and its foreign-key check, for one batch of rows borrowed from the
/// batch's documents (`'d`): each table's rows wait in `pending` until a statement of
/// [`TableInserts::MAX_ROWS`] rows is full, and the rest go in at [`flush`](Self::flush).
struct Inserts<'db, 'd> {
    statements: &'db mut [TableInserts],
    pending: Vec<Vec<Cell<'d>>>,
    target: &'db Path,
    keys: &'db mut KeyCheck,
}

impl<'db> Inserts<'db, '_> {
    fn new(
        statements: &'db mut [TableInserts],
        target: &'db Path,
        keys: &'db mut KeyCheck,
    ) -> Self {
        let pending = statements.iter().map(|_| Vec::new()).collect();
        Self {
            statements,
            pending,
            target,
            keys,
        }
    }

    /// Inserts the rows of `table` that are waiting.
    fn write_pending(&mut self, table: usize) -> Result<(), StageError> {
        let result = self.statements[table].execute(&self.pending[table]);
        self.pending[table].clear();
        result.map_err(|err| {
            StageError::new(format!(
                "cannot write {} (table {}): {err}",
                self.target.display(),
                TABLES[table].name
            ))
        })
    }

    /// Inserts every row still waiting.
    fn flush(mut self) -> Result<(), StageError> {
        (0..self.pending.len()).try_for_each(|table| self.write_pending(table))
    }
}

impl<'d> RowSink<'d> for Inserts<'_, 'd> {
    fn row(&mut self, table: TableId, cells: &[Cell<'d>]) -> Result<(), StageError> {
        self.keys.row(table, cells).map_err(|parent| {
            StageError::new(format!(
                "cannot write {}: foreign key check failed: {} row refers to a missing {parent}",
                self.target.display(),
                table.table().name
            ))
        })?;
        let index = table as usize;
        self.pending[index].extend_from_slice(cells);
        if self.pending[index].len() >= self.statements[index].full() {
            self.write_pending(index)?;
        }
        Ok(())
    }
}

fn sql_error(path: &Path, err: rusqlite::Error) -> StageError {
    StageError::new(format!("cannot write {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_without_its_parent_is_refused_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        let mut db = SqliteDb::create(&path).unwrap();
        let err = {
            let mut inserts = Inserts::new(&mut db.inserts, &path, &mut db.keys);
            let orphan = [
                Cell::Text("ghost".into()),
                Cell::Int(0),
                Cell::Text("person".into()),
                Cell::Text("X".into()),
                Cell::Text("X".into()),
                Cell::Null,
                Cell::Int(0),
                Cell::Int(1),
            ];
            inserts.row(TableId::Entities, &orphan).unwrap_err()
        };
        assert!(
            err.message
                .contains("foreign key check failed: entities row"),
            "{err}"
        );
        drop(db);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
