//! The patterns the document signals look for, compiled once. Word boundaries are ASCII
//! (`(?-u:\b)`) so the fast DFA engines run on any text.

use std::sync::LazyLock;

use regex::Regex;

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern compiles")
}

/// Anonymous attribution: "sources said", "officials insist", "speaking anonymously".
pub static ANONYMOUS: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?-u:\b)(?:anonymous(?:ly)?|on (?:the )?condition of anonymity|unnamed (?:sources?|officials?)|(?:a |one |two |several )?sources? (?:said|say|says|told|close to|familiar with)|(?:people|persons?|a person) familiar with|officials (?:insist|insisted|said|say|admit|admitted|told)|according to (?:sources|officials|insiders)|(?:declined|asked|requested) not to be (?:named|identified)|not authori[sz]ed to speak|insiders? (?:said|say|says))(?-u:\b)",
    )
});

/// Reported-speech cues ("said", "told", "according to"), from `data/attribution_cues.txt`.
pub static ATTRIBUTION_CUE: LazyLock<Regex> = LazyLock::new(|| {
    let cues: Vec<String> = include_str!("../data/attribution_cues.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(regex::escape)
        .collect();
    compile(&format!(r"(?i)(?-u:\b)(?:{})(?-u:\b)", cues.join("|")))
});

/// A word in capitals (four letters or more): in a headline, shouting unless the text writes it
/// in capitals too (an acronym such as NATO).
pub static CAPITALS_WORD: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{Lu}{4,}(?-u:\b)"));

/// Hedges: words that soften an assertion.
pub static HEDGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?-u:\b)(?:may|might|could|reportedly|allegedly|apparently|possibly|perhaps|probably|likely|unlikely|presumably|supposedly|purportedly|rumou?red|unconfirmed|estimated|seems?|appears? to|is expected to|are expected to|believed to|thought to)(?-u:\b)",
    )
});

/// A named author line in the text: "By Jane Doe", "Author: Jane Doe".
pub static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?m)^[ \t]*(?:[Bb]y|BY|Author:|Written by)[ \t]+\p{Lu}[\p{L}.'’-]+(?:[ \t]+\p{Lu}[\p{L}.'’-]+){0,3}",
    )
});

/// A whole line of page furniture left in the text: navigation, sharing, subscribing.
pub static BOILERPLATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?im)^[ \t]*(?:subscribe(?: now| today| to [^\n]{0,60})?|sign (?:up|in)(?: [^\n]{0,60})?|log ?in|register|follow us(?: on [^\n]{0,40})?|share(?: this(?: article| story)?| on [^\n]{0,30})?|read (?:more|next|also)(?:[: ][^\n]{0,80})?|related(?: articles| stories| news| posts)?:?|most (?:popular|read)|editors[’']? picks|advertisement|skip to (?:main )?content|click here[^\n]{0,80}|\* ?indicates required|all rights reserved\.?|[^\n]{0,60}(?-u:\b)all rights reserved\.?|accept (?:all )?cookies|we use cookies[^\n]{0,100}|newsletters?|enter your email[^\n]{0,40}|tags?:[^\n]{0,100}|leave a comment|comments?|print|email|copy link|(?:©|copyright)[^\n]{0,80}|this audio is created[^\n]{0,40})[ \t]*$",
    )
});

/// A photo or video credit: a credit formula followed by the agency or photographer, or an
/// agency's picture credit ("Pictures of Getty Images, Reuters", "Photo: AP", "via Getty
/// Images"). "pictures of Hillary" in a sentence is not one.
pub static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?:(?-u:\b)(?:pictures?|photos?|images?|video)(?: credit)?(?::| by| of| courtesy(?: of)?)[ \t]+[^\n.]{0,60}?(?-u:\b)(?:getty|reuters|ap|afp|epa|shutterstock|press|images|photographer|staff)(?-u:\b)[^\n.]{0,60}\.?|(?-u:\b)(?:image credit|via getty images|getty images|ap photo)(?-u:\b)[^\n.]{0,120}\.?)",
    )
});

/// Machine-translation residue: a compound split before its hyphen ("peace -resisting").
pub static SPLIT_COMPOUND: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{L}{2,} -\p{L}{2,}"));

/// A capital inside a lower-case word ("eBergation").
pub static MID_WORD_CAPITAL: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)\p{Ll}+\p{Lu}\p{Ll}{2,}(?-u:\b)"));

/// Brand names written with an inner capital on purpose.
pub const INNER_CAPITAL_WORDS: [&str; 14] = [
    "iphone",
    "ipad",
    "ipod",
    "imac",
    "itunes",
    "icloud",
    "ebay",
    "ebook",
    "ebooks",
    "esports",
    "ecommerce",
    "iphones",
    "ipads",
    "ereader",
];

/// A military rank abbreviation followed by a lower-case letter ("Lt.-gen.").
pub static RANK_LOWERCASE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?-u:\b)(?:Lt|Gen|Maj|Col|Sgt|Capt|Adm|Brig|Cmdr|Cpl|Pte)\.-?\p{Ll}")
});

/// Markers of a syndicated or republished copy.
pub static SYNDICATION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\(MENAFN-[^)]{0,60}\)|\((?:AP|Reuters|AFP|Bloomberg|dpa|UPI|IANS|PTI|ANI)\)\s*[—–-]|(?-u:\b)(?:originally (?:published|appeared)|this (?:article|story) (?:was )?(?:first )?(?:published|appeared)|republished (?:with|from|by)|distributed by|syndicated (?:by|from)|reprinted with permission)(?-u:\b)",
    )
});

/// An aggregator's disclaimer that it does not stand behind what it publishes.
pub static AGGREGATOR_DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"(?i)(?:do(?:es)? not (?:accept|assume|take) any (?:responsibility|liability)|provides? the information ["“”]?as is|without warranty of any kind|not (?:be )?(?:held )?responsible for the (?:accuracy|content)|views expressed (?:in this|here) (?:article )?(?:are|do not))"#,
    )
});

/// A closing summary formula typical of generated rewrites ("In conclusion,").
pub static SUMMARY_MARKER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?m)(?:^|[.!?]\s+)(?:In conclusion|In summary|To sum up|Overall),"));

/// Words too common to tell two claims apart.
pub const STOPWORDS: [&str; 64] = [
    "about",
    "after",
    "again",
    "against",
    "also",
    "been",
    "before",
    "being",
    "between",
    "both",
    "could",
    "does",
    "during",
    "each",
    "from",
    "further",
    "have",
    "having",
    "here",
    "into",
    "itself",
    "just",
    "more",
    "most",
    "much",
    "must",
    "only",
    "other",
    "over",
    "said",
    "says",
    "same",
    "should",
    "some",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "told",
    "under",
    "until",
    "very",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "will",
    "with",
    "would",
    "your",
    "added",
    "according",
    "still",
    "week",
];
