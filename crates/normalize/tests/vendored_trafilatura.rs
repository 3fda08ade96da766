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
    'a', 'Z', '1', '.', ' ', ' ', '\t', '\n', '\r', '\x0B', '\x0C', '\u{00A0}', '\u{2003}',
    '\u{3000}', '\u{00AD}', '\u{00AD}', '\u{0301}', '\u{0308}', '\u{0327}', 'e', 'u', 'c',
    '\u{00E9}', '\u{212B}', '\u{212A}', '\u{0958}', '\u{1100}', '\u{1161}', '\u{11A8}', '\u{4E2D}',
    '\u{2019}', '\u{2014}', '\u{201C}',
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
        "vertical\x0Btab and form\x0Cfeed",
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

/// A small news page in English with an article, a menu and a footer.
const PAGE: &str = r#"<html><head><title>Council extends the program | Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Council extends the program</h1>
<p>The council voted on Tuesday to extend the housing program for another year, officials said,
after a long debate over its cost and the number of families it reaches.</p>
<p>Supporters said the program had helped more than two thousand families find homes since it
began, while critics argued that the money would be better spent on new construction.</p>
<p>The extension takes effect next month and will be reviewed again before the next budget.</p>
</article><footer>Copyright Example News</footer></body></html>"#;

#[test]
fn skipping_language_classification_changes_only_the_language() {
    let classified = trafilatura::extract(PAGE, &trafilatura::Options::default()).unwrap();
    let skipped = trafilatura::extract(
        PAGE,
        &trafilatura::Options::default().with_language_classification(false),
    )
    .unwrap();
    assert_eq!(classified.metadata.language, "en");
    assert_eq!(skipped.metadata.language, "");
    assert_eq!(skipped.content_html, classified.content_html);
    assert_eq!(skipped.content_text, classified.content_text);
    assert_eq!(skipped.metadata.title, classified.metadata.title);
    assert_eq!(skipped.metadata.sitename, classified.metadata.sitename);
    // A target language is still classified and checked.
    let target = |lang: &str| {
        trafilatura::Options::default()
            .with_language_classification(false)
            .with_target_language(lang)
    };
    assert!(trafilatura::extract(PAGE, &target("en")).is_ok());
    assert!(trafilatura::extract(PAGE, &target("de")).is_err());
}

/// `Document::query_selector_all` as published in 0.6.0: `Selector::matches` on every node
/// under `root`, down to 500 levels below it.
fn published_query_selector_all(
    html: &scraper::Html,
    root: trafilatura::dom::NodeId,
    selector: &str,
) -> Vec<trafilatura::dom::NodeId> {
    fn collect(
        node: ego_tree::NodeRef<'_, scraper::Node>,
        selector: &scraper::Selector,
        out: &mut Vec<trafilatura::dom::NodeId>,
        depth: usize,
    ) {
        if depth >= 500 {
            return;
        }
        if let Some(element) = scraper::ElementRef::wrap(node) {
            if selector.matches(&element) {
                out.push(node.id());
            }
        }
        for child in node.children() {
            collect(child, selector, out, depth + 1);
        }
    }
    let selector = scraper::Selector::parse(selector).expect("valid selector");
    let mut out = Vec::new();
    collect(
        html.tree.get(root).expect("a node of the page"),
        &selector,
        &mut out,
        0,
    );
    out
}

/// Selectors the crate queries with, and ones that lean on the selector cache (nth-child
/// counts, `:has`) or on context (descendant and child combinators).
const SELECTORS: &[&str] = &[
    "head meta[content]",
    "meta",
    "a",
    "h1",
    "h2,h3,h4",
    "figure",
    "article",
    r#"a[rel="license"][href]"#,
    r#"span[class*=" hljs"], span[class^="hljs"]"#,
    "*",
    "li:nth-child(2)",
    "p:nth-of-type(odd)",
    "div:has(> a)",
    "div p",
    "div > span:last-child",
];

