//! HTML pages: main-article extraction behind a small trait, so the extractor can be swapped,
//! and a flattener that turns a page into its visible text for the text-mode fallback.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use ego_tree::iter::Edge;
use ego_tree::NodeRef;
use regex::Regex;
use scraper::{Html, Node};
use serde::{Deserialize, Serialize};

use crate::chrome::{chrome_lines, PageChrome};
use crate::page_tree;

/// What an extractor found in a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// The article's text, paragraphs separated by blank lines.
    pub text: String,
    /// The headline.
    pub title: Option<String>,
    /// The author line.
    pub byline: Option<String>,
    /// The site's name.
    pub site_name: Option<String>,
    /// The publication date or time as the page's metadata states it.
    pub published: Option<String>,
    /// The page's chrome lines and link lines (by the hash of their words), when the extractor
    /// had the page's DOM at hand: what it let through of them is cut afterwards.
    pub chrome: PageChrome,
}

/// A main-article extractor for HTML pages.
pub trait HtmlExtractor: Send + Sync {
    /// Extracts the article, or `None` when the extractor cannot read the page; an empty
    /// `text` when it read the page but found no article.
    fn extract(&self, html: &str, url: Option<&str>) -> Option<Extracted> {
        let scriptless = without_scripts(html);
        self.extract_page(&Page::new(html, &scriptless, url))
    }

    /// [`extract`](Self::extract) given the page prepared once for however many extractors
    /// read it.
    fn extract_page(&self, page: &Page<'_>) -> Option<Extracted>;
}

/// A page as the extractors read it: stripped once for all of them, and parsed once when
/// several will read it.
pub struct Page<'a> {
    /// The page as served.
    pub html: &'a str,
    /// The page without its scripts, styles and drawings (see `without_scripts`): what the
    /// extractors parse.
    pub scriptless: &'a str,
    /// The page's address, when known.
    pub url: Option<&'a str>,
    /// Present when a later extractor will read the page too: the first to parse it leaves a
    /// copy of its tree here for the trafilatura crate ([`crate::page_tree`]).
    handoff: Option<RefCell<Option<scraper::Html>>>,
}

impl<'a> Page<'a> {
    /// A page only one extractor will parse.
    pub fn new(html: &'a str, scriptless: &'a str, url: Option<&'a str>) -> Self {
        Self {
            html,
            scriptless,
            url,
            handoff: None,
        }
    }

    /// The same page, for extractors that will all parse it: the first hands its tree on.
    fn shared(&self) -> Page<'a> {
        Page {
            handoff: Some(RefCell::new(None)),
            ..Page::new(self.html, self.scriptless, self.url)
        }
    }

    /// Leaves the page's tree (made by `tree`, only when a later extractor will take it).
    fn hand_over(&self, tree: impl FnOnce() -> scraper::Html) {
        if let Some(slot) = &self.handoff {
            *slot.borrow_mut() = Some(tree());
        }
    }

    /// The page's tree as `scraper` holds it: the one handed over, or a fresh parse.
    fn take_scraper_tree(&self) -> scraper::Html {
        self.handoff
            .as_ref()
            .and_then(|slot| slot.borrow_mut().take())
            .unwrap_or_else(|| page_tree::parse_for_scraper(self.scriptless))
    }
}

/// Which extractor the stage uses for HTML pages.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ExtractorChoice {
    /// `dom_smoothie` (a Readability.js port), with `trafilatura` for the pages it rejects or
    /// cuts short and for pages that declare a news article: the best quality for the speed.
    #[default]
    Auto,
    /// `dom_smoothie` only.
    DomSmoothie,
    /// The `trafilatura` crate only (port of go-trafilatura, without its slow fallbacks).
    Trafilatura,
}

impl ExtractorChoice {
    /// The extractor this choice stands for.
    pub fn build(self) -> Box<dyn HtmlExtractor> {
        match self {
            Self::Auto => Box::new(WithFallback {
                first: DomSmoothie,
                second: Trafilatura,
            }),
            Self::DomSmoothie => Box::new(DomSmoothie),
            Self::Trafilatura => Box::new(Trafilatura),
        }
    }
}

/// A first extraction shorter than this (bytes) is checked against the second extractor.
const SHORT_EXTRACTION: usize = 2000;
/// A first extraction with fewer paragraphs than this share of the page's `<p>` elements may
/// have kept only part of the article: it is checked against the second extractor.
const MIN_PARAGRAPH_SHARE: f64 = 0.3;
/// The second extraction wins when the first is shorter than this share of it.
const SWITCH_RATIO: f64 = 0.5;
/// On a page that declares a news article, the second extraction wins unless it is shorter
/// than this share of the first (then it has cut the story short).
const NEWS_MIN_SHARE: f64 = 0.5;

