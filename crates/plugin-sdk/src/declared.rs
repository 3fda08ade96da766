//! What a plugin stage declares it reads and writes, and the merge that holds it to that.
//!
//! The host sends a stage only the fields it reads, and builds each returned document from the
//! document that went in plus the fields the stage declared it writes. So a stage that leaves a
//! field out of its answer loses nothing, and a stage that changes a field it did not declare
//! gets that document rejected with the field's name instead of a silent change. Shared by the
//! host and [`crate::testing`].

use newspipe_core::Document;
use serde_json::{Map, Value};

use crate::fields::document_fields;
use crate::manifest::StageManifest;

/// Top-level fields holding annotations with byte offsets into `text`.
const ANNOTATION_FIELDS: [&str; 6] = [
    "entities",
    "dates",
    "quantities",
    "quotes",
    "claims",
    "reliability",
];

/// One declared write: a whole top-level field, or one key of an object field.
#[derive(Debug, Clone, PartialEq)]
struct Write {
    field: String,
    key: Option<String>,
}

/// A stage's declared reads and writes, checked against the document model.
#[derive(Debug, Clone)]
pub struct Declared {
    /// Top-level fields sent to the stage; `None`: every field.
    reads: Option<Vec<String>>,
    /// Whether `raw` is sent when `reads` is `None`.
    reads_raw: bool,
    writes: Vec<Write>,
}

