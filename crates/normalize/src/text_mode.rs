//! Cleaning of page text (a page already flattened to text, menus and all): every line is
//! classified, the main article is the maximum-sum run of lines, and whatever is cut is recorded
//! as a span of the input with its kind.

use std::collections::HashSet;
use std::sync::LazyLock;

use newspipe_core::{DateCandidate, RemovedKind, RemovedSpan};
use regex::Regex;
use rustc_hash::FxHashSet;

use crate::analysis::{continues_sentence, ends_sentence};
use crate::chrome::{line_match_key, ChromeLines, PageChrome};
use crate::fold_for_matching;
use crate::metadata;
use crate::outlet::{self, OutletCandidate};
use crate::rules::{LineRules, RuleHit};
use crate::site_repeats::{folded_line_key, LineKey};
use crate::unicode::clean_text;

/// How many lines before the article the title and header dates are looked for.
const HEADER_LINES: usize = 30;
/// Weight of a heading that starts a teaser or footer section: the article rarely goes on
/// after one, so only a long run of article text may cross it.
const BLOCK_BREAK_WEIGHT: f64 = -60.0;
/// Weight of a short line that is not a sentence (menu item, label, headline of a teaser).
const SHORT_LINE_WEIGHT: f64 = -3.0;
/// Longest line the phrase rules are tried on, in bytes.
const MAX_RULE_LINE: usize = 3000;

/// What to cut besides the article's own lines.
#[derive(Clone, Copy)]
pub struct TextOptions<'a> {
    /// Whether boilerplate lines are removed at all.
    pub boilerplate: bool,
    /// The line rules, built-in and from the stage's configuration.
    pub rules: &'a LineRules,
    /// Keys ([`line_key`]) of lines repeated on many pages of this document's site.
    /// [`clean_page_text`] leaves them unused on a page made mostly of them (a copy of another
    /// page, a matter for dedupe, not a page with a shared template); [`filter_lines`] uses
    /// them as given.
    pub repeated: Option<&'a FxHashSet<LineKey>>,
}

/// Metadata found in the page text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextMeta {
    /// The headline.
    pub title: Option<String>,
    /// The author line, without "By".
    pub byline: Option<String>,
    /// Outlet names found in the text (wire prefix, byline, copyright and masthead lines).
    pub outlets: Vec<OutletCandidate>,
    /// Publication-date candidates.
    pub dates: Vec<DateCandidate>,
    /// Wire or aggregator ids.
    pub ids: Vec<String>,
}

/// The result of cleaning page text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextOutcome {
    /// The article text, cleaned.
    pub text: String,
    /// Cut lines, as spans of the input.
    pub removed: Vec<RemovedSpan>,
    /// Metadata found on the way.
    pub meta: TextMeta,
    /// Whether no article-like run of lines was found (everything not matched by a rule kept).
    pub no_main_block: bool,
}

/// One non-blank line of the input.
struct Line<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    units: usize,
    sentence_end: bool,
    hit: Option<RuleHit>,
    role: Option<Role>,
    /// Byte offset in `text` where a picture credit ending the line starts.
    credit_tail: Option<usize>,
    /// `text` folded with [`fold_for_matching`], when it was needed before classification.
    folded: Option<String>,
}

/// A line that carries metadata rather than article text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Byline,
    IdString,
    Title,
}

/// Cleans flattened page text.
pub fn clean_page_text(raw: &str, opts: &TextOptions) -> TextOutcome {
    let mut meta = TextMeta::default();
    let mut lines = split_lines(raw);
    let opts = &TextOptions {
        repeated: fold_for_repeats(&mut lines, opts.repeated),
        ..*opts
    };
    for line in &mut lines {
        classify_line(line, opts, &mut meta);
    }
    if opts.boilerplate {
        mark_teasers(&mut lines);
        mark_newsletter_names(&mut lines);
    }
    let block = if opts.boilerplate {
        main_block(raw, &lines)
    } else {
        None
    };
    let no_main_block = block.is_none();
    let (first, last) = block.unwrap_or((0, lines.len().saturating_sub(1)));
    if block.is_some() {
        read_header(&mut lines, first, &mut meta);
    }
    if opts.boilerplate && block.is_some() {
        mark_related_headlines(raw, &mut lines[first..=last], meta.title.as_deref());
    }
    for line in lines.iter().skip(first).take(3) {
        if let Some(name) = metadata::wire_outlet(line.text) {
            meta.outlets.push(OutletCandidate {
                name,
                basis: "wire_prefix",
            });
            break;
        }
    }
    if opts.boilerplate && block.is_some() {
        read_chrome_outlets(&lines, first, last, &mut meta);
    }
    let keep = |i: usize, line: &Line| {
        !opts.boilerplate || (i >= first && i <= last && line.hit.is_none() && line.role.is_none())
    };
    let mut kept = String::with_capacity(raw.len());
    let mut removed: Vec<RemovedSpan> = Vec::new();
    let mut previous_kept_end: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        if keep(i, line) {
            if let Some(prev_end) = previous_kept_end {
                let gap = &raw[prev_end..line.start];
                kept.push_str(if gap.matches('\n').count() > 1 {
                    "\n\n"
                } else {
                    "\n"
                });
            }
            kept.push_str(kept_part(line));
            previous_kept_end = Some(line.end);
            if let Some(tail) = line.credit_tail {
                removed.push(RemovedSpan {
                    start: line.start + tail,
                    end: line.end,
                    kind: RemovedKind::Credit,
                    rule: Some("credit_sentence".into()),
                });
            }
        } else {
            let (kind, rule) = cut_reason(line, i < first);
            push_removed(&mut removed, raw, line, kind, rule);
        }
    }
    TextOutcome {
        text: clean_text(&kept),
        removed,
        meta,
        no_main_block,
    }
}

