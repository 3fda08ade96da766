//! The name lists shipped in `data/` (sources and licences in `data/README.md`) and the word
//! classes the rules use, compiled once into automata and hash sets.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use newspipe_core::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};

use newspipe_knowledge::StartFiltered;

const PLACES: &str = include_str!("../data/places.txt");
const PLACES_EXTRA: &str = include_str!("../data/places_extra.txt");
const ORGANIZATIONS: &str = include_str!("../data/organizations.txt");
const TITLES: &str = include_str!("../data/titles.txt");
const DEMONYMS: &str = include_str!("../data/demonyms.txt");
const FIRST_NAMES: &str = include_str!("../data/first_names.txt");
const FEMALE_FIRST_NAMES: &str = include_str!("../data/female_first_names.txt");
const COMMON_WORDS: &str = include_str!("../data/common_words.txt");

/// One gazetteer entry: what it is and its canonical name.
#[derive(Debug, Clone)]
pub struct GazetteerEntry {
    /// The surface form as listed.
    pub surface: &'static str,
    /// Place or organization.
    pub kind: EntityKind,
    /// Whether the listed name starts with "The" ("The Kyiv Independent"); the automaton
    /// matches it without, and the caller takes "The" in when it is written capitalized.
    pub with_the: bool,
    /// The canonical name ("U.S." → "United States").
    pub canonical: &'static str,
}

/// Places and organizations, found leftmost-longest.
pub struct Gazetteer {
    /// Surfaces of four bytes or more in ASCII lower case, searched in the text's ASCII lower
    /// case: ASCII case-insensitively (callers check case).
    long: LongNames,
    /// Short surfaces ("US", "UN", "EU"), matched exactly: case-insensitively they would hit
    /// inside every "focus" and "under".
    short: AhoCorasick,
    /// Entry index of each pattern of `short`.
    short_ids: Vec<usize>,
    /// All entries.
    pub entries: Vec<GazetteerEntry>,
}

/// The lower-cased surfaces of four bytes or more, as one leftmost-longest automaton finds
/// them, searched as two lists: the names in ASCII and typographic apostrophes (3,167 of the
/// shipped 3,599), searched at the positions their first bytes allow (see [`StartFiltered`]:
/// on the `wire` bench row in a third of the time an 11 MB DFA of them took, and without
/// building it), and those with other letters (432 places: "zürich", "são paulo"), in an
/// automaton of their own: their letters' bytes take byte classes of their own, which every
/// state of an automaton holding them pays for. A text holding none of the lead bytes of those
/// letters (every ASCII text, most of the rest) holds none of the other names, and is searched
/// once. Where matches of the two overlap, they are not what one automaton over all the names
/// finds, and that automaton, built on first need, answers instead.
struct LongNames {
    /// The names in ASCII and typographic apostrophes.
    ascii: StartFiltered,
    /// Entry index of each pattern of `ascii`.
    ascii_ids: Vec<usize>,
    other: AhoCorasick,
    /// Entry index of each pattern of `other`.
    other_ids: Vec<usize>,
    /// The lead bytes of the letters that put a name in `other` (six for the shipped lists):
    /// a text without any has no match of `other`.
    other_leads: Vec<u8>,
    /// Every surface with its entry index, for `all`.
    surfaces: Vec<Surface>,
    /// All the surfaces in one automaton, built when two matches first overlap.
    all: std::sync::OnceLock<AhoCorasick>,
}

/// A lower-cased surface with its entry index.
type Surface = (String, usize);

