//! The long lists of the report (documents and claims), embedded once as JSON in a
//! `<script type="application/json">` and paged by the report's script, so the page holds a
//! bounded amount of markup whatever the corpus. The JSON is escaped for that context: no `<`,
//! `>` or `&` (so no `</script>` or `<!--`) and no line or paragraph separator survives as such.

use serde_json::{json, Value};

use super::summary::{ClaimSummary, DocSummary, ReportData, Score};
use crate::rows::{band_name, relation_name};

/// Documents listed in the report's document list; the rest are in the CSV and SQLite outputs.
pub const LISTED_DOCUMENTS: usize = 4_000;

/// How many documents the list holds: the first [`LISTED_DOCUMENTS`], and at least every one
/// shown in full.
pub fn listed(data: &ReportData) -> usize {
    let last_full = data.docs.iter().rposition(|d| d.full.is_some());
    data.docs
        .len()
        .min(LISTED_DOCUMENTS.max(last_full.map_or(0, |p| p + 1)))
}

/// The JSON the report's script reads, ready to sit between `<script type="application/json">`
/// and `</script>`.
///
/// `docs`: `[id, title, outlet, published, cluster, relation, representative, score, band,
/// reasons, full]` with `reasons` as `[[signal, points], ...]`; `claims`: `[text, doc id, doc
/// position when shown in full else -1, claim index, speaker, hedged, score, band, supported,
/// contradicted]`.
pub fn payload(data: &ReportData) -> String {
    let docs: Vec<Value> = data.docs[..listed(data)].iter().map(doc_row).collect();
    let claims: Vec<Value> = data.claims.iter().map(|c| claim_row(data, c)).collect();
    let json = json!({ "docs": docs, "total": data.docs.len(), "claims": claims }).to_string();
    escape_for_script(&json)
}

fn score_fields(score: Option<Score>) -> (Value, Value) {
    match score {
        Some(s) => (
            json!((s.value * 10.0).round() / 10.0),
            json!(band_name(s.band)),
        ),
        None => (Value::Null, Value::Null),
    }
}

fn doc_row(doc: &DocSummary) -> Value {
    let (score, band) = score_fields(doc.reliability);
    let reasons: Vec<Value> = doc
        .reasons
        .iter()
        .map(|r| json!([r.signal, r.points.round()]))
        .collect();
    let dedupe = doc.dedupe.as_ref();
    json!([
        doc.id,
        doc.title,
        doc.outlet,
        doc.published,
        dedupe.map(|d| d.cluster.as_str()),
        dedupe.map(|d| relation_name(d.relation)),
        u8::from(dedupe.is_some_and(|d| d.representative)),
        score,
        band,
        reasons,
        u8::from(doc.full.is_some()),
    ])
}

fn claim_row(data: &ReportData, claim: &ClaimSummary) -> Value {
    let (score, band) = score_fields(claim.reliability);
    let anchor = if data.is_full(claim.doc) {
        claim.doc as i64
    } else {
        -1
    };
    json!([
        claim.text,
        data.docs[claim.doc].id,
        anchor,
        claim.idx,
        claim.speaker,
        u8::from(claim.hedged),
        score,
        band,
        claim.supported_by.len(),
        claim.contradicted_by.len(),
    ])
}

/// JSON that cannot end or comment out the script element it sits in: `<`, `>` and `&` (which
/// only occur inside strings) and U+2028/U+2029 become `\u` escapes, which JSON reads back as
/// the same characters.
fn escape_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_json_reads_back_the_same_and_cannot_close_the_script() {
        let text = "</script><script>alert(1)</script><!-- & \u{2028}x\u{2029}";
        let json = json!({ "t": text }).to_string();
        let escaped = escape_for_script(&json);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!escaped.contains(bad), "{bad:?} in {escaped}");
        }
        let back: Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["t"], text);
    }
}
