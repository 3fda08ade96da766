//! Phrase rules that mark a line of page text as boilerplate, each with the kind of cut it makes.
//!
//! The rules are site-independent news-page conventions (menus, newsletter forms, teaser
//! headings, credits, disclaimers, footers). They run on the lower-cased, quote-folded line;
//! most apply only to short lines so that an article sentence mentioning "subscribe" survives.
//! Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b` makes the regex engine fall back to
//! its slowest search on every non-ASCII line.

use std::sync::LazyLock;

use newspipe_core::RemovedKind;
use regex::{Regex, RegexSet};

/// One boilerplate rule.
struct Rule {
    /// Name recorded in `RemovedSpan::rule`.
    name: &'static str,
    kind: RemovedKind,
    /// The rule applies to lines of at most this many words.
    max_words: usize,
    /// Whether a match ends the article: nothing after it joins the main block cheaply.
    breaks_block: bool,
    pattern: &'static str,
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

const RULES: &[Rule] = &[
    Rule {
        name: "nav_phrase",
        kind: RemovedKind::Nav,
        max_words: 12,
        breaks_block: false,
        pattern: r"^(skip to (main )?(content|navigation|main)|(main |open |close |toggle )?(menu|navigation)|search|home( page)?|featured|sections|more|all sections|back to top|edit post|previous( article| post)?|next( article| post)?|breadcrumbs?|.* arrow (right|left)|.* image)$|^(home|news|menu) ?[|/>»›]",
    },
    Rule {
        name: "subscribe_form",
        kind: RemovedKind::Subscribe,
        max_words: 20,
        breaks_block: false,
        pattern: r"^newsletters?$|(sign up|subscribe|register) (for|to) (our|the|my) [^.!?]{0,30}newsletter|newsletter sign ?-?up|(?-u:\b)subscribe (to|for|now|today)|enter (your|a valid|correct) e-?mail|^your e-?mail( address)?$|indicates required|confirmation e-?mail|successfu(l)?ly subscribed|thank you for (signing up|subscribing)|pre-?order (now|today)|create (an|a free) account|already (a|have an) (subscriber|account)|support (our|independent) journalism|become a (member|subscriber|patron)|turn on notifications|download (the|our) app|newsletter (abonnieren|bestellen)|abonnez-vous|inscrivez-vous|suscr(í|i)bete|assine (a|o) |iscriviti|zapisz si(ę|e)|подпишитесь",
    },
    Rule {
        name: "subscribe_button",
        kind: RemovedKind::Subscribe,
        max_words: 8,
        breaks_block: false,
        pattern: r"^(subscribe|sign up|sign in|log ?in|log out|register|donate|share|follow us|copy link|print|email|comments?)( now| here| today)?\s*:?$|(?-u:\b)(subscribe|sign up|follow us( on)?|share (this|on|via)|join (our|the) (community|mailing list))(?-u:\b)|^(facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|instagram|youtube)$",
    },
    Rule {
        name: "ad_label",
        kind: RemovedKind::Other,
        max_words: 3,
        breaks_block: false,
        pattern: r"^(advertisement|advertising|sponsored( content)?|ad|publicidade|anzeige|publicit\u{e9}|werbung|pubblicit\u{e0})$",
    },
    Rule {
        name: "teaser_heading",
        kind: RemovedKind::Teaser,
        max_words: 7,
        breaks_block: true,
        pattern: r"^(most (popular|read|viewed|shared)|editors?'?s?'? (picks|choice)|related( articles| stories| news| posts| content| coverage| topics)?|read (more|next|also)|more (news|stories|from [^.!?]*|on this( story| topic)?|in [^.!?]*)|recommended( for you| stories| articles)?|you (may|might) (also )?(like|be interested in)|trending( now| stories)?|latest( news| stories| articles)?|top stories|popular( now| stories)?|don't miss|also read|see also|what to read next|further reading|comments?|leave a (comment|reply)|\d+ comments?|tags?|topics?|share this (article|story)|lesen sie auch|mehr zum thema|das könnte sie auch interessieren|(à )?lire aussi|sur le même sujet|leia também|lee también|te puede interesar|ver más|leggi anche|czytaj (też|także)|читайте также)\s*:?$",
    },
    Rule {
        name: "credit_phrase",
        kind: RemovedKind::Credit,
        max_words: 40,
        breaks_block: false,
        pattern: r"^(photo|image|picture|video|illustration|graphic|file photo|audio)( by| credit)?\s*[:/|]|\((photo|image|picture|file photo|illustration)[: ]|(/|(?-u:\b)via) (getty( images)?|afp|ap|reuters|shutterstock|epa|anadolu)(?-u:\b)|getty images\)?\s*$|(ap|reuters|afp|epa) photo|^credit:|this audio is (created|generated)|listen to (this|the) (article|story)|audio (is )?(created|generated) with ai|^\d+ min(ute)?s? read$",
    },
    Rule {
        name: "disclaimer_phrase",
        kind: RemovedKind::Disclaimer,
        max_words: 200,
        breaks_block: true,
        pattern: r#"^(legal )?disclaimer\s*:?|provides? (the|this) information "?as is"?|without warranty of any kind|for (general )?informational purposes only|(does not|do not) constitute (investment|financial|legal) advice|not (intended as|to be construed as) (investment|financial) advice|the views (and opinions )?expressed (here|in this)"#,
    },
    Rule {
        name: "footer_phrase",
        kind: RemovedKind::Footer,
        max_words: 30,
        breaks_block: false,
        pattern: r"all rights reserved|^(\u{a9}|\(c\)|copyright)\s?(\d{4}|[^.!?]*\d{4})|\u{a9}\s?\d{4}",
    },
    Rule {
        name: "footer_links",
        kind: RemovedKind::Footer,
        max_words: 8,
        breaks_block: false,
        pattern: r"^(privacy policy|terms (of|and) (use|service|conditions)|cookie (policy|settings|preferences)|contact us|about us|advertise( with us)?|careers|sitemap|site map|imprint|impressum|accessibility|contacts)$|(privacy policy|terms of (use|service)|cookie (policy|settings))\s*[|·•]",
    },
];

static RULE_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(RULES.iter().map(|r| r.pattern)).expect("built-in rules are valid regexes")
});

