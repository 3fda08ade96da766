//! Phrase rules that mark a line of page text as boilerplate, each with the kind of cut it makes.
//!
//! The rules live in `newspipe-knowledge` as data files, compiled by its `LineMatcher`; they are site-independent news-page conventions (menus, newsletter forms, teaser
//! headings, credits, disclaimers, footers). They run on the lower-cased, quote-folded line;
//! most apply only to short lines so that an article sentence mentioning "subscribe" survives.
//! Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b` makes the regex engine fall back to
//! its slowest search on every non-ASCII line.

use newspipe_core::RemovedKind;
use newspipe_knowledge::LineMatcher;
use regex::Regex;

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
/// photo agencies added), compiled by its [`LineMatcher`] as score-reliability uses them too,
/// and the user's extra patterns, checked after them.
#[derive(Debug, Clone)]
pub struct LineRules {
    /// The rules with the user's photo agencies; `None` without any: the built-in matcher,
    /// shared with score-reliability and compiled on first use (or by the stage's warm-up, on
    /// a thread of its own) rather than when the stage is built.
    own_matcher: Option<LineMatcher>,
    /// The kind of each built-in rule, in the matcher's order.
    kinds: Vec<RemovedKind>,
    extra: Vec<(Regex, RemovedKind)>,
}

impl LineRules {
    /// Compiles the rules; `patterns` are `(regex, kind)` pairs over the lower-cased, folded
    /// line, `agencies` extra photo agencies for the credit rules.
    pub fn new(
        patterns: &[(String, RemovedKind)],
        agencies: &[String],
    ) -> Result<Self, regex::Error> {
        let own_matcher = if agencies.is_empty() {
            None
        } else {
            Some(LineMatcher::new(agencies)?)
        };
        let rules = match &own_matcher {
            Some(matcher) => matcher.rules(),
            None => newspipe_knowledge::boilerplate_rules(),
        };
        let kinds = rules.iter().map(|r| parse_kind(&r.kind)).collect();
        let extra = patterns
            .iter()
            .map(|(pattern, kind)| Ok((Regex::new(pattern)?, *kind)))
            .collect::<Result<_, regex::Error>>()?;
        Ok(Self {
            own_matcher,
            kinds,
            extra,
        })
    }

    /// The compiled built-in rules, with the user's photo agencies if any.
    fn matcher(&self) -> &LineMatcher {
        self.own_matcher
            .as_ref()
            .unwrap_or_else(|| LineMatcher::builtin())
    }

    /// Checks one line (lower-cased and folded with [`crate::fold_for_matching`]) against the
    /// built-in and extra rules. `words` is the line's word count.
    pub fn match_line(&self, folded: &str, words: usize) -> Option<RuleHit> {
        let matcher = self.matcher();
        if let Some(i) = matcher.match_line(folded, words) {
            let rule = &matcher.rules()[i];
            return Some(RuleHit {
                rule: rule.name.to_owned(),
                kind: self.kinds[i],
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
        self.matcher()
            .credit_sentence(line, folded)
            .filter(|&start| start > 0)
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