impl LongNames {
    /// The automata of these lower-cased surfaces, each with its entry index.
    fn new(surfaces: Vec<Surface>) -> Self {
        // Typographic apostrophes ("arkhangel’sk") add three bytes to the first automaton, and
        // are common in text.
        let goes_first = |c: char| c.is_ascii() || matches!(c, '\u{2018}' | '\u{2019}');
        let (ascii, other): (Vec<&Surface>, Vec<&Surface>) = surfaces
            .iter()
            .partition(|(surface, _)| surface.chars().all(goes_first));
        let mut other_leads: Vec<u8> = other
            .iter()
            .flat_map(|(surface, _)| surface.chars().filter(|&c| !goes_first(c)))
            .map(|c| c.encode_utf8(&mut [0; 4]).as_bytes()[0])
            .collect();
        other_leads.sort_unstable();
        other_leads.dedup();
        Self {
            ascii: StartFiltered::new(
                &ascii.iter().map(|(surface, _)| surface).collect::<Vec<_>>(),
            ),
            ascii_ids: ascii.iter().map(|&&(_, id)| id).collect(),
            other: automaton(other.iter().map(|(surface, _)| surface), false),
            other_ids: other.iter().map(|&&(_, id)| id).collect(),
            other_leads,
            surfaces,
            all: std::sync::OnceLock::new(),
        }
    }

    /// The leftmost-longest matches `(start, end, entry)` of all the surfaces in `folded`, in
    /// text order.
    fn find(&self, folded: &str) -> Vec<(usize, usize, usize)> {
        let matches = |automaton: &AhoCorasick, ids: &[usize]| -> Vec<(usize, usize, usize)> {
            automaton
                .find_iter(folded)
                .map(|m| (m.start(), m.end(), ids[m.pattern().as_usize()]))
                .collect()
        };
        let mut hits: Vec<(usize, usize, usize)> = self
            .ascii
            .find(folded.as_bytes())
            .into_iter()
            .map(|(start, end, pattern)| (start, end, self.ascii_ids[pattern]))
            .collect();
        // Every other surface holds a letter with one of `other_leads` as its first byte,
        // looked for three at a time by `memchr`'s vector search.
        let holds_lead = |leads: &[u8]| {
            let text = folded.as_bytes();
            match *leads {
                [a, b, c] => memchr::memchr3(a, b, c, text).is_some(),
                [a, b] => memchr::memchr2(a, b, text).is_some(),
                [a] => memchr::memchr(a, text).is_some(),
                _ => false,
            }
        };
        if folded.is_ascii() || !self.other_leads.chunks(3).any(holds_lead) {
            return hits;
        }
        let others = matches(&self.other, &self.other_ids);
        if others.is_empty() {
            return hits;
        }
        if overlap(&hits, &others) {
            let all = self
                .all
                .get_or_init(|| automaton(self.surfaces.iter().map(|(surface, _)| surface), false));
            let ids: Vec<usize> = self.surfaces.iter().map(|&(_, id)| id).collect();
            return matches(all, &ids);
        }
        hits.extend(others);
        hits.sort_unstable();
        hits
    }
}

/// Whether any match of one list overlaps one of the other; each list is in text order and
/// without overlaps of its own.
fn overlap(one: &[(usize, usize, usize)], other: &[(usize, usize, usize)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < one.len() && j < other.len() {
        if one[i].1 <= other[j].0 {
            i += 1;
        } else if other[j].1 <= one[i].0 {
            j += 1;
        } else {
            return true;
        }
    }
    false
}

impl Gazetteer {
    /// Non-overlapping matches `(start, end, entry)`, leftmost-longest, in text order.
    pub fn find(&self, text: &str) -> Vec<(usize, usize, usize)> {
        // ASCII lower-casing keeps every byte where it is: the offsets are the text's.
        let folded = text.to_ascii_lowercase();
        let mut hits: Vec<(usize, usize, usize)> = self
            .long
            .find(&folded)
            .into_iter()
            .chain(
                self.short
                    .find_iter(text)
                    .map(|m| (m.start(), m.end(), self.short_ids[m.pattern().as_usize()])),
            )
            .collect();
        hits.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut last_end = 0;
        hits.retain(|&(start, end, _)| {
            let keep = start >= last_end;
            if keep {
                last_end = end;
            }
            keep
        });
        hits
    }
}

fn automaton<P: AsRef<[u8]>>(
    patterns: impl IntoIterator<Item = P>,
    case_insensitive: bool,
) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(case_insensitive)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .expect("name list automaton builds")
}