/// Text an HTML extractor produced, with the boilerplate lines it let through cut.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilteredText {
    /// The remaining text, cleaned.
    pub text: String,
    /// The cut lines, each with its kind and rule.
    pub cut: Vec<(String, RemovedKind, String)>,
    /// Bylines and ids found on the way.
    pub meta: TextMeta,
}

/// Cuts the lines that a rule marks as boilerplate, without looking for a main block: for
/// text an extractor already reduced to the article. `captions` are the page's `<figcaption>`
/// texts and `chrome` its chrome lines ([`crate::chrome::chrome_lines`]).
pub fn filter_lines(
    text: &str,
    opts: &TextOptions,
    title: Option<&str>,
    captions: &HashSet<String>,
    chrome: &PageChrome,
) -> FilteredText {
    let mut meta = TextMeta::default();
    let mut lines = split_lines(text);
    let linked = &chrome.linked;
    let chrome = trusted_chrome(&lines, &chrome.blocks);
    for line in &mut lines {
        classify_line(line, opts, &mut meta);
        if !opts.boilerplate || line.hit.is_some() {
            continue;
        }
        if is_caption(line.text, captions) {
            line.hit = Some(RuleHit {
                rule: "figcaption".into(),
                kind: RemovedKind::Credit,
                breaks_block: false,
            });
        } else if let Some((kind, rule)) = chrome_line(line.text, chrome) {
            line.hit = Some(RuleHit {
                rule: rule.into(),
                kind,
                breaks_block: false,
            });
        }
    }
    if opts.boilerplate {
        mark_teasers(&mut lines);
        mark_newsletter_names(&mut lines);
        mark_related_headlines(text, &mut lines, title);
        mark_headline(&mut lines, title);
        mark_edges(&mut lines, linked);
        mark_author_bios(&mut lines);
    }
    let mut kept = String::with_capacity(text.len());
    let mut cut = Vec::new();
    let mut previous_kept_end: Option<usize> = None;
    for line in &lines {
        if line.hit.is_none() && line.role.is_none() {
            if let Some(prev_end) = previous_kept_end {
                let gap = &text[prev_end..line.start];
                kept.push_str(if gap.matches('\n').count() > 1 {
                    "\n\n"
                } else {
                    "\n"
                });
            }
            kept.push_str(kept_part(line));
            previous_kept_end = Some(line.end);
            if let Some(tail) = line.credit_tail {
                cut.push((
                    line.text[tail..].to_owned(),
                    RemovedKind::Credit,
                    "credit_sentence".to_owned(),
                ));
            }
        } else {
            let (kind, rule) = cut_reason(line, false);
            cut.push((line.text.to_owned(), kind, rule.to_owned()));
        }
    }
    FilteredText {
        text: clean_text(&kept),
        cut,
        meta,
    }
}

/// Folds every line for the lookup in the site's repeated lines, and gives the repeated lines
/// back unless most of the text (by bytes) is made of them. The folded forms stay in the lines,
/// so [`classify_line`] does not fold again.
fn fold_for_repeats<'a>(
    lines: &mut [Line],
    repeated: Option<&'a FxHashSet<LineKey>>,
) -> Option<&'a FxHashSet<LineKey>> {
    let set = repeated?;
    let (mut total, mut shared) = (0usize, 0usize);
    for line in lines {
        let folded = fold_for_matching(line.text);
        total += line.text.len();
        if set.contains(&folded_line_key(&folded)) {
            shared += line.text.len();
        }
        line.folded = Some(folded);
    }
    (shared * 2 <= total).then_some(set)
}

/// Splits `raw` into its non-blank lines, each trimmed, with byte offsets into `raw`.
fn split_lines(raw: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for piece in raw.split_inclusive('\n') {
        let trimmed_start = piece.len() - piece.trim_start().len();
        let text = piece.trim();
        if !text.is_empty() {
            let start = offset + trimmed_start;
            lines.push(Line {
                start,
                end: start + text.len(),
                text,
                units: 0,
                sentence_end: false,
                hit: None,
                role: None,
                credit_tail: None,
                folded: None,
            });
        }
        offset += piece.len();
    }
    lines
}

/// Measures a line and applies the phrase, repeat, byline and id rules to it.
fn classify_line(line: &mut Line, opts: &TextOptions, meta: &mut TextMeta) {
    let (words, cjk) = metadata::words_and_cjk(line.text);
    line.units = words + cjk / 2;
    line.sentence_end = ends_sentence(line.text);
    if let Some((id, date)) = (words == 1)
        .then(|| metadata::id_string(line.text))
        .flatten()
    {
        meta.ids.push(id.clone());
        if let Some(date) = date {
            metadata::push_candidate(&mut meta.dates, date, "id_string", Some(id));
        }
        line.role = Some(Role::IdString);
        return;
    }
    if !opts.boilerplate || line.text.len() > MAX_RULE_LINE {
        return;
    }
    let folded = line
        .folded
        .take()
        .unwrap_or_else(|| fold_for_matching(line.text));
    line.hit = opts.rules.match_line(&folded, words);
    if line.hit.is_none() {
        line.credit_tail = opts.rules.credit_tail(line.text, &folded);
    }
    if line.hit.is_none()
        && opts
            .repeated
            .is_some_and(|set| set.contains(&folded_line_key(&folded)))
    {
        line.hit = Some(RuleHit {
            rule: "site_repeat".into(),
            kind: RemovedKind::Other,
            breaks_block: false,
        });
    }
    if line.hit.is_none() && words <= 20 {
        if let Some(name) = metadata::byline(line.text) {
            if let Some(date) = metadata::find_date(line.text) {
                metadata::push_candidate(&mut meta.dates, date.iso, "byline", Some(date.text));
            }
            meta.byline.get_or_insert(name);
            if let Some(name) = outlet::byline_outlet(line.text) {
                meta.outlets.push(OutletCandidate {
                    name,
                    basis: "byline",
                });
            }
            line.role = Some(Role::Byline);
        }
    }
}

