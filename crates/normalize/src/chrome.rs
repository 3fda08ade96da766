//! Page chrome an extractor may let into the article: the lines of the page's related-story
//! lists, share bars, newsletter boxes, author bios, captions and link lists, found on the DOM
//! the extractor parsed (class, id and role words from `newspipe-knowledge`, link density), so
//! that the extracted text can be cleaned of them without a second parse.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use dom_query::{Document, NodeData, NodeRef};
use newspipe_core::RemovedKind;

use xxhash_rust::xxh3::xxh3_64;

/// Lines of page chrome, by [`line_match_key`], with the kind of chrome and the rule that found
/// it. Only lines that occur nowhere else on the page are listed.
pub type ChromeLines = HashMap<u64, (RemovedKind, &'static str)>;

/// What the walk over a parsed page finds of its chrome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageChrome {
    /// Lines inside blocks marked as chrome, found nowhere else on the page.
    pub blocks: ChromeLines,
    /// Lines (by [`line_match_key`]) whose text is all, or nearly all, link text wherever the
    /// page shows them: related-story headlines, teaser lists, "read more" lines.
    pub linked: HashSet<u64>,
}

impl PageChrome {
    /// Whether the walk found nothing.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.linked.is_empty()
    }
}

/// A block whose class names mark it as chrome but that holds more text than this (in
/// non-blank characters) is a wrapper of the article, not chrome.
const MAX_HINTED_CHARS: usize = 2000;

/// Elements whose text is never visible.
fn is_invisible(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "head"
            | "iframe"
            | "object"
            | "canvas"
    )
}

/// Elements that start a new line of text.
fn breaks_line(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "td"
            | "th"
            | "tr"
            | "ul"
    )
}

/// The chrome kind an element's tag gives it.
fn tag_hint(tag: &str) -> Option<RemovedKind> {
    match tag {
        "nav" => Some(RemovedKind::Nav),
        "footer" => Some(RemovedKind::Footer),
        "aside" | "button" | "select" | "dialog" => Some(RemovedKind::Other),
        _ => None,
    }
}

/// The key a line is compared by: a hash of its word tokens (runs of letters, digits and `_`,
/// as the benchmark metric splits text), so markup, spacing and punctuation do not matter;
/// `None` for a line without words. The words, each followed by a space, are hashed at once
/// (the same XXH3 as feeding them one by one, at a fraction of the cost on short words).
pub fn line_match_key(line: &str) -> Option<u64> {
    let mut words = String::with_capacity(line.len() + 1);
    let mut word_start = None;
    for (i, c) in line.char_indices() {
        if c == '_' || c.is_alphanumeric() {
            word_start.get_or_insert(i);
        } else if let Some(start) = word_start.take() {
            words.push_str(&line[start..i]);
            words.push(' ');
        }
    }
    if let Some(start) = word_start {
        words.push_str(&line[start..]);
        words.push(' ');
    }
    (!words.is_empty()).then(|| xxh3_64(words.as_bytes()))
}

/// One open element during the walk.
#[derive(Default)]
struct Frame {
    /// The chrome kind its tag, class or role gives it.
    hint: Option<RemovedKind>,
    /// Whether it starts a line of its own.
    breaks_line: bool,
    /// Non-blank characters of text inside it.
    chars: usize,
    /// Keys of the lines inside it not yet given to chrome.
    lines: Vec<u64>,
    /// Whether it is a link (`<a>`).
    link: bool,
}

/// What the walk does with a node.
enum Visit {
    /// Text, already added to the line being read.
    Text,
    /// An element to open.
    Open(Frame),
    /// The document itself: only its children count.
    Children,
    /// A comment, a doctype or an invisible element.
    Skip,
}

enum Step<'a> {
    Enter(NodeRef<'a>),
    Exit,
}

