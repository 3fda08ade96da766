//! # newspipe-knowledge
//!
//! One store of the news knowledge that several stages need: wire services, photo agencies,
//! aggregator credits and disclaimers, republication notes, boilerplate line rules, wire-id
//! formats, month names, speech verbs and attribution cues, sentence starters and office
//! holders. Each list is a data file in `data/` with comments giving its provenance; this crate
//! parses them once and hands them out, so that no stage keeps its own copy with its own
//! vocabulary. Users add their own entries through the stage configs (normalize's
//! `extra_patterns` and `extra_agencies`), never by editing a stage.
//!
//! Data file format: UTF-8 lines; blank lines and lines starting with `#` are comments, except
//! `#! key: value` directives at the top of a boilerplate rule file; `.tsv` files have
//! tab-separated columns.

use std::sync::LazyLock;

mod line_matcher;
mod start_filter;

pub use line_matcher::{fold_line, LineMatcher};
pub use start_filter::StartFiltered;

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
        "teaser_link",
        include_str!("../data/boilerplate/teaser_link.txt"),
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
const PUBLISHER_DISCLAIMERS: &str = include_str!("../data/publisher_disclaimers.txt");
const MONTHS: &str = include_str!("../data/months.tsv");
const WIRE_IDS: &str = include_str!("../data/wire_ids.tsv");
const CUE_VERBS: &str = include_str!("../data/cue_verbs.txt");
const CREDIT_SENTENCE: &str = include_str!("../data/credit_sentence.txt");
const ENGLISH_FUNCTION_WORDS: &str = include_str!("../data/english_function_words.txt");
const AGGREGATOR_CREDIT: &str = include_str!("../data/aggregator_credit.txt");
const REPUBLICATION_PHRASES: &str = include_str!("../data/republication_phrases.txt");
const SOURCE_LABELS: &str = include_str!("../data/source_labels.txt");
const LIABILITY_DISCLAIMERS: &str = include_str!("../data/liability_disclaimers.txt");
const SENTENCE_STARTERS: &str = include_str!("../data/sentence_starters.txt");
const ATTRIBUTION_CUES: &str = include_str!("../data/attribution_cues.txt");
const ANONYMOUS_ATTRIBUTION: &str = include_str!("../data/anonymous_attribution.txt");
const HEDGES: &str = include_str!("../data/hedges.txt");
const BYLINE_LABELS: &str = include_str!("../data/byline_labels.txt");
const SUMMARY_FORMULAS: &str = include_str!("../data/summary_formulas.txt");
const MILITARY_RANKS: &str = include_str!("../data/military_ranks.txt");
const INNER_CAPITAL_WORDS: &str = include_str!("../data/inner_capital_words.txt");
const STOPWORDS: &str = include_str!("../data/stopwords.txt");
const CHROME_CLASS_HINTS: &str = include_str!("../data/chrome_class_hints.txt");
const AUTHOR_BIO_ROLES: &str = include_str!("../data/author_bio_roles.txt");

/// Holders of prominent offices with their terms (person, role words, start, end), as a
/// tab-separated table: the built-in table a stage reads unless the user gives their own.
pub const OFFICE_HOLDERS: &str = include_str!("../data/office_holders.tsv");

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

/// Whether a word is one of the commonest English function words, lower case ("the", "of",
/// "said"): a cheap, sure sign of English text. The word's bytes are compared as written, so
/// "The" is not one. Normalize asks it of every word of the text it samples for the language,
/// so a word is looked up as one 64-bit number, its bytes and its length
/// ([`short_word_key`]), in a set of the list's numbers: no string is hashed or compared.
pub fn is_english_function_word(word: &[u8]) -> bool {
    static KEYS: LazyLock<rustc_hash::FxHashSet<u64>> = LazyLock::new(|| {
        entries(ENGLISH_FUNCTION_WORDS)
            .map(|word| short_word_key(word.as_bytes()).expect("function words are short"))
            .map(u64::from_le_bytes)
            .collect()
    });
    short_word_key(word).is_some_and(|key| KEYS.contains(&u64::from_le_bytes(key)))
}