/// Outlet names in the page chrome around the article: copyright lines and a site naming its
/// own products ("The Kyiv Independent’s first-ever magazine").
fn read_chrome_outlets(lines: &[Line], first: usize, last: usize, meta: &mut TextMeta) {
    let chrome = lines
        .iter()
        .enumerate()
        .filter(|(i, line)| *i < first || *i > last || line.hit.is_some())
        .map(|(_, line)| line.text);
    for text in chrome {
        if let Some(name) = outlet::copyright_holder(text) {
            meta.outlets.push(OutletCandidate {
                name,
                basis: "copyright",
            });
        } else if let Some(name) = outlet::masthead_name(text) {
            meta.outlets.push(OutletCandidate {
                name,
                basis: "masthead",
            });
        }
    }
}

/// A kept line without the picture credit that ends it.
fn kept_part<'a>(line: &Line<'a>) -> &'a str {
    match line.credit_tail {
        Some(tail) => line.text[..tail].trim_end(),
        None => line.text,
    }
}

/// Most of an extracted text (in bytes, in tenths) that chrome lines may make up: beyond it,
/// the class words marked the article's own wrapper (a blog's `tag-social` on its `<article>`),
/// and no chrome line is cut.
const MAX_CHROME_SHARE_TENTHS: usize = 3;

/// The page's chrome lines, or none when they would make up most of the extracted text.
fn trusted_chrome<'a>(lines: &[Line], chrome: &'a ChromeLines) -> Option<&'a ChromeLines> {
    if chrome.is_empty() {
        return None;
    }
    let (mut total, mut cut) = (0usize, 0usize);
    for line in lines {
        total += line.text.len();
        if line_match_key(line.text).is_some_and(|key| chrome.contains_key(&key)) {
            cut += line.text.len();
        }
    }
    (cut * 10 <= total * MAX_CHROME_SHARE_TENTHS).then_some(chrome)
}

/// The kind and rule of a line that is one of the page's chrome lines.
fn chrome_line(line: &str, chrome: Option<&ChromeLines>) -> Option<(RemovedKind, &'static str)> {
    chrome?.get(&line_match_key(line)?).copied()
}

/// Shortest line cut for being part of a longer caption (shorter ones, such as "Pros", occur
/// in captions and prose alike).
const MIN_CAPTION_PART: usize = 20;

/// Whether a line is one of the page's `<figcaption>` texts (whitespace collapsed), or a long
/// enough piece of one.
fn is_caption(line: &str, captions: &HashSet<String>) -> bool {
    if captions.is_empty() {
        return false;
    }
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    captions.contains(&line)
        || (line.len() >= MIN_CAPTION_PART && captions.iter().any(|c| c.contains(&line)))
}

/// Share of a headline-shaped line's long words that must come from the page's title for the
/// line to be taken for a link to a related story.
const RELATED_TITLE_OVERLAP: f64 = 0.5;
/// Fewest words of a related-story headline.
const MIN_RELATED_UNITS: usize = 5;

/// Marks the headline of a related story set in the middle of the text: a Title Case line
/// with no sentence end, glued to the paragraphs around it (no blank line either side, where
/// subheadings stand apart), that opens with the same two words as the page's own title and
/// shares most of its long words with it without being it. Related-story links are chosen for
/// their topic, so they echo the headline.
fn mark_related_headlines(text: &str, lines: &mut [Line], title: Option<&str>) {
    let Some(title) = title else { return };
    let opening = |text: &str| -> Vec<String> {
        text.split_whitespace()
            .take(2)
            .map(|w| w.to_lowercase())
            .collect()
    };
    let title_opening = opening(title);
    let glued = |lines: &[Line], i: usize| {
        let single_break = |from: usize, to: usize| text[from..to].matches('\n').count() == 1;
        i > 0
            && i + 1 < lines.len()
            && single_break(lines[i - 1].end, lines[i].start)
            && single_break(lines[i].end, lines[i + 1].start)
    };
    let long_words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| w.chars().count() > 3)
            .map(str::to_lowercase)
            .collect()
    };
    let title_words = long_words(title);
    let title_key = fold_for_matching(title);
    for i in 0..lines.len() {
        let glued = glued(lines, i);
        let line = &mut lines[i];
        if line.hit.is_some()
            || line.role.is_some()
            || line.sentence_end
            || line.units < MIN_RELATED_UNITS
            || !glued
            || opening(line.text) != title_opening
        {
            continue;
        }
        let words = long_words(line.text);
        let title_case = line
            .text
            .split_whitespace()
            .filter(|w| w.chars().count() > 3)
            .all(|w| {
                w.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
            });
        if words.is_empty() || !title_case || fold_for_matching(line.text) == title_key {
            continue;
        }
        let shared = words.iter().filter(|w| title_words.contains(w)).count();
        if shared as f64 >= RELATED_TITLE_OVERLAP * words.len() as f64 {
            line.hit = Some(RuleHit {
                rule: "related_headline".into(),
                kind: RemovedKind::Teaser,
                breaks_block: false,
            });
        }
    }
}

/// Longest name of a newsletter set over its sign-up prompt, in words.
const MAX_NEWSLETTER_NAME_UNITS: usize = 4;

