//! The stages this binary knows.

use newspipe_core::Registry;

/// Every built-in stage, in pipeline order.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(newspipe_export::factory());
    registry
}
