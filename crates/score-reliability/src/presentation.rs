//! How the report is presented: a byline, page furniture left in the text, and
//! machine-translation residue.

use newspipe_core::{Document, Evidence, RemovedKind, Signal};

use crate::config::Thresholds;
use crate::lexicon::{
    BOILERPLATE_LINE, BROKEN_QUOTE, BYLINE, CREDIT, INNER_CAPITAL_WORDS, MID_WORD_CAPITAL,
    MISSING_SPACE, RANK_LOWERCASE, REPEATABLE_FUNCTION_WORDS, SPLIT_COMPOUND,
};
use crate::signal::{at, excerpt, locate, note, scored};

/// Signal name.
pub const BYLINE_SIGNAL: &str = "byline";
/// Signal name.
pub const BOILERPLATE: &str = "boilerplate";
/// Signal name.
pub const MT_ARTIFACTS: &str = "mt_artifacts";

/// `byline`: 1 with a named author (from the page's metadata or an author line in the text),
/// else 0.
pub fn byline(doc: &Document) -> Signal {
    if let Some(author) = doc.meta.byline.as_deref().filter(|b| !b.trim().is_empty()) {
        return scored(
            BYLINE_SIGNAL,
            1.0,
            vec![locate(doc, author, &format!("byline: {author}"))],
        );
    }
    let head = doc
        .text
        .get(..doc.text.len().min(2000))
        .unwrap_or(&doc.text);
    match BYLINE.find(head) {
        Some(m) => scored(
            BYLINE_SIGNAL,
            1.0,
            vec![at(&doc.id, m.start(), m.end(), "author line")],
        ),
        None => scored(BYLINE_SIGNAL, 0.0, vec![note(&doc.id, "no named author")]),
    }
}

/// `boilerplate`: 80% for the share of the text that is still page furniture (0 at
/// `residual_boilerplate_zero_at`), 20% for the share of the page normalize had to cut (0 at
/// 80%), which says more about the page than about the report.
pub fn boilerplate(doc: &Document, t: &Thresholds) -> Signal {
    let mut residual: Vec<(usize, usize)> = BOILERPLATE_LINE
        .find_iter(&doc.text)
        .chain(CREDIT.find_iter(&doc.text))
        .filter(|m| !m.as_str().trim().is_empty())
        .map(|m| (m.start(), m.end()))
        .collect();
    residual.sort_unstable();
    residual.dedup();
    let residual_chars: usize = residual.iter().map(|(s, e)| e - s).sum();
    let content = doc.text.trim().len().max(1);
    let residual_share = residual_chars as f64 / content as f64;
    let furniture = |kind: RemovedKind| {
        matches!(
            kind,
            RemovedKind::Nav
                | RemovedKind::Subscribe
                | RemovedKind::Teaser
                | RemovedKind::Credit
                | RemovedKind::Footer
                | RemovedKind::Disclaimer
        )
    };
    let removed: Vec<_> = doc.removed.iter().filter(|r| furniture(r.kind)).collect();
    let removed_chars: usize = removed.iter().map(|r| r.end.saturating_sub(r.start)).sum();
    let removed_share = removed_chars as f64 / doc.raw.len().max(1) as f64;
    let score = 0.8 * (1.0 - (residual_share / t.residual_boilerplate_zero_at).min(1.0))
        + 0.2 * (1.0 - (removed_share / 0.8).min(1.0));
    let mut evidence: Vec<Evidence> = residual
        .iter()
        .map(|&(s, e)| {
            at(
                &doc.id,
                s,
                e,
                format!(
                    "page furniture left in the text: {}",
                    excerpt(&doc.text, s, e)
                ),
            )
        })
        .collect();
    if !removed.is_empty() {
        evidence.push(note(
            &doc.id,
            format!(
                "{} pieces ({:.0}% of the page) cut by normalize",
                removed.len(),
                removed_share * 100.0
            ),
        ));
    }
    if evidence.is_empty() {
        evidence.push(note(&doc.id, "no page furniture found"));
    }
    scored(BOILERPLATE, score, evidence)
}

/// One machine-translation artifact: its span and the detector that found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// Which detector: `split_compound`, `mid_word_capital`, `rank_lowercase`,
    /// `broken_quote`, `mixed_quotes`, `missing_space`, `repeated_word`.
    pub detector: &'static str,
}

