//! The tables that `csv` and `sqlite` write: one definition, so both forms have the same
//! tables, the same columns in the same order, and the same keys.
//!
//! Offsets are named `start_byte`/`end_byte` (half-open byte offsets into the document's
//! `text`, like `start`/`end` in JSON Lines): `end` is a reserved word in SQL.
//!
//! Foreign keys tie each annotation to its document (and a signal's evidence to its signal).
//! Columns that name *another* document (`duplicate_of`, `other_doc_id`, `evidence_doc`) carry
//! no foreign key: that document may have been dropped, rejected or exported by another run, and
//! the reference is still true.

/// The SQLite type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// UTF-8 text.
    Text,
    /// A 64-bit integer; booleans are 0 or 1.
    Integer,
    /// A double.
    Real,
    /// A yes/no value: an `INTEGER` 0 or 1 in SQLite, `true`/`false` in CSV, a `BOOLEAN` in
    /// Parquet.
    Boolean,
}

impl SqlType {
    fn keyword(self) -> &'static str {
        match self {
            Self::Text => "TEXT",
            Self::Integer | Self::Boolean => "INTEGER",
            Self::Real => "REAL",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Column name, the same in the CSV header and in SQLite.
    pub name: &'static str,
    /// Its type (SQLite's, and the Parquet column's).
    pub ty: SqlType,
    /// Whether every row has a value (`NOT NULL`).
    pub required: bool,
}

const fn req(name: &'static str, ty: SqlType) -> Column {
    Column {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: SqlType) -> Column {
    Column {
        name,
        ty,
        required: false,
    }
}

/// A foreign key from some columns of a table to the key of its parent table.
#[derive(Debug, Clone, Copy)]
pub struct ForeignKey {
    /// The referring columns.
    pub columns: &'static [&'static str],
    /// The parent table.
    pub table: &'static str,
    /// The parent's key columns.
    pub references: &'static [&'static str],
}

/// One output table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Table name; the CSV file is `<name>.csv`.
    pub name: &'static str,
    /// Columns in order.
    pub columns: &'static [Column],
    /// Primary key columns.
    pub primary_key: &'static [&'static str],
    /// The link to the parent table, if any.
    pub parent: Option<ForeignKey>,
    /// Extra indexes on join columns that the primary key does not already lead with.
    pub indexes: &'static [&'static [&'static str]],
}

impl Table {
    /// `CREATE TABLE` for SQLite.
    pub fn create_sql(&self) -> String {
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .map(|col| {
                let not_null = if col.required { " NOT NULL" } else { "" };
                format!("  {} {}{not_null}", col.name, col.ty.keyword())
            })
            .collect();
        lines.push(format!("  PRIMARY KEY ({})", self.primary_key.join(", ")));
        if let Some(fk) = &self.parent {
            lines.push(format!(
                "  FOREIGN KEY ({}) REFERENCES {} ({})",
                fk.columns.join(", "),
                fk.table,
                fk.references.join(", ")
            ));
        }
        // Annotation tables are clustered on their key (doc_id, idx): one B-tree per table.
        let clustered = if self.parent.is_some() {
            " WITHOUT ROWID"
        } else {
            ""
        };
        format!(
            "CREATE TABLE {} (\n{}\n){clustered}",
            self.name,
            lines.join(",\n")
        )
    }

    /// `CREATE INDEX` statements for SQLite.
    pub fn index_sql(&self) -> Vec<String> {
        self.indexes
            .iter()
            .map(|columns| {
                format!(
                    "CREATE INDEX {}_{} ON {} ({})",
                    self.name,
                    columns.join("_"),
                    self.name,
                    columns.join(", ")
                )
            })
            .collect()
    }

    /// `INSERT` of `rows` rows (at least one), with one placeholder per column of each.
    pub fn insert_sql(&self, rows: usize) -> String {
        let names: Vec<&str> = self.columns.iter().map(|col| col.name).collect();
        let row = format!("({})", vec!["?"; names.len()].join(", "));
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            names.join(", "),
            vec![row; rows.max(1)].join(", ")
        )
    }
}

