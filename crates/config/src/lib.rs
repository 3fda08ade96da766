//! # newspipe-config
//!
//! Reads a pipeline YAML file and turns it into a validated [`Pipeline`], or into
//! [`Diagnostics`] listing *every* problem found, each with its file, line, column and key, and a
//! "did you mean" suggestion where one fits. All YAML in newspipe goes through this crate.
//!
//! ```yaml
//! name: news
//! input:
//!   path: ../seeds      # folder, file or glob, relative to this file
//!   format: auto        # auto | text | html | jsonl
//! stages:
//!   - normalize: {}
//!   - export:
//!       jsonl: ../out/documents.jsonl
//! ```

mod diagnostic;
mod guard;
mod pipeline;
mod positions;

use std::io::Read;
use std::path::Path;

use newspipe_core::{parse_config, ConfigIssue, Registry};
use path_clean::PathClean;
use serde_json::Value;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use guard::{MAX_EXPANDED_NODES, MAX_NESTING, MAX_PIPELINE_BYTES};
use pipeline::{side_file_dir, InputSection, PipelineFile, TestSection};
pub use pipeline::{
    Cluster, Expect, FieldCheck, Input, InputFormat, OnError, Pipeline, StageSpec, TestCase,
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_DOCUMENT_BYTES,
};
use positions::PositionIndex;

/// Reads and validates the pipeline at `path` against the stages in `registry`. At most
/// [`MAX_PIPELINE_BYTES`] are read: a larger file is refused without loading it.
pub fn load(path: &Path, registry: &Registry) -> Result<Pipeline, Diagnostics> {
    let source = read_bounded(path).map_err(|message| Diagnostics::unreadable(path, message))?;
    load_str(path, &source, registry)
}

/// The pipeline file's text, or why it cannot be used.
fn read_bounded(path: &Path) -> Result<String, String> {
    let unreadable = |err: std::io::Error| format!("cannot read pipeline file: {err}");
    let file = std::fs::File::open(path).map_err(unreadable)?;
    if file.metadata().is_ok_and(|meta| meta.is_dir()) {
        return Err("cannot read pipeline file: it is a folder".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_PIPELINE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PIPELINE_BYTES {
        return Err(too_large_message());
    }
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "the pipeline file is not UTF-8 text (invalid byte at offset {})",
            err.utf8_error().valid_up_to()
        )
    })
}

fn too_large_message() -> String {
    format!(
        "the pipeline file is larger than {} KiB, the limit for a pipeline file (a pipeline is a few kilobytes; is this the right file?)",
        MAX_PIPELINE_BYTES >> 10
    )
}

/// Validates pipeline text as if read from `path` (relative paths start at its folder). A
/// leading byte-order mark is ignored.
pub fn load_str(path: &Path, source: &str, registry: &Registry) -> Result<Pipeline, Diagnostics> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if source.len() as u64 > MAX_PIPELINE_BYTES {
        return Err(Diagnostics::unreadable(path, too_large_message()));
    }
    if let Err(exceeded) = guard::check(source) {
        let at = exceeded.at;
        let problem = Diagnostic::at(
            source,
            at.line(),
            at.col() + 1,
            1,
            String::new(),
            exceeded.message,
        )
        .with_help(Some(exceeded.help));
        return Err(Diagnostics::new(path, source.to_owned(), vec![problem]));
    }
    let mut checker = Checker {
        source,
        positions: PositionIndex::build(source),
        problems: Vec::new(),
    };
    let pipeline = checker.check(path, registry);
    match pipeline {
        Some(pipeline) if checker.problems.is_empty() => Ok(pipeline),
        _ => Err(Diagnostics::new(path, source.to_owned(), checker.problems)),
    }
}

