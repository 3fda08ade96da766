//! Search for a long list of literals (names, the boilerplate rules' literals), filtered by
//! how the literals start.
//!
//! An unanchored automaton over thousands of literals is large (the gazetteer's took 11 MB as
//! a DFA, the boilerplate literals' 2 MB), and a search walks it at every byte of the text,
//! missing the processor's caches at most of them: on the `wire` bench row the gazetteer's
//! read about 60 MB/s on this project's machine. Most positions of a text start no literal. A
//! table of the literals' first bytes, small enough to stay in the first-level cache, says so
//! at each position; only where it may start one are the literals that start with those bytes
//! compared with the text.

use rustc_hash::FxHashMap;

/// Bits of the hash of a pattern's first bytes that pick its bit in [`StartFiltered::starts`].
const START_BITS: u32 = 16;

/// Patterns searched as the module's documentation says: leftmost-longest (what an
/// unanchored leftmost-longest automaton of the same patterns finds with `aho_corasick`'s
/// `find_iter`), or every occurrence (its `find_overlapping_iter` with the standard semantics).
#[derive(Debug, Clone)]
pub struct StartFiltered {
    /// The patterns' bytes, one after the other.
    bytes: Vec<u8>,
    /// Where each pattern is in `bytes`, by index.
    spans: Vec<(u32, u32)>,
    /// How many of a pattern's first bytes key it: four, or the length of the shortest
    /// pattern if shorter.
    key_len: usize,
    /// One bit per hash of a key, set for the patterns' keys (8 KB): most positions of a text
    /// are ruled out here.
    starts: Box<[u64; (1 << START_BITS) / 64]>,
    /// The patterns of each key, as a range of `by_length`.
    by_key: FxHashMap<u32, (u32, u32)>,
    /// Pattern indexes grouped by key, each group longest first (and, of equal patterns, the
    /// first listed).
    by_length: Vec<u32>,
}

impl StartFiltered {
    /// Compiles the patterns (none empty).
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Self {
        let key_len = patterns
            .iter()
            .map(|p| p.as_ref().len())
            .min()
            .unwrap_or(4)
            .min(4);
        assert!(key_len > 0, "an empty pattern matches everywhere");
        let mut bytes = Vec::new();
        let mut spans = Vec::with_capacity(patterns.len());
        let mut starts = Box::new([0u64; (1 << START_BITS) / 64]);
        let mut groups: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (index, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.as_ref();
            spans.push((bytes.len() as u32, (bytes.len() + pattern.len()) as u32));
            bytes.extend_from_slice(pattern);
            let key = key(&pattern[..key_len]);
            let bit = start_bit(key);
            starts[bit / 64] |= 1 << (bit % 64);
            groups.entry(key).or_default().push(index as u32);
        }
        let mut by_key = FxHashMap::default();
        let mut by_length = Vec::with_capacity(patterns.len());
        for (key, mut group) in groups {
            group.sort_by_key(|&i| {
                let (start, end) = spans[i as usize];
                (std::cmp::Reverse(end - start), i)
            });
            let first = by_length.len() as u32;
            by_length.extend(group);
            by_key.insert(key, (first, by_length.len() as u32));
        }
        Self {
            bytes,
            spans,
            key_len,
            starts,
            by_key,
            by_length,
        }
    }

    /// Every match `(start, end, pattern index)` in `haystack`, in text order: at the leftmost
    /// position where a pattern starts, the longest one starting there, then the same from
    /// its end.
    pub fn find(&self, haystack: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some((at, key)) = self.next_candidate(haystack, from) {
            from = match self.matches_at(haystack, at, key).next() {
                Some((end, index)) => {
                    found.push((at, end, index));
                    end
                }
                None => at + 1,
            };
        }
        found
    }

    /// Calls `found` with the start and the pattern index of every place a pattern occurs in
    /// `haystack` (overlapping ones too), in order of position.
    pub fn for_each_occurrence(&self, haystack: &[u8], mut found: impl FnMut(usize, usize)) {
        let mut from = 0;
        while let Some((at, key)) = self.next_candidate(haystack, from) {
            for (_, index) in self.matches_at(haystack, at, key) {
                found(at, index);
            }
            from = at + 1;
        }
    }

