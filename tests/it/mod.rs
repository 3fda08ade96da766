mod determinism;
mod inputs;
mod plugins;
mod support;
mod validate;
