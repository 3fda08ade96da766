//! Unicode and whitespace cleanup of article text, and the folded form later stages match on.
//!
//! The cleaned text keeps typographic quotes and dashes (they are part of the article); only
//! [`fold_for_matching`] folds them.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Cleans article text: NFC; zero-width, soft-hyphen and control characters removed; exotic
/// spaces made plain; words hyphenated across a line break joined; runs of spaces collapsed;
/// lines trimmed; at most one blank line between paragraphs; no blank lines at either end.
pub fn clean_text(text: &str) -> String {
    // ASCII text is NFC, and so is what is left of it: no quick check over it either time.
    let ascii = text.is_ascii();
    let nfc: Cow<str> = if ascii {
        Cow::Borrowed(text)
    } else {
        match is_nfc_quick(text.chars()) {
            IsNormalized::Yes => Cow::Borrowed(text),
            _ => Cow::Owned(text.nfc().collect()),
        }
    };
    let mut out = String::with_capacity(nfc.len());
    let mut blank_run = 0usize;
    for line in split_lines(&nfc) {
        let cleaned = clean_line(line);
        if cleaned.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            if blank_run == 0 && joins_hyphenated_word(&out, &cleaned) {
                out.pop();
                out.push_str(&cleaned);
                blank_run = 0;
                continue;
            }
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(&cleaned);
        blank_run = 0;
    }
    // Dropping a character can leave a letter next to a combining mark it composes with
    // ("e\u{200B}\u{301}"): normalize again when the quick check is not sure.
    if ascii {
        return out;
    }
    match is_nfc_quick(out.chars()) {
        IsNormalized::Yes => out,
        _ => out.nfc().collect(),
    }
}

/// Splits on `\n`, `\r` and the Unicode line and paragraph separators (U+2028, U+2029, U+0085),
/// each one a break (`\r\n` leaves an empty piece between its two), as `str::split` with
/// those characters does; but it looks for their bytes (`\n`, `\r`, and the lead bytes 0xE2
/// and 0xC2 of the others) instead of decoding every character.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut at = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(found) = bytes[at..]
            .iter()
            .position(|&b| matches!(b, b'\n' | b'\r' | 0xC2 | 0xE2))
        {
            let here = at + found;
            let width = match bytes[here..] {
                [b'\n' | b'\r', ..] => 1,
                [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
                [0xC2, 0x85, ..] => 2,
                _ => 0,
            };
            at = here + 1;
            if width > 0 {
                let line = &text[start..here];
                start = here + width;
                at = start;
                return Some(line);
            }
        }
        done = true;
        Some(&text[start..])
    })
}

/// Whether the previous output ends in `letter-` and the next line starts with a lower-case
/// letter: a word split across lines ("peace-" / "keeping").
fn joins_hyphenated_word(out: &str, next: &str) -> bool {
    let mut tail = out.chars().rev();
    let (Some('-'), Some(before)) = (tail.next(), tail.next()) else {
        return false;
    };
    before.is_alphabetic()
        && before.is_lowercase()
        && next.chars().next().is_some_and(char::is_lowercase)
}

/// Cleans one line: drops invisible and control characters, maps exotic spaces to a space,
/// collapses runs of spaces and trims.
pub fn clean_line(line: &str) -> String {
    if line.is_ascii() {
        clean_ascii_line(line)
    } else {
        clean_chars(line)
    }
}

/// [`clean_line`] character by character, for any text.
fn clean_chars(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        match classify(c) {
            CharClass::Drop => {}
            CharClass::Space => pending_space = !out.is_empty(),
            CharClass::Keep => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    }
    out
}

/// [`clean_line`] for an ASCII line, byte by byte: the same classes ([`classify`]) without
/// decoding characters, most of a wire story's cost in this pass.
fn clean_ascii_line(line: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(line.len());
    let mut pending_space = false;
    for &b in line.as_bytes() {
        match b {
            b' ' | b'\t' | 0x0B | 0x0C => pending_space = !out.is_empty(),
            _ if b.is_ascii_control() => {}
            _ => {
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(b);
            }
        }
    }
    String::from_utf8(out).expect("ASCII bytes of an ASCII line")
}