/// Collects problems while walking the file.
struct Checker<'a> {
    source: &'a str,
    positions: PositionIndex,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn check(&mut self, path: &Path, registry: &Registry) -> Option<Pipeline> {
        let document: Value = match serde_yaml::from_str(self.source) {
            Ok(Value::Null) => {
                self.report(&[], "the pipeline file is empty".into(), None);
                return None;
            }
            Ok(value) => value,
            Err(err) => {
                let (line, column) = err.location().map_or((1, 1), |at| (at.line(), at.column()));
                let tab_indent = self
                    .source
                    .lines()
                    .nth(line.saturating_sub(1))
                    .is_some_and(|text| text.trim_start_matches(' ').starts_with('\t'));
                let help = tab_indent
                    .then(|| "YAML indents with spaces; this line starts with a tab".to_owned());
                self.problems.push(
                    Diagnostic::at(
                        self.source,
                        line,
                        column,
                        1,
                        String::new(),
                        format!("this is not valid YAML: {err}"),
                    )
                    .with_help(help),
                );
                return None;
            }
        };
        let what = match &document {
            Value::String(_) => Some("plain text"),
            Value::Array(_) => Some("a list"),
            Value::Number(_) => Some("a number"),
            Value::Bool(_) => Some("true or false"),
            Value::Null | Value::Object(_) => None,
        };
        if let Some(what) = what {
            self.report(
                &[],
                format!("this is not a pipeline file: it reads as {what}, not as a map of keys"),
                Some("a pipeline is a YAML map with `input:` and `stages:`; is this the right file? (`newspipe validate` takes pipeline files, not articles)".into()),
            );
            return None;
        }
        let file = self.parse::<PipelineFile>(&[], &document)?;
        let base_dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = self.field::<String>("name", file.name);
        let on_error = self.field::<OnError>("on_error", file.on_error);
        let side_files = [
            self.field::<String>("rejects", file.rejects),
            self.field::<String>("dropped", file.dropped),
            self.field::<String>("stats", file.stats),
        ];
        let cluster = match &file.cluster {
            Some(cluster) => self.parse::<Cluster>(&["cluster"], cluster),
            None => Some(Cluster::default()),
        };
        let input = match file.input {
            Some(input) => self.parse::<InputSection>(&["input"], &input),
            None => {
                self.report(
                    &[],
                    "the pipeline has no `input`".into(),
                    Some("add `input: { path: ../seeds }`".into()),
                );
                None
            }
        };
        let items = self
            .field::<Vec<Value>>("stages", file.stages)
            .unwrap_or_default();
        let stages = self.check_stages(&items, registry);
        self.check_output_folders(&items, registry, &base_dir);
        if items.is_empty() {
            self.report(
                &[],
                "the pipeline has no stages".into(),
                Some("add `stages:` with at least one stage, e.g. `- export: { jsonl: out/documents.jsonl }`".into()),
            );
        }
        let tests = self
            .field::<Vec<Value>>("tests", file.tests)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(index, test)| self.check_test(index, test, &base_dir, &stages))
            .collect();
        let input = input.and_then(|input| self.check_input(&base_dir, &["input"], input))?;
        let side_dir = side_file_dir(&base_dir, &stages);
        let [rejects, dropped, stats] = side_files;
        let resolve = |value: Option<String>, default: &str| {
            value.map_or_else(|| side_dir.join(default), |v| base_dir.join(v).clean())
        };
        // Only the side files set in the file: the defaults sit beside an export output,
        // which the stage check has already looked at.
        let set = [rejects.is_some(), dropped.is_some(), stats.is_some()];
        let side_paths = [
            resolve(rejects, "rejects.jsonl"),
            resolve(dropped, "dropped.jsonl"),
            resolve(stats, "stats.json"),
        ];
        for ((key, set), output) in ["rejects", "dropped", "stats"]
            .iter()
            .zip(set)
            .zip(&side_paths)
        {
            if let Some(message) = set.then(|| file_in_the_way(output)).flatten() {
                self.report(
                    &[(*key).to_owned()],
                    message,
                    Some("point it into a folder, or move the file away".into()),
                );
            }
        }
        let [rejects, dropped, stats] = side_paths;
        Some(Pipeline {
            name: name.unwrap_or_else(|| {
                path.file_stem()
                    .map_or_else(|| "pipeline".into(), |s| s.to_string_lossy().into_owned())
            }),
            file: path.to_path_buf(),
            config_hash: blake3::hash(self.source.as_bytes()).to_hex()[..16].to_owned(),
            input,
            on_error: on_error.unwrap_or_default(),
            rejects,
            dropped,
            stats,
            stages,
            tests,
            base_dir,
            cluster: cluster?,
        })
    }

    /// A `tests:` entry: its input must exist, its name be usable in a file name, and its
    /// `stages` name a stage of the pipeline.
    fn check_test(
        &mut self,
        index: usize,
        value: &Value,
        base_dir: &Path,
        stages: &[StageSpec],
    ) -> Option<TestCase> {
        let at = ["tests".to_owned(), index.to_string()];
        let test = self.parse::<TestSection>(&["tests", &index.to_string()], value)?;
        let mut ok = true;
        if test.name.is_empty()
            || !test
                .name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        {
            self.report(
                &[at[0].clone(), at[1].clone(), "name".into()],
                format!(
                    "test name `{}` must be letters, digits, `-` or `_`",
                    test.name
                ),
                Some("it names the snapshot files".into()),
            );
            ok = false;
        }
        if let Some(stop) = &test.stages {
            if !stages.iter().any(|stage| &stage.name == stop) {
                let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
                let help = suggest(stop, names.iter().copied()).map_or_else(
                    || format!("stages of this pipeline: {}", names.join(", ")),
                    |best| format!("did you mean `{best}`?"),
                );
                self.report(
                    &[at[0].clone(), at[1].clone(), "stages".into()],
                    format!("`{stop}` is not a stage of this pipeline"),
                    Some(help),
                );
                ok = false;
            }
        }
        let section = InputSection {
            path: test.input,
            format: test.format.unwrap_or_default(),
            batch_size: DEFAULT_BATCH_SIZE,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        };
        for (list, checks) in [
            ("contains", &test.expect.contains),
            ("not_contains", &test.expect.not_contains),
        ] {
            for (at_check, check) in checks.iter().enumerate() {
                if let Some((message, help)) = unknown_field(&check.field) {
                    let key = [
                        at[0].clone(),
                        at[1].clone(),
                        "expect".into(),
                        list.into(),
                        at_check.to_string(),
                        "field".into(),
                    ];
                    self.report(&key, message, Some(help));
                    ok = false;
                }
            }
        }
        let input = self.check_input(base_dir, &["tests", &index.to_string(), "input"], section)?;
        ok.then_some(TestCase {
            name: test.name,
            input,
            stop_after: test.stages,
            snapshot: test.snapshot,
            expect: test.expect,
        })
    }

    /// Parses one optional top-level field, reporting a bad value at its key.
    fn field<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &str,
        value: Option<Value>,
    ) -> Option<T> {
        let value = value?;
        match serde_json::from_value::<T>(value) {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                self.report_issue(
                    &[],
                    ConfigIssue {
                        path: vec![key.to_owned()],
                        message: err.to_string(),
                        unknown_key: None,
                        expected: Vec::new(),
                    },
                );
                None
            }
        }
    }

    /// Each stage must be a one-key map naming a registered stage, with a valid config.
    fn check_stages(&mut self, items: &[Value], registry: &Registry) -> Vec<StageSpec> {
        let mut stages = Vec::new();
        // Each known stage with its index in the file, for the order check.
        let mut known = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = vec!["stages".to_owned(), index.to_string()];
            let entry = match item {
                Value::Object(map) if map.len() == 1 => map.iter().next(),
                Value::String(name) => {
                    self.report(
                        &at,
                        format!("stage `{name}` needs a config map"),
                        Some(format!("write `- {name}: {{}}` to use its defaults")),
                    );
                    continue;
                }
                _ => None,
            };
            let Some((name, config)) = entry else {
                let (message, help) = stage_shape_problem(item, registry);
                self.report(&at, message, Some(help));
                continue;
            };
            let mut stage_path = at.clone();
            stage_path.push(name.clone());
            let Some(factory) = registry.get(name) else {
                let known = registry.names();
                let help = match suggest(name, known.iter().copied()) {
                    Some(best) => {
                        format!("did you mean `{best}`? known stages: {}", known.join(", "))
                    }
                    None => format!("known stages: {}", known.join(", ")),
                };
                self.report(&stage_path, format!("unknown stage `{name}`"), Some(help));
                continue;
            };
            known.push((index, name.as_str(), factory));
            let issues = drop_typo_echoes(factory.check(config));
            if issues.is_empty() {
                stages.push(StageSpec {
                    name: name.clone(),
                    config: config.clone(),
                });
            }
            for issue in issues {
                self.report_issue(&stage_path, issue);
            }
        }
        self.check_stage_order(&known);
        stages
    }

    /// An output whose folder is an existing file cannot be written: reported at the stage,
    /// before anything runs, instead of as an OS error at run time.
    fn check_output_folders(&mut self, items: &[Value], registry: &Registry, base_dir: &Path) {
        let cx = newspipe_core::BuildContext {
            base_dir: base_dir.to_path_buf(),
            pipeline: String::new(),
        };
        for (index, item) in items.iter().enumerate() {
            let Value::Object(map) = item else { continue };
            let Some((name, config)) = map.iter().next().filter(|_| map.len() == 1) else {
                continue;
            };
            let Some(factory) = registry.get(name) else {
                continue;
            };
            for output in factory.output_paths(config, &cx) {
                if let Some(message) = file_in_the_way(&output) {
                    self.report(
                        &["stages".to_owned(), index.to_string(), name.clone()],
                        message,
                        Some("point the output into a folder, or move the file away".into()),
                    );
                }
            }
        }
    }

    /// A stage that rewrites `text` after a stage annotated it would leave every annotation
    /// offset pointing into the wrong text: refused, with an order that works.
    fn check_stage_order(&mut self, known: &[(usize, &str, &newspipe_core::StageFactory)]) {
        let Some(first_annotating) = known.iter().position(|(_, _, f)| f.annotates_text()) else {
            return;
        };
        let annotator = known[first_annotating].1;
        let (rewriters, others): (Vec<_>, Vec<_>) = known
            .iter()
            .enumerate()
            .partition(|(at, (_, _, f))| *at > first_annotating && f.rewrites_text());
        if rewriters.is_empty() {
            return;
        }
        // A working order: the late text-rewriting stages move to just before the first
        // annotating one, everything else keeps its place.
        let mut order: Vec<&str> = Vec::with_capacity(known.len());
        for (at, (_, name, _)) in others {
            if at == first_annotating {
                order.extend(rewriters.iter().map(|(_, (_, name, _))| *name));
            }
            order.push(name);
        }
        for (_, (index, name, _)) in &rewriters {
            self.report(
                &["stages".to_owned(), index.to_string(), (*name).to_owned()],
                format!(
                    "stage `{name}` rewrites `text` after `{annotator}` annotated it: every annotation offset would point into the wrong text"
                ),
                Some(format!(
                    "stages that rewrite text run before stages that annotate it; this order works: {}",
                    order.join(" → ")
                )),
            );
        }
    }

    fn check_input(&mut self, base_dir: &Path, at: &[&str], input: InputSection) -> Option<Input> {
        let at: Vec<String> = at.iter().map(|s| s.to_string()).collect();
        let path = base_dir.join(&input.path).clean();
        let text = path.to_string_lossy();
        let exists = if text.contains(['*', '?', '[']) {
            glob::glob(&text).is_ok_and(|mut matches| matches.next().is_some())
        } else {
            path.exists()
        };
        if !exists {
            let mut key = at.clone();
            if key.len() == 1 {
                key.push("path".into());
            }
            self.report(
                &key,
                format!("input path `{}` matches nothing", path.display()),
                Some(
                    "paths are relative to the pipeline file; give a folder, a file or a glob"
                        .into(),
                ),
            );
            return None;
        }
        if input.batch_size == 0 {
            self.report(
                &[at[0].clone(), "batch_size".into()],
                "`batch_size` must be at least 1".into(),
                None,
            );
            return None;
        }
        if input.max_document_bytes == 0 {
            self.report(
                &[at[0].clone(), "max_document_bytes".into()],
                "`max_document_bytes` must be at least 1".into(),
                Some(format!(
                    "the default is {DEFAULT_MAX_DOCUMENT_BYTES} (64 MiB)"
                )),
            );
            return None;
        }
        Some(Input {
            path,
            format: input.format,
            batch_size: input.batch_size,
            max_document_bytes: input.max_document_bytes,
        })
    }

    /// Parses a section, reporting every issue under `prefix`.
    fn parse<T: serde::de::DeserializeOwned>(
        &mut self,
        prefix: &[&str],
        value: &Value,
    ) -> Option<T> {
        let prefix: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        match parse_config::<T>(value) {
            Ok(parsed) => Some(parsed),
            Err(issues) => {
                for issue in drop_typo_echoes(issues) {
                    self.report_issue(&prefix, issue);
                }
                None
            }
        }
    }

    fn report_issue(&mut self, prefix: &[String], issue: ConfigIssue) {
        let mut path = prefix.to_vec();
        path.extend(issue.path.iter().cloned());
        let help = match &issue.unknown_key {
            Some(key) => unknown_key_help(key, &issue.expected),
            None => value_help(&issue.message),
        };
        let message = match &issue.unknown_key {
            Some(_) => issue.message,
            None => tidy_serde_message(&issue.message),
        };
        self.report(&path, message, help);
    }

    fn report(&mut self, path: &[String], message: String, help: Option<String>) {
        let key = display_path(path);
        let (line, column, width) = match self.positions.find(path) {
            Some((depth, node)) => {
                let span = match node.key {
                    Some(key)
                        if depth == path.len() || node.value.start.line() == key.start.line() =>
                    {
                        key
                    }
                    _ => node.value,
                };
                let width = span.end.index().saturating_sub(span.start.index()).max(1);
                (span.start.line(), span.start.col() + 1, width)
            }
            None => (1, 1, 1),
        };
        self.problems
            .push(Diagnostic::at(self.source, line, column, width, key, message).with_help(help));
    }
}

