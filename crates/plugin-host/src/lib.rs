//! # newspipe-plugin-host
//!
//! **What it does.** Runs a stage from a plugin library (built with `newspipe-plugin-sdk`, or in
//! C against `newspipe_plugin.h`; see docs/plugin-contract.md) as the `plugin` stage. Before any
//! document is read it loads the library, checks its entry symbol, ABI version, table size and
//! manifest (including what each stage declares it reads and writes), and creates a first
//! instance with the stage's config, so a missing file, a library that is not a plugin, a
//! version mismatch or a bad config stops the run with a message naming the plugin. During the
//! run each chunk of 16 documents crosses as one JSON envelope to an instance living on its own
//! thread, under the stage's `timeout`. Each kept document is the one that went in plus the
//! fields the stage declared it writes; any other change rejects the document, naming the
//! field. A call that fails as a whole (panic, error, broken envelope) is retried one document
//! at a time; one that times out rejects its chunk and its instance is discarded. Libraries
//! are never unloaded.
//!
//! **When to use it.** For a stage you wrote yourself; see the README's "Write a plugin".
//!
//! ```yaml
//! - plugin:
//!     library: ../target/release/liboutlet_ownership.so   # relative to the pipeline file
//!     stage: ownership
//!     timeout: 30s                                         # per call; default 1m
//!     config: { outlets: [ { name: Reuters, owner: Thomson Reuters } ] }
//! ```
//!
//! **Output fields.** The fields the stage declares in `writes` (usually keys of `extra`).

mod adapter;
mod check;
mod library;
mod stdio;

use std::path::PathBuf;
use std::time::Duration;

use newspipe_core::{BuildContext, BuildError, StageFactory, StageInstance};
use newspipe_plugin_sdk::manifest::Manifest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use check::{check_stage, schema_problems, StageCheck};
pub use library::{open, Plugin};
pub use stdio::{discard_plugin_output, stdout};

/// The `plugin` stage's config.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// The plugin library (`.so`, `.dylib`, `.dll`), relative to the pipeline file. Required.
    pub library: PathBuf,
    /// Which of the plugin's stages to run. Required.
    pub stage: String,
    /// The stage's own config, checked by the plugin.
    #[serde(default)]
    pub config: Value,
    /// How long one call into the plugin (a chunk of up to 16 documents) may take, such as
    /// `30s` or `2m`; past it, the chunk's documents are rejected and the instance discarded.
    #[serde(default = "default_timeout", with = "duration_text")]
    #[schemars(with = "String")]
    pub timeout: Duration,
}

impl Default for PluginConfig {
    fn default() -> Self {
        Self {
            library: PathBuf::new(),
            stage: String::new(),
            config: Value::Null,
            timeout: default_timeout(),
        }
    }
}

/// The default per-call time limit: generous for a model-backed stage, short enough that a
/// hung plugin is noticed.
fn default_timeout() -> Duration {
    Duration::from_secs(60)
}

/// A duration written as text (`30s`, `1m 30s`, `500ms`), for the `timeout` key.
mod duration_text {
    use std::time::Duration;

    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Duration, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&humantime::format_duration(*value).to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(input)?;
        let duration = humantime::parse_duration(&text).map_err(|err| {
            D::Error::custom(format!(
                "`{text}` is not a duration ({err}); write e.g. `30s` or `2m`"
            ))
        })?;
        if duration.is_zero() {
            return Err(D::Error::custom("the timeout must be longer than 0s"));
        }
        Ok(duration)
    }
}

/// The `plugin` stage, for the registry.
pub fn factory() -> StageFactory {
    StageFactory::new::<PluginConfig>(
        "plugin",
        "Runs a stage from a plugin library (see `newspipe plugins inspect`).",
        build,
    )
    .describing_keys::<PluginConfig>()
}

fn build(config: PluginConfig, cx: &BuildContext) -> Result<StageInstance, BuildError> {
    let plugin = open(&cx.resolve(&config.library)).map_err(BuildError::Setup)?;
    let stage = adapter::PluginAdapter::new(plugin, &config.stage, &config.config, config.timeout)
        .map_err(BuildError::Setup)?;
    Ok(StageInstance::Document(Box::new(stage)))
}

/// Loads the library at `path` and returns its manifest, without creating anything.
pub fn inspect(path: &std::path::Path) -> Result<Manifest, String> {
    open(path).map(|plugin| plugin.manifest.clone())
}

/// A manifest for people: who built the plugin with what, and each stage with its config keys
/// and their defaults.
pub fn describe(manifest: &Manifest) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", manifest.name, manifest.version);
    if manifest.sdk_version == "unknown" {
        let _ = writeln!(out, "  built without newspipe-plugin-sdk");
    } else {
        let _ = writeln!(
            out,
            "  built with newspipe-plugin-sdk {}, {}, for {}",
            manifest.sdk_version, manifest.rustc, manifest.target
        );
    }
    let _ = writeln!(
        out,
        "  plugin ABI {}, codec {}, panic = {}",
        manifest.abi,
        manifest.codec,
        if manifest.panic_unwind {
            "unwind"
        } else {
            "abort"
        }
    );
    let _ = writeln!(out, "stages:");
    for stage in &manifest.stages {
        let reads = match &stage.reads {
            Some(fields) => format!(", reads {}", fields.join(", ")),
            None if stage.reads_raw => ", reads raw".to_owned(),
            None => String::new(),
        };
        let _ = writeln!(out, "  {} ({}{reads})", stage.name, stage.kind);
        if !stage.summary.is_empty() {
            let _ = writeln!(out, "      {}", stage.summary);
        }
        if let Some(writes) = &stage.writes {
            let writes = if writes.is_empty() {
                "nothing".to_owned()
            } else {
                writes.join(", ")
            };
            let _ = writeln!(out, "      writes: {writes}");
        }
        if let Some(Value::Object(keys)) = stage.config_schema.get("properties") {
            for (key, schema) in keys {
                let default = schema.get("default").unwrap_or(&Value::Null);
                let _ = writeln!(out, "      {key}: {default}");
            }
        }
    }
    out
}