/// Runs `first`; when its text looks cut short (little text, or few paragraphs for the page's
/// `<p>` count), runs `second` too and keeps it if it is more than twice as long. On the dev
/// pages this recovers most of what the better of the two would give, at a tenth of the cost
/// of always running both. On a page that declares a news article ([`declares_news_article`])
/// it runs both and keeps `second` unless that is under half as long: there `trafilatura`
/// leaves less around the story (dev news pages: F1 up on both halves, precision +0.012).
struct WithFallback<A, B> {
    first: A,
    second: B,
}

impl<A: HtmlExtractor, B: HtmlExtractor> HtmlExtractor for WithFallback<A, B> {
    fn extract_page(&self, page: &Page<'_>) -> Option<Extracted> {
        let news = declares_news_article(page.html);
        // Both run on a news page: parse it once for both.
        let shared;
        let page = if news {
            shared = page.shared();
            &shared
        } else {
            page
        };
        let first = self.first.extract_page(page);
        let doubtful = news
            || first.as_ref().is_none_or(|e| {
                e.text.len() < SHORT_EXTRACTION
                    || (paragraphs(&e.text) as f64)
                        < MIN_PARAGRAPH_SHARE * count_p_tags(page.html) as f64
            });
        if !doubtful {
            return first;
        }
        let second = self.second.extract_page(page);
        let second_wins = |a: &Extracted, b: &Extracted| {
            let (a_len, b_len) = (a.text.len() as f64, b.text.len() as f64);
            if news {
                !b.text.trim().is_empty() && b_len >= NEWS_MIN_SHARE * a_len
            } else {
                a_len < SWITCH_RATIO * b_len
            }
        };
        match (first, second) {
            (Some(a), Some(mut b)) if second_wins(&a, &b) => {
                // The same page: what the first found of its chrome holds for the second's text.
                if b.chrome.is_empty() {
                    b.chrome = a.chrome;
                }
                Some(b)
            }
            (Some(a), _) => Some(a),
            (None, b) => b,
        }
    }
}

/// Whether the page declares itself a news article in its structured data: a schema.org
/// `NewsArticle` or one of its subtypes (`ReportageNewsArticle`, `AnalysisNewsArticle`, …) as
/// a JSON-LD `@type` or a microdata `itemtype`. Blogs, product pages and docs declare
/// `Article`, `BlogPosting` or `WebPage` instead. (Type names are ASCII: an ASCII `\w` keeps
/// the pattern's compilation under a millisecond, where Unicode's took 12.)
pub fn declares_news_article(html: &str) -> bool {
    static NEWS_TYPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?i)"@type"\s*:\s*(?:\[[^\]]{0,200}?)?"(?-u:\w){0,20}NewsArticle"|itemtype\s*=\s*["']?https?://schema\.org/(?-u:\w){0,20}NewsArticle"#,
        )
        .expect("valid regex")
    });
    memchr::memmem::find(html.as_bytes(), b"NewsArticle").is_some() && NEWS_TYPE.is_match(html)
}

/// Non-blank paragraphs (blocks separated by blank lines) of an extracted text.
fn paragraphs(text: &str) -> usize {
    text.split("\n\n").filter(|p| !p.trim().is_empty()).count()
}

/// How many `<p>` elements the page has, counted on the raw bytes (no parse).
fn count_p_tags(html: &str) -> usize {
    let bytes = html.as_bytes();
    bytes
        .windows(3)
        .filter(|w| {
            w[0] == b'<'
                && (w[1] | 0x20) == b'p'
                && matches!(w[2], b'>' | b' ' | b'\t' | b'\n' | b'\r')
        })
        .count()
}

/// Readability retries with laxer cleaning while its article is shorter than this many
/// characters; 1000 instead of Readability's 500 kept more of the articles on the dev pages.
const ARTICLE_CHAR_THRESHOLD: usize = 1000;

/// Readability.js port (`dom_smoothie`), formatted text output.
struct DomSmoothie;

