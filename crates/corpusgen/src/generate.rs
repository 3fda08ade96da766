//! Turns source articles into a labelled corpus of damaged copies.

use std::io::{self, BufRead, Write};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::damage::{self, Wrapper};
use crate::SourceArticle;

/// How often each kind of damage hits a copy. Every rate is a probability in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DamageRates {
    /// Per-character OCR damage (look-alike swaps, drops, doubles, stray spaces).
    pub char_error: f64,
    /// Chance a copy is re-wrapped into a narrow column.
    pub rewrap: f64,
    /// Chance a long word at a re-wrapped line end is hyphenated across the break.
    pub hyphenate: f64,
    /// Chance a copy is abridged (tail cut, some paragraphs dropped).
    pub cut: f64,
    /// Smallest share of paragraphs an abridged copy keeps.
    pub cut_min_keep: f64,
    /// Chance each paragraph after the first is dropped from an abridged copy.
    pub cut_drop_paragraph: f64,
    /// Chance a copy gets a new headline.
    pub new_headline: f64,
    /// Chance a copy gets a new byline line.
    pub byline: f64,
    /// Chance a copy carries a syndication wrapper naming the origin outlet.
    pub syndication: f64,
    /// Chance a copy is lightly rewritten (synonyms, dropped fillers, swapped sentences).
    pub rewrite: f64,
}

/// What corpus to build. The same spec and sources always give the same corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// How many source articles to use (0: all), picked by the seed.
    pub sources: usize,
    /// Share of source articles that appear once (equally damaged, with no copy).
    pub singleton_rate: f64,
    /// Largest number of copies of one article (at least 2).
    pub max_copies: usize,
    /// Days between the earliest and latest copy of one article.
    pub copy_days: u32,
    /// Share of source articles (among those whose opening has three numbers) that become a
    /// templated brief (that opening) with a sibling: the same brief with every number
    /// changed, published a few days later, in a cluster of its own. Hard negatives for the
    /// number guard.
    pub templated_rate: f64,
    /// Whether the first copy of each cluster is left undamaged (web reposts of a clean
    /// original) or damaged like the others (scanned reprints).
    pub keep_original: bool,
    /// The damage applied to copies.
    pub damage: DamageRates,
}

impl CorpusSpec {
    /// Noisy reprints, calibrated to NEWS-COPY: OCR damage, re-wrapped and hyphenated lines,
    /// cut paragraphs, new headlines; copies of one article share about 30% of their word
    /// 3-grams on average.
    pub fn noisy(seed: u64) -> Self {
        Self {
            seed,
            sources: 0,
            singleton_rate: 0.35,
            max_copies: 8,
            copy_days: 3,
            templated_rate: 0.05,
            keep_original: false,
            damage: DamageRates {
                char_error: 0.015,
                rewrap: 0.8,
                hyphenate: 0.6,
                cut: 0.7,
                cut_min_keep: 0.4,
                cut_drop_paragraph: 0.2,
                new_headline: 0.8,
                byline: 0.5,
                syndication: 0.0,
                rewrite: 0.2,
            },
        }
    }

    /// Cleaner web reposts: new headlines, syndication wrappers, some abridged copies, rare
    /// character damage and light rewrites.
    pub fn clean(seed: u64) -> Self {
        Self {
            seed,
            sources: 0,
            singleton_rate: 0.35,
            max_copies: 6,
            copy_days: 2,
            templated_rate: 0.05,
            keep_original: true,
            damage: DamageRates {
                char_error: 0.001,
                rewrap: 0.1,
                hyphenate: 0.2,
                cut: 0.3,
                cut_min_keep: 0.6,
                cut_drop_paragraph: 0.05,
                new_headline: 0.5,
                byline: 0.3,
                syndication: 0.5,
                rewrite: 0.15,
            },
        }
    }
}

/// One document of a generated corpus, as written to JSON Lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusDoc {
    /// Unique id (`doc-000042`), in no relation to the cluster.
    pub id: String,
    /// The copy's text: headline line, optional byline, body.
    pub text: String,
    /// The copy's headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publication date, ISO `YYYY-MM-DD`; copies of one article lie within a few days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The outlet that printed the copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// The gold label: copies of one source article share it.
    pub cluster: String,
}