/// Names a table in [`TABLES`]; the discriminant is its index there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableId {
    /// One row per document.
    Documents,
    /// People, organizations and places.
    Entities,
    /// Temporal expressions.
    Dates,
    /// Numbers with units.
    Quantities,
    /// Direct and indirect quotes.
    Quotes,
    /// Checkable claims with their reliability.
    Claims,
    /// Which other documents support or contradict a claim.
    ClaimSupport,
    /// Duplicate-cluster membership, one row per document that dedupe saw.
    Clusters,
    /// The document's reliability signals.
    Signals,
    /// The evidence behind each document signal.
    SignalEvidence,
    /// The signals behind each claim's reliability.
    ClaimSignals,
    /// The evidence behind each claim signal.
    ClaimSignalEvidence,
    /// One row per run that wrote the output.
    Runs,
}

impl TableId {
    /// The table's definition.
    pub fn table(self) -> &'static Table {
        &TABLES[self as usize]
    }
}

use SqlType::{Boolean, Integer, Real, Text};

const DOC_FK: Option<ForeignKey> = Some(ForeignKey {
    columns: &["doc_id"],
    table: "documents",
    references: &["id"],
});

const CLAIM_FK: Option<ForeignKey> = Some(ForeignKey {
    columns: &["doc_id", "claim_idx"],
    table: "claims",
    references: &["doc_id", "idx"],
});