    /// The first position from `from` on where a pattern may start, with the key of its first
    /// bytes: one the start table allows, or one of the last three positions (a pattern may
    /// be shorter than four bytes there).
    #[inline(always)]
    fn next_candidate(&self, haystack: &[u8], mut from: usize) -> Option<(usize, u32)> {
        let mask = u32::MAX >> (32 - 8 * self.key_len);
        while let Some(four) = haystack.get(from..from + 4) {
            let key = u32::from_le_bytes([four[0], four[1], four[2], four[3]]) & mask;
            if self.may_start(key) {
                return Some((from, key));
            }
            from += 1;
        }
        let first_bytes = haystack.get(from..from + self.key_len)?;
        Some((from, key(first_bytes)))
    }

    /// Whether a pattern may start with the bytes of `key` (the start table's bit is set).
    #[inline(always)]
    fn may_start(&self, key: u32) -> bool {
        let bit = start_bit(key);
        self.starts[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The end and index of each pattern at `at` in `haystack`, whose first bytes are `key`:
    /// longest first, and of equal patterns the first listed first.
    fn matches_at<'a>(
        &'a self,
        haystack: &'a [u8],
        at: usize,
        key: u32,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        let group = match self.by_key.get(&key) {
            Some(&(first, last)) => &self.by_length[first as usize..last as usize],
            None => &[],
        };
        let rest = &haystack[at..];
        group.iter().filter_map(move |&index| {
            let (start, end) = self.spans[index as usize];
            rest.starts_with(&self.bytes[start as usize..end as usize])
                .then_some((at + (end - start) as usize, index as usize))
        })
    }
}

/// Up to four bytes as a little-endian number.
fn key(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0, |key, &byte| key << 8 | u32::from(byte))
}

/// The bit of the start table a key picks.
fn start_bit(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - START_BITS)) as usize
}

#[cfg(test)]
mod tests {
    use aho_corasick::{AhoCorasick, MatchKind};

    use super::*;

    /// What one unanchored leftmost-longest automaton of `patterns` finds in `text`.
    fn expected(patterns: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .unwrap()
            .find_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect()
    }

    /// Each occurrence `(start, end, pattern)` an unanchored automaton of `patterns` with the
    /// standard semantics finds in `text`, sorted.
    fn expected_occurrences(patterns: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let mut all: Vec<_> = AhoCorasick::new(patterns)
            .unwrap()
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        all.sort_unstable();
        all
    }

    /// Pattern lists with what makes the search hard.
    const LISTS: [&[&str]; 5] = [
        // overlapping names, a name inside another, names sharing their first bytes
        &[
            "new york",
            "york city",
            "new yorker",
            "city hall",
            "hall",
            "newark",
            "ark",
        ],
        // names of four bytes or more only: the table reads four
        &[
            "paris",
            "parish",
            "aris",
            "ishmael",
            "mael",
            "ma’anshan",
            "anshan",
        ],
        // a one-byte name: the table reads one
        &["a", "ab", "abc", "bca", "cab"],
        // the same name twice: the first listed is found
        &["york", "new york", "york", "new york"],
        // a name overlapping itself
        &["aaaa", "aaaaa"],
    ];

    /// Texts with matches at both ends, next to each other and inside each other.
    const TEXTS: [&str; 9] = [
        "",
        "new",
        "new york city hall, newark and the new yorker",
        "new yorkcity hallhall arkansas",
        "parishmael paris’ ma’anshan anshan aris",
        "abcabcab cabca bca a",
        "xxxx new york",
        "new york",
        "aaaaaaaaa aaaa",
    ];

    #[test]
    fn finds_every_occurrence_an_unanchored_automaton_finds() {
        for patterns in LISTS {
            let filtered = StartFiltered::new(patterns);
            for text in TEXTS {
                let mut found = Vec::new();
                filtered.for_each_occurrence(text.as_bytes(), |start, index| {
                    found.push((start, start + patterns[index].len(), index));
                });
                found.sort_unstable();
                assert_eq!(
                    found,
                    expected_occurrences(patterns, text),
                    "{patterns:?} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn finds_what_an_unanchored_automaton_finds() {
        for patterns in LISTS {
            let filtered = StartFiltered::new(patterns);
            for text in TEXTS {
                assert_eq!(
                    filtered.find(text.as_bytes()),
                    expected(patterns, text),
                    "{patterns:?} in {text:?}"
                );
            }
        }
    }
}
