//! The JSON envelopes documents cross the plugin boundary in, and the check that what comes back
//! accounts for exactly what went in. Shared by the host and [`crate::testing`], so a plugin's
//! tests exercise the same path as a real run.
//!
//! In: `{"v":1,"docs":[Document...]}`. Out: `{"v":1,"docs":[kept documents, in input order],
//! "dropped":[{"id","reason","duplicate_of"?}],"errors":[{"id","message"}]}`.

use std::collections::{HashMap, VecDeque};

use newspipe_core::{Disposition, Document};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The envelope version this SDK reads and writes.
pub const VERSION: u32 = 1;

/// An input envelope as the host writes it.
#[derive(Serialize)]
struct InputRef<'a> {
    v: u32,
    docs: &'a [Document],
}

/// An input envelope as a plugin reads it.
#[derive(Deserialize)]
pub struct Input {
    /// Envelope version.
    pub v: u32,
    /// The documents of one chunk, in order.
    pub docs: Vec<Document>,
}

/// A document the plugin removed on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedDoc {
    /// Its id.
    pub id: String,
    /// Why.
    pub reason: String,
    /// The document it duplicates, if that is why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// A document the plugin failed on (it goes to the rejects file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedDoc {
    /// Its id.
    pub id: String,
    /// What went wrong.
    pub message: String,
}

/// An output envelope as a plugin writes it.
#[derive(Serialize)]
struct OutputRef {
    v: u32,
    docs: Vec<Map<String, Value>>,
    dropped: Vec<DroppedDoc>,
    errors: Vec<FailedDoc>,
}

/// An output envelope as the host reads it; `D` is [`Document`], or a JSON object when the host
/// must merge back fields the plugin does not know.
#[derive(Deserialize)]
#[serde(bound = "D: Deserialize<'de>")]
pub struct Output<D> {
    /// Envelope version.
    pub v: u32,
    /// Kept documents, in input order.
    pub docs: Vec<D>,
    /// Documents removed on purpose.
    #[serde(default)]
    pub dropped: Vec<DroppedDoc>,
    /// Documents the plugin failed on.
    #[serde(default)]
    pub errors: Vec<FailedDoc>,
}

/// What became of one input document.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<D> {
    /// It goes on, as returned.
    Keep(D),
    /// The plugin removed it.
    Drop(DroppedDoc),
    /// The plugin failed on it.
    Error(String),
}

/// Serializes one chunk as an input envelope, in one pass.
pub fn write_input(docs: &[Document]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        docs.iter()
            .map(|d| d.text.len() + d.raw.len())
            .sum::<usize>()
            + 256,
    );
    serde_json::to_writer(&mut out, &InputRef { v: VERSION, docs })
        .expect("documents always serialize");
    out
}

/// Takes `raw` out of every document, for a stage that does not read it; put it back with
/// [`restore_raw`] once the stage is done.
pub fn take_raw(docs: &mut [Document]) -> Vec<String> {
    docs.iter_mut()
        .map(|doc| std::mem::take(&mut doc.raw))
        .collect()
}

/// Puts back the `raw` that [`take_raw`] took from the document now at `doc`'s place (the
/// stage's version of it, or the original if it failed or dropped it).
pub fn restore_raw(docs: &mut [Document], raws: Vec<String>) {
    for (doc, raw) in docs.iter_mut().zip(raws) {
        if doc.raw.is_empty() {
            doc.raw = raw;
        }
    }
}

/// Reads an input envelope (plugin side).
pub fn read_input(bytes: &[u8]) -> Result<Input, String> {
    let input: Input =
        serde_json::from_slice(bytes).map_err(|err| format!("malformed input envelope: {err}"))?;
    check_version(input.v)?;
    Ok(input)
}

