//! What a stage contributed: for each document, the top-level fields whose value the stage
//! changed, plus the documents it rejected or dropped. This is what a stage's snapshot holds,
//! so a change in one stage shows up in that stage's snapshot only.

use std::collections::HashMap;

use newspipe_core::Document;
use newspipe_runner::StageTrace;
use serde_json::{Map, Value};

/// The snapshot body of one stage, as a value (rendered to YAML by the caller).
pub fn stage_changes(
    before: &[Document],
    stage: &StageTrace,
    redact: &dyn Fn(Value) -> Value,
) -> Value {
    let before: HashMap<&str, Value> = before
        .iter()
        .map(|doc| (doc.id.as_str(), to_value(doc)))
        .collect();
    let mut documents = Map::new();
    for doc in &stage.docs {
        let after = to_value(doc);
        let old = before.get(doc.id.as_str());
        let mut changed = Map::new();
        if let Value::Object(fields) = after {
            for (key, value) in fields {
                let old_value = old.and_then(|o| o.get(&key));
                if old_value != Some(&value) {
                    changed.insert(key, redact(value));
                }
            }
        }
        documents.insert(doc.id.clone(), Value::Object(changed));
    }
    let mut body = Map::new();
    body.insert("documents".into(), Value::Object(documents));
    if !stage.rejected.is_empty() {
        body.insert(
            "rejected".into(),
            redact(serde_json::to_value(&stage.rejected).unwrap_or_default()),
        );
    }
    if !stage.dropped.is_empty() {
        body.insert(
            "dropped".into(),
            redact(serde_json::to_value(&stage.dropped).unwrap_or_default()),
        );
    }
    Value::Object(body)
}

fn to_value(doc: &Document) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// Where two snapshot bodies differ: `(document, field)` pairs, or `(section, "")` for the
/// rejected and dropped lists.
pub fn differences(
    old: &Value,
    new: &Value,
) -> Vec<(String, String, Option<Value>, Option<Value>)> {
    let mut out = Vec::new();
    let empty = Map::new();
    let docs = |v: &Value| {
        v.get("documents")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (old_docs, new_docs) = (docs(old), docs(new));
    let mut ids: Vec<&String> = old_docs.keys().chain(new_docs.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let (o, n) = (old_docs.get(id), new_docs.get(id));
        let o_fields = o.and_then(Value::as_object).unwrap_or(&empty);
        let n_fields = n.and_then(Value::as_object).unwrap_or(&empty);
        if o.is_none() || n.is_none() {
            out.push((id.clone(), String::new(), o.cloned(), n.cloned()));
            continue;
        }
        let mut keys: Vec<&String> = o_fields.keys().chain(n_fields.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let (a, b) = (o_fields.get(key), n_fields.get(key));
            if a != b {
                out.push((id.clone(), key.clone(), a.cloned(), b.cloned()));
            }
        }
    }
    for section in ["rejected", "dropped"] {
        let (a, b) = (old.get(section), new.get(section));
        if a != b {
            out.push((
                format!("({section})"),
                String::new(),
                a.cloned(),
                b.cloned(),
            ));
        }
    }
    out
}
