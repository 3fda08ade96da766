//! The foreign-key check of the rows written to SQLite, made as each row is written instead of
//! by `PRAGMA foreign_key_check` over the whole database at the end, which cost about 3% of a
//! one-thread run on short wire stories and sat alone on the run's last, serial step.
//!
//! Every foreign key in [`crate::schema`] leads with the document's id and points at a row of the
//! same document, and a document's rows are written together, parents first (the `documents`
//! row, then each table in [`TableId`] order). So the check only has to remember the keys of the
//! current document's parent rows: it starts afresh at each `documents` row, and holds a few
//! dozen short keys at a time whatever the corpus size.

use rustc_hash::FxHashSet;

use crate::rows::Cell;
use crate::schema::{TableId, TABLES};

/// How one table's rows take part in the check.
#[derive(Debug, Default)]
struct TableKeys {
    /// Positions of the key columns, when another table refers to this one.
    key_columns: Option<Vec<usize>>,
    /// Positions of the referring columns and the parent table, when this table has a parent.
    parent: Option<(Vec<usize>, usize)>,
    /// The keys of this table's rows written for the current document.
    written: FxHashSet<Vec<u8>>,
}

/// Checks that each row's foreign key names a row already written for the same document.
#[derive(Debug)]
pub struct KeyCheck {
    tables: Vec<TableKeys>,
    key: Vec<u8>,
}

impl Default for KeyCheck {
    fn default() -> Self {
        let position = |table: usize, column: &str| {
            TABLES[table]
                .columns
                .iter()
                .position(|col| col.name == column)
                .expect("schema keys name columns of their table")
        };
        let index_of = |name: &str| {
            TABLES
                .iter()
                .position(|table| table.name == name)
                .expect("schema foreign keys name tables of the schema")
        };
        let mut tables: Vec<TableKeys> = TABLES.iter().map(|_| TableKeys::default()).collect();
        for (child, table) in TABLES.iter().enumerate() {
            let Some(fk) = &table.parent else { continue };
            let parent = index_of(fk.table);
            let columns = fk.columns.iter().map(|c| position(child, c)).collect();
            tables[child].parent = Some((columns, parent));
            let key = fk.references.iter().map(|c| position(parent, c)).collect();
            tables[parent].key_columns = Some(key);
        }
        Self {
            tables,
            key: Vec::new(),
        }
    }
}

impl KeyCheck {
    /// Checks one row of `table` before it is written and remembers its key if other rows may
    /// refer to it; on a missing parent, returns the parent table's name.
    pub fn row(&mut self, table: TableId, cells: &[Cell<'_>]) -> Result<(), &'static str> {
        let index = table as usize;
        if table == TableId::Documents {
            for keys in &mut self.tables {
                keys.written.clear();
            }
        }
        if let Some((columns, parent)) = &self.tables[index].parent {
            encode(&mut self.key, columns, cells);
            if !self.tables[*parent].written.contains(&self.key) {
                return Err(TABLES[*parent].name);
            }
        }
        if let Some(columns) = &self.tables[index].key_columns {
            encode(&mut self.key, columns, cells);
            self.tables[index].written.insert(self.key.clone());
        }
        Ok(())
    }
}

/// Writes the cells at `columns` into `key`, each tagged and length-prefixed so that
/// different values never give the same bytes.
fn encode(key: &mut Vec<u8>, columns: &[usize], cells: &[Cell<'_>]) {
    key.clear();
    for &column in columns {
        match &cells[column] {
            Cell::Null => key.push(0),
            Cell::Int(value) => {
                key.push(1);
                key.extend_from_slice(&value.to_le_bytes());
            }
            Cell::Real(value) => {
                key.push(2);
                key.extend_from_slice(&value.to_bits().to_le_bytes());
            }
            Cell::Text(text) => {
                key.push(3);
                key.extend_from_slice(&text.len().to_le_bytes());
                key.extend_from_slice(text.as_bytes());
            }
            Cell::Bool(value) => key.extend_from_slice(&[4, u8::from(*value)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Cell<'_> {
        Cell::Text(value.into())
    }

    /// A `documents` row: only the key matters to the check.
    fn document(id: &str) -> Vec<Cell<'_>> {
        let mut cells = vec![Cell::Null; TableId::Documents.table().columns.len()];
        cells[0] = text(id);
        cells
    }

    fn claim(doc: &str, idx: i64) -> Vec<Cell<'_>> {
        let mut cells = vec![Cell::Null; TableId::Claims.table().columns.len()];
        cells[0] = text(doc);
        cells[1] = Cell::Int(idx);
        cells
    }

    fn claim_signal(doc: &str, claim: i64, idx: i64) -> Vec<Cell<'_>> {
        let mut cells = vec![Cell::Null; TableId::ClaimSignals.table().columns.len()];
        cells[0] = text(doc);
        cells[1] = Cell::Int(claim);
        cells[2] = Cell::Int(idx);
        cells
    }

    #[test]
    fn rows_whose_parents_were_written_pass() {
        let mut check = KeyCheck::default();
        check.row(TableId::Documents, &document("a")).unwrap();
        check.row(TableId::Claims, &claim("a", 0)).unwrap();
        check.row(TableId::Claims, &claim("a", 1)).unwrap();
        check
            .row(TableId::ClaimSignals, &claim_signal("a", 1, 0))
            .unwrap();
    }

    #[test]
    fn a_row_naming_a_missing_parent_names_the_parent_table() {
        let mut check = KeyCheck::default();
        assert_eq!(check.row(TableId::Claims, &claim("a", 0)), Err("documents"));
        check.row(TableId::Documents, &document("a")).unwrap();
        check.row(TableId::Claims, &claim("a", 0)).unwrap();
        assert_eq!(
            check.row(TableId::ClaimSignals, &claim_signal("a", 1, 0)),
            Err("claims"),
            "claim 1 of `a` was never written"
        );
        assert_eq!(
            check.row(TableId::Claims, &claim("b", 0)),
            Err("documents"),
            "a row of another document"
        );
    }

    #[test]
    fn the_next_document_starts_afresh() {
        let mut check = KeyCheck::default();
        check.row(TableId::Documents, &document("a")).unwrap();
        check.row(TableId::Claims, &claim("a", 0)).unwrap();
        check.row(TableId::Documents, &document("b")).unwrap();
        assert_eq!(
            check.row(TableId::ClaimSignals, &claim_signal("a", 0, 0)),
            Err("claims"),
            "document a's rows are done once b begins"
        );
    }

    #[test]
    fn every_table_with_a_parent_is_checked() {
        let check = KeyCheck::default();
        for (table, keys) in TABLES.iter().zip(&check.tables) {
            assert_eq!(
                table.parent.is_some(),
                keys.parent.is_some(),
                "{}",
                table.name
            );
        }
    }
}
