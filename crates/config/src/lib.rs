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
    Expect, FieldCheck, Input, InputFormat, OnError, Pipeline, StageSpec, TestCase,
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
        Some(Pipeline {
            name: name.unwrap_or_else(|| {
                path.file_stem()
                    .map_or_else(|| "pipeline".into(), |s| s.to_string_lossy().into_owned())
            }),
            file: path.to_path_buf(),
            config_hash: blake3::hash(self.source.as_bytes()).to_hex()[..16].to_owned(),
            input,
            on_error: on_error.unwrap_or_default(),
            rejects: resolve(rejects, "rejects.jsonl"),
            dropped: resolve(dropped, "dropped.jsonl"),
            stats: resolve(stats, "stats.json"),
            stages,
            tests,
            base_dir,
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
                self.report(
                    &at,
                    "each stage must be a map with exactly one key, the stage name".into(),
                    Some("write `- normalize: {}`".into()),
                );
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

/// Drops serde's trailing position text, which is meaningless for converted values.
fn tidy_serde_message(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
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
