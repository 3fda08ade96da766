//! The patterns the document signals look for, compiled once. Word boundaries are ASCII
//! (`(?-u:\b)`) so the fast DFA engines run on any text.

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::{Match, Regex, RegexSet};

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern compiles")
}

/// A pattern every match of which contains one of a few literals (in the same case): one
/// Aho-Corasick pass says whether a text holds any, and only a text that does is searched with
/// the pattern. Most texts hold none, and the literal search is far cheaper than the pattern's.
#[derive(Debug)]
pub struct Prefiltered {
    literals: AhoCorasick,
    pattern: Regex,
}

impl Prefiltered {
    /// `pattern`, searched only in texts holding one of `literals`, which every match of it
    /// contains.
    fn new(literals: impl IntoIterator<Item = String>, pattern: &str) -> Self {
        Self {
            // Only asked whether a text holds one: leftmost-first semantics answer the same,
            // with a vector prefilter (Teddy) for a few literals.
            literals: AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(literals)
                .expect("built-in literals compile"),
            pattern: compile(pattern),
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.literals.is_match(text) && self.pattern.is_match(text)
    }

    /// Every match of the pattern in `text`, in order.
    pub fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Match<'t>> + 't {
        self.literals
            .is_match(text)
            .then(|| self.pattern.find_iter(text))
            .into_iter()
            .flatten()
    }
}

/// Regular-expression alternatives matched case-insensitively as whole (ASCII-bounded) words.
fn whole_words(alternatives: &[&str]) -> Regex {
    compile(&format!(
        r"(?i)(?-u:\b)(?:{})(?-u:\b)",
        alternatives.join("|")
    ))
}

/// Literal phrases as escaped regular-expression alternatives.
fn escaped(phrases: &[&str]) -> String {
    phrases
        .iter()
        .map(|phrase| regex::escape(phrase))
        .collect::<Vec<_>>()
        .join("|")
}

/// Anonymous attribution: "sources said", "officials insist", "speaking anonymously".
pub static ANONYMOUS: LazyLock<Regex> =
    LazyLock::new(|| whole_words(newspipe_knowledge::anonymous_attribution()));

/// Reported-speech cues ("said", "told", "according to"), from the knowledge crate.
pub static ATTRIBUTION_CUE: LazyLock<Regex> = LazyLock::new(|| {
    let cues: Vec<String> = newspipe_knowledge::attribution_cues()
        .iter()
        .map(|cue| regex::escape(cue))
        .collect();
    compile(&format!(r"(?i)(?-u:\b)(?:{})(?-u:\b)", cues.join("|")))
});

/// A word in capitals (four letters or more): in a headline, shouting unless the text writes it
/// in capitals too (an acronym such as NATO).
pub static CAPITALS_WORD: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{Lu}{4,}(?-u:\b)"));

/// Hedges: words that soften an assertion.
pub static HEDGE: LazyLock<Regex> = LazyLock::new(|| whole_words(newspipe_knowledge::hedges()));

/// A named author line in the text: "By Jane Doe", "Author: Jane Doe".
pub static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?m)^[ \t]*(?:{})[ \t]+\p{{Lu}}[\p{{L}}.'’-]+(?:[ \t]+\p{{Lu}}[\p{{L}}.'’-]+){{0,3}}",
        escaped(newspipe_knowledge::byline_labels())
    ))
});

/// Machine-translation residue: a compound split before its hyphen ("peace -resisting").
pub static SPLIT_COMPOUND: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{L}{2,} -\p{L}{2,}"));

/// A capital inside a lower-case word ("eBergation").
pub static MID_WORD_CAPITAL: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{Ll}+\p{Lu}\p{Ll}{2,}(?-u:\b)"));

/// Brand names written with an inner capital on purpose.
pub static INNER_CAPITAL_WORDS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    newspipe_knowledge::inner_capital_words()
        .iter()
        .copied()
        .collect()
});

/// A military rank abbreviation followed by a lower-case letter ("Lt.-gen.").
pub static RANK_LOWERCASE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?-u:\b)(?:{})\.-?\p{{Ll}}",
        escaped(newspipe_knowledge::military_ranks())
    ))
});

/// Markers of a syndicated or republished copy: an aggregator's or a wire agency's credit, or
/// a republication note, as the knowledge crate defines them for dedupe too.
pub static SYNDICATION: LazyLock<Regex> = LazyLock::new(|| compile(&syndication_pattern()));

fn syndication_pattern() -> String {
    format!(
        "(?:{})|(?:{})|(?:{})",
        newspipe_knowledge::aggregator_credit_pattern(),
        newspipe_knowledge::wire_credit_pattern(),
        newspipe_knowledge::republication_pattern()
    )
}

/// An aggregator's disclaimer that it does not stand behind what it publishes: the ones
/// normalize cuts and the liability disclaimers it leaves in.
pub static AGGREGATOR_DISCLAIMER: LazyLock<Regex> =
    LazyLock::new(|| compile(&aggregator_disclaimer_pattern()));

fn aggregator_disclaimer_pattern() -> String {
    format!(
        "{}|(?i:{})",
        newspipe_knowledge::aggregator_disclaimer_pattern(),
        newspipe_knowledge::liability_disclaimers().join("|")
    )
}

/// [`SYNDICATION`] and [`AGGREGATOR_DISCLAIMER`] as one set (at [`SYNDICATION_IN_SET`] and
/// [`DISCLAIMER_IN_SET`]): every document is asked for both, and one pass over its text
/// answers for the two (a third less time than two searches on the real rows).
pub static COPY_MARKERS: LazyLock<RegexSet> =
    LazyLock::new(|| set_of([syndication_pattern(), aggregator_disclaimer_pattern()]));