/// What [`clean_line`] does with one character.
enum CharClass {
    Keep,
    Space,
    Drop,
}

fn classify(c: char) -> CharClass {
    match c {
        // Zero-width space, word joiner, BOM, soft hyphen, bidi marks and isolates.
        '\u{200B}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => CharClass::Drop,
        // U+200C/U+200D (ZWNJ/ZWJ) carry meaning in Persian, Indic scripts and emoji: kept.
        ' '
        | '\t'
        | '\u{A0}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}'
        | '\u{0B}'
        | '\u{0C}' => CharClass::Space,
        c if c.is_control() => CharClass::Drop,
        _ => CharClass::Keep,
    }
}

/// A form of `text` for matching across documents: NFKC, lower case, typographic quotes,
/// apostrophes and dashes folded to ASCII, whitespace collapsed. Offsets do not carry over to
/// the original text; use it for keys and comparisons only.
pub fn fold_for_matching(text: &str) -> String {
    let mut out = String::new();
    fold_for_matching_into(text, &mut out);
    out
}

/// [`fold_for_matching`] of `text` into `out`, which is emptied first: a caller folding many
/// lines reuses one buffer.
pub(crate) fn fold_for_matching_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        fold_ascii(text, out);
    } else if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        // Most text is already NFKC; the quick check is far cheaper than recomposing it.
        fold_chars(text.chars(), out);
    } else {
        fold_chars(text.nfkc(), out);
    }
}

/// The folding of [`fold_for_matching`] over NFKC characters, into the empty `out`.
fn fold_chars(chars: impl Iterator<Item = char>, out: &mut String) {
    out.reserve(chars.size_hint().0);
    let mut pending_space = false;
    for c in chars {
        // ASCII letters and digits, most of any text, need only their case folded.
        if c.is_ascii_alphanumeric() {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c.to_ascii_lowercase());
            continue;
        }
        // A space, the next commonest, only marks a gap (as `classify` has it).
        if c == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        for c in c.to_lowercase() {
            let folded = match c {
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{B4}' => {
                    '\''
                }
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}'
                | '\u{BB}' => '"',
                '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
                '\u{2026}' => {
                    out.push_str("..");
                    '.'
                }
                c => c,
            };
            match classify(folded) {
                CharClass::Drop => {}
                CharClass::Space => pending_space = !out.is_empty(),
                CharClass::Keep if folded == '\n' || folded == '\r' => {
                    pending_space = !out.is_empty()
                }
                CharClass::Keep => {
                    if pending_space {
                        out.push(' ');
                        pending_space = false;
                    }
                    out.push(folded);
                }
            }
        }
    }
}

