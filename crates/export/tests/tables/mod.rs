//! Reads every table back from the Parquet parts and from SQLite, and compares them cell by
//! cell: the check that the Parquet form holds exactly the SQLite tables.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::Array;
use arrow_schema::DataType;
use newspipe_export::schema::{SqlType, Table, TABLES};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rusqlite::types::ValueRef;

/// One cell as both forms can give it; a Parquet boolean is read as SQLite's 0 or 1.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A primary-key cell, to put rows in `ORDER BY` key order (SQLite's default collation is
/// byte order, as `String`'s `Ord` is).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum KeyPart {
    Int(i64),
    Text(String),
}

fn key(table: &Table, row: &[Val]) -> Vec<KeyPart> {
    table
        .primary_key
        .iter()
        .map(|name| {
            let at = table.columns.iter().position(|c| c.name == *name).unwrap();
            match &row[at] {
                Val::Int(value) => KeyPart::Int(*value),
                Val::Text(text) => KeyPart::Text(text.clone()),
                other => panic!("{}.{name}: key cell {other:?}", table.name),
            }
        })
        .collect()
}

/// Every row of `table` in every `part-*.parquet` of its folder under `dir`, in key order;
/// checks that the file's columns are the table's, with its types and nullability.
pub fn parquet_rows(dir: &Path, table: &Table) -> Vec<Vec<Val>> {
    let folder = dir.join(table.name);
    let mut parts: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "parquet"))
        .collect();
    parts.sort();
    assert!(!parts.is_empty(), "no part in {}", folder.display());
    let mut rows = Vec::new();
    for part in parts {
        let file = std::fs::File::open(&part).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap_or_else(|err| panic!("{}: {err}", part.display()))
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let fields = batch.schema();
            assert_eq!(fields.fields().len(), table.columns.len(), "{}", table.name);
            for (field, column) in fields.fields().iter().zip(table.columns) {
                let expected = match column.ty {
                    SqlType::Text => DataType::Utf8,
                    SqlType::Integer => DataType::Int64,
                    SqlType::Real => DataType::Float64,
                    SqlType::Boolean => DataType::Boolean,
                };
                assert_eq!(field.name(), column.name, "{}", table.name);
                assert_eq!(
                    field.data_type(),
                    &expected,
                    "{}.{}",
                    table.name,
                    column.name
                );
                assert_eq!(
                    field.is_nullable(),
                    !column.required,
                    "{}.{}",
                    table.name,
                    column.name
                );
            }
            for row in 0..batch.num_rows() {
                let cells: Vec<Val> = batch
                    .columns()
                    .iter()
                    .map(|array| {
                        if array.is_null(row) {
                            return Val::Null;
                        }
                        match array.data_type() {
                            DataType::Utf8 => Val::Text(array.as_string::<i32>().value(row).into()),
                            DataType::Int64 => {
                                Val::Int(array.as_primitive::<Int64Type>().value(row))
                            }
                            DataType::Float64 => {
                                Val::Real(array.as_primitive::<Float64Type>().value(row))
                            }
                            DataType::Boolean => Val::Int(i64::from(array.as_boolean().value(row))),
                            other => panic!("{}: unexpected column type {other}", table.name),
                        }
                    })
                    .collect();
                rows.push(cells);
            }
        }
    }
    rows.sort_by_cached_key(|row| key(table, row));
    rows
}

/// Every row of `table` in the database, in key order.
pub fn sqlite_rows(db: &rusqlite::Connection, table: &Table) -> Vec<Vec<Val>> {
    let sql = format!(
        "SELECT * FROM {} ORDER BY {}",
        table.name,
        table.primary_key.join(", ")
    );
    let mut statement = db.prepare(&sql).unwrap();
    statement
        .query_map([], |row| {
            (0..table.columns.len())
                .map(|at| {
                    Ok(match row.get_ref(at)? {
                        ValueRef::Null => Val::Null,
                        ValueRef::Integer(value) => Val::Int(value),
                        ValueRef::Real(value) => Val::Real(value),
                        ValueRef::Text(text) => {
                            Val::Text(String::from_utf8(text.to_vec()).unwrap())
                        }
                        ValueRef::Blob(_) => panic!("{}: a blob", table.name),
                    })
                })
                .collect()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Asserts that every table under the Parquet folder `parquet` equals the SQLite table of the
/// same name in `db`, cell by cell; returns the rows per table.
pub fn assert_parquet_equals_sqlite(parquet: &Path, db: &rusqlite::Connection) -> Vec<usize> {
    TABLES
        .iter()
        .map(|table| {
            let from_parquet = parquet_rows(parquet, table);
            let from_sqlite = sqlite_rows(db, table);
            assert_eq!(
                from_parquet.len(),
                from_sqlite.len(),
                "rows of {}",
                table.name
            );
            for (parquet_row, sqlite_row) in from_parquet.iter().zip(&from_sqlite) {
                for ((a, b), column) in parquet_row.iter().zip(sqlite_row).zip(table.columns) {
                    assert_eq!(
                        a,
                        b,
                        "{}.{} of row {:?}",
                        table.name,
                        column.name,
                        key(table, sqlite_row)
                    );
                }
            }
            from_sqlite.len()
        })
        .collect()
}
