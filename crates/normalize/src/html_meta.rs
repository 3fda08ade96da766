//! Cleanup of the metadata an HTML extractor reports (site names glued to titles, "Written by"
//! in bylines), and publication dates read straight from the page's markup.

use std::sync::LazyLock;

use regex::Regex;

use crate::metadata::{self, FoundDate};

/// Separators between a headline and the site name in `<title>`-like strings.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " · ", " :: ", " » ", " / "];
/// A site-name segment has at most this many words.
const MAX_SITE_WORDS: usize = 6;

/// Publication-date markup: JSON-LD `datePublished` and the usual `<meta>` names, either
/// attribute order.
static PUBLISHED_MARKUP: LazyLock<Regex> = LazyLock::new(|| {
    let names = r#"article:published_time|og:published_time|datePublished|pubdate|publishdate|publish[-_]date|date|dc\.date|dc\.date\.issued|dcterms\.created|sailthru\.date|parsely-pub-date|published[-_]?date"#;
    Regex::new(&format!(
        r#"(?i)"datePublished"\s*:\s*"([^"]{{8,40}})"|<meta\s[^>]*?(?:property|name|itemprop)\s*=\s*["'](?:{names})["'][^>]*?content\s*=\s*["']([^"']{{8,40}})|<meta\s[^>]*?content\s*=\s*["']([^"']{{8,40}})["'][^>]*?(?:property|name|itemprop)\s*=\s*["'](?:{names})["']"#
    ))
    .expect("valid regex")
});

/// The first `<time datetime>` of the page: often, not always, the article's date.
static TIME_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<time\s[^>]*?datetime\s*=\s*["']([^"']{8,40})["']"#).expect("valid regex")
});

/// A date from the page's markup and its basis (`html_meta` for JSON-LD and `<meta>`,
/// `html_time` for a `<time>` element).
pub fn markup_date(html: &str) -> Option<(FoundDate, &'static str)> {
    let from_meta = PUBLISHED_MARKUP.captures_iter(html).find_map(|c| {
        let value = c.get(1).or(c.get(2)).or(c.get(3))?.as_str();
        metadata::find_date(value).map(|d| (d, "html_meta"))
    });
    from_meta.or_else(|| {
        TIME_ELEMENT
            .captures_iter(html)
            .find_map(|c| metadata::find_date(&c[1]).map(|d| (d, "html_time")))
    })
}

/// The headline without a site name glued to its end or start ("Headline | Site").
pub fn clean_title(title: &str, site_name: Option<&str>) -> String {
    let mut title = title.trim().to_owned();
    let is_site = |part: &str, rest: &str| {
        let part = part.trim();
        site_name.is_some_and(|s| s.eq_ignore_ascii_case(part))
            || (part.split_whitespace().count() <= MAX_SITE_WORDS
                && part.chars().count() * 2 <= rest.chars().count())
    };
    while let Some((head, tail)) = split_last(&title) {
        if !is_site(tail, head) {
            break;
        }
        title = head.trim().to_owned();
    }
    if let Some((head, tail)) = split_first(&title) {
        let head_is_site = site_name.is_some_and(|s| s.eq_ignore_ascii_case(head.trim()))
            || (head.split_whitespace().count() <= 2
                && head.chars().count() * 3 <= tail.chars().count());
        if head_is_site {
            title = tail.trim().to_owned();
        }
    }
    title
}

/// The site name that [`clean_title`] took off a `<title>` ("Headline | Site" gives "Site"),
/// when it took off exactly one segment.
pub fn title_site(title: &str, cleaned: &str) -> Option<String> {
    let title = title.trim();
    let rest = if let Some(tail) = title.strip_prefix(cleaned) {
        tail
    } else {
        title.strip_suffix(cleaned)?
    };
    let name = TITLE_SEPARATORS.iter().fold(rest.trim(), |r, sep| {
        let sep = sep.trim();
        let r = r.strip_prefix(sep).unwrap_or(r);
        r.strip_suffix(sep).unwrap_or(r).trim()
    });
    let single = !TITLE_SEPARATORS.iter().any(|sep| name.contains(sep));
    (single && !name.is_empty() && !cleaned.is_empty()).then(|| name.to_owned())
}

fn split_last(title: &str) -> Option<(&str, &str)> {
    TITLE_SEPARATORS
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|i| (i, sep.len())))
        .max_by_key(|(i, _)| *i)
        .map(|(i, len)| (&title[..i], &title[i + len..]))
}

fn split_first(title: &str) -> Option<(&str, &str)> {
    TITLE_SEPARATORS
        .iter()
        .filter_map(|sep| title.find(sep).map(|i| (i, sep.len())))
        .min_by_key(|(i, _)| *i)
        .map(|(i, len)| (&title[..i], &title[i + len..]))
}

