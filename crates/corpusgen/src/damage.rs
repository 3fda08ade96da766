//! The ways a reprint differs from its original: each function damages paragraphs in place.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Characters an OCR engine mistakes for one another, both ways.
const OCR_CONFUSIONS: &[(char, char)] = &[
    ('e', 'c'),
    ('l', '1'),
    ('i', 'l'),
    ('o', '0'),
    ('n', 'u'),
    ('h', 'b'),
    ('a', 'o'),
    ('t', 'f'),
    ('m', 'n'),
    ('s', '5'),
    ('g', 'q'),
    ('r', 'n'),
    ('5', '3'),
    ('1', '7'),
];

/// Damages characters the way OCR of old print does: each character is, with probability
/// `rate`, swapped for a look-alike, deleted, doubled, or followed by a stray space.
pub fn ocr_damage(text: &str, rate: f64, rng: &mut ChaCha8Rng) -> String {
    if rate <= 0.0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    for ch in text.chars() {
        if ch.is_whitespace() || !rng.random_bool(rate.min(1.0)) {
            out.push(ch);
            continue;
        }
        match rng.random_range(0..10) {
            0..=5 => {
                let lower = ch.to_ascii_lowercase();
                let swap = OCR_CONFUSIONS
                    .iter()
                    .find_map(|&(a, b)| (a == lower).then_some(b).or((b == lower).then_some(a)));
                out.push(swap.unwrap_or(ch));
            }
            6 | 7 => {}
            8 => {
                out.push(ch);
                out.push(ch);
            }
            _ => {
                out.push(ch);
                out.push(' ');
            }
        }
    }
    out
}

/// Re-wraps a paragraph at `width` characters, as a narrower column does; with probability
/// `hyphenate` a long word at a line end is split with a hyphen (`exam-\nple`).
pub fn rewrap(paragraph: &str, width: usize, hyphenate: f64, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::with_capacity(paragraph.len() + paragraph.len() / width.max(1));
    let mut line_len = 0;
    for word in paragraph.split_whitespace() {
        let word_len = word.chars().count();
        if line_len > 0 && line_len + 1 + word_len > width {
            let room = width.saturating_sub(line_len + 1);
            let chars: Vec<char> = word.chars().collect();
            if room >= 3
                && word_len >= room + 3
                && chars.iter().all(|c| c.is_alphabetic())
                && rng.random_bool(hyphenate.clamp(0.0, 1.0))
            {
                let head: String = chars[..room - 1].iter().collect();
                let tail: String = chars[room - 1..].iter().collect();
                out.push(' ');
                out.push_str(&head);
                out.push_str("-\n");
                out.push_str(&tail);
                line_len = word_len - (room - 1);
                continue;
            }
            out.push('\n');
            out.push_str(word);
            line_len = word_len;
        } else {
            if line_len > 0 {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += word_len;
        }
    }
    out
}

/// Abridges an article: keeps a leading share of the paragraphs (at least `min_keep` of
/// them, as a fraction) and drops each remaining paragraph after the first with probability
/// `drop_paragraph`. Always keeps at least one paragraph.
pub fn cut_paragraphs(
    paragraphs: &mut Vec<String>,
    min_keep: f64,
    drop_paragraph: f64,
    rng: &mut ChaCha8Rng,
) {
    if paragraphs.len() <= 1 {
        return;
    }
    let share = rng.random_range(min_keep.clamp(0.0, 1.0)..=1.0);
    let keep = ((paragraphs.len() as f64 * share).ceil() as usize).clamp(1, paragraphs.len());
    paragraphs.truncate(keep);
    let mut index = 0;
    paragraphs.retain(|_| {
        index += 1;
        index == 1 || !rng.random_bool(drop_paragraph.clamp(0.0, 1.0))
    });
}

/// Word swaps a copy editor makes: (word, replacement).
const SYNONYMS: &[(&str, &str)] = &[
    ("said", "stated"),
    ("told", "informed"),
    ("about", "around"),
    ("many", "numerous"),
    ("big", "large"),
    ("also", "additionally"),
    ("but", "however"),
    ("after", "following"),
    ("before", "prior to"),
    ("show", "indicate"),
    ("buy", "purchase"),
    ("help", "assist"),
    ("start", "begin"),
    ("people", "individuals"),
    ("officials", "authorities"),
    ("government", "administration"),
    ("says", "states"),
    ("new", "fresh"),
    ("could", "might"),
    ("because", "since"),
    ("very", "highly"),
    ("use", "employ"),
    ("get", "obtain"),
    ("think", "believe"),
];

/// Lightly rewrites a paragraph: swaps words for synonyms with probability `rate`, drops a
/// few filler words, and sometimes swaps two neighbouring sentences.
pub fn light_rewrite(paragraph: &str, rate: f64, rng: &mut ChaCha8Rng) -> String {
    let mut sentences: Vec<String> = paragraph
        .split_inclusive(". ")
        .map(|sentence| {
            let words: Vec<String> = sentence
                .split(' ')
                .filter_map(|word| {
                    let lower = word.to_lowercase();
                    if matches!(lower.as_str(), "that" | "very" | "really" | "just")
                        && rng.random_bool(rate.clamp(0.0, 1.0))
                    {
                        return None;
                    }
                    let swap = SYNONYMS.iter().find(|(from, _)| *from == lower);
                    match swap {
                        Some((_, to)) if rng.random_bool(rate.clamp(0.0, 1.0)) => {
                            Some((*to).to_string())
                        }
                        _ => Some(word.to_string()),
                    }
                })
                .collect();
            words.join(" ")
        })
        .collect();
    if sentences.len() >= 3 && rng.random_bool(rate.clamp(0.0, 1.0)) {
        let at = rng.random_range(0..sentences.len() - 2);
        sentences.swap(at, at + 1);
    }
    sentences.concat()
}

/// A new headline made from words of the first paragraph, as a reprint's desk writes one.
pub fn new_headline(first_paragraph: &str, rng: &mut ChaCha8Rng) -> String {
    let mut words: Vec<&str> = first_paragraph
        .split_whitespace()
        .filter(|w| w.chars().count() > 3)
        .take(24)
        .collect();
    words.shuffle(rng);
    let take = rng.random_range(4..=9).min(words.len());
    let mut headline: Vec<String> = words[..take]
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(first) = headline.first_mut() {
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            *first = c.to_uppercase().chain(chars).collect();
        }
    }
    if headline.is_empty() {
        "News".to_string()
    } else {
        headline.join(" ")
    }
}

