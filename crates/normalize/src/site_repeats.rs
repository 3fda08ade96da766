//! Lines that repeat on many pages of the same site (menus, newsletter prompts, legal text) are
//! boilerplate. The index keeps one counter per distinct line hash per site hash, never the
//! texts: 32-bit line hashes under a 64-bit site hash, so what a cluster run ships between
//! tasks stays small. The price is a rare shared key: with at most [`MAX_KEYS_PER_SITE`]
//! counted lines a site, a line shares its key with one of them with a chance below
//! 200,000 / 2^32 ≈ 1 in 21,000, and it is only cut when that other line is itself one of the
//! site's repeats (a few hundred lines a site), about 1 line in 10 million.

use rustc_hash::{FxHashMap, FxHashSet};

use newspipe_core::{Document, InputFormat};

use crate::fold_for_matching;
use crate::unicode::fold_for_matching_into;

/// Distinct lines counted per site before the rarest are forgotten.
const MAX_KEYS_PER_SITE: usize = 200_000;

/// The hash of a line's folded form, so case and typography do not matter.
pub type LineKey = u32;

/// The hash of a site's name ([`site_of`]).
pub type SiteKey = u64;

/// The key of a line: a hash of its folded form, so case and typography do not matter.
pub fn line_key(line: &str) -> LineKey {
    folded_line_key(&fold_for_matching(line.trim()))
}

/// [`line_key`] of a trimmed line already folded with [`fold_for_matching`], so a line folded
/// for the phrase rules is not folded again.
pub(crate) fn folded_line_key(folded: &str) -> LineKey {
    // The low half of a 64-bit hash: as well spread as a 32-bit one, and one hash function.
    xxhash_rust::xxh3::xxh3_64(folded.as_bytes()) as LineKey
}

/// The distinct line keys of a text, in ascending order.
pub fn page_keys(text: &str) -> Vec<LineKey> {
    // One buffer holds each line's folded form in turn.
    let mut folded = String::new();
    let mut keys: Vec<LineKey> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            fold_for_matching_into(line, &mut folded);
            folded_line_key(&folded)
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Ascending distinct keys as their gaps (the first key, then each key less the one before):
/// small numbers, which the stage's varint encoding stores in fewer bytes than the keys.
pub fn key_gaps(sorted_keys: &[LineKey]) -> Vec<LineKey> {
    let mut previous = 0;
    sorted_keys
        .iter()
        .map(|&key| {
            let gap = key - previous;
            previous = key;
            gap
        })
        .collect()
}

/// The keys back from [`key_gaps`]; `None` when they overflow (corrupt gaps).
pub fn keys_from_gaps(gaps: &[LineKey]) -> Option<Vec<LineKey>> {
    let mut key: LineKey = 0;
    gaps.iter()
        .map(|&gap| {
            key = key.checked_add(gap)?;
            Some(key)
        })
        .collect()
}

/// The key of a site name ([`site_of`]).
pub fn site_key(site: &str) -> SiteKey {
    xxhash_rust::xxh3::xxh3_64(site.as_bytes())
}

/// Lines at the top of a text page searched for an outlet name.
const OUTLET_LINES: usize = 10;

/// The site a document belongs to: its URL's host, else the outlet named in a wire prefix near
/// the top of a text page, else the folder (or JSON Lines file) it was read from.
pub fn site_of(doc: &Document) -> String {
    if let Some(host) = doc.source.url.as_deref().and_then(url_host) {
        return host;
    }
    let outlet = (doc.source.format == InputFormat::Text)
        .then(|| {
            doc.raw
                .lines()
                .take(OUTLET_LINES)
                .find_map(crate::metadata::wire_outlet)
        })
        .flatten();
    if let Some(outlet) = outlet {
        return format!("outlet:{}", outlet.to_lowercase());
    }
    let path = std::path::Path::new(&doc.source.path);
    let container = if doc.source.line.is_some() {
        Some(path)
    } else {
        path.parent()
    };
    container.map_or_else(String::new, |p| p.to_string_lossy().into_owned())
}

/// The host of an absolute URL, lower-cased, without `www.`.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    (!host.is_empty()).then_some(host)
}