impl HtmlExtractor for DomSmoothie {
    fn extract_page(&self, page: &Page<'_>) -> Option<Extracted> {
        let config = dom_smoothie::Config {
            text_mode: dom_smoothie::TextMode::Formatted,
            char_threshold: ARTICLE_CHAR_THRESHOLD,
            ..Default::default()
        };
        if nesting_exceeds(page.html, MAX_NESTING) {
            // Its scoring is quadratic in nesting depth: leave such pages to the next extractor.
            return None;
        }
        let url = page
            .url
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
        guarded(|| {
            let document = dom_query::Document::from(page.scriptless);
            page.hand_over(|| page_tree::scraper_copy(&document));
            let mut readability =
                match dom_smoothie::Readability::with_document(document, url, Some(config)) {
                    Ok(readability) => readability,
                    // An address it cannot read: without it, and with its default settings.
                    Err(_) => dom_smoothie::Readability::new(page.scriptless, None, None).ok()?,
                };
            // Read before `parse`, which strips the page down to the article.
            let chrome = chrome_lines(&readability.doc);
            let Ok(article) = readability.parse() else {
                return Some(Extracted {
                    chrome,
                    ..Extracted::default()
                });
            };
            Some(Extracted {
                text: article.text_content.to_string(),
                title: non_empty(article.title),
                byline: article.byline.and_then(non_empty),
                site_name: article.site_name.and_then(non_empty),
                published: article.published_time.and_then(non_empty),
                chrome,
            })
        })?
    }
}

/// Deeper element nesting than real pages have (they stay well under 100).
const MAX_NESTING: usize = 400;

/// Nesting beyond which a page is not parsed as it is: the HTML parser's tree building slows
/// down with the square of the depth, so 100,000 nested elements would take hours. Such a page
/// is flattened first ([`cap_nesting`]).
pub const MAX_PARSE_NESTING: usize = 1000;

/// The page as the extractors should see it: itself, or, when it nests deeper than
/// [`MAX_PARSE_NESTING`], a copy flattened to [`MAX_NESTING`] levels.
pub fn parseable(html: &str) -> Cow<'_, str> {
    if nesting_exceeds(html, MAX_PARSE_NESTING) {
        Cow::Owned(cap_nesting(html, MAX_NESTING))
    } else {
        Cow::Borrowed(html)
    }
}

/// The page with every tag that would open or close a level deeper than `limit` left out (its
/// text stays), by the same byte-level estimate as [`nesting_exceeds`], in one pass: the
/// flattened page parses in time and memory linear in its size.
fn cap_nesting(html: &str, limit: usize) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut depth = 0usize;
    // Everything before `copied` is already in `out` or deliberately left out.
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let tag_start = i + offset;
        i = tag_start + 1;
        let tag_end = memchr::memchr(b'>', &bytes[i..]).map_or(bytes.len(), |p| i + p + 1);
        let tag_name = |from: usize| {
            let name = &bytes[from.min(bytes.len())..];
            &name[..name
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(name.len())]
        };
        let skip = match bytes.get(i) {
            Some(b'/') => {
                let name = tag_name(i + 1);
                if VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                    false
                } else {
                    let deep = depth > limit;
                    depth = depth.saturating_sub(1);
                    deep
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = tag_name(i);
                let self_closing = bytes[..tag_end].ends_with(b"/>");
                let void = VOID.iter().any(|v| v.eq_ignore_ascii_case(name));
                if self_closing || void {
                    false
                } else {
                    depth += 1;
                    depth > limit
                }
            }
            _ => false,
        };
        if skip {
            out.push_str(&html[copied..tag_start]);
            copied = tag_end;
            i = tag_end;
        }
    }
    out.push_str(&html[copied..]);
    out
}

/// The texts of a page's `<figcaption>` elements, whitespace collapsed, each twice when its
/// markup splits words differently (tags read as nothing and as a space): the captions an
/// extractor may have let into the article.
pub fn figure_captions(html: &str) -> HashSet<String> {
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("valid regex"));
    let mut captions = HashSet::new();
    if memchr::memmem::find(html.as_bytes(), b"<figcaption").is_none() {
        return captions;
    }
    for caption in figcaption_contents(html) {
        for glue in ["", " "] {
            let text = TAG.replace_all(caption, glue);
            let text = html_escape::decode_html_entities(&text);
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                captions.insert(text);
            }
        }
    }
    captions
}

/// A search for one ASCII tag text in any letter case (an HTML tag name's case does not count).
fn literal_in_any_case(literal: &str) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([literal])
        .expect("a literal builds")
}

