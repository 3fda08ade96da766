//! Flattens a [`Document`] into rows of the tables in [`crate::schema`], for `csv` and `sqlite`
//! alike.

use std::borrow::Cow;

use newspipe_core::{
    Band, Claim, Document, EntityKind, InputFormat, PageKind, QuantityValue, Relation, Signal,
    StageError,
};

use crate::schema::TableId;

/// One value in a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Null,
    /// An integer (counts, offsets, indexes).
    Int(i64),
    /// A number; a non-finite one is written as no value.
    Real(f64),
    /// Text.
    Text(Cow<'a, str>),
    /// A yes/no value: `true`/`false` in CSV, 1/0 in SQLite.
    Bool(bool),
}

impl<'a> Cell<'a> {
    fn text(value: &'a str) -> Self {
        Self::Text(Cow::Borrowed(value))
    }

    fn opt_text(value: Option<&'a str>) -> Self {
        value.map_or(Self::Null, Self::text)
    }

    fn int(value: usize) -> Self {
        Self::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }

    fn opt_int(value: Option<usize>) -> Self {
        value.map_or(Self::Null, Self::int)
    }
}

/// Where rows go: a CSV writer, a Parquet part or a SQLite transaction. `'d` is the lifetime of
/// the documents the cells borrow from, so that a sink may keep a row's cells until it writes
/// several rows at once (SQLite).
pub trait RowSink<'d> {
    /// Writes one row of `table`, with one cell per column in schema order.
    fn row(&mut self, table: TableId, cells: &[Cell<'d>]) -> Result<(), StageError>;
}

/// The JSON Lines name of a band (`high`, `medium`, `low`).
pub fn band_name(band: Band) -> &'static str {
    match band {
        Band::High => "high",
        Band::Medium => "medium",
        Band::Low => "low",
    }
}

/// The JSON Lines name of a dedupe relation.
pub fn relation_name(relation: Relation) -> &'static str {
    match relation {
        Relation::None => "none",
        Relation::Exact => "exact",
        Relation::NearDuplicate => "near_duplicate",
        Relation::Syndicated => "syndicated",
        Relation::Derived => "derived",
    }
}

/// The JSON Lines name of an entity kind.
pub fn kind_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "person",
        EntityKind::Organization => "organization",
        EntityKind::Place => "place",
    }
}

fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Text => "text",
        InputFormat::Html => "html",
    }
}

/// The JSON Lines name of a page kind.
pub fn page_kind_name(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Article => "article",
        PageKind::Listing => "listing",
        PageKind::Other => "other",
    }
}