fn list_lines(data: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        // Most lines are a bare name: only one with an '=' can hold " = ".
        .map(
            |l| match l.contains('=').then(|| l.split_once(" = ")).flatten() {
                Some((surface, canonical)) => (surface.trim(), canonical.trim()),
                None => (l, l),
            },
        )
}

/// The place and organization lists.
pub static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut entries = Vec::new();
    let mut seen = FxHashSet::default();
    let lists = [
        (ORGANIZATIONS, EntityKind::Organization),
        (PLACES_EXTRA, EntityKind::Place),
        (PLACES, EntityKind::Place),
    ];
    for (data, kind) in lists {
        for (listed, canonical) in list_lines(data) {
            let (surface, with_the) = match listed.strip_prefix("The ") {
                Some(rest) => (rest, true),
                None => (listed, false),
            };
            if !seen.insert(surface) {
                continue;
            }
            entries.push(GazetteerEntry {
                surface,
                kind,
                with_the,
                canonical,
            });
        }
    }
    let (short_ids, long_ids): (Vec<usize>, Vec<usize>) =
        (0..entries.len()).partition(|&i| entries[i].surface.len() < 4);
    Gazetteer {
        long: LongNames::new(
            long_ids
                .iter()
                .map(|&i| (entries[i].surface.to_ascii_lowercase(), i))
                .collect(),
        ),
        short: automaton(short_ids.iter().map(|&i| entries[i].surface), false),
        short_ids,
        entries,
    }
});

/// What [`build`] and [`warm_up`] build, in two parts: the gazetteer, then the title
/// automaton, the entity model and the word sets.
const BUILDS: [fn(); 2] = [
    || {
        LazyLock::force(&GAZETTEER);
    },
    || {
        LazyLock::force(&TITLE_AUTOMATON);
        crate::ner::load_model();
        for set in [
            &COMMON_WORD_SET,
            &FIRST_NAME_SET,
            &FEMALE_NAME_SET,
            &DEMONYM_SET,
            &NON_NAME_WORDS,
            &ORG_SUFFIXES,
            &ORG_PREFIXES,
            &NON_ACRONYMS,
            &CUE_VERBS,
        ] {
            LazyLock::force(set);
        }
    },
];

/// Builds the name lists' automata, the word sets and the entity model on this thread: the
/// stage's warm-up, which a run starts on a thread of its own before any document is read.
pub fn build() {
    BUILDS.iter().for_each(|build| build());
}

/// Starts building the name lists' automata, the word sets and the entity model on threads of
/// their own, once a process, when the stage annotates its first document and no warm-up has
/// built them (a trace, a task of a cluster run): the gazetteer and the rest are then built
/// side by side, where the first worker built them one after the other while every other
/// worker waited. Not when the stage is built: most tasks of a cluster run build every stage
/// and annotate with none but their own (it cost each of them 45 MB and 0.1 s). A thread that
/// cannot start leaves the work to the first use.
pub fn warm_up() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        for build in BUILDS {
            // Not joined: the stage's first use of a list waits for its build, if still running.
            let _ = std::thread::Builder::new()
                .name("newspipe-extract-warm-up".into())
                .spawn(build);
        }
    });
}

/// Titles and roles that can precede a name, matched ASCII case-insensitively.
pub static TITLE_AUTOMATON: LazyLock<AhoCorasick> =
    LazyLock::new(|| automaton(list_lines(TITLES).map(|(s, _)| s), true));

/// Nationality adjectives ("Russian", "Canadian").
pub static DEMONYM_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| list_lines(DEMONYMS).map(|(s, _)| s).collect());

/// Common given names.
pub static FIRST_NAME_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| list_lines(FIRST_NAMES).map(|(s, _)| s).collect());

/// Given names that are far more often female (for "she" → the right antecedent).
pub static FEMALE_NAME_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| list_lines(FEMALE_FIRST_NAMES).map(|(s, _)| s).collect());