/// Marks the name of a newsletter right above its sign-up prompt ("Ukraine Daily" / "Get the
/// news that matters, every morning."): a few words, no sentence.
fn mark_newsletter_names(lines: &mut [Line]) {
    for i in 0..lines.len().saturating_sub(1) {
        let next_is_prompt = lines[i + 1]
            .hit
            .as_ref()
            .is_some_and(|hit| hit.rule == "subscribe_form");
        let line = &lines[i];
        if next_is_prompt
            && line.hit.is_none()
            && line.role.is_none()
            && !line.sentence_end
            && line.units <= MAX_NEWSLETTER_NAME_UNITS
        {
            lines[i].hit = Some(RuleHit {
                rule: "newsletter_name".into(),
                kind: RemovedKind::Subscribe,
                breaks_block: false,
            });
        }
    }
}

/// Marks truncated excerpts right under a headline ("Headline" / "First words of the story…"):
/// the shape of a teaser for another article. A truncated paragraph elsewhere is kept.
fn mark_teasers(lines: &mut [Line]) {
    for i in 1..lines.len() {
        let line = &lines[i];
        let truncated = line.text.ends_with('…') || line.text.ends_with("...");
        if line.hit.is_some() || line.units < 8 || !truncated {
            continue;
        }
        let previous = &lines[i - 1];
        let under_headline = previous.hit.is_none()
            && previous.role.is_none()
            && !previous.sentence_end
            && metadata::is_title_like(previous.text);
        if under_headline {
            lines[i].hit = Some(RuleHit {
                rule: "truncated_teaser".into(),
                kind: RemovedKind::Teaser,
                breaks_block: false,
            });
        }
    }
}

/// Fewest words of a line of prose that bounds the article's run of prose.
const MIN_PROSE_UNITS: usize = 8;

/// Marks the page's headline when the extractor let it into the text above the first line of
/// prose: a line with the words of the page's title, whole or without a site name after ` | `,
/// ` - `, ` – ` or ` — `. The headline is metadata (`meta.title`), not article text. Case
/// counts: the same words in other capitals are more often a section heading the article keeps.
fn mark_headline(lines: &mut [Line], title: Option<&str>) {
    let Some(title) = title else { return };
    let whole = line_match_key(title);
    let without_site = [" | ", " - ", " — ", " – "]
        .iter()
        .find_map(|separator| title.rsplit_once(separator))
        .and_then(|(headline, _)| line_match_key(headline));
    for line in lines.iter_mut() {
        // Checked first: a headline may read like prose ("Why isn't modern AI built around
        // principles from cognitive science?").
        let key = line_match_key(line.text);
        if key.is_some() && (key == whole || key == without_site) {
            line.role = Some(Role::Title);
            continue;
        }
        if line.hit.is_none()
            && line.role.is_none()
            && line.sentence_end
            && line.units >= MIN_PROSE_UNITS
        {
            break;
        }
    }
}

/// Most words of a date line ("Updated on June 18, 2025 at 12:35 PM") cut at the article's
/// edges.
const MAX_DATE_LINE_UNITS: usize = 8;

/// Marks what leads into and trails the article's run of prose (from its first line of at
/// least [`MIN_PROSE_UNITS`] words ending a sentence, not a link, to its last): lines the page
/// shows only as link text (related-story headlines, teaser lists, "read more" links), short
/// lines holding a date (publication and update stamps), and everything after a heading that
/// opens a list of other stories ("More Articles You Might Enjoy"). Inside the run such lines
/// stay: on the dev pages a link line there is more often the article's own list of places or
/// products than chrome, and a date line an entry of its own list of events.
fn mark_edges(lines: &mut [Line], linked: &HashSet<u64>) {
    let is_linked = |line: &Line| {
        !linked.is_empty() && line_match_key(line.text).is_some_and(|key| linked.contains(&key))
    };
    let prose = |line: &Line| {
        line.hit.is_none()
            && line.role.is_none()
            && line.sentence_end
            && line.units >= MIN_PROSE_UNITS
            && !is_linked(line)
    };
    let Some(first) = lines.iter().position(prose) else {
        return;
    };
    let last = lines.iter().rposition(prose).unwrap_or(first);
    // A heading that opens a list of other stories after the prose: the rest is that list.
    let list_start = lines[last + 1..]
        .iter()
        .position(|line| line.hit.as_ref().is_some_and(|hit| hit.breaks_block))
        .map_or(lines.len(), |offset| last + 1 + offset);
    for (i, line) in lines.iter_mut().enumerate() {
        if (first..=last).contains(&i) || line.hit.is_some() || line.role.is_some() {
            continue;
        }
        let (rule, kind) = if i > list_start {
            ("after_teaser_heading", RemovedKind::Teaser)
        } else if is_linked(line) {
            ("linked_edge", RemovedKind::Teaser)
        } else if line.units <= MAX_DATE_LINE_UNITS && metadata::find_date(line.text).is_some() {
            ("date_line_edge", RemovedKind::Other)
        } else {
            continue;
        };
        line.hit = Some(RuleHit {
            rule: rule.into(),
            kind,
            breaks_block: false,
        });
    }
}

/// How many kept lines at each end of the text are checked for an author bio.
const BIO_EDGE_LINES: usize = 2;

/// A writer's bio line (see [`mark_author_bios`]).
static BIO: LazyLock<Regex> = LazyLock::new(|| {
    let roles = newspipe_knowledge::author_bio_roles().join("|");
    Regex::new(&format!(
        r"^\(?(?i:about the author:?\s*)?\p{{Lu}}[\w.'’-]*(?: \p{{Lu}}[\w.'’-]*){{0,3}},? (?:is|was|has been|has)\b(?: [\w,'’-]+){{0,8}}? (?i:{roles})s?\b"
    ))
    .expect("valid regex")
});

