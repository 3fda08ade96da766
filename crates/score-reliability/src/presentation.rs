//! How the report is presented: a byline, page furniture left in the text,
//! machine-translation residue and a sensational style.

use newspipe_core::{Document, Evidence, RemovedKind, Signal};

use crate::config::Thresholds;
use crate::lexicon::{
    Rare, BYLINE, CAPITALS_WORD, INNER_CAPITAL_WORDS, MID_WORD_CAPITAL, MID_WORD_CAPITAL_IN_RARE,
    RANK_LOWERCASE, RANK_LOWERCASE_IN_RARE, SPLIT_COMPOUND,
};
use crate::signal::{at, excerpt, locate, note, scored};

/// Signal name.
pub const BYLINE_SIGNAL: &str = "byline";
/// Signal name.
pub const RESIDUAL_BOILERPLATE: &str = "residual_boilerplate";
/// Signal name.
pub const SENSATIONALISM: &str = "sensationalism";
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
    // The pattern only where a line opens with a label ("By", "Author:").
    let labelled = head.split('\n').any(|line| {
        let line = line.trim_start_matches([' ', '\t']);
        newspipe_knowledge::byline_labels()
            .iter()
            .any(|label| line.starts_with(label))
    });
    match labelled.then(|| BYLINE.find(head)).flatten() {
        Some(m) => scored(
            BYLINE_SIGNAL,
            1.0,
            vec![at(&doc.id, m.start(), m.end(), "author line")],
        ),
        None => scored(BYLINE_SIGNAL, 0.0, vec![note(&doc.id, "no named author")]),
    }
}

/// `residual_boilerplate`: 75% for the share of the text that is still page furniture (menus,
/// share and subscribe lines, credits, footers), 0 at `residual_boilerplate_zero_at`; 25% for
/// the share of the input that was furniture normalize had to cut, halved at
/// `removed_boilerplate_half_at` and never 0: chrome around a report lowers it a little even
/// when it is cleaned away (however much a page already had), and more when it is left in.
pub fn residual_boilerplate(doc: &Document, t: &Thresholds) -> Signal {
    // Normalize's boilerplate rules, so that what normalize cuts and what this stage counts as
    // furniture are one thing.
    let residual = newspipe_knowledge::LineMatcher::builtin().furniture_spans(&doc.text);
    let residual_chars: usize = residual.iter().map(|&(s, e)| e - s).sum();
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
    let score = 0.75 * (1.0 - (residual_share / t.residual_boilerplate_zero_at).min(1.0))
        + 0.25 / (1.0 + removed_share / t.removed_boilerplate_half_at);
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
                "{} pieces of page furniture ({:.0}% of the input) cut by normalize",
                removed.len(),
                removed_share * 100.0
            ),
        ));
    }
    if evidence.is_empty() {
        evidence.push(note(&doc.id, "no page furniture found"));
    }
    scored(RESIDUAL_BOILERPLATE, score, evidence)
}

/// One machine-translation artifact: its span and the detector that found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// Which detector: `split_compound`, `mid_word_capital` or `rank_lowercase`.
    pub detector: &'static str,
}

/// Slips a human-written text makes too: up to this many artifacts in a document are typos,
/// not translation residue, which recurs.
pub const TYPO_ALLOWANCE: usize = 2;

/// Every candidate machine-translation artifact in a text, in order. Only the residue a
/// translation engine leaves is looked for (compounds split before their hyphen, capitals
/// inside words, rank abbreviations in lower case); spacing slips, doubled words and stray
/// quote marks are ordinary typing and scraping errors.
pub fn find_artifacts(text: &str) -> Vec<Artifact> {
    artifacts_in(text, &Rare::of(text))
}

/// [`find_artifacts`] of a text that holds the [`Rare`] patterns `rare` says it does.
fn artifacts_in(text: &str, rare: &Rare) -> Vec<Artifact> {
    let mut found = Vec::new();
    let mut push = |start, end, detector| {
        found.push(Artifact {
            start,
            end,
            detector,
        })
    };
    // The pattern with a literal is only run on texts that have it.
    if text.contains(" -") {
        for m in SPLIT_COMPOUND.find_iter(text) {
            push(m.start(), m.end(), "split_compound");
        }
    }
    if rare.holds(MID_WORD_CAPITAL_IN_RARE) {
        for m in MID_WORD_CAPITAL.find_iter(text) {
            if !INNER_CAPITAL_WORDS.contains(m.as_str().to_lowercase().as_str()) {
                push(m.start(), m.end(), "mid_word_capital");
            }
        }
    }
    if rare.holds(RANK_LOWERCASE_IN_RARE) {
        for m in RANK_LOWERCASE.find_iter(text) {
            push(m.start(), m.end(), "rank_lowercase");
        }
    }
    found.sort_by_key(|a| (a.start, a.end));
    found
}

/// The artifacts that count as translation residue: none when there are no more than
/// [`TYPO_ALLOWANCE`] (a slip or two is a typo), else all of them.
pub fn translation_residue(text: &str) -> Vec<Artifact> {
    residue_in(text, &Rare::of(text))
}

/// [`translation_residue`] of a text that holds the [`Rare`] patterns `rare` says it does.
pub(crate) fn residue_in(text: &str, rare: &Rare) -> Vec<Artifact> {
    let found = artifacts_in(text, rare);
    if found.len() <= TYPO_ALLOWANCE {
        Vec::new()
    } else {
        found
    }
}

/// `mt_artifacts`: translation residue (see [`translation_residue`]) per 1,000 words (counting
/// at least 200 words), 0 at `mt_artifacts_zero_at_per_1000_words`.
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

