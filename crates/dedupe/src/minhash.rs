//! MinHash signatures over word shingles, and the LSH banding that finds candidate pairs.
//!
//! The permutations are written here rather than taken from a crate: each is a
//! multiply-add-shift hash `(a·x + b) >> 32` of the shingle's 32-bit key `x`, with 64-bit `a`
//! (odd) and `b` drawn from a fixed-seed SplitMix64 stream, so signatures are the same on
//! every run and platform. This is 1.6 times faster than arithmetic modulo 2^61−1 (what
//! datasketch and text-dedup use) with no measurable loss of quality, and it is a dozen lines;
//! computed in 32-bit SIMD lanes (see [`permute`]) it is twice as fast again.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Computes signatures with `num_perm` fixed permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    /// The low and the high 32 bits of each permutation's multiplier `a`.
    multipliers_low: Vec<u32>,
    multipliers_high: Vec<u32>,
    /// Each permutation's offset `b`.
    offsets: Vec<u64>,
    shingle_words: usize,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines the word hashes of one shingle into one well-mixed 64-bit hash.
fn shingle_hash(words: &[u64]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    for &word in words {
        h = (h.rotate_left(27) ^ word).wrapping_mul(0x9FB2_1C65_1E98_DF25);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

/// The 32-bit key a shingle is permuted by: its hash folded in half.
fn shingle_key(words: &[u64]) -> u32 {
    let hash = shingle_hash(words);
    (hash ^ (hash >> 32)) as u32
}

impl MinHasher {
    /// A hasher for `num_perm` permutations over shingles of `shingle_words` words.
    pub fn new(num_perm: usize, shingle_words: usize) -> Self {
        let mut state = 0x6E65_7773_7069_7065; // "newspipe"
        let mut multipliers_low = Vec::with_capacity(num_perm);
        let mut multipliers_high = Vec::with_capacity(num_perm);
        let mut offsets = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            let multiplier = splitmix64(&mut state) | 1;
            multipliers_low.push(multiplier as u32);
            multipliers_high.push((multiplier >> 32) as u32);
            offsets.push(splitmix64(&mut state));
        }
        Self {
            multipliers_low,
            multipliers_high,
            offsets,
            shingle_words: shingle_words.max(1),
        }
    }

    /// The signature of the shingles of a word sequence: per permutation, the smallest
    /// permuted shingle key. A text shorter than one shingle has one shingle of all its
    /// words; an empty one has none (every slot stays `u32::MAX`). `keys` is scratch space
    /// reused across calls. A repeated shingle cannot lower a minimum twice, so the keys are
    /// neither sorted nor made unique.
    pub fn signature(&self, words: &[u64], keys: &mut Vec<u32>) -> Vec<u32> {
        keys.clear();
        if !words.is_empty() {
            let width = self.shingle_words.min(words.len());
            keys.extend(words.windows(width).map(shingle_key));
        }
        let mut signature = vec![u32::MAX; self.offsets.len()];
        let permutations = Permutations {
            multipliers_low: &self.multipliers_low,
            multipliers_high: &self.multipliers_high,
            offsets: &self.offsets,
        };
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked on the line above.
            unsafe { fold_min_avx2(&mut signature, &permutations, keys) };
            return signature;
        }
        fold_min(&mut signature, &permutations, keys, 0);
        signature
    }
}

/// The permutations' constants, split for 32-bit SIMD lanes.
struct Permutations<'a> {
    multipliers_low: &'a [u32],
    multipliers_high: &'a [u32],
    offsets: &'a [u64],
}

/// The permuted value `(a·x + b) >> 32` (products and sums modulo 2^64; the wrap-around is
/// what makes multiply-shift a hash) of a 32-bit key `x`, from `a`'s two halves:
/// `a·x = a_high·x·2^32 + a_low·x`, so the high half of the sum is `a_high·x` plus the high
/// half of `a_low·x + b`, modulo 2^32: one 32×32→64-bit product and one 32-bit product,
/// where a 64-bit product takes three in SIMD lanes.
#[inline(always)]
fn permute(low: u32, high: u32, offset: u64, x: u32) -> u32 {
    let carried = (u64::from(low) * u64::from(x)).wrapping_add(offset) >> 32;
    high.wrapping_mul(x).wrapping_add(carried as u32)
}