/// Marks a writer's bio among the first and last [`BIO_EDGE_LINES`] kept lines: a line that
/// opens with a name (up to four capitalised words) followed by "is", "was", "has been" or
/// "has" and, within eight words, a role of `newspipe-knowledge`'s `author_bio_roles.txt`
/// ("Lisa Jennings is a veteran restaurant industry reporter and editor who …"). Bios sit
/// above or below the article; the same shape inside it is a person the article is about.
fn mark_author_bios(lines: &mut [Line]) {
    let kept: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].hit.is_none() && lines[i].role.is_none())
        .collect();
    let edges = kept
        .iter()
        .take(BIO_EDGE_LINES)
        .chain(kept.iter().rev().take(BIO_EDGE_LINES));
    let bios: Vec<usize> = edges
        .copied()
        .filter(|&i| BIO.is_match(lines[i].text))
        .collect();
    for i in bios {
        lines[i].hit = Some(RuleHit {
            rule: "author_bio".into(),
            kind: RemovedKind::Other,
            breaks_block: false,
        });
    }
}

/// Whether a line is a row of menu entries: several words, each capitalized, no punctuation.
fn is_menu_line(line: &Line) -> bool {
    if line.sentence_end || line.text.contains(',') {
        return false;
    }
    let mut words = 0;
    let capitalized = line.text.split_whitespace().all(|w| {
        words += 1;
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
    });
    capitalized && words >= 3
}

/// Weight of a line in the search for the main block: article-like lines count their words,
/// boilerplate counts against.
fn weight(line: &Line) -> f64 {
    match (&line.hit, line.role) {
        (Some(hit), _) if hit.breaks_block => BLOCK_BREAK_WEIGHT,
        (Some(_), _) => -(line.units as f64) - 5.0,
        (None, Some(_)) => SHORT_LINE_WEIGHT,
        (None, None) => prose_weight(line.units, line.sentence_end),
    }
}

/// Weight of a stretch of plain text by its length and whether it ends a sentence.
fn prose_weight(units: usize, sentence_end: bool) -> f64 {
    if (units >= 10 && sentence_end) || units >= 25 {
        units as f64
    } else if units >= 3 && sentence_end {
        1.0
    } else {
        SHORT_LINE_WEIGHT
    }
}

/// Fewest words of a run of hard-wrapped lines weighed as one paragraph: shorter runs (a
/// two-line menu in lower case) keep their lines' own weights.
const MIN_WRAPPED_UNITS: usize = 10;

/// The lines' weights for the main-block search. Hard-wrapped prose (wire copy at 60
/// characters a line, e-mail, plain-text archives) is weighed as the paragraphs it is: a run
/// of adjacent lines, each going on with the sentence of the line before, weighs its words as
/// a paragraph of prose does. Line by line, each piece of such a paragraph looks like a menu
/// entry.
fn line_weights(raw: &str, lines: &[Line]) -> Vec<f64> {
    let mut weights: Vec<f64> = lines.iter().map(weight).collect();
    let mut first = 0;
    while first < lines.len() {
        let mut last = first;
        while last + 1 < lines.len() && continues(raw, &lines[last], &lines[last + 1]) {
            last += 1;
        }
        let run = &lines[first..=last];
        let units: usize = run.iter().map(|l| l.units).sum();
        if last > first && units >= MIN_WRAPPED_UNITS {
            // A sentence carried over line breaks is prose, whether or not the run ends it.
            for (weight, line) in weights[first..=last].iter_mut().zip(run) {
                *weight = line.units as f64;
            }
        }
        first = last + 1;
    }
    weights
}

/// Whether `next` carries on the sentence `line` broke off ([`continues_sentence`]), with no
/// blank line between them and neither matched by a rule nor holding metadata.
fn continues(raw: &str, line: &Line, next: &Line) -> bool {
    let plain = |l: &Line| l.hit.is_none() && l.role.is_none();
    plain(line)
        && plain(next)
        && raw[line.end..next.start].matches('\n').count() == 1
        && continues_sentence(line.text, next.text)
}

/// The maximum-sum run of lines (first and last index) by their [`line_weights`], or `None`
/// when no run has a positive sum.
fn main_block(raw: &str, lines: &[Line]) -> Option<(usize, usize)> {
    let mut best: Option<(f64, usize, usize)> = None;
    let (mut sum, mut start) = (0.0, 0);
    for (i, weight) in line_weights(raw, lines).into_iter().enumerate() {
        if sum <= 0.0 {
            sum = 0.0;
            start = i;
        }
        sum += weight;
        if sum > 0.0 && best.is_none_or(|(b, _, _)| sum > b) {
            best = Some((sum, start, i));
        }
    }
    best.map(|(_, first, last)| (first, last))
}

/// Reads the title and header dates from the lines above the main block.
fn read_header(lines: &mut [Line], first: usize, meta: &mut TextMeta) {
    let header_start = first.saturating_sub(HEADER_LINES);
    for line in &lines[header_start..first] {
        if line.units > 12 && line.text.len() > 40 {
            // A long line: only a date at its very start is a header date.
            if let Some(date) = metadata::find_date(&line.text[..floor_char(line.text, 40)]) {
                metadata::push_candidate(&mut meta.dates, date.iso, "header_line", Some(date.text));
            }
        } else if let Some(date) = metadata::find_date(line.text) {
            if line.role.is_none() {
                metadata::push_candidate(&mut meta.dates, date.iso, "header_line", Some(date.text));
            }
        }
    }
    for i in (header_start..first).rev() {
        let line = &lines[i];
        let is_date_line = line.units <= 8 && metadata::find_date(line.text).is_some();
        let skippable = line.role.is_some()
            || is_date_line
            || line
                .hit
                .as_ref()
                .is_some_and(|hit| hit.kind == RemovedKind::Credit);
        if skippable {
            continue;
        }
        if line.hit.is_none() && metadata::is_title_like(line.text) {
            meta.title = Some(line.text.to_owned());
            lines[i].role = Some(Role::Title);
        }
        break;
    }
}