/// The index of [`SYNDICATION`] in [`COPY_MARKERS`].
pub const SYNDICATION_IN_SET: usize = 0;
/// The index of [`AGGREGATOR_DISCLAIMER`] in [`COPY_MARKERS`].
pub const DISCLAIMER_IN_SET: usize = 1;

/// Patterns that every document's text is searched for and most texts do not hold, as one set
/// (at the `…_IN_RARE` indexes): one pass over a text says whether it holds any and, if it
/// does, another which ([`Rare`]); only those are searched again for where they are. On the
/// wire row's texts 17 ms against 30 ms for a search for each (before the first pass was
/// added). (With the copy markers in it too the set is slower than the two sets apart: 79 ms
/// against 33 ms; its automaton grows too large.)
pub static RARE: LazyLock<RegexSet> = LazyLock::new(|| {
    set_of([
        ANONYMOUS.as_str(),
        MID_WORD_CAPITAL.as_str(),
        RANK_LOWERCASE.as_str(),
    ])
});

/// The index of [`ANONYMOUS`] in [`RARE`].
pub const ANONYMOUS_IN_RARE: usize = 0;
/// The index of [`MID_WORD_CAPITAL`] in [`RARE`].
pub const MID_WORD_CAPITAL_IN_RARE: usize = 1;
/// The index of [`RANK_LOWERCASE`] in [`RARE`].
pub const RANK_LOWERCASE_IN_RARE: usize = 2;

/// The patterns as one set, each at its position in `patterns` (the `…_IN_SET` and
/// `…_IN_RARE` indexes name the positions; the tests check that they match).
fn set_of<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> RegexSet {
    RegexSet::new(patterns).expect("built-in pattern compiles")
}

/// Which patterns of `set` match `text`; `None` when none does. Asked first with a search that
/// may stop at the first match, which costs less a byte than one that finds which patterns
/// match: the sets here hold patterns most texts have none of.
pub fn matches_if_any(set: &RegexSet, text: &str) -> Option<regex::SetMatches> {
    set.is_match(text).then(|| set.matches(text))
}

/// Which of the [`RARE`] patterns a text holds (`None`: none of them).
#[derive(Debug)]
pub struct Rare(Option<regex::SetMatches>);

impl Rare {
    /// Searches `text` for the rare patterns ([`matches_if_any`]).
    pub fn of(text: &str) -> Self {
        Self(matches_if_any(&RARE, text))
    }

    /// Whether the text holds the pattern at `index` of [`RARE`].
    pub fn holds(&self, index: usize) -> bool {
        self.0.as_ref().is_some_and(|found| found.matched(index))
    }
}

/// A closing summary formula typical of generated rewrites ("In conclusion,"); only texts
/// holding a formula and its comma are searched.
pub static SUMMARY_MARKER: LazyLock<Prefiltered> = LazyLock::new(|| {
    let formulas = newspipe_knowledge::summary_formulas();
    Prefiltered::new(
        formulas.iter().map(|formula| format!("{formula},")),
        &format!(r"(?m)(?:^|[.!?]\s+)(?:{}),", escaped(formulas)),
    )
});

/// Words too common to tell two claims apart.
pub static STOPWORDS: LazyLock<FxHashSet<&str>> =
    LazyLock::new(|| newspipe_knowledge::stopwords().iter().copied().collect());

/// Compiles every pattern and word set of this module (the document signals read each text
/// with most of them), for the stage's warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&ANONYMOUS);
    LazyLock::force(&ATTRIBUTION_CUE);
    LazyLock::force(&CAPITALS_WORD);
    LazyLock::force(&HEDGE);
    LazyLock::force(&BYLINE);
    LazyLock::force(&SPLIT_COMPOUND);
    LazyLock::force(&MID_WORD_CAPITAL);
    LazyLock::force(&INNER_CAPITAL_WORDS);
    LazyLock::force(&RANK_LOWERCASE);
    LazyLock::force(&SYNDICATION);
    LazyLock::force(&AGGREGATOR_DISCLAIMER);
    LazyLock::force(&COPY_MARKERS);
    LazyLock::force(&RARE);
    LazyLock::force(&SUMMARY_MARKER);
    LazyLock::force(&STOPWORDS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rare_set_holds_what_each_pattern_matches() {
        let patterns: [(usize, &Regex); 3] = [
            (ANONYMOUS_IN_RARE, &ANONYMOUS),
            (MID_WORD_CAPITAL_IN_RARE, &MID_WORD_CAPITAL),
            (RANK_LOWERCASE_IN_RARE, &RANK_LOWERCASE),
        ];
        let texts = [
            "",
            "The council met on Monday.",
            "Officials said, speaking on condition of anonymity, that it met.",
            "Sources said the council met.",
            "The eBergation of the council.",
            "The Lt.-gen. spoke.",
            "Sources said the eBergation of the Lt.-gen. was over.",
            "ЖУРНАЛ пишет: the council met.",
        ];
        for text in texts {
            let rare = Rare::of(text);
            for (index, pattern) in patterns {
                assert_eq!(
                    rare.holds(index),
                    pattern.is_match(text),
                    "pattern {index} in {text:?}"
                );
            }
        }
        // Every pattern is matched by one of the texts, so that a wrong index fails.
        for (index, pattern) in patterns {
            assert!(
                texts.iter().any(|text| pattern.is_match(text)),
                "no text for pattern {index}"
            );
        }
    }
}
