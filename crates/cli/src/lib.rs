//! # newspipe
//!
//! The library behind the `newspipe` binary: the registry of built-in stages, shared by the
//! binary and by `cargo xtask bench`.

use newspipe_core::Registry;

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
