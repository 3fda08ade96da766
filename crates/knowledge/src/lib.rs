//! # newspipe-knowledge
//!
//! One store of the news knowledge that several stages need: wire services, photo agencies,
//! aggregator disclaimers, boilerplate line rules, wire-id formats, month names and speech
//! verbs. Each list is a data file in `data/` with comments giving its provenance; this crate
//! parses them once and hands them out, so that no stage keeps its own copy with its own
//! vocabulary. Users add their own entries through the stage configs (normalize's
//! `extra_patterns` and `extra_agencies`), never by editing a stage.
//!
//! Data file format: UTF-8 lines; blank lines and lines starting with `#` are comments, except
//! `#! key: value` directives at the top of a boilerplate rule file; `.tsv` files have
//! tab-separated columns.

use std::sync::LazyLock;

/// A boilerplate line rule: a named list of regular-expression alternatives over the
/// lower-cased, quote-folded line, with the kind of cut it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRule {
    /// The rule's name (its file name), recorded with every cut it makes.
    pub name: &'static str,
    /// The kind of boilerplate (`nav`, `subscribe`, `teaser`, `credit`, `disclaimer`,
    /// `footer`, `other`), as `RemovedKind` spells it in YAML and JSON.
    pub kind: String,
    /// The rule applies to lines of at most this many words.
    pub max_words: usize,
    /// Whether a match ends the article (a heading over a list of other stories).
    pub breaks_block: bool,
    /// The alternatives, one regular expression each, with list placeholders filled in.
    pub alternatives: Vec<String>,
}

impl LineRule {
    /// The alternatives joined into one regular expression.
    pub fn pattern(&self) -> String {
        self.alternatives
            .iter()
            .map(|a| format!("(?:{a})"))
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// A wire service: the credit printed in datelines (`(AP)`) and the agency's full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireService {
    /// The credit as printed, case kept (`AP`, `Reuters`, `dpa`).
    pub credit: &'static str,
    /// The agency's name (`Associated Press`).
    pub name: &'static str,
}

/// A format of wire or aggregator story ids that encode a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireIdFormat {
    /// The format's name.
    pub name: &'static str,
    /// A regular expression over the whole id line; its first group is the 8 date digits.
    pub pattern: &'static str,
    /// Date layouts tried in order: `dmy` (DDMMYYYY) or `ymd` (YYYYMMDD).
    pub layouts: Vec<&'static str>,
}

/// Boilerplate rule files in the order they are tried (the first matching rule names a cut).
const RULE_FILES: &[(&str, &str)] = &[
    (
        "nav_phrase",
        include_str!("../data/boilerplate/nav_phrase.txt"),
    ),
    (
        "subscribe_form",
        include_str!("../data/boilerplate/subscribe_form.txt"),
    ),
    (
        "subscribe_button",
        include_str!("../data/boilerplate/subscribe_button.txt"),
    ),
    ("ad_label", include_str!("../data/boilerplate/ad_label.txt")),
    (
        "teaser_heading",
        include_str!("../data/boilerplate/teaser_heading.txt"),
    ),
    (
        "credit_phrase",
        include_str!("../data/boilerplate/credit_phrase.txt"),
    ),
    (
        "disclaimer_phrase",
        include_str!("../data/boilerplate/disclaimer_phrase.txt"),
    ),
    (
        "footer_phrase",
        include_str!("../data/boilerplate/footer_phrase.txt"),
    ),
    (
        "footer_links",
        include_str!("../data/boilerplate/footer_links.txt"),
    ),
];

const WIRE_SERVICES: &str = include_str!("../data/wire_services.tsv");
const PHOTO_AGENCIES: &str = include_str!("../data/photo_agencies.txt");
const AGGREGATOR_DISCLAIMERS: &str = include_str!("../data/aggregator_disclaimers.txt");
const MONTHS: &str = include_str!("../data/months.tsv");
const WIRE_IDS: &str = include_str!("../data/wire_ids.tsv");
const CUE_VERBS: &str = include_str!("../data/cue_verbs.txt");
const CREDIT_SENTENCE: &str = include_str!("../data/credit_sentence.txt");

/// The data lines of a file: trimmed, without blanks and comments.
fn entries(file: &'static str) -> impl Iterator<Item = &'static str> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The tab-separated columns of a data line.
fn columns(line: &'static str) -> Vec<&'static str> {
    line.split('\t').map(str::trim).collect()
}

/// Wire services credited in datelines.
pub fn wire_services() -> &'static [WireService] {
    static LIST: LazyLock<Vec<WireService>> = LazyLock::new(|| {
        entries(WIRE_SERVICES)
            .map(|line| {
                let c = columns(line);
                WireService {
                    credit: c[0],
                    name: c.get(1).copied().unwrap_or(c[0]),
                }
            })
            .collect()
    });
    &LIST
}

/// Agencies named in photo and video credits, lower case.
pub fn photo_agencies() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(PHOTO_AGENCIES).collect());
    &LIST
}

/// Aggregator and syndication disclaimers: regular expressions over the lower-cased line.
pub fn aggregator_disclaimers() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(AGGREGATOR_DISCLAIMERS).collect());
    &LIST
}