/// Common lowercase English words: a capitalized phrase made of them ("Rotten Tomatoes") is
/// not a person's name unless a list or a cue says so.
pub static COMMON_WORD_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| list_lines(COMMON_WORDS).map(|(s, _)| s).collect());

/// Whether a capitalized word is, lowercased, a common English word.
pub fn is_common_word(word: &str) -> bool {
    if !word.chars().any(char::is_uppercase) {
        return COMMON_WORD_SET.contains(word);
    }
    let lower = word.to_lowercase();
    COMMON_WORD_SET.contains(lower.as_str())
}

/// Month names and abbreviations as written in prose, capitalized ("January", "Sept"), from
/// newspipe-knowledge's list.
static MONTH_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    newspipe_knowledge::months()
        .iter()
        .map(|(name, _)| capitalized(name))
        .collect()
});

/// The month abbreviations, capitalized ("Jan", "Sept"): a period after them does not end a
/// sentence.
pub static MONTH_ABBREVIATIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    newspipe_knowledge::month_abbreviations()
        .iter()
        .map(|name| capitalized(name))
        .collect()
});

/// A lower-case word with its first letter upper case.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Day names with their ISO weekday number (Monday = 1).
pub const WEEKDAYS: &[(&str, u32)] = &[
    ("Monday", 1),
    ("Tuesday", 2),
    ("Wednesday", 3),
    ("Thursday", 4),
    ("Friday", 5),
    ("Saturday", 6),
    ("Sunday", 7),
];

/// The month number of a month name or abbreviation (trailing period allowed).
pub fn month_number(word: &str) -> Option<u32> {
    static NUMBERS: LazyLock<FxHashMap<&'static str, u32>> = LazyLock::new(|| {
        MONTH_NAMES
            .iter()
            .map(String::as_str)
            .zip(newspipe_knowledge::months().iter().map(|&(_, n)| n))
            .collect()
    });
    NUMBERS.get(word.trim_end_matches('.')).copied()
}

/// The ISO weekday of a day name.
pub fn weekday_number(word: &str) -> Option<u32> {
    WEEKDAYS.iter().find(|(d, _)| *d == word).map(|&(_, n)| n)
}

