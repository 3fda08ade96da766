//! The boilerplate line rules and the picture-credit sentence, compiled once into one matcher
//! that every stage uses, so that "a line of page furniture" and "a photo credit" mean the same
//! thing in normalize (which cuts them) and in score-reliability (which counts what is left).
//!
//! Most lines match no rule, so the matcher is built to say so cheaply: every alternative of
//! every rule has a finite set of literals one of which any match contains (prefixes, suffixes
//! or inner words, as `regex-syntax` extracts them), and one pass over the line (see
//! [`StartFiltered`]) finds which rules can match at all. Only those, and only when the line is
//! short enough for them, run their regular expression. To scan a whole text, one more set per
//! word limit holds only the literals of the rules a line of that many words can match, so a
//! long paragraph is searched for the few literals of the rules that allow long lines.

use aho_corasick::AhoCorasick;
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{Hir, HirKind};

use crate::start_filter::StartFiltered;
use crate::LineRule;

/// Lines of up to this many words (menu entries, buttons, labels, headings) are searched for
/// every rule's literals; longer ones only for those of the rules that allow longer lines.
const SHORT_LINE_WORDS: usize = 12;

/// The compiled boilerplate rules with the picture-credit pattern: see the module docs.
#[derive(Debug, Clone)]
pub struct LineMatcher {
    rules: Vec<LineRule>,
    /// One regular expression per rule (its alternatives joined).
    regexes: Vec<Regex>,
    /// The literals of every alternative that has them, then the credit cues.
    literals: LiteralSet,
    /// For each rule literal of `literals`, the rule it belongs to (one bit); the cues after
    /// them belong to none.
    literal_rule: Vec<u64>,
    /// Rules with an alternative no literal set covers: always candidates.
    unfiltered: u64,
    /// The literals of the rules that allow lines of more than [`SHORT_LINE_WORDS`] words,
    /// then the credit cues, for the lines that long: they hold short literals of rules for
    /// short lines ("ad", "x", "tag") often, and need not stop at each.
    long_line_literals: LiteralSet,
    /// For each rule literal of `long_line_literals`, the rule it belongs to (one bit).
    long_line_rule: Vec<u64>,
    credit_sentence: Regex,
    credit_cues: AhoCorasick,
}

impl LineMatcher {
    /// Compiles the built-in rules with the user's own photo agencies (any case) added. With
    /// none, a copy of [`builtin`](Self::builtin) (sharing its compiled regexes): normalize and
    /// score-reliability then compile the rules once a process, not once each.
    pub fn new(extra_agencies: &[String]) -> Result<Self, regex::Error> {
        if extra_agencies.is_empty() {
            return Ok(Self::builtin().clone());
        }
        Self::compile(extra_agencies)
    }