/// Writes every row that `doc` contributes, parents before children.
pub fn document_rows<'d>(doc: &'d Document, sink: &mut impl RowSink<'d>) -> Result<(), StageError> {
    let id = Cell::text(&doc.id);
    let meta = &doc.meta;
    let dedupe = doc.dedupe.as_ref();
    let reliability = doc.reliability.as_ref();
    sink.row(
        TableId::Documents,
        &[
            id.clone(),
            Cell::text(&doc.source.path),
            doc.source.line.map_or(Cell::Null, |line| {
                Cell::Int(i64::try_from(line).unwrap_or(i64::MAX))
            }),
            Cell::text(format_name(doc.source.format)),
            Cell::opt_text(doc.source.url.as_deref()),
            Cell::opt_text(meta.title.as_deref()),
            Cell::opt_text(meta.outlet.as_deref()),
            Cell::opt_text(meta.outlet_basis.as_deref()),
            Cell::opt_text(meta.byline.as_deref()),
            Cell::opt_text(meta.published.as_deref()),
            Cell::opt_text(meta.published_basis.as_deref()),
            Cell::opt_text(meta.language.as_deref()),
            Cell::opt_text(meta.page_kind.map(page_kind_name)),
            Cell::int(doc.text.len()),
            Cell::opt_text(dedupe.map(|d| d.cluster.as_str())),
            Cell::opt_text(dedupe.map(|d| relation_name(d.relation))),
            dedupe.map_or(Cell::Null, |d| Cell::Bool(d.representative)),
            reliability.map_or(Cell::Null, |r| Cell::Real(r.score)),
            Cell::opt_text(reliability.map(|r| band_name(r.band))),
            extra_json(doc)?,
            Cell::text(&doc.text),
        ],
    )?;
    for (idx, entity) in doc.entities.iter().enumerate() {
        sink.row(
            TableId::Entities,
            &[
                id.clone(),
                Cell::int(idx),
                Cell::text(kind_name(entity.kind)),
                Cell::text(&entity.text),
                Cell::text(&entity.canonical),
                Cell::opt_text(entity.role.as_deref()),
                Cell::int(entity.start),
                Cell::int(entity.end),
            ],
        )?;
    }
    for (idx, date) in doc.dates.iter().enumerate() {
        sink.row(
            TableId::Dates,
            &[
                id.clone(),
                Cell::int(idx),
                Cell::text(&date.text),
                Cell::opt_text(date.value.as_deref()),
                Cell::int(date.start),
                Cell::int(date.end),
            ],
        )?;
    }
    for (idx, quantity) in doc.quantities.iter().enumerate() {
        let (low, high) = match quantity.value {
            QuantityValue::Number(value) => (value, value),
            QuantityValue::Range([low, high]) => (low, high),
        };
        sink.row(
            TableId::Quantities,
            &[
                id.clone(),
                Cell::int(idx),
                Cell::text(&quantity.text),
                Cell::Real(low),
                Cell::Real(high),
                Cell::opt_text(quantity.unit.as_deref()),
                Cell::opt_text(quantity.qualifier.as_deref()),
                Cell::int(quantity.start),
                Cell::int(quantity.end),
            ],
        )?;
    }
    for (idx, quote) in doc.quotes.iter().enumerate() {
        sink.row(
            TableId::Quotes,
            &[
                id.clone(),
                Cell::int(idx),
                Cell::text(&quote.text),
                Cell::opt_text(quote.speaker.as_deref()),
                Cell::Bool(quote.direct),
                Cell::int(quote.start),
                Cell::int(quote.end),
                Cell::opt_int(quote.speaker_start),
                Cell::opt_int(quote.speaker_end),
                Cell::opt_int(quote.source_start),
                Cell::opt_int(quote.source_end),
            ],
        )?;
    }
    // One row buffer for every piece of evidence of the document.
    let mut evidence = Vec::new();
    for (idx, claim) in doc.claims.iter().enumerate() {
        claim_rows(&id, idx, claim, &mut evidence, sink)?;
    }
    if let Some(dedupe) = dedupe {
        sink.row(
            TableId::Clusters,
            &[
                id.clone(),
                Cell::text(&dedupe.cluster),
                Cell::text(relation_name(dedupe.relation)),
                Cell::Bool(dedupe.representative),
                Cell::Real(dedupe.similarity),
                Cell::opt_text(dedupe.duplicate_of.as_deref()),
                Cell::opt_text(dedupe.origin.as_deref()),
            ],
        )?;
    }
    for (idx, signal) in reliability.into_iter().flat_map(|r| &r.signals).enumerate() {
        let signal_idx = Cell::int(idx);
        sink.row(
            TableId::Signals,
            &[
                id.clone(),
                signal_idx.clone(),
                Cell::text(&signal.name),
                Cell::Real(signal.score),
                Cell::Real(signal.weight),
                Cell::Bool(signal.applicable),
            ],
        )?;
        evidence_rows(
            TableId::SignalEvidence,
            &[id.clone(), signal_idx],
            signal,
            &mut evidence,
            sink,
        )?;
    }
    Ok(())
}