/// How a syndicated copy is wrapped; each names the origin outlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    /// `(MENAFN- Origin) ` before the body, an ID line and the aggregator's disclaimer after.
    Menafn,
    /// `CITY (AP) — ` before the body.
    WireCredit,
    /// `This article was originally published by Origin.` after the body.
    OriginallyPublished,
    /// `Source: Origin` after the body.
    SourceLine,
}

/// Wraps a copy's paragraphs in a syndication marker naming `origin`.
pub fn wrap_syndicated(
    paragraphs: &mut Vec<String>,
    wrapper: Wrapper,
    origin: &str,
    rng: &mut ChaCha8Rng,
) {
    if paragraphs.is_empty() {
        paragraphs.push(String::new());
    }
    match wrapper {
        Wrapper::Menafn => {
            paragraphs[0] = format!("(MENAFN- {origin}) {}", paragraphs[0]);
            paragraphs.push(format!("MENAFN{:020}", rng.random_range(0..u64::MAX / 2)));
            paragraphs.push(
                "Legal Disclaimer:\nMENAFN provides the information \u{201c}as is\u{201d} without warranty of any kind."
                    .to_string(),
            );
        }
        Wrapper::WireCredit => {
            const CITIES: &[&str] = &["WASHINGTON", "LONDON", "NEW YORK", "PARIS", "TOKYO"];
            let city = CITIES[rng.random_range(0..CITIES.len())];
            paragraphs[0] = format!("{city} (AP) \u{2014} {}", paragraphs[0]);
        }
        Wrapper::OriginallyPublished => {
            paragraphs.push(format!(
                "This article was originally published by {origin}."
            ));
        }
        Wrapper::SourceLine => paragraphs.push(format!("Source: {origin}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(1)
    }

    #[test]
    fn rewrap_keeps_every_letter_and_breaks_lines() {
        let text =
            "The committee approved the extraordinary reconstruction programme yesterday afternoon";
        let wrapped = rewrap(text, 20, 1.0, &mut rng());
        assert!(wrapped.lines().count() > 3, "{wrapped}");
        let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).collect::<String>();
        assert_eq!(letters(&wrapped), letters(text));
    }

    #[test]
    fn ocr_damage_changes_about_the_rate_of_characters() {
        let text = "abcdefghij ".repeat(500);
        let damaged = ocr_damage(&text, 0.1, &mut rng());
        let same = text
            .chars()
            .zip(damaged.chars())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(same < 200, "damage starts early");
        assert_ne!(damaged, text);
        assert_eq!(ocr_damage(&text, 0.0, &mut rng()), text);
    }

    #[test]
    fn cut_keeps_the_first_paragraph() {
        let mut paragraphs: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
        cut_paragraphs(&mut paragraphs, 0.3, 0.5, &mut rng());
        assert_eq!(paragraphs[0], "p0");
        assert!(paragraphs.len() < 10);
    }
}