    /// Compiles the built-in rules with these photo agencies added.
    fn compile(extra_agencies: &[String]) -> Result<Self, regex::Error> {
        let rules = crate::boilerplate_rules_with(extra_agencies);
        assert!(rules.len() <= 64, "at most 64 boilerplate rules");
        let regexes = rules
            .iter()
            .map(|rule| Regex::new(&rule.pattern()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut literal_rule = Vec::new();
        let mut unfiltered = 0u64;
        for (i, rule) in rules.iter().enumerate() {
            let mut rule_literals = Vec::new();
            for alternative in &rule.alternatives {
                match required_literals(alternative) {
                    Some(found) => rule_literals.extend(found),
                    None => unfiltered |= 1 << i,
                }
            }
            let rule_literals = without_containing(rule_literals);
            literal_rule.extend(std::iter::repeat_n(1u64 << i, rule_literals.len()));
            literals.extend(rule_literals);
        }
        let (long_literals, long_line_rule): (Vec<&Vec<u8>>, Vec<u64>) = literals
            .iter()
            .zip(&literal_rule)
            .filter(|(_, &bit)| rules[bit.trailing_zeros() as usize].max_words > SHORT_LINE_WORDS)
            .unzip();
        let cues: Vec<Vec<u8>> = crate::credit_sentence_cues()
            .iter()
            .map(|c| c.as_bytes().to_vec())
            .collect();
        // The cues too (they belong to no rule): they make a line of any length a candidate.
        let long_line_literals: Vec<Vec<u8>> =
            long_literals.into_iter().chain(&cues).cloned().collect();
        // The cues after the rule literals in one set too, so that one search of a short
        // line finds both (see `furniture_spans`).
        literals.extend(cues.iter().cloned());
        // Only asked whether a line holds a cue: leftmost-first semantics find the same lines,
        // and let the search skip to candidates with a vector prefilter (Teddy) instead of
        // stopping at every byte the standard semantics' prefilter picks out.
        let credit_cues = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&cues)
            .map_err(|e| regex::Error::Syntax(format!("credit cues: {e}")))?;
        Ok(Self {
            rules,
            regexes,
            literals: LiteralSet::new(&literals),
            literal_rule,
            unfiltered,
            long_line_literals: LiteralSet::new(&long_line_literals),
            long_line_rule,
            credit_sentence: Regex::new(&crate::credit_sentence_pattern(extra_agencies))?,
            credit_cues,
        })
    }

    /// The matcher of the built-in rules, compiled once.
    pub fn builtin() -> &'static Self {
        static MATCHER: std::sync::LazyLock<LineMatcher> = std::sync::LazyLock::new(|| {
            LineMatcher::compile(&[]).expect("the built-in boilerplate rules compile")
        });
        &MATCHER
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &[LineRule] {
        &self.rules
    }

    /// The first rule (its position in [`rules`](Self::rules)) that matches a line of `words`
    /// words, folded with [`fold_line`] (or normalize's `fold_for_matching`) and trimmed.
    pub fn match_line(&self, folded: &str, words: usize) -> Option<usize> {
        self.line_hits(folded, &self.literals, &self.literal_rule)
            .matching_rule(self, folded, words)
    }

    /// The rules whose literals a folded line holds and whether it holds a credit cue: one
    /// search of `literals`, the rule literals of `rule_of` followed by the cues.
    fn line_hits(&self, folded: &str, literals: &LiteralSet, rule_of: &[u64]) -> LineHits {
        let mut hits = LineHits {
            rules: self.unfiltered,
            cue: false,
        };
        literals.each_held(folded.as_bytes(), |literal| {
            // Past the rule literals come the credit cues.
            match rule_of.get(literal) {
                Some(&rule) => hits.rules |= rule,
                None => hits.cue = true,
            }
        });
        hits
    }
}

/// What one search of a folded line found: the rules it may match (with the unfiltered ones)
/// and whether it holds a credit cue.
struct LineHits {
    rules: u64,
    cue: bool,
}

impl LineHits {
    /// The first of the candidate rules that allows a line of `words` words and matches it.
    fn matching_rule(&self, matcher: &LineMatcher, folded: &str, words: usize) -> Option<usize> {
        let mut candidates = self.rules;
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            if words <= matcher.rules[i].max_words && matcher.regexes[i].is_match(folded) {
                return Some(i);
            }
        }
        None
    }

    /// Whether a line of `words` words is worth matching: a candidate rule allows lines that
    /// long, or it holds a credit cue.
    fn worth_matching(&self, matcher: &LineMatcher, words: usize) -> bool {
        self.cue || {
            let mut candidates = self.rules;
            let mut allowed = false;
            while candidates != 0 && !allowed {
                let i = candidates.trailing_zeros() as usize;
                candidates &= candidates - 1;
                allowed = words <= matcher.rules[i].max_words;
            }
            allowed
        }
    }
}

impl LineMatcher {
    /// Where a picture credit that ends a line of prose starts ("… compatible. Pictures of
    /// Getty Images, Reuters and the Canadian press."), as a byte offset into `line` (its
    /// trimmed form as printed); `folded` is the line folded (only searched when it has a cue
    /// word). A line that is all credit gives `Some(0)`.
    pub fn credit_sentence(&self, line: &str, folded: &str) -> Option<usize> {
        if !self.credit_cues.is_match(folded) {
            return None;
        }
        self.credit_sentence_start(line)
    }

