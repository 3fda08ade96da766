//! Phrase rules that mark a line of page text as boilerplate, each with the kind of cut it makes.
//!
//! The rules live in `newspipe-knowledge` as data files; they are site-independent news-page conventions (menus, newsletter forms, teaser
//! headings, credits, disclaimers, footers). They run on the lower-cased, quote-folded line;
//! most apply only to short lines so that an article sentence mentioning "subscribe" survives.
//! Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b` makes the regex engine fall back to
//! its slowest search on every non-ASCII line.

use newspipe_core::RemovedKind;
use regex::{Regex, RegexSet};

/// A built-in rule, compiled.
#[derive(Debug, Clone)]
struct Rule {
    /// Name recorded in `RemovedSpan::rule`.
    name: &'static str,
    kind: RemovedKind,
    /// The rule applies to lines of at most this many words.
    max_words: usize,
    /// Whether a match ends the article: nothing after it joins the main block cheaply.
    breaks_block: bool,
}

/// A line that a rule matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    /// The rule's name.
    pub rule: String,
    /// What kind of boilerplate it is.
    pub kind: RemovedKind,
    /// Whether the line is a heading that starts a teaser or footer section.
    pub breaks_block: bool,
}

/// The line rules of one stage: the built-in ones from `newspipe-knowledge` (with the user's
/// photo agencies added) and the user's extra patterns, checked after them.
#[derive(Debug, Clone)]
pub struct LineRules {
    rules: Vec<Rule>,
    set: RegexSet,
    extra: Vec<(Regex, RemovedKind)>,
    credit_sentence: Regex,
    credit_cues: Vec<&'static str>,
}

impl LineRules {
    /// Compiles the rules; `patterns` are `(regex, kind)` pairs over the lower-cased, folded
    /// line, `agencies` extra photo agencies for the credit rules.
    pub fn new(
        patterns: &[(String, RemovedKind)],
        agencies: &[String],
    ) -> Result<Self, regex::Error> {
        let known = newspipe_knowledge::boilerplate_rules_with(agencies);
        let set = RegexSet::new(known.iter().map(|r| r.pattern()))?;
        let rules = known
            .iter()
            .map(|r| Rule {
                name: r.name,
                kind: parse_kind(&r.kind),
                max_words: r.max_words,
                breaks_block: r.breaks_block,
            })
            .collect();
        let extra = patterns
            .iter()
            .map(|(pattern, kind)| Ok((Regex::new(pattern)?, *kind)))
            .collect::<Result<_, regex::Error>>()?;
        let credit_sentence = Regex::new(&newspipe_knowledge::credit_sentence_pattern(agencies))?;
        Ok(Self {
            rules,
            set,
            extra,
            credit_sentence,
            credit_cues: newspipe_knowledge::credit_sentence_cues(),
        })
    }

    /// Checks one line (lower-cased and folded with [`crate::fold_for_matching`]) against the
    /// built-in and extra rules. `words` is the line's word count.
    pub fn match_line(&self, folded: &str, words: usize) -> Option<RuleHit> {
        // Most lines match no rule: the fast yes/no search saves the slower search for which
        // rules.
        let hit = (self.set.is_match(folded))
            .then(|| self.set.matches(folded))
            .into_iter()
            .flatten()
            .map(|i| &self.rules[i])
            .find(|rule| words <= rule.max_words);
        if let Some(rule) = hit {
            return Some(RuleHit {
                rule: rule.name.to_owned(),
                kind: rule.kind,
                breaks_block: rule.breaks_block,
            });
        }
        self.extra
            .iter()
            .find(|(regex, _)| regex.is_match(folded))
            .map(|(_, kind)| RuleHit {
                rule: "config_pattern".to_owned(),
                kind: *kind,
                breaks_block: false,
            })
    }

    /// Where a picture credit that ends a line of prose starts ("… compatible. Pictures of
    /// Getty Images, Reuters and the Canadian press."), as a byte offset into `line`; `folded`
    /// is the line lower-cased (only searched when it has a cue word).
    pub fn credit_tail(&self, line: &str, folded: &str) -> Option<usize> {
        if !self.credit_cues.iter().any(|cue| folded.contains(cue)) {
            return None;
        }
        let start = self.credit_sentence.captures(line)?.get(1)?.start();
        (start > 0).then_some(start)
    }
}

/// The kind a knowledge rule file names; `other` for an unknown one (the knowledge crate's
/// tests check every kind).
fn parse_kind(kind: &str) -> RemovedKind {
    serde_json::from_value(serde_json::Value::String(kind.to_owned())).unwrap_or(RemovedKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold_for_matching;

    fn kind_of(line: &str) -> Option<RemovedKind> {
        let folded = fold_for_matching(line);
        let words = line.split_whitespace().count();
        LineRules::new(&[], &[])
            .unwrap()
            .match_line(&folded, words)
            .map(|hit| hit.kind)
    }

    #[test]
    fn typical_boilerplate_lines_are_recognized() {
        assert_eq!(kind_of("Skip to content"), Some(RemovedKind::Nav));
        assert_eq!(
            kind_of("* indicates required"),
            Some(RemovedKind::Subscribe)
        );
        assert_eq!(
            kind_of("Enter your email to subscribe"),
            Some(RemovedKind::Subscribe)
        );
        assert_eq!(kind_of("Editors' Picks"), Some(RemovedKind::Teaser));
        assert_eq!(kind_of("Most popular"), Some(RemovedKind::Teaser));
        assert_eq!(kind_of("Lesen Sie auch:"), Some(RemovedKind::Teaser));
        assert_eq!(kind_of("À lire aussi"), Some(RemovedKind::Teaser));
        assert_eq!(
            kind_of("Suscríbete a nuestro boletín"),
            Some(RemovedKind::Subscribe)
        );
        assert_eq!(
            kind_of("Bill Blair in Brussels. (John Thys / AFP via Getty Images)"),
            Some(RemovedKind::Credit)
        );
        assert_eq!(
            kind_of("MENAFN provides the information “as is” without warranty of any kind."),
            Some(RemovedKind::Disclaimer)
        );
        assert_eq!(
            kind_of("© 2025 Example News. All rights reserved."),
            Some(RemovedKind::Footer)
        );
    }

    #[test]
    fn article_sentences_survive() {
        assert_eq!(
            kind_of("The minister said more than 40,000 people had signed up for the program since it opened to the public last spring, and that the ministry would subscribe to more services."),
            None
        );
        assert_eq!(
            kind_of("Canada is ready to join the force, Blair said."),
            None
        );
    }

    #[test]
    fn extra_patterns_apply_with_their_kind() {
        let rules =
            LineRules::new(&[("^sponsor message$".into(), RemovedKind::Other)], &[]).unwrap();
        assert_eq!(
            rules.match_line("sponsor message", 2).map(|hit| hit.rule),
            Some("config_pattern".to_owned())
        );
        assert!(LineRules::new(&[("(".into(), RemovedKind::Other)], &[]).is_err());
    }
}
