//! # newspipe-plugin-abi
//!
//! The contract between the `newspipe` host and a plugin library, as plain C types: nothing here
//! depends on a Rust compiler version, on `newspipe-core` or on an allocator, so a plugin built
//! with another rustc (or in another language with a C ABI) still loads.
//!
//! A plugin exports exactly one symbol, [`ENTRY_SYMBOL`] (`newspipe_plugin_entry_v1`), an
//! [`EntryFn`] returning a pointer to a static [`NpPluginV1`] table. The host checks
//! [`NpPluginV1::abi_version`] and [`NpPluginV1::struct_size`], reads the JSON manifest, calls
//! `init` once with its [`NpHostApi`], then `create`s one instance per worker thread.
//!
//! Rules of the boundary:
//! - only the types below and bytes cross; documents travel as a versioned JSON envelope
//!   (`{"v":1,"docs":[...]}` in, `{"v":1,"docs":[...],"dropped":[...],"errors":[...]}` out);
//! - an [`NpStr`] is borrowed and valid for the duration of the call only;
//! - every [`NpBuf`] a plugin hands out was allocated by the plugin and goes back through its
//!   `free_buf`, so host and plugin may use different allocators;
//! - status codes are plain `u32` constants ([`NP_OK`], ...), never a Rust enum;
//! - no panic or unwind crosses: a plugin catches them and returns [`NP_PANIC`];
//! - the host never unloads a library.
//!
//! Most plugin authors never see this crate: `newspipe-plugin-sdk` fills the table for them.

#![no_std]

use core::ffi::c_void;

/// The ABI version this crate describes. A host refuses a table with any other version.
pub const ABI_VERSION: u32 = 1;

/// The one symbol a plugin exports. A later ABI gets a new name (`..._v2`), so a host can look
/// for every version it supports.
pub const ENTRY_SYMBOL: &core::ffi::CStr = c"newspipe_plugin_entry_v1";

/// The call succeeded.
pub const NP_OK: u32 = 0;
/// The call failed; the error buffer holds a UTF-8 message.
pub const NP_ERR: u32 = 1;
/// The plugin panicked; the error buffer holds the panic message and the instance is poisoned.
pub const NP_PANIC: u32 = 2;
/// The instance panicked earlier and refuses further work; destroy it.
pub const NP_POISONED: u32 = 3;

/// `log` level passed to [`NpHostApi::log`]: an error.
pub const NP_LOG_ERROR: u32 = 1;
/// `log` level: a warning.
pub const NP_LOG_WARN: u32 = 2;
/// `log` level: information.
pub const NP_LOG_INFO: u32 = 3;
/// `log` level: debugging detail.
pub const NP_LOG_DEBUG: u32 = 4;
/// `log` level: tracing detail.
pub const NP_LOG_TRACE: u32 = 5;

/// Borrowed UTF-8 bytes, valid only during the call they are passed to (or `'static` for the
/// manifest). Not NUL-terminated: always use `len`. Passed by value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NpStr {
    /// First byte; may be dangling when `len` is 0.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

/// Bytes a plugin allocated and hands to the host through an out-parameter. The host passes
/// every out-parameter zeroed (`ptr` null), reads `len` bytes, and gives each buffer whose
/// `ptr` the plugin set back to the plugin's `free_buf` exactly once, whatever the status, so
/// host and plugin may use different allocators. `cap` is the plugin's own bookkeeping.
#[repr(C)]
#[derive(Debug)]
pub struct NpBuf {
    /// First byte; null for an empty buffer.
    pub ptr: *mut u8,
    /// Bytes in use.
    pub len: usize,
    /// Bytes allocated.
    pub cap: usize,
}

impl NpBuf {
    /// A buffer holding nothing, to pass as an out-parameter.
    pub const EMPTY: NpBuf = NpBuf {
        ptr: core::ptr::null_mut(),
        len: 0,
        cap: 0,
    };
}

/// Receives a plugin's log events: level (`NP_LOG_*`), target (the plugin's module path) and the
/// formatted message, both borrowed for the call.
pub type LogFn = unsafe extern "C" fn(level: u32, target: NpStr, message: NpStr);

/// What the host offers a plugin, passed to `init`. Fields are only ever appended; a plugin
/// reads a field only if `struct_size` covers it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NpHostApi {
    /// The host's [`ABI_VERSION`].
    pub abi_version: u32,
    /// `size_of::<NpHostApi>()` in the host.
    pub struct_size: usize,
    /// The most detailed level the host will record (`NP_LOG_*`); skip formatting anything finer.
    pub max_log_level: u32,
    /// Forwards one log event to the host.
    pub log: LogFn,
}

/// Called once per library before any instance is created. Returns a status code.
pub type InitFn = unsafe extern "C" fn(host: *const NpHostApi) -> u32;

/// Creates an instance of the stage named `stage` from its JSON `config`. On [`NP_OK`],
/// `*out_instance` is set (not null); otherwise `*out_err` holds the message. May be called at
/// any time during a run (a new instance replaces one that panicked or timed out), each time
/// from a new thread, possibly while other instances are busy.
pub type CreateFn = unsafe extern "C" fn(
    stage: NpStr,
    config_json: NpStr,
    out_instance: *mut *mut c_void,
    out_err: *mut NpBuf,
) -> u32;

/// Processes one input envelope (`batch`, borrowed for the call). On [`NP_OK`], `*out` holds
/// the output envelope; otherwise `*out_err` holds the message. Called on the thread that
/// created the instance, never twice at once on one instance; other instances of the same
/// stage run on other threads at the same time.
pub type ProcessFn = unsafe extern "C" fn(
    instance: *mut c_void,
    batch: NpStr,
    out: *mut NpBuf,
    out_err: *mut NpBuf,
) -> u32;

/// Ends an instance's work. On [`NP_OK`], `*out` holds a JSON object of metrics (may be `{}`).
pub type FinishFn =
    unsafe extern "C" fn(instance: *mut c_void, out: *mut NpBuf, out_err: *mut NpBuf) -> u32;

/// Frees an instance, on the thread that created it. It is not used afterwards.
pub type DestroyFn = unsafe extern "C" fn(instance: *mut c_void);

/// Frees a buffer the plugin handed out.
pub type FreeBufFn = unsafe extern "C" fn(buf: NpBuf);

/// The table a plugin's entry symbol returns; it lives as long as the library.
#[repr(C)]
#[derive(Debug)]
pub struct NpPluginV1 {
    /// The plugin's [`ABI_VERSION`] when it was built.
    pub abi_version: u32,
    /// `size_of::<NpPluginV1>()` when the plugin was built.
    pub struct_size: usize,
    /// The manifest: a JSON object naming the plugin, its build and its stages (`'static`).
    pub manifest_json: NpStr,
    /// See [`InitFn`].
    pub init: InitFn,
    /// See [`CreateFn`].
    pub create: CreateFn,
    /// See [`ProcessFn`].
    pub process: ProcessFn,
    /// See [`FinishFn`].
    pub finish: FinishFn,
    /// See [`DestroyFn`].
    pub destroy: DestroyFn,
    /// See [`FreeBufFn`].
    pub free_buf: FreeBufFn,
}

/// The type of the [`ENTRY_SYMBOL`] function.
pub type EntryFn = unsafe extern "C" fn() -> *const NpPluginV1;
