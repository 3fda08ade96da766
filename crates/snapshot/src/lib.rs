//! # newspipe-snapshot
//!
//! Regression tests for pipelines, run by `newspipe test`. Each entry of a pipeline's `tests:`
//! block runs the pipeline's stages in memory over its own input (outputs such as `export` are
//! left out), checks simple expectations, and compares what each stage contributed to each
//! document with a stored snapshot in insta's `.snap` format, in `snapshots/` beside the
//! pipeline. A mismatch names the test, stage, document and field, shows a diff, and leaves the
//! new snapshot as `.snap.new` for `cargo insta review`; `--accept` stores it instead.
//!
//! ```yaml
//! tests:
//!   - name: seeds
//!     input: ../seeds
//!     stages: extract          # optional: stop after this stage
//!     snapshot: true
//!     expect:
//!       count: 5
//!       not_contains:
//!         - { field: text, value: "indicates required" }
//! ```

mod changes;
mod snapfile;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use newspipe_config::{Expect, FieldCheck, Pipeline, TestCase};
use newspipe_core::{Document, Registry};
use newspipe_runner::{RunError, RunOptions};
use regex::Regex;
use serde_json::Value;
use similar::TextDiff;

/// Stages that write files; tests never run them.
const SKIPPED_STAGES: [&str; 1] = ["export"];

/// How to run the tests.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Store new snapshots instead of failing on a difference.
    pub accept: bool,
    /// Worker threads.
    pub threads: Option<usize>,
}

/// The result of one test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Every failure, readable on its own (with diffs).
    pub failures: Vec<String>,
    /// Snapshot files written (`.snap` with `--accept`, else `.snap.new`).
    pub written: Vec<PathBuf>,
}

impl TestOutcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every test of `pipeline`.
pub fn run_tests(
    pipeline: &Pipeline,
    registry: &Registry,
    options: &TestOptions,
) -> Result<Vec<TestOutcome>, RunError> {
    pipeline
        .tests
        .iter()
        .map(|test| run_test(pipeline, test, registry, options))
        .collect()
}

fn run_test(
    pipeline: &Pipeline,
    test: &TestCase,
    registry: &Registry,
    options: &TestOptions,
) -> Result<TestOutcome, RunError> {
    let last = test
        .stop_after
        .as_ref()
        .and_then(|stop| pipeline.stages.iter().position(|s| &s.name == stop))
        .map_or(pipeline.stages.len(), |index| index + 1);
    let stages: Vec<_> = pipeline.stages[..last]
        .iter()
        .filter(|stage| !SKIPPED_STAGES.contains(&stage.name.as_str()))
        .cloned()
        .collect();
    let run_options = RunOptions {
        threads: options.threads,
        progress: false,
        ..RunOptions::default()
    };
    let trace = newspipe_runner::trace(pipeline, &stages, &test.input, registry, &run_options)?;
    let mut outcome = TestOutcome {
        name: test.name.clone(),
        failures: Vec::new(),
        written: Vec::new(),
    };
    let final_docs = trace.stages.last().map_or(&trace.read, |stage| &stage.docs);
    check_expectations(&test.expect, final_docs, &mut outcome.failures);
    if test.snapshot {
        let redactor = Redactor::new(pipeline);
        let mut expected_files = Vec::new();
        let mut before = &trace.read;
        for (index, stage) in trace.stages.iter().enumerate() {
            let body = changes::stage_changes(before, stage, &|value| redactor.redact(value));
            before = &stage.docs;
            let file = snapshot_path(pipeline, test, index + 1, &stage.name);
            expected_files.push(file.clone());
            compare(
                pipeline,
                test,
                index + 1,
                &stage.name,
                &body,
                &file,
                options.accept,
                &mut outcome,
            )
            .map_err(RunError::Output)?;
        }
        if options.accept {
            remove_orphans(pipeline, test, &expected_files).map_err(RunError::Output)?;
        }
    }
    Ok(outcome)
}

/// `snapshots/<pipeline>__<test>__<NN>_<stage>.snap` beside the pipeline file.
fn snapshot_path(pipeline: &Pipeline, test: &TestCase, position: usize, stage: &str) -> PathBuf {
    pipeline.base_dir.join("snapshots").join(format!(
        "{}__{}__{position:02}_{stage}.snap",
        file_stem(pipeline),
        test.name
    ))
}

fn file_stem(pipeline: &Pipeline) -> String {
    pipeline.file.file_stem().map_or_else(
        || pipeline.name.clone(),
        |s| s.to_string_lossy().into_owned(),
    )
}

