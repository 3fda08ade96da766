//! The stage as the registry builds it from pipeline YAML (here, its JSON value).

use newspipe_core::{BuildContext, Document, Source, StageInstance};
use newspipe_runner::{run_in_memory, MemoryRunOptions};
use serde_json::json;

#[test]
fn builds_from_yaml_values_with_defaults() {
    let factory = newspipe_dedupe::factory();
    assert_eq!(factory.name(), "dedupe");
    let keys: Vec<String> = factory.config_keys().into_iter().map(|k| k.name).collect();
    for key in [
        "preset",
        "action",
        "threshold",
        "date_window_days",
        "derived",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
    let built = factory
        .build(
            &json!({"preset": "noisy", "action": "drop"}),
            &BuildContext::default(),
        )
        .unwrap();
    let text = "word ".repeat(100);
    let docs = vec![
        Document::new("a", Source::default(), text.clone()),
        Document::new("b", Source::default(), text),
    ];
    let out = run_in_memory(
        vec![("dedupe".into(), built)],
        docs,
        &MemoryRunOptions::default(),
    )
    .unwrap();
    assert_eq!(out.docs.len(), 1);
    assert_eq!(out.dropped.len(), 1);
    assert_eq!(out.dropped[0].id, "b");
}

#[test]
fn bad_values_and_unknown_keys_are_reported_by_key() {
    let factory = newspipe_dedupe::factory();
    let issues = factory.check(&json!({"preset": "noisy", "treshold": 0.3}));
    assert_eq!(issues[0].unknown_key.as_deref(), Some("treshold"));
    assert!(factory.check(&json!({"preset": "fuzzy"}))[0]
        .message
        .contains("fuzzy"));
    let Err(newspipe_core::BuildError::Config(issues)) =
        factory.build(&json!({"threshold": 2.0}), &BuildContext::default())
    else {
        panic!("out-of-range threshold refused")
    };
    assert_eq!(issues[0].path, ["threshold"]);
}

#[test]
fn apply_refuses_documents_it_never_observed() {
    let StageInstance::Corpus(stage) = newspipe_dedupe::factory()
        .build(&json!({}), &BuildContext::default())
        .unwrap()
    else {
        panic!("a corpus stage")
    };
    let mut observed = Document::new("a", Source::default(), "x".into());
    let record = stage.observe(&mut observed).unwrap();
    let state = stage.prepare(vec![record]).unwrap();
    let mut unknown = Document::new("zzz", Source::default(), "x".into());
    let err = stage.apply(&state, 0, &mut unknown).unwrap_err();
    assert!(err.message.contains("zzz"), "{err}");
}