const OUTLETS: &[&str] = &[
    "The Rio Times",
    "Daily Ledger",
    "Evening Courier",
    "Harbor Gazette",
    "Valley Tribune",
    "Morning Star",
    "The Northern Post",
    "Capital Herald",
    "Lakeside Journal",
    "Metro Observer",
    "The Coastal Record",
    "Prairie Sentinel",
    "Union Dispatch",
    "The Weekly Citizen",
];
const BYLINES: &[&str] = &[
    "Anna Kowalski",
    "James Okafor",
    "Maria Santos",
    "Li Wei",
    "Peter Lindqvist",
    "Fatima Haddad",
    "Tom Becker",
    "Sara Novak",
    "Diego Morales",
    "Ruth Adeyemi",
];

/// Builds the corpus: for each source picked, one damaged singleton or a cluster of 2 to
/// `max_copies` damaged copies (at `templated_rate`, a brief and its renumbered sibling),
/// then all documents shuffled and numbered. Deterministic for a
/// given `spec` and `sources`.
pub fn generate(sources: &[SourceArticle], spec: &CorpusSpec) -> Vec<CorpusDoc> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut picked: Vec<&SourceArticle> = sources.iter().collect();
    picked.shuffle(&mut rng);
    if spec.sources > 0 {
        picked.truncate(spec.sources);
    }
    let mut docs = Vec::new();
    let mut clusters = 0;
    for source in picked {
        let first_day = rng.random_range(0..365);
        let brief = numbered_brief(source);
        if brief.is_some() && rng.random_bool(spec.templated_rate.clamp(0.0, 1.0)) {
            let brief = brief.unwrap_or_else(|| source.clone());
            let sibling = SourceArticle {
                id: format!("{}-templated", source.id),
                title: brief.title.as_deref().map(|t| renumbered(t, &mut rng)),
                body: renumbered(&brief.body, &mut rng),
            };
            add_cluster(&brief, spec, first_day, clusters, &mut docs, &mut rng);
            let day = first_day + rng.random_range(1..=5);
            add_cluster(&sibling, spec, day, clusters + 1, &mut docs, &mut rng);
            clusters += 2;
        } else {
            add_cluster(source, spec, first_day, clusters, &mut docs, &mut rng);
            clusters += 1;
        }
    }
    docs.shuffle(&mut rng);
    for (index, doc) in docs.iter_mut().enumerate() {
        doc.id = format!("doc-{index:06}");
    }
    docs
}

/// Adds a singleton or a cluster of copies of `source`, labelled `c{index}`.
fn add_cluster(
    source: &SourceArticle,
    spec: &CorpusSpec,
    first_day: u32,
    index: usize,
    docs: &mut Vec<CorpusDoc>,
    rng: &mut ChaCha8Rng,
) {
    let copies = if rng.random_bool(spec.singleton_rate.clamp(0.0, 1.0)) {
        1
    } else {
        rng.random_range(2..=spec.max_copies.max(2))
    };
    let origin = OUTLETS[rng.random_range(0..OUTLETS.len())];
    for copy in 0..copies {
        let pristine = spec.keep_original && copy == 0;
        let day = first_day + rng.random_range(0..=spec.copy_days);
        let mut doc = make_copy(source, spec, pristine, origin, rng);
        doc.published = Some(iso_date_2025(day));
        doc.cluster = format!("c{index:05}");
        docs.push(doc);
    }
}

/// The opening of `source` as a templated brief: its first paragraphs up to the one where
/// the third number appears (at most four), if the first paragraph has a number.
fn numbered_brief(source: &SourceArticle) -> Option<SourceArticle> {
    let paragraphs: Vec<&str> = source
        .body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if number_count(paragraphs.first()?) == 0 {
        return None;
    }
    let mut numbers = 0;
    for (index, paragraph) in paragraphs.iter().take(4).enumerate() {
        numbers += number_count(paragraph);
        if numbers >= 3 {
            return Some(SourceArticle {
                id: source.id.clone(),
                title: source.title.clone(),
                body: paragraphs[..=index].join("\n"),
            });
        }
    }
    None
}

