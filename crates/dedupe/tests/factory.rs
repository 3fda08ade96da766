//! The stage as the registry builds it from pipeline YAML (here, its JSON value).

use newspipe_core::{BuildContext, Document, Source, StageInstance};
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
    let StageInstance::Corpus(mut stage) = built else {
        panic!("a corpus stage")
    };
    assert!(stage.needs_full_view());
    let text = "word ".repeat(100);
    let mut docs = vec![
        Document::new("a", Source::default(), text.clone()),
        Document::new("b", Source::default(), text),
    ];
    stage.observe(&mut docs).unwrap();
    stage.prepare().unwrap();
    let mut docs = docs;
    let dispositions = stage.apply(&mut docs).unwrap();
    assert_eq!(
        dispositions
            .iter()
            .filter(|d| **d != newspipe_core::Disposition::Keep)
            .count(),
        1
    );
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
    let StageInstance::Corpus(mut stage) = newspipe_dedupe::factory()
        .build(&json!({}), &BuildContext::default())
        .unwrap()
    else {
        panic!("a corpus stage")
    };
    stage
        .observe(&mut [Document::new("a", Source::default(), "x".into())])
        .unwrap();
    stage.prepare().unwrap();
    let mut unknown = vec![Document::new("zzz", Source::default(), "x".into())];
    assert!(stage
        .apply(&mut unknown)
        .unwrap_err()
        .message
        .contains("zzz"));
}
