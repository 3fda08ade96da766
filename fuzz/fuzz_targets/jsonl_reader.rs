#![no_main]
//! Fuzz target `jsonl_reader`: see `newspipe_fuzz::run` for what it drives and checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| newspipe_fuzz::run("jsonl_reader", data));