/// The contents of the page's `<figcaption>` elements, as the regex
/// `(?is)<figcaption\b[^>]*>(.*?)</figcaption>` finds them, found with two literal searches:
/// with its Unicode `\b` the regex ran on its slow engine over pages with non-ASCII text
/// (`figure_captions` on the 23 dev news pages of `normalize_bench html-news 2`: 25 M
/// instructions, now 6 M). At each `<figcaption` (in any case: none of its
/// letters has a non-ASCII case variant) the regex matches exactly when the name ends there (a
/// non-word character follows), a `>` follows, and then a `</figcaption>`; the match runs to
/// the first of each.
fn figcaption_contents(html: &str) -> Vec<&str> {
    static TAG: LazyLock<[AhoCorasick; 2]> =
        LazyLock::new(|| ["<figcaption", "</figcaption>"].map(literal_in_any_case));
    let [open, close] = &*TAG;
    let mut contents = Vec::new();
    let mut at = 0;
    while let Some(name) = open.find(aho_corasick::Input::new(html).span(at..html.len())) {
        if html[name.end()..].starts_with(regex_syntax::is_word_character) {
            // `<figcaptions`: no match here; a later `<figcaption` may match.
            at = name.end();
            continue;
        }
        // Without a `>` or a closing tag after this one, none after a later one either.
        let Some(gt) = memchr::memchr(b'>', &html.as_bytes()[name.end()..]) else {
            break;
        };
        let start = name.end() + gt + 1;
        let Some(end) = close.find(aho_corasick::Input::new(html).span(start..html.len())) else {
            break;
        };
        contents.push(&html[start..end.start()]);
        at = end.end();
    }
    contents
}

/// Elements that never have children, or whose end tag is optional (the next sibling closes
/// them), so never add a nesting level of their own.
const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
    b"source", b"track", b"wbr", b"p", b"li", b"dt", b"dd", b"tr", b"td", b"th", b"option",
];

/// Whether tags nest deeper than `limit`, estimated on the raw bytes without a parse, in one
/// pass (a page full of `<` and no `>` stays linear).
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    // The first `>` at or after `i`, searched again only once `i` has passed it; `None` once
    // there is none left.
    let mut next_close = Some(0);
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        i += offset + 1;
        match bytes.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name = &bytes[i..];
                let name = &name[..name
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(name.len())];
                if next_close.is_some_and(|close| close < i) {
                    next_close = memchr::memchr(b'>', &bytes[i..]).map(|p| i + p);
                }
                let self_closing = next_close.is_some_and(|close| bytes[close - 1] == b'/');
                let void = VOID.iter().any(|v| v.eq_ignore_ascii_case(name));
                if !self_closing && !void {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Port of go-trafilatura (`trafilatura` crate), without its readability/jusText fallbacks.
struct Trafilatura;

impl HtmlExtractor for Trafilatura {
    fn extract_page(&self, page: &Page<'_>) -> Option<Extracted> {
        // The stage detects the language itself (`analysis::detect_language`).
        let mut options = trafilatura::Options::default()
            .with_fallback(false)
            .with_language_classification(false);
        if let Some(url) = page.url.and_then(|u| u.parse().ok()) {
            options = options.with_url(url);
        }
        let result = guarded(|| {
            let document = trafilatura::dom::Document::from(page.take_scraper_tree());
            trafilatura::extract_document(document, &options).ok()
        })??;
        let meta = result.metadata;
        Some(Extracted {
            // Its plain text runs the paragraphs (and the headline) into one line; its HTML
            // keeps them apart, so the line rules can act on them.
            text: extracted_html_text(&result.content_html),
            title: non_empty(meta.title),
            byline: non_empty(meta.author),
            site_name: non_empty(meta.sitename),
            published: meta.date.map(|d| d.format("%Y-%m-%d").to_string()),
            chrome: PageChrome::default(),
        })
    }
}

/// The page without its `<script>` and `<style>` elements (JSON-LD scripts, which both
/// extractors read for metadata, stay) and its inline `<svg>` drawings, for the extractors
/// (made once a page, however many extractors run: [`HtmlExtractor::extract`]). Both drop
/// scripts and styles after parsing, but parsing them is most of a news page's bytes (about 60%
/// on the dev news pages) and about a tenth of its instructions. Drawings are a tenth of what
/// remains, many nodes each; their only text is icon labels ("megaphone", "Definition Icon")
/// that `dom_smoothie` let into 5 of the 790 dev pages' articles. Comments are passed over
/// whole, so a `<script` inside one is not taken for a tag; an element whose end tag never
/// comes is left in (the parser reads the rest of the page as its text). One pass, linear in
/// the page's size.
fn without_scripts(html: &str) -> Cow<'_, str> {
    static OPENING: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["<!--", "<script", "<style", "<svg"])
            .expect("valid patterns")
    });
    static CLOSING: LazyLock<[AhoCorasick; 2]> =
        LazyLock::new(|| ["</script", "</style"].map(literal_in_any_case));
    let bytes = html.as_bytes();
    let mut out = String::new();
    // Everything before `copied` is in `out` or deliberately left out.
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = OPENING.find(&html[from..]) {
        let start = from + found.start();
        let after_name = from + found.end();
        from = after_name;
        if found.pattern().as_usize() == 0 {
            match memchr::memmem::find(&bytes[after_name..], b"-->") {
                Some(end) => from = after_name + end + 3,
                None => break,
            }
            continue;
        }
        // `<scripts>` or `<style-guide>` is another tag.
        if !matches!(
            bytes.get(after_name),
            Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        ) {
            continue;
        }
        let Some(open_end) = memchr::memchr(b'>', &bytes[after_name..]).map(|p| after_name + p + 1)
        else {
            break;
        };
        let script = found.pattern().as_usize() == 1;
        if script && contains_ignore_case(&bytes[start..open_end], b"ld+json") {
            from = open_end;
            continue;
        }
        let close_name_end = if found.pattern().as_usize() == 3 {
            // `<svg/>` has no content; a drawing may hold drawings.
            if bytes[..open_end].ends_with(b"/>") {
                from = open_end;
                continue;
            }
            let Some(close) = svg_close(html, open_end) else {
                break;
            };
            if holds_html(&html[open_end..close]) {
                // The parser would leave the drawing there, or read HTML inside it: keep it,
                // drawings inside it too (searched past, so nested drawings are read once).
                from = close;
                continue;
            }
            close
        } else {
            let closing = &CLOSING[usize::from(!script)];
            let Some(close) = closing.find(&html[open_end..]) else {
                break;
            };
            open_end + close.end()
        };
        let Some(end) =
            memchr::memchr(b'>', &bytes[close_name_end..]).map(|p| close_name_end + p + 1)
        else {
            break;
        };
        if out.is_empty() {
            out.reserve(html.len());
        }
        out.push_str(&html[copied..start]);
        copied = end;
        from = end;
    }
    if copied == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

