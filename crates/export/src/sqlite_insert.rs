//! Compiled `INSERT`s, bound and stepped through SQLite's C interface.
//!
//! rusqlite binds every text as `SQLITE_TRANSIENT`: SQLite copies it into memory of its own
//! before the step, and frees that copy at the next bind. A row's text (a whole article in
//! `documents`, a name or a note elsewhere) is only read during the step, while the caller's
//! cells are alive, so here it is bound in place (`SQLITE_STATIC`). No pointer outlives its
//! statement's step: after each step the statement is reset and its parameters cleared to NULL,
//! and it is only stepped right after every one of its parameters was bound again from the rows
//! being written. On 3,000 wire stories (half a million texts) this takes the SQLite rows from
//! 1,310 M to 1,169 M instructions; writing up to 64 rows a statement ([`TableInserts`]) then
//! takes them from 1,184 M to 775 M (`valgrind --tool=callgrind`, the whole run from 7,663 M to
//! 7,285 M).

use std::ffi::{c_int, CStr, CString};
use std::ptr::{self, NonNull};

use rusqlite::{ffi, Connection};

use crate::rows::Cell;
use crate::schema::Table;

/// A prepared `INSERT` of one table's rows. It must be dropped (finalized) before its
/// connection is closed.
pub struct Insert {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    parameters: usize,
}

// SAFETY: an `Insert` is owned with its connection (which is `Send`) and only used through
// `&mut`, so SQLite sees it from one thread at a time, as it sees the connection.
unsafe impl Send for Insert {}