/// Every table, in [`TableId`] order (parents before children).
pub const TABLES: [Table; 13] = [
    Table {
        name: "documents",
        columns: &[
            req("id", Text),
            req("source_path", Text),
            opt("source_line", Integer),
            req("source_format", Text),
            opt("url", Text),
            opt("title", Text),
            opt("outlet", Text),
            opt("outlet_basis", Text),
            opt("byline", Text),
            opt("published", Text),
            opt("published_basis", Text),
            opt("language", Text),
            opt("page_kind", Text),
            req("text_length", Integer),
            opt("cluster", Text),
            opt("relation", Text),
            opt("representative", Boolean),
            opt("reliability_score", Real),
            opt("reliability_band", Text),
            opt("extra", Text),
            req("text", Text),
        ],
        primary_key: &["id"],
        parent: None,
        indexes: &[&["cluster"]],
    },
    Table {
        name: "entities",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("kind", Text),
            req("text", Text),
            req("canonical", Text),
            opt("role", Text),
            req("start_byte", Integer),
            req("end_byte", Integer),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[&["canonical"]],
    },
    Table {
        name: "dates",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("text", Text),
            opt("value", Text),
            req("start_byte", Integer),
            req("end_byte", Integer),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[&["value"]],
    },
    Table {
        name: "quantities",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("text", Text),
            opt("value_low", Real),
            opt("value_high", Real),
            opt("unit", Text),
            opt("qualifier", Text),
            req("start_byte", Integer),
            req("end_byte", Integer),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[],
    },
    Table {
        name: "quotes",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("text", Text),
            opt("speaker", Text),
            req("direct", Boolean),
            req("start_byte", Integer),
            req("end_byte", Integer),
            opt("speaker_start_byte", Integer),
            opt("speaker_end_byte", Integer),
            opt("source_start_byte", Integer),
            opt("source_end_byte", Integer),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[&["speaker"]],
    },
    Table {
        name: "claims",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("text", Text),
            opt("speaker", Text),
            req("hedged", Boolean),
            req("entities", Text),
            req("quantity_idx", Text),
            opt("reliability_score", Real),
            opt("reliability_band", Text),
            req("start_byte", Integer),
            req("end_byte", Integer),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[],
    },
    Table {
        name: "claim_support",
        columns: &[
            req("doc_id", Text),
            req("claim_idx", Integer),
            req("relation", Text),
            req("other_doc_id", Text),
        ],
        primary_key: &["doc_id", "claim_idx", "relation", "other_doc_id"],
        parent: CLAIM_FK,
        indexes: &[&["other_doc_id"]],
    },
    Table {
        name: "clusters",
        columns: &[
            req("doc_id", Text),
            req("cluster", Text),
            req("relation", Text),
            req("representative", Boolean),
            req("similarity", Real),
            opt("duplicate_of", Text),
            opt("origin", Text),
        ],
        primary_key: &["doc_id"],
        parent: DOC_FK,
        indexes: &[&["cluster"], &["duplicate_of"]],
    },
    Table {
        name: "signals",
        columns: &[
            req("doc_id", Text),
            req("idx", Integer),
            req("name", Text),
            req("score", Real),
            req("weight", Real),
            req("applicable", Boolean),
        ],
        primary_key: &["doc_id", "idx"],
        parent: DOC_FK,
        indexes: &[&["name"]],
    },
    Table {
        name: "signal_evidence",
        columns: &[
            req("doc_id", Text),
            req("signal_idx", Integer),
            req("idx", Integer),
            req("signal", Text),
            req("evidence_doc", Text),
            opt("start_byte", Integer),
            opt("end_byte", Integer),
            req("note", Text),
        ],
        primary_key: &["doc_id", "signal_idx", "idx"],
        parent: Some(ForeignKey {
            columns: &["doc_id", "signal_idx"],
            table: "signals",
            references: &["doc_id", "idx"],
        }),
        indexes: &[&["evidence_doc"]],
    },
    Table {
        name: "claim_signals",
        columns: &[
            req("doc_id", Text),
            req("claim_idx", Integer),
            req("idx", Integer),
            req("name", Text),
            req("score", Real),
            req("weight", Real),
            req("applicable", Boolean),
        ],
        primary_key: &["doc_id", "claim_idx", "idx"],
        parent: CLAIM_FK,
        indexes: &[],
    },
    Table {
        name: "claim_signal_evidence",
        columns: &[
            req("doc_id", Text),
            req("claim_idx", Integer),
            req("signal_idx", Integer),
            req("idx", Integer),
            req("signal", Text),
            req("evidence_doc", Text),
            opt("start_byte", Integer),
            opt("end_byte", Integer),
            req("note", Text),
        ],
        primary_key: &["doc_id", "claim_idx", "signal_idx", "idx"],
        parent: Some(ForeignKey {
            columns: &["doc_id", "claim_idx", "signal_idx"],
            table: "claim_signals",
            references: &["doc_id", "claim_idx", "idx"],
        }),
        indexes: &[&["evidence_doc"]],
    },
    Table {
        name: "runs",
        columns: &[
            req("id", Integer),
            req("pipeline", Text),
            req("config_hash", Text),
            req("version", Text),
            req("started_at", Text),
            req("finished_at", Text),
            req("read", Integer),
            req("written", Integer),
            req("rejected", Integer),
            req("dropped", Integer),
        ],
        primary_key: &["id"],
        parent: None,
        indexes: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_ids_index_their_tables() {
        let ids = [
            (TableId::Documents, "documents"),
            (TableId::Entities, "entities"),
            (TableId::Dates, "dates"),
            (TableId::Quantities, "quantities"),
            (TableId::Quotes, "quotes"),
            (TableId::Claims, "claims"),
            (TableId::ClaimSupport, "claim_support"),
            (TableId::Clusters, "clusters"),
            (TableId::Signals, "signals"),
            (TableId::SignalEvidence, "signal_evidence"),
            (TableId::ClaimSignals, "claim_signals"),
            (TableId::ClaimSignalEvidence, "claim_signal_evidence"),
            (TableId::Runs, "runs"),
        ];
        assert_eq!(ids.len(), TABLES.len());
        for (id, name) in ids {
            assert_eq!(id.table().name, name);
        }
    }

    #[test]
    fn keys_name_existing_columns_and_parents_come_first() {
        for (index, table) in TABLES.iter().enumerate() {
            let has = |name: &str| table.columns.iter().any(|col| col.name == name);
            for key in table.primary_key {
                assert!(has(key), "{}: key column {key}", table.name);
            }
            for index_columns in table.indexes {
                assert!(index_columns.iter().all(|c| has(c)), "{}", table.name);
            }
            if let Some(fk) = &table.parent {
                assert!(fk.columns.iter().all(|c| has(c)), "{}", table.name);
                let parent = TABLES[..index]
                    .iter()
                    .find(|t| t.name == fk.table)
                    .unwrap_or_else(|| panic!("{}: parent must come first", table.name));
                assert_eq!(parent.primary_key, fk.references, "{}", table.name);
            }
        }
    }
}
