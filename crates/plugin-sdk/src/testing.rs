//! Test a plugin stage in-process, through the path a real run takes: the config goes in as
//! JSON, the documents as the same input envelope the host writes, through the same `extern "C"`
//! functions and panic guard, and the output envelope is checked the same way (every document
//! accounted for, none invented). Only `dlopen` is skipped.
//!
//! ```ignore
//! let outcomes = newspipe_plugin_sdk::testing::run_stage::<Shout>(
//!     serde_json::json!({"suffix": "!"}),
//!     vec![newspipe_plugin_sdk::testing::doc("a", "hi")],
//! )?;
//! ```

use newspipe_core::Document;
use newspipe_plugin_abi::{NpBuf, NpStr, NP_OK};
use serde_json::{Map, Value};

use crate::declared::Declared;
use crate::envelope::{self, Outcome};
use crate::export::{self, StageSpec};
use crate::PluginStage;

/// A plain-text document with this id and text, as the reader would make it.
pub fn doc(id: &str, text: &str) -> Document {
    Document::new(id, Default::default(), text.to_owned())
}

/// Builds stage `S` from `config` and runs `docs` through it as one chunk. Returns what became
/// of each document, in input order, or the error a run would report for the whole chunk
/// (a bad config, a panic outside per-document processing, a malformed envelope).
pub fn run_stage<S: PluginStage>(
    config: Value,
    mut docs: Vec<Document>,
) -> Result<Vec<Outcome<Document>>, String> {
    let config = serde_json::to_vec(&config).map_err(|err| err.to_string())?;
    let spec = StageSpec::of::<S>();
    let declared = Declared::of(&export::stage_manifest(&spec))?;
    let instance = export::into_raw(spec.create(&config)?);
    let originals = docs.clone();
    if !declared.reads_raw() {
        // Kept host-side; the merge restores it from the original.
        envelope::take_raw(&mut docs);
    }
    let input = envelope::write_input(&docs);
    let mut out = NpBuf::EMPTY;
    let mut err = NpBuf::EMPTY;
    // SAFETY: the instance was just created and is used by this thread only; the buffers are
    // the plugin's own and are freed below.
    let status = unsafe {
        export::process(
            instance,
            NpStr {
                ptr: input.as_ptr(),
                len: input.len(),
            },
            &mut out,
            &mut err,
        )
    };
    let result = if status == NP_OK {
        // SAFETY: `out` was filled by `process`.
        let bytes = unsafe { buf_bytes(&out) };
        envelope::read_output::<Map<String, Value>>(bytes)
            .and_then(|output| {
                let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
                envelope::reconcile(&ids, output, envelope::id_of)
            })
            .map(|outcomes| merge_kept(&declared, &originals, outcomes))
    } else {
        // SAFETY: `err` was filled by `process`.
        Err(String::from_utf8_lossy(unsafe { buf_bytes(&err) }).into_owned())
    };
    // SAFETY: each buffer came from the plugin side and is freed once; the instance too.
    unsafe {
        export::free_buf(out);
        export::free_buf(err);
        export::destroy(instance);
    }
    result
}

/// Builds each kept document from its original and the fields the stage declares it writes,
/// as the host does; a change outside the declaration becomes that document's error.
fn merge_kept(
    declared: &Declared,
    originals: &[Document],
    outcomes: Vec<Outcome<Map<String, Value>>>,
) -> Vec<Outcome<Document>> {
    originals
        .iter()
        .zip(outcomes)
        .map(|(original, outcome)| match outcome {
            Outcome::Keep(fields) => match declared.merge(original, fields) {
                Ok(doc) => Outcome::Keep(doc),
                Err(message) => Outcome::Error(message),
            },
            Outcome::Drop(dropped) => Outcome::Drop(dropped),
            Outcome::Error(message) => Outcome::Error(message),
        })
        .collect()
}