/// Why `output` cannot be written when one of the folders it needs is an existing file.
fn file_in_the_way(output: &Path) -> Option<String> {
    let file = output.ancestors().skip(1).find(|dir| dir.is_file())?;
    Some(format!(
        "output `{}` cannot be written: `{}` is a file, not a folder",
        output.display(),
        file.display()
    ))
}

/// What is wrong with a stage entry that is not a one-key map, and how to write it: a stage
/// whose config keys sit beside its name instead of below it gets that exact fix.
fn stage_shape_problem(item: &Value, registry: &Registry) -> (String, String) {
    let Value::Object(map) = item else {
        return (
            "each stage must be a map with exactly one key, the stage name".into(),
            "write `- <stage>: {}`, e.g. `- normalize: {}`; `newspipe stages` lists them".into(),
        );
    };
    let stage = map.keys().find(|key| registry.get(key).is_some());
    let keys: Vec<String> = map.keys().map(|key| format!("`{key}`")).collect();
    let message = format!(
        "a stage entry has {} keys ({}); it must have exactly one, the stage name",
        map.len(),
        keys.join(", ")
    );
    let help = match stage {
        Some(stage) => {
            let config: Vec<&str> = map
                .keys()
                .filter(|key| *key != stage)
                .map(String::as_str)
                .collect();
            format!(
                "indent {} two spaces further in than `{stage}`, on the lines below it, to make it `{stage}`'s config: `- {stage}:` then `    {}: ...`",
                config.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                config.first().copied().unwrap_or_default(),
            )
        }
        None => "write each stage as its own `- <stage>: {...}` item".into(),
    };
    (message, help)
}