/// A word shorter than `N` bytes as one `N`-byte key: its bytes, zeros, and its length in the
/// last byte (so that "of" and "of\0" differ); `None` for a longer word. Turned into a number,
/// it makes a look-up of a short word compare one number instead of reading a string (the
/// function words here, extract's cache of the spellings its entity model has read).
pub fn short_word_key<const N: usize>(word: &[u8]) -> Option<[u8; N]> {
    if word.len() >= N {
        return None;
    }
    let mut key = [0u8; N];
    key[..word.len()].copy_from_slice(word);
    key[N - 1] = word.len() as u8;
    Some(key)
}

/// Publishers' disclaimers of opinion pieces and financial notes: regular expressions over
/// the lower-cased line. Cut by normalize like [`aggregator_disclaimers`], but no mark of a
/// repost.
pub fn publisher_disclaimers() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(PUBLISHER_DISCLAIMERS).collect());
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

/// The [`wire_id_formats`] compiled, each with its format.
static WIRE_ID_PATTERNS: LazyLock<Vec<(regex::Regex, &'static WireIdFormat)>> =
    LazyLock::new(|| {
        wire_id_formats()
            .iter()
            .map(|f| {
                let regex = regex::Regex::new(f.pattern).expect("wire_ids.tsv patterns are valid");
                (regex, f)
            })
            .collect()
    });

/// Compiles what the stages read from this crate on nearly every document (the built-in
/// boilerplate matcher, the wire-id patterns), for a stage's warm-up: see
/// `newspipe_core::DocumentStage::warm_up`.
pub fn warm_up() {
    LineMatcher::builtin();
    LazyLock::force(&WIRE_ID_PATTERNS);
}

/// A whole line read as a wire or aggregator id in one of [`wire_id_formats`]: the id and the
/// days its date digits may encode, as `(year, month, day)` in the format's layout order (not
/// yet checked against the calendar). Normalize (which cuts and records ids) and extract (which
/// checks a header date against them) both read ids through this, so they agree on what an id
/// and its date are.
pub fn wire_id(line: &str) -> Option<WireId<'_>> {
    let line = line.trim();
    WIRE_ID_PATTERNS.iter().find_map(|(regex, format)| {
        let digits = regex.captures(line)?.get(1)?.as_str();
        Some(WireId {
            id: line,
            format,
            digits,
        })
    })
}

/// An id line found by [`wire_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireId<'a> {
    /// The whole id, trimmed.
    pub id: &'a str,
    /// The format it matched.
    pub format: &'static WireIdFormat,
    /// Its 8 date digits.
    digits: &'a str,
}

impl WireId<'_> {
    /// The `(year, month, day)` readings of the date digits, in the format's layout order
    /// (`dmy` is DDMMYYYY, `ymd` YYYYMMDD); the caller keeps the first valid calendar day.
    pub fn day_readings(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        let num = |range: std::ops::Range<usize>| self.digits.get(range)?.parse::<u32>().ok();
        self.format
            .layouts
            .iter()
            .filter_map(move |layout| match *layout {
                "dmy" => Some((num(4..8)?, num(2..4)?, num(0..2)?)),
                "ymd" => Some((num(0..4)?, num(4..6)?, num(6..8)?)),
                _ => None,
            })
    }
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

/// The regular expression of a wire agency's credit at the start of a line, after an
/// optional dateline (`WASHINGTON (AP) —`, `(Reuters) -`); group 1 is the credit as printed,
/// one of [`wire_services`].
pub fn wire_credit_pattern() -> String {
    let credits: Vec<String> = wire_services()
        .iter()
        .map(|w| regex::escape(w.credit))
        .collect();
    format!(
        r"(?m)^[ \t]*(?:[A-Z][A-Z .'\-]{{1,30}}(?:,[ \t]*[A-Z][A-Za-z .]{{1,30}})?[ \t]*)?\(({})\)[ \t]*[-\u{{2013}}\u{{2014}}]",
        credits.join("|")
    )
}

