//! A plugin stage as a [`DocumentStage`]: each chunk the runner hands over crosses the boundary
//! as one JSON envelope, on an instance no other thread is using.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Mutex;

use newspipe_core::{Disposition, Document, DocumentStage, StageError};
use newspipe_plugin_abi::{FreeBufFn, NpBuf, NpStr, NP_OK, NP_PANIC, NP_POISONED};
use newspipe_plugin_sdk::envelope::{self, Outcome};
use serde_json::{Map, Value};

use crate::library::{str_bytes, Plugin};

/// One stage of a loaded plugin, with a pool of instances: a worker takes one for a chunk and
/// puts it back, so there are at most as many as worker threads and none is used by two
/// threads at once.
pub(crate) struct PluginAdapter {
    plugin: &'static Plugin,
    stage: String,
    config_json: Vec<u8>,
    /// Whether the stage reads `raw`; if not, `raw` stays here.
    reads_raw: bool,
    /// `plugin `name` stage `stage``, for messages.
    label: String,
    pool: Mutex<Vec<Instance>>,
}

/// An instance pointer owned by the adapter.
struct Instance(NonNull<c_void>);

// SAFETY: an instance is only ever used by the thread that took it out of the pool.
unsafe impl Send for Instance {}

/// A buffer the plugin handed over, returned to the plugin's `free_buf` when dropped.
struct Received {
    buf: NpBuf,
    free: FreeBufFn,
}

impl Received {
    fn new(free: FreeBufFn) -> Self {
        Self {
            buf: NpBuf::EMPTY,
            free,
        }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: filled by the plugin (or empty) and alive until dropped.
        unsafe {
            str_bytes(NpStr {
                ptr: self.buf.ptr,
                len: self.buf.len,
            })
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(self.bytes()).into_owned()
    }

    /// The plugin's error message, or the bare status when it gave none.
    fn reason(&self, status: u32) -> String {
        match self.text() {
            text if text.is_empty() => format!("no message (status {status})"),
            text => text,
        }
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        let buf = std::mem::replace(&mut self.buf, NpBuf::EMPTY);
        if !buf.ptr.is_null() {
            // SAFETY: the plugin allocated it and it is returned exactly once.
            unsafe { (self.free)(buf) };
        }
    }
}

impl PluginAdapter {
    /// Checks that the plugin has `stage`, initializes the library, and creates a first
    /// instance, so a bad config fails before any document is read.
    pub(crate) fn new(
        plugin: &'static Plugin,
        stage: &str,
        config: &Value,
    ) -> Result<Self, String> {
        if !plugin.manifest.stages.iter().any(|s| s.name == stage) {
            let known: Vec<&str> = plugin
                .manifest
                .stages
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            return Err(format!(
                "{} ({}) has no stage `{stage}`; it has: {}",
                plugin.label(),
                plugin.path.display(),
                known.join(", ")
            ));
        }
        let reads_raw = plugin
            .manifest
            .stages
            .iter()
            .find(|s| s.name == stage)
            .is_some_and(|s| s.reads_raw);
        plugin.init()?;
        let config = match config {
            Value::Null => Value::Object(Map::new()),
            other => other.clone(),
        };
        let adapter = Self {
            plugin,
            stage: stage.to_owned(),
            config_json: serde_json::to_vec(&config).map_err(|err| err.to_string())?,
            reads_raw,
            label: format!("{} stage `{stage}`", plugin.label()),
            pool: Mutex::new(Vec::new()),
        };
        let first = adapter.create()?;
        adapter.put_back(first);
        Ok(adapter)
    }

    fn create(&self) -> Result<Instance, String> {
        let mut instance: *mut c_void = std::ptr::null_mut();
        let mut err = Received::new(self.plugin.table.free_buf);
        // SAFETY: both strings outlive the call; the out-pointers are valid.
        let status = unsafe {
            (self.plugin.table.create)(
                as_np_str(self.stage.as_bytes()),
                as_np_str(&self.config_json),
                &mut instance,
                &mut err.buf,
            )
        };
        match NonNull::new(instance) {
            Some(instance) if status == NP_OK => Ok(Instance(instance)),
            _ if status == NP_OK => Err(format!("{}: created no instance", self.label)),
            _ => Err(format!("{}: {}", self.label, err.reason(status))),
        }
    }

