mod determinism;
mod export;
mod inputs;
mod pipeline_files;
mod pipeline_tests;
mod plugins;
mod support;
mod validate;