    /// Where the picture credit that ends `line` starts, for a line known to hold a cue.
    fn credit_sentence_start(&self, line: &str) -> Option<usize> {
        Some(self.credit_sentence.captures(line)?.get(1)?.start())
    }
}

impl LineMatcher {
    /// The page furniture in a text, as byte spans in order: each line (trimmed) that a rule
    /// matches, else the picture credit that ends it. The same answer as folding every line and
    /// asking [`match_line`](Self::match_line) and [`credit_sentence`](Self::credit_sentence),
    /// but a line is only matched when it holds a literal of a rule its word count allows or a
    /// credit cue. A plain line (ASCII, single spaces: most of what normalize writes) folds to
    /// its ASCII lower case; any other line is folded in full.
    pub fn furniture_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut folded = String::new();
        let mut line_start = 0;
        while line_start < text.len() {
            let line_end = memchr::memchr(b'\n', &text.as_bytes()[line_start..])
                .map_or(text.len(), |n| line_start + n + 1);
            let line = &text[line_start..line_end];
            let at = line_start + (line.len() - line.trim_start().len());
            line_start = line_end;
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            // A plain line (see [`is_plain`]: most of what normalize writes) folds to its
            // lower case.
            folded.clear();
            if is_plain(trimmed.as_bytes()) {
                folded.push_str(trimmed);
                folded.make_ascii_lowercase();
            } else {
                fold_line_into(trimmed, &mut folded);
            }
            // The folded line has one space between words.
            let words = folded.bytes().filter(|&b| b == b' ').count() + 1;
            // One search finds the rules the line may match and whether it holds a credit cue;
            // a long line is searched only for the literals of the rules that allow long lines
            // (and the cues): it holds short literals of rules for short lines ("ad", "x",
            // "tag") often, and need not stop at each.
            let hits = if words > SHORT_LINE_WORDS {
                self.line_hits(&folded, &self.long_line_literals, &self.long_line_rule)
            } else {
                self.line_hits(&folded, &self.literals, &self.literal_rule)
            };
            if !hits.worth_matching(self, words) {
                continue;
            }
            if hits.matching_rule(self, &folded, words).is_some() {
                spans.push((at, at + trimmed.len()));
            } else if hits.cue {
                if let Some(credit) = self.credit_sentence_start(trimmed) {
                    spans.push((at + credit, at + trimmed.len()));
                }
            }
        }
        spans
    }
}

/// Literals searched for in a line: those of four bytes or more at the positions their first
/// bytes allow ([`StartFiltered`]; the boilerplate literals' automaton took 2 MB as a DFA, which
/// missed the caches at most bytes, and its build was a tenth of a short run's start-up), the
/// few shorter ones ("x", "ad", "tag", "©") one by one.
#[derive(Debug, Clone)]
struct LiteralSet {
    /// The literals of four bytes or more.
    long: StartFiltered,
    /// The index in the set of each of `long`'s literals.
    long_index: Vec<usize>,
    /// The literals shorter than four bytes, with their index in the set.
    short: Vec<(memchr::memmem::Finder<'static>, usize)>,
}

impl LiteralSet {
    /// The set of these literals (none empty), each known by its index.
    fn new(literals: &[Vec<u8>]) -> Self {
        let (long, short): (Vec<usize>, Vec<usize>) =
            (0..literals.len()).partition(|&i| literals[i].len() >= 4);
        Self {
            long: StartFiltered::new(&long.iter().map(|&i| &literals[i]).collect::<Vec<_>>()),
            short: short
                .iter()
                .map(|&i| (memchr::memmem::Finder::new(&literals[i]).into_owned(), i))
                .collect(),
            long_index: long,
        }
    }

    /// Calls `found` with the index of each literal `text` holds, once or more: what an
    /// automaton of them finds in an overlapping search.
    fn each_held(&self, text: &[u8], mut found: impl FnMut(usize)) {
        self.long
            .for_each_occurrence(text, |_, i| found(self.long_index[i]));
        for (literal, index) in &self.short {
            if literal.find(text).is_some() {
                found(*index);
            }
        }
    }
}

/// Whether a trimmed line folds to its ASCII lower case: all ASCII, with single spaces and no
/// other white space between its words.
fn is_plain(line: &[u8]) -> bool {
    // Without an early exit, so that the loop runs on vectors: ASCII, and none of the white
    // space from `\t` to `\r`.
    let other = line.iter().fold(false, |other, &b| {
        other | !b.is_ascii() | (b.wrapping_sub(b'\t') < 5)
    });
    !other && memchr::memmem::find(line, b"  ").is_none()
}

/// A finite set of non-empty literals one of which every match of `pattern` contains; `None`
/// when there is none.
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    literals_of(&hir)
}