impl Declared {
    /// The declaration in a stage's manifest entry; an error names the field a manifest got
    /// wrong, or says that `writes` is missing.
    pub fn of(stage: &StageManifest) -> Result<Self, String> {
        let known = document_fields();
        let check = |field: &str, list: &str| {
            if known.iter().any(|k| k == field) {
                Ok(())
            } else {
                Err(format!(
                    "stage `{}` lists `{field}` in `{list}`, which is not a document field; the \
                     fields are: {}",
                    stage.name,
                    known.join(", ")
                ))
            }
        };
        let Some(writes) = &stage.writes else {
            return Err(format!(
                "stage `{}` has no `writes` in its manifest: list the document fields it changes \
                 (such as [\"extra.my_field\"], or [] for a stage that only keeps, drops or fails \
                 documents)",
                stage.name
            ));
        };
        let writes = writes
            .iter()
            .map(|path| {
                let (field, key) = match path.split_once('.') {
                    Some((field, key)) if !key.is_empty() => (field, Some(key.to_owned())),
                    Some(_) => {
                        return Err(format!(
                            "stage `{}` writes `{path}`: a key is missing after the dot",
                            stage.name
                        ))
                    }
                    None => (path.as_str(), None),
                };
                check(field, "writes")?;
                if field == "id" {
                    return Err(format!(
                        "stage `{}` lists `id` in `writes`: a document's id never changes",
                        stage.name
                    ));
                }
                Ok(Write {
                    field: field.to_owned(),
                    key,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if let Some(reads) = &stage.reads {
            for field in reads {
                check(field, "reads")?;
            }
        }
        Ok(Self {
            reads: stage.reads.clone(),
            reads_raw: stage.reads_raw,
            writes,
        })
    }

    /// Whether the stage may change `text`: it must run before any stage that annotates it.
    pub fn rewrites_text(&self) -> bool {
        self.writes
            .iter()
            .any(|write| write.field == "text" && write.key.is_none())
    }

    /// Whether the stage writes annotations with offsets into `text`.
    pub fn annotates_text(&self) -> bool {
        self.writes
            .iter()
            .any(|write| ANNOTATION_FIELDS.contains(&write.field.as_str()))
    }

    /// Whether the stage is sent the whole document (but perhaps `raw`), so the host can
    /// serialize documents directly.
    pub fn reads_every_field(&self) -> bool {
        self.reads.is_none()
    }

    /// Whether the stage is sent `raw`.
    pub fn reads_raw(&self) -> bool {
        match &self.reads {
            Some(reads) => reads.iter().any(|field| field == "raw"),
            None => self.reads_raw,
        }
    }

    /// Whether top-level field `field` is sent to the stage.
    fn sends(&self, field: &str) -> bool {
        field == "id"
            || match &self.reads {
                Some(reads) => reads.iter().any(|read| read == field),
                None => field != "raw" || self.reads_raw,
            }
    }

    /// `doc` as the stage is sent it: only the fields it reads (and `id`).
    pub fn input_fields(&self, doc: &Document) -> Map<String, Value> {
        let mut fields = to_map(doc);
        fields.retain(|field, _| self.sends(field));
        fields
    }

    /// The document that goes on: `original`, with the declared fields taken from `returned`
    /// (a declared field the stage left out keeps its value). Fields the stage was not sent are
    /// ignored; any other returned field must equal what went in. An error names the field.
    pub fn merge(
        &self,
        original: &Document,
        returned: Map<String, Value>,
    ) -> Result<Document, String> {
        let mut merged = to_map(original);
        for (field, value) in returned {
            if field == "id" {
                continue;
            }
            if !self.sends(&field) {
                self.take_blind_writes(&mut merged, field, value);
                continue;
            }
            let whole = self
                .writes
                .iter()
                .any(|write| write.field == field && write.key.is_none());
            if whole {
                merged.insert(field, value);
                continue;
            }
            let keys: Vec<&str> = self
                .writes
                .iter()
                .filter(|write| write.field == field)
                .filter_map(|write| write.key.as_deref())
                .collect();
            let before = merged.get_mut(&field);
            match (value, before) {
                // An object field: key by key, so a key left out keeps its value and a change
                // is named down to the key.
                (Value::Object(returned_keys), Some(Value::Object(before))) => {
                    for (key, value) in returned_keys {
                        if keys.contains(&key.as_str()) {
                            before.insert(key, value);
                        } else if !same(before.get(&key), &value) {
                            return Err(undeclared(&format!("{field}.{key}")));
                        }
                    }
                }
                (Value::Object(returned_keys), None) if !keys.is_empty() => {
                    let mut written = Map::new();
                    for (key, value) in returned_keys {
                        if keys.contains(&key.as_str()) {
                            written.insert(key, value);
                        } else if !same(None, &value) {
                            return Err(undeclared(&format!("{field}.{key}")));
                        }
                    }
                    merged.insert(field, Value::Object(written));
                }
                (value, _) if !keys.is_empty() => {
                    return Err(format!(
                        "returned `{field}` as {}, not an object with the keys it writes",
                        kind_of(&value)
                    ));
                }
                (value, before) => {
                    if !same(before.as_deref(), &value) {
                        return Err(undeclared(&field));
                    }
                }
            }
        }
        let merged: Document = serde_json::from_value(Value::Object(merged))
            .map_err(|err| format!("returned a malformed document: {err}"))?;
        if merged.text != original.text && has_annotations(original) {
            return Err(
                "rewrote `text` of a document that already has annotations: their offsets would \
                 point into the wrong text; run this stage before any stage that annotates text \
                 (extract, score-reliability)"
                    .into(),
            );
        }
        Ok(merged)
    }
}

impl Declared {
    /// Takes what the stage declares it writes into a field it was not sent (it writes
    /// `extra.word_count` without reading `extra`): the declared keys, or the whole field;
    /// anything else it returned for that field is ignored, since it never saw the field.
    fn take_blind_writes(&self, merged: &mut Map<String, Value>, field: String, value: Value) {
        let mut keys = Vec::new();
        for write in self.writes.iter().filter(|write| write.field == field) {
            match &write.key {
                None => {
                    merged.insert(field, value);
                    return;
                }
                Some(key) => keys.push(key.as_str()),
            }
        }
        let Value::Object(returned) = value else {
            return;
        };
        for (key, value) in returned {
            if keys.contains(&key.as_str()) {
                let target = merged
                    .entry(field.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(target) = target {
                    target.insert(key, value);
                }
            }
        }
    }
}

/// The error for a change outside the declaration.
fn undeclared(path: &str) -> String {
    format!(
        "changed `{path}`, which its stage does not declare in `writes`: declare it in the \
         manifest, or return the field unchanged (or leave it out)"
    )
}

/// A document as a JSON object.
fn to_map(doc: &Document) -> Map<String, Value> {
    match serde_json::to_value(doc) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a document always serializes to an object"),
    }
}

/// Whether a returned value equals the value that went in; an absent field (skipped because
/// empty) equals an empty value.
fn same(before: Option<&Value>, after: &Value) -> bool {
    match before {
        Some(before) => before == after,
        None => match after {
            Value::Null | Value::Bool(false) => true,
            Value::String(s) => s.is_empty(),
            Value::Array(items) => items.is_empty(),
            Value::Object(map) => map.is_empty(),
            Value::Number(_) | Value::Bool(true) => false,
        },
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a stage has annotated the document's text already.
fn has_annotations(doc: &Document) -> bool {
    !(doc.entities.is_empty()
        && doc.dates.is_empty()
        && doc.quantities.is_empty()
        && doc.quotes.is_empty()
        && doc.claims.is_empty()
        && doc.reliability.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declared(writes: Value, reads: Value) -> Result<Declared, String> {
        let stage: StageManifest = serde_json::from_value(json!({
            "name": "s", "writes": writes, "reads": reads
        }))
        .unwrap();
        Declared::of(&stage)
    }

    fn original() -> Document {
        let mut doc = Document::new("a", Default::default(), "Body.".into());
        doc.meta.title = Some("Headline".into());
        doc.extra.insert("topic".into(), json!("energy"));
        doc
    }

    fn returned(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!() };
        map
    }

    #[test]
    fn fields_left_out_keep_their_value() {
        let d = declared(json!(["extra.seen"]), Value::Null).unwrap();
        let merged = d
            .merge(
                &original(),
                returned(json!({"id": "a", "extra": {"seen": true}})),
            )
            .unwrap();
        assert_eq!(merged.meta.title.as_deref(), Some("Headline"));
        assert_eq!(merged.text, "Body.");
        assert_eq!(merged.extra["topic"], "energy", "other extra keys survive");
        assert_eq!(merged.extra["seen"], true);
    }

    #[test]
    fn a_whole_declared_field_is_replaced() {
        let d = declared(json!(["extra"]), Value::Null).unwrap();
        let merged = d
            .merge(&original(), returned(json!({"id": "a", "extra": {"n": 1}})))
            .unwrap();
        assert_eq!(merged.extra.len(), 1);
        assert_eq!(merged.extra["n"], 1);
    }

    #[test]
    fn changes_outside_the_declaration_name_the_field() {
        let d = declared(json!(["extra.seen"]), Value::Null).unwrap();
        let err = d
            .merge(
                &original(),
                returned(json!({"id": "a", "extra": {"topic": "x"}})),
            )
            .unwrap_err();
        assert!(err.starts_with("changed `extra.topic`"), "{err}");
        let err = d
            .merge(&original(), returned(json!({"id": "a", "text": "Other."})))
            .unwrap_err();
        assert!(err.starts_with("changed `text`"), "{err}");
        // Echoing a field unchanged, or an empty one that went in absent, is fine.
        let echoed =
            json!({"id": "a", "text": "Body.", "entities": [], "extra": {"topic": "energy"}});
        assert!(d.merge(&original(), returned(echoed)).is_ok());
    }

    #[test]
    fn fields_not_sent_are_ignored_on_the_way_back() {
        let d = declared(json!([]), json!(["text"])).unwrap();
        let sent = d.input_fields(&original());
        assert_eq!(sent.keys().collect::<Vec<_>>(), ["id", "text"]);
        let merged = d
            .merge(
                &original(),
                returned(json!({"id": "a", "text": "Body.", "meta": {}})),
            )
            .unwrap();
        assert_eq!(merged.meta.title.as_deref(), Some("Headline"));
    }

    #[test]
    fn declared_writes_into_a_field_not_read_are_kept_and_nothing_else() {
        let d = declared(json!(["extra.word_count"]), json!(["text"])).unwrap();
        let merged = d
            .merge(
                &original(),
                returned(json!({"id": "a", "extra": {"word_count": 1, "topic": "x"}})),
            )
            .unwrap();
        assert_eq!(merged.extra["word_count"], 1);
        assert_eq!(
            merged.extra["topic"], "energy",
            "not declared, not seen: unchanged"
        );
    }

    #[test]
    fn text_rewrites_are_refused_once_annotations_exist() {
        let d = declared(json!(["text"]), Value::Null).unwrap();
        assert!(d.rewrites_text() && !d.annotates_text());
        let merged = d
            .merge(&original(), returned(json!({"id": "a", "text": "New."})))
            .unwrap();
        assert_eq!(merged.text, "New.");
        let mut annotated = original();
        annotated.dates.push(newspipe_core::DateMention {
            text: "Body".into(),
            value: None,
            start: 0,
            end: 4,
        });
        let err = d
            .merge(&annotated, returned(json!({"id": "a", "text": "New."})))
            .unwrap_err();
        assert!(err.contains("already has annotations"), "{err}");
    }

    #[test]
    fn bad_declarations_are_refused_with_the_field() {
        let err = declared(json!(["titel"]), Value::Null).unwrap_err();
        assert!(err.contains("`titel` in `writes`"), "{err}");
        let err = declared(json!([]), json!(["txt"])).unwrap_err();
        assert!(err.contains("`txt` in `reads`"), "{err}");
        let err = declared(json!(["id"]), Value::Null).unwrap_err();
        assert!(err.contains("id never changes"), "{err}");
        let stage: StageManifest = serde_json::from_value(json!({"name": "s"})).unwrap();
        let err = Declared::of(&stage).unwrap_err();
        assert!(err.contains("no `writes`"), "{err}");
    }
}
