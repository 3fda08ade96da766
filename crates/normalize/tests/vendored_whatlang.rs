//! The speed patch to the vendored `whatlang` crate (`vendor/whatlang/PATCHES.md`) returns
//! exactly what the published 0.18.0 code returned: every language's trigram distance,
//! computed both ways, on the WCXB dev article texts (whole, and cut as normalize samples them)
//! and on random texts in each script that has several languages.

mod support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::devdata::load_dev_pages;
use whatlang::dev::trigram_distances_both_ways;

/// Asserts that both ways give the same distances; returns whether the text had a script with
/// several languages (so was compared at all).
fn same_distances(text: &str) -> bool {
    match trigram_distances_both_ways(text) {
        Some((ours, published)) => {
            assert_eq!(ours, published, "{text:?}");
            true
        }
        None => false,
    }
}

/// The first `bytes` bytes of `text`, cut back to a character boundary.
fn head(text: &str, bytes: usize) -> &str {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[test]
fn dev_texts_get_the_published_distances() {
    let Some(pages) = load_dev_pages(1) else {
        return;
    };
    let mut compared = 0;
    for page in &pages {
        // Whole articles (more than the 600 trigrams a text keeps), normalize's 1,000-byte
        // sample, and short openings (fewer trigrams than a profile has).
        for text in [
            page.article_body.as_str(),
            head(&page.article_body, 1000),
            head(&page.article_body, 120),
            head(&page.article_body, 12),
        ] {
            compared += usize::from(same_distances(text));
        }
    }
    assert!(compared > 3000, "only {compared} texts compared");
}

#[test]
fn random_texts_in_each_script_get_the_published_distances() {
    // Letters of the Latin, Cyrillic, Arabic, Devanagari and Hebrew scripts (each has several
    // languages), with spaces, digits and punctuation, which count as word breaks.
    let scripts: [&[&str]; 5] = [
        &[
            "e", "a", "n", "th", "ch", "\u{e9}", "\u{df}", "\u{f1}", "o", "i", "s", "qu",
        ],
        &[
            "\u{43e}", "\u{430}", "\u{43d}", "\u{456}", "\u{454}", "\u{44b}", "\u{442}", "\u{451}",
        ],
        &[
            "\u{627}", "\u{644}", "\u{645}", "\u{6cc}", "\u{67e}", "\u{646}", "\u{6a9}",
        ],
        &[
            "\u{915}", "\u{93e}", "\u{930}", "\u{947}", "\u{939}", "\u{94d}", "\u{92e}",
        ],
        &[
            "\u{5d0}", "\u{5d4}", "\u{5d5}", "\u{5d9}", "\u{5e9}", "\u{5dc}", "\u{5f0}",
        ],
    ];
    let breaks = [" ", " ", ", ", ". ", "1", "\n", "-"];
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let mut compared = 0;
    for round in 0..2500 {
        let letters = scripts[round % scripts.len()];
        let len = [3, 30, 300, 3000][rng.random_range(0..4)];
        let text: String = (0..rng.random_range(1..len))
            .map(|_| {
                if rng.random_range(0..5) == 0 {
                    breaks[rng.random_range(0..breaks.len())]
                } else {
                    letters[rng.random_range(0..letters.len())]
                }
            })
            .collect();
        compared += usize::from(same_distances(&text));
    }
    assert!(compared > 2000, "only {compared} texts compared");
}