/// The full name of the wire agency whose credit is `credit` (as printed), if it is one.
pub fn wire_service_name(credit: &str) -> Option<&'static str> {
    wire_services()
        .iter()
        .find(|w| w.credit == credit)
        .map(|w| w.name)
}

/// The regular expression of an aggregator's credit to its origin (`(MENAFN- The Rio
/// Times)`); group 2 is the origin outlet.
pub fn aggregator_credit_pattern() -> &'static str {
    entries(AGGREGATOR_CREDIT)
        .next()
        .expect("aggregator_credit.txt holds a pattern")
}

/// The regular expression of a republication note ("originally published on The
/// Conversation", "reprinted with permission from Reuters", "Reprinted with permission."); the
/// origin outlet, when the note names one, is group 1 after "with permission", else group 2.
pub fn republication_pattern() -> String {
    let origin = r"[ \t]+(?i:on|in|at|by|from|of)[ \t]+((?:the |The )?[A-Z][^\n.,;:()]{1,60})";
    format!(
        r"(?i:{})(?:(?i:[ \t]+with permission)(?:{origin})?|{origin})",
        entries(REPUBLICATION_PHRASES).collect::<Vec<_>>().join("|")
    )
}

/// The regular expression of a line that names a story's source (`Source: Kyiv Post`),
/// alone on its line; group 1 is the source.
pub fn source_line_pattern() -> String {
    let labels: Vec<String> = entries(SOURCE_LABELS).map(regex::escape).collect();
    format!(
        r"(?m)^[ \t]*(?:{})[ \t]*:[ \t]*([A-Z][^\n]{{1,50}}?)[ \t]*\.?[ \t]*$",
        labels.join("|")
    )
}

/// [`aggregator_disclaimers`] as one case-insensitive regular expression over unfolded text:
/// each straight quote in a disclaimer also matches the typographic ones.
pub fn aggregator_disclaimer_pattern() -> String {
    let alternatives: Vec<String> = aggregator_disclaimers()
        .iter()
        .map(|a| format!("(?:{})", a.replace('"', "[\"\u{201c}\u{201d}]")))
        .collect();
    format!("(?i){}", alternatives.join("|"))
}

/// Disclaimers of liability that ordinary reporting also uses, so normalize does not cut on
/// them: regular expressions, matched case-insensitively.
pub fn liability_disclaimers() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(LIABILITY_DISCLAIMERS).collect());
    &LIST
}

/// Capitalized words that open sentences rather than names ("The", "After"), case as printed.
pub fn sentence_starters() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(SENTENCE_STARTERS).collect());
    &LIST
}

/// Phrases that attribute a statement ("said", "told", "according to"), lower case.
pub fn attribution_cues() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(ATTRIBUTION_CUES).collect());
    &LIST
}

/// Phrases of anonymous attribution ("sources said", "on condition of anonymity"): regular
/// expressions, matched case-insensitively as whole words.
pub fn anonymous_attribution() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(ANONYMOUS_ATTRIBUTION).collect());
    &LIST
}

/// Hedges ("reportedly", "is expected to"): regular expressions, matched case-insensitively as
/// whole words.
pub fn hedges() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(HEDGES).collect());
    &LIST
}

/// Words that open an author line ("By", "Author:"), case as printed.
pub fn byline_labels() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(BYLINE_LABELS).collect());
    &LIST
}

/// Closing summary formulas of generated rewrites ("In conclusion"), case as printed.
pub fn summary_formulas() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(SUMMARY_FORMULAS).collect());
    &LIST
}

/// Military rank abbreviations without their period ("Lt", "Maj").
pub fn military_ranks() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(MILITARY_RANKS).collect());
    &LIST
}

/// Roles a writer's bio names ("reporter", "columnist"), lower case: normalize reads a line
/// that introduces a person by one of them at the edge of an article as an author bio.
pub fn author_bio_roles() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(AUTHOR_BIO_ROLES).collect());
    &LIST
}