/// The literals of one rule without those that contain another of them: a line holding the
/// longer holds the shorter too, which stands for the same rule. Half the bytes of the built-in
/// rules' literals go, and fewer are compared with the text.
fn without_containing(mut literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    literals.sort_unstable();
    literals.dedup();
    // Literals are short (a few dozen bytes): a plain comparison at each offset is cheaper
    // than setting up a searcher for each of the pairs.
    let contains_another = |literal: &Vec<u8>| {
        literals.iter().any(|other| {
            other.len() < literal.len()
                && literal
                    .windows(other.len())
                    .any(|window| window == other.as_slice())
        })
    };
    literals
        .iter()
        .filter(|literal| !contains_another(literal))
        .cloned()
        .collect()
}

/// [`required_literals`] of a parsed pattern: the best of its prefixes, its suffixes, the
/// literals of any part of a concatenation (every part is in every match) and, for an
/// alternation, the union of its branches' literals. The best set is the one whose shortest
/// literal is longest.
fn literals_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let usable = |seq: Seq| -> Option<Vec<Vec<u8>>> {
        let literals: Vec<Vec<u8>> = seq
            .literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        (!literals.is_empty() && literals.iter().all(|l| !l.is_empty())).then_some(literals)
    };
    let mut candidates = vec![
        usable(Extractor::new().kind(ExtractKind::Prefix).extract(hir)),
        usable(Extractor::new().kind(ExtractKind::Suffix).extract(hir)),
    ];
    match hir.kind() {
        HirKind::Capture(capture) => candidates.push(literals_of(&capture.sub)),
        HirKind::Concat(parts) => candidates.extend(parts.iter().map(literals_of)),
        HirKind::Alternation(branches) => candidates.push(
            branches
                .iter()
                .map(literals_of)
                .collect::<Option<Vec<_>>>()
                .map(|sets| sets.concat()),
        ),
        _ => {}
    }
    let shortest = |l: &Vec<Vec<u8>>| l.iter().map(Vec::len).min().unwrap_or(0);
    candidates
        .into_iter()
        .flatten()
        .max_by_key(|l| (shortest(l), std::cmp::Reverse(l.len())))
}

/// A line as the boilerplate rules read it: lower case, typographic quotes, apostrophes and
/// dashes as ASCII ones, runs of white space as one space, trimmed. On text normalize already
/// cleaned (NFC, no control characters) this is normalize's `fold_for_matching`.
pub fn fold_line(line: &str) -> String {
    let mut folded = String::with_capacity(line.len());
    fold_line_into(line, &mut folded);
    folded
}

/// Appends [`fold_line`] of `line` to `folded`: ASCII bytes one by one, other chars decoded.
fn fold_line_into(line: &str, folded: &mut String) {
    if line.is_ascii() {
        return fold_ascii_line(line.as_bytes(), folded);
    }
    let start = folded.len();
    let mut space = false;
    let mut rest = line;
    while !rest.is_empty() {
        // The ASCII run first, byte by byte.
        let run = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        for &b in &rest.as_bytes()[..run] {
            // `char::is_whitespace`'s ASCII part, as `split_whitespace` splits.
            if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
                space = folded.len() > start;
                continue;
            }
            if space {
                folded.push(' ');
                space = false;
            }
            // The backtick folds to an apostrophe in a line that is not all ASCII, as below.
            folded.push(if b == b'`' {
                '\''
            } else {
                char::from(b.to_ascii_lowercase())
            });
        }
        rest = &rest[run..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = &rest[c.len_utf8()..];
        if c.is_whitespace() {
            space = folded.len() > start;
            continue;
        }
        if space {
            folded.push(' ');
            space = false;
        }
        for c in c.to_lowercase() {
            push_folded_punctuation(c, folded);
        }
    }
}