/// Capitalized words that start sentences or headlines but are not names.
pub static NON_NAME_WORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "But",
        "And",
        "Or",
        "As",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "Since",
        "For",
        "With",
        "This",
        "That",
        "These",
        "Those",
        "He",
        "She",
        "It",
        "They",
        "We",
        "I",
        "You",
        "His",
        "Her",
        "Their",
        "Our",
        "Its",
        "My",
        "Your",
        "There",
        "Here",
        "What",
        "Who",
        "Whom",
        "Whose",
        "Which",
        "Why",
        "How",
        "Where",
        "Both",
        "All",
        "Some",
        "Many",
        "Most",
        "Several",
        "Such",
        "Despite",
        "However",
        "Additionally",
        "Meanwhile",
        "Also",
        "Although",
        "Though",
        "Because",
        "Yet",
        "So",
        "Then",
        "Now",
        "Not",
        "No",
        "Yes",
        "To",
        "From",
        "By",
        "Of",
        "Under",
        "Over",
        "Among",
        "Between",
        "During",
        "Until",
        "Without",
        "Within",
        "Into",
        "Through",
        "Another",
        "Other",
        "Each",
        "Every",
        "One",
        "Two",
        "Three",
        "Last",
        "Next",
        "Earlier",
        "Later",
        "Today",
        "Yesterday",
        "Tomorrow",
        "According",
        "Asked",
        "Speaking",
        "Like",
        "Unlike",
        "Instead",
        "Even",
        "Just",
        "Only",
        "Still",
        "Already",
        "Again",
        "Further",
        "Furthermore",
        "Moreover",
        "Overall",
        "Indeed",
        "Perhaps",
        "Maybe",
        "Please",
        "Read",
        "See",
        "Watch",
        "Click",
        "Sign",
        "Subscribe",
        "Share",
        "More",
        "Less",
        "Dear",
        "Do",
        "Does",
        "Did",
        "Is",
        "Are",
        "Was",
        "Were",
        "Be",
        "Has",
        "Have",
        "Had",
        "Will",
        "Would",
        "Can",
        "Could",
        "Should",
        "May",
        "Might",
        "Must",
        "Let",
        "Let’s",
        "Let's",
        "Photo",
        "Video",
        "Image",
        "Source",
        "Sources",
        "Officials",
        "Allies",
        "Experts",
        "Analysts",
        "People",
        "Government",
        "Story",
        "Update",
        "Updated",
        "Published",
        "Posted",
        "Advertisement",
        "Neither",
        "Either",
        "Whether",
        "Nor",
        "Visit",
        "Shop",
        "Buy",
        "Get",
        "Join",
        "Learn",
        "Discover",
        "Explore",
        "Search",
        "Menu",
        "Home",
        "Opinion",
        "Analysis",
        "Editorial",
        "Comment",
        "Comments",
        "Breaking",
        "Live",
        "Exclusive",
        "Related",
        "Featured",
        "Follow",
        "Contact",
        "About",
        "Terms",
        "Privacy",
        "Copyright",
        "Stock",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Sir",
        "AM",
        "PM",
        "GMT",
        "UTC",
        "Christmas",
        "Easter",
        "Ramadan",
        "New",
        "Year",
        "Day",
        "Week",
        "Month",
        "Twitter",
        "Facebook",
        "Instagram",
        "Telegram",
        "YouTube",
        "TikTok",
        "WhatsApp",
        "Email",
        "Print",
        "Ukrainians",
        "Russians",
        "Americans",
        "Canadians",
        "Europeans",
        "Conservatives",
        "Liberals",
        "Democrats",
        "Republicans",
        "Minister",
        "President",
        "Prime",
        "General",
        "Secretary",
        "Chancellor",
        "Former",
        "Acting",
        "Deputy",
        "Interim",
        "Senior",
        "Top",
        "Chief",
        "Leading",
        "Several",
        "Operation",
        "Article",
        "Section",
        "Chapter",
        "Covid",
        "COVID",
    ]
    .into_iter()
    .chain(MONTH_NAMES.iter().map(String::as_str))
    .collect()
});

/// Words that make a capitalized sequence an organization when they end it
/// ("CBC News", "Canadian Armed Forces").
pub static ORG_SUFFIXES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    [
        "News",
        "Times",
        "Press",
        "Post",
        "Party",
        "Institute",
        "University",
        "Ministry",
        "Forces",
        "Force",
        "Army",
        "Navy",
        "Group",
        "Inc",
        "Inc.",
        "Corp",
        "Corp.",
        "Ltd",
        "Ltd.",
        "LLC",
        "Bank",
        "Council",
        "Agency",
        "Images",
        "Studies",
        "Affairs",
        "Committee",
        "Commission",
        "Court",
        "Union",
        "Fund",
        "Foundation",
        "Association",
        "Club",
        "FC",
        "Airlines",
        "Airways",
        "Motors",
        "Holdings",
        "Partners",
        "Media",
        "Network",
        "Television",
        "Radio",
        "Journal",
        "Herald",
        "Tribune",
        "Telegraph",
        "Gazette",
        "Review",
        "Service",
        "Services",
        "Police",
        "Guard",
        "Command",
        "Company",
        "Organization",
        "Organisation",
        "League",
        "Federation",
        "Parliament",
        "Assembly",
        "Congress",
        "Senate",
        "Cabinet",
        "Office",
        "Department",
        "Centre",
        "Center",
        "Society",
        "School",
        "College",
        "Academy",
        "Hospital",
        "Church",
        "Reserve",
        "Exchange",
        "Authority",
        "Board",
        "Bureau",
        "Administration",
        "Institution",
        "Alliance",
        "Coalition",
        "Movement",
        "Front",
        "Brigade",
        "Battalion",
        "Regiment",
        "Division",
        "Corps",
        "Guards",
        "Technologies",
        "Systems",
        "Industries",
        "Energy",
        "Pharmaceuticals",
        "Insights",
        "Independent",
        "Magazine",
        "Daily",
        "Weekly",
        "Channel",
        "Broadcasting",
        "Council",
        "Secretariat",
        "Directorate",
        "Cooperation",
        "AG",
        "SA",
        "NV",
        "PLC",
        "plc",
        "GmbH",
        "LLP",
        "Co.",
        "Airport",
        "Stadium",
        "District",
        "Schools",
        "Trades",
    ]
    .into_iter()
    .collect()
});