/// English month names and abbreviations, lower case, with the month's number.
pub fn months() -> &'static [(&'static str, u32)] {
    static LIST: LazyLock<Vec<(&str, u32)>> = LazyLock::new(|| {
        entries(MONTHS)
            .map(|line| {
                let c = columns(line);
                (c[0], c[1].parse().expect("months.tsv: month numbers"))
            })
            .collect()
    });
    &LIST
}

/// The month number of a month name or abbreviation, any case, trailing period allowed.
pub fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    months()
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(word))
        .map(|&(_, n)| n)
}

/// Wire and aggregator id formats, most specific first.
pub fn wire_id_formats() -> &'static [WireIdFormat] {
    static LIST: LazyLock<Vec<WireIdFormat>> = LazyLock::new(|| {
        entries(WIRE_IDS)
            .map(|line| {
                let c = columns(line);
                WireIdFormat {
                    name: c[0],
                    pattern: c[1],
                    layouts: c[2].split(',').map(str::trim).collect(),
                }
            })
            .collect()
    });
    &LIST
}

/// Verbs that introduce or attribute speech, lower case: the verbs of [`cue_verbs`].
pub fn speech_verbs() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> =
        LazyLock::new(|| cue_verbs().iter().map(|c| c.verb).collect());
    &LIST
}

/// A verb that attributes speech or writing, with what quote finding needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueVerb {
    /// The verb, lower case (`said`, `according`, `tweeting`).
    pub verb: &'static str,
    /// It also introduces a reported clause outside quotation marks ("said that …").
    pub clause: bool,
    /// Its object is the one spoken to ("told reporters"), never the speaker.
    pub addressed: bool,
    /// It is common before a bare speaker name ("…," said Boivin.).
    pub inverts: bool,
}

/// Verbs that attribute speech or writing, with their tags (`data/cue_verbs.txt`).
pub fn cue_verbs() -> &'static [CueVerb] {
    static LIST: LazyLock<Vec<CueVerb>> = LazyLock::new(|| {
        entries(CUE_VERBS)
            .map(|line| {
                let mut words = line.split_whitespace();
                let verb = words.next().unwrap_or_default();
                let tags: Vec<&str> = words.collect();
                CueVerb {
                    verb,
                    clause: tags.contains(&"clause"),
                    addressed: tags.contains(&"addressed"),
                    inverts: tags.contains(&"inverts"),
                }
            })
            .collect()
    });
    &LIST
}

/// The abbreviations among the month names (`jan`, `sept`; not `may`): the entries shorter
/// than another name of the same month.
pub fn month_abbreviations() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| {
        months()
            .iter()
            .filter(|(name, n)| {
                months()
                    .iter()
                    .any(|(other, m)| m == n && other.len() > name.len())
            })
            .map(|(name, _)| *name)
            .collect()
    });
    &LIST
}

/// The built-in boilerplate rules, in the order they are tried, with `{photo_agencies}` and
/// `{aggregator_disclaimers}` filled in from the built-in lists.
pub fn boilerplate_rules() -> &'static [LineRule] {
    static LIST: LazyLock<Vec<LineRule>> = LazyLock::new(|| boilerplate_rules_with(&[]));
    &LIST
}

/// The boilerplate rules with the user's own photo agencies (lower case) added to the
/// built-in ones.
pub fn boilerplate_rules_with(extra_agencies: &[String]) -> Vec<LineRule> {
    let agencies = agency_alternatives(extra_agencies);
    let disclaimers = aggregator_disclaimers().join("|");
    RULE_FILES
        .iter()
        .map(|(name, file)| parse_rule(name, file, &agencies, &disclaimers))
        .collect()
}

/// The regular expression of a picture credit ending a line (its first group is the credit),
/// with the user's own photo agencies added to the built-in ones.
pub fn credit_sentence_pattern(extra_agencies: &[String]) -> String {
    let pattern = entries(CREDIT_SENTENCE)
        .next()
        .expect("credit_sentence.txt holds a pattern");
    format!(
        "(?i){}",
        pattern.replace("{photo_agencies}", &agency_alternatives(extra_agencies))
    )
}

/// Lower-case words every credit matched by [`credit_sentence_pattern`] contains: a cheap
/// test before the regex.
pub fn credit_sentence_cues() -> Vec<&'static str> {
    CREDIT_SENTENCE
        .lines()
        .find_map(|l| l.strip_prefix("#! cues:"))
        .map(|cues| cues.split(',').map(str::trim).collect())
        .unwrap_or_default()
}

/// The photo agencies, built-in and the user's, as escaped regex alternatives.
fn agency_alternatives(extra_agencies: &[String]) -> String {
    photo_agencies()
        .iter()
        .map(|a| regex::escape(a))
        .chain(
            extra_agencies
                .iter()
                .map(|a| regex::escape(&a.to_lowercase())),
        )
        .collect::<Vec<_>>()
        .join("|")
}