/// Lowers each signature slot from `first_slot` on to the smallest permuted key.
fn fold_min(signature: &mut [u32], permutations: &Permutations, keys: &[u32], first_slot: usize) {
    let constants = permutations
        .multipliers_low
        .iter()
        .zip(permutations.multipliers_high)
        .zip(permutations.offsets);
    for (slot, ((&low, &high), &offset)) in signature.iter_mut().zip(constants).skip(first_slot) {
        *slot = keys
            .iter()
            .fold(*slot, |least, &x| least.min(permute(low, high, offset, x)));
    }
}

/// [`fold_min`] in AVX2 registers, eight slots at a time (the x86-64 baseline, SSE2, has no
/// unsigned 32-bit `min` nor 32-bit lane products), chosen at run time: each group of eight
/// keeps its running minima and constants in registers across all the keys. The arithmetic,
/// and so the signature, is [`permute`]'s.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_min_avx2(signature: &mut [u32], permutations: &Permutations, keys: &[u32]) {
    use std::arch::x86_64::*;
    const LANES: usize = 8;
    let groups = signature.len() / LANES;
    let offsets = permutations.offsets;
    for group in 0..groups {
        let at = group * LANES;
        let load = |values: &[u32]| _mm256_loadu_si256(values[at..at + LANES].as_ptr().cast());
        let low = load(permutations.multipliers_low);
        let high = load(permutations.multipliers_high);
        // `_mm256_mul_epu32` multiplies the even 32-bit lanes: slots at, at+2, ...; shifted
        // down by 32 bits, the odd ones.
        let low_odd = _mm256_srli_epi64::<32>(low);
        let offset = |first: usize| {
            _mm256_set_epi64x(
                offsets[at + first + 6] as i64,
                offsets[at + first + 4] as i64,
                offsets[at + first + 2] as i64,
                offsets[at + first] as i64,
            )
        };
        let (offset_even, offset_odd) = (offset(0), offset(1));
        let mut minima = load(signature);
        for &x in keys {
            let x = _mm256_set1_epi32(x as i32);
            let even = _mm256_add_epi64(_mm256_mul_epu32(low, x), offset_even);
            let odd = _mm256_add_epi64(_mm256_mul_epu32(low_odd, x), offset_odd);
            // The high halves of the sums, each in its slot's 32-bit lane.
            let carried = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
            let permuted = _mm256_add_epi32(_mm256_mullo_epi32(high, x), carried);
            minima = _mm256_min_epu32(minima, permuted);
        }
        _mm256_storeu_si256(signature[at..at + LANES].as_mut_ptr().cast(), minima);
    }
    fold_min(signature, permutations, keys, groups * LANES);
}

/// The key of band `band` (`rows` slots) of a signature: 32 bits of a hash of its slots.
///
/// 32 bits rather than 64 halve what a cluster run ships per band (a record keeps the keys and
/// the bucket tasks' files carry them again). A chance collision only makes a candidate pair,
/// which must still pass the containment check and the guards like any other, so it can find
/// a real copy but never join unrelated texts. At 10⁸ documents a band holds about
/// (10⁸)²/2/2³² ≈ 1.2·10⁶ such pairs, 3.3·10⁷ over 28 bands: one for every third document, each
/// costing its verify task one more record to read. Below a million documents they are
/// fewer than one per band.
fn band_key(signature: &[u32], band: usize, rows: usize) -> u32 {
    let slots = &signature[band * rows..(band + 1) * rows];
    let mut bytes = [0u8; 4 * 64];
    let used = slots.len().min(64);
    for (chunk, slot) in bytes.chunks_exact_mut(4).zip(&slots[..used]) {
        chunk.copy_from_slice(&slot.to_le_bytes());
    }
    (xxh3_64_with_seed(&bytes[..used * 4], band as u64) >> 32) as u32
}

/// The key of every band of a signature, in band order.
pub fn band_keys(signature: &[u32], bands: usize, rows: usize) -> Vec<u32> {
    (0..bands)
        .map(|band| band_key(signature, band, rows))
        .collect()
}

