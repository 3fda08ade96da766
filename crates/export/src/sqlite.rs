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
use crate::sqlite_insert::Insert;

/// Bumped whenever the schema changes; readable with `PRAGMA user_version`. 3: `documents`
/// gained `outlet_basis` and `extra`.
pub const SCHEMA_VERSION: u32 = 3;

/// A database being written.
pub struct SqliteDb {
    /// One compiled `INSERT` per table, in [`TABLES`] order (compiled once a run). Declared
    /// before `conn`: they are finalized before the connection closes.
    inserts: Vec<Insert>,
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
            .map(|table| Insert::prepare(&conn, &table.insert_sql()))
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
        let mut inserts = Inserts {
            statements: &mut self.inserts,
            target: &self.target,
            keys: &mut self.keys,
        };
        for doc in docs {
            document_rows(doc, &mut inserts)?;
        }
        Ok(())
    }

    /// Adds the `runs` row and the indexes, commits, closes the database and renames it over
    /// the target.
    pub fn commit(mut self, run: &RunRecord) -> Result<(), StageError> {
        let target = self.target.clone();
        Inserts {
            statements: &mut self.inserts,
            target: &target,
            keys: &mut self.keys,
        }
        .row(TableId::Runs, &run.cells())?;
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

/// The run's `INSERT`s and its foreign-key check, for one batch of rows.
struct Inserts<'db> {
    statements: &'db mut [Insert],
    target: &'db Path,
    keys: &'db mut KeyCheck,
}

impl RowSink for Inserts<'_> {
    fn row(&mut self, table: TableId, cells: &[Cell<'_>]) -> Result<(), StageError> {
        self.keys.row(table, cells).map_err(|parent| {
            StageError::new(format!(
                "cannot write {}: foreign key check failed: {} row refers to a missing {parent}",
                self.target.display(),
                table.table().name
            ))
        })?;
        self.statements[table as usize]
            .execute(cells)
            .map_err(|err| {
                StageError::new(format!(
                    "cannot write {} (table {}): {err}",
                    self.target.display(),
                    table.table().name
                ))
            })?;
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
            let mut inserts = Inserts {
                statements: &mut db.inserts,
                target: &path,
                keys: &mut db.keys,
            };
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
