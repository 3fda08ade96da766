//! # newspipe
//!
//! The library behind the `newspipe` binary: the registry of built-in stages, shared by the
//! binary and by `cargo xtask bench`.

use newspipe_core::Registry;

/// The allocator of every program built on this library (the binary, `cargo xtask bench`):
/// jemalloc. A run allocates and frees many small annotation strings and rows per document,
/// and glibc's malloc was about a fifth of the CPU time on short wire copy.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once before the first allocation. `retain:false` gives freed
/// address space back to the system: by default jemalloc keeps it mapped for reuse, and a run
/// under an address-space limit (`ulimit -v`) then fails to grow a 50 MB line that glibc's
/// malloc grows in place.
#[used]
#[export_name = "_rjem_malloc_conf"]
static JEMALLOC_OPTIONS: Option<&'static std::ffi::c_char> =
    // SAFETY: a pointer to the first byte of a static NUL-terminated string, as jemalloc reads.
    Some(unsafe { &*c"retain:false".as_ptr() });

/// Every built-in stage, in pipeline order.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(newspipe_normalize::factory());
    registry.register(newspipe_dedupe::factory());
    registry.register(newspipe_extract::factory());
    registry.register(newspipe_score_reliability::factory());
    registry.register(newspipe_export::factory());
    registry.register(newspipe_plugin_host::factory());
    registry
}