/// Words that make a capitalized sequence an organization when they start it and a connector
/// follows ("University of Exeter", "Institute for the Study of War").
pub static ORG_PREFIXES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    [
        "University",
        "Institute",
        "Center",
        "Centre",
        "Ministry",
        "Department",
        "Bank",
        "Council",
        "Committee",
        "Commission",
        "Office",
        "Court",
        "Union",
        "Association",
        "League",
        "Federation",
        "Organization",
        "Organisation",
        "Agency",
        "Academy",
        "College",
        "School",
        "Museum",
        "Church",
        "Party",
        "Board",
        "House",
        "Parliament",
        "Assembly",
        "Army",
        "Government",
        "Foundation",
        "Fund",
        "Society",
        "Corporation",
        "Bureau",
        "Department",
        "Coalition",
        "Alliance",
        "Friends",
        "Congress",
        "Chamber",
        "Order",
        "Court",
    ]
    .into_iter()
    .collect()
});

/// Lowercase words allowed inside an organization name between capitalized words.
pub const CONNECTORS: &[&str] = &["of", "for", "the", "and", "on", "de", "du", "&"];

/// Lowercase particles inside a person's name ("Ursula von der Leyen").
pub const NAME_PARTICLES: &[&str] = &[
    "von", "van", "der", "de", "da", "di", "al", "bin", "la", "le",
];

/// All-caps words that are not organizations.
pub static NON_ACRONYMS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    [
        "GDP", "AM", "PM", "GMT", "UTC", "EST", "EDT", "CET", "ID", "TV", "CEO", "CFO", "CTO",
        "OK", "AI", "COVID", "PDF", "HTML", "URL", "FAQ", "DNA", "HIV", "AIDS", "LGBT", "LGBTQ",
        "VAT", "KM", "MPH", "BC", "AD", "FY", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI",
        "RSS", "USD", "EUR", "CAD", "GBP", "JPY", "CNY", "RUB", "UAH", "MW", "GW", "KW", "PhD",
        "MP", "MPs", "OP", "ED", "NEW", "UPDATE", "LIVE", "VIDEO", "PHOTO", "BREAKING", "WATCH",
        "READ", "MORE", "CO2", "IT", "US", "UK", "EU", "PS", "NB", "ET", "PT", "CT", "ICU", "ER",
        "GPS", "SUV", "APP", "API", "Q1", "Q2", "Q3", "Q4", "H1", "H2", "T", "A",
    ]
    .into_iter()
    .collect()
});

/// Verbs that attribute speech or writing ("said", "wrote", "according"), from
/// newspipe-knowledge's `cue_verbs.txt`.
static CUE_VERBS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| cue_verbs_where(|_| true));

/// The cue verbs that also introduce a reported clause ("said that …").
static CLAUSE_CUE_VERBS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| cue_verbs_where(|c| c.clause));

/// The cue verbs whose object is the one spoken to ("told reporters").
static ADDRESSED_CUE_VERBS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| cue_verbs_where(|c| c.addressed));

/// The cue verbs common before a bare speaker name ("…," said Boivin.).
static INVERTING_CUE_VERBS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| cue_verbs_where(|c| c.inverts));