/// The chrome lines of a parsed page: lines inside elements marked as chrome (by their tag, or
/// a class or role word) holding at most [`MAX_HINTED_CHARS`], less every line that also occurs
/// outside such elements; and, in the same walk, the lines the page shows only as link text.
pub fn chrome_lines(document: &Document) -> PageChrome {
    let mut chrome: Vec<(u64, (RemovedKind, &'static str))> = Vec::new();
    let mut frames = vec![Frame::default()];
    let mut line = Line::default();
    let mut links = LinkLines::default();
    let mut steps = vec![Step::Enter(document.root())];
    while let Some(step) = steps.pop() {
        match step {
            Step::Enter(node) => {
                let visit = node
                    .query(|tree_node| visit(&tree_node.data, &mut line))
                    .unwrap_or(Visit::Skip);
                match visit {
                    Visit::Text => {}
                    Visit::Skip => {}
                    Visit::Children => steps.extend(node.children_it(true).map(Step::Enter)),
                    Visit::Open(frame) => {
                        if frame.breaks_line {
                            end_line(&mut line, &mut frames, &mut links);
                        }
                        line.link_depth += usize::from(frame.link);
                        frames.push(frame);
                        steps.push(Step::Exit);
                        steps.extend(node.children_it(true).map(Step::Enter));
                    }
                }
            }
            Step::Exit => {
                if frames.last().is_some_and(|f| f.breaks_line) {
                    end_line(&mut line, &mut frames, &mut links);
                }
                let frame = frames.pop().expect("an exit follows its enter");
                line.link_depth -= usize::from(frame.link);
                let parent = frames.last_mut().expect("the root frame stays");
                parent.chars += frame.chars;
                match chrome_reason(&frame) {
                    Some(reason) => chrome.extend(frame.lines.into_iter().map(|key| (key, reason))),
                    None => parent.lines.extend(frame.lines),
                }
            }
        }
    }
    end_line(&mut line, &mut frames, &mut links);
    let content: HashSet<u64> = frames
        .pop()
        .map(|root| root.lines.into_iter().collect())
        .unwrap_or_default();
    let blocks = chrome
        .into_iter()
        .filter(|(key, _)| !content.contains(key))
        .collect();
    let LinkLines {
        mut linked,
        unlinked,
    } = links;
    linked.retain(|key| !unlinked.contains(key));
    PageChrome { blocks, linked }
}

/// The page's lines by how much of their text is link text.
#[derive(Default)]
struct LinkLines {
    /// Lines whose text is nearly all inside links.
    linked: HashSet<u64>,
    /// The other lines.
    unlinked: HashSet<u64>,
}

/// Share of a line's characters (tenths) inside links for the line to count as a link.
const LINKED_TENTHS: usize = 9;

/// Reads one node: text goes to `line` (its non-blank characters counted by the caller's
/// frame through [`Visit::Text`]); an element becomes a frame.
fn visit(data: &NodeData, line: &mut Line) -> Visit {
    match data {
        NodeData::Text { contents } => {
            let chars = contents.chars().filter(|c| !c.is_whitespace()).count();
            line.chars += chars;
            if line.link_depth > 0 {
                line.link_chars += chars;
            }
            line.text.push_str(contents);
            Visit::Text
        }
        NodeData::Element(element) => {
            let tag: &str = &element.name.local;
            if is_invisible(tag) {
                return Visit::Skip;
            }
            let hint = tag_hint(tag).or_else(|| {
                element
                    .attrs
                    .iter()
                    .filter(|a| matches!(&*a.name.local, "class" | "role"))
                    .find_map(|a| class_hint(&a.value))
            });
            Visit::Open(Frame {
                breaks_line: hint.is_some() || breaks_line(tag),
                hint,
                link: tag == "a",
                ..Frame::default()
            })
        }
        NodeData::Document | NodeData::Fragment => Visit::Children,
        _ => Visit::Skip,
    }
}

/// The line being read: its text, its non-blank characters and how many of them are inside
/// links.
#[derive(Default)]
struct Line {
    text: String,
    chars: usize,
    link_chars: usize,
    /// How many links are open where the walk is (a line may end inside one).
    link_depth: usize,
}

/// Ends the line being read: its characters count for every open element (through the
/// innermost, which hands them up as it closes), its key goes to the innermost and to the
/// linked or unlinked lines.
fn end_line(line: &mut Line, frames: &mut [Frame], links: &mut LinkLines) {
    let top = frames.last_mut().expect("the root frame stays");
    top.chars += line.chars;
    if let Some(key) = line_match_key(&line.text) {
        top.lines.push(key);
        if line.link_chars * 10 >= line.chars * LINKED_TENTHS {
            links.linked.insert(key);
        } else {
            links.unlinked.insert(key);
        }
    }
    line.text.clear();
    line.chars = 0;
    line.link_chars = 0;
}

/// Why a closed element's lines are chrome, if they are: it is marked as chrome and is not the
/// article's own wrapper.
fn chrome_reason(frame: &Frame) -> Option<(RemovedKind, &'static str)> {
    frame
        .hint
        .filter(|_| frame.chars <= MAX_HINTED_CHARS)
        .map(|kind| (kind, "chrome_block"))
}

/// The class and role words of `newspipe-knowledge`, ready for matching.
struct ClassHints {
    /// The words that match inside a class name.
    inside: AhoCorasick,
    /// Their kinds, by pattern index.
    inside_kinds: Vec<RemovedKind>,
    /// The words that must be a whole part of a class name, with their kinds.
    whole: Vec<(&'static str, RemovedKind)>,
}

/// The chrome kind the words of a class or role value give, if any.
fn class_hint(value: &str) -> Option<RemovedKind> {
    static HINTS: LazyLock<ClassHints> = LazyLock::new(|| {
        let hints = newspipe_knowledge::chrome_class_hints();
        let (whole, inside): (Vec<_>, Vec<_>) = hints.iter().partition(|h| h.whole_part);
        ClassHints {
            inside: AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(inside.iter().map(|h| h.word))
                .expect("class hint words build an automaton"),
            inside_kinds: inside.iter().map(|h| removed_kind(h.kind)).collect(),
            whole: whole
                .iter()
                .map(|h| (h.word, removed_kind(h.kind)))
                .collect(),
        }
    });
    if value.is_empty() {
        return None;
    }
    // `about_author` matches `about-author`.
    let value: Cow<str> = if value.contains('_') {
        Cow::Owned(value.replace('_', "-"))
    } else {
        Cow::Borrowed(value)
    };
    if let Some(found) = HINTS.inside.find(value.as_ref()) {
        return Some(HINTS.inside_kinds[found.pattern().as_usize()]);
    }
    value
        .split(|c: char| c.is_ascii_whitespace() || c == '-')
        .find_map(|part| {
            HINTS
                .whole
                .iter()
                .find(|(word, _)| part.eq_ignore_ascii_case(word))
                .map(|(_, kind)| *kind)
        })
}

/// A kind as the knowledge files spell it.
fn removed_kind(name: &str) -> RemovedKind {
    match name {
        "nav" => RemovedKind::Nav,
        "subscribe" => RemovedKind::Subscribe,
        "teaser" => RemovedKind::Teaser,
        "credit" => RemovedKind::Credit,
        "disclaimer" => RemovedKind::Disclaimer,
        "footer" => RemovedKind::Footer,
        _ => RemovedKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `line_match_key` as it hashed word by word, through the streaming hasher.
    fn key_fed_word_by_word(line: &str) -> Option<u64> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut words = 0usize;
        let mut word_start = None;
        for (i, c) in line.char_indices() {
            if c == '_' || c.is_alphanumeric() {
                word_start.get_or_insert(i);
            } else if let Some(start) = word_start.take() {
                hasher.update(&line.as_bytes()[start..i]);
                hasher.update(b" ");
                words += 1;
            }
        }
        if let Some(start) = word_start {
            hasher.update(&line.as_bytes()[start..]);
            hasher.update(b" ");
            words += 1;
        }
        (words > 0).then(|| hasher.digest())
    }

    #[test]
    fn line_keys_are_the_word_by_word_hash() {
        use rand::{Rng, SeedableRng};
        // Lines short and long (XXH3 takes different paths up to 16, 128 and 240 bytes and
        // past its 1 KiB stripes), words of letters, digits, `_` and non-ASCII letters.
        let pieces = [
            "a",
            "Zz",
            "_",
            "42",
            "\u{e9}t\u{e9}",
            "\u{5b57}",
            " ",
            ", ",
            "-",
            "\n",
            "...",
            "word",
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        let mut lines = vec![String::new(), " , ".to_string(), "x".repeat(5000)];
        for _ in 0..3000 {
            let len = [4, 40, 400][rng.random_range(0..3)];
            lines.push(
                (0..rng.random_range(0..len))
                    .map(|_| pieces[rng.random_range(0..pieces.len())])
                    .collect(),
            );
        }
        for line in &lines {
            assert_eq!(line_match_key(line), key_fed_word_by_word(line), "{line:?}");
        }
    }

    fn chrome_of(html: &str) -> ChromeLines {
        chrome_lines(&Document::from(html)).blocks
    }

    fn is_chrome(chrome: &ChromeLines, line: &str) -> Option<RemovedKind> {
        chrome
            .get(&line_match_key(line).expect("a line with words"))
            .map(|(kind, _)| *kind)
    }

    const BODY: &str =
        "<p>The government announced on Monday that the new bridge would open next spring.</p>\
        <p>Officials said the project had cost more than twice the original estimate.</p>";

    #[test]
    fn lines_of_marked_blocks_are_chrome_with_their_kind() {
        let html = format!(
            "<html><body><article>{BODY}\
             <div class=\"post_related-stories\"><h3>More on this</h3><ul><li><a href=/a>Bridge costs soar again</a></li></ul></div>\
             <p class=\"wp-caption-text\">The old crossing, closed since 2022.</p>\
             <div class=\"author-bio\">Jane Doe covers cities for the Courier.</div>\
             <div class=\"newsletter-box\">Get the news that matters, every morning.</div>\
             <aside>Most read today</aside></article>\
             <script>var related = 'Not text';</script></body></html>"
        );
        let chrome = chrome_of(&html);
        assert_eq!(
            is_chrome(&chrome, "Bridge costs soar again"),
            Some(RemovedKind::Teaser)
        );
        assert_eq!(
            is_chrome(&chrome, "More on this"),
            Some(RemovedKind::Teaser)
        );
        assert_eq!(
            is_chrome(&chrome, "The old crossing, closed since 2022."),
            Some(RemovedKind::Credit)
        );
        assert_eq!(
            is_chrome(&chrome, "Jane Doe covers cities for the Courier."),
            Some(RemovedKind::Other)
        );
        assert_eq!(
            is_chrome(&chrome, "Get the news that matters, every morning."),
            Some(RemovedKind::Subscribe)
        );
        assert_eq!(
            is_chrome(&chrome, "Most read today"),
            Some(RemovedKind::Other)
        );
        assert_eq!(is_chrome(&chrome, "Not text"), None);
        assert_eq!(
            is_chrome(
                &chrome,
                "Officials said the project had cost more than twice the original estimate."
            ),
            None
        );
        assert_eq!(chrome.len(), 6, "{chrome:?}");
    }

    #[test]
    fn lines_also_in_the_article_and_large_marked_wrappers_are_not_chrome() {
        // A teaser repeating the article's own first paragraph, and a blog's `tag-social`
        // class on the article's wrapper (more text than a chrome block holds).
        let long =
            "<p>The council met for six hours and heard forty residents speak.</p>".repeat(40);
        let html = format!(
            "<body><div class=\"post tag-social-media\">{BODY}{long}</div>\
             <div class=\"related\"><p>The government announced on Monday that the new bridge would open next spring.</p></div></body>"
        );
        let chrome = chrome_of(&html);
        assert!(chrome.is_empty(), "{chrome:?}");
    }

    #[test]
    fn lines_shown_only_as_link_text_are_linked() {
        let html = format!(
            "<body><article>{BODY}<p>Read the <a href=/r>council's report</a> on the crossing before the vote.</p>\
             <a href=/m><p>Ferry fares to rise in May</p></a>\
             <ul><li><a href=/a>Bridge costs soar again</a></li><li><a href=/b>Town hall</a></li></ul>\
             <p>Town hall</p></article></body>"
        );
        let linked = chrome_lines(&Document::from(html.as_str())).linked;
        let has = |line: &str| linked.contains(&line_match_key(line).expect("a line with words"));
        assert!(has("Bridge costs soar again"));
        // A link wrapping whole blocks makes each of its lines a link line.
        assert!(has("Ferry fares to rise in May"));
        // Prose holding a link, and a link text the page also shows as plain text, are not.
        assert!(!has(
            "Read the council's report on the crossing before the vote."
        ));
        assert!(!has("Town hall"));
        assert_eq!(linked.len(), 2, "{linked:?}");
    }

    #[test]
    fn class_words_match_inside_names_or_as_whole_parts() {
        assert_eq!(class_hint("c-Related_Posts"), Some(RemovedKind::Teaser));
        assert_eq!(class_hint("about_author"), Some(RemovedKind::Other));
        assert_eq!(class_hint("x ad-slot"), Some(RemovedKind::Other));
        // `ad` and `nav`-like words only as whole parts: no match inside "header" or "canvas".
        assert_eq!(class_hint("site-header canvas-wrap"), None);
        assert_eq!(class_hint(""), None);
        assert_eq!(class_hint("entry-content"), None);
    }

    #[test]
    fn lines_are_keyed_by_their_words() {
        assert_eq!(
            line_match_key("Bridge  costs, soar!"),
            line_match_key("Bridge costs soar")
        );
        assert_ne!(
            line_match_key("bridge costs soar"),
            line_match_key("Bridge costs soar")
        );
        assert_ne!(
            line_match_key("Bridge costs soar"),
            line_match_key("Bridge costs")
        );
        assert_eq!(line_match_key(" — "), None);
    }
}