/// Writes the output envelope for `docs` after a stage gave one result per document (plugin
/// side). A kept document carries only its `id` and the top-level fields the stage declares it
/// writes (`writes`, as in [`PluginStage::WRITES`](crate::PluginStage::WRITES)): the host keeps
/// every other field itself, so echoing them would only cost time.
pub fn write_output(
    docs: &[Document],
    results: Vec<Result<Disposition, newspipe_core::StageError>>,
    writes: &[&str],
) -> Result<Vec<u8>, String> {
    if results.len() != docs.len() {
        return Err(format!(
            "the stage returned {} results for {} documents",
            results.len(),
            docs.len()
        ));
    }
    let mut envelope = OutputRef {
        v: VERSION,
        docs: Vec::with_capacity(docs.len()),
        dropped: Vec::new(),
        errors: Vec::new(),
    };
    for (doc, result) in docs.iter().zip(results) {
        match result {
            Ok(Disposition::Keep) => {
                let Value::Object(mut fields) =
                    serde_json::to_value(doc).map_err(|err| err.to_string())?
                else {
                    return Err("a document did not serialize to an object".into());
                };
                fields.retain(|field, _| {
                    field == "id"
                        || writes
                            .iter()
                            .any(|write| write.split('.').next() == Some(field.as_str()))
                });
                envelope.docs.push(fields);
            }
            Ok(Disposition::Drop {
                reason,
                duplicate_of,
            }) => envelope.dropped.push(DroppedDoc {
                id: doc.id.clone(),
                reason,
                duplicate_of,
            }),
            Err(err) => envelope.errors.push(FailedDoc {
                id: doc.id.clone(),
                message: err.message,
            }),
        }
    }
    serde_json::to_vec(&envelope).map_err(|err| err.to_string())
}

/// Reads an output envelope (host side).
pub fn read_output<D: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<Output<D>, String> {
    let output: Output<D> =
        serde_json::from_slice(bytes).map_err(|err| format!("returned malformed output: {err}"))?;
    check_version(output.v)?;
    Ok(output)
}

fn check_version(v: u32) -> Result<(), String> {
    if v == VERSION {
        Ok(())
    } else {
        Err(format!(
            "envelope version {v}, expected {VERSION}; rebuild the plugin against this newspipe"
        ))
    }
}

/// The `id` of a returned document as a JSON object (empty when it has none, which
/// [`reconcile`] then reports).
pub fn id_of(doc: &Map<String, Value>) -> &str {
    doc.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// Writes an input envelope of documents already cut down to the fields a stage reads.
pub fn write_input_fields(docs: &[Map<String, Value>]) -> Vec<u8> {
    /// The envelope, borrowing the documents.
    #[derive(Serialize)]
    struct FieldsRef<'a> {
        v: u32,
        docs: &'a [Map<String, Value>],
    }
    serde_json::to_vec(&FieldsRef { v: VERSION, docs }).expect("JSON values always serialize")
}

