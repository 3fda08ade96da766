//! The gazetteer's names, looked for only where one can start.
//!
//! A list hit counts only when it starts a word (the character before it is not a letter or
//! digit) and is written as listed, in capitals, or with a capital where the listed name has
//! one (see `entities::list_hits`): it never starts with a lower-case letter unless a listed
//! name does. So the names are looked for from those places only: from each, one walk of an
//! anchored automaton finds the longest name there. An unanchored search ran every byte of the
//! text through an automaton of megabytes instead, and a match that could not count (inside a
//! word, or in lower case) hid the names it overlapped.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

/// Where a gazetteer name may start in a text: at the start of a word, on a character that is
/// not white space or a lower-case letter, unless it is one of `lower_initials` (the first
/// letters of the listed names that start in lower case: "al-Qaeda"). Byte offsets, in order.
pub fn name_starts(text: &str, lower_initials: &[char]) -> Vec<usize> {
    // What each ASCII byte is, looked up rather than tested: the loop runs over every byte.
    const LETTER_OR_DIGIT: u8 = 1;
    const MAY_START: u8 = 2;
    let mut ascii = [0u8; 128];
    for (byte, class) in (0u8..128).zip(ascii.iter_mut()) {
        if byte.is_ascii_alphanumeric() {
            *class |= LETTER_OR_DIGIT;
        }
        if !byte.is_ascii_whitespace()
            && (!byte.is_ascii_lowercase() || lower_initials.contains(&char::from(byte)))
        {
            *class |= MAY_START;
        }
    }
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    // Whether the character before `at` is a letter or digit.
    let mut in_word = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if let Some(&class) = ascii.get(usize::from(byte)) {
            if !in_word && class & MAY_START != 0 {
                starts.push(at);
            }
            in_word = class & LETTER_OR_DIGIT != 0;
            at += 1;
        } else {
            let c = text[at..].chars().next().expect("`at` is a char boundary");
            if !in_word && !c.is_whitespace() && (!c.is_lowercase() || lower_initials.contains(&c))
            {
                starts.push(at);
            }
            in_word = c.is_alphanumeric();
            at += c.len_utf8();
        }
    }
    starts
}

/// Names in an anchored automaton, matched from given starts: at each start not inside an
/// earlier match, the longest name there.
pub struct WordStartNames {
    dfa: DFA,
    /// Whether the names are in ASCII lower case and the text is read as if it were.
    folded: bool,
    /// Whether some name starts with each byte (as the text is read).
    first_bytes: [bool; 256],
}

impl WordStartNames {
    /// The automaton of `names` (indexes in their order); with `folded`, the names are in
    /// ASCII lower case and match the text ASCII case-insensitively.
    pub fn new<P: AsRef<[u8]>>(names: impl IntoIterator<Item = P>, folded: bool) -> Self {
        let names: Vec<P> = names.into_iter().collect();
        let mut first_bytes = [false; 256];
        for name in &names {
            if let Some(&first) = name.as_ref().first() {
                first_bytes[usize::from(first)] = true;
                if folded {
                    first_bytes[usize::from(first.to_ascii_uppercase())] = true;
                }
            }
        }
        let dfa = aho_corasick::dfa::Builder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&names)
            .expect("name list automaton builds");
        Self {
            dfa,
            folded,
            first_bytes,
        }
    }

    /// The matches `(start, end, name)` in `text` from `starts` (see [`name_starts`]),
    /// without overlaps, in text order.
    pub fn find(&self, text: &str, starts: &[usize]) -> Vec<(usize, usize, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut free_from = 0;
        for &start in starts {
            if start < free_from || !self.first_bytes[usize::from(bytes[start])] {
                continue;
            }
            if let Some((end, name)) = self.longest_at(bytes, start) {
                found.push((start, end, name));
                free_from = end;
            }
        }
        found
    }

    /// The end and index of the longest name starting at `start`.
    fn longest_at(&self, bytes: &[u8], start: usize) -> Option<(usize, usize)> {
        let dfa = &self.dfa;
        let mut state = dfa
            .start_state(Anchored::Yes)
            .expect("built for anchored searches");
        let mut longest = None;
        for (at, &byte) in bytes.iter().enumerate().skip(start) {
            let byte = if self.folded {
                byte.to_ascii_lowercase()
            } else {
                byte
            };
            state = dfa.next_state(Anchored::Yes, state, byte);
            if dfa.is_special(state) {
                if dfa.is_dead(state) {
                    break;
                }
                if dfa.is_match(state) {
                    let name = dfa.match_pattern(state, 0);
                    // A match state can also stand for a shorter name that ends here and
                    // started after `start` (states are shared with unanchored searches).
                    if at + 1 - dfa.pattern_len(name) == start {
                        longest = Some((at + 1, name.as_usize()));
                    }
                }
            }
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'t>(names: &WordStartNames, text: &'t str) -> Vec<&'t str> {
        names
            .find(text, &name_starts(text, &['a']))
            .into_iter()
            .map(|(s, e, _)| &text[s..e])
            .collect()
    }

    #[test]
    fn names_start_words_and_capitals_unless_listed_in_lower_case() {
        let text = "Romania, (Oman) and New York; ROMAN Yorkshire al-Qaeda état Éire 1996";
        let starts: String = name_starts(text, &['a'])
            .into_iter()
            .map(|s| text[s..].chars().next().expect("a start is a character"))
            .collect();
        assert_eq!(starts, "R(OaNYRYaQÉ1");
    }

    #[test]
    fn the_longest_name_at_each_start_wins_and_hides_what_it_covers() {
        let names =
            WordStartNames::new(["oman", "romania", "new york", "york", "york shire"], true);
        assert_eq!(
            found(
                &names,
                "Romania, (Oman) and New York; ROMAN OMAN oman York Shire"
            ),
            ["Romania", "Oman", "New York", "OMAN", "York Shire"]
        );
        // A name inside a word, or in lower case, hides nothing.
        let names = WordStartNames::new(["man united", "united", "new york", "york times"], true);
        assert_eq!(found(&names, "Roman United"), ["United"]);
        assert_eq!(found(&names, "the new York Times"), ["York Times"]);
    }

    #[test]
    fn exact_names_match_only_as_listed() {
        let names = WordStartNames::new(["US", "UN"], false);
        assert_eq!(found(&names, "US and Us, UNESCO (UN)"), ["US", "UN", "UN"]);
    }
}
