//! The speed patches to the vendored `trafilatura` crate (`vendor/trafilatura/PATCHES.md`)
//! return exactly what the published 0.6.0 code returned: each patched function is compared
//! with a copy of the original on hand-picked and random inputs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;

/// `trafilatura::utils::trim` as published in 0.6.0.
fn published_trim(s: &str) -> String {
    let no_soft_hyphen: String = s.chars().filter(|&c| c != '\u{00AD}').collect();
    let joined = no_soft_hyphen
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    joined.nfc().collect()
}

/// Characters that exercise every branch: ASCII, Unicode spaces, soft hyphens, combining marks
/// (NFD text NFC composes), singletons NFC replaces (Ångström sign, Kelvin sign), a composition
/// exclusion, Hangul jamo, CJK, typographic punctuation.
const ALPHABET: &[char] = &[
    'a', 'Z', '1', '.', ' ', ' ', '\t', '\n', '\r', '\u{00A0}', '\u{2003}', '\u{3000}', '\u{00AD}',
    '\u{00AD}', '\u{0301}', '\u{0308}', '\u{0327}', 'e', 'u', 'c', '\u{00E9}', '\u{212B}',
    '\u{212A}', '\u{0958}', '\u{1100}', '\u{1161}', '\u{11A8}', '\u{4E2D}', '\u{2019}', '\u{2014}',
    '\u{201C}',
];

#[test]
fn trim_returns_what_the_published_code_returned() {
    let picked = [
        "",
        "   ",
        "\u{00AD}",
        "a \u{00AD} b",
        "\u{00AD}\u{00AD} lead",
        "trail \u{00AD}",
        "co\u{00AD}operate  now",
        "cafe\u{0301} and u\u{0308}ber",
        "\u{212B}ngstr\u{00F6}m at 4 \u{212A}",
        "\u{1100}\u{1161}\u{11A8} \u{4E2D}\u{6587}",
        "plain  ascii\ttext\nwith   gaps ",
        "\u{2018}quoted\u{2019} \u{2014} \u{00A0}spaced\u{3000}out",
    ];
    for input in picked {
        assert_eq!(
            trafilatura::utils::trim(input),
            published_trim(input),
            "{input:?}"
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for _ in 0..20_000 {
        let len = rng.random_range(0..24);
        let input: String = (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect();
        assert_eq!(
            trafilatura::utils::trim(&input),
            published_trim(&input),
            "{input:?}"
        );
    }
}
