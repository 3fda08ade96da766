//! A plugin stage as a [`DocumentStage`]: each chunk the runner hands over crosses the boundary
//! as one JSON envelope, on an instance no other thread is using, under a time limit.
//!
//! Every instance lives on a thread of its own: `create`, `process`, `finish` and `destroy` of
//! one instance are all called there, one at a time. The worker that needs a chunk processed
//! sends it over and waits at most the stage's `timeout`. When the time is up, that chunk's
//! documents are rejected and the instance is abandoned: its thread stays blocked inside the
//! plugin (no thread can be killed safely), and when the call does return, the thread throws
//! the answer away, destroys the instance and ends. A call that never returns keeps its thread
//! until the process exits. The next chunk gets a fresh instance.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use newspipe_core::{Disposition, Document, DocumentStage, StageError};
use newspipe_plugin_abi::{FreeBufFn, NpBuf, NpStr, NP_OK, NP_PANIC, NP_POISONED};
use newspipe_plugin_sdk::declared::Declared;
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
    /// What the stage reads and writes.
    declared: Declared,
    /// How long one call may take.
    timeout: Duration,
    /// `plugin `name` stage `stage``, for messages.
    label: String,
    pool: Mutex<Vec<Instance>>,
    /// Documents the stage was given, and those it failed, for the end-of-run warning.
    seen: AtomicUsize,
    failed: AtomicUsize,
    first_failure: Mutex<Option<String>>,
}

/// What an instance's thread is asked to do.
enum Request {
    /// Process one input envelope.
    Process(Vec<u8>),
    /// Report metrics, then destroy the instance and end.
    Finish,
}

/// A plugin's answer, copied out of its buffers (which its thread has already freed).
struct Reply {
    status: u32,
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Reply {
    /// The plugin's error message, or the bare status when it gave none.
    fn reason(&self) -> String {
        match String::from_utf8_lossy(&self.err) {
            text if text.is_empty() => format!("no message (status {})", self.status),
            text => text.into_owned(),
        }
    }
}

/// A handle on one instance and the thread that owns it.
struct Instance {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
    thread: JoinHandle<()>,
}

/// Why a chunk failed as a whole.
enum ChunkError {
    /// The plugin failed, panicked or broke the envelope contract: worth retrying document by
    /// document, so one bad document does not take its chunk down.
    Failed(String),
    /// The call ran out of time: retrying would only wait again.
    TimedOut(String),
}

/// An instance pointer, moved to the thread that owns it.
struct InstancePtr(NonNull<c_void>);

// SAFETY: the pointer is used only by the one thread it is moved to.
unsafe impl Send for InstancePtr {}

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
    /// Checks that the plugin has `stage` and what it declares, initializes the library, and
    /// creates a first instance, so a bad config fails before any document is read.
    pub(crate) fn new(
        plugin: &'static Plugin,
        stage: &str,
        config: &Value,
        timeout: Duration,
    ) -> Result<Self, String> {
        let manifest = plugin.stage(stage)?;
        let declared = Declared::of(manifest)
            .map_err(|err| format!("{} ({}): {err}", plugin.label(), plugin.path.display()))?;
        plugin.init()?;
        let config = match config {
            Value::Null => Value::Object(Map::new()),
            other => other.clone(),
        };
        let adapter = Self {
            plugin,
            stage: stage.to_owned(),
            config_json: serde_json::to_vec(&config).map_err(|err| err.to_string())?,
            declared,
            timeout,
            label: format!("{} stage `{stage}`", plugin.label()),
            pool: Mutex::new(Vec::new()),
            seen: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            first_failure: Mutex::new(None),
        };
        let first = adapter.create()?;
        adapter.put_back(first);
        Ok(adapter)
    }

    /// Starts a thread that creates an instance and serves its requests.
    fn create(&self) -> Result<Instance, String> {
        let (request_tx, request_rx) = mpsc::channel::<Request>();
        let (reply_tx, reply_rx) = mpsc::channel::<Reply>();
        let plugin = self.plugin;
        let stage = self.stage.clone();
        let config = self.config_json.clone();
        let thread = std::thread::Builder::new()
            .name(format!("plugin {}", self.stage))
            .spawn(move || serve(plugin, &stage, &config, &request_rx, &reply_tx))
            .map_err(|err| format!("{}: cannot start its thread: {err}", self.label))?;
        let instance = Instance {
            requests: request_tx,
            replies: reply_rx,
            thread,
        };
        match instance.replies.recv_timeout(self.timeout) {
            Ok(reply) if reply.status == NP_OK => Ok(instance),
            Ok(reply) => Err(format!("{}: {}", self.label, reply.reason())),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "{}: creating an instance took longer than its timeout of {}",
                self.label,
                humantime::format_duration(self.timeout)
            )),
            Err(RecvTimeoutError::Disconnected) => Err(format!(
                "{}: its thread ended while creating an instance",
                self.label
            )),
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

