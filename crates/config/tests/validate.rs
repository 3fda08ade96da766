//! Validation of pipeline files: every problem, positioned, with suggestions.

use std::path::Path;

use newspipe_config::{load_str, InputFormat, OnError};
use newspipe_core::{BuildError, Registry, StageFactory, StageInstance};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ExportConfig {
    jsonl: Option<String>,
    csv: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct NormalizeConfig {
    html: bool,
}

fn unbuildable<C>(_: C, _: &newspipe_core::BuildContext) -> Result<StageInstance, BuildError> {
    Err(BuildError::Setup("not built in these tests".into()))
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(StageFactory::new::<NormalizeConfig>(
            "normalize",
            "",
            unbuildable,
        ))
        .register(StageFactory::new::<ExportConfig>("export", "", unbuildable));
    registry
}

fn pipeline_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_valid_pipeline_resolves_paths_against_its_file() {
    let source = "name: news\ninput:\n  path: src\nstages:\n  - normalize: {}\n  - export:\n      jsonl: out/docs.jsonl\n";
    let file = pipeline_dir().join("p.yaml");
    let pipeline = load_str(&file, source, &registry()).unwrap();
    assert_eq!(pipeline.name, "news");
    assert_eq!(pipeline.input.path, pipeline_dir().join("src"));
    assert_eq!(pipeline.input.format, InputFormat::Auto);
    assert_eq!(pipeline.on_error, OnError::Continue);
    assert_eq!(
        pipeline.rejects,
        pipeline_dir().join("out").join("rejects.jsonl")
    );
    assert_eq!(
        pipeline.stats,
        pipeline_dir().join("out").join("stats.json")
    );
    let names: Vec<_> = pipeline.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["normalize", "export"]);
}

#[test]
fn every_problem_is_reported_with_line_key_and_suggestion() {
    let source = "\
name: news
on_error: stop
input:
  pathh: src
  format: htm
stages:
  - normalize: { htlm: true }
  - exprot:
      jsonl: out/docs.jsonl
";
    let err = load_str(Path::new("pipelines/bad.yaml"), source, &registry()).unwrap_err();
    let summary: Vec<_> = err
        .items
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} | {} | {}",
                d.line,
                d.column,
                d.key,
                d.message,
                d.help.clone().unwrap_or_default()
            )
        })
        .collect();
    insta::assert_snapshot!(summary.join("\n"));
    insta::assert_snapshot!("rendered", err.to_string());
}

#[test]
fn syntax_errors_point_at_the_line() {
    let source = "name: news\ninput: [unclosed\n";
    let err = load_str(&pipeline_dir().join("broken.yaml"), source, &registry()).unwrap_err();
    assert_eq!(err.items.len(), 1);
    assert!(err.items[0].message.contains("not valid YAML"), "{err}");
    assert!(err.items[0].line >= 2, "{err}");
}

#[test]
fn a_missing_input_folder_is_reported() {
    let source = "input:\n  path: no/such/folder\nstages:\n  - normalize: {}\n";
    let err = load_str(&pipeline_dir().join("p.yaml"), source, &registry()).unwrap_err();
    assert_eq!(err.items.len(), 1, "{err}");
    assert_eq!(err.items[0].key, "input.path");
    assert_eq!(err.items[0].line, 2);
}

#[test]
fn the_cluster_section_is_read_and_its_unknown_keys_refused() {
    let file = pipeline_dir().join("p.yaml");
    let base = "input:\n  path: src\nstages:\n  - normalize: {}\n";
    let source = format!(
        "{base}cluster:\n  partition: short\n  time: \"2:00:00\"\n  cpus_per_task: 4\n  memory: 8G\n"
    );
    let pipeline = load_str(&file, &source, &registry()).unwrap();
    assert_eq!(pipeline.cluster.partition.as_deref(), Some("short"));
    assert_eq!(pipeline.cluster.time.as_deref(), Some("2:00:00"));
    assert_eq!(pipeline.cluster.cpus_per_task, Some(4));
    assert_eq!(pipeline.cluster.memory.as_deref(), Some("8G"));
    let without = load_str(&file, base, &registry()).unwrap();
    assert_eq!(without.cluster, newspipe_config::Cluster::default());

    let source = format!("{base}cluster:\n  gpus: 1\n");
    let err = load_str(&file, &source, &registry())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cluster") && err.contains("gpus"), "{err}");
}