fn is_number(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
}

fn number_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| is_number(w.trim_matches(|c: char| !c.is_ascii_digit())))
        .count()
}

/// The text with every number replaced by another of the same number of digits.
fn renumbered(text: &str, rng: &mut ChaCha8Rng) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|piece| {
            if !piece.bytes().any(|b| b.is_ascii_digit()) {
                return piece.to_string();
            }
            piece
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => {
                        char::from_digit((d + rng.random_range(1..10)) % 10, 10).unwrap_or(c)
                    }
                    None => c,
                })
                .collect()
        })
        .collect()
}

fn make_copy(
    source: &SourceArticle,
    spec: &CorpusSpec,
    pristine: bool,
    origin: &str,
    rng: &mut ChaCha8Rng,
) -> CorpusDoc {
    let rates = &spec.damage;
    let mut paragraphs: Vec<String> = source
        .body
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    let mut title = source.title.clone();
    let mut outlet = origin.to_string();
    let mut byline = None;
    if !pristine {
        outlet = OUTLETS[rng.random_range(0..OUTLETS.len())].to_string();
        if rng.random_bool(rates.cut) {
            damage::cut_paragraphs(
                &mut paragraphs,
                rates.cut_min_keep,
                rates.cut_drop_paragraph,
                rng,
            );
        }
        if rng.random_bool(rates.rewrite) {
            for paragraph in &mut paragraphs {
                *paragraph = damage::light_rewrite(paragraph, 0.5, rng);
            }
        }
        if rng.random_bool(rates.new_headline) || title.is_none() {
            let first = paragraphs.first().map(String::as_str).unwrap_or("");
            title = Some(damage::new_headline(first, rng));
        }
        if rng.random_bool(rates.byline) {
            byline = Some(format!(
                "By {}",
                BYLINES[rng.random_range(0..BYLINES.len())]
            ));
        }
        if rng.random_bool(rates.syndication) {
            const WRAPPERS: [Wrapper; 4] = [
                Wrapper::Menafn,
                Wrapper::WireCredit,
                Wrapper::OriginallyPublished,
                Wrapper::SourceLine,
            ];
            let wrapper = WRAPPERS[rng.random_range(0..WRAPPERS.len())];
            damage::wrap_syndicated(&mut paragraphs, wrapper, origin, rng);
        }
        if rng.random_bool(rates.rewrap) {
            let width = rng.random_range(28..=72);
            for paragraph in &mut paragraphs {
                *paragraph = damage::rewrap(paragraph, width, rates.hyphenate, rng);
            }
        }
    }
    let mut lines: Vec<String> = Vec::with_capacity(paragraphs.len() + 2);
    lines.extend(title.clone());
    lines.extend(byline);
    lines.extend(paragraphs);
    let mut text = lines.join("\n");
    if !pristine {
        text = damage::ocr_damage(&text, rates.char_error, rng);
    }
    CorpusDoc {
        id: String::new(),
        text,
        title,
        published: None,
        outlet: Some(outlet),
        cluster: String::new(),
    }
}

/// The ISO date `day` days after 2025-01-01 (proleptic Gregorian).
fn iso_date_2025(day: u32) -> String {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut year = 2025;
    let mut rest = day;
    loop {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let length = if leap { 366 } else { 365 };
        if rest < length {
            for (month, &days) in MONTH_DAYS.iter().enumerate() {
                let days = if month == 1 && leap { days + 1 } else { days };
                if rest < days {
                    return format!("{year:04}-{:02}-{:02}", month + 1, rest + 1);
                }
                rest -= days;
            }
        }
        rest -= length;
        year += 1;
    }
}

