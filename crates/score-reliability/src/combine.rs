//! Turning signals into a score: weights rescaled over the applicable signals, the currency
//! factor, and bands.

use newspipe_core::{Band, Signal};
use serde::{Deserialize, Serialize};

use crate::config::{Bands, ClaimWeights, Weights};
use crate::signal::round3;

/// Signal name of the age discount, reported with weight 0: it multiplies the score.
pub const CURRENCY: &str = "currency";

/// The configured weight of a document signal, as a share of 100 over all twelve.
pub fn document_weight(weights: &Weights, name: &str) -> f64 {
    let total: f64 = Weights::SIGNALS
        .iter()
        .map(|n| weights.get(n).max(0.0))
        .sum();
    if total > 0.0 {
        round3(100.0 * weights.get(name).max(0.0) / total)
    } else {
        0.0
    }
}

/// The configured weight of a claim term, as a share of 100 over all five.
pub fn claim_weight(weights: &ClaimWeights, name: &str) -> f64 {
    let all = [
        ("source", weights.source),
        ("attribution", weights.attribution),
        ("local_quality", weights.local_quality),
        ("corroboration", weights.corroboration),
        ("consistency", weights.consistency),
    ];
    let total: f64 = all.iter().map(|(_, x)| x.max(0.0)).sum();
    let own = all
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(0.0, |(_, x)| x.max(0.0));
    if total > 0.0 {
        round3(100.0 * own / total)
    } else {
        0.0
    }
}

/// `100 · Σ w·s / Σ w` over the applicable signals with a positive weight; 0 when none is.
pub fn points(signals: &[Signal]) -> f64 {
    let mut sum = Points::default();
    for s in signals {
        sum.add(s);
    }
    sum.value()
}

/// The running sums behind [`points`], so a score can be finished later with more signals
/// (the stage keeps the sums of a document's own signals, not the signals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Points {
    #[serde(with = "crate::compact::number")]
    sum: f64,
    #[serde(with = "crate::compact::number")]
    total: f64,
}

impl Points {
    /// Adds one signal, when it is applicable and weighs something.
    pub fn add(&mut self, s: &Signal) {
        if s.applicable && s.weight > 0.0 {
            self.sum += s.weight * s.score;
            self.total += s.weight;
        }
    }

    /// The score so far, 0–100.
    pub fn value(&self) -> f64 {
        if self.total > 0.0 {
            100.0 * self.sum / self.total
        } else {
            0.0
        }
    }
}

/// The band of a 0–100 score.
pub fn band(score: f64, bands: &Bands) -> Band {
    if score >= bands.high {
        Band::High
    } else if score >= bands.medium {
        Band::Medium
    } else {
        Band::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{not_applicable, scored};

    #[test]
    fn not_applicable_signals_are_rescaled_away() {
        let mut a = scored("a", 1.0, vec![]);
        a.weight = 10.0;
        let mut b = scored("b", 0.0, vec![]);
        b.weight = 30.0;
        let mut c = not_applicable("d", "c", "none");
        c.weight = 60.0;
        assert_eq!(points(&[a.clone(), b.clone(), c]), 25.0);
        b.weight = 0.0;
        assert_eq!(points(&[a, b]), 100.0, "weight 0 takes a signal out");
    }

    #[test]
    fn default_weights_add_to_100() {
        let weights = Weights::default();
        let sum: f64 = Weights::SIGNALS
            .iter()
            .map(|n| document_weight(&weights, n))
            .sum();
        assert!((sum - 100.0).abs() < 1e-6);
        let doubled = Weights {
            attribution: 28.0,
            ..Weights::default()
        };
        assert!(
            document_weight(&doubled, "attribution") > document_weight(&weights, "attribution")
        );
    }
}