/// Matches an output envelope against the ids that went in: every input document must come back
/// exactly once, kept (in input order), dropped or failed, and nothing else may come back.
/// Returns one outcome per input id, in input order.
pub fn reconcile<D>(
    input_ids: &[&str],
    output: Output<D>,
    id_of: impl Fn(&D) -> &str,
) -> Result<Vec<Outcome<D>>, String> {
    let mut kept = output.docs.into_iter().peekable();
    let mut dropped: HashMap<String, VecDeque<DroppedDoc>> = HashMap::new();
    for doc in output.dropped {
        dropped.entry(doc.id.clone()).or_default().push_back(doc);
    }
    let mut failed: HashMap<String, VecDeque<String>> = HashMap::new();
    for doc in output.errors {
        failed.entry(doc.id).or_default().push_back(doc.message);
    }
    let mut outcomes = Vec::with_capacity(input_ids.len());
    for &id in input_ids {
        let outcome = if kept.peek().is_some_and(|doc| id_of(doc) == id) {
            Outcome::Keep(kept.next().expect("peeked"))
        } else if let Some(doc) = dropped.get_mut(id).and_then(VecDeque::pop_front) {
            Outcome::Drop(doc)
        } else if let Some(message) = failed.get_mut(id).and_then(VecDeque::pop_front) {
            Outcome::Error(message)
        } else {
            return Err(format!(
                "lost document `{id}`: it was neither returned, dropped nor failed"
            ));
        };
        outcomes.push(outcome);
    }
    if let Some(doc) = kept.next() {
        return Err(format!(
            "returned document `{}`, which was not in its input (or came back twice or out of order)",
            id_of(&doc)
        ));
    }
    let extra = dropped
        .into_values()
        .flatten()
        .map(|doc| doc.id)
        .chain(
            failed
                .into_iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(id, _)| id),
        )
        .next();
    if let Some(id) = extra {
        return Err(format!(
            "dropped or failed document `{id}`, which was not in its input (or reported it twice)"
        ));
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> Document {
        Document::new(id, Default::default(), format!("text of {id}"))
    }

    fn output(docs: &[&str], dropped: &[&str], errors: &[&str]) -> Output<Document> {
        Output {
            v: VERSION,
            docs: docs.iter().map(|id| doc(id)).collect(),
            dropped: dropped
                .iter()
                .map(|id| DroppedDoc {
                    id: (*id).into(),
                    reason: "r".into(),
                    duplicate_of: None,
                })
                .collect(),
            errors: errors
                .iter()
                .map(|id| FailedDoc {
                    id: (*id).into(),
                    message: "m".into(),
                })
                .collect(),
        }
    }

    fn reconciled(ids: &[&str], out: Output<Document>) -> Result<Vec<String>, String> {
        reconcile(ids, out, |d| &d.id).map(|outcomes| {
            outcomes
                .into_iter()
                .map(|o| match o {
                    Outcome::Keep(d) => format!("keep {}", d.id),
                    Outcome::Drop(d) => format!("drop {}", d.id),
                    Outcome::Error(m) => format!("error {m}"),
                })
                .collect()
        })
    }

    #[test]
    fn every_input_is_accounted_for_in_order() {
        let got = reconciled(&["a", "b", "c", "d"], output(&["a", "d"], &["b"], &["c"]));
        assert_eq!(got.unwrap(), ["keep a", "drop b", "error m", "keep d"]);
    }

    #[test]
    fn duplicate_input_ids_are_matched_one_by_one() {
        let got = reconciled(&["a", "a"], output(&["a"], &["a"], &[]));
        assert_eq!(got.unwrap(), ["keep a", "drop a"]);
    }

    #[test]
    fn lost_invented_and_reordered_documents_are_errors() {
        let lost = reconciled(&["a", "b"], output(&["a"], &[], &[])).unwrap_err();
        assert!(lost.contains("lost document `b`"), "{lost}");
        let invented = reconciled(&["a"], output(&["a", "x"], &[], &[])).unwrap_err();
        assert!(invented.contains("returned document `x`"), "{invented}");
        let reordered = reconciled(&["a", "b"], output(&["b", "a"], &[], &[])).unwrap_err();
        assert!(reordered.contains("`a`"), "{reordered}");
        let dropped = reconciled(&["a"], output(&["a"], &["y"], &[])).unwrap_err();
        assert!(dropped.contains("`y`"), "{dropped}");
        let failed = reconciled(&["a"], output(&["a"], &[], &["z"])).unwrap_err();
        assert!(failed.contains("`z`"), "{failed}");
    }

    #[test]
    fn envelopes_round_trip_and_check_their_version() {
        let docs = vec![doc("a"), doc("b")];
        let input = read_input(&write_input(&docs)).unwrap();
        assert_eq!(input.docs, docs);
        let results = vec![
            Ok(Disposition::Keep),
            Ok(Disposition::Drop {
                reason: "dup".into(),
                duplicate_of: Some("a".into()),
            }),
        ];
        let out: Output<Map<String, Value>> =
            read_output(&write_output(&docs, results, &["extra.tag"]).unwrap()).unwrap();
        // Only the id and the declared fields travel back.
        assert_eq!(
            Value::Object(out.docs[0].clone()),
            serde_json::json!({"id": "a", "extra": {}})
        );
        assert_eq!(out.dropped[0].duplicate_of.as_deref(), Some("a"));
        let err = read_input(br#"{"v":2,"docs":[]}"#).err().unwrap();
        assert!(err.contains("envelope version 2"), "{err}");
        let err = read_output::<Document>(b"not json").err().unwrap();
        assert!(err.starts_with("returned malformed output"), "{err}");
    }
}