/// A claim, the documents behind it, and its signals (`evidence`: the row buffer of
/// [`evidence_rows`]).
fn claim_rows<'d>(
    id: &Cell<'d>,
    idx: usize,
    claim: &'d Claim,
    evidence: &mut Vec<Cell<'d>>,
    sink: &mut impl RowSink<'d>,
) -> Result<(), StageError> {
    let reliability = claim.reliability.as_ref();
    let claim_idx = Cell::int(idx);
    sink.row(
        TableId::Claims,
        &[
            id.clone(),
            claim_idx.clone(),
            Cell::text(&claim.text),
            Cell::opt_text(claim.speaker.as_deref()),
            Cell::Bool(claim.hedged),
            Cell::Text(Cow::Owned(json_array(&claim.entities))),
            Cell::Text(Cow::Owned(json_array(&claim.quantities))),
            reliability.map_or(Cell::Null, |r| Cell::Real(r.score)),
            Cell::opt_text(reliability.map(|r| band_name(r.band))),
            Cell::int(claim.start),
            Cell::int(claim.end),
        ],
    )?;
    let Some(reliability) = reliability else {
        return Ok(());
    };
    let support = [
        ("supports", &reliability.supported_by),
        ("contradicts", &reliability.contradicted_by),
    ];
    for (relation, others) in support {
        for (position, other) in others.iter().enumerate() {
            // The primary key holds each (claim, relation, document) once.
            if others[..position].contains(other) {
                continue;
            }
            sink.row(
                TableId::ClaimSupport,
                &[
                    id.clone(),
                    claim_idx.clone(),
                    Cell::text(relation),
                    Cell::text(other),
                ],
            )?;
        }
    }
    for (signal_idx, signal) in reliability.signals.iter().enumerate() {
        let signal_idx = Cell::int(signal_idx);
        sink.row(
            TableId::ClaimSignals,
            &[
                id.clone(),
                claim_idx.clone(),
                signal_idx.clone(),
                Cell::text(&signal.name),
                Cell::Real(signal.score),
                Cell::Real(signal.weight),
                Cell::Bool(signal.applicable),
            ],
        )?;
        evidence_rows(
            TableId::ClaimSignalEvidence,
            &[id.clone(), claim_idx.clone(), signal_idx],
            signal,
            evidence,
            sink,
        )?;
    }
    Ok(())
}

/// One row per piece of evidence, after the `key` cells that name its signal; `cells` is the
/// caller's row buffer, reused from signal to signal.
fn evidence_rows<'d>(
    table: TableId,
    key: &[Cell<'d>],
    signal: &'d Signal,
    cells: &mut Vec<Cell<'d>>,
    sink: &mut impl RowSink<'d>,
) -> Result<(), StageError> {
    for (idx, evidence) in signal.evidence.iter().enumerate() {
        cells.clear();
        cells.extend_from_slice(key);
        cells.extend([
            Cell::int(idx),
            Cell::text(&signal.name),
            Cell::text(&evidence.doc),
            Cell::opt_int(evidence.start),
            Cell::opt_int(evidence.end),
            Cell::text(&evidence.note),
        ]);
        sink.row(table, cells)?;
    }
    Ok(())
}

/// The document's `extra` fields as one JSON object, as JSON Lines has them; no value when
/// there are none, so `extra IS NULL` finds the documents no plugin or input annotated.
fn extra_json(doc: &Document) -> Result<Cell<'static>, StageError> {
    if doc.extra.is_empty() {
        return Ok(Cell::Null);
    }
    let json = serde_json::to_string(&doc.extra).map_err(|err| {
        StageError::new(format!(
            "cannot serialize the `extra` fields of document {}: {err}",
            doc.id
        ))
    })?;
    Ok(Cell::Text(Cow::Owned(json)))
}

