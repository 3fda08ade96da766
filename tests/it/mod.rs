mod determinism;
mod export;
mod fuzz_replay;
mod inputs;
mod pipeline_tests;
mod plugins;
mod support;
mod validate;