impl Insert {
    /// Compiles `sql` (one statement) on `conn`.
    pub fn prepare(conn: &Connection, sql: &str) -> Result<Self, String> {
        let sql = CString::new(sql).map_err(|err| err.to_string())?;
        // SAFETY: the handle of an open connection, used for this call and by the statement,
        // which the owner finalizes before closing the connection.
        let db = unsafe { conn.handle() };
        let mut stmt = ptr::null_mut();
        // SAFETY: `sql` is a NUL-terminated string and `stmt` a valid out-pointer. Persistent,
        // as rusqlite's cached statements are: kept out of the connection's lookaside memory,
        // which the cursors of each step then have to themselves.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr(),
                -1,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(message(db, rc));
        }
        let stmt = NonNull::new(stmt).ok_or_else(|| "no statement in the SQL".to_string())?;
        // SAFETY: a statement just prepared.
        let parameters = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(Self {
            stmt,
            db,
            parameters: usize::try_from(parameters).unwrap_or(0),
        })
    }

    /// Inserts one row: one cell per parameter, in order.
    pub fn execute(&mut self, cells: &[Cell<'_>]) -> Result<(), String> {
        if cells.len() != self.parameters {
            return Err(format!(
                "{} values for {} columns",
                cells.len(),
                self.parameters
            ));
        }
        let result = self.bind_and_step(cells);
        // SAFETY: `stmt` is live. A failed step's error was read above, so reset's code is not
        // needed. Clearing the bindings leaves no pointer to this row's cells in the statement.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
        result
    }

    /// Binds every parameter from `cells` (their count checked), then steps; a failed bind
    /// returns before the step, so no pointer left from an earlier row is ever read.
    fn bind_and_step(&mut self, cells: &[Cell<'_>]) -> Result<(), String> {
        let stmt = self.stmt.as_ptr();
        for (at, cell) in (1..).zip(cells) {
            // SAFETY: `stmt` is live and `at` is within its parameters (counted above). A text is
            // bound without a copy: it outlives the step below.
            let rc = unsafe {
                match cell {
                    Cell::Null => ffi::sqlite3_bind_null(stmt, at),
                    Cell::Int(value) => ffi::sqlite3_bind_int64(stmt, at, *value),
                    Cell::Real(value) if value.is_finite() => {
                        ffi::sqlite3_bind_double(stmt, at, *value)
                    }
                    Cell::Real(_) => ffi::sqlite3_bind_null(stmt, at),
                    Cell::Bool(value) => ffi::sqlite3_bind_int64(stmt, at, i64::from(*value)),
                    Cell::Text(text) => {
                        let length = c_int::try_from(text.len()).map_err(|_| {
                            format!("a text of {} bytes is too long for SQLite", text.len())
                        })?;
                        ffi::sqlite3_bind_text(
                            stmt,
                            at,
                            text.as_ptr().cast(),
                            length,
                            ffi::SQLITE_STATIC(),
                        )
                    }
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(message(self.db, rc));
            }
        }
        // SAFETY: every parameter was just bound to a value of `cells`, alive during the step.
        match unsafe { ffi::sqlite3_step(stmt) } {
            ffi::SQLITE_DONE => Ok(()),
            rc => Err(message(self.db, rc)),
        }
    }
}

impl Drop for Insert {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once; its connection is still open.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The `INSERT`s of one table, for 1, 2, 4, … [`TableInserts::MAX_ROWS`] rows a statement.
///
/// Each step of a one-row `INSERT` opens the table's cursor and searches its B-tree from the
/// root; a statement of many rows keeps the cursor open from one row to the next, and a key
/// that follows the last one written is placed without a search. Rows are written in the order
/// given, so the database holds the same rows in the same order either way.
pub struct TableInserts {
    /// `by_rows[k]` inserts `2^k` rows.
    by_rows: Vec<Insert>,
    columns: usize,
}

impl TableInserts {
    /// The most rows one statement inserts (at 21 columns, 1,344 parameters, far below
    /// SQLite's limit of 32,766).
    pub const MAX_ROWS: usize = 64;

    /// Compiles the table's `INSERT`s on `conn`.
    pub fn prepare(conn: &Connection, table: &Table) -> Result<Self, String> {
        let by_rows = std::iter::successors(Some(1), |rows| Some(rows * 2))
            .take_while(|&rows| rows <= Self::MAX_ROWS)
            .map(|rows| Insert::prepare(conn, &table.insert_sql(rows)))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            by_rows,
            columns: table.columns.len(),
        })
    }

    /// The cells a full statement takes: [`MAX_ROWS`](Self::MAX_ROWS) rows.
    pub fn full(&self) -> usize {
        Self::MAX_ROWS * self.columns
    }

    /// Inserts `cells`, whole rows of the table one after another, in order: in statements of
    /// as many rows as possible.
    pub fn execute(&mut self, mut cells: &[Cell<'_>]) -> Result<(), String> {
        if self.columns == 0 || !cells.len().is_multiple_of(self.columns) {
            return Err(format!(
                "{} values are not whole rows of {} columns",
                cells.len(),
                self.columns
            ));
        }
        while !cells.is_empty() {
            let rows = cells.len() / self.columns;
            let k = (rows.ilog2() as usize).min(self.by_rows.len() - 1);
            let (chunk, rest) = cells.split_at((1 << k) * self.columns);
            self.by_rows[k].execute(chunk)?;
            cells = rest;
        }
        Ok(())
    }
}

/// SQLite's message for the last error on `db`, else for the code.
fn message(db: *mut ffi::sqlite3, rc: c_int) -> String {
    // SAFETY: `db` is an open connection; SQLite returns NUL-terminated static or
    // connection-owned strings, copied at once.
    unsafe {
        let text = if ffi::sqlite3_errcode(db) == rc {
            ffi::sqlite3_errmsg(db)
        } else {
            ffi::sqlite3_errstr(rc)
        };
        if text.is_null() {
            format!("SQLite error {rc}")
        } else {
            CStr::from_ptr(text).to_string_lossy().into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn rows_keep_their_values_after_the_cells_are_gone() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d TEXT, e INTEGER)")
            .unwrap();
        let mut insert =
            Insert::prepare(&conn, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)").unwrap();
        for i in 0..3 {
            let owned = format!("row {i} — ünïcode");
            insert
                .execute(&[
                    Cell::Text(Cow::Owned(owned)),
                    Cell::Int(i),
                    Cell::Real(if i == 1 { f64::NAN } else { 0.5 }),
                    Cell::Text(Cow::Borrowed("")),
                    Cell::Bool(i == 2),
                ])
                .unwrap();
        }
        drop(insert);
        let rows: Vec<(String, i64, Option<f64>, String, i64)> = conn
            .prepare("SELECT a, b, c, d, e FROM t ORDER BY b")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("row 0 — ünïcode".into(), 0, Some(0.5), String::new(), 0),
                ("row 1 — ünïcode".into(), 1, None, String::new(), 0),
                ("row 2 — ünïcode".into(), 2, Some(0.5), String::new(), 1),
            ]
        );
    }

    #[test]
    fn rows_of_every_count_go_in_whole_and_in_order() {
        use crate::schema::{Column, SqlType};
        const COLUMNS: [Column; 2] = [
            Column {
                name: "a",
                ty: SqlType::Integer,
                required: true,
            },
            Column {
                name: "b",
                ty: SqlType::Text,
                required: false,
            },
        ];
        let table = Table {
            name: "t",
            columns: &COLUMNS,
            primary_key: &["b"],
            parent: None,
            indexes: &[],
        };
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&table.create_sql()).unwrap();
        let mut inserts = TableInserts::prepare(&conn, &table).unwrap();
        // 0, then 1, 2 … rows: full statements, halves, and the odd remainders of each.
        let mut next = 0i64;
        for rows in [0, 1, 2, 3, 63, 64, 65, 200] {
            let cells: Vec<Cell> = (next..next + rows)
                .flat_map(|a| [Cell::Int(a), Cell::Text(Cow::Owned(format!("row {a}")))])
                .collect();
            inserts.execute(&cells).unwrap();
            next += rows;
        }
        let odd = inserts.execute(&[Cell::Int(next)]).unwrap_err();
        assert_eq!(odd, "1 values are not whole rows of 2 columns");
        drop(inserts);
        let rows: Vec<(i64, i64, String)> = conn
            .prepare("SELECT rowid, a, b FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected: Vec<(i64, i64, String)> =
            (0..next).map(|a| (a + 1, a, format!("row {a}"))).collect();
        assert_eq!(rows, expected, "every row once, in the order given");
    }

    #[test]
    fn a_refused_row_says_why_and_the_next_one_goes_in() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a TEXT NOT NULL PRIMARY KEY)")
            .unwrap();
        let mut insert = Insert::prepare(&conn, "INSERT INTO t VALUES (?1)").unwrap();
        insert.execute(&[Cell::Text("x".into())]).unwrap();
        let duplicate = insert.execute(&[Cell::Text("x".into())]).unwrap_err();
        assert!(
            duplicate.contains("UNIQUE constraint failed"),
            "{duplicate}"
        );
        let null = insert.execute(&[Cell::Null]).unwrap_err();
        assert!(null.contains("NOT NULL constraint failed"), "{null}");
        let count = insert.execute(&[]).unwrap_err();
        assert_eq!(count, "0 values for 1 columns");
        insert.execute(&[Cell::Text("y".into())]).unwrap();
        drop(insert);
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }
}
