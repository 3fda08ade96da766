//! The matching key of a text: lower-cased words with punctuation dropped, words re-joined
//! across line-break hyphens, digits kept. Only hashes leave this module.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

/// What the key pass learns from one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyWords {
    /// One xxh3 hash per word, in text order.
    pub word_hashes: Vec<u64>,
    /// xxh3-128 of the sequence of word hashes: equal for texts with the same key words.
    pub exact_key: u128,
    /// Hashes of the words made only of two or more digits ("1,700" counts as 1700), sorted,
    /// unique. Single digits (list markers, "1 of 2") say little about which story it is.
    pub numbers: Vec<u64>,
}

fn is_dash(ch: char) -> bool {
    matches!(ch, '\u{2012}'..='\u{2015}' | '\u{2212}')
}

/// Splits `text` into key words and hashes them.
///
/// Whitespace and dashes separate words; other characters that are neither letters nor
/// digits are dropped (`U.S.` is `us`, `1,700` is `1700`); a hyphen at a line end joins the
/// word across the break (`exam-\nple` is `example`). The exact key is the hash of the word
/// hash sequence. ASCII takes a fast path; other characters are decoded and lower-cased.
pub fn key_words(text: &str) -> KeyWords {
    let mut out = KeyWords::default();
    let mut word: Vec<u8> = Vec::with_capacity(32);
    let mut all_digits = true;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte < 0x80 {
            at += 1;
            if byte.is_ascii_alphanumeric() {
                word.push(byte.to_ascii_lowercase());
                all_digits &= byte.is_ascii_digit();
            } else if byte.is_ascii_whitespace() {
                finish_word(&mut word, &mut all_digits, &mut out);
            } else if byte == b'-' {
                if let Some(next_line) = hyphen_breaks_line(&bytes[at..]) {
                    at += next_line;
                }
            }
            continue;
        }
        let Some(ch) = text[at..].chars().next() else {
            break;
        };
        at += ch.len_utf8();
        if ch.is_whitespace() || is_dash(ch) {
            finish_word(&mut word, &mut all_digits, &mut out);
        } else if ch.is_alphanumeric() {
            let mut buffer = [0u8; 4];
            for lower in ch.to_lowercase() {
                word.extend_from_slice(lower.encode_utf8(&mut buffer).as_bytes());
            }
            all_digits &= ch.is_numeric();
        }
    }
    finish_word(&mut word, &mut all_digits, &mut out);
    let sequence: Vec<u8> = out
        .word_hashes
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .collect();
    out.exact_key = xxh3_128(&sequence);
    out.numbers.sort_unstable();
    out.numbers.dedup();
    out
}

/// Hashes the word in `word` (if any) into `out` and starts a new one.
fn finish_word(word: &mut Vec<u8>, all_digits: &mut bool, out: &mut KeyWords) {
    if word.is_empty() {
        return;
    }
    let hash = xxh3_64(word);
    out.word_hashes.push(hash);
    if *all_digits && word.len() >= 2 {
        out.numbers.push(hash);
    }
    word.clear();
    *all_digits = true;
}

/// If only spaces and tabs separate a hyphen from a line break, how many bytes to skip to
/// the first non-space character of the next line.
fn hyphen_breaks_line(after: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < after.len() && matches!(after[at], b' ' | b'\t' | b'\r') {
        at += 1;
    }
    if after.get(at) != Some(&b'\n') {
        return None;
    }
    at += 1;
    while at < after.len() && matches!(after[at], b' ' | b'\t' | b'\r' | b'\n') {
        at += 1;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<u64> {
        key_words(text).word_hashes
    }

    #[test]
    fn punctuation_case_and_line_break_hyphens_do_not_matter() {
        let a = key_words("The U.S. army's re-\n  deployment, said \u{201c}Smith\u{201d}.");
        let b = key_words("the us armys redeployment said smith");
        assert_eq!(a, b);
        assert_eq!(words("end\u{2014}start"), words("end start"));
    }

    #[test]
    fn digits_are_kept_and_collected() {
        let a = key_words("They bought 50,000 tonnes in 2025, 3 times.");
        let b = key_words("They bought 60,000 tonnes in 2025, 3 times.");
        assert_ne!(a.exact_key, b.exact_key);
        assert_eq!(a.numbers.len(), 2);
        assert_eq!(
            a.numbers.iter().filter(|n| b.numbers.contains(n)).count(),
            1
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert_eq!(key_words("").word_hashes.len(), 0);
        assert_eq!(key_words("-").word_hashes.len(), 0);
        assert_eq!(key_words("x-").word_hashes.len(), 1);
        assert_eq!(
            key_words("\u{0}\u{fffd} \u{1F600} ÉCOLE école")
                .word_hashes
                .len(),
            2
        );
        assert_eq!(words("ÉCOLE")[0], words("école")[0]);
    }
}
