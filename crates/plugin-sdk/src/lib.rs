//! # newspipe-plugin-sdk
//!
//! Write a newspipe stage in your own crate, build it as a dynamic library, and name it in a
//! pipeline: no fork of newspipe needed.
//!
//! **What it does.** A plugin stage is an ordinary [`DocumentStage`] (the trait built-in stages
//! implement) plus a [`PluginStage`] impl that names it and its config. [`export_plugin!`] then
//! generates the library's one exported symbol and the C table behind it: every entry point runs
//! under a panic guard, documents arrive and leave as a versioned JSON envelope, `tracing` events
//! are forwarded to the host's log, and a manifest records the plugin's name, version, stages,
//! config keys, and the rustc and target it was built with.
//!
//! **When to use it.** For a stage that does not belong in newspipe itself: an outlet-specific
//! cleaner, a house style checker, a model-backed tagger.
//!
//! ```ignore
//! use newspipe_plugin_sdk::{export_plugin, Disposition, Document, DocumentStage, PluginStage, StageError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Default, Serialize, Deserialize)]
//! #[serde(deny_unknown_fields, default)]
//! pub struct ShoutConfig { suffix: String }
//!
//! pub struct Shout(ShoutConfig);
//!
//! impl DocumentStage for Shout {
//!     fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
//!         doc.text = format!("{}{}", doc.text.to_uppercase(), self.0.suffix);
//!         Ok(Disposition::Keep)
//!     }
//! }
//!
//! impl PluginStage for Shout {
//!     const NAME: &'static str = "shout";
//!     const SUMMARY: &'static str = "Upper-cases the text.";
//!     type Config = ShoutConfig;
//!     // What it changes; the host keeps every other field. Rewriting `text` means it must
//!     // run before any stage that annotates text (`validate` checks).
//!     const WRITES: &'static [&'static str] = &["text"];
//!     fn new(config: ShoutConfig) -> Result<Self, StageError> { Ok(Shout(config)) }
//! }
//!
//! export_plugin!(Shout);
//! ```
//!
//! With `crate-type = ["cdylib", "rlib"]`, [`testing::run_stage`] runs the stage in-process
//! through the same serialization path the host uses. In a pipeline:
//!
//! ```yaml
//! - plugin:
//!     library: ../target/release/libshout.so
//!     stage: shout
//!     config: { suffix: "!" }
//! ```
//!
//! Log with [`tracing`] (re-exported here): events are forwarded to the host and shown with its
//! `-v` / `RUST_LOG` settings, under target `plugin`.
//!
//! Rules for a plugin: build it with `panic = "unwind"` (the default; the host refuses `abort`
//! builds, whose panics would kill the whole run); do not start thread pools (the host already
//! runs one instance per worker thread); keep per-instance state in the stage struct.

pub mod declared;
pub mod envelope;
#[doc(hidden)]
pub mod export;
pub mod fields;
mod logging;
pub mod manifest;
pub mod testing;

pub use newspipe_core::{panic_message, Disposition, Document, DocumentStage, StageError};
pub use newspipe_plugin_abi as abi;
/// `tracing`, whose events a plugin's `init` forwards to the host's log.
pub use tracing;

use serde::{de::DeserializeOwned, Serialize};

/// A [`DocumentStage`] that can live in a plugin: its name in pipelines, its config type, and how
/// to build it from a parsed config.
pub trait PluginStage: DocumentStage + Sized + 'static {
    /// The name a pipeline uses in `stage:`.
    const NAME: &'static str;
    /// One line on what the stage does (shown by `newspipe plugins inspect`).
    const SUMMARY: &'static str;
    /// The stage's config, parsed from the pipeline's `config:` with every problem reported;
    /// use `#[serde(deny_unknown_fields, default)]` and a `Default` that works untuned.
    type Config: DeserializeOwned + Serialize + Default;
    /// Whether the stage reads [`Document::raw`] (the input as decoded, e.g. the HTML page).
    /// Off by default: `raw` then stays in the host (the stage sees it empty), which saves
    /// copying the largest field across the boundary twice. A stage that sets `raw` needs it on.
    const READS_RAW: bool = false;
    /// The document fields the stage changes: a top-level field (`meta`) or one key of an
    /// object field (`extra.shouted`, `meta.outlet`). The host keeps every other field as it
    /// went in and rejects a document whose other fields the stage changed, naming the field.
    /// `text` here makes it a text-rewriting stage, which must run before any annotating stage.
    /// By default the stage may change `extra`.
    const WRITES: &'static [&'static str] = &["extra"];

    /// Builds one instance; the host builds one per worker thread. An error stops the run before
    /// any document is read.
    fn new(config: Self::Config) -> Result<Self, StageError>;

    /// Counts to report when the instance finishes (logged by the host), as a JSON object.
    fn metrics(&self) -> serde_json::Value {
        serde_json::Value::Object(Default::default())
    }
}

/// Exports a plugin library holding the given [`PluginStage`] types, named and versioned after
/// the crate (`CARGO_PKG_NAME`, `CARGO_PKG_VERSION`).
///
/// Expands to the `newspipe_plugin_entry_v1` symbol; use it once per library.
#[macro_export]
macro_rules! export_plugin {
    ($($stage:ty),+ $(,)?) => {
        /// The plugin's entry point, looked up by the newspipe host.
        #[unsafe(no_mangle)]
        pub extern "C" fn newspipe_plugin_entry_v1() -> *const $crate::abi::NpPluginV1 {
            $crate::export::entry(|| $crate::export::PluginSpec {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                panic_unwind: cfg!(panic = "unwind"),
                stages: vec![$($crate::export::StageSpec::of::<$stage>()),+],
            })
        }
    };
}