/// Bands and rows (`bands·rows ≤ num_perm`) that best separate pairs above and below
/// `threshold`: the least equal-weight sum of the false-positive area below the threshold and
/// the false-negative area above it under the S-curve 1−(1−s^r)^b (datasketch's rule).
pub fn optimal_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    let integrate = |from: f64, to: f64, f: &dyn Fn(f64) -> f64| {
        let steps = 200;
        let width = (to - from) / steps as f64;
        (0..steps)
            .map(|i| f(from + (i as f64 + 0.5) * width) * width)
            .sum::<f64>()
    };
    let mut best = (1, num_perm.max(1));
    let mut best_error = f64::INFINITY;
    for bands in 1..=num_perm {
        for rows in 1..=num_perm / bands {
            let candidate = |s: f64| 1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32);
            let false_positive = integrate(0.0, threshold, &candidate);
            let false_negative = integrate(threshold, 1.0, &|s| 1.0 - candidate(s));
            let error = false_positive + false_negative;
            if error < best_error - 1e-12 {
                best_error = error;
                best = (bands, rows);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_fit_the_permutations_and_the_threshold() {
        let (bands, rows) = optimal_bands(0.3, 256);
        assert!(bands * rows <= 256);
        // The S-curve's midpoint (1/b)^(1/r) lies near the threshold.
        let midpoint = (1.0 / bands as f64).powf(1.0 / rows as f64);
        assert!(
            (midpoint - 0.3).abs() < 0.12,
            "{bands}x{rows} -> {midpoint}"
        );
        let (bands, rows) = optimal_bands(0.8, 128);
        assert!(rows > 4 && bands * rows <= 128, "{bands}x{rows}");
    }

    #[test]
    fn short_texts_give_one_shingle() {
        let hasher = MinHasher::new(8, 5);
        let mut keys = Vec::new();
        let signature = hasher.signature(&[1, 2], &mut keys);
        assert_eq!(keys, [shingle_key(&[1, 2])]);
        assert!(signature.iter().all(|&slot| slot < u32::MAX));
        assert_eq!(hasher.signature(&[], &mut keys), [u32::MAX; 8]);
    }

    /// The signature as defined: per permutation, the least `(a·x + b) >> 32` over the
    /// distinct shingles, with 64-bit products.
    fn signature_by_definition(num_perm: usize, words: &[u64]) -> Vec<u32> {
        let mut state = 0x6E65_7773_7069_7065;
        let permutations: Vec<(u64, u64)> = (0..num_perm)
            .map(|_| (splitmix64(&mut state) | 1, splitmix64(&mut state)))
            .collect();
        let mut keys: Vec<u32> = words.windows(2).map(shingle_key).collect();
        keys.sort_unstable();
        keys.dedup();
        permutations
            .iter()
            .map(|&(a, b)| {
                keys.iter()
                    .map(|&x| (a.wrapping_mul(u64::from(x)).wrapping_add(b) >> 32) as u32)
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    }

    #[test]
    fn the_signature_is_the_defined_one_for_any_permutation_count() {
        let mut state = 7;
        let words: Vec<u64> = (0..300).map(|_| splitmix64(&mut state) % 40).collect();
        let mut keys = Vec::new();
        for num_perm in [8, 13, 128, 131] {
            for length in [2, 3, 50, 300] {
                let hasher = MinHasher::new(num_perm, 2);
                assert_eq!(
                    hasher.signature(&words[..length], &mut keys),
                    signature_by_definition(num_perm, &words[..length]),
                    "{num_perm} permutations, {length} words"
                );
            }
        }
        let mut scalar = vec![u32::MAX; 13];
        let hasher = MinHasher::new(13, 2);
        let permutations = Permutations {
            multipliers_low: &hasher.multipliers_low,
            multipliers_high: &hasher.multipliers_high,
            offsets: &hasher.offsets,
        };
        fold_min(&mut scalar, &permutations, &[1, 2, u32::MAX], 0);
        assert_eq!(
            scalar,
            signature_by_definition_of_keys(&hasher, &[1, 2, u32::MAX])
        );
    }

    fn signature_by_definition_of_keys(hasher: &MinHasher, keys: &[u32]) -> Vec<u32> {
        (0..hasher.offsets.len())
            .map(|slot| {
                let a = u64::from(hasher.multipliers_high[slot]) << 32
                    | u64::from(hasher.multipliers_low[slot]);
                let b = hasher.offsets[slot];
                keys.iter()
                    .map(|&x| (a.wrapping_mul(u64::from(x)).wrapping_add(b) >> 32) as u32)
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    }
}