/// The end of the `</svg` that closes the drawing whose content starts at `from` (nested
/// drawings counted), or `None` when it is never closed.
fn svg_close(html: &str, from: usize) -> Option<usize> {
    static SVG_TAGS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["<svg", "</svg"])
            .expect("valid patterns")
    });
    let bytes = html.as_bytes();
    let mut depth = 1usize;
    for found in SVG_TAGS.find_iter(&html[from..]) {
        let name_end = from + found.end();
        if !matches!(
            bytes.get(name_end),
            Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        ) {
            continue;
        }
        if found.pattern().as_usize() == 1 {
            depth -= 1;
            if depth == 0 {
                return Some(name_end);
            }
        } else {
            let tag_end = memchr::memchr(b'>', &bytes[name_end..]).map(|p| name_end + p + 1)?;
            if !bytes[..tag_end].ends_with(b"/>") {
                depth += 1;
            }
        }
    }
    None
}

/// Whether a drawing's markup holds an HTML element: a tag that ends the drawing for the parser
/// (an unclosed `<svg>` followed by the article's `<p>` is left at the `<p>`), or HTML in a
/// `<foreignObject>`. Such a drawing is not left out, so no text is lost with it.
fn holds_html(drawing: &str) -> bool {
    /// The start tags that take the parser out of an SVG drawing (the HTML standard's list for
    /// foreign content), and the one that lets HTML into it.
    const HTML_TAGS: &str = "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 \
        h4 h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong \
        strike sub sup table tt u ul var font foreignobject";
    static TAG_STARTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(HTML_TAGS.split_whitespace().map(|tag| format!("<{tag}")))
            .expect("valid patterns")
    });
    let bytes = drawing.as_bytes();
    TAG_STARTS.find_overlapping_iter(drawing).any(|found| {
        matches!(
            bytes.get(found.end()),
            None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
        )
    })
}

/// Whether `haystack` contains `needle` (ASCII, lower case) in any case.
fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Runs third-party code so that a panic in it becomes `None` instead of taking the run down.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

fn non_empty(s: String) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Elements whose text is never visible.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas",
];

/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
    "option",
    "button",
    "label",
    "title",
];

/// All visible text of a page, with a line break at every block element (menus and all): what
/// a page looks like after "select all, copy".
pub fn flatten_html(html: &str) -> String {
    guarded(|| {
        let document = Html::parse_document(html);
        let mut out = String::with_capacity(html.len() / 4);
        if let Some(title) = document.tree.root().descendants().find_map(|n| {
            n.value()
                .as_element()
                .filter(|e| e.name() == "title")
                .map(|_| n)
        }) {
            push_text(title, &mut out);
            out.push('\n');
        }
        flatten_node(document.tree.root(), false, &mut out);
        out
    })
    .unwrap_or_default()
}

