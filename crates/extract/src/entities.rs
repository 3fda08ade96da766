//! People, organizations and places in one document: the trained model's spans, name lists,
//! rules over capitalized words (titles before names, organization heads, given names), then a
//! document-level pass that links surnames to the full name seen elsewhere. The model decides
//! where it found a name; titles and roles, listed canonical names and the rules for what it
//! missed come from the lists and rules.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BTreeMap;

use memchr::memmem;

use newspipe_core::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::lexicon::{
    is_common_word, is_inverting_verb, is_speech_verb, CONNECTORS, DEMONYM_SET, FIRST_NAME_SET,
    GAZETTEER, NAME_PARTICLES, NON_ACRONYMS, NON_NAME_WORDS, ORG_PREFIXES, ORG_SUFFIXES,
    TITLE_AUTOMATON,
};
use crate::ner::model_spans;
use crate::text::{Analysis, TokenKind};

/// An entity mention found in one document, before corpus canonicalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Person, organization or place.
    pub kind: EntityKind,
    /// Byte offset of the name.
    pub start: usize,
    /// End byte offset of the name.
    pub end: usize,
    /// Byte range of the title or role stated before the name.
    pub role: Option<(usize, usize)>,
    /// The fullest form of the name within this document.
    pub local_canonical: String,
}

/// How sure a rule is; higher wins when candidates overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    Guess,
    List,
    Rule,
    Model,
    Titled,
}

#[derive(Debug, Clone)]
struct Candidate {
    kind: EntityKind,
    start: usize,
    end: usize,
    role: Option<(usize, usize)>,
    priority: Priority,
    canonical: Option<&'static str>,
}

/// A gazetteer hit on word boundaries with acceptable case.
#[derive(Debug, Clone, Copy)]
struct ListHit {
    start: usize,
    end: usize,
    entry: usize,
}

