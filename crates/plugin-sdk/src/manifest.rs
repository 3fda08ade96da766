//! The JSON manifest a plugin carries: who it is, how it was built, and what stages it offers.
//! The host reads it before creating anything, and `newspipe plugins inspect` prints it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A plugin library's description of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The plugin's name (its crate name).
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The `newspipe-plugin-sdk` version it was built with (`unknown` for a plugin written without it).
    #[serde(default = "unknown")]
    pub sdk_version: String,
    /// The ABI version of its table.
    pub abi: u32,
    /// How documents are encoded across the boundary; only `json` so far.
    #[serde(default = "json")]
    pub codec: String,
    /// Whether its panics can be caught: a Rust plugin built with `panic = "unwind"`. A plugin
    /// in a language without unwinding (C) leaves it out or says `true`; `false` is refused.
    #[serde(default = "yes")]
    pub panic_unwind: bool,
    /// The compiler it was built with (`rustc --version`).
    #[serde(default = "unknown")]
    pub rustc: String,
    /// The target triple it was built for.
    #[serde(default = "unknown")]
    pub target: String,
    /// Its stages.
    pub stages: Vec<StageManifest>,
}

impl Manifest {
    /// The manifest as indented JSON, for people and scripts.
    pub fn to_pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes")
    }
}

/// One stage a plugin offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageManifest {
    /// The name a pipeline uses in `stage:`.
    pub name: String,
    /// One line on what it does.
    #[serde(default)]
    pub summary: String,
    /// `document`: it sees documents one chunk at a time, in parallel.
    #[serde(default = "document")]
    pub kind: String,
    /// Whether it reads `raw`; if not, the host keeps `raw` and sends the documents without it.
    /// Ignored when `reads` is given.
    #[serde(default = "yes")]
    pub reads_raw: bool,
    /// The top-level document fields it reads: the host sends only these (and `id`), and
    /// ignores whatever the stage returns for the others. Absent: every field (`raw` only with
    /// `reads_raw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<Vec<String>>,
    /// The document fields it writes: a top-level field (`text`, `meta`) or one key of an
    /// object field (`extra.ownership`, `meta.outlet`). The host takes these from what the
    /// stage returns and everything else from the document as it went in; a returned change
    /// anywhere else rejects the document. Required (`[]` for a stage that only keeps, drops or
    /// fails documents); `text` in it makes the stage one that rewrites text, which must run
    /// before any stage that annotates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Vec<String>>,
    /// A JSON Schema of its config: an object with each key's default.
    #[serde(default)]
    pub config_schema: Value,
}

fn unknown() -> String {
    "unknown".into()
}

fn json() -> String {
    "json".into()
}

fn yes() -> bool {
    true
}

fn document() -> String {
    "document".into()
}

/// A JSON Schema for a config whose defaults are `defaults` (an object): every key with its
/// default, and no other key allowed.
pub fn config_schema(defaults: Value) -> Value {
    let properties: serde_json::Map<String, Value> = match defaults {
        Value::Object(map) => map
            .into_iter()
            .map(|(key, default)| (key, serde_json::json!({ "default": default })))
            .collect(),
        _ => Default::default(),
    };
    serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    })
}
