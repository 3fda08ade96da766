//! The outlet (site name) of a page, from everything the page offers, each candidate with its
//! basis: `<meta property="og:site_name">`, the JSON-LD publisher, a wire prefix, the site name
//! after the headline in `<title>`, a byline naming the outlet, the copyright or masthead lines
//! of the page chrome, and last the URL's host.

use std::sync::LazyLock;

use regex::Regex;

/// Bases of outlet candidates, from the most to the least trusted.
pub const OUTLET_BASIS_ORDER: &[&str] = &[
    "input",
    "html_meta",
    "json_ld",
    "wire_prefix",
    "title_suffix",
    "byline",
    "copyright",
    "masthead",
    "url_host",
];

/// One outlet candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutletCandidate {
    /// The name as the page writes it.
    pub name: String,
    /// Where it was read (one of [`OUTLET_BASIS_ORDER`]).
    pub basis: &'static str,
}

/// The candidate with the most trusted basis (the first of equals).
pub fn choose_outlet(candidates: &[OutletCandidate]) -> Option<&OutletCandidate> {
    candidates.iter().min_by_key(|c| {
        OUTLET_BASIS_ORDER
            .iter()
            .position(|b| *b == c.basis)
            .unwrap_or(OUTLET_BASIS_ORDER.len())
    })
}

/// Longest outlet name accepted, in characters.
const MAX_OUTLET_CHARS: usize = 60;

/// Whether `name` can be an outlet's name: not empty, not a sentence, not a URL.
fn plausible(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().count() <= MAX_OUTLET_CHARS
        && name.split_whitespace().count() <= 6
        && name.chars().any(char::is_alphabetic)
        && !name.contains("://")
}

/// The `name` of the JSON-LD `publisher` object.
pub fn json_ld_publisher(html: &str) -> Option<String> {
    static PUBLISHER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""publisher"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"([^"\\]{2,80})""#)
            .expect("valid regex")
    });
    let name = html_escape::decode_html_entities(PUBLISHER.captures(html)?.get(1)?.as_str())
        .trim()
        .to_owned();
    plausible(&name).then_some(name)
}

/// A role byline and the acronyms of the outlet it names (group 1).
static ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Lu}[\p{L}.'’-]+(?: \p{Lu}[\p{L}.'’-]+){1,3},\s+((?:[\p{Lu}\d][\p{Lu}\d&.-]+ )+)[^.]{0,60}(?-u:\b)(?i:editor|correspondent|reporter|writer|journalist|columnist|contributor|staff)(?-u:\b)")
        .expect("valid regex")
});

/// The outlet an acronym names in a role byline: "Marco Levytsky, NP-UN National Affairs
/// Editor." gives "NP-UN". Only all-capital words (with digits, `-`, `&`, `.`) are taken, so
/// "Jane Doe, Foreign Affairs Editor" names none.
pub fn byline_outlet(line: &str) -> Option<String> {
    let name = ROLE
        .captures(line.trim())?
        .get(1)?
        .as_str()
        .trim()
        .to_owned();
    (name.chars().filter(|c| c.is_uppercase()).count() >= 2 && plausible(&name)).then_some(name)
}

/// A copyright line and the holder it names (group 1).
static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:©|\(c\)|copyright)\s*(?:(?:19|20)\d{2}\s*(?:[-–]\s*(?:19|20)\d{2}\s*)?)?(?:,\s*)?(\p{Lu}[^.,|©]{1,59}?)\s*(?:[.,|]|(?i:all rights)|$)")
        .expect("valid regex")
});

/// The holder named in a copyright line: "© 2025 Daily Courier. All rights reserved." gives
/// "Daily Courier".
pub fn copyright_holder(line: &str) -> Option<String> {
    let name = COPYRIGHT
        .captures(line.trim())?
        .get(1)?
        .as_str()
        .trim()
        .to_owned();
    plausible(&name).then_some(name)
}

/// A site's own product named in a line and the site's name (group 1).
static PROMO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:The )?\p{Lu}[\p{L}-]+(?: \p{Lu}[\p{L}-]+){0,3})['’]s (?:(?:first-ever|first|new|own|official|daily|weekly|free) )*(?:magazine|newsletters?|podcasts?|app|print edition|store|shop|membership)(?-u:\b)")
        .expect("valid regex")
});

/// A site naming its own products in the page chrome: "The Power Within: The Kyiv
/// Independent’s first-ever magazine." gives "The Kyiv Independent".
pub fn masthead_name(line: &str) -> Option<String> {
    // The regex's `'s ` is rare in a line: a substring search rules most lines out cheaply.
    if !line.contains("'s ") && !line.contains("’s ") {
        return None;
    }
    let name = PROMO.captures(line)?.get(1)?.as_str().trim().to_owned();
    plausible(&name).then_some(name)
}

/// The host of the page's URL, without `www.`: the outlet of last resort.
pub fn url_host(url: &str) -> Option<String> {
    crate::site_repeats::url_host(url).filter(|host| host.contains('.'))
}

/// Compiles the patterns of the lines every text is read for (role bylines, copyright lines,
/// a site's own products), for the stage's warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&ROLE);
    LazyLock::force(&COPYRIGHT);
    LazyLock::force(&PROMO);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlets_from_markup_bylines_and_chrome() {
        assert_eq!(
            json_ld_publisher(r#"{"@type":"NewsArticle","publisher":{"@type":"Organization","name":"Daily &amp; Courier"}}"#).as_deref(),
            Some("Daily & Courier")
        );
        assert_eq!(json_ld_publisher(r#"{"author":{"name":"Jane"}}"#), None);
        assert_eq!(
            byline_outlet("Marco Levytsky, NP-UN National Affairs Editor.").as_deref(),
            Some("NP-UN")
        );
        assert_eq!(byline_outlet("Jane Doe, Foreign Affairs Editor."), None);
        assert_eq!(
            copyright_holder("© 2025 Daily Courier. All rights reserved.").as_deref(),
            Some("Daily Courier")
        );
        assert_eq!(copyright_holder("Copyright 2024"), None);
        assert_eq!(
            masthead_name("The Power Within: The Kyiv Independent’s first-ever magazine. Be among the first to get it.").as_deref(),
            Some("The Kyiv Independent")
        );
        assert_eq!(masthead_name("Canada's troops are ready."), None);
        assert_eq!(
            url_host("https://www.kyivindependent.com/a").as_deref(),
            Some("kyivindependent.com")
        );
    }

    #[test]
    fn the_most_trusted_basis_wins() {
        let candidates = [
            OutletCandidate {
                name: "example.com".into(),
                basis: "url_host",
            },
            OutletCandidate {
                name: "Example".into(),
                basis: "html_meta",
            },
        ];
        assert_eq!(choose_outlet(&candidates).unwrap().name, "Example");
        assert_eq!(choose_outlet(&[]), None);
    }
}
