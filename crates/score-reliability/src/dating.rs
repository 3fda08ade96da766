//! When a report was written: its publication-date candidates (header, byline, id, URL,
//! input), whether they agree with each other and with the office holders it names, and the
//! date (or window) the rest of the stage uses.

use newspipe_core::{Document, Evidence, Signal};
use serde::{Deserialize, Serialize};

use crate::calendar::{format_iso, parse_iso};
use crate::config::Thresholds;
use crate::signal::{locate, note, scored};
use crate::tenure::{OfficeHolders, Window};

/// Signal name.
pub const DATE_CONSISTENCY: &str = "date_consistency";

/// Bases in order of trust when candidates disagree: machine-made ids and URLs before display
/// headers, which are often a page's render date.
const TRUST: [&str; 8] = [
    "input",
    "html_meta",
    "url",
    "id_string",
    "byline",
    "dateline",
    "header_line",
    "published",
];

/// What the stage knows about a document's time.
#[derive(Debug, Clone, PartialEq)]
pub struct Dating {
    /// The publication date the evidence supports, as a day number.
    pub date: Option<i64>,
    /// The window of the office holders it names, when it names any.
    pub window: Option<(i64, Option<i64>)>,
    /// The `date_consistency` signal.
    pub signal: Signal,
}

impl Dating {
    /// The days the report can have been written in, as the corpus judgement needs them.
    pub fn days(&self) -> Days {
        Days {
            date: self.date,
            window: self.window,
        }
    }
}

/// The compact part of [`Dating`] the stage keeps between the passes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Days {
    /// The publication date, as a day number.
    pub date: Option<i64>,
    /// The window of the office holders named.
    pub window: Option<(i64, Option<i64>)>,
}

impl Days {
    /// The days the report can have been written in: its date, else its window, else any.
    pub fn span(&self) -> (i64, i64) {
        match (self.date, self.window) {
            (Some(d), _) => (d, d),
            (None, Some((s, e))) => (s, e.unwrap_or(i64::MAX)),
            (None, None) => (i64::MIN, i64::MAX),
        }
    }

    /// The latest day the report can have been written on, when that is known.
    pub fn latest(&self) -> Option<i64> {
        self.date.or(self.window.and_then(|(_, e)| e))
    }
}

struct Candidate {
    day: i64,
    basis: String,
    text: Option<String>,
}

fn candidates(doc: &Document) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = doc
        .meta
        .date_candidates
        .iter()
        .filter_map(|c| {
            Some(Candidate {
                day: parse_iso(&c.value)?,
                basis: c.basis.clone(),
                text: c.text.clone(),
            })
        })
        .collect();
    if let Some(day) = doc.meta.published.as_deref().and_then(parse_iso) {
        if !found.iter().any(|c| c.day == day) {
            let basis = doc
                .meta
                .published_basis
                .clone()
                .unwrap_or_else(|| "published".into());
            found.push(Candidate {
                day,
                basis,
                text: None,
            });
        }
    }
    found
}

fn trust(basis: &str) -> usize {
    TRUST
        .iter()
        .position(|b| *b == basis)
        .unwrap_or(TRUST.len())
}

fn evidence_for(doc: &Document, c: &Candidate, what: &str) -> Evidence {
    let label = format!("{what} {} ({})", format_iso(c.day), c.basis);
    match &c.text {
        Some(text) => locate(doc, text, &label),
        None => note(&doc.id, label),
    }
}

/// Dates a document and scores `date_consistency`: 1 when every candidate agrees (within
/// `date_agree_days`) and fits the office holders named; 0 when two candidates are
/// `date_conflict_days` apart or the date falls outside those tenures; 0.5 when undated.
pub fn date(doc: &Document, holders: &OfficeHolders, t: &Thresholds) -> Dating {
    let found = candidates(doc);
    let window: Option<Window> = holders.window(doc);
    let window_span = window.as_ref().map(|w| (w.start, w.end));
    let fits = |day: i64| {
        window_span.is_none_or(|(s, e)| {
            day >= s - t.date_agree_days && e.is_none_or(|e| day <= e + t.date_agree_days)
        })
    };
    let mut evidence: Vec<Evidence> = Vec::new();
    if found.is_empty() {
        let mut evidence = vec![note(&doc.id, "no publication date")];
        if let Some(w) = &window {
            evidence.extend(w.evidence.iter().cloned());
        }
        return Dating {
            date: None,
            window: window_span,
            signal: scored(DATE_CONSISTENCY, 0.5, evidence),
        };
    }
    let earliest = found.iter().map(|c| c.day).min().unwrap_or_default();
    let latest = found.iter().map(|c| c.day).max().unwrap_or_default();
    let gap = latest - earliest;
    let agreement = if gap <= t.date_agree_days {
        1.0
    } else if gap >= t.date_conflict_days {
        0.0
    } else {
        1.0 - (gap - t.date_agree_days) as f64
            / (t.date_conflict_days - t.date_agree_days).max(1) as f64
    };
    let outside: Vec<&Candidate> = found.iter().filter(|c| !fits(c.day)).collect();
    for c in &found {
        let what = if !fits(c.day) {
            "outside the office holders' tenures:"
        } else if gap > t.date_agree_days {
            "conflicting date"
        } else {
            "date"
        };
        evidence.push(evidence_for(doc, c, what));
    }
    if !outside.is_empty() {
        if let Some(w) = &window {
            evidence.extend(w.evidence.iter().cloned());
        }
    }
    let score = if outside.is_empty() { agreement } else { 0.0 };
    let chosen = found
        .iter()
        .filter(|c| fits(c.day))
        .min_by_key(|c| (trust(&c.basis), c.day))
        .or_else(|| found.iter().min_by_key(|c| (trust(&c.basis), c.day)));
    Dating {
        date: chosen.map(|c| c.day),
        window: window_span,
        signal: scored(DATE_CONSISTENCY, score, evidence),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::DateCandidate;

    fn doc(candidates: &[(&str, &str)]) -> Document {
        let mut doc = Document::new("d", Default::default(), "Text.".into());
        doc.meta.date_candidates = candidates
            .iter()
            .map(|(v, b)| DateCandidate {
                value: (*v).into(),
                basis: (*b).into(),
                text: None,
            })
            .collect();
        doc
    }

    #[test]
    fn agreeing_conflicting_and_missing_dates() {
        let t = Thresholds::default();
        let holders = OfficeHolders::default();
        let agree = date(
            &doc(&[("2025-03-06", "byline"), ("2025-03-06", "header_line")]),
            &holders,
            &t,
        );
        assert_eq!(agree.signal.score, 1.0);
        let conflict = date(
            &doc(&[("2024-01-02", "header_line"), ("2025-08-25", "id_string")]),
            &holders,
            &t,
        );
        assert_eq!(conflict.signal.score, 0.0);
        assert_eq!(
            conflict.date,
            parse_iso("2025-08-25"),
            "the id beats the header"
        );
        let none = date(&doc(&[]), &holders, &t);
        assert_eq!((none.signal.score, none.date), (0.5, None));
    }
}