/// The text of `trafilatura`'s article HTML, a line per block. Its serializer drops the space
/// before an inline element ("samples and<strong>observe</strong>"), so every inline tag also
/// separates words here; its plain-text output would have them, but runs the whole article
/// into one line.
fn extracted_html_text(fragment: &str) -> String {
    guarded(|| {
        let document = Html::parse_fragment(fragment);
        let mut out = String::with_capacity(fragment.len());
        flatten_node(document.tree.root(), true, &mut out);
        out
    })
    .unwrap_or_default()
}

fn push_text(node: NodeRef<Node>, out: &mut String) {
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
        }
    }
}

/// Appends the visible text under `root`, iteratively (deeply nested pages must not exhaust
/// the stack); with `inline_gaps`, inline tags separate words too.
fn flatten_node(root: NodeRef<Node>, inline_gaps: bool, out: &mut String) {
    let mut hidden_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    if hidden_depth > 0 || is_hidden(element) {
                        hidden_depth += 1;
                    } else if BLOCKS.contains(&element.name()) {
                        out.push('\n');
                    } else if inline_gaps {
                        push_gap(out);
                    }
                }
                Node::Text(text) if hidden_depth == 0 => out.push_str(&collapse_spaces(text)),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    if hidden_depth > 0 {
                        hidden_depth -= 1;
                    } else if BLOCKS.contains(&element.name()) {
                        out.push('\n');
                    } else if inline_gaps {
                        push_gap(out);
                    }
                }
            }
        }
    }
}

/// A space, unless the text so far ends in whitespace.
fn push_gap(out: &mut String) {
    if !out.ends_with(char::is_whitespace) {
        out.push(' ');
    }
}

/// Whether an element's text is never shown. `hidden` elements are not skipped: streaming
/// renderers (Next.js) park the article in one and reveal it with a script.
fn is_hidden(element: &scraper::node::Element) -> bool {
    INVISIBLE.contains(&element.name())
}