/// Words written with an inner capital on purpose ("iphone", "ebay"), lower case.
pub fn inner_capital_words() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(INNER_CAPITAL_WORDS).collect());
    &LIST
}

/// Words too common to tell two claims apart, lower case.
pub fn stopwords() -> &'static [&'static str] {
    static LIST: LazyLock<Vec<&str>> = LazyLock::new(|| entries(STOPWORDS).collect());
    &LIST
}

/// The built-in boilerplate rules, in the order they are tried, with `{photo_agencies}` and
/// `{aggregator_disclaimers}` (the aggregators' and the publishers' disclaimers) filled in from
/// the built-in lists.
pub fn boilerplate_rules() -> &'static [LineRule] {
    static LIST: LazyLock<Vec<LineRule>> = LazyLock::new(|| boilerplate_rules_with(&[]));
    &LIST
}

/// The boilerplate rules with the user's own photo agencies (lower case) added to the
/// built-in ones.
pub fn boilerplate_rules_with(extra_agencies: &[String]) -> Vec<LineRule> {
    let agencies = agency_alternatives(extra_agencies);
    let disclaimers = aggregator_disclaimers()
        .iter()
        .chain(publisher_disclaimers())
        .copied()
        .collect::<Vec<_>>()
        .join("|");
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

/// A word in an HTML element's class, id or role that marks page chrome (a related-story list,
/// a share bar, a newsletter box, an author bio, a caption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChromeClassHint {
    /// The word, lower case.
    pub word: &'static str,
    /// Whether it must be a whole part of a class name (split at `-` and `_`), not any piece.
    pub whole_part: bool,
    /// The kind of cut, as `RemovedKind` spells it (`teaser`, `subscribe`, `credit`, `nav`,
    /// `other`).
    pub kind: &'static str,
}