    /// Sends one chunk through the plugin. An `Err` fails every document of the chunk.
    fn run_chunk(
        &self,
        docs: &mut [Document],
    ) -> Result<Vec<Result<Disposition, StageError>>, ChunkError> {
        let input = if self.declared.reads_every_field() {
            if self.declared.reads_raw() {
                envelope::write_input(docs)
            } else {
                let raws = envelope::take_raw(docs);
                let input = envelope::write_input(docs);
                envelope::restore_raw(docs, raws);
                input
            }
        } else {
            let docs: Vec<Map<String, Value>> = docs
                .iter()
                .map(|doc| self.declared.input_fields(doc))
                .collect();
            envelope::write_input_fields(&docs)
        };
        let instance = self.take().map_err(ChunkError::Failed)?;
        let _ = instance.requests.send(Request::Process(input));
        let reply = match instance.replies.recv_timeout(self.timeout) {
            Ok(reply) => reply,
            Err(RecvTimeoutError::Timeout) => {
                // Abandoned: its thread destroys it if the call ever returns.
                drop(instance);
                return Err(ChunkError::TimedOut(format!(
                    "{} took longer than its timeout of {} on this chunk of {} document{}; \
                     the instance was discarded",
                    self.label,
                    humantime::format_duration(self.timeout),
                    docs.len(),
                    if docs.len() == 1 { "" } else { "s" }
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(ChunkError::Failed(format!(
                    "{}: its thread ended",
                    self.label
                )))
            }
        };
        match reply.status {
            NP_OK => {
                self.put_back(instance);
                self.apply(docs, &reply.out)
                    .map_err(|message| ChunkError::Failed(format!("{} {message}", self.label)))
            }
            // Its state may be broken: dropping the handle ends its thread, which destroys it.
            NP_PANIC | NP_POISONED => Err(ChunkError::Failed(format!(
                "{} panicked: {}",
                self.label,
                reply.reason()
            ))),
            _ => {
                self.put_back(instance);
                Err(ChunkError::Failed(format!(
                    "{} failed: {}",
                    self.label,
                    reply.reason()
                )))
            }
        }
    }

    /// Checks an output envelope against `docs` and merges each kept document by the declared
    /// fields.
    fn apply(
        &self,
        docs: &mut [Document],
        output: &[u8],
    ) -> Result<Vec<Result<Disposition, StageError>>, String> {
        let output = envelope::read_output::<Map<String, Value>>(output)?;
        let outcomes = {
            let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
            envelope::reconcile(&ids, output, envelope::id_of)
                .map_err(|message| format!("broke the envelope contract: {message}"))?
        };
        Ok(docs
            .iter_mut()
            .zip(outcomes)
            .map(|(doc, outcome)| match outcome {
                Outcome::Keep(fields) => match self.declared.merge(doc, fields) {
                    Ok(merged) => {
                        *doc = merged;
                        Ok(Disposition::Keep)
                    }
                    Err(message) => Err(StageError::new(format!("{}: {message}", self.label))),
                },
                Outcome::Drop(dropped) => Ok(Disposition::Drop {
                    reason: dropped.reason,
                    duplicate_of: dropped.duplicate_of,
                }),
                Outcome::Error(message) => {
                    Err(StageError::new(format!("{}: {message}", self.label)))
                }
            })
            .collect())
    }

    /// Counts what became of a chunk, for the end-of-run warning.
    fn count(&self, results: &[Result<Disposition, StageError>]) {
        self.seen.fetch_add(results.len(), Ordering::Relaxed);
        let failed: Vec<&StageError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        if let Some(first) = failed.first() {
            self.failed.fetch_add(failed.len(), Ordering::Relaxed);
            let mut slot = self.first_failure.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| first.message.clone());
        }
    }
}

/// The body of an instance's thread: creates the instance, answers requests one at a time,
/// and destroys the instance when asked to finish or when the host stops listening.
fn serve(
    plugin: &'static Plugin,
    stage: &str,
    config: &[u8],
    requests: &Receiver<Request>,
    replies: &Sender<Reply>,
) {
    let table = plugin.table;
    let mut raw: *mut c_void = std::ptr::null_mut();
    let mut err = Received::new(table.free_buf);
    // SAFETY: both strings outlive the call; the out-pointers are valid.
    let status = unsafe {
        (table.create)(
            as_np_str(stage.as_bytes()),
            as_np_str(config),
            &mut raw,
            &mut err.buf,
        )
    };
    let instance = match NonNull::new(raw) {
        Some(instance) if status == NP_OK => InstancePtr(instance),
        _ => {
            let err = if status == NP_OK {
                b"created no instance".to_vec()
            } else {
                err.bytes().to_vec()
            };
            let status = if status == NP_OK { u32::MAX } else { status };
            let _ = replies.send(Reply {
                status,
                out: Vec::new(),
                err,
            });
            return;
        }
    };
    drop(err);
    let created = Reply {
        status: NP_OK,
        out: Vec::new(),
        err: Vec::new(),
    };
    if replies.send(created).is_ok() {
        while let Ok(request) = requests.recv() {
            let mut out = Received::new(table.free_buf);
            let mut err = Received::new(table.free_buf);
            let finishing = matches!(request, Request::Finish);
            let status = match request {
                // SAFETY: the instance is this thread's alone; `input` outlives the call; the
                // out-pointers are valid and their contents are freed by `Received`.
                Request::Process(input) => unsafe {
                    (table.process)(
                        instance.0.as_ptr(),
                        as_np_str(&input),
                        &mut out.buf,
                        &mut err.buf,
                    )
                },
                // SAFETY: as above.
                Request::Finish => unsafe {
                    (table.finish)(instance.0.as_ptr(), &mut out.buf, &mut err.buf)
                },
            };
            let reply = Reply {
                status,
                out: out.bytes().to_vec(),
                err: err.bytes().to_vec(),
            };
            if replies.send(reply).is_err() || finishing {
                break;
            }
        }
    }
    // SAFETY: the instance came from `create` and is not used afterwards.
    unsafe { (table.destroy)(instance.0.as_ptr()) };
}

impl DocumentStage for PluginAdapter {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        self.process_chunk(std::slice::from_mut(doc))
            .pop()
            .unwrap_or_else(|| Err(StageError::new(format!("{} returned nothing", self.label))))
    }

    fn record_name(&self) -> Option<String> {
        Some(format!(
            "plugin:{}/{}",
            self.plugin.manifest.name, self.stage
        ))
    }

    /// Sends the chunk as one envelope; if the chunk fails as a whole (not by running out of
    /// time), sends its documents again one at a time, so only the document at fault is
    /// rejected.
    fn process_chunk(&self, docs: &mut [Document]) -> Vec<Result<Disposition, StageError>> {
        let results = match self.run_chunk(docs) {
            Ok(results) => results,
            Err(ChunkError::TimedOut(message)) => vec![Err(StageError::new(message)); docs.len()],
            Err(ChunkError::Failed(message)) if docs.len() == 1 => {
                vec![Err(StageError::new(message))]
            }
            Err(ChunkError::Failed(_)) => docs
                .iter_mut()
                .map(|doc| match self.run_chunk(std::slice::from_mut(doc)) {
                    Ok(mut results) => results.pop().unwrap_or_else(|| {
                        Err(StageError::new(format!("{} returned nothing", self.label)))
                    }),
                    Err(ChunkError::Failed(message) | ChunkError::TimedOut(message)) => {
                        Err(StageError::new(message))
                    }
                })
                .collect(),
        };
        self.count(&results);
        results
    }
}

impl Drop for PluginAdapter {
    /// Finishes every instance (logging its metrics), lets its thread destroy it, and warns
    /// when the stage failed every document it was given.
    fn drop(&mut self) {
        let instances = std::mem::take(self.pool.get_mut().unwrap_or_else(|p| p.into_inner()));
        for instance in instances {
            let _ = instance.requests.send(Request::Finish);
            match instance.replies.recv_timeout(self.timeout) {
                Ok(reply) if reply.status == NP_OK => {
                    let metrics = String::from_utf8_lossy(&reply.out);
                    tracing::info!(stage = %self.label, metrics = %metrics, "Plugin instance finished.");
                    let _ = instance.thread.join();
                }
                Ok(reply) => {
                    tracing::warn!(stage = %self.label, error = %reply.reason(), "Plugin instance failed to finish.");
                    let _ = instance.thread.join();
                }
                Err(_) => {
                    tracing::warn!(stage = %self.label, "Plugin instance did not finish in time; abandoned.");
                }
            }
        }
        let seen = *self.seen.get_mut();
        if seen > 0 && *self.failed.get_mut() == seen {
            let first = self
                .first_failure
                .get_mut()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .unwrap_or_default();
            tracing::warn!(
                "{} failed on every one of the {seen} documents it was given; they are in the \
                 rejects file. The first reason: {first}",
                self.label
            );
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