static WRITTEN_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:.*(?-u:\b)(?:written |posted |reported )?by\s+|authors?:?\s+)")
        .expect("valid regex")
});

/// An author line from page metadata: without "By"/"Written by"/"Author", without a trailing
/// outlet ("Jane Doe, USA TODAY" when the outlet is the site), JSON arrays unwrapped; `None` for
/// dates, URLs and long phrases.
pub fn clean_meta_byline(byline: &str, site_name: Option<&str>) -> Option<String> {
    let mut byline = byline.trim().to_owned();
    if byline.starts_with('[') {
        if let Ok(names) = serde_json::from_str::<Vec<String>>(&byline) {
            byline = names.join(", ");
        }
    }
    if metadata::find_date(&byline).is_some() && byline.split_whitespace().count() <= 4 {
        return None;
    }
    let mut byline = WRITTEN_BY.replace(&byline, "").trim().to_owned();
    if let Some((names, outlet)) = byline.rsplit_once(", ") {
        let is_outlet = site_name.is_some_and(|s| s.eq_ignore_ascii_case(outlet.trim()))
            || (outlet.chars().any(char::is_alphabetic)
                && outlet
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase));
        if is_outlet {
            byline = names.trim().to_owned();
        }
    }
    let words = byline.split_whitespace().count();
    let rejected = !(1..=12).contains(&words)
        || byline.contains("://")
        || byline.starts_with([',', '|'])
        || metadata::find_date(&byline).is_some();
    (!rejected).then_some(byline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_from_json_ld_meta_or_time() {
        let (d, basis) =
            markup_date(r#"<script>{"datePublished": "2025-02-10T21:41:37+00:00"}</script>"#)
                .unwrap();
        assert_eq!((d.iso.as_str(), basis), ("2025-02-10", "html_meta"));
        let (d, _) =
            markup_date(r#"<meta content="2024-06-20" property="article:published_time">"#)
                .unwrap();
        assert_eq!(d.iso, "2024-06-20");
        let (d, basis) =
            markup_date(r#"<p>x</p><time class="a" datetime="2023-10-11T11:47">Oct 11</time>"#)
                .unwrap();
        assert_eq!((d.iso.as_str(), basis), ("2023-10-11", "html_time"));
        assert!(markup_date("<p>In 2024 things happened</p>").is_none());
    }

    #[test]
    fn site_names_are_stripped_from_titles() {
        assert_eq!(
            clean_title("What is Cloud Computing? | Google Cloud", None),
            "What is Cloud Computing?"
        );
        assert_eq!(
            clean_title(
                "The Beginner's Guide to Gym Equipment - Urge Fitness | Affordable Gyms",
                None
            ),
            "The Beginner's Guide to Gym Equipment"
        );
        assert_eq!(
            clean_title("Tastify | Top 7 Corporate Catering Trends for 2024", None),
            "Top 7 Corporate Catering Trends for 2024"
        );
        assert_eq!(clean_title("Canada - US talks", None), "Canada - US talks");
        assert_eq!(
            clean_title("A headline — Daily News", Some("Daily News")),
            "A headline"
        );
    }

    #[test]
    fn the_site_name_comes_off_the_title() {
        let title = "Bridge to open next spring after years of delays | Daily Courier";
        let cleaned = clean_title(title, None);
        assert_eq!(
            title_site(title, &cleaned).as_deref(),
            Some("Daily Courier")
        );
        let title = "Tastify | Top 7 Corporate Catering Trends for 2024";
        let cleaned = clean_title(title, None);
        assert_eq!(title_site(title, &cleaned).as_deref(), Some("Tastify"));
        assert_eq!(title_site("Canada - US talks", "Canada - US talks"), None);
        assert_eq!(title_site("A | B | C", "A"), None);
    }

    #[test]
    fn meta_bylines_are_cleaned() {
        assert_eq!(
            clean_meta_byline("Aug 15 Written By Tyler King", None).as_deref(),
            Some("Tyler King")
        );
        assert_eq!(
            clean_meta_byline("Author Isaiah Shelton", None).as_deref(),
            Some("Isaiah Shelton")
        );
        assert_eq!(
            clean_meta_byline("Brian Truitt, USA TODAY", None).as_deref(),
            Some("Brian Truitt")
        );
        assert_eq!(clean_meta_byline(", USA TODAY", None), None);
        assert_eq!(clean_meta_byline("DECEMBER 27, 2024", None), None);
        assert_eq!(
            clean_meta_byline(r#"["Ana Ru\u00edz", "Bo Li"]"#, None).as_deref(),
            Some("Ana Ruíz, Bo Li")
        );
    }
}