/// Appends `c`, a lower-cased char, with typographic quotes, primes, dashes and the ellipsis
/// folded to their ASCII forms.
fn push_folded_punctuation(c: char, folded: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{B4}' => {
            folded.push('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => {
            folded.push('"')
        }
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            folded.push('-')
        }
        '\u{2026}' => folded.push_str("..."),
        c => folded.push(c),
    }
}

/// [`fold_line_into`] of an ASCII line, byte by byte: only case and white space to fold.
fn fold_ascii_line(line: &[u8], folded: &mut String) {
    let start = folded.len();
    let mut space = false;
    for &b in line {
        // `char::is_whitespace`'s ASCII part, as `split_whitespace` splits.
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
            space = folded.len() > start;
        } else {
            if space {
                folded.push(' ');
                space = false;
            }
            folded.push(char::from(b.to_ascii_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(line: &str) -> Option<&'static str> {
        let m = LineMatcher::builtin();
        let words = line.split_whitespace().count();
        m.match_line(&fold_line(line), words)
            .map(|i| m.rules()[i].name)
    }

    #[test]
    fn a_literal_set_holds_what_an_overlapping_automaton_finds() {
        let literals: Vec<Vec<u8>> = [
            "x",
            "ad",
            "tag",
            "©",
            "(c)",
            "advertisement",
            "advert",
            "read more",
            "read",
            "tag",
            "share this",
            "more",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        let set = LiteralSet::new(&literals);
        let automaton = AhoCorasick::new(&literals).unwrap();
        for line in [
            "",
            "x",
            "read more",
            "advertisement - share this story (c) 2024",
            "tagged: taxes, roads © the times",
            "read mor",
            "the more you read, the more ads",
        ] {
            let mut held = Vec::new();
            set.each_held(line.as_bytes(), |i| held.push(i));
            held.sort_unstable();
            held.dedup();
            let mut expected: Vec<usize> = automaton
                .find_overlapping_iter(line)
                .map(|m| m.pattern().as_usize())
                .collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(held, expected, "{line:?}");
        }
    }

    #[test]
    fn the_prefilter_agrees_with_the_rules_on_every_line() {
        // The same answer as trying every rule's regex in order, on lines that match each rule
        // and on prose that matches none.
        let m = LineMatcher::builtin();
        let lines = [
            "Skip to content",
            "Left arrow right",
            "Home | World",
            "* indicates required",
            "Get the news that matters, every morning.",
            "Advertisement",
            "Editors' Picks",
            "12 comments",
            "Lesen Sie auch:",
            "Bill Blair in Brussels. (John Thys / AFP via Getty Images)",
            "MENAFN provides the information “as is” without warranty of any kind.",
            "Legal disclaimer:",
            "© 2025 Example News. All rights reserved.",
            "Privacy policy | Terms of use",
            "Canada is ready to join the force, Blair said.",
            "The minister said 40,000 people signed up.",
            "",
        ];
        for line in lines {
            let folded = fold_line(line);
            let words = line.split_whitespace().count();
            let every_rule = (0..m.rules().len())
                .find(|&i| words <= m.rules()[i].max_words && m.regexes[i].is_match(&folded));
            assert_eq!(m.match_line(&folded, words), every_rule, "{line}");
        }
        assert_eq!(rule_of("Left arrow right"), Some("nav_phrase"));
        assert_eq!(
            rule_of("Get the news that matters, every morning."),
            Some("subscribe_form")
        );
        assert_eq!(rule_of("12 comments"), Some("teaser_heading"));
        assert_eq!(rule_of("Also read:"), Some("teaser_heading"));
        assert_eq!(
            rule_of("Also read: Ottawa weighs a peacekeeping role"),
            Some("teaser_link")
        );
        assert_eq!(
            rule_of("We also read the report closely: it was wrong."),
            None
        );
        assert_eq!(rule_of("The minister said 40,000 people signed up."), None);
    }

    #[test]
    fn nearly_every_alternative_has_literals() {
        // An alternative without literals makes its rule run on every line: allow none.
        assert_eq!(LineMatcher::builtin().unfiltered, 0);
        // A literal never spans lines, so a line's first literal is enough to make it a
        // candidate.
        for rule in LineMatcher::builtin().rules() {
            for alternative in &rule.alternatives {
                let literals = required_literals(alternative).unwrap_or_default();
                assert!(
                    literals.iter().all(|l| !l.contains(&b'\n')),
                    "{alternative}"
                );
            }
        }
        let home = required_literals("^(home|news) ?[|/]").unwrap();
        assert_eq!(home.len(), 8);
        assert!(home
            .iter()
            .all(|l| l.starts_with(b"home") || l.starts_with(b"news")));
        assert_eq!(required_literals(".*"), None);
        assert_eq!(
            required_literals(r"^(\d+ comments?)\s*:?$"),
            Some(vec![b" comment".to_vec()])
        );
    }

    #[test]
    fn a_literal_holding_another_of_its_rule_is_left_out() {
        let kept = without_containing(
            ["more stories", "more ", "most read", "more ", "read"]
                .map(|l| l.as_bytes().to_vec())
                .to_vec(),
        );
        assert_eq!(kept, ["more ", "read"].map(|l| l.as_bytes().to_vec()));
        // The built-in rules keep about half their literals, and every rule keeps some.
        let m = LineMatcher::builtin();
        assert!(m.literal_rule.len() < 600, "{}", m.literal_rule.len());
        let covered = m
            .literal_rule
            .iter()
            .fold(m.unfiltered, |all, &rule| all | rule);
        assert_eq!(covered.count_ones() as usize, m.rules().len());
    }

    #[test]
    fn word_limits_keep_prose_that_names_a_rule_phrase() {
        let sentence = "The minister said more than 40,000 people had signed up for the program since it opened to the public last spring, and that the ministry would subscribe to more services.";
        assert_eq!(rule_of(sentence), None);
        assert_eq!(rule_of("Subscribe now"), Some("subscribe_form"));
    }

    #[test]
    fn credit_sentences_end_a_line_or_are_one() {
        let m = LineMatcher::builtin();
        let line = "Their goals differ. Pictures of Getty Images, Reuters and the Canadian press.";
        assert_eq!(m.credit_sentence(line, &fold_line(line)), Some(20));
        let alone = "Photos by Reuters and AFP.";
        assert_eq!(m.credit_sentence(alone, &fold_line(alone)), Some(0));
        let prose = "Pictures of the war were shown by Reuters on Monday.";
        assert_eq!(m.credit_sentence(prose, &fold_line(prose)), None);
    }

    #[test]
    fn furniture_spans_are_the_lines_the_rules_match() {
        let m = LineMatcher::builtin();
        let text = "Skip to content\nOfficials met on Monday.\nTheir goals differ. Pictures of Getty Images and Reuters.\n  Share  this\tarticle \nAll rights reserved.";
        let spans: Vec<&str> = m
            .furniture_spans(text)
            .iter()
            .map(|&(s, e)| &text[s..e])
            .collect();
        assert_eq!(
            spans,
            [
                "Skip to content",
                "Pictures of Getty Images and Reuters.",
                "Share  this\tarticle",
                "All rights reserved."
            ]
        );
        // The quick path (plain text) finds what the line-by-line one finds.
        let plain = "Skip to content\nOfficials met on Monday.\nTheir goals differ. Pictures of Getty Images and Reuters.\nShare this article\nAll rights reserved.";
        let quick: Vec<&str> = m
            .furniture_spans(plain)
            .iter()
            .map(|&(s, e)| &plain[s..e])
            .collect();
        assert_eq!(quick[..2], spans[..2]);
        assert_eq!(quick[2], "Share this article");
        assert_eq!(quick.len(), 4);
    }

    /// `fold_line` as first written: words split on white space, each char lower-cased, then
    /// typographic punctuation folded (the one table both share).
    fn fold_by_words(line: &str) -> String {
        if line.is_ascii() {
            return line
                .split_ascii_whitespace()
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
                .join(" ");
        }
        let mut folded = String::new();
        for word in line.split_whitespace() {
            if !folded.is_empty() {
                folded.push(' ');
            }
            for c in word.chars().flat_map(char::to_lowercase) {
                push_folded_punctuation(c, &mut folded);
            }
        }
        folded
    }

    #[test]
    fn furniture_spans_agree_with_matching_every_line() {
        let m = LineMatcher::builtin();
        let lines = [
            "Skip to content",
            "  Editors’ Picks ",
            "ADVERTISEMENT",
            "Ad",
            "He said the ad ran twice.",
            "12\u{a0}comments",
            "Share  this\tarticle",
            "Their goals differ. Photos by Reuters and AFP.",
            "It isn`t “fine” — she said… KELVIN \u{212a} İstanbul",
            "© 2025 Example News. All rights reserved.",
            "Also read: Ottawa weighs a peacekeeping role",
            "",
            "   ",
            "Canada is ready to join the force, Blair said.",
            // Longer than a short line: literals of rules for short lines ("ad", "x", "more",
            // "home") do not count, those of rules for long ones do, in any case.
            "He said the ad ran twice more at home in the next tax year, before the vote.",
            "Sign up for our free morning newsletter to get the news that matters to you today.",
            "Sign up for our free morning newsletter to get the news that matters to you today and every other day of the week.",
            "MENAFN provides the information “as is” without warranty of any kind, and the reader takes every risk of relying on it, it says.",
            "Their goals differ and the ministers met in Brussels on Monday to talk it over. PHOTOS BY Reuters and AFP.",
            "Their goals differ and the ministers met in Brussels on Monday — to talk it over. Photos by Reuters and AFP.",
            "The photographer’s pictures of the war were shown by Reuters on Monday in a long series.",
        ];
        for first in 0..lines.len() {
            for second in 0..lines.len() {
                for joint in ["\n", "\r\n", "\n\n"] {
                    let text = [
                        lines[first],
                        lines[second],
                        lines[(first + second) % lines.len()],
                    ]
                    .join(joint);
                    let mut expected = Vec::new();
                    let mut start = 0;
                    for line in text.split_inclusive('\n') {
                        let trimmed = line.trim();
                        let at = start + (line.len() - line.trim_start().len());
                        start += line.len();
                        if trimmed.is_empty() {
                            continue;
                        }
                        let folded = fold_by_words(trimmed);
                        assert_eq!(fold_line(trimmed), folded);
                        let words = folded.split(' ').count();
                        if m.match_line(&folded, words).is_some() {
                            expected.push((at, at + trimmed.len()));
                        } else if let Some(credit) = m.credit_sentence(trimmed, &folded) {
                            expected.push((at + credit, at + trimmed.len()));
                        }
                    }
                    assert_eq!(m.furniture_spans(&text), expected, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn long_lines_are_searched_for_the_rules_that_allow_them() {
        let m = LineMatcher::builtin();
        let furniture = |line: &str| m.furniture_spans(line).len();
        // 13 and 24 words: a subscribe form (up to 20 words) in the first only.
        let short =
            "Sign up for our free morning newsletter to get the news that matters to you today.";
        assert_eq!(furniture(short), 1);
        assert_eq!(
            furniture(&format!("{short} And every other day of the week, too.")),
            0
        );
        let disclaimer = "MENAFN provides the information “as is” without warranty of any kind, and the reader takes every risk of relying on it, it says.";
        assert_eq!(furniture(disclaimer), 1);
        let credit = "Their goals differ and the ministers met in Brussels on Monday. PHOTOS BY Reuters and AFP.";
        assert_eq!(m.furniture_spans(credit), [(64, credit.len())]);
        assert_eq!(
            furniture(
                "He said the ad ran twice more at home in the next tax year, before the vote."
            ),
            0
        );
    }

    #[test]
    fn lines_fold_as_the_rules_read_them() {
        assert_eq!(
            fold_line("  Don’t “Stop” —\tNOW… "),
            "don't \"stop\" - now..."
        );
        assert_eq!(fold_line("Editors’ Picks"), "editors' picks");
        assert_eq!(fold_line(" \tSkip  TO\x0Bcontent \r"), "skip to content");
    }
}