/// Every machine-translation artifact in a text, in order.
pub fn find_artifacts(text: &str) -> Vec<Artifact> {
    let mut found = Vec::new();
    let mut push = |start, end, detector| {
        found.push(Artifact {
            start,
            end,
            detector,
        })
    };
    // The patterns with a literal are only run on texts that have it.
    if text.contains(" -") {
        for m in SPLIT_COMPOUND.find_iter(text) {
            push(m.start(), m.end(), "split_compound");
        }
    }
    for m in MID_WORD_CAPITAL.find_iter(text) {
        if !INNER_CAPITAL_WORDS.contains(&m.as_str().to_lowercase().as_str()) {
            push(m.start(), m.end(), "mid_word_capital");
        }
    }
    for m in RANK_LOWERCASE.find_iter(text) {
        push(m.start(), m.end(), "rank_lowercase");
    }
    if text.contains('“') {
        for m in BROKEN_QUOTE.find_iter(text) {
            push(m.start(), m.end(), "broken_quote");
        }
    }
    for m in MISSING_SPACE.find_iter(text) {
        push(m.start(), m.end(), "missing_space");
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let curly = line.contains(['“', '”']);
        if let Some(straight) = line.find('"').filter(|_| curly) {
            push(offset + straight, offset + straight + 1, "mixed_quotes");
        }
        offset += line.len();
    }
    let mut previous: Option<(usize, &str)> = None;
    for (start, word) in words_with_offsets(text) {
        if let Some((_, last)) = previous {
            let lower = word.to_lowercase();
            if last.eq_ignore_ascii_case(word)
                && REPEATABLE_FUNCTION_WORDS.contains(&lower.as_str())
            {
                push(start, start + word.len(), "repeated_word");
            }
        }
        previous = Some((start, word));
    }
    found.sort_by_key(|a| (a.start, a.end));
    found
}

fn words_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .scan(0usize, move |pos, word| {
            let start = *pos;
            *pos += word.len()
                + text[*pos + word.len()..]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
            Some((start, word))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// `mt_artifacts`: artifacts per 1,000 words (counting at least 200 words, so one slip in a
/// short text is not fatal), 0 at `mt_artifacts_zero_at_per_1000_words`.
pub fn mt_artifacts(
    doc: &Document,
    artifacts: &[Artifact],
    words: usize,
    t: &Thresholds,
) -> Signal {
    let rate = artifacts.len() as f64 * 1000.0 / words.max(200) as f64;
    let score = 1.0 - rate / t.mt_artifacts_zero_at_per_1000_words;
    let evidence = artifacts
        .iter()
        .map(|a| {
            at(
                &doc.id,
                a.start,
                a.end,
                format!("{}: {}", a.detector, excerpt(&doc.text, a.start, a.end)),
            )
        })
        .collect::<Vec<_>>();
    let evidence = if evidence.is_empty() {
        vec![note(&doc.id, "no machine-translation artifacts found")]
    } else {
        evidence
    };
    scored(MT_ARTIFACTS, score, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detectors(text: &str) -> Vec<&'static str> {
        find_artifacts(text)
            .into_iter()
            .map(|a| a.detector)
            .collect()
    }

    #[test]
    fn finds_each_kind_of_residue() {
        assert_eq!(detectors("a peace -resisting force"), ["split_compound"]);
        assert_eq!(detectors("to the eBergation both"), ["mid_word_capital"]);
        assert_eq!(detectors("Lt.-gen. Steve Boivin"), ["rank_lowercase"]);
        assert_eq!(detectors("guarantees“as close"), ["broken_quote"]);
        assert_eq!(detectors("the war.The next"), ["missing_space"]);
        assert_eq!(detectors("“a quote, \"wrote Jensen"), ["mixed_quotes"]);
        assert_eq!(detectors("went to the the shop"), ["repeated_word"]);
    }

    #[test]
    fn clean_text_has_none() {
        let clean = "Lt.-Gen. Steve Boivin said a well-known iPhone app was “fine,” she said.\n\"Plain quotes\" are fine. The U.S. and e.g. Washington, D.C. too. That that is rare.";
        assert_eq!(detectors(clean), Vec::<&str>::new());
    }
}
