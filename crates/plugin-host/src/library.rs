//! Opening a plugin library and checking it before anything of it runs beyond its loader:
//! the entry symbol, the ABI version, the table size and the manifest. Libraries are never
//! unloaded (unloading a Rust library with thread-local destructors crashes threads later).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, OnceLock};

use newspipe_plugin_abi::{
    EntryFn, NpHostApi, NpPluginV1, NpStr, ABI_VERSION, ENTRY_SYMBOL, NP_LOG_DEBUG, NP_LOG_ERROR,
    NP_LOG_INFO, NP_LOG_TRACE, NP_LOG_WARN, NP_OK,
};
use newspipe_plugin_sdk::declared::Declared;
use newspipe_plugin_sdk::manifest::{Manifest, StageManifest};
use tracing::level_filters::LevelFilter;

/// A loaded, checked plugin library. Lives as long as the process.
pub struct Plugin {
    /// The path it was loaded from.
    pub path: PathBuf,
    /// What it says about itself.
    pub manifest: Manifest,
    /// Its function table.
    pub(crate) table: &'static NpPluginV1,
    init: OnceLock<Result<(), String>>,
}

// SAFETY: the table is immutable, `'static`, and its functions may be called from any thread
// (instances are never used by two threads at once).
unsafe impl Sync for Plugin {}
// SAFETY: as above.
unsafe impl Send for Plugin {}

impl Plugin {
    /// `plugin `name``, for messages.
    pub fn label(&self) -> String {
        format!("plugin `{}`", self.manifest.name)
    }

    /// The manifest entry of stage `name`, or an error listing the stages it has.
    pub fn stage(&self, name: &str) -> Result<&StageManifest, String> {
        self.manifest
            .stages
            .iter()
            .find(|stage| stage.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .manifest
                    .stages
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                format!(
                    "{} ({}) has no stage `{name}`; it has: {}",
                    self.label(),
                    self.path.display(),
                    known.join(", ")
                )
            })
    }

    /// Calls the library's `init` once (installs its log forwarding).
    pub(crate) fn init(&self) -> Result<(), String> {
        self.init
            .get_or_init(|| {
                // SAFETY: `host_api` is `'static`; the table was checked when loaded.
                let status = unsafe { (self.table.init)(host_api()) };
                if status == NP_OK {
                    Ok(())
                } else {
                    Err(format!(
                        "{} ({}) failed to initialize (status {status})",
                        self.label(),
                        self.path.display()
                    ))
                }
            })
            .clone()
    }
}

/// Libraries loaded so far, by canonical path, so two stages from one library share it.
static LOADED: LazyLock<Mutex<HashMap<PathBuf, &'static Plugin>>> = LazyLock::new(Default::default);

/// Loads and checks the plugin library at `path` (once per process).
pub fn open(path: &Path) -> Result<&'static Plugin, String> {
    if !path.is_file() {
        return Err(format!(
            "plugin library `{}` does not exist",
            path.display()
        ));
    }
    let canonical = path
        .canonicalize()
        .map_err(|err| format!("plugin library `{}`: {err}", path.display()))?;
    let mut loaded = LOADED.lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(plugin) = loaded.get(&canonical) {
        return Ok(plugin);
    }
    crate::stdio::isolate_plugin_output();
    let plugin: &'static Plugin = Box::leak(Box::new(load(path)?));
    loaded.insert(canonical, plugin);
    Ok(plugin)
}

fn load(path: &Path) -> Result<Plugin, String> {
    let shown = path.display();
    // SAFETY: loading a library runs its initializers; plugins are trusted code named
    // explicitly in the pipeline (see the README).
    let library = unsafe { libloading::Library::new(path) }.map_err(|err| {
        let cause = std::error::Error::source(&err).map_or(String::new(), |s| format!(": {s}"));
        format!("cannot load plugin library `{shown}`: {err}{cause}")
    })?;
    // Never unloaded: leaked on purpose.
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: the symbol's type is fixed by the ABI.
    let entry = unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) }.map_err(|_| {
        format!(
            "`{shown}` is not a newspipe plugin: it exports no `{}` function (see \
             docs/plugin-contract.md)",
            ENTRY_SYMBOL.to_string_lossy()
        )
    })?;
    // SAFETY: the entry point takes no arguments and returns a pointer to a static table.
    let table = unsafe { entry() };
    // SAFETY: null or a pointer to a static table; only the leading `abi_version` and
    // `struct_size`, common to every ABI version, are read before the version is checked.
    let table: &'static NpPluginV1 = unsafe { table.as_ref() }.ok_or_else(|| {
        format!("`{shown}` is not a usable newspipe plugin: its entry point returned no table")
    })?;
    if table.abi_version != ABI_VERSION {
        return Err(format!(
            "plugin library `{shown}` was built for plugin ABI version {}, but this newspipe \
             supports version {ABI_VERSION}: rebuild it against this newspipe's plugin ABI",
            table.abi_version
        ));
    }
    if table.struct_size < size_of::<NpPluginV1>() {
        return Err(format!(
            "plugin library `{shown}` has a {}-byte function table, smaller than ABI version \
             {ABI_VERSION} requires ({} bytes)",
            table.struct_size,
            size_of::<NpPluginV1>()
        ));
    }
    // SAFETY: the manifest is `'static` data of the table.
    let manifest = unsafe { str_bytes(table.manifest_json) };
    let manifest: Manifest = serde_json::from_slice(manifest)
        .map_err(|err| format!("plugin library `{shown}` has a malformed manifest: {err}"))?;
    check_manifest(&manifest, &shown.to_string())?;
    Ok(Plugin {
        path: path.to_owned(),
        manifest,
        table,
        init: OnceLock::new(),
    })
}

