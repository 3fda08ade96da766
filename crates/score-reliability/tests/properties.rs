//! Properties of the scores on the seeds: order-independence, what the configuration changes,
//! and the configuration errors users see.

mod support;

use newspipe_core::{BuildContext, Document};
use serde_json::json;
use support::{chain, doc, score, score_of, seeds, upstream};

fn upstream_seeds() -> Vec<Document> {
    let mut docs = seeds();
    upstream(&mut docs);
    docs
}

#[test]
fn input_order_changes_nothing() {
    let docs = upstream_seeds();
    let mut forward = docs.clone();
    score(&mut forward, json!({}));
    let mut backward: Vec<Document> = docs.into_iter().rev().collect();
    score(&mut backward, json!({}));
    for d in &forward {
        assert_eq!(d.reliability, doc(&backward, &d.id).reliability, "{}", d.id);
        assert_eq!(d.claims, doc(&backward, &d.id).claims, "{}", d.id);
    }
}

#[test]
fn a_zero_weight_keeps_evidence_but_leaves_the_score() {
    let docs = upstream_seeds();
    let mut default = docs.clone();
    score(&mut default, json!({}));
    let mut without_mt = docs;
    score(&mut without_mt, json!({"weights": {"mt_artifacts": 0}}));
    let signal = doc(&without_mt, "001")
        .reliability
        .as_ref()
        .unwrap()
        .signals
        .iter()
        .find(|s| s.name == "mt_artifacts")
        .unwrap()
        .clone();
    assert_eq!(signal.weight, 0.0);
    assert!(signal
        .evidence
        .iter()
        .any(|e| e.end > e.start && e.start.is_some()));
    assert!(score_of(&without_mt, "001") > score_of(&default, "001"));
}

#[test]
fn a_fixed_reference_date_drives_currency() {
    let docs = chain(seeds(), json!({"reference_date": "2019-06-01"}));
    let archival = chain(seeds(), json!({"mode": "archival"}));
    assert_eq!(score_of(&docs, "003"), score_of(&archival, "003"));
}

#[test]
fn configuration_errors_are_named() {
    let factory = newspipe_score_reliability::factory();
    let issues = factory.check(&json!({"mood": "current"}));
    assert_eq!(issues.len(), 1);
    assert!(factory
        .check(&json!({"mode": "archival", "weights": {"byline": 2}}))
        .is_empty());
    let bad_date = factory.build(
        &json!({"reference_date": "last year"}),
        &BuildContext::default(),
    );
    assert!(bad_date.is_err());
    let missing = factory.build(
        &json!({"office_holders": "/nonexistent/holders.tsv"}),
        &BuildContext::default(),
    );
    assert!(missing.is_err());
}