/// Why an expectation's `field` (`meta.title`, `text`, `extra.topic`) names no field of a
/// document, with a suggestion: the document's fields and those of `meta` and `source` are
/// checked; below other fields (and anywhere in `extra`) any key may exist.
fn unknown_field(field: &str) -> Option<(String, String)> {
    use newspipe_core::{Document, Meta, Source};
    use serde_aux::serde_introspection::serde_introspect;
    let mut parts = field.split('.');
    let top = parts.next().unwrap_or_default();
    let (known, name): (&[&str], String) = if !serde_introspect::<Document>().contains(&top) {
        (serde_introspect::<Document>(), top.to_owned())
    } else {
        let inner = match top {
            "meta" => serde_introspect::<Meta>(),
            "source" => serde_introspect::<Source>(),
            _ => return None,
        };
        match parts.next() {
            Some(key) if !inner.contains(&key) => (inner, format!("{top}.{key}")),
            _ => return None,
        }
    };
    let last = name.rsplit('.').next().unwrap_or_default();
    let prefix = name
        .rsplit_once('.')
        .map_or(String::new(), |(p, _)| format!("{p}."));
    let message = format!("a document has no field `{name}`");
    let help = match suggest(last, known.iter().copied()) {
        Some(best) => format!("did you mean `{prefix}{best}`?"),
        None => format!(
            "fields here: {}",
            known
                .iter()
                .map(|k| format!("`{prefix}{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some((message, help))
}

/// `stages.1.export.jsonl` → `stages[1].export.jsonl`.
fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// The closest known name, if close enough to be a likely typo.
fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(name, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A misspelt required key shows up twice: as an unknown key and as a missing field. Keep the
/// first, which carries the suggestion.
fn drop_typo_echoes(issues: Vec<ConfigIssue>) -> Vec<ConfigIssue> {
    let suggested: Vec<(Vec<String>, &str)> = issues
        .iter()
        .filter_map(|issue| {
            let key = issue.unknown_key.as_deref()?;
            let best = suggest(key, issue.expected.iter().map(String::as_str))?;
            Some((issue.path[..issue.path.len() - 1].to_vec(), best))
        })
        .collect();
    let echoes: Vec<bool> = issues
        .iter()
        .map(|issue| {
            let missing = issue
                .message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next());
            missing.is_some_and(|field| {
                suggested
                    .iter()
                    .any(|(parent, best)| *best == field && *parent == issue.path)
            })
        })
        .collect();
    issues
        .into_iter()
        .zip(echoes)
        .filter_map(|(issue, echo)| (!echo).then_some(issue))
        .collect()
}

fn unknown_key_help(key: &str, expected: &[String]) -> Option<String> {
    let known = expected.join("`, `");
    match suggest(key, expected.iter().map(String::as_str)) {
        Some(best) => Some(format!("did you mean `{best}`? allowed keys: `{known}`")),
        None if expected.is_empty() => Some("this section takes no keys".into()),
        None => Some(format!("allowed keys: `{known}`")),
    }
}

/// Hints for serde's value errors (unknown variants, missing fields).
fn value_help(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, rest) = rest.split_once('`')?;
        let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        return suggest(value, expected.iter().copied())
            .map(|best| format!("did you mean `{best}`?"));
    }
    let field = message.strip_prefix("missing field `")?.split('`').next()?;
    Some(format!("add `{field}: ...` here"))
}

/// Drops serde's trailing position text, which is meaningless for converted values, and
/// names Rust's number types in words: "invalid type: string \"lots\", expected usize"
/// becomes "expected a whole number (0 or more), found string \"lots\"".
fn tidy_serde_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_owned();
    };
    let expected = match expected {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number (0 or more)",
        "isize" | "i64" | "i32" => "a whole number",
        "f64" | "f32" => "a number",
        "a boolean" => "true or false",
        other => other,
    };
    format!("expected {expected}, found {found}")
}

/// What a valid pipeline may still not do as meant, one sentence each: a pipeline whose
/// stages write no outputs (no `export`) runs and writes nothing but its side files.
pub fn warnings(pipeline: &Pipeline, registry: &Registry) -> Vec<String> {
    let writes = pipeline.stages.iter().any(|stage| {
        registry
            .get(&stage.name)
            .is_some_and(|f| f.writes_outputs())
    });
    if writes {
        Vec::new()
    } else {
        vec!["no stage writes the documents out: a run writes only its rejects, dropped and stats files; add `- export: { jsonl: out/documents.jsonl }` at the end".into()]
    }
}

/// Renders a value as YAML (for snapshots a person reads).
pub fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|err| format!("# cannot render as YAML: {err}\n"))
}

/// Parses YAML text into a value.
pub fn from_yaml(text: &str) -> Result<Value, String> {
    serde_yaml::from_str(text).map_err(|err| err.to_string())
}
