//! The C side of a plugin, generated around its [`PluginStage`]s by [`export_plugin!`](crate::export_plugin):
//! the static table, the manifest, and the `extern "C"` entry points, each under a panic guard.
//! Public only for the macro.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use newspipe_core::{panic_message, parse_config, ConfigIssue, DocumentStage};
use newspipe_plugin_abi::{
    NpBuf, NpHostApi, NpPluginV1, NpStr, ABI_VERSION, NP_ERR, NP_OK, NP_PANIC, NP_POISONED,
};
use serde_json::Value;

use crate::manifest::{config_schema, Manifest, StageManifest};
use crate::{envelope, PluginStage};

/// What [`export_plugin!`](crate::export_plugin) knows about the plugin.
pub struct PluginSpec {
    /// Crate name.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
    /// `cfg!(panic = "unwind")` in the plugin crate.
    pub panic_unwind: bool,
    /// Its stages.
    pub stages: Vec<StageSpec>,
}

/// How to describe and build one stage type, without naming it.
pub struct StageSpec {
    name: &'static str,
    summary: &'static str,
    reads_raw: bool,
    writes: &'static [&'static str],
    defaults: fn() -> Value,
    create: fn(&Value) -> Result<Box<dyn ErasedStage>, String>,
}

impl StageSpec {
    /// The spec of stage type `S`.
    pub fn of<S: PluginStage>() -> Self {
        Self {
            name: S::NAME,
            summary: S::SUMMARY,
            reads_raw: S::READS_RAW,
            writes: S::WRITES,
            defaults: || serde_json::to_value(S::Config::default()).unwrap_or(Value::Null),
            create: |config| {
                let config = parse_config::<S::Config>(config).map_err(describe_issues)?;
                let stage = S::new(config).map_err(|err| err.message)?;
                Ok(Box::new(stage))
            },
        }
    }

    /// Builds an instance from a JSON config, under a panic guard.
    pub(crate) fn create(&self, config_json: &[u8]) -> Result<Instance, String> {
        let config: Value = serde_json::from_slice(config_json)
            .map_err(|err| format!("config is not valid JSON: {err}"))?;
        let stage = (self.create)(&config).map_err(|err| format!("invalid config: {err}"))?;
        Ok(Instance {
            stage,
            poisoned: false,
        })
    }
}

