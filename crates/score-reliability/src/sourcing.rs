//! Sourcing signals: named attribution, direct quotes, anonymous sources and hedging. They
//! read the quotes and speakers found by `extract` and scan the text for cues.

use newspipe_core::{Document, Signal};

use crate::config::Thresholds;
use crate::lexicon::{Rare, ANONYMOUS, ANONYMOUS_IN_RARE, ATTRIBUTION_CUE, HEDGE};
use crate::signal::{at, excerpt, not_applicable, scored};

/// Signal names.
pub const ATTRIBUTION: &str = "attribution";
/// Signal name.
pub const DIRECT_QUOTES: &str = "direct_quotes";
/// Signal name.
pub const ANONYMOUS_SOURCING: &str = "anonymous_sourcing";
/// Signal name.
pub const HEDGING: &str = "hedging";

/// Whether `extract` annotated the document (without it, quote-based signals are unknown).
pub fn extracted(doc: &Document) -> bool {
    !doc.entities.is_empty() || !doc.quotes.is_empty() || !doc.claims.is_empty()
}

/// The distinct named attributions: one per speaker mention (several quotes hung on one
/// "said Blair" count once), as `(start, end, speaker)`.
fn named_attributions(doc: &Document) -> Vec<(usize, usize, &str)> {
    let mut found: Vec<(usize, usize, &str)> = doc
        .quotes
        .iter()
        .filter_map(|q| {
            let speaker = q.speaker.as_deref()?;
            let (start, end) = match (q.speaker_start, q.speaker_end) {
                (Some(s), Some(e)) => (s, e),
                _ => (q.start, q.end),
            };
            Some((start, end, speaker))
        })
        .collect();
    found.sort_unstable();
    found.dedup_by_key(|a| (a.0, a.1));
    found
}