/// Random nesting of the elements those selectors name, with text between.
fn random_body(rng: &mut ChaCha8Rng, depth: usize, out: &mut String) {
    const TAGS: &[&str] = &[
        "div", "p", "span", "a", "ul", "li", "article", "figure", "h2",
    ];
    for _ in 0..rng.random_range(0..4) {
        if depth < 6 && rng.random_bool(0.6) {
            let tag = TAGS[rng.random_range(0..TAGS.len())];
            let class = ["", " class=hljs", " class='x hljs'", " rel=license href=/l"]
                [rng.random_range(0..4)];
            out.push_str(&format!("<{tag}{class}>"));
            random_body(rng, depth + 1, out);
            out.push_str(&format!("</{tag}>"));
        } else {
            out.push_str("text ");
        }
    }
}

#[test]
fn query_selector_all_returns_what_the_published_code_returned() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let mut pages = vec![
        PAGE.to_string(),
        // Deeper than the 500 levels the walk goes down, from the root and from inside.
        format!(
            "<body>{}<a>deep</a>{}</body>",
            "<div><span>x</span>".repeat(600),
            "</div>".repeat(600)
        ),
    ];
    for _ in 0..200 {
        let mut body = String::new();
        random_body(&mut rng, 0, &mut body);
        pages.push(format!(
            "<html><head><meta name=a content=b><meta property='og:x' content=y></head><body>{body}</body></html>"
        ));
    }
    for page in &pages {
        let html = scraper::Html::parse_document(page);
        let document = trafilatura::dom::Document::from(html.clone());
        let elements: Vec<_> = html
            .tree
            .root()
            .descendants()
            .filter(|n| n.value().is_element())
            .map(|n| n.id())
            .collect();
        // The page's root, and a few elements at any depth.
        let mut roots = vec![html.tree.root().id()];
        for _ in 0..3 {
            roots.push(elements[rng.random_range(0..elements.len())]);
        }
        for &root in &roots {
            for selector in SELECTORS {
                assert_eq!(
                    document.query_selector_all(root, selector),
                    published_query_selector_all(&html, root, selector),
                    "{selector} under {root:?} of {page}"
                );
            }
        }
    }
}

/// Text that trimming and NFC shorten or lengthen: whitespace runs, soft hyphens, a Greek
/// letter with three combining marks NFC composes into one character (the most it composes),
/// Hangul jamo (three into one), a composition exclusion NFC leaves as two characters.
const TEXT_PIECES: &[&str] = &[
    "word",
    " ",
    "\t\n ",
    "\u{00A0}",
    "\u{00AD}",
    "co\u{00AD}op",
    "\u{03B1}\u{0313}\u{0342}\u{0345}",
    "\u{1100}\u{1161}\u{11A8}",
    "\u{0958}",
    "e\u{0301}",
    "x",
];

#[test]
fn trimmed_text_length_under_agrees_with_trimming_the_text() {
    // Three Greek letters written with four characters each: twelve characters that trim to
    // three, under a limit of four.
    let greek = "\u{03B1}\u{0313}\u{0342}\u{0345}".repeat(3);
    // Soft hyphens alone trim to nothing.
    let mut pages = vec![
        format!("<p>{greek}</p>"),
        format!("<p>{greek}<b> </b></p>"),
        "<p>\u{00AD}\u{00AD}<i>\u{00AD} \u{00AD}</i></p>".to_string(),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for _ in 0..300 {
        let mut page = String::from("<div>");
        for _ in 0..rng.random_range(0..12) {
            match rng.random_range(0..6) {
                0 => page.push_str("<p>"),
                1 => page.push_str("</p>"),
                2 => page.push_str("<a href=/x>"),
                3 => page.push_str("</a>"),
                _ => page.push_str(TEXT_PIECES[rng.random_range(0..TEXT_PIECES.len())]),
            }
        }
        page.push_str("</div>");
        pages.push(page);
    }
    for page in &pages {
        let document = trafilatura::dom::Document::parse(page);
        for id in document.get_elements_by_tag_name(document.root(), "*") {
            let length = trafilatura::utils::trim(&document.text_content(id))
                .chars()
                .count();
            for limit in [0, 1, 2, 3, 4, 5, 8, 13, 100] {
                assert_eq!(
                    document.trimmed_text_length_under(id, limit),
                    (length < limit).then_some(length),
                    "under {limit} in {page:?}"
                );
            }
        }
    }
}