/// Every problem in a config on one line: `key: problem (expected one of: ...)`.
fn describe_issues(issues: Vec<ConfigIssue>) -> String {
    issues
        .into_iter()
        .map(|issue| {
            let key = if issue.path.is_empty() {
                "config".to_owned()
            } else {
                issue.path.join(".")
            };
            if issue.expected.is_empty() {
                format!("{key}: {}", issue.message)
            } else {
                format!(
                    "{key}: {} (expected one of: {})",
                    issue.message,
                    issue.expected.join(", ")
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stage with its type erased, as an instance holds it.
pub(crate) trait ErasedStage {
    /// Processes one input envelope into an output envelope.
    fn process_envelope(&self, input: &[u8]) -> Result<Vec<u8>, String>;
    /// The stage's metrics as JSON.
    fn metrics_json(&self) -> Value;
}

impl<S: PluginStage> ErasedStage for S {
    fn process_envelope(&self, input: &[u8]) -> Result<Vec<u8>, String> {
        let mut docs = envelope::read_input(input)?.docs;
        let results = DocumentStage::process_chunk(self, &mut docs);
        envelope::write_output(&docs, results, S::WRITES)
    }

    fn metrics_json(&self) -> Value {
        self.metrics()
    }
}

/// One stage instance behind the `*mut c_void` the host holds.
pub(crate) struct Instance {
    stage: Box<dyn ErasedStage>,
    /// Set after a panic: the stage's state may be broken, so it refuses further work.
    poisoned: bool,
}

/// The table, made shareable: it only holds `'static` data and function pointers.
struct Table(NpPluginV1);

// SAFETY: the table is immutable after construction and points only to `'static` data.
unsafe impl Sync for Table {}
// SAFETY: as above.
unsafe impl Send for Table {}

struct Exported {
    spec: PluginSpec,
    table: Table,
}

static EXPORTED: OnceLock<Exported> = OnceLock::new();

/// The body of `newspipe_plugin_entry_v1`: builds the table once. Returns null if that panics.
pub fn entry(describe: fn() -> PluginSpec) -> *const NpPluginV1 {
    catch_unwind(|| {
        let exported = EXPORTED.get_or_init(|| {
            let spec = describe();
            let manifest: &'static str = Box::leak(manifest_of(&spec).into_boxed_str());
            Exported {
                spec,
                table: Table(NpPluginV1 {
                    abi_version: ABI_VERSION,
                    struct_size: size_of::<NpPluginV1>(),
                    manifest_json: NpStr {
                        ptr: manifest.as_ptr(),
                        len: manifest.len(),
                    },
                    init,
                    create,
                    process,
                    finish,
                    destroy,
                    free_buf,
                }),
            }
        });
        &exported.table.0 as *const NpPluginV1
    })
    .unwrap_or(std::ptr::null())
}

/// The manifest JSON for `spec`.
pub(crate) fn manifest_of(spec: &PluginSpec) -> String {
    let manifest = Manifest {
        name: spec.name.into(),
        version: spec.version.into(),
        sdk_version: env!("CARGO_PKG_VERSION").into(),
        abi: ABI_VERSION,
        codec: "json".into(),
        panic_unwind: spec.panic_unwind,
        rustc: env!("NEWSPIPE_PLUGIN_RUSTC").into(),
        target: env!("NEWSPIPE_PLUGIN_TARGET").into(),
        stages: spec.stages.iter().map(stage_manifest).collect(),
    };
    serde_json::to_string(&manifest).expect("a manifest always serializes")
}

/// The manifest entry of one stage.
pub(crate) fn stage_manifest(stage: &StageSpec) -> StageManifest {
    StageManifest {
        name: stage.name.into(),
        summary: stage.summary.into(),
        kind: "document".into(),
        reads_raw: stage.reads_raw,
        reads: None,
        writes: Some(stage.writes.iter().map(|w| (*w).to_owned()).collect()),
        config_schema: config_schema((stage.defaults)()),
    }
}

/// Runs `call` under a panic guard; an error or a panic message goes to `out_err`.
fn guard(out_err: *mut NpBuf, call: impl FnOnce() -> Result<(), String>) -> u32 {
    let (status, message) = match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => return NP_OK,
        Ok(Err(message)) => (NP_ERR, message),
        Err(panic) => (NP_PANIC, panic_message(panic.as_ref())),
    };
    // SAFETY: the host passes a valid out-pointer (or null, which is skipped).
    unsafe { put(out_err, message.into_bytes()) };
    status
}

/// Hands `bytes` to the host through `out`; it comes back through [`free_buf`].
///
/// # Safety
/// `out` is null or valid for writes.
pub(crate) unsafe fn put(out: *mut NpBuf, bytes: Vec<u8>) {
    if out.is_null() {
        return;
    }
    let mut bytes = std::mem::ManuallyDrop::new(bytes);
    // SAFETY: checked non-null; the caller guarantees it is writable.
    unsafe {
        out.write(NpBuf {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        })
    };
}

/// The bytes of a borrowed string.
///
/// # Safety
/// `s` points to `len` readable bytes for the duration of the call.
unsafe fn bytes<'a>(s: NpStr) -> &'a [u8] {
    if s.ptr.is_null() || s.len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(s.ptr, s.len) }
    }
}

unsafe extern "C" fn init(host: *const NpHostApi) -> u32 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the host passes a pointer to its API table, valid for the library's life.
        let host = unsafe { host.as_ref() }.ok_or("no host API")?;
        if host.struct_size < size_of::<NpHostApi>() {
            return Err("the host API table is too small".into());
        }
        crate::logging::install(*host);
        Ok(())
    })
}