/// The anonymous attributions of a text ("sources said"), as byte spans in order: found once
/// for `attribution` (which leaves them out) and `anonymous_sourcing` (which counts them).
/// `rare` is what the text holds.
pub fn anonymous_spans(text: &str, rare: &Rare) -> Vec<(usize, usize)> {
    if !rare.holds(ANONYMOUS_IN_RARE) {
        return Vec::new();
    }
    ANONYMOUS
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// `attribution`: statements attributed to somebody, per 100 words, full at the configured
/// rate. A statement is a reported-speech cue ("said", "told", "according to"; see
/// `attribution_cues.txt` in the knowledge crate) outside an anonymous cue ("sources said" counts for
/// `anonymous_sourcing`). Cues need no `extract`, so the signal is always computed.
pub fn attribution(
    doc: &Document,
    words: usize,
    anonymous: &[(usize, usize)],
    t: &Thresholds,
) -> Signal {
    let cues: Vec<_> = ATTRIBUTION_CUE
        .find_iter(&doc.text)
        .filter(|m| !anonymous.iter().any(|&(s, e)| m.start() < e && m.end() > s))
        // "easier said than done" attributes nothing.
        .filter(|m| !doc.text[m.end()..].starts_with(" than "))
        .collect();
    let rate = cues.len() as f64 * 100.0 / words.max(100) as f64;
    let evidence = cues
        .iter()
        .map(|m| {
            at(
                &doc.id,
                m.start(),
                m.end(),
                format!("attributed statement: {}", m.as_str()),
            )
        })
        .collect::<Vec<_>>();
    let evidence = if evidence.is_empty() {
        vec![crate::signal::note(
            &doc.id,
            "no statement attributed to a source",
        )]
    } else {
        evidence
    };
    scored(ATTRIBUTION, rate / t.attributions_per_100_words, evidence)
}

/// `direct_quotes`: half for the rate of direct quotes of at least `quote_min_words` words,
/// half for the share of them with an identified speaker.
pub fn direct_quotes(doc: &Document, words: usize, t: &Thresholds) -> Signal {
    if !extracted(doc) {
        return not_applicable(
            &doc.id,
            DIRECT_QUOTES,
            "no quotes annotated (extract did not run)",
        );
    }
    let quotes: Vec<_> = doc
        .quotes
        .iter()
        .filter(|q| q.direct && q.text.split_whitespace().count() >= t.quote_min_words)
        .collect();
    if quotes.is_empty() {
        let note = format!("no direct quote of {} words or more", t.quote_min_words);
        return scored(DIRECT_QUOTES, 0.0, vec![crate::signal::note(&doc.id, note)]);
    }
    let attributed = quotes.iter().filter(|q| q.speaker.is_some()).count();
    let rate = quotes.len() as f64 * 100.0 / words.max(100) as f64;
    let score = 0.5 * (rate / t.quotes_per_100_words).min(1.0)
        + 0.5 * attributed as f64 / quotes.len() as f64;
    let evidence = quotes
        .iter()
        .map(|q| {
            let who = q.speaker.as_deref().unwrap_or("no identified speaker");
            at(&doc.id, q.start, q.end, format!("quote by {who}"))
        })
        .collect();
    scored(DIRECT_QUOTES, score, evidence)
}

/// `anonymous_sourcing`: the share of anonymous attributions among all attributions, 0 at
/// `anonymous_share_zero_at`. Not applicable without any attribution.
pub fn anonymous_sourcing(doc: &Document, anonymous: &[(usize, usize)], t: &Thresholds) -> Signal {
    let named = if extracted(doc) {
        named_attributions(doc).len()
    } else {
        0
    };
    if anonymous.is_empty() && named == 0 {
        return not_applicable(
            &doc.id,
            ANONYMOUS_SOURCING,
            "no attributed statements, named or anonymous",
        );
    }
    let share = anonymous.len() as f64 / (anonymous.len() + named) as f64;
    let score = 1.0 - share / t.anonymous_share_zero_at;
    let mut evidence: Vec<_> = anonymous
        .iter()
        .map(|&(start, end)| {
            at(
                &doc.id,
                start,
                end,
                format!("anonymous source: {}", &doc.text[start..end]),
            )
        })
        .collect();
    if evidence.is_empty() {
        evidence.push(crate::signal::note(
            &doc.id,
            format!("no anonymous source among {named} attributions"),
        ));
    }
    scored(ANONYMOUS_SOURCING, score, evidence)
}

/// The byte spans of a document's direct quotes: what the reporter did not write.
pub fn direct_quote_spans(doc: &Document) -> Vec<(usize, usize)> {
    doc.quotes
        .iter()
        .filter(|q| q.direct)
        .map(|q| (q.start, q.end))
        .collect()
}

/// `hedging`: hedges outside direct quotes per 100 words. Up to `hedges_high_per_100_words`
/// the score is 1 (a hedge is not a fault, and no hedge is none); above it, pervasive
/// speculation falls to 0 at twice that rate. More hedges never raise the score.
pub fn hedging(doc: &Document, words: usize, t: &Thresholds) -> Signal {
    let quoted = direct_quote_spans(doc);
    let hedges: Vec<_> = HEDGE
        .find_iter(&doc.text)
        .filter(|m| !quoted.iter().any(|&(s, e)| m.start() >= s && m.end() <= e))
        .collect();
    let rate = hedges.len() as f64 * 100.0 / words.max(100) as f64;
    let high = t.hedges_high_per_100_words.max(f64::EPSILON);
    let score = 1.0 - ((rate - high) / high).clamp(0.0, 1.0);
    let evidence = hedges
        .iter()
        .map(|m| {
            at(
                &doc.id,
                m.start(),
                m.end(),
                format!("hedge: {}", excerpt(&doc.text, m.start(), m.end())),
            )
        })
        .collect::<Vec<_>>();
    let evidence = if evidence.is_empty() {
        vec![crate::signal::note(&doc.id, "no hedging outside quotes")]
    } else {
        evidence
    };
    scored(HEDGING, score, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::Quote;

    fn doc(text: &str, quotes: Vec<Quote>) -> Document {
        let mut doc = Document::new("d", Default::default(), text.to_owned());
        doc.quotes = quotes;
        doc
    }

    fn quote(text: &str, speaker: Option<&str>, start: usize) -> Quote {
        Quote {
            text: text.into(),
            speaker: speaker.map(str::to_owned),
            direct: true,
            start,
            end: start + text.len(),
            speaker_start: speaker.map(|_| 0),
            speaker_end: speaker.map(|s| s.len()),
            source_start: speaker.map(|_| 0),
            source_end: speaker.map(|s| s.len()),
        }
    }

    #[test]
    fn anonymous_sources_weigh_against_named_ones() {
        let t = Thresholds::default();
        let text =
            "Blair said \"we are ready to help them now\". Sources said the plan may change.";
        let named = doc(
            text,
            vec![quote("we are ready to help them now", Some("Blair"), 12)],
        );
        let s = anonymous_sourcing(&named, &anonymous_spans(text, &Rare::of(text)), &t);
        assert!(s.applicable);
        assert_eq!(
            s.score, 0.0,
            "one anonymous of two attributions is the zero point"
        );
        let plain = doc("The river rose overnight.", vec![]);
        assert!(!anonymous_sourcing(&plain, &[], &t).applicable);
    }

    #[test]
    fn quotes_without_speakers_earn_half() {
        let t = Thresholds::default();
        let text = "\"we are ready to help them now\" and more words here.";
        let unattributed = doc(text, vec![quote("we are ready to help them now", None, 1)]);
        let attributed = doc(
            text,
            vec![quote("we are ready to help them now", Some("Blair"), 1)],
        );
        let (a, b) = (
            direct_quotes(&unattributed, 100, &t),
            direct_quotes(&attributed, 100, &t),
        );
        assert!((b.score - a.score - 0.5).abs() < 1e-9);
        assert_eq!(attribution(&unattributed, 100, &[], &t).score, 0.0);
    }

    #[test]
    fn hedges_inside_quotes_do_not_count() {
        let t = Thresholds::default();
        let text = "\"It may rain\", he said. It may snow.";
        let d = doc(text, vec![quote("It may rain", Some("He"), 1)]);
        let s = hedging(&d, 100, &t);
        assert_eq!(s.evidence.len(), 1);
        assert_eq!(s.evidence[0].start, text.rfind("may"));
    }
}