/// Per-site counts of the pages each line appears on.
#[derive(Debug, Default)]
pub struct SiteLineCounts {
    sites: FxHashMap<SiteKey, FxHashMap<LineKey, u32>>,
}

impl SiteLineCounts {
    /// Counts the distinct lines of one page of `site`.
    pub fn add_page(&mut self, site: SiteKey, keys: impl IntoIterator<Item = LineKey>) {
        let counts = self.sites.entry(site).or_default();
        for key in keys {
            *counts.entry(key).or_insert(0) += 1;
        }
        if counts.len() > MAX_KEYS_PER_SITE {
            counts.retain(|_, n| *n > 1);
        }
    }

    /// For each site, the lines seen on at least `min_pages` pages.
    pub fn repeated(&self, min_pages: u32) -> FxHashMap<SiteKey, FxHashSet<LineKey>> {
        self.sites
            .iter()
            .map(|(site, counts)| {
                let keys = counts
                    .iter()
                    .filter(|(_, n)| **n >= min_pages)
                    .map(|(key, _)| *key)
                    .collect::<FxHashSet<LineKey>>();
                (*site, keys)
            })
            .filter(|(_, keys)| !keys.is_empty())
            .collect()
    }
}

/// Whether most of a text's lines are repeated elsewhere on its site: then the page is a copy of
/// another page (a matter for dedupe), not a page with a shared template.
pub fn mostly_repeated(text: &str, repeated: &FxHashSet<LineKey>) -> bool {
    let (mut total, mut shared) = (0usize, 0usize);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        total += line.len();
        if repeated.contains(&line_key(line)) {
            shared += line.len();
        }
    }
    shared * 2 > total
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::Source;

    #[test]
    fn lines_on_enough_pages_are_repeated() {
        let mut counts = SiteLineCounts::default();
        for i in 0..3 {
            counts.add_page(
                site_key("a.com"),
                page_keys(&format!("Menu\nStory number {i}\n“Menu”")),
            );
        }
        counts.add_page(site_key("b.com"), page_keys("Menu"));
        let repeated = counts.repeated(3);
        assert_eq!(
            repeated[&site_key("a.com")],
            FxHashSet::from_iter([line_key("menu"), line_key("\"MENU\"")])
        );
        assert!(!repeated.contains_key(&site_key("b.com")));
    }

    #[test]
    fn page_keys_travel_as_gaps() {
        let keys = page_keys("b\na\nB\nc\n\n");
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let gaps = key_gaps(&keys);
        assert_eq!(gaps[0], keys[0]);
        assert_eq!(
            gaps.iter().map(|&g| u64::from(g)).sum::<u64>(),
            u64::from(keys[2])
        );
        assert_eq!(keys_from_gaps(&gaps), Some(keys));
        assert_eq!(keys_from_gaps(&[LineKey::MAX, 1]), None);
        assert_eq!(keys_from_gaps(&[]), Some(vec![]));
    }

    #[test]
    fn the_site_is_the_host_else_the_outlet_else_the_folder() {
        let mut doc = Document::new(
            "d",
            Source {
                path: "in/x/a.txt".into(),
                ..Default::default()
            },
            String::new(),
        );
        assert_eq!(site_of(&doc), "in/x");
        doc.raw = "Title\n\n(MENAFN- The Rio Times) Canada has".into();
        assert_eq!(site_of(&doc), "outlet:the rio times");
        doc.source.url = Some("https://WWW.Example.com:8080/2025/a?b".into());
        assert_eq!(site_of(&doc), "example.com");
    }

    #[test]
    fn a_page_made_of_shared_lines_is_a_copy() {
        let repeated = FxHashSet::from_iter([line_key("A long shared paragraph of text.")]);
        assert!(mostly_repeated(
            "A long shared paragraph of text.\nshort",
            &repeated
        ));
        assert!(!mostly_repeated(
            "A long shared paragraph of text.\nAnd a longer paragraph of its own here.",
            &repeated
        ));
    }
}
