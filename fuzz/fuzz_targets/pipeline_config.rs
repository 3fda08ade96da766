#![no_main]
//! Fuzz target `pipeline_config`: see `newspipe_fuzz::run` for what it drives and checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| newspipe_fuzz::run("pipeline_config", data));