/// HTML whitespace: runs of spaces, tabs and newlines in a text node are one space.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const PAGE: &str = r#"<html><head><title>Bridge to open | Daily</title><script>var x = 1;</script></head>
<body><nav><ul><li>Home</li><li>World</li></ul></nav>
<article><h1>Bridge to open next spring</h1>
<p>The government announced on Monday that the new bridge across the river would open next spring, after years of delays and disputes over its cost and design.</p>
<p>Officials said the project had cost more than twice the original estimate, blaming supply problems and a long legal dispute with the first contractor.</p>
<p>The mayor said the city was relieved that the work was finally nearing its end, and thanked residents for their patience during the long closure of the old crossing.</p>
</article><footer>© 2025 Daily. All rights reserved.</footer></body></html>"#;

    #[test]
    fn flattening_keeps_all_visible_text_on_block_lines() {
        let flat = flatten_html(PAGE);
        assert!(flat.contains("\nHome\n"), "{flat}");
        assert!(flat.contains("\nBridge to open next spring\n"));
        assert!(!flat.contains("var x"));
        assert!(flat.contains("All rights reserved."));
    }

    #[test]
    fn every_extractor_finds_the_article_body() {
        for choice in [
            ExtractorChoice::Auto,
            ExtractorChoice::DomSmoothie,
            ExtractorChoice::Trafilatura,
        ] {
            let got = choice
                .build()
                .extract(PAGE, Some("https://daily.example/2025/03/06/bridge"))
                .unwrap();
            assert!(
                got.text.contains("twice the original estimate"),
                "{choice:?}: {}",
                got.text
            );
            assert!(
                !got.text.contains("All rights reserved"),
                "{choice:?}: {}",
                got.text
            );
        }
    }

    #[test]
    fn nesting_depth_is_estimated_on_bytes() {
        let deep = format!("{}x", "<div><br><img src=a/>".repeat(50));
        assert!(nesting_exceeds(&deep, 49));
        assert!(!nesting_exceeds(&deep, 50));
        assert!(!nesting_exceeds(&"<p>a</p>".repeat(1000), 2));
        // Tags whose `>` never comes still open a level each; `<DIV` counts like `<div`.
        assert!(nesting_exceeds(&"<DIV <span ".repeat(3), 5));
        assert!(!nesting_exceeds(&"<DIV <span ".repeat(3), 6));
        assert!(!nesting_exceeds("<BR><Img src=x/><div/>", 0));
    }

    #[test]
    fn deep_pages_are_flattened_to_the_cap_keeping_their_text() {
        let deep = format!(
            "<body>{}<p>Ottawa is ready.</p>{}<br></body>",
            "<div>".repeat(5000),
            "</div>".repeat(5000)
        );
        let capped = cap_nesting(&deep, 10);
        assert!(!nesting_exceeds(&capped, 10), "{capped}");
        assert!(nesting_exceeds(&capped, 9));
        assert!(capped.contains("<p>Ottawa is ready.</p>"));
        assert_eq!(capped.matches("<div>").count(), 9);
        assert_eq!(capped.matches("</div>").count(), 9);
        assert!(capped.ends_with("<br></body>"));
        assert!(matches!(parseable("<p>x</p>"), Cow::Borrowed(_)));
        let text = ExtractorChoice::Auto
            .build()
            .extract(&parseable(&deep), None)
            .map(|e| e.text)
            .unwrap_or_default();
        assert!(text.contains("Ottawa is ready."), "{text}");
    }

    #[test]
    fn scripts_styles_and_drawings_are_left_out_but_json_ld_and_comments_stay() {
        let page = concat!(
            r#"<head><SCRIPT src="a.js"></SCRIPT><style>p { color: red }</style>"#,
            r#"<script type="application/ld+json">{"@type":"NewsArticle"}</script></head>"#,
            r#"<body><!-- <script> --><p>Kept</p><script>if (a < b) { x = "</p>"; }</script >"#,
            r#"<scripts>odd</scripts><style-guide>too</style-guide><p>End</p></body>"#,
        );
        assert_eq!(
            without_scripts(page),
            concat!(
                r#"<head><script type="application/ld+json">{"@type":"NewsArticle"}</script></head>"#,
                r#"<body><!-- <script> --><p>Kept</p>"#,
                r#"<scripts>odd</scripts><style-guide>too</style-guide><p>End</p></body>"#,
            )
        );
        // Nothing to leave out: the page itself; an element that is never closed stays.
        assert!(matches!(without_scripts("<p>x</p>"), Cow::Borrowed(_)));
        let unclosed = "<p>a</p><script>var x = 1; <p>b</p>";
        assert_eq!(without_scripts(unclosed), unclosed);
        // Drawings go whole, nested ones included; `<svg/>` has no content to lose; a drawing
        // holding HTML stays (the parser would end it at the `<p>`, or read the HTML inside).
        let unclosed_drawing = "<svg><path/><p>Article text</p><svg>icon</svg></svg>";
        assert_eq!(without_scripts(unclosed_drawing), unclosed_drawing);
        let nested = "<svg><p>x</p>".repeat(2_000) + &"</svg>".repeat(2_000);
        assert_eq!(without_scripts(&nested), nested);
        let foreign = "<svg><foreignObject><div>Label</div></foreignObject></svg>";
        assert_eq!(without_scripts(foreign), foreign);
        assert_eq!(
            without_scripts(concat!(
                r#"<p>a</p><SVG viewBox="0 0 1 1"><title>Share</title><svg><path/></svg>"#,
                r#"<text>Icon</text></svg><p>b</p><svg/><svgs>c</svgs><svg>open"#,
            )),
            "<p>a</p><p>b</p><svg/><svgs>c</svgs><svg>open"
        );
        assert_eq!(
            without_scripts("<!-- open comment <script>x</script>"),
            "<!-- open comment <script>x</script>"
        );
    }

    #[test]
    fn figcaption_contents_are_what_a_word_boundary_regex_finds() {
        let with_boundary =
            Regex::new(r"(?is)<figcaption\b[^>]*>(.*?)</figcaption>").expect("valid regex");
        // Name endings on both sides of a word boundary (letters, digits, marks, connector
        // punctuation, a joiner, non-ASCII letters), either case, unclosed tags.
        let pieces = [
            "<figcaption",
            "<FigCaption",
            "</figcaption>",
            "</FIGCAPTION>",
            ">",
            " class=a>",
            "s>",
            "\u{e9}",
            "_",
            "1",
            "\u{301}",
            "\u{200d}",
            "\u{203f}",
            "\u{a0}",
            "-",
            "\n",
            "text",
            "<b>",
            "\u{5b57}",
            "\u{2019}",
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        for _ in 0..5000 {
            let page: String = (0..rng.random_range(0..14))
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect();
            let expected: Vec<&str> = with_boundary
                .captures_iter(&page)
                .map(|c| c.get(1).expect("group 1").as_str())
                .collect();
            assert_eq!(figcaption_contents(&page), expected, "{page:?}");
        }
    }

    #[test]
    fn figure_captions_are_read_with_entities_and_markup() {
        let captions = figure_captions(
            "<figure><img src=a><figcaption>Blair in <b>Brussels</b>&nbsp;(AFP)\n</figcaption></figure><FIGCAPTION class=x>Two</FIGCAPTION>",
        );
        assert!(captions.contains("Blair in Brussels (AFP)"), "{captions:?}");
        assert!(captions.contains("Two"));
        assert!(figure_captions("<p>No figures</p>").is_empty());
    }

    #[test]
    fn news_articles_are_known_by_their_declared_type() {
        for page in [
            r#"<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x"}</script>"#,
            r#"<script type="application/ld+json">{"@type":["Article", "ReportageNewsArticle"]}</script>"#,
            r#"<article itemscope itemtype="https://schema.org/NewsArticle"><p>x</p></article>"#,
            r#"<div itemtype=http://schema.org/AnalysisNewsArticle>"#,
        ] {
            assert!(declares_news_article(page), "{page}");
        }
        for page in [
            r#"<script type="application/ld+json">{"@type": "BlogPosting"}</script>"#,
            r#"<script type="application/ld+json">{"@type": "Article", "datePublished": "2025-01-02"}</script>"#,
            r#"<p>Schema.org's NewsArticle type is for news.</p>"#,
            "",
        ] {
            assert!(!declares_news_article(page), "{page}");
        }
    }

    /// An extractor that returns a fixed text and counts its calls.
    struct Fixed(String, std::sync::atomic::AtomicUsize);

    impl Fixed {
        fn new(text: &str) -> Self {
            Self(text.to_owned(), std::sync::atomic::AtomicUsize::new(0))
        }

        fn calls(&self) -> usize {
            self.1.load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    impl HtmlExtractor for &Fixed {
        fn extract_page(&self, _page: &Page<'_>) -> Option<Extracted> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(Extracted {
                text: self.0.clone(),
                ..Extracted::default()
            })
        }
    }

    #[test]
    fn auto_prefers_the_second_text_on_news_unless_it_is_cut_short() {
        const NEWS: &str = r#"<script type="application/ld+json">{"@type":"NewsArticle"}</script>"#;
        let long = "x".repeat(3000);
        let choose = |page: &str, second: &str| {
            let (a, b) = (Fixed::new(&long), Fixed::new(second));
            let auto = WithFallback {
                first: &a,
                second: &b,
            };
            let text = auto.extract(page, None).map(|e| e.text).unwrap_or_default();
            (text.len(), b.calls())
        };
        let tighter = &long[..1600];
        let cut_short = &long[..1400];
        // A news page: both run; the second's text wins unless under half the first's.
        assert_eq!(choose(NEWS, tighter), (1600, 1));
        assert_eq!(choose(NEWS, cut_short), (3000, 1));
        assert_eq!(choose(NEWS, ""), (3000, 1));
        // Any other page with a long first text: the second does not even run.
        assert_eq!(choose("<p>blog</p>", tighter), (3000, 0));
    }

    #[test]
    fn a_page_both_extractors_read_is_parsed_once() {
        let scriptless = without_scripts(PAGE);
        let alone = Page::new(PAGE, &scriptless, None);
        let shared = alone.shared();
        let first = DomSmoothie.extract_page(&shared);
        let handed_over =
            |page: &Page<'_>| page.handoff.as_ref().is_some_and(|t| t.borrow().is_some());
        assert!(
            handed_over(&shared),
            "dom_smoothie leaves its tree for the next"
        );
        let second = Trafilatura.extract_page(&shared);
        assert!(!handed_over(&shared), "the trafilatura crate takes it");
        // Each reads the same page either way.
        assert_eq!(first, DomSmoothie.extract_page(&alone));
        assert_eq!(second, Trafilatura.extract_page(&alone));
        assert!(second.is_some_and(|e| e.text.contains("bridge")));
        assert!(!handed_over(&alone));
    }

    #[test]
    fn trafilatura_keeps_paragraphs_on_their_own_lines() {
        let text = ExtractorChoice::Trafilatura
            .build()
            .extract(PAGE, None)
            .map(|e| e.text)
            .unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Officials said") && l.ends_with("the first contractor.")),
            "{text}"
        );
        // Its HTML drops the space before an inline tag: the tag separates the words (runs of
        // spaces are collapsed later, with the rest of the text's whitespace).
        let text =
            extracted_html_text("<p>paint samples and<strong>observe</strong> them</p><p>Next</p>");
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines, ["paint samples and observe them", "Next"]);
    }

    #[test]
    fn p_tags_are_counted_without_parsing() {
        assert_eq!(
            count_p_tags("<p>a</p><P class=x>b</p><pre>c</pre><param>"),
            2
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for input in ["", "\0\0<<<>>>", "<html><body></body></html>", "plain text"] {
            let _ = ExtractorChoice::Auto.build().extract(input, None);
            let _ = flatten_html(input);
        }
    }
}
