//! Building [`Signal`]s and [`Evidence`], and the text measures the signals share.

use newspipe_core::{Document, Evidence, Signal};

/// At most this many pieces of evidence are kept per signal; the note of the last says how
/// many more there were.
pub const MAX_EVIDENCE: usize = 8;

/// A signal with its sub-score (clamped to [0, 1]) and evidence; the weight is set when the
/// score is combined.
pub fn scored(name: &str, score: f64, mut evidence: Vec<Evidence>) -> Signal {
    if evidence.len() > MAX_EVIDENCE {
        let more = evidence.len() - MAX_EVIDENCE;
        evidence.truncate(MAX_EVIDENCE);
        if let Some(last) = evidence.last_mut() {
            last.note.push_str(&format!(" (and {more} more)"));
        }
    }
    Signal {
        name: name.to_owned(),
        score: round3(score.clamp(0.0, 1.0)),
        weight: 0.0,
        applicable: true,
        evidence,
    }
}

/// A signal that cannot be computed for this document, with the reason as evidence.
pub fn not_applicable(doc: &str, name: &str, reason: &str) -> Signal {
    Signal {
        name: name.to_owned(),
        score: 0.0,
        weight: 0.0,
        applicable: false,
        evidence: vec![note(doc, reason)],
    }
}

/// Evidence pointing at a span of the document's text.
pub fn at(doc: &str, start: usize, end: usize, note: impl Into<String>) -> Evidence {
    Evidence {
        doc: doc.to_owned(),
        start: Some(start),
        end: Some(end),
        note: note.into(),
    }
}

/// Evidence that points at no span (a fact about metadata or the corpus): no offsets.
pub fn note(doc: &str, note: impl Into<String>) -> Evidence {
    Evidence {
        doc: doc.to_owned(),
        start: None,
        end: None,
        note: note.into(),
    }
}

/// Evidence for a string that may or may not be in the text: its first occurrence, or no span
/// with a note saying it was cut from the text.
pub fn locate(doc: &Document, needle: &str, note: &str) -> Evidence {
    match doc.text.find(needle).filter(|_| !needle.is_empty()) {
        Some(start) => at(&doc.id, start, start + needle.len(), note),
        None => self::note(&doc.id, format!("{note} (not in the text)")),
    }
}

/// Rounds to three decimals, so output is stable and readable.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Rounds to one decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Words in a text: whitespace-separated tokens with at least one letter or digit. One pass,
/// byte by byte over ASCII (the white space is `char::is_whitespace`'s ASCII part, vertical tab
/// included), a char at a time elsewhere; a text all ASCII by the tighter loop of ASCII alone.
pub fn word_count(text: &str) -> usize {
    if text.is_ascii() {
        return ascii_word_count(text.as_bytes());
    }
    let bytes = text.as_bytes();
    let mut words = 0;
    // Whether the token under way is already counted.
    let mut counted = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
                counted = false;
            } else if !counted && b.is_ascii_alphanumeric() {
                words += 1;
                counted = true;
            }
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            counted = false;
        } else if !counted && c.is_alphanumeric() {
            words += 1;
            counted = true;
        }
        i += c.len_utf8();
    }
    words
}

/// [`word_count`] of ASCII text, byte by byte (most wire copy is ASCII): the white space is
/// `char::is_whitespace`'s ASCII part, vertical tab included.
fn ascii_word_count(text: &[u8]) -> usize {
    let mut words = 0;
    let mut counted = false;
    for &b in text {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
            counted = false;
        } else if !counted && b.is_ascii_alphanumeric() {
            words += 1;
            counted = true;
        }
    }
    words
}

/// A short excerpt of `text[start..end]` for a note, cut on a char boundary.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let slice = text.get(start..end).unwrap_or_default();
    let short: String = slice.chars().take(60).collect();
    let short = short.replace('\n', " ");
    if short.len() < slice.len() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_count_as_the_general_rule_does() {
        for text in [
            "",
            "  one two\tthree\n",
            "-- a - b, (c) ... 42\x0Bvt\x0Cff\r\nend",
            "x",
            "\x00ctl word",
            "“Quoted” — words\u{a0}split\u{2003}by wide spaces; é\u{301}té ‘’ — «» 東京 ٣",
            "\u{85}next\u{2028}line – ",
        ] {
            assert_eq!(word_count(text), general_word_count(text), "{text:?}");
        }
        assert_eq!(word_count("-- a - b, (c) ... 42"), 4);
        assert_eq!(word_count("Café – naïve 1"), 3);
    }

    /// [`word_count`]'s definition, for any text: white-space separated words holding a letter
    /// or a digit.
    fn general_word_count(text: &str) -> usize {
        text.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    }

    #[test]
    fn caps_evidence_and_clamps_scores() {
        let evidence = (0..12).map(|i| at("d", i, i + 1, "x")).collect();
        let signal = scored("s", 1.7, evidence);
        assert_eq!(signal.score, 1.0);
        assert_eq!(signal.evidence.len(), MAX_EVIDENCE);
        assert!(signal.evidence[MAX_EVIDENCE - 1]
            .note
            .ends_with("(and 4 more)"));
    }

    #[test]
    fn excerpts_respect_char_boundaries() {
        assert_eq!(excerpt("né", 0, 2), "");
        assert_eq!(excerpt("né x", 0, 3), "né");
        assert_eq!(word_count(" a — b, 3 "), 3);
        assert_eq!(word_count("élan — ½ Ω -- ..."), 3, "½ is a numeric char");
        for text in [
            "a\u{a0}b\u{2003}c — d\x0Be\x0Cf\u{85}g",
            "«Oui», dit-il.\u{3000}東京 ... -- 42",
            "\u{feff}“ -x Lt.-g é\u{0301} \u{2028}x",
        ] {
            assert_eq!(word_count(text), general_word_count(text), "{text:?}");
        }
    }
}