/// Writes documents as JSON Lines, one object per line with `id`, `text`, `title`,
/// `published`, `outlet` and `cluster`.
pub fn write_jsonl<W: Write>(docs: &[CorpusDoc], mut out: W) -> io::Result<()> {
    for doc in docs {
        serde_json::to_writer(&mut out, doc)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Reads a corpus written by [`write_jsonl`] back; blank lines are skipped, a malformed line
/// is an error naming its line number.
pub fn read_jsonl<R: BufRead>(input: R) -> io::Result<Vec<CorpusDoc>> {
    let mut docs = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let doc = serde_json::from_str(&line).map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("line {}: {err}", index + 1),
            )
        })?;
        docs.push(doc);
    }
    Ok(docs)
}

/// Mean Jaccard similarity of word `n`-gram sets over pairs of documents in the same gold
/// cluster: the knob to compare a corpus with NEWS-COPY (about 0.30 for 3-grams). Words are
/// lower-cased runs of letters and digits. 0.0 when there is no pair.
pub fn mean_within_cluster_jaccard(docs: &[CorpusDoc], n: usize) -> f64 {
    use std::collections::{BTreeMap, HashSet};
    let n = n.max(1);
    let shingles = |text: &str| -> HashSet<Vec<String>> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        words.windows(n).map(<[String]>::to_vec).collect()
    };
    let mut clusters: BTreeMap<&str, Vec<HashSet<Vec<String>>>> = BTreeMap::new();
    for doc in docs {
        clusters
            .entry(&doc.cluster)
            .or_default()
            .push(shingles(&doc.text));
    }
    let (mut total, mut pairs) = (0.0, 0usize);
    for members in clusters.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                let union = a.union(b).count();
                if union > 0 {
                    total += a.intersection(b).count() as f64 / union as f64;
                    pairs += 1;
                }
            }
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic_articles;

    #[test]
    fn same_seed_same_corpus_other_seed_other_corpus() {
        let sources = synthetic_articles(30, 1);
        let a = generate(&sources, &CorpusSpec::noisy(5));
        assert_eq!(a, generate(&sources, &CorpusSpec::noisy(5)));
        assert_ne!(a, generate(&sources, &CorpusSpec::noisy(6)));
        let clusters: std::collections::HashSet<_> = a.iter().map(|d| &d.cluster).collect();
        assert!(
            clusters.len() >= 30,
            "one cluster per source, plus templated siblings"
        );
        assert!(a.len() > 40, "most sources get copies: {}", a.len());
    }

    #[test]
    fn noisy_copies_share_about_a_third_of_their_trigrams() {
        let sources = synthetic_articles(60, 2);
        let docs = generate(&sources, &CorpusSpec::noisy(3));
        let jaccard = mean_within_cluster_jaccard(&docs, 3);
        assert!((0.2..0.45).contains(&jaccard), "{jaccard}");
        let clean = generate(&sources, &CorpusSpec::clean(3));
        assert!(mean_within_cluster_jaccard(&clean, 3) > jaccard + 0.2);
    }

    #[test]
    fn renumbering_changes_every_digit_and_nothing_else() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let text = "Sold 50,000 tonnes at 231.5 on day 7.";
        let other = renumbered(text, &mut rng);
        assert_eq!(other.len(), text.len());
        for (a, b) in text.chars().zip(other.chars()) {
            assert_eq!(a.is_ascii_digit(), b.is_ascii_digit());
            assert!(a == b || a.is_ascii_digit(), "{text} / {other}");
            if a.is_ascii_digit() {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn dates_count_from_new_year() {
        assert_eq!(iso_date_2025(0), "2025-01-01");
        assert_eq!(iso_date_2025(59), "2025-03-01");
        assert_eq!(iso_date_2025(365), "2026-01-01");
    }

    #[test]
    fn jsonl_has_one_labelled_object_per_line() {
        let docs = generate(&synthetic_articles(3, 4), &CorpusSpec::clean(1));
        let mut out = Vec::new();
        write_jsonl(&docs, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), docs.len());
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert!(first["cluster"].is_string() && first["text"].is_string());
        assert_eq!(read_jsonl(text.as_bytes()).unwrap(), docs);
        let error = read_jsonl(&b"{\"id\": 1}\n"[..]).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }
}