/// `sensationalism`: 1 for a sober report. Fake and hyperpartisan stories shout and exclaim,
/// titles most of all (Horne and Adalı 2017). The headline (70%, when there is one) scores 0
/// when it shouts (a word in capitals the text does not write in capitals, so not an acronym)
/// or exclaims; the reporter's own text (30%) loses for exclamation marks outside direct
/// quotes, 0 at `exclamations_zero_at_per_100_words`.
pub fn sensationalism(doc: &Document, words: usize, t: &Thresholds) -> Signal {
    let quoted = crate::sourcing::direct_quote_spans(doc);
    let exclamations: Vec<usize> = doc
        .text
        .match_indices('!')
        .map(|(i, _)| i)
        .filter(|&i| !quoted.iter().any(|&(s, e)| i >= s && i < e))
        .collect();
    let rate = exclamations.len() as f64 * 100.0 / words.max(100) as f64;
    let text_score = 1.0 - (rate / t.exclamations_zero_at_per_100_words).min(1.0);
    let mut evidence: Vec<Evidence> = exclamations
        .iter()
        .map(|&i| at(&doc.id, i, i + 1, "exclamation mark in the reporter's text"))
        .collect();
    let headline = doc
        .meta
        .title
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let score = match headline {
        None => text_score,
        Some(headline) => {
            let shouted: Vec<&str> = CAPITALS_WORD
                .find_iter(headline)
                .map(|m| m.as_str())
                .filter(|w| !doc.text.contains(w))
                .collect();
            let exclaims = headline.contains('!');
            if !shouted.is_empty() {
                let words = shouted.join(", ");
                evidence.push(note(&doc.id, format!("headline shouts: {words}")));
            }
            if exclaims {
                evidence.push(note(&doc.id, "exclamation mark in the headline"));
            }
            let sober_headline = shouted.is_empty() && !exclaims;
            0.7 * f64::from(u8::from(sober_headline)) + 0.3 * text_score
        }
    };
    if evidence.is_empty() {
        evidence.push(note(&doc.id, "no shouting or exclaiming"));
    }
    scored(SENSATIONALISM, score, evidence)
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
    }

    #[test]
    fn typing_slips_are_not_translation_residue() {
        let slips = "the war.The next, guarantees“as close, \"wrote Jensen, went to the the shop, a NATO -prioritized purchase";
        assert_eq!(detectors(slips), ["split_compound"]);
        assert!(translation_residue(slips).is_empty(), "one slip is a typo");
        let garbled = "a peace -resisting force, high -ranking officers, decision -makers";
        assert_eq!(translation_residue(garbled).len(), 3);
    }

    #[test]
    fn clean_text_has_none() {
        let clean = "Lt.-Gen. Steve Boivin said a well-known iPhone app was “fine,” she said.\n\"Plain quotes\" are fine. The U.S. and e.g. Washington, D.C. too. That that is rare.";
        assert_eq!(detectors(clean), Vec::<&str>::new());
    }

    #[test]
    fn credits_are_credit_lines_not_sentences_about_pictures() {
        let t = Thresholds::default();
        let doc = |text: &str| Document::new("d", Default::default(), text.to_owned());
        let sentence = "He posted pictures of Hillary in the past and a photo of the mayor.";
        assert_eq!(residual_boilerplate(&doc(sentence), &t).score, 1.0);
        let credit = "Pictures of Getty Images, Reuters and the Canadian press.";
        assert!(residual_boilerplate(&doc(&format!("{sentence}\n{credit}")), &t).score < 1.0);
    }

    #[test]
    fn an_author_line_is_found_only_where_a_line_opens_with_a_label() {
        let doc = |text: &str| Document::new("d", Default::default(), text.to_owned());
        let found = |text: &str| byline(&doc(text)).score;
        assert_eq!(found("Officials met.\n \tBy Jane Doe\nMore text."), 1.0);
        assert_eq!(found("Author: Jane Doe"), 1.0);
        assert_eq!(found("Officials met by Jane Doe's office."), 0.0);
        assert_eq!(found("Officials met.\nby the river, Doe said."), 0.0);
    }

    #[test]
    fn summary_formulas_open_a_sentence_with_a_comma() {
        use crate::lexicon::SUMMARY_MARKER;
        let text = "Prices rose. In conclusion, the plan works.\nOverall, fine.";
        let found: Vec<&str> = SUMMARY_MARKER
            .find_iter(text)
            .map(|m| m.as_str().trim())
            .collect();
        // A match starts at the full stop before the formula, across the line break too.
        assert_eq!(found, [". In conclusion,", ".\nOverall,"]);
        assert!(!SUMMARY_MARKER.is_match("In conclusion the plan works; overall, fine."));
    }

    #[test]
    fn shouting_and_exclaiming_are_sensational() {
        let t = Thresholds::default();
        let text = "NATO leaders met in Brussels on Monday to discuss the budget.";
        let with_title = |title: &str, text: &str| {
            let mut doc = Document::new("d", Default::default(), text.to_owned());
            doc.meta.title = Some(title.to_owned());
            sensationalism(&doc, 100, &t).score
        };
        let sober = with_title("NATO leaders discuss the budget", text);
        assert_eq!(sober, 1.0, "an acronym the text also writes is no shouting");
        assert!(with_title("BREAKING: NATO leaders discuss the budget", text) < sober);
        assert!(with_title("NATO leaders discuss the budget!", text) < sober);
        assert!(
            with_title(
                "NATO leaders discuss the budget",
                &format!("{text} Shocking!")
            ) < sober
        );
    }
}
