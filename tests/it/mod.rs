mod determinism;
mod export;
mod inputs;
mod plugins;
mod support;
mod validate;