/// The largest char boundary of `text` at or below `max`.
fn floor_char(text: &str, max: usize) -> usize {
    (0..=max.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0)
}

/// Why a line was cut.
fn cut_reason<'l>(line: &'l Line, before_block: bool) -> (RemovedKind, &'l str) {
    if let Some(hit) = &line.hit {
        return (hit.kind, &hit.rule);
    }
    match line.role {
        Some(Role::Title) => (RemovedKind::Other, "title"),
        Some(Role::Byline) => (RemovedKind::Other, "byline"),
        Some(Role::IdString) => (RemovedKind::Other, "id_string"),
        None if is_menu_line(line) => (RemovedKind::Nav, "menu_line"),
        None if before_block => (RemovedKind::Other, "before_article"),
        None => (RemovedKind::Other, "after_article"),
    }
}

/// Records a cut line, merging it into the previous span when that has the same kind and rule
/// and only whitespace lies between them.
fn push_removed(
    removed: &mut Vec<RemovedSpan>,
    raw: &str,
    line: &Line,
    kind: RemovedKind,
    rule: &str,
) {
    if let Some(last) = removed.last_mut() {
        let same = last.kind == kind && last.rule.as_deref() == Some(rule);
        if same && raw[last.end..line.start].trim().is_empty() {
            last.end = line.end;
            return;
        }
    }
    removed.push(RemovedSpan {
        start: line.start,
        end: line.end,
        kind,
        rule: Some(rule.to_owned()),
    });
}

