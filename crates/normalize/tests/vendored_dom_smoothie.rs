//! The speed patches to the vendored `dom_smoothie` crate (`vendor/dom_smoothie/PATCHES.md`)
//! return exactly what the published 0.19.0 code returned: each patched function is compared
//! with a copy of the original on hand-picked and random inputs.

use dom_query::{Document, NodeRef};
use dom_smoothie::TreeTextStats;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `dom_smoothie::helpers::link_density(node, None)` as published in 0.19.0.
fn published_link_density(node: &NodeRef) -> f32 {
    let mut link_length = 0f32;
    for a in node.find_descendants("a") {
        let href = a.attr_or("href", "");
        let coeff = if href.len() > 1 && href.starts_with('#') {
            0.3
        } else {
            1.0
        };
        link_length += a.normalized_char_count() as f32 * coeff;
    }
    if link_length == 0.0 {
        return 0.0;
    }
    let text_length = node.normalized_char_count() as f32;
    if text_length == 0.0 {
        return 0.0;
    }
    link_length / text_length
}

/// Every element of the document (and the document node) counted by one `TreeTextStats` walk
/// as the published code counts it: the same character count, the same link density to the
/// bit (the anchors' lengths summed in the same order).
fn assert_counts_as_published(doc: &Document, detached: &[NodeRef]) {
    let root = doc.root();
    let stats = TreeTextStats::new(&root);
    let nodes = std::iter::once(root)
        .chain(root.descendants_it())
        .filter(|n| n.is_element() || n.is_document())
        .chain(detached.iter().copied());
    for node in nodes {
        let html = node.html();
        assert_eq!(
            stats.char_count(&node),
            node.normalized_char_count(),
            "char count of {html}"
        );
        assert_eq!(
            stats.link_density(&node).to_bits(),
            published_link_density(&node).to_bits(),
            "link density of {html}"
        );
    }
}

#[test]
fn text_stats_count_hand_picked_pages_as_published() {
    let pages = [
        "",
        "<p></p>",
        "<div>  lead <a href='#x'>in-page</a>  and <a href='#'>hash</a> <a>none</a></div>",
        "<div><p>one</p>\n\n<p>two </p><p> three</p></div><a href=/x> \u{a0}far\u{2003}</a>",
        "<div><a href=/a>outer <b>bold</b></a><a href='#b'><span>x</span>y</a> tail </div>",
        "<table><tr>stray<td> cell </td></tr></table><svg><a><text>icon</text></a></svg>",
        "<body>   </body>",
        "<ul><li>a<li> b <li>\tc\t</ul><template><a>hidden</a></template>",
    ];
    for page in pages {
        assert_counts_as_published(&Document::from(page), &[]);
    }
}

/// Text pieces with every kind of whitespace boundary: none, ASCII, Unicode spaces, multi-byte
/// letters, and nothing at all.
const PIECES: &[&str] = &[
    "",
    "a",
    "Zq",
    " ",
    "  ",
    "\t\n",
    "\u{a0}",
    "\u{2003}x",
    "é ",
    " 中",
    "x y",
    "\r\n z",
];

/// Markup that nests, links in and out of the page (`#` alone weighs 1, `#x` 0.3), and lets
/// the parser restructure (nested links, table text, SVG links).
const TAGS: &[(&str, &str)] = &[
    ("<div>", "</div>"),
    ("<p>", "</p>"),
    ("<span>", "</span>"),
    ("<a href='#x'>", "</a>"),
    ("<a href='#'>", "</a>"),
    ("<a href='/x'>", "</a>"),
    ("<a>", "</a>"),
    ("<table><tr><td>", "</td></tr></table>"),
    ("<svg><a>", "</a></svg>"),
    ("<!-- c -->", ""),
];

fn random_markup(rng: &mut ChaCha8Rng, depth: usize, out: &mut String) {
    for _ in 0..rng.random_range(0..4) {
        if depth < 5 && rng.random_bool(0.5) {
            let (open, close) = TAGS[rng.random_range(0..TAGS.len())];
            out.push_str(open);
            random_markup(rng, depth + 1, out);
            out.push_str(close);
        } else {
            out.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        }
    }
}

#[test]
fn text_stats_count_random_pages_as_published() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for _ in 0..500 {
        let mut page = String::new();
        random_markup(&mut rng, 0, &mut page);
        let doc = Document::from(page.as_str());
        // Text nodes the parser never makes (empty ones, neighbours), as Readability's edits
        // leave them, and an element outside the tree.
        let root = doc.root();
        let elements: Vec<NodeRef> = root.descendants_it().collect();
        for _ in 0..rng.random_range(0..4) {
            if elements.is_empty() {
                break;
            }
            let text = doc.tree.new_text(PIECES[rng.random_range(0..PIECES.len())]);
            let at = elements[rng.random_range(0..elements.len())];
            if at.is_element() && rng.random_bool(0.5) {
                at.append_child(&text);
            } else if at.parent().is_some() {
                at.insert_before(&text);
            }
        }
        let detached = doc.tree.new_element("div");
        detached.append_child(&doc.tree.new_text(" outside "));
        assert_counts_as_published(&doc, &[detached]);
    }
}