fn json_array<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SqlType;
    use newspipe_core::{ClaimReliability, Entity, EntityKind, Reliability};

    /// Collects rows, checking each has one cell per column, of the column's type.
    #[derive(Default)]
    struct Collect(Vec<(TableId, Vec<String>)>);

    impl RowSink<'_> for Collect {
        fn row(&mut self, table: TableId, cells: &[Cell<'_>]) -> Result<(), StageError> {
            let columns = table.table().columns;
            assert_eq!(cells.len(), columns.len(), "{table:?}");
            for (cell, column) in cells.iter().zip(columns) {
                let fits = match cell {
                    Cell::Null => !column.required,
                    Cell::Int(_) => column.ty == SqlType::Integer,
                    Cell::Real(_) => column.ty == SqlType::Real,
                    Cell::Text(_) => column.ty == SqlType::Text,
                    Cell::Bool(_) => column.ty == SqlType::Boolean,
                };
                assert!(fits, "{table:?}.{}: {cell:?}", column.name);
            }
            let cells = cells.iter().map(|c| format!("{c:?}")).collect();
            self.0.push((table, cells));
            Ok(())
        }
    }

    #[test]
    fn a_bare_document_is_one_row() {
        let mut sink = Collect::default();
        let doc = Document::new("a", Default::default(), "Text.".into());
        document_rows(&doc, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 1);
        assert_eq!(sink.0[0].0, TableId::Documents);
        assert_eq!(sink.0[0].1[13], "Int(5)", "text_length in bytes");
        assert_eq!(sink.0[0].1[19], "Null", "no extra fields: no value");
    }

    #[test]
    fn extra_fields_and_the_outlet_basis_reach_the_documents_row() {
        let mut doc = Document::new("a", Default::default(), "Text.".into());
        doc.meta.outlet = Some("The Kyiv Independent".into());
        doc.meta.outlet_basis = Some("html_meta".into());
        doc.extra.insert(
            "topic".into(),
            serde_json::json!({"label": "war", "p": 0.5}),
        );
        doc.extra.insert("flag".into(), serde_json::json!(true));
        let mut sink = Collect::default();
        document_rows(&doc, &mut sink).unwrap();
        let row = &sink.0[0].1;
        let column = |name: &str| {
            let at = TableId::Documents
                .table()
                .columns
                .iter()
                .position(|c| c.name == name)
                .unwrap();
            row[at].as_str()
        };
        assert_eq!(column("outlet"), r#"Text("The Kyiv Independent")"#);
        assert_eq!(column("outlet_basis"), r#"Text("html_meta")"#);
        assert_eq!(
            column("extra"),
            r#"Text("{\"flag\":true,\"topic\":{\"label\":\"war\",\"p\":0.5}}")"#
        );
    }

    #[test]
    fn repeated_supporters_are_written_once_and_children_follow_parents() {
        let claim = Claim {
            text: "X".into(),
            start: 0,
            end: 1,
            speaker: None,
            hedged: false,
            entities: vec!["Canada".into()],
            quantities: vec![0],
            reliability: Some(ClaimReliability {
                score: 70.0,
                band: Band::High,
                supported_by: vec!["b".into(), "c".into(), "b".into()],
                contradicted_by: vec!["b".into()],
                signals: Vec::new(),
            }),
        };
        let doc = Document {
            id: "a".into(),
            text: "X".into(),
            entities: vec![Entity {
                kind: EntityKind::Place,
                text: "X".into(),
                canonical: "X".into(),
                role: None,
                start: 0,
                end: 1,
            }],
            claims: vec![claim],
            reliability: Some(Reliability {
                score: 50.0,
                band: Band::Medium,
                signals: Vec::new(),
            }),
            ..Document::default()
        };
        let mut sink = Collect::default();
        document_rows(&doc, &mut sink).unwrap();
        let tables: Vec<TableId> = sink.0.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            tables,
            [
                TableId::Documents,
                TableId::Entities,
                TableId::Claims,
                TableId::ClaimSupport,
                TableId::ClaimSupport,
                TableId::ClaimSupport,
            ]
        );
        let claims = &sink.0[2].1;
        assert_eq!(claims[5], r#"Text("[\"Canada\"]")"#);
        assert_eq!(claims[6], r#"Text("[0]")"#);
        let support: Vec<(&str, &str)> = sink.0[3..]
            .iter()
            .map(|(_, cells)| (cells[2].as_str(), cells[3].as_str()))
            .collect();
        assert_eq!(
            support,
            [
                (r#"Text("supports")"#, r#"Text("b")"#),
                (r#"Text("supports")"#, r#"Text("c")"#),
                (r#"Text("contradicts")"#, r#"Text("b")"#),
            ]
        );
    }
}