/// Compiles the author-bio pattern every text's edges are read with, for the stage's warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&BIO);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_key;

    fn clean(raw: &str) -> TextOutcome {
        let rules = LineRules::new(&[], &[]).unwrap();
        clean_page_text(
            raw,
            &TextOptions {
                boilerplate: true,
                rules: &rules,
                repeated: None,
            },
        )
    }

    /// `filter_lines` with the built-in rules, as the HTML path calls it on extracted text.
    fn filter_extracted(
        text: &str,
        title: Option<&str>,
        captions: &HashSet<String>,
        chrome: &PageChrome,
    ) -> FilteredText {
        static RULES: LazyLock<LineRules> =
            LazyLock::new(|| LineRules::new(&[], &[]).expect("the built-in rules compile"));
        let opts = TextOptions {
            boilerplate: true,
            rules: &RULES,
            repeated: None,
        };
        filter_lines(text, &opts, title, captions, chrome)
    }

    /// [`filter_extracted`] of a page without a title, captions or chrome.
    fn filter_plain(text: &str) -> FilteredText {
        filter_extracted(text, None, &HashSet::new(), &PageChrome::default())
    }

    /// Each cut line with its kind.
    fn cuts_by_kind(out: &FilteredText) -> Vec<(&str, RemovedKind)> {
        out.cut
            .iter()
            .map(|(line, kind, _)| (line.as_str(), *kind))
            .collect()
    }

    /// Each cut line with the rule that cut it.
    fn cuts_by_rule(out: &FilteredText) -> Vec<(&str, &str)> {
        out.cut
            .iter()
            .map(|(line, _, rule)| (line.as_str(), rule.as_str()))
            .collect()
    }

    const ARTICLE: &str = "The government announced on Monday that the new bridge across the river would open next spring, after years of delays.\n\nOfficials said the project had cost more than twice the original estimate, blaming supply problems and a long legal dispute.\n\nThe mayor said the city was relieved.\n";

    #[test]
    fn menus_and_forms_around_an_article_are_cut_with_their_kind() {
        let raw = format!(
            "Skip to content\nHome\nWorld Politics Business\n\nBridge to open next spring\n\nBy Jane Doe March 6, 2025\n\n{ARTICLE}\nMost popular\nAnother story headline here\nEnter your email to subscribe\n* indicates required\n"
        );
        let out = clean(&raw);
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(
            out.meta.title.as_deref(),
            Some("Bridge to open next spring")
        );
        assert_eq!(out.meta.byline.as_deref(), Some("Jane Doe"));
        assert_eq!(out.meta.dates[0].value, "2025-03-06");
        let kinds: Vec<_> = out
            .removed
            .iter()
            .map(|r| (r.kind, r.rule.clone().unwrap()))
            .collect();
        assert!(
            kinds.contains(&(RemovedKind::Nav, "nav_phrase".into())),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&(RemovedKind::Subscribe, "subscribe_form".into())),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&(RemovedKind::Teaser, "teaser_heading".into())),
            "{kinds:?}"
        );
        for span in &out.removed {
            assert!(!out.text.contains(raw[span.start..span.end].trim()));
        }
    }

    #[test]
    fn hard_wrapped_wire_copy_is_kept_whole_under_its_headline() {
        // Wire copy as archives hold it: a headline, then the story wrapped at ~30 characters,
        // each line a piece of a sentence that line by line looks like a menu entry.
        let body = "McDowell Enterprises Inc said\nit has signed a definitive\n\
            agreement to acquire an 80 pct\ninterest in privately held\n\
            Interpharm Inc for a 19.9 pct\ninterest in McDowell. It said\n\
            the transaction is expected\nto be completed within 60 days.";
        let raw = format!("MCDOWELL TO MERGER WITH INTERPHARM\n{body}\n");
        let out = clean(&raw);
        assert_eq!(out.text, body);
        assert_eq!(
            out.meta.title.as_deref(),
            Some("MCDOWELL TO MERGER WITH INTERPHARM")
        );
        // A menu in lower case does not become prose by being wrapped.
        let out = clean(&format!("home\nnews\nsport\n\n{ARTICLE}"));
        assert_eq!(out.text, ARTICLE.trim_end());
    }

    #[test]
    fn a_clean_article_is_kept_whole() {
        let out = clean(ARTICLE);
        assert_eq!(out.text, ARTICLE.trim_end());
        assert!(out.removed.is_empty());
    }

    #[test]
    fn text_without_an_article_is_kept_and_flagged() {
        let out = clean("Home\nNews\nSport\n");
        assert!(out.no_main_block);
        assert_eq!(out.text, "News\nSport");
        let out = clean("");
        assert!(out.no_main_block);
        assert_eq!(out.text, "");
    }

    #[test]
    fn repeated_site_lines_are_cut() {
        let rules = LineRules::new(&[], &[]).unwrap();
        let footer = "Our journalism is funded by readers like you and independent of any party.";
        let repeated = FxHashSet::from_iter([line_key(footer)]);
        let raw = format!("{ARTICLE}{footer}\n");
        let out = clean_page_text(
            &raw,
            &TextOptions {
                boilerplate: true,
                rules: &rules,
                repeated: Some(&repeated),
            },
        );
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(out.removed[0].rule.as_deref(), Some("site_repeat"));
    }

    #[test]
    fn a_page_made_mostly_of_repeated_lines_keeps_them() {
        // A copy of another page of the site: its lines are all "repeated", and cutting them
        // would empty it; dedupe is the stage for copies.
        let rules = LineRules::new(&[], &[]).unwrap();
        let repeated: FxHashSet<LineKey> = ARTICLE.lines().map(line_key).collect();
        let opts = |repeated| TextOptions {
            boilerplate: true,
            rules: &rules,
            repeated,
        };
        let alone = clean_page_text(ARTICLE, &opts(None));
        let copy = clean_page_text(ARTICLE, &opts(Some(&repeated)));
        assert!(!copy.text.is_empty());
        assert_eq!(copy.text, alone.text);
        assert!(copy
            .removed
            .iter()
            .all(|span| span.rule.as_deref() != Some("site_repeat")));
    }

    #[test]
    fn newsletter_boxes_and_related_headlines_are_cut() {
        let raw = format!(
            "Bridge to open next spring as city ends delays\n\n{ARTICLE}Bridge to Open After Delays End in City\nThe mayor thanked residents for their patience during the long closure of the old crossing.\nUkraine Daily\nGet the news that matters, every morning.\n"
        );
        let out = clean(&raw);
        let cuts: Vec<_> = out
            .removed
            .iter()
            .map(|r| (&raw[r.start..r.end], r.rule.as_deref().unwrap()))
            .collect();
        assert!(
            cuts.contains(&("Ukraine Daily", "newsletter_name")),
            "{cuts:?}"
        );
        assert!(
            cuts.contains(&(
                "Get the news that matters, every morning.",
                "subscribe_form"
            )),
            "{cuts:?}"
        );
        assert!(
            cuts.contains(&(
                "Bridge to Open After Delays End in City",
                "related_headline"
            )),
            "{cuts:?}"
        );
        assert!(
            out.text.ends_with("the long closure of the old crossing."),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_story_list_after_the_prose_is_cut_from_its_heading_on() {
        let headlines = [
            "Ferry Fares to Rise in May",
            "New Cycle Lanes for the Old Town",
        ];
        let text = format!(
            "{ARTICLE}\nMore Articles You Might Enjoy\n{}\n{}\n",
            headlines[0], headlines[1]
        );
        let out = filter_plain(&text);
        assert_eq!(
            cuts_by_rule(&out),
            vec![
                ("More Articles You Might Enjoy", "teaser_heading"),
                (headlines[0], "after_teaser_heading"),
                (headlines[1], "after_teaser_heading")
            ]
        );
        assert_eq!(out.text, ARTICLE.trim_end());
        // The same heading inside the run of prose cuts only itself.
        let text = format!("More Articles You Might Enjoy\n{}\n{ARTICLE}", headlines[0]);
        let out = filter_plain(&text);
        assert!(out.text.starts_with(headlines[0]), "{}", out.text);
    }

    #[test]
    fn an_author_bio_at_an_edge_of_the_text_is_cut() {
        let bio = "Jane Doe is a senior transport reporter for the Courier.";
        let out = filter_plain(&format!("{ARTICLE}{bio}\n"));
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(out.cut[0].0, bio);
        assert_eq!(out.cut[0].2, "author_bio");
        let out = filter_plain(&format!("About the author: {bio}\n\n{ARTICLE}"));
        assert_eq!(out.text, ARTICLE.trim_end());
        // An op-ed's closing bio, its role capitalised.
        let professor = "Jo Li is an Associate Professor of Radiology at the city university.";
        let out = filter_plain(&format!("{ARTICLE}{professor}\n"));
        assert_eq!(out.text, ARTICLE.trim_end());
        // The same shape inside the article, or naming no writer's role, stays.
        let out = filter_plain(&format!("{ARTICLE}{bio}\n{ARTICLE}"));
        assert!(out.text.contains(bio), "{}", out.text);
        let nurse = "Jane Doe is a nurse at the city hospital.";
        let out = filter_plain(&format!("{ARTICLE}{nurse}\n"));
        assert!(out.text.ends_with(nurse), "{}", out.text);
    }

    #[test]
    fn tag_and_category_lines_are_cut_as_navigation() {
        let text = format!("Category: City Transport\n{ARTICLE}Tags: bridge, river, council\n");
        let out = filter_plain(&text);
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(
            cuts_by_kind(&out),
            vec![
                ("Category: City Transport", RemovedKind::Nav),
                ("Tags: bridge, river, council", RemovedKind::Nav)
            ]
        );
    }

    #[test]
    fn the_headline_above_the_prose_is_cut_as_the_title() {
        let title = Some("Bridge to open next spring | The Courier");
        let filter =
            |text: &str| filter_extracted(text, title, &HashSet::new(), &PageChrome::default());
        let out = filter(&format!("Bridge to open next spring\n\n{ARTICLE}"));
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(out.cut[0].2, "title");
        // Below the first line of prose the same words are the article's own.
        let text = format!("{ARTICLE}Bridge to open next spring\n");
        assert!(filter(&text).text.ends_with("Bridge to open next spring"));
        // A headline that reads like prose (a question of eight words and more) is still the
        // headline.
        let question = "Why will the new bridge open a whole year late?";
        let out = filter_extracted(
            &format!("{question}\n\n{ARTICLE}"),
            Some(question),
            &HashSet::new(),
            &PageChrome::default(),
        );
        assert_eq!(out.text, ARTICLE.trim_end());
    }

    #[test]
    fn photo_captions_credit_lines_and_caption_toggles_are_cut() {
        let caption = "The old crossing at dawn. Photo by: 'Jane Doe'.";
        let text = format!(
            "{ARTICLE}{caption}\nCourtesy of the city archive\nShow Caption\n\nThe council will vote on the new fares in May, officials said. Photos by Reuters and AFP.\n"
        );
        let out = filter_plain(&text);
        assert_eq!(
            cuts_by_kind(&out),
            vec![
                (caption, RemovedKind::Credit),
                ("Courtesy of the city archive", RemovedKind::Credit),
                ("Show Caption", RemovedKind::Credit),
                ("Photos by Reuters and AFP.", RemovedKind::Credit)
            ]
        );
        // A paragraph ending in the agencies' credit keeps its prose.
        assert!(
            out.text
                .ends_with("\n\nThe council will vote on the new fares in May, officials said."),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_subheading_standing_apart_from_the_paragraphs_stays() {
        let raw = format!(
            "Bridge to open next spring as city ends delays\n\n{ARTICLE}\nBridge to Open: What Comes Next For Commuters\n\nThe mayor thanked residents for their patience during the long closure of the old crossing.\n"
        );
        assert!(clean(&raw)
            .text
            .contains("\nBridge to Open: What Comes Next For Commuters\n"));
    }

    #[test]
    fn captions_of_the_page_are_cut_from_extracted_text() {
        let captions = HashSet::from(["The old crossing, closed since 2022 (Jane Doe)".to_owned()]);
        let text = format!("{ARTICLE}\nThe old crossing, closed since 2022 (Jane Doe)\n");
        let out = filter_extracted(&text, None, &captions, &PageChrome::default());
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(out.cut[0].2, "figcaption");
    }

    #[test]
    fn chrome_lines_are_cut_unless_they_would_be_most_of_the_text() {
        let bio = "Jane Doe covers cities and transport for the Courier.";
        let key = |line: &str| line_match_key(line).unwrap();
        let chrome = ChromeLines::from([(key(bio), (RemovedKind::Other, "chrome_block"))]);
        let page = |blocks: &ChromeLines| PageChrome {
            blocks: blocks.clone(),
            ..PageChrome::default()
        };
        let out = filter_extracted(
            &format!("{ARTICLE}\n{bio}\n"),
            None,
            &HashSet::new(),
            &page(&chrome),
        );
        assert_eq!(out.text, ARTICLE.trim_end());
        assert_eq!(
            out.cut,
            vec![(
                bio.to_owned(),
                RemovedKind::Other,
                "chrome_block".to_owned()
            )]
        );
        // Chrome lines making up most of the text mean the page's article sat in a marked
        // block: nothing is cut.
        let mut all = chrome.clone();
        for line in ARTICLE.lines().filter(|l| !l.trim().is_empty()) {
            all.insert(key(line), (RemovedKind::Teaser, "chrome_block"));
        }
        let out = filter_extracted(ARTICLE, None, &HashSet::new(), &page(&all));
        assert_eq!(out.text, ARTICLE.trim_end());
        assert!(out.cut.is_empty(), "{:?}", out.cut);
    }

    #[test]
    fn link_and_date_lines_before_and_after_the_prose_are_cut_and_inside_it_kept() {
        let key = |line: &str| line_match_key(line).unwrap();
        let lead = "Previous story: Council votes on the budget";
        let inside = "Riverside Bridge Museum";
        let teasers = [
            "Ferry fares to rise in May",
            "New cycle lanes for the old town",
        ];
        let chrome = PageChrome {
            linked: [lead, inside, teasers[0], teasers[1]]
                .into_iter()
                .map(key)
                .collect(),
            ..PageChrome::default()
        };
        let stamp = "Updated on June 18, 2025 at 12:35 PM";
        let text = format!(
            "{lead}\n{stamp}\n\n{ARTICLE}\n{inside}\nMarch 16, 2026\n\nThe museum on the east bank will show the plans of the bridge until the end of the year.\n\n{}\n{}\n",
            teasers[0], teasers[1]
        );
        let out = filter_extracted(&text, None, &HashSet::new(), &chrome);
        assert_eq!(
            cuts_by_rule(&out),
            vec![
                (lead, "linked_edge"),
                (stamp, "date_line_edge"),
                (teasers[0], "linked_edge"),
                (teasers[1], "linked_edge")
            ]
        );
        assert!(out.text.contains(inside), "{}", out.text);
        assert!(out.text.contains("\nMarch 16, 2026\n"), "{}", out.text);
        assert!(
            out.text.ends_with("until the end of the year."),
            "{}",
            out.text
        );
        // Without a line of prose there is no run to bound: nothing is cut.
        let out = filter_extracted(&format!("{inside}\n"), None, &HashSet::new(), &chrome);
        assert!(out.cut.is_empty(), "{:?}", out.cut);
    }
}
