//! Character 5-gram sketches, and the containment check each candidate pair must pass.
//!
//! OCR damage (`soulhsinger`, `T he`, `tak1ngkthe`) breaks words but leaves most runs of five
//! letters intact, so copies are verified on character 5-grams of the lower-cased letters and
//! digits, with spaces and punctuation dropped (split and merged words match too). A record
//! keeps a consistent sample of the 5-gram hashes, never the text: every hash below a fixed
//! cut (one in [`SAMPLE_RATE`]), and at least the [`MIN_SAMPLE`] smallest for short texts.
//! Two samples restricted to the lower of their two cuts are samples of the same hash range,
//! so the share of the smaller one found in the other estimates the containment of the
//! shorter text in the longer.

use serde::{Deserialize, Serialize};

use crate::cluster::sorted_intersection;

/// Letters and digits per gram.
const GRAM_CHARS: usize = 5;
/// One gram hash in this many is kept. 32 rather than 16 halves what a long text's record
/// ships; the ARIs stayed as they were on the newsdup dev splits (0.9912, 0.9852) and on
/// corpora generated from the WCXB articles (0.9987, 0.9914), which are long.
const SAMPLE_RATE: u32 = 32;
/// Short texts keep at least this many of their smallest gram hashes.
const MIN_SAMPLE: usize = 96;
/// The bits of [`GRAM_CHARS`] characters of 21 bits.
const WINDOW_MASK: u128 = (1 << (21 * GRAM_CHARS)) - 1;
/// Hashes below this are in every sample.
const SAMPLE_CUT: u32 = u32::MAX / SAMPLE_RATE;

/// A well-mixed 32-bit hash of a window of five characters (two multiply-xorshift rounds).
fn gram_hash(window: u128) -> u32 {
    let (low, high) = (window as u64, (window >> 64) as u64);
    let mut h = low.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ high.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^= h >> 29;
    (h >> 32) as u32
}

/// A consistent sample of a text's character 5-gram hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GramSketch {
    /// Sampled gram hashes, sorted, unique.
    #[serde(with = "crate::packed::sorted_u32_rice")]
    hashes: Vec<u32>,
    /// Every gram hash of the text up to this value is in `hashes`.
    cut: u32,
}

/// Calls `each` with the hash of every character 5-gram of `text`, in order.
fn for_each_gram(text: &str, mut each: impl FnMut(u32)) {
    // The last five characters, 21 bits each.
    let mut window: u128 = 0;
    let mut seen = 0usize;
    let mut push = |ch: u32| {
        window = ((window << 21) | u128::from(ch)) & WINDOW_MASK;
        seen += 1;
        if seen >= GRAM_CHARS {
            each(gram_hash(window));
        }
    };
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte < 0x80 {
            at += 1;
            if byte.is_ascii_alphanumeric() {
                push(u32::from(byte.to_ascii_lowercase()));
            }
            continue;
        }
        let Some(ch) = text[at..].chars().next() else {
            break;
        };
        at += ch.len_utf8();
        if ch.is_alphanumeric() {
            ch.to_lowercase().for_each(|lower| push(u32::from(lower)));
        }
    }
}

/// The `count` smallest distinct values of `values` (all of them when there are fewer),
/// sorted. The values are hashes, spread evenly over `u32`, so those below a cut that
/// expects twice `count` of them are copied to `scratch` in one pass and only they are
/// sorted; when repeated values leave fewer than `count` distinct ones there, all of
/// `values` are sorted instead (`values` is then reordered).
fn smallest_distinct<'a>(
    values: &'a mut [u32],
    count: usize,
    scratch: &'a mut Vec<u32>,
) -> &'a [u32] {
    let expected = 2 * count as u64;
    let total = values.len() as u64;
    if total > 2 * expected {
        let cut = (expected << 32) / total;
        // Branch-free: every value is written, and the next write moves on only past a kept one.
        scratch.clear();
        scratch.resize(values.len() + 1, 0);
        let mut kept = 0;
        for &value in values.iter() {
            scratch[kept] = value;
            kept += usize::from(u64::from(value) < cut);
        }
        let head = &mut scratch[..kept];
        head.sort_unstable();
        let distinct = dedup_sorted(head);
        if distinct >= count {
            return &scratch[..count];
        }
    }
    values.sort_unstable();
    let distinct = dedup_sorted(values);
    &values[..count.min(distinct)]
}

/// Moves the distinct values of a sorted slice to its front and returns how many there are.
fn dedup_sorted(values: &mut [u32]) -> usize {
    let mut kept = 0;
    for at in 0..values.len() {
        if kept == 0 || values[at] != values[kept - 1] {
            values[kept] = values[at];
            kept += 1;
        }
    }
    kept
}

impl GramSketch {
    /// The sketch of `text`; `buffer` and `scratch` are scratch space reused across calls.
    /// One pass hashes every gram and keeps the sampled hashes apart; a text with
    /// [`MIN_SAMPLE`] distinct sampled hashes keeps those, a shorter one its [`MIN_SAMPLE`]
    /// smallest, found without sorting all of its grams.
    pub fn of(text: &str, buffer: &mut Vec<u32>, scratch: &mut Vec<u32>) -> Self {
        buffer.clear();
        let mut sampled: Vec<u32> = Vec::with_capacity(text.len() / SAMPLE_RATE as usize);
        for_each_gram(text, |hash| {
            buffer.push(hash);
            if hash < SAMPLE_CUT {
                sampled.push(hash);
            }
        });
        if sampled.len() >= MIN_SAMPLE {
            sampled.sort_unstable();
            sampled.dedup();
            if sampled.len() >= MIN_SAMPLE {
                return Self {
                    hashes: sampled,
                    cut: SAMPLE_CUT - 1,
                };
            }
        }
        // One more than kept tells a text with more grams than the sample from one without.
        let smallest = smallest_distinct(buffer, MIN_SAMPLE + 1, scratch);
        if smallest.len() <= MIN_SAMPLE {
            return Self {
                hashes: smallest.to_vec(),
                cut: u32::MAX,
            };
        }
        let hashes = smallest[..MIN_SAMPLE].to_vec();
        let cut = hashes[MIN_SAMPLE - 1];
        Self { hashes, cut }
    }