/// The class, id and role words that mark page chrome around an article.
pub fn chrome_class_hints() -> &'static [ChromeClassHint] {
    static LIST: LazyLock<Vec<ChromeClassHint>> = LazyLock::new(|| {
        entries(CHROME_CLASS_HINTS)
            .map(|line| {
                let c = columns(line);
                let (word, whole_part) = match c[0].strip_prefix('=') {
                    Some(word) => (word, true),
                    None => (c[0], false),
                };
                ChromeClassHint {
                    word,
                    whole_part,
                    kind: c.get(1).copied().unwrap_or("other"),
                }
            })
            .collect()
    });
    &LIST
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
            "aggregator and publisher disclaimers",
            aggregator_disclaimers()
                .iter()
                .chain(publisher_disclaimers())
                .copied(),
        );
        assert_unique("months.tsv", months().iter().map(|(m, _)| *m));
        assert_unique("wire_ids.tsv", wire_id_formats().iter().map(|f| f.name));
        assert_unique("cue_verbs.txt", speech_verbs().iter().copied());
        assert_unique("sentence_starters.txt", sentence_starters().iter().copied());
        assert_unique("attribution_cues.txt", attribution_cues().iter().copied());
        assert_unique(
            "liability_disclaimers.txt",
            liability_disclaimers().iter().copied(),
        );
        assert_unique("republication_phrases.txt", entries(REPUBLICATION_PHRASES));
        assert_unique("source_labels.txt", entries(SOURCE_LABELS));
        assert_unique(
            "anonymous_attribution.txt",
            anonymous_attribution().iter().copied(),
        );
        assert_unique("hedges.txt", hedges().iter().copied());
        assert_unique(
            "chrome_class_hints.txt",
            chrome_class_hints().iter().map(|h| h.word),
        );
        assert_unique("byline_labels.txt", byline_labels().iter().copied());
        assert_unique("summary_formulas.txt", summary_formulas().iter().copied());
        assert_unique("military_ranks.txt", military_ranks().iter().copied());
        assert_unique(
            "inner_capital_words.txt",
            inner_capital_words().iter().copied(),
        );
        assert_unique("stopwords.txt", stopwords().iter().copied());
        assert_unique("author_bio_roles.txt", author_bio_roles().iter().copied());
        assert_unique(
            "english_function_words.txt",
            entries(ENGLISH_FUNCTION_WORDS),
        );
        assert_unique(
            "boilerplate rules",
            boilerplate_rules().iter().map(|r| r.name),
        );
        for rule in boilerplate_rules() {
            assert_unique(rule.name, rule.alternatives.iter().map(String::as_str));
        }
    }

    #[test]
    fn function_words_are_the_listed_words_as_written() {
        for word in entries(ENGLISH_FUNCTION_WORDS) {
            assert!(is_english_function_word(word.as_bytes()), "{word}");
            // as written: a capital, a trailing byte or a longer word is another word
            assert!(
                !is_english_function_word(word.to_uppercase().as_bytes()),
                "{word}"
            );
            assert!(
                !is_english_function_word(format!("{word}\0").as_bytes()),
                "{word}"
            );
            assert!(
                !is_english_function_word(format!("{word}s{word}").as_bytes()),
                "{word}"
            );
        }
        for other in ["", "\0", "council", "thé", "ofthe", "the the"] {
            assert!(!is_english_function_word(other.as_bytes()), "{other}");
        }
        assert!(is_english_function_word(b"said"));
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
            .chain(attribution_cues())
            .chain(inner_capital_words())
            .chain(stopwords())
            .chain(author_bio_roles())
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
    fn wire_ids_are_whole_lines_read_in_their_layout_order() {
        let menafn = wire_id("  MENAFN25082025007421016031ID1109973849 ").unwrap();
        assert_eq!(menafn.id, "MENAFN25082025007421016031ID1109973849");
        assert_eq!(menafn.format.name, "menafn");
        assert_eq!(
            menafn.day_readings().collect::<Vec<_>>(),
            [(2025, 8, 25), (2508, 20, 25)]
        );
        let year_first = wire_id("PRN20250825123456").unwrap();
        assert_eq!(year_first.format.name, "letters_digits");
        assert_eq!(year_first.day_readings().nth(1), Some((2025, 8, 25)));
        assert!(wire_id("NATO").is_none());
        assert!(wire_id("Some words MENAFN25082025007421016031").is_none());
    }

    #[test]
    fn syndication_patterns_find_credits_and_name_the_origin() {
        let wire = regex::Regex::new(&wire_credit_pattern()).unwrap();
        let credit = wire
            .captures("LONDON, England (Reuters) - Shares fell")
            .unwrap();
        assert_eq!(wire_service_name(&credit[1]), Some("Reuters"));
        assert!(!wire.is_match("Shares fell, Reuters (citing sources) said."));
        let aggregator = regex::Regex::new(aggregator_credit_pattern()).unwrap();
        assert_eq!(
            &aggregator
                .captures("(MENAFN- The Rio Times) Canada")
                .unwrap()[2],
            "The Rio Times"
        );
        assert!(!aggregator.is_match("(Kyiv - Ukraine)"));
        let republished = regex::Regex::new(&republication_pattern()).unwrap();
        let note = "Reprinted with permission from The Atlantic. Read more.";
        assert_eq!(&republished.captures(note).unwrap()[1], "The Atlantic");
        let note = "Originally published on The Conversation.";
        assert_eq!(&republished.captures(note).unwrap()[2], "The Conversation");
        assert!(republished.is_match("Reprinted with permission."));
        assert!(!republished.is_match("The study was reproduced twice."));
        let source = regex::Regex::new(&source_line_pattern()).unwrap();
        assert_eq!(
            &source.captures("Body.\nSource: Kyiv Post\n").unwrap()[1],
            "Kyiv Post"
        );
        let disclaimer = regex::Regex::new(&aggregator_disclaimer_pattern()).unwrap();
        assert!(disclaimer.is_match("MENAFN provides the information \u{201c}as is\u{201d}."));
        assert!(!disclaimer.is_match("The minister provides the information today."));
        for pattern in liability_disclaimers() {
            regex::Regex::new(pattern).unwrap();
        }
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