    fn take(&self) -> Result<Instance, String> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(instance) => Ok(instance),
            None => self.create(),
        }
    }

    fn put_back(&self, instance: Instance) {
        self.pool
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(instance);
    }

    fn destroy(&self, instance: Instance) {
        // SAFETY: the instance came from `create` and is not used afterwards.
        unsafe { (self.plugin.table.destroy)(instance.0.as_ptr()) };
    }

    /// Sends one chunk through the plugin, without `raw` unless the stage reads it. An `Err`
    /// fails every document of the chunk.
    fn run_chunk(
        &self,
        docs: &mut [Document],
    ) -> Result<Vec<Result<Disposition, StageError>>, String> {
        if self.reads_raw {
            return self.cross(docs);
        }
        let raws = envelope::take_raw(docs);
        let results = self.cross(docs);
        envelope::restore_raw(docs, raws);
        results
    }

    /// Sends one chunk through the plugin as it is.
    fn cross(&self, docs: &mut [Document]) -> Result<Vec<Result<Disposition, StageError>>, String> {
        let instance = self.take()?;
        let input = envelope::write_input(docs);
        let mut out = Received::new(self.plugin.table.free_buf);
        let mut err = Received::new(self.plugin.table.free_buf);
        // SAFETY: the instance is this thread's alone; `input` outlives the call; the
        // out-pointers are valid and their contents are freed by `Received`.
        let status = unsafe {
            (self.plugin.table.process)(
                instance.0.as_ptr(),
                as_np_str(&input),
                &mut out.buf,
                &mut err.buf,
            )
        };
        match status {
            NP_OK => {
                self.put_back(instance);
                self.apply(docs, out.bytes())
                    .map_err(|message| format!("{} {message}", self.label))
            }
            NP_PANIC | NP_POISONED => {
                // Its state may be broken: replace it.
                self.destroy(instance);
                Err(format!("{} panicked: {}", self.label, err.reason(status)))
            }
            _ => {
                self.put_back(instance);
                Err(format!("{} failed: {}", self.label, err.reason(status)))
            }
        }
    }

    /// Checks an output envelope against `docs` and applies it.
    fn apply(
        &self,
        docs: &mut [Document],
        output: &[u8],
    ) -> Result<Vec<Result<Disposition, StageError>>, String> {
        let broken = |message: String| format!("broke the envelope contract: {message}");
        if self.plugin.missing_fields.is_empty() {
            let output = envelope::read_output::<Document>(output)?;
            let outcomes = {
                let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
                envelope::reconcile(&ids, output, |doc| &doc.id).map_err(broken)?
            };
            Ok(docs
                .iter_mut()
                .zip(outcomes)
                .map(|(doc, outcome)| self.settle(doc, outcome))
                .collect())
        } else {
            let output = envelope::read_output::<Map<String, Value>>(output)?;
            let outcomes = {
                let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
                envelope::reconcile(&ids, output, |doc| {
                    doc.get("id").and_then(Value::as_str).unwrap_or_default()
                })
                .map_err(broken)?
            };
            Ok(docs
                .iter_mut()
                .zip(outcomes)
                .map(|(doc, outcome)| {
                    let outcome = match outcome {
                        Outcome::Keep(fields) => match self.merge_missing(doc, fields) {
                            Ok(kept) => Outcome::Keep(kept),
                            Err(message) => Outcome::Error(message),
                        },
                        Outcome::Drop(dropped) => Outcome::Drop(dropped),
                        Outcome::Error(message) => Outcome::Error(message),
                    };
                    self.settle(doc, outcome)
                })
                .collect())
        }
    }

    /// Turns one outcome into the runner's result, replacing `doc` with what the plugin kept.
    fn settle(
        &self,
        doc: &mut Document,
        outcome: Outcome<Document>,
    ) -> Result<Disposition, StageError> {
        match outcome {
            Outcome::Keep(kept) => {
                *doc = kept;
                Ok(Disposition::Keep)
            }
            Outcome::Drop(dropped) => Ok(Disposition::Drop {
                reason: dropped.reason,
                duplicate_of: dropped.duplicate_of,
            }),
            Outcome::Error(message) => Err(StageError::new(format!("{}: {message}", self.label))),
        }
    }

    /// A document from the plugin's JSON, with the top-level fields the plugin does not know
    /// taken from the document that went in.
    fn merge_missing(
        &self,
        original: &Document,
        mut fields: Map<String, Value>,
    ) -> Result<Document, String> {
        let Value::Object(mut before) =
            serde_json::to_value(original).map_err(|err| err.to_string())?
        else {
            return Err("a document did not serialize to an object".into());
        };
        for name in &self.plugin.missing_fields {
            if let Some(value) = before.remove(name) {
                fields.insert(name.clone(), value);
            }
        }
        serde_json::from_value(Value::Object(fields))
            .map_err(|err| format!("returned a malformed document: {err}"))
    }
}

impl DocumentStage for PluginAdapter {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        self.process_chunk(std::slice::from_mut(doc))
            .pop()
            .unwrap_or_else(|| Err(StageError::new(format!("{} returned nothing", self.label))))
    }

    fn process_chunk(&self, docs: &mut [Document]) -> Vec<Result<Disposition, StageError>> {
        self.run_chunk(docs)
            .unwrap_or_else(|message| vec![Err(StageError::new(message)); docs.len()])
    }
}

impl Drop for PluginAdapter {
    /// Finishes every instance (logging its metrics) and frees it.
    fn drop(&mut self) {
        let instances = std::mem::take(self.pool.get_mut().unwrap_or_else(|p| p.into_inner()));
        for instance in instances {
            let mut out = Received::new(self.plugin.table.free_buf);
            let mut err = Received::new(self.plugin.table.free_buf);
            // SAFETY: the instance is ours alone; out-pointers are valid.
            let status = unsafe {
                (self.plugin.table.finish)(instance.0.as_ptr(), &mut out.buf, &mut err.buf)
            };
            if status == NP_OK {
                tracing::info!(stage = %self.label, metrics = %out.text(), "Plugin instance finished.");
            } else {
                tracing::warn!(stage = %self.label, error = %err.text(), "Plugin instance failed to finish.");
            }
            self.destroy(instance);
        }
    }
}

/// Borrows bytes as an [`NpStr`] for one call.
fn as_np_str(bytes: &[u8]) -> NpStr {
    NpStr {
        ptr: bytes.as_ptr(),
        len: bytes.len(),
    }
}