/// The bytes of a buffer filled by the plugin side.
///
/// # Safety
/// `buf` is empty or was filled by `export::put`.
unsafe fn buf_bytes(buf: &NpBuf) -> &[u8] {
    if buf.ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(buf.ptr, buf.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::{Disposition, DocumentStage, StageError};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct TagConfig {
        tag: String,
        drop_containing: Option<String>,
    }

    struct Tag(TagConfig);

    impl DocumentStage for Tag {
        fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
            if doc.text.contains("boom") {
                panic!("exploded on {}", doc.id);
            }
            if doc.text.contains("bad") {
                return Err(StageError::new("bad text"));
            }
            if let Some(word) = &self.0.drop_containing {
                if doc.text.contains(word.as_str()) {
                    return Ok(Disposition::Drop {
                        reason: format!("mentions {word}"),
                        duplicate_of: None,
                    });
                }
            }
            doc.extra.insert("tag".into(), self.0.tag.clone().into());
            Ok(Disposition::Keep)
        }
    }

    impl PluginStage for Tag {
        const NAME: &'static str = "tag";
        const SUMMARY: &'static str = "Tags documents.";
        type Config = TagConfig;
        fn new(config: TagConfig) -> Result<Self, StageError> {
            if config.tag.is_empty() {
                return Err(StageError::new("`tag` must not be empty"));
            }
            Ok(Tag(config))
        }
    }

    #[test]
    fn keeps_drops_and_fails_documents_through_the_envelope() {
        let outcomes = run_stage::<Tag>(
            serde_json::json!({"tag": "x", "drop_containing": "spam"}),
            vec![
                doc("a", "fine"),
                doc("b", "spam here"),
                doc("c", "bad"),
                doc("d", "boom"),
            ],
        )
        .unwrap();
        let Outcome::Keep(a) = &outcomes[0] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(a.extra["tag"], "x");
        assert!(matches!(&outcomes[1], Outcome::Drop(d) if d.reason == "mentions spam"));
        assert_eq!(outcomes[2], Outcome::Error("bad text".into()));
        assert_eq!(
            outcomes[3],
            Outcome::Error("stage panicked: exploded on d".into())
        );
    }

    /// Records whether it saw `raw`.
    struct SeesRaw;

    impl DocumentStage for SeesRaw {
        fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
            doc.extra
                .insert("saw_raw".into(), (!doc.raw.is_empty()).into());
            Ok(Disposition::Keep)
        }
    }

    impl PluginStage for SeesRaw {
        const NAME: &'static str = "sees-raw";
        const SUMMARY: &'static str = "Records whether it saw raw.";
        type Config = TagConfig;
        fn new(_config: TagConfig) -> Result<Self, StageError> {
            Ok(SeesRaw)
        }
    }

    #[test]
    fn raw_stays_out_of_the_envelope_but_comes_back() {
        let mut input = doc("a", "text");
        input.raw = "<p>text</p>".into();
        let outcomes = run_stage::<SeesRaw>(Value::Null, vec![input]).unwrap();
        let Outcome::Keep(out) = &outcomes[0] else {
            panic!("{outcomes:?}")
        };
        assert_eq!(out.extra["saw_raw"], false);
        assert_eq!(out.raw, "<p>text</p>");
    }

    #[test]
    fn config_problems_are_all_reported() {
        let err = run_stage::<Tag>(serde_json::json!({"tga": "x", "tag": 3}), vec![]).unwrap_err();
        assert!(err.starts_with("invalid config: "), "{err}");
        assert!(err.contains("tga: unknown key `tga`"), "{err}");
        assert!(err.contains("tag: invalid type"), "{err}");
        let err = run_stage::<Tag>(serde_json::json!({}), vec![]).unwrap_err();
        assert_eq!(err, "invalid config: `tag` must not be empty");
    }

    #[test]
    fn the_manifest_describes_the_stages() {
        let spec = export::PluginSpec {
            name: "demo",
            version: "1.2.3",
            panic_unwind: true,
            stages: vec![StageSpec::of::<Tag>()],
        };
        let manifest: crate::manifest::Manifest =
            serde_json::from_str(&export::manifest_of(&spec)).unwrap();
        assert_eq!(manifest.name, "demo");
        assert_eq!(manifest.abi, newspipe_plugin_abi::ABI_VERSION);
        assert_eq!(manifest.stages[0].name, "tag");
        assert_eq!(
            manifest.stages[0].config_schema["properties"]["drop_containing"]["default"],
            Value::Null
        );
        assert!(manifest.rustc.starts_with("rustc "), "{}", manifest.rustc);
        assert_eq!(manifest.stages[0].writes, Some(vec!["extra".to_owned()]));
    }
}