/// Reads one rule file: `#! key: value` directives, then one alternative a line.
fn parse_rule(
    name: &'static str,
    file: &'static str,
    agencies: &str,
    disclaimers: &str,
) -> LineRule {
    let directive = |key: &str| {
        file.lines()
            .filter_map(|l| l.strip_prefix("#!"))
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| panic!("boilerplate/{name}.txt: no `#! {key}:` directive"))
    };
    LineRule {
        name,
        kind: directive("kind"),
        max_words: directive("max_words")
            .parse()
            .expect("max_words is a number"),
        breaks_block: directive("breaks_block") == "true",
        alternatives: entries(file)
            .map(|a| {
                a.replace("{photo_agencies}", agencies)
                    .replace("{aggregator_disclaimers}", disclaimers)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn assert_unique<'a>(what: &str, items: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for item in items {
            assert!(seen.insert(item), "{what}: `{item}` is listed twice");
        }
        assert!(!seen.is_empty(), "{what} is empty");
    }

    #[test]
    fn every_list_is_non_empty_and_has_no_duplicates() {
        assert_unique(
            "wire_services.tsv",
            wire_services().iter().map(|w| w.credit),
        );
        assert_unique("photo_agencies.txt", photo_agencies().iter().copied());
        assert_unique(
            "aggregator_disclaimers.txt",
            aggregator_disclaimers().iter().copied(),
        );
        assert_unique("months.tsv", months().iter().map(|(m, _)| *m));
        assert_unique("wire_ids.tsv", wire_id_formats().iter().map(|f| f.name));
        assert_unique("cue_verbs.txt", speech_verbs().iter().copied());
        assert_unique(
            "boilerplate rules",
            boilerplate_rules().iter().map(|r| r.name),
        );
        for rule in boilerplate_rules() {
            assert_unique(rule.name, rule.alternatives.iter().map(String::as_str));
        }
    }

    #[test]
    fn cue_verb_tags_are_known_and_abbreviations_are_not_month_names() {
        const CUE_VERB_TAGS: &[&str] = &["clause", "addressed", "inverts"];
        for line in entries(CUE_VERBS) {
            for tag in line.split_whitespace().skip(1) {
                assert!(
                    CUE_VERB_TAGS.contains(&tag),
                    "cue_verbs.txt: unknown tag `{tag}`"
                );
            }
        }
        let said = cue_verbs().iter().find(|c| c.verb == "said").unwrap();
        assert!(said.clause && said.inverts && !said.addressed);
        assert!(cue_verbs().iter().any(|c| c.verb == "told" && c.addressed));
        let abbreviations = month_abbreviations();
        assert!(abbreviations.contains(&"sept") && abbreviations.contains(&"jun"));
        assert!(!abbreviations.contains(&"may") && !abbreviations.contains(&"june"));
    }

    #[test]
    fn lower_case_lists_are_lower_case() {
        for item in photo_agencies()
            .iter()
            .chain(speech_verbs())
            .chain(months().iter().map(|(m, _)| m))
        {
            assert_eq!(*item, item.to_lowercase());
        }
    }

    #[test]
    fn every_pattern_compiles_and_matches_what_it_documents() {
        for rule in boilerplate_rules() {
            regex::Regex::new(&rule.pattern()).unwrap_or_else(|e| panic!("{}: {e}", rule.name));
            assert!(
                [
                    "nav",
                    "subscribe",
                    "teaser",
                    "credit",
                    "disclaimer",
                    "footer",
                    "other"
                ]
                .contains(&rule.kind.as_str()),
                "{}: kind {}",
                rule.name,
                rule.kind
            );
        }
        let credit = boilerplate_rules()
            .iter()
            .find(|r| r.name == "credit_phrase")
            .unwrap();
        let credit = regex::Regex::new(&credit.pattern()).unwrap();
        assert!(credit.is_match("bill blair in brussels. (john thys / afp via getty images)"));
        let sentence = regex::Regex::new(&credit_sentence_pattern(&[])).unwrap();
        let line = "Their goals differ. Pictures of Getty Images, Reuters and the Canadian press.";
        let credit = sentence.captures(line).unwrap().get(1).unwrap();
        assert_eq!(
            credit.as_str(),
            "Pictures of Getty Images, Reuters and the Canadian press."
        );
        assert!(!sentence.is_match("Pictures of the war were shown by Reuters on Monday."));
        let cues = credit_sentence_cues();
        assert!(
            cues.iter().any(|c| line.to_lowercase().contains(c)),
            "{cues:?}"
        );
        let menafn = &wire_id_formats()[0];
        let id = regex::Regex::new(menafn.pattern).unwrap();
        assert_eq!(
            &id.captures("MENAFN25082025007421016031ID1109973849")
                .unwrap()[1],
            "25082025"
        );
    }

    #[test]
    fn months_and_extra_agencies() {
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("DECEMBER"), Some(12));
        assert_eq!(month_number("Monday"), None);
        let rules = boilerplate_rules_with(&["Kyiv Photo Desk".into()]);
        let credit = rules.iter().find(|r| r.name == "credit_phrase").unwrap();
        assert!(regex::Regex::new(&credit.pattern())
            .unwrap()
            .is_match("a street in kyiv. (photo: jane doe / via kyiv photo desk)"));
    }
}
