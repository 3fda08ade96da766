//! Article bodies to build corpora from: the WCXB dev data, or a synthetic stand-in for CI.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// The WCXB development articles: `wcxb-dev-articles.jsonl.gz` in `$NEWSPIPE_DEVDATA`, else in
/// `../shared/devdata` beside the repository. The file may be absent (CI does not have it):
/// callers check and skip with a message.
pub fn devdata_file() -> PathBuf {
    std::env::var_os("NEWSPIPE_DEVDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/devdata"))
        .join("wcxb-dev-articles.jsonl.gz")
}

/// One original article that copies are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArticle {
    /// The source's own id.
    pub id: String,
    /// Headline, when known.
    pub title: Option<String>,
    /// Body text, paragraphs separated by line breaks.
    pub body: String,
}

#[derive(Deserialize)]
struct WcxbRecord {
    id: serde_json::Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    article_body: Option<String>,
}

/// Reads article bodies from a JSON Lines file (gzip-compressed when the name ends in `.gz`)
/// whose records have `id`, `article_body` and optionally `title`, as the WCXB dev data does.
///
/// Records with fewer than `min_words` words of body are skipped; so are lines that are not
/// valid JSON. The order of the file is kept.
pub fn load_article_bodies(path: &Path, min_words: usize) -> io::Result<Vec<SourceArticle>> {
    let file = File::open(path)?;
    let reader: Box<dyn BufRead> = if path.extension().is_some_and(|ext| ext == "gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut articles = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let Ok(record) = serde_json::from_str::<WcxbRecord>(&line) else {
            continue;
        };
        let Some(body) = record.article_body else {
            continue;
        };
        if body.split_whitespace().count() < min_words {
            continue;
        }
        let id = match record.id {
            serde_json::Value::String(id) => id,
            other => other.to_string(),
        };
        articles.push(SourceArticle {
            id,
            title: record.title.filter(|t| !t.trim().is_empty()),
            body,
        });
    }
    Ok(articles)
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "on", "with", "as", "by",
    "at", "from", "it", "said", "has", "had", "have", "be", "are", "were", "an", "which", "but",
    "not", "this", "after", "its", "their", "would", "will", "more", "than", "about", "who",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "tan", "vi", "sor", "pel", "dra", "bis", "con", "ul", "tre", "ma", "nek",
    "ros", "fa", "gil", "hum", "or", "pri", "sa", "ten", "vol", "war", "ze", "ba", "di", "fen",
    "go", "lin", "mu", "ra", "sti", "ber", "cla", "dun", "ex", "ho", "jar", "ki",
];

fn pseudo_word(rng: &mut ChaCha8Rng, syllables: usize) -> String {
    (0..syllables)
        .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
        .collect()
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Makes `count` synthetic news-like articles, the same ones for the same `seed`.
///
/// They stand in for real bodies where the dev data is absent (CI): a shared Zipf-like
/// vocabulary of invented words mixed with English function words, a few names, numbers and
/// quotes per article, 4 to 12 paragraphs. Different articles share common words and word
/// pairs, as real news does, but not long passages.
pub fn synthetic_articles(count: usize, seed: u64) -> Vec<SourceArticle> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a271_c1e5);
    let vocabulary: Vec<String> = (0..4000)
        .map(|_| {
            let syllables = rng.random_range(1..=3);
            pseudo_word(&mut rng, syllables)
        })
        .collect();
    (0..count)
        .map(|index| {
            let names: Vec<String> = (0..rng.random_range(2..6))
                .map(|_| {
                    format!(
                        "{} {}",
                        capitalized(&pseudo_word(&mut rng, 2)),
                        capitalized(&pseudo_word(&mut rng, 3))
                    )
                })
                .collect();
            let paragraphs: Vec<String> = (0..rng.random_range(4..=12))
                .map(|_| synthetic_paragraph(&mut rng, &vocabulary, &names))
                .collect();
            let title = capitalized(&synthetic_sentence(&mut rng, &vocabulary, &names, 6));
            SourceArticle {
                id: format!("synthetic-{index:05}"),
                title: Some(title.trim_end_matches('.').to_string()),
                body: paragraphs.join("\n"),
            }
        })
        .collect()
}

fn synthetic_paragraph(rng: &mut ChaCha8Rng, vocabulary: &[String], names: &[String]) -> String {
    let sentences: Vec<String> = (0..rng.random_range(2..=5))
        .map(|_| {
            let length = rng.random_range(8..=26);
            capitalized(&synthetic_sentence(rng, vocabulary, names, length))
        })
        .collect();
    sentences.join(" ")
}

fn synthetic_sentence(
    rng: &mut ChaCha8Rng,
    vocabulary: &[String],
    names: &[String],
    length: usize,
) -> String {
    let mut words: Vec<String> = Vec::with_capacity(length + 4);
    for _ in 0..length {
        let roll: f64 = rng.random();
        if roll < 0.38 {
            words.push(FUNCTION_WORDS[rng.random_range(0..FUNCTION_WORDS.len())].to_string());
        } else if roll < 0.43 && !names.is_empty() {
            words.push(names[rng.random_range(0..names.len())].clone());
        } else if roll < 0.46 {
            words.push(rng.random_range(2..250_000).to_string());
        } else {
            // Zipf-like: squaring a uniform draw favours the first words of the vocabulary.
            let u: f64 = rng.random();
            let rank = ((u * u * u) * vocabulary.len() as f64) as usize;
            words.push(vocabulary[rank.min(vocabulary.len() - 1)].clone());
        }
    }
    if rng.random_bool(0.15) && words.len() > 6 {
        let start = rng.random_range(0..words.len() - 4);
        words[start] = format!("\u{201c}{}", words[start]);
        words[start + 3] = format!("{}\u{201d}", words[start + 3]);
    }
    let mut sentence = words.join(" ");
    sentence.push('.');
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_articles_are_reproducible_and_distinct() {
        let first = synthetic_articles(5, 7);
        assert_eq!(first, synthetic_articles(5, 7));
        assert_ne!(first, synthetic_articles(5, 8));
        assert!(first.iter().all(|a| a.body.lines().count() >= 4));
        assert_ne!(first[0].body, first[1].body);
    }
}