unsafe extern "C" fn create(
    stage: NpStr,
    config_json: NpStr,
    out_instance: *mut *mut c_void,
    out_err: *mut NpBuf,
) -> u32 {
    guard(out_err, || {
        let spec = &EXPORTED.get().ok_or("the entry point was not called")?.spec;
        // SAFETY: borrowed for this call, per the ABI.
        let (name, config) = unsafe { (bytes(stage), bytes(config_json)) };
        let name = std::str::from_utf8(name).map_err(|_| "stage name is not UTF-8")?;
        let stage = spec
            .stages
            .iter()
            .find(|stage| stage.name == name)
            .ok_or_else(|| format!("no stage `{name}`"))?;
        let instance = Box::new(stage.create(config)?);
        if out_instance.is_null() {
            return Err("no out-pointer for the instance".into());
        }
        // SAFETY: checked non-null; the host passes a writable pointer.
        unsafe { out_instance.write(Box::into_raw(instance).cast()) };
        Ok(())
    })
}

/// Processes an envelope on an instance (also used by [`crate::testing`]).
///
/// # Safety
/// `instance` comes from `create` and is not used concurrently; the buffers follow the ABI.
pub(crate) unsafe extern "C" fn process(
    instance: *mut c_void,
    batch: NpStr,
    out: *mut NpBuf,
    out_err: *mut NpBuf,
) -> u32 {
    // SAFETY: the host passes an instance from `create`, used by one thread at a time.
    let Some(instance) = (unsafe { instance.cast::<Instance>().as_mut() }) else {
        // SAFETY: out_err follows the ABI.
        unsafe { put(out_err, b"no instance".to_vec()) };
        return NP_ERR;
    };
    if instance.poisoned {
        // SAFETY: out_err follows the ABI.
        unsafe { put(out_err, b"the instance panicked earlier".to_vec()) };
        return NP_POISONED;
    }
    let stage = &instance.stage;
    let status = guard(out_err, || {
        // SAFETY: borrowed for this call, per the ABI.
        let output = stage.process_envelope(unsafe { bytes(batch) })?;
        // SAFETY: out follows the ABI.
        unsafe { put(out, output) };
        Ok(())
    });
    if status == NP_PANIC {
        instance.poisoned = true;
    }
    status
}

unsafe extern "C" fn finish(instance: *mut c_void, out: *mut NpBuf, out_err: *mut NpBuf) -> u32 {
    guard(out_err, || {
        // SAFETY: the host passes an instance from `create`.
        let instance = unsafe { instance.cast::<Instance>().as_ref() }.ok_or("no instance")?;
        let metrics =
            serde_json::to_vec(&instance.stage.metrics_json()).map_err(|err| err.to_string())?;
        // SAFETY: out follows the ABI.
        unsafe { put(out, metrics) };
        Ok(())
    })
}

/// Frees an instance (also used by [`crate::testing`]).
///
/// # Safety
/// `instance` comes from `create` (or is null) and is not used afterwards.
pub(crate) unsafe extern "C" fn destroy(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // A panicking destructor must not unwind into the host; its message is not needed.
    let _ = catch_unwind(|| {
        // SAFETY: the pointer came from `Box::into_raw` in `create`.
        drop(unsafe { Box::from_raw(instance.cast::<Instance>()) });
    });
}

/// Frees a buffer handed out by [`put`].
///
/// # Safety
/// `buf` came from [`put`] and is freed once.
pub(crate) unsafe extern "C" fn free_buf(buf: NpBuf) {
    if !buf.ptr.is_null() {
        // SAFETY: the parts came from a `Vec<u8>` in `put`.
        drop(unsafe { Vec::from_raw_parts(buf.ptr, buf.len, buf.cap) });
    }
}

/// Wraps a freshly built instance the way `create` does (for [`crate::testing`]).
pub(crate) fn into_raw(instance: Instance) -> *mut c_void {
    Box::into_raw(Box::new(instance)).cast()
}
