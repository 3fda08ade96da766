//! # newspipe
//!
//! The library behind the `newspipe` binary: the registry of built-in stages, shared by the
//! binary and by `cargo xtask bench`, and the allocator both run pipelines with.

use newspipe_core::Registry;

/// jemalloc instead of the system allocator, for every binary that links this library (the
/// `newspipe` command and the bench, so the bench measures what users run): the stages allocate
/// small strings and vectors for every annotation, and glibc's malloc and free took 13% of a run
/// on real news (README, "Benchmarks": the `wire` row 14% faster on one thread, 22% on two).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts: `retain:false` gives address space it no longer
/// uses back to the system, so a run under an address-space limit (`ulimit -v`) can still hold
/// a large document after freeing another.
#[export_name = "_rjem_malloc_conf"]
#[used]
static JEMALLOC_OPTIONS: &[u8; 13] = b"retain:false\0";

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
