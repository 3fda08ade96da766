//! The Adjusted Rand Index: agreement between two clusterings, corrected for chance.

use std::collections::HashMap;
use std::hash::Hash;

/// Adjusted Rand Index of `predicted` against `truth` (Hubert and Arabie, 1985).
///
/// Both slices give one label per item, in the same item order. 1.0 means identical
/// partitions, about 0.0 what random labels would reach. When both partitions are trivial
/// (all singletons, or one cluster) and equal, the index is 1.0. Panics only if the slices
/// have different lengths, which is a programming error.
pub fn adjusted_rand_index<A: Eq + Hash, B: Eq + Hash>(truth: &[A], predicted: &[B]) -> f64 {
    assert_eq!(
        truth.len(),
        predicted.len(),
        "one label per item in both clusterings"
    );
    let n = truth.len() as f64;
    if truth.len() < 2 {
        return 1.0;
    }
    let mut cells: HashMap<(&A, &B), u64> = HashMap::new();
    let mut rows: HashMap<&A, u64> = HashMap::new();
    let mut cols: HashMap<&B, u64> = HashMap::new();
    for (a, b) in truth.iter().zip(predicted) {
        *cells.entry((a, b)).or_default() += 1;
        *rows.entry(a).or_default() += 1;
        *cols.entry(b).or_default() += 1;
    }
    let pairs = |count: u64| (count as f64) * (count as f64 - 1.0) / 2.0;
    let index: f64 = cells.values().copied().map(pairs).sum();
    let row_pairs: f64 = rows.values().copied().map(pairs).sum();
    let col_pairs: f64 = cols.values().copied().map(pairs).sum();
    let expected = row_pairs * col_pairs / (n * (n - 1.0) / 2.0);
    let max = (row_pairs + col_pairs) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return if (index - expected).abs() < f64::EPSILON {
            1.0
        } else {
            0.0
        };
    }
    (index - expected) / (max - expected)
}

/// Pairwise precision and recall of `predicted` against `truth`: of the pairs put together,
/// how many belong together, and of the pairs that belong together, how many were found.
/// Either is 1.0 when its denominator is empty.
pub fn pair_precision_recall<A: Eq + Hash, B: Eq + Hash>(
    truth: &[A],
    predicted: &[B],
) -> (f64, f64) {
    assert_eq!(
        truth.len(),
        predicted.len(),
        "one label per item in both clusterings"
    );
    let mut cells: HashMap<(&A, &B), u64> = HashMap::new();
    let mut rows: HashMap<&A, u64> = HashMap::new();
    let mut cols: HashMap<&B, u64> = HashMap::new();
    for (a, b) in truth.iter().zip(predicted) {
        *cells.entry((a, b)).or_default() += 1;
        *rows.entry(a).or_default() += 1;
        *cols.entry(b).or_default() += 1;
    }
    let pairs = |count: u64| (count as f64) * (count as f64 - 1.0) / 2.0;
    let together: f64 = cells.values().copied().map(pairs).sum();
    let truth_pairs: f64 = rows.values().copied().map(pairs).sum();
    let predicted_pairs: f64 = cols.values().copied().map(pairs).sum();
    let ratio = |num: f64, den: f64| if den == 0.0 { 1.0 } else { num / den };
    (
        ratio(together, predicted_pairs),
        ratio(together, truth_pairs),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_partitions_score_one_whatever_the_label_names() {
        let truth = [0, 0, 1, 1, 2];
        let predicted = ["b", "b", "a", "a", "c"];
        assert!((adjusted_rand_index(&truth, &predicted) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn matches_a_hand_computed_value() {
        // Contingency [[2,1],[0,2]]: index 2, rows 3+1 = 4, cols 1+3 = 4 ... worked out:
        // n = 5, C(n,2) = 10, index = C(2,2)+C(2,2) = 2, a = C(3,2)+C(2,2) = 4,
        // b = C(2,2)+C(3,2) = 4, expected = 1.6, max = 4, ARI = 0.4/2.4.
        let truth = [0, 0, 0, 1, 1];
        let predicted = [0, 0, 1, 1, 1];
        let ari = adjusted_rand_index(&truth, &predicted);
        assert!((ari - 0.4 / 2.4).abs() < 1e-12, "{ari}");
    }

    #[test]
    fn merging_everything_scores_zero() {
        let truth = [0, 0, 1, 1, 2, 2];
        let predicted = [0; 6];
        assert!(adjusted_rand_index(&truth, &predicted).abs() < 1e-12);
    }

    #[test]
    fn pair_scores_count_found_and_false_pairs() {
        let truth = [0, 0, 0, 1];
        let predicted = [0, 0, 1, 1];
        let (precision, recall) = pair_precision_recall(&truth, &predicted);
        assert!((precision - 0.5).abs() < 1e-12);
        assert!((recall - 1.0 / 3.0).abs() < 1e-12);
    }
}