    /// Estimated share of the smaller text's grams that the other text also has, in [0, 1].
    pub fn containment(&self, other: &GramSketch) -> f64 {
        let cut = self.cut.min(other.cut);
        // every hash of a sketch is at most its own cut: only the sketch with the higher cut
        // is searched
        let below = |sketch: &GramSketch| {
            if sketch.cut <= cut {
                sketch.hashes.len()
            } else {
                sketch.hashes.partition_point(|&h| h <= cut)
            }
        };
        let (mine, theirs) = (&self.hashes[..below(self)], &other.hashes[..below(other)]);
        let smaller = mine.len().min(theirs.len());
        if smaller == 0 {
            return 0.0;
        }
        sorted_intersection(mine, theirs) as f64 / smaller as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_are_counted_as_a_set_intersection_counts_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..5_000 {
            // small ranges make many shared values, wide ones few
            let range = [8u32, 64, 1 << 12, u32::MAX][rng.random_range(0..4)];
            let side = |rng: &mut rand_chacha::ChaCha8Rng| {
                let len = rng.random_range(0..120);
                let mut values: Vec<u32> = (0..len).map(|_| rng.random_range(0..=range)).collect();
                values.sort_unstable();
                values.dedup();
                values
            };
            let (a, b) = (side(&mut rng), side(&mut rng));
            let set: std::collections::HashSet<u32> = a.iter().copied().collect();
            let expected = b.iter().filter(|v| set.contains(v)).count();
            assert_eq!(sorted_intersection(&a, &b), expected, "{a:?} {b:?}");
            assert_eq!(sorted_intersection(&b, &a), expected);
        }
    }

    fn sketch(text: &str) -> GramSketch {
        GramSketch::of(text, &mut Vec::new(), &mut Vec::new())
    }

    #[test]
    fn spacing_case_and_punctuation_do_not_matter() {
        let a = sketch("The Aviator, by taking the top prize.");
        let b = sketch("the  avi-\nator by TAKING thetop prize");
        assert_eq!(a, b);
        assert!(sketch("abcd").hashes.is_empty());
        assert_eq!(sketch("abcde").hashes.len(), 1);
    }

    #[test]
    fn a_cut_copy_is_contained_and_another_story_is_not() {
        let story: String = (0..400)
            .map(|i| format!("word{} ", i * 7919 % 10007))
            .collect();
        let cut = &story[..story.len() / 3];
        let other: String = (0..400)
            .map(|i| format!("term{} ", i * 104_729 % 10007))
            .collect();
        let (full, part, unrelated) = (sketch(&story), sketch(cut), sketch(&other));
        assert!(
            full.containment(&part) > 0.95,
            "{}",
            full.containment(&part)
        );
        assert!(part.containment(&full) > 0.95);
        assert!(full.containment(&unrelated) < 0.3);
        assert!(full.hashes.len() < 2000 / SAMPLE_RATE as usize + MIN_SAMPLE);
    }

    /// The sketch as defined: all distinct gram hashes, sorted; the sampled ones when there
    /// are enough, else the smallest, with the cut at the last kept one unless all are kept.
    fn sketch_by_definition(text: &str) -> GramSketch {
        let mut all = Vec::new();
        for_each_gram(text, |hash| all.push(hash));
        all.sort_unstable();
        all.dedup();
        let sampled: Vec<u32> = all.iter().copied().filter(|&h| h < SAMPLE_CUT).collect();
        if sampled.len() >= MIN_SAMPLE {
            return GramSketch {
                hashes: sampled,
                cut: SAMPLE_CUT - 1,
            };
        }
        if all.len() <= MIN_SAMPLE {
            return GramSketch {
                hashes: all,
                cut: u32::MAX,
            };
        }
        all.truncate(MIN_SAMPLE);
        GramSketch {
            cut: all[MIN_SAMPLE - 1],
            hashes: all,
        }
    }

    #[test]
    fn the_sketch_is_the_defined_sample_for_every_length_and_repetition() {
        let words: Vec<String> = (0..3000)
            .map(|i| format!("w{} ", i * 7919 % 10007))
            .collect();
        for length in [0, 3, 20, 60, 96, 97, 98, 150, 300, 1000, 3000] {
            let text: String = words[..length].concat();
            assert_eq!(sketch(&text), sketch_by_definition(&text), "{length} words");
        }
        // Repeated grams: few distinct values among many, around the sample size.
        for distinct in [90, 96, 97, 100, 200] {
            let text: String = words[..distinct / 4].concat().repeat(12);
            assert_eq!(sketch(&text), sketch_by_definition(&text), "{distinct}");
        }
        for repeats in [1, 2, 5, 40] {
            let text = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(repeats);
            assert_eq!(sketch(&text), sketch_by_definition(&text), "{repeats}");
        }
    }

    #[test]
    fn non_ascii_letters_count_and_odd_text_does_not_panic() {
        assert_eq!(sketch("ÉCOLE école"), sketch("école ÉCOLE"));
        assert_eq!(sketch("").containment(&sketch("abcdef")), 0.0);
        sketch("\u{0}\u{fffd} \u{1F600} İstanbul ß");
    }
}
