mod determinism;
mod inputs;
mod support;
mod validate;