/// Extra rules from the stage's config, checked after the built-in ones.
#[derive(Debug, Clone)]
pub struct ExtraRules {
    rules: Vec<(Regex, RemovedKind)>,
}

impl ExtraRules {
    /// Compiles `(pattern, kind)` pairs; patterns match the lower-cased, folded line.
    pub fn new(patterns: &[(String, RemovedKind)]) -> Result<Self, regex::Error> {
        let rules = patterns
            .iter()
            .map(|(pattern, kind)| Ok((Regex::new(pattern)?, *kind)))
            .collect::<Result<_, regex::Error>>()?;
        Ok(Self { rules })
    }
}

/// Checks one line (lower-cased and folded with [`crate::fold_for_matching`]) against the
/// built-in and extra rules. `words` is the line's word count.
pub fn match_line(folded: &str, words: usize, extra: &ExtraRules) -> Option<RuleHit> {
    // Most lines match no rule: the fast yes/no search saves the slower search for which rules.
    let hit = (RULE_SET.is_match(folded))
        .then(|| RULE_SET.matches(folded))
        .into_iter()
        .flatten()
        .map(|i| &RULES[i])
        .find(|rule| words <= rule.max_words);
    if let Some(rule) = hit {
        return Some(RuleHit {
            rule: rule.name.to_owned(),
            kind: rule.kind,
            breaks_block: rule.breaks_block,
        });
    }
    extra
        .rules
        .iter()
        .find(|(regex, _)| regex.is_match(folded))
        .map(|(_, kind)| RuleHit {
            rule: "config_pattern".to_owned(),
            kind: *kind,
            breaks_block: false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold_for_matching;

    fn kind_of(line: &str) -> Option<RemovedKind> {
        let folded = fold_for_matching(line);
        let words = line.split_whitespace().count();
        match_line(&folded, words, &ExtraRules::new(&[]).unwrap()).map(|hit| hit.kind)
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
        let extra = ExtraRules::new(&[("^advertisement$".into(), RemovedKind::Other)]).unwrap();
        assert_eq!(
            match_line("advertisement", 1, &extra).map(|hit| hit.kind),
            Some(RemovedKind::Other)
        );
        assert!(ExtraRules::new(&[("(".into(), RemovedKind::Other)]).is_err());
    }
}
