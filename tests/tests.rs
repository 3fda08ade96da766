//! End-to-end tests: they drive the real `newspipe` binary.

mod it;