/// Refuses a manifest this host cannot work with: another ABI, another codec, or a
/// `panic = "abort"` build.
fn check_manifest(manifest: &Manifest, shown: &str) -> Result<(), String> {
    if manifest.abi != ABI_VERSION {
        return Err(format!(
            "plugin `{}` (`{shown}`) says ABI version {} in its manifest but {ABI_VERSION} in its \
             table",
            manifest.name, manifest.abi
        ));
    }
    if manifest.codec != "json" {
        return Err(format!(
            "plugin `{}` (`{shown}`) uses the `{}` codec; this newspipe only speaks `json`",
            manifest.name, manifest.codec
        ));
    }
    for stage in &manifest.stages {
        Declared::of(stage).map_err(|err| {
            format!(
                "plugin `{}` (`{shown}`) has a bad manifest: {err}",
                manifest.name
            )
        })?;
    }
    if !manifest.panic_unwind {
        return Err(format!(
            "plugin `{}` (`{shown}`) says `\"panic_unwind\": false` in its manifest: a Rust \
             plugin built with `panic = \"abort\"` would kill the whole run on any panic, so \
             build it with `panic = \"unwind\"` (the default); a plugin in C, which never \
             unwinds, says `true`",
            manifest.name
        ));
    }
    Ok(())
}

/// The bytes of a borrowed string.
///
/// # Safety
/// `s` points to `len` readable bytes (or is null) for as long as the result is used.
pub(crate) unsafe fn str_bytes<'a>(s: NpStr) -> &'a [u8] {
    if s.ptr.is_null() || s.len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(s.ptr, s.len) }
    }
}

/// The API handed to every plugin's `init`: the most detailed level the host records, and the
/// log callback.
fn host_api() -> &'static NpHostApi {
    static API: OnceLock<NpHostApi> = OnceLock::new();
    API.get_or_init(|| NpHostApi {
        abi_version: ABI_VERSION,
        struct_size: size_of::<NpHostApi>(),
        max_log_level: match LevelFilter::current() {
            LevelFilter::OFF => 0,
            LevelFilter::ERROR => NP_LOG_ERROR,
            LevelFilter::WARN => NP_LOG_WARN,
            LevelFilter::INFO => NP_LOG_INFO,
            LevelFilter::DEBUG => NP_LOG_DEBUG,
            _ => NP_LOG_TRACE,
        },
        log: host_log,
    })
}

/// Re-emits a plugin's log event in the host's `tracing`, under target `plugin` with the
/// plugin's own target as a field.
unsafe extern "C" fn host_log(level: u32, target: NpStr, message: NpStr) {
    // Nothing may unwind back into the plugin.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: both are borrowed for this call, per the ABI.
        let (target, message) = unsafe { (str_bytes(target), str_bytes(message)) };
        let plugin = String::from_utf8_lossy(target);
        let message = String::from_utf8_lossy(message);
        match level {
            NP_LOG_ERROR => tracing::error!(target: "plugin", plugin = %plugin, "{message}"),
            NP_LOG_WARN => tracing::warn!(target: "plugin", plugin = %plugin, "{message}"),
            NP_LOG_INFO => tracing::info!(target: "plugin", plugin = %plugin, "{message}"),
            NP_LOG_DEBUG => tracing::debug!(target: "plugin", plugin = %plugin, "{message}"),
            _ => tracing::trace!(target: "plugin", plugin = %plugin, "{message}"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: serde_json::Value) -> Manifest {
        let mut json = serde_json::json!({
            "name": "demo", "version": "1.0.0", "abi": ABI_VERSION, "panic_unwind": true,
            "stages": [{"name": "s", "writes": []}]
        });
        json.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_minimal_manifest_is_accepted_with_defaults() {
        let m = manifest(serde_json::json!({}));
        assert_eq!(check_manifest(&m, "x.so"), Ok(()));
        assert_eq!(m.codec, "json");
        assert!(m.stages[0].reads_raw, "unknown plugins get raw");
    }

    #[test]
    fn abort_builds_other_codecs_and_abi_disagreements_are_refused() {
        let err = check_manifest(
            &manifest(serde_json::json!({"panic_unwind": false})),
            "x.so",
        );
        assert!(err.unwrap_err().contains("panic_unwind\": false"));
        let err = check_manifest(
            &manifest(serde_json::json!({"stages": [{"name": "s"}]})),
            "x.so",
        );
        assert!(err.unwrap_err().contains("no `writes`"));
        let err = check_manifest(&manifest(serde_json::json!({"codec": "msgpack"})), "x.so");
        assert!(err.unwrap_err().contains("`msgpack` codec"));
        let err = check_manifest(&manifest(serde_json::json!({"abi": 2})), "x.so");
        assert!(err.unwrap_err().contains("ABI version 2 in its manifest"));
    }
}