#[allow(clippy::too_many_arguments)]
fn compare(
    pipeline: &Pipeline,
    test: &TestCase,
    position: usize,
    stage: &str,
    body: &Value,
    file: &Path,
    accept: bool,
    outcome: &mut TestOutcome,
) -> std::io::Result<()> {
    let new_body = newspipe_config::to_yaml(body);
    let source = pipeline
        .file
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    let expression = format!("test `{}`, stage {position} `{stage}`", test.name);
    let rendered = snapfile::render(&source, &expression, &new_body);
    let pending = file.with_extension("snap.new");
    let stored = snapfile::read_body(file)?;
    if stored.as_deref() == Some(new_body.as_str()) {
        remove_if_present(&pending)?;
        return Ok(());
    }
    let target = if accept {
        file.to_path_buf()
    } else {
        pending.clone()
    };
    fs::create_dir_all(file.parent().unwrap_or(Path::new(".")))?;
    fs::write(&target, rendered)?;
    outcome.written.push(target);
    if accept {
        remove_if_present(&pending)?;
        return Ok(());
    }
    let heading = format!("test `{}`, stage {position} `{stage}`", test.name);
    let Some(stored) = stored else {
        outcome.failures.push(format!(
            "{heading}: no stored snapshot {}; review the new one with `cargo insta review` or run with `--accept`",
            file.display()
        ));
        return Ok(());
    };
    let mut message = format!("{heading}: output differs from {}\n", file.display());
    match newspipe_config::from_yaml(&stored) {
        Ok(old) => {
            for (doc, field, before, after) in changes::differences(&old, body) {
                let place = if field.is_empty() {
                    format!("document {doc}")
                } else {
                    format!("document {doc}, field `{field}`")
                };
                let _ = writeln!(message, "  {place}:");
                message.push_str(&indented_diff(
                    &yaml_or_absent(before),
                    &yaml_or_absent(after),
                ));
            }
        }
        Err(_) => message.push_str(&indented_diff(&stored, &new_body)),
    }
    outcome.failures.push(message);
    Ok(())
}

fn yaml_or_absent(value: Option<Value>) -> String {
    value.map_or_else(|| "(absent)\n".into(), |v| newspipe_config::to_yaml(&v))
}

/// A unified line diff, indented under its heading.
fn indented_diff(old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header("stored", "new")
        .to_string();
    text.lines().map(|line| format!("    {line}\n")).collect()
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// With `--accept`, snapshots of this test for stages it no longer has are removed.
fn remove_orphans(pipeline: &Pipeline, test: &TestCase, keep: &[PathBuf]) -> std::io::Result<()> {
    let dir = pipeline.base_dir.join("snapshots");
    let prefix = format!("{}__{}__", file_stem(pipeline), test.name);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_snapshot = name.ends_with(".snap") || name.ends_with(".snap.new");
        let base = path.with_extension("").with_extension("snap");
        if name.starts_with(&prefix)
            && is_snapshot
            && !keep.contains(&path)
            && !keep.contains(&base)
        {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Checks count, contains and not_contains.
fn check_expectations(expect: &Expect, docs: &[Document], failures: &mut Vec<String>) {
    if let Some(count) = expect.count {
        if docs.len() != count {
            failures.push(format!("expected {count} documents, got {}", docs.len()));
        }
    }
    let values: Vec<(String, Value)> = docs
        .iter()
        .map(|doc| {
            (
                doc.id.clone(),
                serde_json::to_value(doc).unwrap_or(Value::Null),
            )
        })
        .collect();
    for (checks, wanted) in [(&expect.contains, true), (&expect.not_contains, false)] {
        for check in checks {
            check_field(check, wanted, &values, failures);
        }
    }
}

fn check_field(
    check: &FieldCheck,
    wanted: bool,
    docs: &[(String, Value)],
    failures: &mut Vec<String>,
) {
    let selected: Vec<&(String, Value)> = docs
        .iter()
        .filter(|(id, _)| check.doc.as_ref().is_none_or(|doc| doc == id))
        .collect();
    if selected.is_empty() {
        failures.push(format!(
            "no document `{}` to check `{}`",
            check.doc.as_deref().unwrap_or("*"),
            check.field
        ));
        return;
    }
    for (id, doc) in selected {
        let field = check
            .field
            .split('.')
            .try_fold(doc, |value, key| value.get(key));
        let text = match field {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        if text.contains(&check.value) != wanted {
            let verb = if wanted {
                "does not contain"
            } else {
                "contains"
            };
            failures.push(format!(
                "document {id}, field `{}` {verb} {:?}",
                check.field, check.value
            ));
        }
    }
}

/// Replaces values that change from machine to machine or run to run.
struct Redactor {
    paths: Vec<(String, &'static str)>,
    timestamp: Regex,
}

impl Redactor {
    fn new(pipeline: &Pipeline) -> Self {
        let mut paths = Vec::new();
        if let Ok(dir) = std::fs::canonicalize(&pipeline.base_dir) {
            paths.push((dir.display().to_string(), "[PIPELINE_DIR]"));
        }
        if let Ok(cwd) = std::env::current_dir() {
            paths.push((cwd.display().to_string(), "[CWD]"));
        }
        paths.retain(|(path, _)| path.len() > 1);
        Self {
            paths,
            timestamp: Regex::new(
                r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\b",
            )
            .expect("valid regex"),
        }
    }

    fn redact(&self, value: Value) -> Value {
        match value {
            Value::String(text) => {
                let mut text = self
                    .timestamp
                    .replace_all(&text, "[TIMESTAMP]")
                    .into_owned();
                for (path, label) in &self.paths {
                    if text.contains(path.as_str()) {
                        text = text.replace(path.as_str(), label);
                    }
                }
                Value::String(text)
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact(v)).collect())
            }
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.redact(v))).collect())
            }
            other => other,
        }
    }
}