/// The cue verbs with a property.
fn cue_verbs_where(keep: impl Fn(&newspipe_knowledge::CueVerb) -> bool) -> FxHashSet<&'static str> {
    newspipe_knowledge::cue_verbs()
        .iter()
        .filter(|c| keep(c))
        .map(|c| c.verb)
        .collect()
}

/// Whether `word` is a cue verb whose object is the one spoken to ("told"), never the speaker.
pub fn is_addressed_verb(word: &str) -> bool {
    ADDRESSED_CUE_VERBS.contains(word)
}

/// Whether `word` is a cue verb common before a bare speaker name ("said", "added").
pub fn is_inverting_verb(word: &str) -> bool {
    INVERTING_CUE_VERBS.contains(word)
}

/// Whether `word` is a verb that attributes speech ("said", "wrote", "according").
pub fn is_speech_verb(word: &str) -> bool {
    CUE_VERBS.contains(word)
}

/// Whether `word` is a cue verb that also introduces a reported clause ("said that …").
pub fn is_clause_cue_verb(word: &str) -> bool {
    CLAUSE_CUE_VERBS.contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gazetteer_matches_long_names_in_any_case_and_short_ones_as_listed() {
        fn surfaces(text: &str) -> Vec<&str> {
            GAZETTEER
                .find(text)
                .into_iter()
                .map(|(start, end, entry)| {
                    assert_eq!(
                        text[start..end].to_ascii_lowercase(),
                        GAZETTEER.entries[entry].surface.to_ascii_lowercase()
                    );
                    &text[start..end]
                })
                .collect()
        }
        assert_eq!(
            surfaces("In GERMANY, france and Zürich Switzerland; the US, not us."),
            ["GERMANY", "france", "Zürich", "Switzerland", "US"]
        );
    }

    #[test]
    fn the_shipped_long_names_are_found_as_one_automaton_finds_them() {
        let names = &GAZETTEER.long;
        let one = automaton(names.surfaces.iter().map(|(surface, _)| surface), false);
        let ids: Vec<usize> = names.surfaces.iter().map(|&(_, id)| id).collect();
        // every name, run together and apart: names inside, across and overlapping others
        for separator in ["", " ", "-", "x", " the "] {
            let text = names
                .surfaces
                .iter()
                .filter(|(surface, _)| surface.is_ascii())
                .map(|(surface, _)| surface.as_str())
                .collect::<Vec<_>>()
                .join(separator);
            let expected: Vec<(usize, usize, usize)> = one
                .find_iter(&text)
                .map(|m| (m.start(), m.end(), ids[m.pattern().as_usize()]))
                .collect();
            assert!(expected.len() > 3_000, "{separator:?}: {}", expected.len());
            assert_eq!(names.find(&text), expected, "{separator:?}");
        }
    }

    #[test]
    fn long_names_split_by_their_bytes_match_as_one_automaton_does() {
        let surfaces = [
            "new york",
            "york état",
            "état de",
            "de la",
            "são paulo",
            "paulo",
            "la",
            "ma’anshan",
        ];
        let names = LongNames::new(
            surfaces
                .iter()
                .enumerate()
                .map(|(id, s)| (s.to_string(), id))
                .collect(),
        );
        let one = automaton(surfaces, false);
        let texts = [
            "",
            "new york and paulo",
            "são paulo, new york état de la",
            "new york état",
            "york état de la paix",
            "la são paulo de la",
            "ma’anshan, new york’s état",
        ];
        for text in texts {
            let expected: Vec<(usize, usize, usize)> = one
                .find_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            assert_eq!(names.find(text), expected, "{text:?}");
        }
        // Only texts where the two automata's matches overlap build the automaton of all.
        assert!(names.all.get().is_some());
        let apart = LongNames::new(vec![
            ("new york".into(), 0),
            ("são paulo".into(), 1),
            ("ma’anshan".into(), 2),
        ]);
        assert_eq!(apart.find("são paulo, new york").len(), 2);
        assert_eq!(apart.find("the new york’s ma’anshan").len(), 2);
        assert!(apart.all.get().is_none());
    }
}