fn word_bounded(text: &str, start: usize, end: usize) -> bool {
    let before_ok = !text[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    let after_ok = !text[end..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    before_ok && after_ok
}

fn list_hits(a: &Analysis) -> Vec<ListHit> {
    let text = a.text;
    let gaz = &*GAZETTEER;
    gaz.find(text)
        .into_iter()
        .filter_map(|(start, end, entry_id)| {
            let entry = &gaz.entries[entry_id];
            let found = &text[start..end];
            // "LONDON 1996-08-30", "SOCCER - JAPAN GET LUCKY WIN": names in a line of capitals
            let shouted = entry.surface.len() >= 4
                && !found.chars().any(char::is_lowercase)
                && a.on_shouted_line(a.token_containing(start));
            let case_ok = found == entry.surface
                || shouted
                || (entry.surface.contains(' ')
                    && found.as_bytes()[0] == entry.surface.as_bytes()[0]
                    && found.chars().next().is_some_and(char::is_uppercase));
            if !case_ok
                || !word_bounded(text, start, end)
                || in_hyphenated_acronym(text, start, end)
            {
                return None;
            }
            // "U.S. dollars" names a currency, not the country
            if text[end..].trim_start().starts_with("dollar") {
                return None;
            }
            // "The Kyiv Independent": a capitalized "The" belongs to a name listed with it
            let the_start = start
                .checked_sub(4)
                .filter(|&s| entry.with_the && text.get(s..start) == Some("The "));
            Some(ListHit {
                start: the_start.unwrap_or(start),
                end,
                entry: entry_id,
            })
        })
        .collect()
}

/// The trained model's spans, checked against what the lists and rules know: a span inside a
/// title ("Defence" of "Defence Minister"), made of one word that is never a name ("AM"), on a
/// long headline line, or across two words a bad copy glued together is dropped; months at its
/// edges are trimmed. A span a list hit covers takes the list's span, kind and canonical name
/// ("The Kyiv Independent", "White House", "U.S." → "United States"), unless the list says
/// place and the model, here and across the document, something else ("Leeds" the club). An
/// unsure span, or a lone common word on a headline, counts only where a list or rule agrees.
fn model_candidates(
    a: &Analysis,
    hits: &[ListHit],
    title_matches: &[(usize, usize)],
    cands: &mut Vec<Candidate>,
) {
    let titles: Vec<(usize, usize)> = title_matches
        .iter()
        .copied()
        .filter(|&(s, e)| word_bounded(a.text, s, e) || a.text[..e].ends_with('.'))
        .chain(cands.iter().filter_map(|c| c.role))
        .collect();
    let found_by_rules: FxHashSet<(usize, usize)> =
        cands.iter().map(|c| (c.start, c.end)).collect();
    let lines = LineStats::new(a);
    for span in model_spans(a, &listed_spans(hits), title_matches) {
        if lines.is_long_headline(a, span.first)
            || lines.is_menu_line(a, span.first)
            || is_glued(a, span.first, span.last)
        {
            continue;
        }
        let (first, last) = trim_dates(a, span.first, span.last);
        if first == last {
            continue;
        }
        let (start, end) = (a.tokens[first].start, a.tokens[last - 1].end);
        let in_title = titles.iter().any(|&(s, e)| s <= start && end <= e);
        if in_title || never_a_name(a, first, last) {
            continue;
        }
        let at = hits.partition_point(|h| h.end <= start);
        let listed = hits.get(at).filter(|h| {
            let kind = GAZETTEER.entries[h.entry].kind;
            h.start <= start
                && h.end >= end
                && (kind == span.kind
                    || kind == span.document_kind
                    || kind == EntityKind::Organization)
        });
        let agreed = listed.is_some() || found_by_rules.contains(&(start, end));
        let common_on_headline = last == first + 1
            && (a.on_headline(first) || a.on_shouted_line(first))
            && is_common_word(&a.tok(first).to_lowercase());
        // on a line of tags, a piece of an item ("News" of "News Feed") is no name of its own
        let tag_piece = lines.is_tag_line(a, first) && !is_whole_item(a, first, last);
        if !agreed && (common_on_headline || tag_piece || span.confidence < MIN_MODEL_CONFIDENCE) {
            continue;
        }
        cands.push(match listed {
            Some(h) => {
                let entry = &GAZETTEER.entries[h.entry];
                Candidate {
                    kind: entry.kind,
                    start: h.start,
                    end: h.end,
                    role: None,
                    priority: Priority::Model,
                    canonical: Some(entry.canonical),
                }
            }
            None => Candidate {
                kind: span.kind,
                start,
                end,
                role: None,
                priority: Priority::Model,
                canonical: None,
            },
        });
    }
}

/// Where the title list matches in `text` (ASCII case-insensitively, anywhere).
fn title_matches(text: &str) -> Vec<(usize, usize)> {
    TITLE_AUTOMATON
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// List hits as the model's features read them: start, end and kind.
pub(crate) type ListedSpans = Vec<(usize, usize, EntityKind)>;

/// Each list hit's span and kind, as the model's features read them.
fn listed_spans(hits: &[ListHit]) -> ListedSpans {
    hits.iter()
        .map(|h| (h.start, h.end, GAZETTEER.entries[h.entry].kind))
        .collect()
}

/// What the model's features read from the lists in one document: the list hits with their
/// kinds and the title matches, as [`find_entities`] computes them.
pub(crate) fn model_lexicon(a: &Analysis) -> (ListedSpans, Vec<(usize, usize)>) {
    (listed_spans(&list_hits(a)), title_matches(a.text))
}

/// Below this confidence (see [`crate::ner::ModelSpan::confidence`]) a model span counts
/// only where a list or rule found the same span; chosen on CoNLL-2003 `eng.testa`.
const MIN_MODEL_CONFIDENCE: f32 = 0.1;

/// Title-case lines of at least this many words and no numbers are headlines and menus
/// ("Canada Weighs Post-War Troop Role In Ukraine As Security Guarantees Take Shape"), which a
/// model trained on newswire sentences reads badly; there only the lists and rules count.
const HEADLINE_MIN_WORDS: usize = 7;

/// Per line of a document: its words and whether it holds a number.
struct LineStats {
    words: Vec<usize>,
    has_number: Vec<bool>,
    /// Whether the line has punctuation other than separators ("-", "|").
    has_punctuation: Vec<bool>,
    /// Whether the line has punctuation other than commas.
    has_non_comma_punctuation: Vec<bool>,
    /// The line's commas.
    commas: Vec<usize>,
    /// The most words between two commas of the line (or its ends).
    longest_item: Vec<usize>,
    /// Whether the line starts in lower case or ends on a comma or connector.
    runs_on: Vec<bool>,
}

/// Lines of at most this many words, without numbers or punctuation, three or more in a row,
/// are a page menu ("Newsletters" / "All Newsletters Arrow right" / "Store"), where only the
/// lists and rules find names.
const MENU_MAX_WORDS: usize = 4;

/// A line of at least this many comma-separated items of at most [`TAG_MAX_WORDS`] words,
/// with no number and no other punctuation, that starts with a capital and does not run on
/// ("…, the", "…,": a hard-wrapped sentence) and sits next to a short bare line, is a list: of tags or section names ("News Feed,
/// Ukraine, Canada, Australia, Peacekeepers, security guarantees") or of names (a team). There
/// a model span counts as a whole item ("Roshan Mahanama"), not as a part of one ("News" of
/// "News Feed") unless a list or rule agrees.
const TAG_MIN_ITEMS: usize = 3;

/// The most words one item of a tag line has.
const TAG_MAX_WORDS: usize = 3;

impl LineStats {
    fn new(a: &Analysis) -> Self {
        let lines = a.tokens.last().map_or(0, |t| t.line + 1);
        let mut words = vec![0; lines];
        let mut has_number = vec![false; lines];
        let mut has_punctuation = vec![false; lines];
        let mut has_non_comma_punctuation = vec![false; lines];
        let mut commas = vec![0; lines];
        let mut longest_item = vec![0; lines];
        let mut item_words = 0;
        for (i, t) in a.tokens.iter().enumerate() {
            if i > 0 && a.tokens[i - 1].line != t.line {
                item_words = 0;
            }
            match t.kind {
                TokenKind::Word => {
                    words[t.line] += 1;
                    item_words += 1;
                    longest_item[t.line] = longest_item[t.line].max(item_words);
                }
                TokenKind::Number => has_number[t.line] = true,
                TokenKind::Punct => {
                    let punct = a.tok(i);
                    has_punctuation[t.line] |= !matches!(punct, "-" | "|");
                    if punct == "," {
                        commas[t.line] += 1;
                        item_words = 0;
                    } else {
                        has_non_comma_punctuation[t.line] = true;
                    }
                }
            }
        }
        // a line that ends on a comma or a connector runs on into the next: prose
        let mut runs_on = vec![false; lines];
        for (i, t) in a.tokens.iter().enumerate() {
            let line_end = i + 1 == a.tokens.len() || a.tokens[i + 1].line != t.line;
            if line_end {
                runs_on[t.line] = a.tok(i) == "," || CONNECTORS.contains(&a.tok(i));
            }
            if i == 0 || a.tokens[i - 1].line != t.line {
                runs_on[t.line] |= !a.is_capitalized(i);
            }
        }
        Self {
            words,
            has_number,
            has_punctuation,
            has_non_comma_punctuation,
            commas,
            longest_item,
            runs_on,
        }
    }

    /// Whether token `i` sits on a line of tags, section names or names: short
    /// comma-separated items and nothing else, not in capitals, next to a short bare line of
    /// page furniture ("Edit post") rather than inside hard-wrapped prose.
    fn is_tag_line(&self, a: &Analysis, i: usize) -> bool {
        let line = a.tokens[i].line;
        !a.on_shouted_line(i)
            && self.commas[line] + 1 >= TAG_MIN_ITEMS
            && self.longest_item[line] <= TAG_MAX_WORDS
            && !self.has_number[line]
            && !self.has_non_comma_punctuation[line]
            && !self.runs_on[line]
            && ((line > 0 && self.is_bare(line - 1))
                || (line + 1 < self.words.len() && self.is_bare(line + 1)))
    }

    /// Whether token `i` sits on a menu line: short, bare, not in capitals, between two short
    /// bare lines.
    fn is_menu_line(&self, a: &Analysis, i: usize) -> bool {
        let bare = |line: usize| self.is_bare(line);
        // capitals-only lines are wire headlines and sports tables, which the model knows
        let line = a.tokens[i].line;
        !a.on_shouted_line(i)
            && line > 0
            && line + 1 < self.words.len()
            && bare(line - 1)
            && bare(line)
            && bare(line + 1)
    }

    /// Whether a line is short and bare: a few words, no numbers, no punctuation.
    fn is_bare(&self, line: usize) -> bool {
        (1..=MENU_MAX_WORDS).contains(&self.words[line])
            && !self.has_number[line]
            && !self.has_punctuation[line]
    }

    /// Whether token `i` sits on a long title-case line without numbers.
    fn is_long_headline(&self, a: &Analysis, i: usize) -> bool {
        let line = a.tokens[i].line;
        a.on_headline(i)
            && !a.on_shouted_line(i)
            && self.words[line] >= HEADLINE_MIN_WORDS
            && !self.has_number[line]
    }
}

/// Whether tokens `first..last` are a whole item of a comma-separated line: "Roshan Mahanama"
/// in "Hashan Tillekeratne, Roshan Mahanama, Kumara Dharmasena", not "News" in "News Feed,
/// Ukraine".
fn is_whole_item(a: &Analysis, first: usize, last: usize) -> bool {
    let line = a.tokens[first].line;
    let opens = first == 0 || a.tokens[first - 1].line != line || a.tok(first - 1) == ",";
    let closes = last == a.tokens.len() || a.tokens[last].line != line || a.tok(last) == ",";
    opens && closes
}

/// Whether two words of tokens `first..last` touch with no space ("IndependentOleg").
fn is_glued(a: &Analysis, first: usize, last: usize) -> bool {
    (first + 1..last).any(|k| {
        a.tokens[k - 1].end == a.tokens[k].start
            && a.tokens[k - 1].kind == TokenKind::Word
            && a.tokens[k].kind == TokenKind::Word
    })
}

/// Drops month and weekday names from both ends ("Volodymyr Ivanyshyn March").
fn trim_dates(a: &Analysis, mut first: usize, mut last: usize) -> (usize, usize) {
    let is_date = |k: usize| {
        let w = a.tok(k).trim_end_matches('.');
        crate::lexicon::month_number(w).is_some() || crate::lexicon::weekday_number(w).is_some()
    };
    while first < last && is_date(first) {
        first += 1;
    }
    while last > first && is_date(last - 1) {
        last -= 1;
    }
    (first, last)
}

/// A span that is one word no name is ("AM", "The"), has no capitalized word, is an
/// identifier full of digits, or is a currency's country ("U.S. dollars").
fn never_a_name(a: &Analysis, first: usize, last: usize) -> bool {
    if !(first..last).any(|k| a.is_capitalized(k)) {
        return true;
    }
    let single = last == first + 1
        && (NON_NAME_WORDS.contains(a.tok(first)) || NON_ACRONYMS.contains(a.tok(first)));
    let identifier = (first..last).any(|k| a.tok(k).bytes().filter(u8::is_ascii_digit).count() > 3);
    let currency = a.text[a.tokens[last - 1].end..]
        .trim_start()
        .starts_with("dollar");
    // "Operation Unifier", "Exercise Cold Response": the name of a military operation
    let operation = first > 0 && matches!(a.tok(first - 1), "Operation" | "Exercise");
    single || identifier || currency || operation
}

/// "UN" inside "NP-UN" is part of another acronym.
fn in_hyphenated_acronym(text: &str, start: usize, end: usize) -> bool {
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    let glued_before = before.next() == Some('-') && before.next().is_some_and(char::is_uppercase);
    let glued_after = after.next() == Some('-') && after.next().is_some_and(char::is_uppercase);
    glued_before || glued_after
}

/// Finds the entity mentions of one document.
pub fn find_entities(a: &Analysis) -> Vec<Mention> {
    let text = a.text;
    let hits = list_hits(a);
    let hit_at: FxHashMap<usize, ListHit> = hits.iter().map(|h| (h.start, *h)).collect();
    let mut consumed = vec![false; a.tokens.len()];
    let mut cands: Vec<Candidate> = hits
        .iter()
        .map(|h| {
            let e = &GAZETTEER.entries[h.entry];
            Candidate {
                kind: e.kind,
                start: h.start,
                end: h.end,
                role: None,
                priority: Priority::List,
                canonical: Some(e.canonical),
            }
        })
        .collect();
    let titles = title_matches(text);
    titled_people(a, &titles, &hit_at, &mut consumed, &mut cands);
    capitalized_runs(a, &hit_at, &mut consumed, &mut cands);
    model_candidates(a, &hits, &titles, &mut cands);
    let mut kept = resolve_overlaps(cands);
    link_single_names(a, &mut kept);
    let bracketed = bracketed_given_names(a, &mut kept);
    appositive_roles(a, &mut kept);
    finish(text, kept, &bracketed)
}

/// When tokens `open..` are "(Given) Surname" (one capitalized word in brackets, then a name
/// word after a space), the surname's token.
fn bracketed_given_name_at(a: &Analysis, open: usize) -> Option<usize> {
    let (given, close, surname) = (open + 1, open + 2, open + 3);
    let bracketed = surname < a.tokens.len()
        && a.tok(open) == "("
        && a.tok(close) == ")"
        && a.tokens[open].end == a.tokens[given].start
        && a.tokens[given].end == a.tokens[close].start
        && a.only_spaces_between(a.tokens[close].end, a.tokens[surname].start)
        && a.tokens[close].end < a.tokens[surname].start;
    let names =
        || is_name_token(a, given) && !is_acronym(a.tok(given)) && is_name_token(a, surname);
    (bracketed && names()).then_some(surname)
}

/// "President (Petro) Poroshenko": a single capitalized word an editor put in brackets right
/// before a person's surname is that person's given name, whatever the model or the lists made
/// of it ("Petro" looks like "Petrobras"). Both mentions become the person, and the full name
/// each stands for is returned by the mentions' start offsets.
fn bracketed_given_names(a: &Analysis, kept: &mut Vec<Candidate>) -> FxHashMap<usize, String> {
    let mut full_names = FxHashMap::default();
    let mut added = Vec::new();
    for p in 0..kept.len() {
        let surname = a.token_containing(kept[p].start);
        let single_person = kept[p].kind == EntityKind::Person
            && a.tokens[surname].start == kept[p].start
            && a.tokens[surname].end == kept[p].end;
        if !single_person || surname < 3 {
            continue;
        }
        let given = surname - 2;
        if bracketed_given_name_at(a, given - 1) != Some(surname) {
            continue;
        }
        let (start, end) = (a.tokens[given].start, a.tokens[given].end);
        match kept.iter().position(|c| c.start < end && start < c.end) {
            Some(at) if kept[at].start == start && kept[at].end == end => {
                kept[at].kind = EntityKind::Person;
                kept[at].canonical = None;
            }
            Some(_) => continue,
            None => added.push(candidate(
                a,
                given,
                given + 1,
                EntityKind::Person,
                Priority::Rule,
            )),
        }
        let full = format!("{} {}", a.tok(given), a.tok(surname));
        full_names.insert(start, full.clone());
        full_names.insert(kept[p].start, full);
    }
    kept.extend(added);
    kept.sort_by_key(|c| c.start);
    full_names
}

/// Roles stated in an apposition: "Trump’s special envoy, Steve Witkoff" and "George Barros,
/// Russia team lead at the Institute for the Study of War,".
fn appositive_roles(a: &Analysis, kept: &mut [Candidate]) {
    let n = a.tokens.len();
    for c in kept
        .iter_mut()
        .filter(|c| c.kind == EntityKind::Person && c.role.is_none())
    {
        let first = a.token_containing(c.start);
        let after = a.token_at(c.end);
        // before: [Name’s] lowercase words "," NAME
        if first >= 3 && a.tok(first - 1) == "," {
            let mut k = first - 1;
            while k > 0
                && first - k <= 4
                && a.tokens[k - 1].kind == TokenKind::Word
                && !a.is_capitalized(k - 1)
            {
                k -= 1;
            }
            let words = first - 1 - k;
            if words >= 1
                && k >= 2
                && matches!(a.tok(k - 1), "’s" | "'s")
                && a.is_capitalized(k - 2)
            {
                c.role = Some((a.tokens[k - 2].start, a.tokens[first - 2].end));
                continue;
            }
        }
        // after: NAME "," a|an|the … "," — at most a dozen words, no verb-like "said"
        if after + 2 < n && a.tok(after) == "," {
            let starts = a.tok(after + 1);
            let second = a.tok(after + 2);
            let capitalized_head = a.is_capitalized(after + 1)
                && a.tokens[after + 2].kind == TokenKind::Word
                && !a.is_capitalized(after + 2)
                && !is_speech_verb(second)
                && !matches!(second, "and" | "or" | "who" | "which");
            let described = matches!(starts, "a" | "an" | "the")
                || capitalized_head
                || (a.tokens[after + 1].kind == TokenKind::Word
                    && !a.is_capitalized(after + 1)
                    && !is_speech_verb(starts)
                    && !starts.ends_with("ing")
                    && !starts.ends_with("ed")
                    && !matches!(
                        starts,
                        "who"
                            | "which"
                            | "can"
                            | "could"
                            | "will"
                            | "would"
                            | "is"
                            | "was"
                            | "are"
                            | "were"
                            | "has"
                            | "had"
                            | "have"
                            | "may"
                            | "might"
                            | "should"
                            | "must"
                            | "does"
                            | "did"
                            | "and"
                            | "or"
                            | "but"
                    ));
            if !described {
                continue;
            }
            let close = (after + 2..(after + 14).min(n))
                .find(|&j| matches!(a.tok(j), "," | "." | ";" | ")"));
            if let Some(j) = close.filter(|&j| a.tokens[j].line == a.tokens[after].line) {
                let span = after + 1..j;
                if span
                    .clone()
                    .any(|k| is_speech_verb(a.tok(k)) || a.tok(k) == "“" || a.tok(k) == "\"")
                {
                    continue;
                }
                c.role = Some((a.tokens[after + 1].start, a.tokens[j - 1].end));
            }
        }
    }
}

/// Whether token `i` can be part of a person's name.
fn is_name_token(a: &Analysis, i: usize) -> bool {
    let w = a.tok(i);
    a.is_capitalized(i)
        && !is_compound_modifier(w)
        && !NON_NAME_WORDS.contains(w)
        && !DEMONYM_SET.contains(w)
        && !w.chars().any(|c| c.is_ascii_digit())
}

/// "AI-powered", "Canada-led", "Post-war": a word glued to a common lowercase word is a
/// modifier, not a name ("Kabat-Zinn", "Byung-hun" stay names).
fn is_compound_modifier(w: &str) -> bool {
    w.split_once('-').is_some_and(|(_, rest)| {
        rest.starts_with(|c: char| c.is_lowercase()) && is_common_word(rest)
    })
}

/// Takes up to four name tokens from `i` on the same line, allowing particles inside.
fn take_name(a: &Analysis, i: usize) -> usize {
    let mut j = i;
    while j < a.tokens.len() && j - i < 5 {
        let joined = j == i || a.only_spaces_between(a.tokens[j - 1].end, a.tokens[j].start);
        if !joined {
            break;
        }
        if is_name_token(a, j) {
            j += 1;
        } else if j > i
            && NAME_PARTICLES.contains(&a.tok(j))
            && j + 1 < a.tokens.len()
            && is_name_token(a, j + 1)
        {
            j += 2;
        } else {
            break;
        }
    }
    j
}

/// "U.S. President Donald Trump", "Lt.-Gen. Steve Boivin": a title, then a name.
fn titled_people(
    a: &Analysis,
    titles: &[(usize, usize)],
    hit_at: &FxHashMap<usize, ListHit>,
    consumed: &mut [bool],
    cands: &mut Vec<Candidate>,
) {
    let text = a.text;
    for &(m_start, m_end) in titles {
        if !word_bounded(text, m_start, m_end) && !text[..m_end].ends_with('.') {
            continue;
        }
        if text[..m_start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let mut title_end = m_end;
        let mut first = a.token_at(title_end);
        if first >= a.tokens.len() || !a.only_spaces_between(title_end, a.tokens[first].start) {
            continue;
        }
        // "Shadow Minister for National Defence James Bezan": the title runs on to the name
        if matches!(a.tok(first), "for" | "of") {
            let run_start = first + 1;
            let mut run_end = run_start;
            while run_end < a.tokens.len()
                && a.is_capitalized(run_end)
                && a.only_spaces_between(a.tokens[run_end - 1].end, a.tokens[run_end].start)
            {
                run_end += 1;
            }
            if run_end < run_start + 3 {
                continue;
            }
            let name_start = (run_start + 1..run_end - 1)
                .find(|&k| FIRST_NAME_SET.contains(a.tok(k)))
                .unwrap_or(run_end - 2);
            title_end = a.tokens[name_start - 1].end;
            first = name_start;
        }
        // "President (Petro) Poroshenko": an editor's bracketed given name between title and
        // surname (see `bracketed_given_names`)
        if let Some(surname) = bracketed_given_name_at(a, first) {
            first = surname;
        }
        if let Some(h) = hit_at.get(&a.tokens[first].start) {
            if GAZETTEER.entries[h.entry].kind == EntityKind::Organization
                || GAZETTEER.entries[h.entry].surface.contains(' ')
            {
                continue;
            }
        }
        let end = take_name(a, first);
        if end == first {
            continue;
        }
        let last_word = a.tok(end - 1);
        if ORG_SUFFIXES.contains(last_word) {
            continue;
        }
        let title_first = a.token_containing(m_start);
        let role_start = extend_role_back(a, title_first, hit_at);
        for c in consumed.iter_mut().take(end).skip(role_start) {
            *c = true;
        }
        cands.push(Candidate {
            kind: EntityKind::Person,
            start: a.tokens[first].start,
            end: a.tokens[end - 1].end,
            role: Some((a.tokens[role_start].start.min(m_start), title_end)),
            priority: Priority::Titled,
            canonical: None,
        });
    }
}

/// Extends a role backwards over nationality adjectives and place names directly before the
/// title ("U.S. President", "Canadian Defense Minister").
fn extend_role_back(a: &Analysis, title_first: usize, hit_at: &FxHashMap<usize, ListHit>) -> usize {
    let mut start = title_first;
    while start > 0 {
        let prev = start - 1;
        if !a.only_spaces_between(a.tokens[prev].end, a.tokens[start].start) {
            break;
        }
        let w = a.tok(prev);
        let is_place = hit_at
            .get(&a.tokens[prev].start)
            .is_some_and(|h| h.end == a.tokens[prev].end);
        if DEMONYM_SET.contains(w) || is_place {
            start = prev;
        } else {
            break;
        }
    }
    start
}

fn is_connector(w: &str) -> bool {
    CONNECTORS.contains(&w)
}

/// After one or two connectors from token `k` ("of", "for the"), the capitalized word that
/// continues a name.
fn connected_word(a: &Analysis, k: usize) -> Option<usize> {
    let joined = |x: usize| {
        x < a.tokens.len() && a.only_spaces_between(a.tokens[x - 1].end, a.tokens[x].start)
    };
    let w = a.tok(k);
    if !(is_connector(w) || NAME_PARTICLES.contains(&w)) {
        return None;
    }
    if joined(k + 1) && a.is_capitalized(k + 1) {
        return Some(k + 1);
    }
    let two = joined(k + 1)
        && a.tok(k + 1) == "the"
        && w != "the"
        && joined(k + 2)
        && a.is_capitalized(k + 2);
    two.then_some(k + 2)
}

/// Sequences of capitalized words not already claimed by a titled person.
fn capitalized_runs(
    a: &Analysis,
    hit_at: &FxHashMap<usize, ListHit>,
    consumed: &mut [bool],
    cands: &mut Vec<Candidate>,
) {
    let n = a.tokens.len();
    let mut i = 0;
    while i < n {
        if consumed[i] || !a.is_capitalized(i) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < n && !consumed[end] {
            if !a.only_spaces_between(a.tokens[end - 1].end, a.tokens[end].start) {
                break;
            }
            let w = a.tok(end);
            if a.is_capitalized(end) && crate::lexicon::month_number(w).is_none() {
                end += 1;
            } else if let Some(next) = connected_word(a, end) {
                end = next + 1;
            } else {
                break;
            }
        }
        classify_run(a, i, end, hit_at, cands);
        i = end;
    }
}

fn classify_run(
    a: &Analysis,
    mut s: usize,
    e: usize,
    hit_at: &FxHashMap<usize, ListHit>,
    cands: &mut Vec<Candidate>,
) {
    // a listed name that starts the run ("The Kyiv Independent") keeps its leading word,
    // and so does a capitalized "The" inside a sentence
    let listed_at_start = hit_at.get(&a.tokens[s].start).copied();
    let keeps_the = |k: usize| a.tok(k) == "The" && !a.is_sentence_initial(k);
    while s < e && listed_at_start.is_none() && NON_NAME_WORDS.contains(a.tok(s)) && !keeps_the(s) {
        s += 1;
    }
    if s >= e || listed_at_start.is_some_and(|h| h.end >= a.tokens[e - 1].end) {
        return;
    }
    // "Federation of Teachers and Thomas Kennedy": "and" before a given name ends the name
    let e = (s + 1..e.saturating_sub(1))
        .find(|&k| a.tok(k) == "and" && FIRST_NAME_SET.contains(a.tok(k + 1)))
        .map_or(e, |k| {
            classify_run(a, k + 1, e, hit_at, cands);
            k
        });
    let has_connector = (s..e).any(|k| !a.is_capitalized(k));
    let headline = a.on_headline(s);
    if !headline && e - s >= 2 && e - s <= 9 {
        let first = a.tok(s);
        let last = a.tok(e - 1);
        let head_end = (s..e).find(|&k| !a.is_capitalized(k)).unwrap_or(e);
        let head = a.tok(head_end - 1);
        // "University of Exeter", "News Agency of Ukraine", "Institute for the Study of War"
        let prefix_org = has_connector
            && head_end > s
            && (ORG_PREFIXES.contains(first)
                || ORG_PREFIXES.contains(head)
                || ORG_SUFFIXES.contains(head));
        let suffix_org = ORG_SUFFIXES.contains(last) && !has_connector;
        if prefix_org || suffix_org {
            let s = if first == "The" && !keeps_the(s) || DEMONYM_SET.contains(first) && prefix_org
            {
                s + 1
            } else {
                s
            };
            cands.push(Candidate {
                kind: EntityKind::Organization,
                start: a.tokens[s].start,
                end: a.tokens[e - 1].end,
                role: None,
                priority: Priority::Rule,
                canonical: None,
            });
            return;
        }
    }
    // split at connectors and list hits; classify each remaining piece as a name
    let mut k = s;
    while k < e {
        if !a.is_capitalized(k) {
            k += 1;
            continue;
        }
        if let Some(h) = hit_at.get(&a.tokens[k].start) {
            let mut j = k;
            while j < e && a.tokens[j].end <= h.end {
                j += 1;
            }
            if j > k {
                k = j;
                continue;
            }
        }
        let mut j = k;
        while j < e && a.is_capitalized(j) && !hit_at.contains_key(&a.tokens[j].start) {
            j += 1;
        }
        if j == k {
            k += 1;
            continue;
        }
        name_piece(a, k, j, headline, cands);
        k = j;
    }
}

/// A run of capitalized words that no list knows: a person, an acronym, or nothing.
fn name_piece(a: &Analysis, mut s: usize, e: usize, headline: bool, cands: &mut Vec<Candidate>) {
    while s < e
        && (NON_NAME_WORDS.contains(a.tok(s))
            || DEMONYM_SET.contains(a.tok(s))
            || is_compound_modifier(a.tok(s)))
    {
        s += 1;
    }
    if s >= e || (s..e).any(|k| NON_NAME_WORDS.contains(a.tok(k)) || DEMONYM_SET.contains(a.tok(k)))
    {
        return;
    }
    // "NP-UN National Affairs Editor": a leading acronym is an organization of its own
    if e - s > 1 && is_acronym(a.tok(s)) && !a.tok(s + 1).chars().all(char::is_uppercase) {
        cands.push(candidate(
            a,
            s,
            s + 1,
            EntityKind::Organization,
            Priority::Rule,
        ));
        s += 1;
    }
    let len = e - s;
    let first = a.tok(s);
    if len == 1 {
        let label = a.text[a.tokens[s].end..].starts_with(':');
        if is_acronym(first) && !label && !a.on_shouted_line(s) {
            cands.push(candidate(a, s, e, EntityKind::Organization, Priority::Rule));
        }
        return;
    }
    if len > 4 || (s..e).any(|k| a.tok(k).chars().any(|c| c.is_ascii_digit())) {
        return;
    }
    let given_name = FIRST_NAME_SET.contains(first);
    let said_next = e < a.tokens.len() && is_speech_verb(a.tok(e));
    // shouted words ("UNIDENTIFIED PERSON", transcript labels) are not names
    if (s..e).all(|k| !a.tok(k).chars().any(char::is_lowercase)) {
        return;
    }
    let last = a.tok(e - 1);
    if ORG_SUFFIXES.contains(last) && !headline {
        cands.push(candidate(
            a,
            s,
            e,
            EntityKind::Organization,
            Priority::Guess,
        ));
        return;
    }
    let sentence = a.sentences[a.tokens[s].sentence];
    let sentence_words = (sentence.first..sentence.last)
        .filter(|&k| a.tokens[k].kind == TokenKind::Word)
        .count();
    let after_demonym = s > 0 && DEMONYM_SET.contains(a.tok(s - 1));
    let org_word =
        (s..e).any(|k| ORG_SUFFIXES.contains(a.tok(k)) || ORG_PREFIXES.contains(a.tok(k)));
    // "Rotten Tomatoes", "Park Seed": phrases of common words are not guessed to be names
    let wordy = is_common_word(last) || (s..e).all(|k| is_common_word(a.tok(k)));
    let plausible =
        !headline && len <= 3 && sentence_words >= 5 && !after_demonym && !org_word && !wordy;
    if given_name || said_next || plausible {
        let priority = if given_name || said_next {
            Priority::Rule
        } else {
            Priority::Guess
        };
        cands.push(candidate(a, s, e, EntityKind::Person, priority));
    }
}

fn candidate(a: &Analysis, s: usize, e: usize, kind: EntityKind, priority: Priority) -> Candidate {
    Candidate {
        kind,
        start: a.tokens[s].start,
        end: a.tokens[e - 1].end,
        role: None,
        priority,
        canonical: None,
    }
}

/// An all-caps word of 2–7 letters (hyphens and `&` allowed) that is not a common abbreviation.
fn is_acronym(w: &str) -> bool {
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    (2..=7).contains(&letters)
        && w.chars().all(|c| c.is_uppercase() || c == '-' || c == '&')
        && !NON_ACRONYMS.contains(w)
}

fn resolve_overlaps(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by(|x, y| {
        y.priority
            .cmp(&x.priority)
            .then((y.end - y.start).cmp(&(x.end - x.start)))
            .then(x.start.cmp(&y.start))
    });
    // kept spans by start, so an overlap check looks at two neighbours only
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
    for c in cands {
        if is_free(&taken, c.start, c.end) {
            taken.insert(c.start, c.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

/// Whether `[start, end)` overlaps none of the spans in `taken` (start → end, disjoint).
fn is_free(taken: &BTreeMap<usize, usize>, start: usize, end: usize) -> bool {
    let before_ok = taken
        .range(..=start)
        .next_back()
        .is_none_or(|(_, &e)| e <= start);
    let after_ok = taken.range(start..).next().is_none_or(|(&s, _)| s >= end);
    before_ok && after_ok
}

/// Where the distinct, non-empty `needles` occur in `text`, left to right and without overlaps:
/// at each step the occurrence that starts first, the longest of those (an Aho-Corasick
/// automaton's leftmost-longest matches). A document names a handful of people, so one
/// vectorized substring search per name costs far less than building an automaton for them.
fn leftmost_longest(text: &str, needles: &[&str]) -> Vec<(usize, usize)> {
    let haystack = text.as_bytes();
    let finders: Vec<memmem::Finder> = needles.iter().map(memmem::Finder::new).collect();
    // each needle's first occurrence at or after `from`
    let mut next: Vec<Option<usize>> = finders.iter().map(|f| f.find(haystack)).collect();
    let mut found = Vec::new();
    let mut from = 0;
    loop {
        for (finder, at) in finders.iter().zip(&mut next) {
            if at.is_some_and(|at| at < from) {
                *at = finder.find(&haystack[from..]).map(|at| at + from);
            }
        }
        let best = next
            .iter()
            .zip(needles)
            .filter_map(|(at, needle)| Some((at.as_ref()?, Reverse(needle.len()))))
            .min();
        let Some((&start, Reverse(len))) = best else {
            return found;
        };
        found.push((start, start + len));
        from = start + len;
    }
}

/// Links single capitalized words to a person already named in full in the document
/// ("Boivin" → "Steve Boivin"), and takes single words right before a speech verb as people.
fn link_single_names(a: &Analysis, kept: &mut Vec<Candidate>) {
    let text = a.text;
    // a full name found once is a name wherever it is written ("Author: Volodymyr Ivanyshyn")
    let mut full_names: Vec<&str> = kept
        .iter()
        .filter(|c| c.kind == EntityKind::Person)
        .map(|c| &text[c.start..c.end])
        .filter(|n| n.contains(' '))
        .collect();
    full_names.sort_unstable();
    full_names.dedup();
    let mut added = Vec::new();
    let mut taken: BTreeMap<usize, usize> = kept.iter().map(|k| (k.start, k.end)).collect();
    for (pos, end) in leftmost_longest(text, &full_names) {
        if word_bounded(text, pos, end) && is_free(&taken, pos, end) {
            taken.insert(pos, end);
            added.push(Candidate {
                kind: EntityKind::Person,
                start: pos,
                end,
                role: None,
                priority: Priority::Rule,
                canonical: None,
            });
        }
    }
    kept.append(&mut added);
    kept.sort_by_key(|c| c.start);
    // last names of people, and whether a rule (not a guess) found them
    let mut name_parts: FxHashMap<&str, bool> = FxHashMap::default();
    for c in kept.iter().filter(|c| c.kind == EntityKind::Person) {
        let name = &text[c.start..c.end];
        if let Some(last) = name.split(' ').next_back() {
            *name_parts.entry(last).or_default() |= c.priority > Priority::Guess;
        }
    }
    let mut ki = 0;
    for i in 0..a.tokens.len() {
        let t = a.tokens[i];
        while ki < kept.len() && kept[ki].end <= t.start {
            ki += 1;
        }
        if ki < kept.len() && kept[ki].start < t.end {
            continue;
        }
        if t.kind != TokenKind::Word || !a.is_capitalized(i) {
            continue;
        }
        let w = a.tok(i);
        if NON_NAME_WORDS.contains(w) || DEMONYM_SET.contains(w) {
            continue;
        }
        let initial = a.is_sentence_initial(i);
        let known = name_parts.get(w).is_some_and(|&strong| strong || !initial);
        let wordlike = w.ends_with("ing") || w.ends_with("ed") || w.ends_with("ly");
        let next_said =
            i + 1 < a.tokens.len() && is_speech_verb(a.tok(i + 1)) && !a.is_sentence_initial(i + 1);
        let prev_said = i > 0
            && is_inverting_verb(a.tok(i - 1))
            && i + 1 < a.tokens.len()
            && matches!(a.tok(i + 1), "." | "," | ";");
        // "Talks continued": a common word opening a sentence is not a speaker
        let common_opener = initial && is_common_word(w);
        let cued = (next_said || prev_said)
            && !wordlike
            && !is_acronym(w)
            && !a.on_headline(i)
            && !common_opener;
        if known || cued {
            added.push(candidate(a, i, i + 1, EntityKind::Person, Priority::Guess));
        } else if let Some(kind) = lone_name_kind(a, i) {
            added.push(candidate(a, i, i + 1, kind, Priority::Guess));
        }
    }
    kept.extend(added);
    kept.sort_by_key(|c| c.start);
}

/// A lone capitalized word inside a sentence that no list knows and that is no common English
/// word, after "in"/"from"/"near", is a place ("in Dagestan").
fn lone_name_kind(a: &Analysis, i: usize) -> Option<EntityKind> {
    let w = a.tok(i);
    let plain = w.chars().count() >= 3
        && w.chars().all(char::is_alphabetic)
        && w.chars().skip(1).any(char::is_lowercase)
        && !a.is_sentence_initial(i)
        && !a.on_headline(i)
        && !is_common_word(w)
        && !FIRST_NAME_SET.contains(w);
    if !plain {
        return None;
    }
    // a capitalized neighbour makes it part of a phrase the run rules declined
    let capitalized_neighbour = (i > 0 && a.is_capitalized(i - 1) && !a.is_sentence_initial(i - 1))
        || (i + 1 < a.tokens.len() && a.is_capitalized(i + 1));
    if capitalized_neighbour {
        return None;
    }
    // "Zambian", "Buddhist": adjectives of peoples and faiths
    let adjective = ["ian", "ese", "ish", "ist", "ic", "an"]
        .iter()
        .any(|x| w.ends_with(x));
    let prev = if i > 0 { a.tok(i - 1) } else { "" };
    let possessed = i + 1 < a.tokens.len() && matches!(a.tok(i + 1), "’s" | "'s");
    let place_cue = matches!(prev, "in" | "from" | "near" | "across" | "throughout") && !possessed;
    // a person needs more evidence than a capital letter (products, drugs, brands look the
    // same): only the place cue is trusted
    (place_cue && !adjective).then_some(EntityKind::Place)
}

/// Fills each mention's in-document canonical form: the longest person name sharing its last
/// word, or the list's canonical name. `bracketed` holds the full names that bracketed given
/// names complete, by mention start.
fn finish(text: &str, kept: Vec<Candidate>, bracketed: &FxHashMap<usize, String>) -> Vec<Mention> {
    // Each name on one line: a hard-wrapped name's newline is the space it stands for. A
    // person's name is its bracketed full name where the text gives one.
    let written: Vec<Cow<str>> = kept
        .iter()
        .map(|c| match (c.kind, bracketed.get(&c.start)) {
            (EntityKind::Person, Some(full)) => one_line(full),
            _ => one_line(&text[c.start..c.end]),
        })
        .collect();
    let mut fullest: FxHashMap<&str, &str> = FxHashMap::default();
    for (c, name) in kept.iter().zip(&written) {
        if c.kind != EntityKind::Person {
            continue;
        }
        let last = name.rsplit(' ').next().unwrap_or(name);
        let entry = fullest.entry(last).or_insert(name);
        if name.len() > entry.len() {
            *entry = name;
        }
    }
    kept.iter()
        .zip(&written)
        .map(|(c, written)| {
            let local_canonical = match (c.kind, c.canonical) {
                (_, Some(canonical)) => canonical
                    .strip_prefix("The ")
                    .unwrap_or(canonical)
                    .to_string(),
                (EntityKind::Person, None) => {
                    let last = written.rsplit(' ').next().unwrap_or(written);
                    fullest.get(last).copied().unwrap_or(written).to_string()
                }
                _ => written.strip_prefix("The ").unwrap_or(written).to_string(),
            };
            Mention {
                kind: c.kind,
                start: c.start,
                end: c.end,
                role: c.role,
                local_canonical,
            }
        })
        .collect()
}

/// `name` on one line: where a name is hard-wrapped across lines, the newline and the white
/// space around it read as one space.
fn one_line(name: &str) -> Cow<'_, str> {
    if name.contains('\n') {
        Cow::Owned(name.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ents(text: &str) -> Vec<(EntityKind, String, Option<String>, String)> {
        let a = Analysis::new(text);
        find_entities(&a)
            .into_iter()
            .map(|m| {
                (
                    m.kind,
                    text[m.start..m.end].to_string(),
                    m.role.map(|(s, e)| text[s..e].to_string()),
                    m.local_canonical,
                )
            })
            .collect()
    }

    #[test]
    fn full_names_are_found_as_an_automaton_finds_them() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let cases: &[(&str, &[&str])] = &[
            (
                "Anna Lee Smith met Anna Lee, then Lee Smith and Anna Lee Smithson.",
                &["Anna Lee", "Anna Lee Smith", "Lee Smith"],
            ),
            ("Ana Ana Ana Banana", &["Ana Ana", "Ana Banana"]),
            (
                "José Núñez and José Núñez Ruiz",
                &["José Núñez", "Núñez Ruiz"],
            ),
            ("no one here", &["Keir Starmer"]),
            ("", &["Keir Starmer"]),
            ("Keir Starmer", &[]),
        ];
        for &(text, names) in cases {
            let automaton = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(names)
                .unwrap();
            let expected: Vec<(usize, usize)> = automaton
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(leftmost_longest(text, names), expected, "{text}");
        }
        assert_eq!(
            leftmost_longest(
                "Anna Lee Smith met Anna Lee",
                &["Anna Lee", "Anna Lee Smith"]
            ),
            [(0, 14), (19, 27)]
        );
    }

    #[test]
    fn names_wrapped_across_lines_are_found_whole() {
        let wrapped = "Shares of Acme Holdings rose on Tuesday\n\
            after the company said its chairman, Paul\n\
            Whitcombe, would step down in June. The\n\
            board named the finance director, Anna\n\
            Kowalczyk, to succeed him.";
        let people = ents(wrapped)
            .into_iter()
            .filter(|e| e.0 == EntityKind::Person)
            .map(|e| (e.1, e.3))
            .collect::<Vec<_>>();
        assert_eq!(
            people,
            [
                ("Paul\nWhitcombe".to_string(), "Paul Whitcombe".to_string()),
                ("Anna\nKowalczyk".to_string(), "Anna Kowalczyk".to_string())
            ]
        );
        // white space left at a line's end is not part of the name
        let trailing = wrapped.replace("Paul\n", "Paul \n");
        assert!(ents(&trailing)
            .iter()
            .any(|e| e.0 == EntityKind::Person && e.3 == "Paul Whitcombe"));
        // the same story with its lines unwrapped finds the same spans and kinds
        let spans = |text: &str| {
            let a = Analysis::new(text);
            find_entities(&a)
                .into_iter()
                .map(|m| (m.kind, m.start, m.end))
                .collect::<Vec<_>>()
        };
        assert_eq!(spans(wrapped), spans(&wrapped.replace('\n', " ")));
    }

    #[test]
    fn windows_line_ends_wrap_names_as_newlines_do() {
        // wrapped greedily at 41 columns
        let wrapped = "On Tuesday the prime minister Viktor\n\
            Chernomyrdin met the Yugoslav president,\n\
            Slobodan Milosevic, in Belgrade, and the\n\
            two leaders spoke of trade with the\n\
            Panamanian Boxing Association and the Guy\n\
            Hellers foundation.";
        let names = |text: &str| {
            ents(text)
                .into_iter()
                .map(|e| (e.0, e.3))
                .collect::<Vec<_>>()
        };
        let found = names(wrapped);
        assert!(found.contains(&(EntityKind::Person, "Viktor Chernomyrdin".to_string())));
        assert_eq!(names(&wrapped.replace('\n', "\r\n")), found);
    }

    fn names(text: &str, kind: EntityKind) -> Vec<String> {
        ents(text)
            .into_iter()
            .filter(|e| e.0 == kind)
            .map(|e| e.1)
            .collect()
    }

    #[test]
    fn a_page_menu_gives_the_model_no_names_but_capitals_tables_still_do() {
        let menu = "Newsletters\nAll Newsletters Arrow right\nStore\nShop Now Arrow right\n\
                    Learn more Arrow right\n\nDefence Minister David McGuinty spoke on Monday.";
        let found = ents(menu);
        let menu_end = menu.find("\n\n").unwrap();
        let in_menu: Vec<_> = found
            .iter()
            .filter(|e| menu.find(e.1.as_str()).unwrap() < menu_end)
            .collect();
        assert!(in_menu.is_empty(), "{in_menu:?}");
        assert!(found.iter().any(|e| e.1 == "David McGuinty"));
        let table = "MINNESOTA AT MILWAUKEE\nBOSTON AT OAKLAND\nCLEVELAND AT TEXAS";
        assert!(names(table, EntityKind::Place).contains(&"OAKLAND".to_string()));
    }

    #[test]
    fn a_military_operation_is_no_place_or_person() {
        let text = "Ukrainian troops were trained as part of Operation Unifier in Canada.";
        assert!(
            ents(text).iter().all(|e| !e.1.contains("Unifier")),
            "{:?}",
            ents(text)
        );
        assert!(names(text, EntityKind::Place).contains(&"Canada".to_string()));
    }

    #[test]
    fn title_goes_to_role_not_span() {
        let e = ents("Talks followed a call by U.S. President Donald Trump on Monday.");
        let person = e.iter().find(|e| e.0 == EntityKind::Person).unwrap();
        assert_eq!(person.1, "Donald Trump");
        assert_eq!(person.2.as_deref(), Some("U.S. President"));
        assert!(e
            .iter()
            .any(|e| e.0 == EntityKind::Place && e.1 == "U.S." && e.3 == "United States"));
    }

    #[test]
    fn dotted_military_titles() {
        let e = ents("according to Lt.-Gen. Steve Boivin, who leads operations.");
        assert_eq!(e[0].1, "Steve Boivin");
        assert_eq!(e[0].2.as_deref(), Some("Lt.-Gen."));
    }

    #[test]
    fn surname_at_sentence_start_links_to_full_name() {
        let e = ents(
            "Defence Minister Harjit Sajjan spoke.\nSajjan’s plan was praised. Sajjan said no.",
        );
        let sajjan: Vec<_> = e.iter().filter(|e| e.1 == "Sajjan").collect();
        assert_eq!(sajjan.len(), 2);
        assert!(sajjan
            .iter()
            .all(|e| e.3 == "Harjit Sajjan" && e.0 == EntityKind::Person));
    }

    #[test]
    fn possessives_stay_out_of_the_span() {
        let text = "Defence Minister Bill Blair spoke.\nBlair's comments on Ukraine’s sovereignty echo Blair’s own words.";
        let e = ents(text);
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.0, e.1.as_str(), e.3.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (EntityKind::Person, "Bill Blair", "Bill Blair"),
                (EntityKind::Person, "Blair", "Bill Blair"),
                (EntityKind::Place, "Ukraine", "Ukraine"),
                (EntityKind::Person, "Blair", "Bill Blair"),
            ]
        );
    }

    #[test]
    fn roles_stated_in_apposition() {
        let e = ents(
            "Trump’s special envoy, Steve Witkoff, dismissed it. The Kyiv Independent spoke to \
             George Barros, Russia team lead at the Institute for the Study of War, on Monday.",
        );
        let roles: Vec<_> = e
            .iter()
            .filter(|e| e.0 == EntityKind::Person && e.2.is_some())
            .map(|e| (e.1.as_str(), e.2.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            roles,
            [
                ("Steve Witkoff", "Trump’s special envoy"),
                (
                    "George Barros",
                    "Russia team lead at the Institute for the Study of War"
                )
            ]
        );
    }

    #[test]
    fn unlisted_places_after_a_preposition() {
        let e = ents("Talks continued in Makhachkala while rebels fled from Grozny-Sud, as in Dukaj’s novels.");
        let got: Vec<_> = e
            .iter()
            .filter(|e| e.0 == EntityKind::Place)
            .map(|e| (e.0, e.1.as_str()))
            .collect();
        // the model also takes the district "Grozny-Sud" (the rule alone would not); "Dukaj’s
        // novels" names an author's books, no place
        assert_eq!(
            got,
            [
                (EntityKind::Place, "Makhachkala"),
                (EntityKind::Place, "Grozny-Sud")
            ]
        );
    }

    #[test]
    fn organizations_by_head_word() {
        let text =
            "said Benjamin Jensen of the Center for Strategic and International Studies and a \
                    professor at the University of Exeter’s institute, CBC News reported.";
        let orgs = names(text, EntityKind::Organization);
        assert!(orgs.contains(&"Center for Strategic and International Studies".to_string()));
        assert!(orgs.contains(&"University of Exeter".to_string()));
        assert!(orgs.contains(&"CBC News".to_string()));
        assert!(!names(text, EntityKind::Place).contains(&"Exeter".to_string()));
    }

    #[test]
    fn sentence_initial_words_months_and_days_are_not_names() {
        let text =
            "The talks began on Monday. Despite that, March was calm. However Canada waited.";
        let e = ents(text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].1, "Canada");
    }

    #[test]
    fn on_a_line_of_tags_the_model_names_only_whole_items() {
        let text = "Edit post\nNews Feed, Ukraine, Canada, Australia, security guarantees\n\n\
                    The Kyiv Independent spoke to George Barros on Monday.";
        let found = ents(text);
        let tags_end = text.find("\n\n").unwrap();
        let in_tags: Vec<&str> = found
            .iter()
            .filter(|e| text.find(e.1.as_str()).unwrap() < tags_end)
            .map(|e| e.1.as_str())
            .collect();
        assert_eq!(in_tags, ["Ukraine", "Canada", "Australia"]);
        assert!(found.iter().any(|e| e.1 == "George Barros"), "{found:?}");
        let is_tag_line = |line: &str| {
            let a = Analysis::new(line);
            LineStats::new(&a).is_tag_line(&a, 0)
        };
        assert!(is_tag_line("Politics, Elections, White House\nEdit post"));
        assert!(!is_tag_line(
            "In Woodbridge, N.J., Supermarkets General\nsaid it would sell."
        ));
        // a sentence that lists names, a line of capitals, a list of long items: no tag lines
        assert!(!is_tag_line(
            "Officials from Gazprom, Siemens and Allianz met in Berlin."
        ));
        assert!(!is_tag_line("POLITICS, ELECTIONS, WHITE HOUSE"));
        assert!(!is_tag_line(
            "Officials from Gazprom met, Siemens said, Allianz agreed"
        ));
        // hard-wrapped prose
        assert!(!is_tag_line("Tennessee, Kentucky, Missouri, Mississippi,"));
        assert!(!is_tag_line("Texas, Ohio, Iowa and"));
        assert!(!is_tag_line("outlets - State Street, Randhurst, Harlem"));
        // a list of names keeps the model's whole items
        let team =
            Analysis::new("Hashan Tillekeratne , Roshan Mahanama , Kumara Dharmasena\nSri Lanka");
        assert!(LineStats::new(&team).is_tag_line(&team, 0));
        assert!(is_whole_item(&team, 3, 5));
        let tags = Analysis::new("News Feed, Ukraine, Canada");
        assert!(!is_whole_item(&tags, 0, 1));
        assert!(is_whole_item(&tags, 0, 2) && is_whole_item(&tags, 5, 6));
    }

    #[test]
    fn a_given_name_an_editor_bracketed_belongs_to_the_person() {
        let text = "“We talked with (Ukrainian) President (Petro) Poroshenko when he came,” \
                    Sajjan said.";
        let found = ents(text);
        let got: Vec<_> = found
            .iter()
            .map(|e| (e.0, e.1.as_str(), e.2.as_deref(), e.3.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (EntityKind::Person, "Petro", None, "Petro Poroshenko"),
                (
                    EntityKind::Person,
                    "Poroshenko",
                    Some("President"),
                    "Petro Poroshenko"
                ),
                (EntityKind::Person, "Sajjan", None, "Sajjan"),
            ]
        );
        // a bracketed word that is no given name before a name stays what it was
        let e = ents("The deal was signed by (then) Premier Li Keqiang in Beijing.");
        assert!(e.iter().all(|e| e.1 != "then"), "{e:?}");
        // a text that ends inside the brackets
        for text in [
            "He met President (",
            "He met President (Petro",
            "President (Petro)",
        ] {
            ents(text);
        }
    }

    #[test]
    fn nationality_adjectives_are_not_places() {
        let e = ents("Ukrainian forces and Russian troops met British officials.");
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn headline_case_lines_only_trust_the_lists() {
        let e = ents(
            "Canada Weighs Post-War Troop Role In Ukraine As Security Guarantees Take Shape\n",
        );
        let got: Vec<_> = e.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(got, ["Canada", "Ukraine"]);
    }

    #[test]
    fn names_in_lines_of_capitals_come_from_the_lists() {
        let e =
            ents("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .\nLONDON 1996-08-30\n");
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.0, e.1.as_str(), e.3.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (EntityKind::Place, "JAPAN", "Japan"),
                (EntityKind::Place, "CHINA", "China"),
                (EntityKind::Place, "LONDON", "London")
            ]
        );
    }

    #[test]
    fn the_model_finds_an_unlisted_organization_in_prose_and_in_tokenized_text() {
        // "Bundesbank" is in no list; "Gazprom" is
        for text in [
            "The Bundesbank left rates unchanged on Thursday, a spokesman for Gazprom said.",
            "The Bundesbank left rates unchanged on Thursday , a spokesman for Gazprom said .",
        ] {
            let orgs = names(text, EntityKind::Organization);
            assert_eq!(orgs, ["Bundesbank", "Gazprom"], "{text}");
        }
    }

    #[test]
    fn acronyms_are_organizations_but_not_common_abbreviations() {
        let orgs = names(
            "The NP-UN editor said GDP rose 2 percent.",
            EntityKind::Organization,
        );
        assert_eq!(orgs, ["NP-UN"]);
    }
}