/// [`fold_for_matching`] for ASCII text, where only case and whitespace need folding, into
/// the empty `out`.
fn fold_ascii(text: &str, out: &mut String) {
    // Most lines have words separated by single spaces and no control character: for them the
    // folding is only the lower-casing.
    let mut after_space = true;
    let simple = text.bytes().all(|b| {
        let ok = !b.is_ascii_control() && (b != b' ' || !after_space);
        after_space = b == b' ';
        ok
    }) && (!after_space || text.is_empty());
    if simple {
        out.push_str(text);
        out.make_ascii_lowercase();
        return;
    }
    // Byte by byte: ASCII in, ASCII out, no character decoding on the way.
    out.reserve(text.len());
    for word in text.as_bytes().split(u8::is_ascii_whitespace) {
        let start = out.len();
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            word.iter()
                .filter(|b| !b.is_ascii_control())
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        if out.len() == start + usize::from(start > 0) {
            out.truncate(start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_into_a_used_buffer_gives_the_folded_text_alone() {
        let mut buffer = String::from("Left over from the line before");
        for text in [
            "",
            "plain words, single spaces",
            "  Spaces\tand\u{7} CONTROLS  ",
            "Don’t “Stop” — NOW…\u{A0}ﬁne",
            "e\u{301}te\u{301}: not yet composed",
        ] {
            fold_for_matching_into(text, &mut buffer);
            assert_eq!(buffer, fold_for_matching(text), "{text:?}");
        }
    }

    #[test]
    fn lines_split_as_str_split_on_the_break_characters() {
        let breaks = ['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'];
        for text in [
            "",
            "one line",
            "a\nb\r\nc\rd",
            "\n\nends with breaks\r\n",
            "para\u{2029}graph\u{2028}line\u{85}next",
            "curly ’quotes’ – dashes… and Â, ¢ but no break",
            "\u{2027}\u{202A}\u{84}\u{86} near misses",
            "ünïcode\n東京\r\n",
        ] {
            let expected: Vec<&str> = text.split(breaks).collect();
            assert_eq!(split_lines(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    #[test]
    fn ascii_lines_are_cleaned_as_any_line_is() {
        for line in [
            "",
            "   ",
            "  Plain  words\tand\x0Bodd\x0C spaces  ",
            "bell\x07 and delete\x7F and escape\x1B[0m",
            "\r carriage\r\nreturns \n",
            "\t\tindented",
            "trailing tab\t",
        ] {
            assert!(line.is_ascii());
            assert_eq!(clean_ascii_line(line), clean_chars(line), "{line:?}");
        }
        assert_eq!(clean_line("  a \t b\x07c  "), "a bc");
    }

    #[test]
    fn invisible_and_control_characters_go() {
        assert_eq!(
            clean_text("a\u{200B}b\u{FEFF} c\u{0}d\u{7}e soft\u{AD}ware"),
            "ab cde software"
        );
    }

    #[test]
    fn spaces_collapse_and_paragraphs_keep_one_blank_line() {
        assert_eq!(
            clean_text("\n\n  one\u{A0}\u{A0}two \t\r\n\r\n\n\nthree\u{2028}four  \n\n"),
            "one two\n\nthree\nfour"
        );
    }

    #[test]
    fn text_is_nfc_and_typography_is_kept() {
        let decomposed = "Cafe\u{301} “quoted” — dash";
        assert_eq!(clean_text(decomposed), "Café “quoted” — dash");
    }

    #[test]
    fn text_stays_nfc_when_a_dropped_character_separated_a_combining_mark() {
        assert_eq!(clean_text("Cafe\u{200B}\u{301} ca\u{7}\u{308}"), "Café cä");
    }

    #[test]
    fn words_split_across_lines_are_joined_but_compounds_are_not() {
        assert_eq!(clean_text("peace-\nkeeping force"), "peacekeeping force");
        assert_eq!(clean_text("Anglo-\nFrench"), "Anglo-\nFrench");
        assert_eq!(clean_text("a list -\nitem"), "a list -\nitem");
    }

    #[test]
    fn folding_unifies_quotes_dashes_and_case() {
        assert_eq!(
            fold_for_matching("Don’t “Stop” — NOW…\u{A0}ﬁne"),
            "don't \"stop\" - now... fine"
        );
        assert_eq!(
            fold_for_matching(" Don't \"STOP\"\t- now...\u{7} \u{7} fi\u{7}ne "),
            "don't \"stop\" - now... fine"
        );
        // The plain-ASCII shortcut and the general path agree at the edges.
        for (line, folded) in [
            ("", ""),
            (" ", ""),
            ("Plain Line", "plain line"),
            ("Plain  Line ", "plain line"),
            (" Plain", "plain"),
            ("Tab\there", "tab here"),
        ] {
            assert_eq!(fold_for_matching(line), folded, "{line:?}");
        }
        // Already NFKC but not ASCII: the path that skips recomposition.
        assert_eq!(
            fold_for_matching("Don’t “Stop” — NOW… Café"),
            "don't \"stop\" - now... café"
        );
    }
}
