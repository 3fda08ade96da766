mod determinism;
mod export;
mod inputs;
mod support;
mod validate;
