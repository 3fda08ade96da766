//! Direct quotes (straight and typographic marks, quotes running over paragraphs, quotes a bad
//! copy left unclosed) and indirect ones ("Boivin said that …"), each with its source — the
//! mention the attribution names: "said Boivin", "he added", "the spokeswoman wrote",
//! "according to the report", or the quote it continues — and the speaker that source stands
//! for: a pronoun resolved to a person named before it, a description to a person named with
//! that role.

use newspipe_core::EntityKind;

use crate::entities::Mention;
use crate::lexicon::{
    is_addressed_verb, is_clause_cue_verb, is_inverting_verb, is_speech_verb, weekday_number,
    FEMALE_NAME_SET, FIRST_NAME_SET,
};
use crate::text::{Analysis, TokenKind};

/// A quote found in one document; the speaker is an index into the document's mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteFound {
    /// Byte offset of the quoted words (marks excluded).
    pub start: usize,
    /// End byte offset of the quoted words.
    pub end: usize,
    /// Whether it was in quotation marks.
    pub direct: bool,
    /// Byte span of the mention the attribution names ("he", "the spokeswoman", "Blair").
    pub source: Option<(usize, usize)>,
    /// The person or organization mention the source stands for, when resolved.
    pub speaker: Option<usize>,
}

/// A quoted span before attribution.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Byte offset of the opening mark.
    open: usize,
    /// Byte offset just after the closing mark (or the trimmed paragraph end).
    close: usize,
    /// The words inside.
    start: usize,
    end: usize,
    /// Ended at a paragraph break without a closing mark.
    unclosed: bool,
}

fn is_open_mark(c: char) -> bool {
    matches!(c, '“' | '«' | '„')
}

fn is_close_mark(c: char) -> bool {
    matches!(c, '”' | '»')
}

/// Pairs quotation marks paragraph by paragraph (a newline that only wraps a line of
/// hard-wrapped prose is a space).
fn segments(a: &Analysis) -> Vec<Segment> {
    let text = a.text;
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let mut prev = ' ';
    let finish = |out: &mut Vec<Segment>,
                  open_at: usize,
                  mark: char,
                  end_mark: usize,
                  close: usize,
                  unclosed: bool| {
        let inner_start = open_at + mark.len_utf8();
        let inner = &text[inner_start..end_mark];
        let lead = inner.len() - inner.trim_start().len();
        let trimmed = inner.trim();
        if !trimmed.is_empty() {
            out.push(Segment {
                open: open_at,
                close,
                start: inner_start + lead,
                end: inner_start + lead + trimmed.len(),
                unclosed,
            });
        }
    };
    for (pos, c) in text.char_indices() {
        match (open, c) {
            (Some((at, mark)), '\n') if !a.wraps_at(pos) => {
                finish(&mut out, at, mark, pos, pos, true);
                open = None;
            }
            (Some((at, mark)), c) if is_close_mark(c) || c == '"' => {
                finish(&mut out, at, mark, pos, pos + c.len_utf8(), false);
                open = None;
            }
            (Some((at, mark)), c) if is_open_mark(c) => {
                let next = text[pos + c.len_utf8()..].chars().next();
                let opens_words =
                    next.is_some_and(|n| n.is_uppercase() || n.is_ascii_digit() || n == '.');
                if prev.is_whitespace() && opens_words {
                    // a new quote opens: the old one was never closed
                    finish(&mut out, at, mark, pos, pos, true);
                    open = Some((pos, c));
                } else {
                    // a left mark used as the closing mark by a bad copy
                    finish(&mut out, at, mark, pos, pos + c.len_utf8(), false);
                    open = None;
                }
            }
            (None, c) if is_open_mark(c) => open = Some((pos, c)),
            (None, '"') => {
                // an opening straight quote starts words, or stands apart (` " We will ... , " `)
                let next = text[pos + 1..].chars().next();
                if next.is_some_and(|n| !n.is_whitespace()) || prev.is_whitespace() {
                    open = Some((pos, '"'));
                }
            }
            _ => {}
        }
        prev = c;
    }
    if let Some((at, mark)) = open {
        finish(&mut out, at, mark, text.len(), text.len(), true);
    }
    out
}

const ATTRIBUTIVE_FOLLOWERS: &[&str] = &[
    "for", "about", "to", "of", "in", "on", "at", "with", "and", "or", "but", "that", "which",
    "as", "from", "by", "is", "was", "are", "were", "has", "have", "had", "will", "would", "could",
    "can", "may", "than", "if", "when", "while", "because", "since", "after", "before", "he",
    "she", "they", "it", "we", "i", "without", "into",
];

/// Scare quotes and quoted names ("coalition of the willing" peacekeeping mission, “News
/// Agency of Ukraine”) are not speech.
fn is_quoted_term(a: &Analysis, seg: &Segment, sentence_has_cue: bool) -> bool {
    let inner = &a.text[seg.start..seg.end];
    let words: Vec<&str> = inner.split_whitespace().collect();
    if seg.unclosed {
        return false;
    }
    let ends_sentence = inner.ends_with(['.', '!', '?', ',']);
    let title_case = words.iter().all(|w| {
        w.starts_with(|c: char| c.is_uppercase())
            || matches!(*w, "of" | "for" | "the" | "and" | "on")
    });
    if title_case && !ends_sentence && words.len() >= 2 {
        return true;
    }
    // a quoted headline or work title: nearly every longer word capitalized
    let long: Vec<&&str> = words.iter().filter(|w| w.chars().count() >= 4).collect();
    let capitalized = long
        .iter()
        .filter(|w| w.starts_with(|c: char| c.is_uppercase()))
        .count();
    if long.len() >= 3 && capitalized * 5 >= long.len() * 4 {
        return true;
    }
    if words.len() > 6 {
        return false;
    }
    let next_word = a.text[seg.close..]
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .find(|w| !w.is_empty());
    let glued = a.text[seg.close..].starts_with(' ');
    let attributive = glued
        && next_word.is_some_and(|w| {
            w.starts_with(|c: char| c.is_lowercase())
                && !ATTRIBUTIVE_FOLLOWERS.contains(&w)
                && !is_inverting_verb(w)
        });
    (attributive && !ends_sentence) || (words.len() <= 3 && !sentence_has_cue && !ends_sentence)
}

/// Finds direct and indirect quotes, the mention each attribution names and the speaker it
/// stands for, among `mentions` (sorted by start).
pub fn find_quotes(a: &Analysis, mentions: &[Mention]) -> Vec<QuoteFound> {
    let segs = segments(a);
    let people: Vec<usize> = mentions
        .iter()
        .enumerate()
        .filter(|(_, m)| m.kind == EntityKind::Person)
        .map(|(i, _)| i)
        .collect();
    let ctx = Context {
        a,
        mentions,
        people: &people,
        segs: &segs,
    };
    let mut kept: Vec<Segment> = Vec::new();
    for seg in &segs {
        let sentence_has_cue = ctx.sentence_has_cue(seg.open);
        if is_quoted_term(a, seg, sentence_has_cue) {
            continue;
        }
        kept.push(*seg);
    }
    // attributions from each segment's own cue
    let mut attributions: Vec<Option<Attribution>> =
        kept.iter().map(|s| ctx.own_attribution(s)).collect();
    // a quote continued over paragraphs shares its attribution
    for k in 1..kept.len() {
        if kept[k - 1].unclosed
            && attributions[k].is_none()
            && continues(a.text, &kept[k - 1], &kept[k])
        {
            attributions[k] = attributions[k - 1];
        }
    }
    for k in (0..kept.len().saturating_sub(1)).rev() {
        if kept[k].unclosed
            && attributions[k].is_none()
            && continues(a.text, &kept[k], &kept[k + 1])
        {
            attributions[k] = attributions[k + 1];
        }
    }
    // in a sequence of quotes, a pronoun source stands for the previous quote's speaker when
    // no one else who fits was named in between
    for k in 1..kept.len() {
        let (Some(previous), Some(current)) = (attributions[k - 1], attributions[k]) else {
            continue;
        };
        let (Some(gender), Some(speaker)) = (current.pronoun, previous.speaker) else {
            continue;
        };
        let fits =
            |p: usize| self::fits(gender, ctx.gender(p)) && mentions[p].kind == EntityKind::Person;
        let other_between = ctx
            .people_between(kept[k - 1].close, current.source.0)
            .iter()
            .any(|&p| {
                fits(p)
                    && mentions[p].local_canonical != mentions[speaker].local_canonical
                    && !ctx.inside_quote(mentions[p].start)
            });
        if fits(speaker) && !other_between {
            attributions[k] = Some(Attribution {
                speaker: Some(speaker),
                ..current
            });
        }
    }
    // otherwise the previous quote's attribution, if no one else was named in between
    for k in 1..kept.len() {
        if attributions[k].is_none() {
            let previous = attributions[k - 1]
                .and_then(|p| p.speaker)
                .map(|p| mentions[p].local_canonical.as_str());
            let between_named = ctx
                .people_between(kept[k - 1].close, kept[k].open)
                .iter()
                .any(|&p| {
                    let m = &mentions[p];
                    m.end <= kept[k].open && Some(m.local_canonical.as_str()) != previous
                });
            let close = a.line_breaks_between(kept[k - 1].close, kept[k].open) <= 4;
            if !between_named && close {
                attributions[k] = attributions[k - 1];
            }
        }
    }
    let mut out: Vec<QuoteFound> = kept
        .iter()
        .zip(attributions)
        .map(|(seg, attribution)| QuoteFound {
            start: seg.start,
            end: seg.end,
            direct: true,
            source: attribution.map(|at| at.source),
            speaker: attribution.and_then(|at| at.speaker),
        })
        .collect();
    out.extend(indirect_quotes(&ctx, &kept));
    out.sort_by_key(|q| q.start);
    out
}

/// Whether `next` continues `prev` in the next paragraph.
fn continues(text: &str, prev: &Segment, next: &Segment) -> bool {
    let gap = &text[prev.close..next.open];
    gap.trim().is_empty() && gap.contains('\n')
}

struct Context<'a, 't> {
    a: &'a Analysis<'t>,
    mentions: &'a [Mention],
    people: &'a [usize],
    segs: &'a [Segment],
}

/// Pronouns that can be the source of a quote; only "he" and "she" are resolved to a person.
const SOURCE_PRONOUNS: &[&str] = &["he", "she", "He", "She", "they", "They"];

/// What a pronoun or a given name tells about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Female,
    Male,
    /// "they": anyone.
    Any,
}

/// Whether a person of gender `known` (when a name or title tells it) can be meant by a
/// pronoun asking for `wanted`.
fn fits(wanted: Gender, known: Option<Gender>) -> bool {
    match (wanted, known) {
        (Gender::Any, _) | (_, None) => true,
        (w, Some(g)) => w == g,
    }
}

/// The gender a source pronoun asks for.
fn pronoun_gender(word: &str) -> Gender {
    match word {
        "she" | "She" => Gender::Female,
        "he" | "He" => Gender::Male,
        _ => Gender::Any,
    }
}

/// Where a quote's attribution points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Attribution {
    /// Byte span of the mention the attribution names: "he", "the spokeswoman", "Blair".
    source: (usize, usize),
    /// The person or organization mention that source stands for, when it is known.
    speaker: Option<usize>,
    /// For a pronoun source, the gender it asks for.
    pronoun: Option<Gender>,
}

/// Words that can start a noun phrase standing for the speaker ("the senator said", "said one
/// senior official").
const NOMINAL_STARTS: &[&str] = &[
    "the", "a", "an", "his", "her", "its", "their", "one", "two", "three", "another", "some",
    "several", "many", "other", "The", "A", "An", "His", "Her", "Its", "Their", "One", "Two",
    "Three", "Another", "Some", "Several", "Many", "Other",
];

/// Words that end a noun phrase after a cue verb ("said the senator in an interview").
const PHRASE_BREAKS: &[&str] = &[
    "in", "on", "at", "during", "who", "which", "that", "after", "before", "to", "from", "with",
    "when", "while", "as", "of", "and", "but", "for", "about", "via", "by", "last", "this",
    "earlier", "later", "recently", "is", "was", "are", "were", "be", "been", "being",
];

/// Longest noun phrase taken as a source, in tokens.
const MAX_SOURCE_TOKENS: usize = 10;

impl Context<'_, '_> {
    fn inside_quote(&self, pos: usize) -> bool {
        let k = self.segs.partition_point(|s| s.start <= pos);
        k > 0 && pos < self.segs[k - 1].end
    }

    /// People whose mention starts in `[from, to)`, in order.
    fn people_between(&self, from: usize, to: usize) -> &[usize] {
        let lo = self
            .people
            .partition_point(|&p| self.mentions[p].start < from);
        let hi = self
            .people
            .partition_point(|&p| self.mentions[p].start < to);
        &self.people[lo..hi.max(lo)]
    }

    /// A mention of any kind ending at `end`.
    fn agent_ending_at(&self, end: usize) -> Option<usize> {
        let k = self.mentions.partition_point(|m| m.end < end);
        self.mentions.get(k).filter(|m| m.end == end).map(|_| k)
    }

    /// The first mention starting in `[from, to)`.
    fn agent_between(&self, from: usize, to: usize) -> Option<usize> {
        let k = self.mentions.partition_point(|m| m.start < from);
        self.mentions.get(k).filter(|m| m.start < to).map(|_| k)
    }

    /// Byte span of tokens `first..last`.
    fn span(&self, first: usize, last: usize) -> (usize, usize) {
        (self.a.tokens[first].start, self.a.tokens[last - 1].end)
    }

    /// The attribution of a named mention.
    fn named(&self, p: usize) -> Attribution {
        let m = &self.mentions[p];
        Attribution {
            source: (m.start, m.end),
            speaker: Some(p),
            pronoun: None,
        }
    }

    /// The attribution of the pronoun at token `k`, resolved to the person it refers to.
    fn pronoun(&self, k: usize, anchor: usize) -> Attribution {
        let gender = pronoun_gender(self.a.tok(k));
        let speaker = match gender {
            Gender::Any => None,
            g => self.antecedent(anchor.min(self.a.tokens[k].start), g),
        };
        Attribution {
            source: self.span(k, k + 1),
            speaker,
            pronoun: Some(gender),
        }
    }

    /// The attribution of the description in tokens `first..last` ("the governor"), resolved
    /// to the latest person before it named with that role ("Gov. John Smith").
    fn nominal(&self, first: usize, last: usize) -> Attribution {
        let head = self.a.tok(last - 1).to_lowercase();
        let start = self.a.tokens[first].start;
        let before = self
            .people
            .partition_point(|&p| self.mentions[p].end <= start);
        let speaker = self.people[..before]
            .iter()
            .rev()
            .take(64)
            .copied()
            .find(|&p| {
                let Some((s, e)) = self.mentions[p].role else {
                    return false;
                };
                self.a.text[s..e].split_whitespace().any(|word| {
                    let word = word.trim_end_matches(['.', ',']).to_lowercase();
                    word == head || (word.len() >= 3 && head.len() > 4 && head.starts_with(&word))
                }) && !self.inside_quote(self.mentions[p].start)
            });
        Attribution {
            source: self.span(first, last),
            speaker,
            pronoun: None,
        }
    }

    /// The person a pronoun at `pos` refers to: the most recent one named before it, outside
    /// quotes, whose gender (when a given name or a title tells it) fits, preferring the
    /// subject of that person's sentence; none when that person is named in an earlier
    /// paragraph beside someone else who fits as well.
    fn antecedent(&self, pos: usize, wanted: Gender) -> Option<usize> {
        let a = self.a;
        let before = self
            .people
            .partition_point(|&p| self.mentions[p].end <= pos);
        // the last few dozen people named are enough to find the one meant
        let mut candidates = self.people[..before]
            .iter()
            .copied()
            .rev()
            .take(64)
            .filter(|&p| {
                fits(wanted, self.gender(p)) && !self.inside_quote(self.mentions[p].start)
            });
        let nearest = candidates.next()?;
        let nearest_m = &self.mentions[nearest];
        let sentence = a.tokens[a.token_at(nearest_m.start)].sentence;
        let same_paragraph = nearest_m.start >= a.paragraph_start(pos);
        let nearest_paragraph = a.paragraph_start(nearest_m.start);
        let mut choice = nearest;
        let mut others = false;
        for p in candidates {
            let m = &self.mentions[p];
            if m.start < nearest_paragraph {
                break;
            }
            if m.local_canonical != nearest_m.local_canonical {
                others = true;
            }
            // the subject of the sentence rather than an object or a possessor
            if a.tokens[a.token_at(m.start)].sentence == sentence && self.in_subject_position(p) {
                choice = p;
            }
        }
        if !same_paragraph && others {
            return None;
        }
        if !self.in_subject_position(choice) {
            choice = nearest;
        }
        Some(choice)
    }

    /// Whether a mention is neither a possessor ("Trump’s envoy") nor after a preposition.
    fn in_subject_position(&self, p: usize) -> bool {
        let a = self.a;
        let m = &self.mentions[p];
        let possessive = a.text[m.end..].starts_with("’s") || a.text[m.end..].starts_with("'s");
        let k = a.token_at(m.start);
        let after_preposition = k > 0
            && matches!(
                a.tok(k - 1),
                "by" | "to" | "with" | "of" | "for" | "against" | "about" | "from" | "at" | "on"
            );
        !possessive && !after_preposition
    }

    fn gender(&self, p: usize) -> Option<Gender> {
        let m = &self.mentions[p];
        if let Some((s, e)) = m.role {
            let role = &self.a.text[s..e];
            if role.starts_with("Mrs") || role.starts_with("Ms") || role.starts_with("Madam") {
                return Some(Gender::Female);
            }
            if role.starts_with("Mr") {
                return Some(Gender::Male);
            }
        }
        let given = m
            .local_canonical
            .split(' ')
            .next()
            .filter(|_| m.local_canonical.contains(' '))?;
        if FEMALE_NAME_SET.contains(given) {
            Some(Gender::Female)
        } else if FIRST_NAME_SET.contains(given) {
            Some(Gender::Male)
        } else {
            None
        }
    }

    fn sentence_has_cue(&self, pos: usize) -> bool {
        let a = self.a;
        let i = a.token_at(pos).min(a.tokens.len().saturating_sub(1));
        if a.tokens.is_empty() {
            return false;
        }
        let s = a.sentences[a.tokens[i].sentence];
        (s.first..s.last).any(|k| is_speech_verb(a.tok(k)))
            || self
                .people_between(s.start, s.end)
                .iter()
                .any(|&p| !self.inside_quote(self.mentions[p].start))
    }

    /// The attribution next to this quote: after it ("…," said Boivin / Blair said / he
    /// added), else before it in its sentence (Sajjan said: "…"), else the subject of its
    /// sentence ("Witkoff dismissed the plan as “posture and pose”").
    fn own_attribution(&self, seg: &Segment) -> Option<Attribution> {
        self.cue_after(seg).or_else(|| self.cue_before(seg))
    }

    /// "…," Sanders said, according to CNN: the outer attribution is the source the reader is
    /// given; the speaker stays who spoke.
    fn outer_source(&self, found: Attribution, from: usize, hi: usize) -> Attribution {
        let a = self.a;
        let according = (from..hi.saturating_sub(1))
            .find(|&k| a.tok(k) == "according" && a.tok(k + 1) == "to" && a.tok(k - 1) == ",");
        match according.and_then(|k| self.subject_after(k, hi, a.tokens[k].start)) {
            Some(outer) => Attribution {
                source: outer.source,
                ..found
            },
            None => found,
        }
    }

    /// "…," said Boivin / "…," Blair said / "…," he added / "…," the senator wrote.
    fn cue_after(&self, seg: &Segment) -> Option<Attribution> {
        let a = self.a;
        let n = a.tokens.len();
        let first = a.token_at(seg.close);
        if first >= n || a.breaks_line_between(seg.close, a.tokens[first].start) {
            return None;
        }
        if let Some(found) = self.sign_off(first) {
            return Some(found);
        }
        // the cue is in the words that follow on the line, before the sentence ends
        let sentence = a.tokens[first].sentence;
        let mut hi = first;
        while hi < n
            && hi < first + 20
            && a.tokens[hi].sentence == sentence
            && !matches!(a.tok(hi), "“" | "\"" | "«" | ";")
            && !a.breaks_line_between(seg.close, a.tokens[hi].start)
        {
            // a short parenthesis ("(D-Wash.)") is read past, a long one ends the words
            if a.tok(hi) == "(" {
                match (hi + 1..n.min(hi + 6)).find(|&k| a.tok(k) == ")") {
                    Some(close) => hi = close,
                    None => break,
                }
            }
            hi += 1;
        }
        let verb = (first..hi).find(|&k| is_speech_verb(a.tok(k)))?;
        let lead = (first..verb).all(|k| matches!(a.tok(k), "," | "—" | "–") || self.is_filler(k));
        if lead {
            return (!is_addressed_verb(a.tok(verb)))
                .then(|| self.subject_after(verb, hi, seg.open))
                .flatten()
                .map(|found| self.outer_source(found, verb + 1, hi));
        }
        let Some(found) = self.subject_before(verb, first, seg.open) else {
            return self.closing_cue(seg, verb, hi);
        };
        let lead_in = a.token_at(found.source.0);
        if seg_ends_sentence(a, seg) {
            // after a finished sentence only "He said." or "Blair added." attributes it, not
            // the subject of the next sentence
            let subject_end = a.token_containing(found.source.1);
            // "He added, “…”" after the quote is the next quote's cue
            let next_quote = hi < n
                && matches!(a.tok(hi), "“" | "\"" | "«")
                && (verb + 1..hi).all(|k| matches!(a.tok(k), "," | ":"));
            // "US Senator Jeff Sessions said": a title before the name
            let titled = lead_in - first <= 3 && (first..lead_in).all(|k| self.phrase_word(k));
            // "He also said Trump’s evolution …" starts a reported clause of its own
            let own_clause = !is_addressed_verb(a.tok(verb)) && !self.ends_clause(verb);
            let direct = !next_quote
                && !own_clause
                && titled
                && (subject_end..verb).all(|k| self.is_filler(k))
                && (found.speaker.is_some()
                    || found.pronoun.is_some()
                    || NOMINAL_STARTS.contains(&a.tok(lead_in)));
            return direct.then_some(found);
        }
        // the subject must be what follows the quote (after a title: "former FBI agent
        // Timothy Gill"), not words of another clause
        if (first..lead_in).all(|k| self.phrase_word(k) || matches!(a.tok(k), "," | "—" | "–"))
        {
            return Some(self.outer_source(found, verb + 1, hi));
        }
        self.closing_cue(seg, verb, hi)
    }

    /// "“…” that Sanders can win, said Elmendorf." / "“…,” and donations picked up, Gilbert
    /// said.": a partial quote whose sentence goes on and closes with its attribution, set off
    /// by a comma and ending the sentence or followed only by a phrase ("in a statement").
    fn closing_cue(&self, seg: &Segment, verb: usize, hi: usize) -> Option<Attribution> {
        let a = self.a;
        let first = a.token_at(seg.close);
        if seg_ends_sentence(a, seg) || verb <= first + 1 {
            return None;
        }
        if a.tok(verb - 1) == "," {
            return (!is_addressed_verb(a.tok(verb)))
                .then(|| self.subject_after(verb, hi, seg.open))
                .flatten()
                .map(|found| self.outer_source(found, verb + 1, hi));
        }
        let found = self.subject_before(verb, first, seg.open)?;
        let mut lead_in = a.token_at(found.source.0);
        // "…, Republican candidate Ben Carson said": a title before the name
        while lead_in > first + 1
            && a.token_at(found.source.0) - lead_in < 3
            && self.phrase_word(lead_in - 1)
        {
            lead_in -= 1;
        }
        (lead_in > first && a.tok(lead_in - 1) == "," && self.ends_clause(verb)).then_some(found)
    }

    /// Whether the cue verb at token `v` ends its clause ("Gilbert said.", "he said in a
    /// statement") rather than opening a reported clause ("he said that …", "said Trump’s …").
    fn ends_clause(&self, v: usize) -> bool {
        let a = self.a;
        v + 1 >= a.tokens.len()
            || a.tokens[v + 1].sentence != a.tokens[v].sentence
            || matches!(a.tok(v + 1), "." | "," | ";" | "!" | "?")
            || (a.tok(v + 1) != "that" && PHRASE_BREAKS.contains(&a.tok(v + 1)))
    }

    /// "“…” ― Pamela Padilla" / "“…” — Sen. Tim Kaine, Virginia": a name signing off the
    /// quote after a dash at token `dash`, alone up to a comma or the end of its line.
    fn sign_off(&self, dash: usize) -> Option<Attribution> {
        let a = self.a;
        let n = a.tokens.len();
        if !matches!(a.tok(dash), "―" | "—" | "–" | "-" | "--") || dash + 1 >= n {
            return None;
        }
        let first = dash + 1;
        let mut end = first;
        while end < n
            && a.same_line(dash, end)
            && !matches!(a.tok(end), "," | "(" | "." | "“" | "\"")
        {
            end += 1;
        }
        let words = &a.tokens[first..end];
        let name_like = !words.is_empty()
            && words.len() <= 6
            && words.iter().all(|t| {
                t.kind == TokenKind::Word && a.text[t.start..t.end].starts_with(char::is_uppercase)
                    || matches!(&a.text[t.start..t.end], "." | "-")
            });
        if !name_like {
            return None;
        }
        let named = self
            .agent_between(a.tokens[first].start, a.tokens[end - 1].end)
            .filter(|&p| self.mentions[p].kind != EntityKind::Place);
        Some(match named {
            Some(p) => self.named(p),
            None => self.nominal(first, end),
        })
    }

    /// The subject of the cue verb at token `v`, in the words before it down to token `lo`:
    /// a pronoun, a name ("Blair", "the White House", "Carney and McGuinty"), a name before
    /// an apposition ("Jensen, a scholar with the think tank, wrote") or a description.
    fn subject_before(&self, v: usize, lo: usize, anchor: usize) -> Option<Attribution> {
        let a = self.a;
        let mut j = v;
        while j > lo && self.is_filler(j - 1) {
            j -= 1;
        }
        // "Rep. Jim McDermott (D-Wash.) said": past a parenthesis after the name
        if j > lo && a.tok(j - 1) == ")" {
            if let Some(open) = (lo..j - 1).rev().take(8).find(|&k| a.tok(k) == "(") {
                j = open;
            }
        }
        if j == lo {
            return None;
        }
        let last = j - 1;
        let w = a.tok(last);
        if SOURCE_PRONOUNS.contains(&w) {
            return Some(self.pronoun(last, anchor));
        }
        if let Some(p) = self.agent_ending_at(a.tokens[last].end) {
            if self.mentions[p].start >= a.tokens[lo].start {
                return Some(self.joint(p, lo));
            }
        }
        // "Starmer, who has urged"
        if w == "who" && last >= lo + 2 && a.tok(last - 1) == "," {
            return self
                .agent_ending_at(a.tokens[last - 2].end)
                .filter(|&p| self.mentions[p].kind == EntityKind::Person)
                .map(|p| self.named(p));
        }
        if w == "," {
            let open = (lo..last).rev().take(16).find(|&k| a.tok(k) == ",")?;
            let inner = self
                .agent_between(a.tokens[open].end, a.tokens[last].start)
                .filter(|&p| self.mentions[p].kind == EntityKind::Person);
            let outer = self.subject_before(open, lo, anchor)?;
            return Some(match (outer.speaker, inner) {
                // "Ryan’s spokeswoman, AshLee Strong, said"
                (None, Some(p)) if outer.pronoun.is_none() => Attribution {
                    source: (outer.source.0, self.mentions[p].end),
                    speaker: Some(p),
                    pronoun: None,
                },
                _ => outer,
            });
        }
        self.nominal_before(last, lo)
    }

    /// A name ending at mention `p`, joined with the one before it by "and" ("Carney and
    /// McGuinty both said"): the source covers both, the speaker is the first.
    fn joint(&self, p: usize, lo: usize) -> Attribution {
        let a = self.a;
        let m = &self.mentions[p];
        let k = a.token_at(m.role.map_or(m.start, |(start, _)| start.min(m.start)));
        if k >= lo + 2 && a.tok(k - 1) == "and" {
            if let Some(q) = self.agent_ending_at(a.tokens[k - 2].end) {
                if self.mentions[q].kind == self.mentions[p].kind
                    && self.mentions[q].start >= a.tokens[lo].start
                {
                    return Attribution {
                        source: (self.mentions[q].start, self.mentions[p].end),
                        speaker: Some(q),
                        pronoun: None,
                    };
                }
            }
        }
        self.named(p)
    }

    /// A description ending at token `last` ("the campaign", "one former senior official",
    /// "Democratic strategists"): from a determiner, or from `lo` or a comma.
    fn nominal_before(&self, last: usize, lo: usize) -> Option<Attribution> {
        let a = self.a;
        if !self.phrase_word(last) || a.tokens[last].kind != TokenKind::Word {
            return None;
        }
        let mut k = last;
        loop {
            if NOMINAL_STARTS.contains(&a.tok(k)) {
                return (k < last).then(|| self.nominal(k, last + 1));
            }
            if k == lo || !self.phrase_word(k - 1) {
                // no determiner: a bare plural or name-like phrase opening the clause
                return (k == lo).then(|| self.nominal(k, last + 1));
            }
            if last - k + 1 >= MAX_SOURCE_TOKENS {
                return None;
            }
            k -= 1;
        }
    }

    /// Whether token `k` may stand between a subject and its verb ("also", "has",
    /// "consistently"), and is not the head of "the family".
    fn is_filler(&self, k: usize) -> bool {
        let a = self.a;
        let w = a.tok(k);
        SUBJECT_VERB_FILLERS.contains(&w)
            || (w.len() >= 6
                && w.ends_with("ly")
                && w.starts_with(|c: char| c.is_lowercase())
                && !(k > 0 && NOMINAL_STARTS.contains(&a.tok(k - 1))))
    }

    /// Whether token `k` can be part of a noun phrase naming a source.
    fn phrase_word(&self, k: usize) -> bool {
        let a = self.a;
        let w = a.tok(k);
        match a.tokens[k].kind {
            TokenKind::Word => {
                !is_speech_verb(w)
                    && !PHRASE_BREAKS.contains(&w)
                    && !self.is_filler(k)
                    && !SOURCE_PRONOUNS.contains(&w)
            }
            TokenKind::Number => true,
            TokenKind::Punct => matches!(w, "’s" | "'s" | "-" | "."),
        }
    }

    /// The subject after the cue verb at token `v`, before token `hi`: "said Boivin", "said
    /// he", "said Foreign Affairs Minister Chrystia Freeland", "said one senior official",
    /// "according to the report".
    fn subject_after(&self, v: usize, hi: usize, anchor: usize) -> Option<Attribution> {
        let a = self.a;
        let mut k = v + 1;
        if is_according(a.tok(v)) {
            if k >= hi || a.tok(k) != "to" {
                return None;
            }
            k += 1;
        }
        if k >= hi {
            return None;
        }
        if SOURCE_PRONOUNS.contains(&a.tok(k)) {
            return Some(self.pronoun(k, anchor));
        }
        let mut end = k;
        while end < hi && end - k < MAX_SOURCE_TOKENS && self.phrase_word(end) {
            // a period inside the sentence ends an abbreviation ("said Sen. Warren"); the one
            // ending it ends the phrase
            if a.tok(end) == "." && end + 1 == a.sentences[a.tokens[end].sentence].last {
                break;
            }
            end += 1;
        }
        if end == k {
            return None;
        }
        if let Some(p) = self.agent_between(a.tokens[k].start, a.tokens[end - 1].end) {
            return Some(self.named(p));
        }
        Some(self.nominal(k, end))
    }

    /// Where the group of paragraphs this quote belongs to starts (for pronoun antecedents).
    fn group_start(&self, seg: &Segment) -> usize {
        let mut start = seg.open;
        let earlier = self.segs.partition_point(|s| s.open < seg.open);
        for s in self.segs[..earlier].iter().rev() {
            if s.unclosed && self.a.text[s.close..start].trim().is_empty() {
                start = s.open;
            } else {
                break;
            }
        }
        start
    }

    /// Sajjan said: "…" / according to X, "…" / Witkoff dismissed the plan as "…".
    fn cue_before(&self, seg: &Segment) -> Option<Attribution> {
        let a = self.a;
        if a.tokens.is_empty() {
            return None;
        }
        let first = a.token_at(seg.open);
        if first == 0 {
            return None;
        }
        let s = a.sentences[a.tokens[first - 1].sentence];
        // a cue ending the paragraph before with a colon ("Cruz continued:") still counts
        let colon = a.tok(first - 1) == ":";
        if !a.same_line(first - 1, first.min(a.tokens.len() - 1)) && !colon {
            return None;
        }
        // "Clinton: “…”"
        if colon && first >= 2 {
            let opens_sentence = |p: usize| {
                let m = &self.mentions[p];
                m.kind != EntityKind::Place
                    && a.token_at(m.role.map_or(m.start, |(start, _)| start.min(m.start)))
                        == s.first
            };
            if let Some(p) = self
                .agent_ending_at(a.tokens[first - 2].end)
                .filter(|&p| opens_sentence(p))
            {
                return Some(self.named(p));
            }
        }
        let anchor = self.group_start(seg).min(s.start);
        // the last cue verb before the mark, and its subject
        // "Said Comey, “…”": a cue verb opening the sentence is capitalized
        let verb = (s.first..first).rev().find(|&k| {
            is_speech_verb(a.tok(k))
                || is_according(a.tok(k))
                || (k == s.first && is_speech_verb(&a.tok(k).to_lowercase()))
        });
        if let Some(v) = verb {
            let participle = a.tok(v).ends_with("ing") && !is_according(a.tok(v));
            // "…,” adding, “…”: the subject of the clause, as with the quote before; but
            // "Clinton claimed victory, saying: “…”" is the subject of its own sentence
            let after_quote = self
                .segs
                .iter()
                .any(|q| q.close > s.start && q.close <= a.tokens[v].start);
            if participle && v + 2 >= first && after_quote {
                return None;
            }
            // "Sanders was asked by host Bill Maher: “…”"
            let by_agent = (v + 1 < first && a.tok(v + 1) == "by")
                .then(|| self.subject_after(v + 1, first, anchor))
                .flatten();
            if by_agent.is_some() {
                return by_agent;
            }
            if participle {
                // "Trump spoke, saying the city embodied “…”": the sentence's subject below
            } else if is_according(a.tok(v)) {
                if let Some(found) = self.subject_after(v, first, anchor) {
                    return Some(found);
                }
            } else if let Some(found) = self.subject_before(v, s.first, anchor) {
                return Some(found);
            } else if let Some(&p) = self
                .people_between(s.start, a.tokens[v].start)
                .iter()
                .rev()
                .find(|&&p| self.mentions[p].end <= a.tokens[v].start)
            {
                // the person the clause is about ("Barros, …, who explains why …")
                return Some(self.named(p));
            } else if !is_addressed_verb(a.tok(v)) {
                if let Some(found) = self.subject_after(v, first, anchor) {
                    return Some(found);
                }
            }
        }
        // the subject of the sentence: a pronoun opening it, else the first person who is not
        // a possessor ("Trump’s envoy, Witkoff")
        let opening = (s.first..first).find(|&k| a.tokens[k].kind == TokenKind::Word);
        if let Some(k) = opening.filter(|&k| SOURCE_PRONOUNS.contains(&a.tok(k))) {
            return Some(self.pronoun(k, anchor));
        }
        // "When Brown criticized Clinton, Hillary shot back, “…”": not the introductory clause
        let main_clause = opening
            .filter(|&k| INTRODUCTORY_WORDS.contains(&a.tok(k)))
            .and_then(|k| (k..first).find(|&c| a.tok(c) == ","))
            .map_or(s.start, |c| a.tokens[c].end);
        let is_possessor = |p: usize| {
            let m = &self.mentions[p];
            a.text[m.end..].starts_with("’s") || a.text[m.end..].starts_with("'s")
        };
        let people = self.people_between(main_clause, seg.open);
        let people = || {
            people
                .iter()
                .copied()
                .filter(|&p| self.mentions[p].end <= seg.open)
        };
        if let Some(p) = people().find(|&p| !is_possessor(p)) {
            return Some(self.named(p));
        }
        // "Ryan’s campaign shrugged off …, telling reporters, “…”": with no other person, the
        // possessor's phrase when it opens the clause
        let m = &self.mentions[people().next()?];
        let k = a.token_containing(m.end);
        let opens_clause = a.token_at(m.start) == a.token_at(main_clause).max(s.first);
        // the possessed noun, hyphenated words kept whole ("Clinton’s right-hand woman")
        let mut end = k + 1;
        if end < first && a.tokens[end].kind == TokenKind::Word && self.phrase_word(end) {
            end += 1;
            while end + 1 < first && a.tok(end) == "-" && a.tokens[end + 1].kind == TokenKind::Word
            {
                end += 2;
            }
        }
        (opens_clause && end > k + 1).then(|| self.nominal(a.token_at(m.start), end))
    }
}

/// Words opening an introductory clause whose people are not the sentence's subject.
const INTRODUCTORY_WORDS: &[&str] = &[
    "When", "As", "After", "Before", "While", "If", "Although", "Though", "Since", "Because",
    "Despite", "In", "At", "On", "During", "Asked", "Later", "Earlier", "Once", "Until",
];

/// Whether `word` is "according", as in "according to the report" or "According to CNN".
fn is_according(word: &str) -> bool {
    matches!(word, "according" | "According")
}

/// Whether the quote ends its sentence ("….” He said" rather than "…,” he said").
fn seg_ends_sentence(a: &Analysis, seg: &Segment) -> bool {
    a.text[seg.start..seg.end].ends_with(['.', '!', '?'])
}

/// Words that may stand between a speaker and the verb.
const SUBJECT_VERB_FILLERS: &[&str] = &[
    "also",
    "later",
    "previously",
    "earlier",
    "then",
    "further",
    "has",
    "had",
    "have",
    "repeatedly",
    "again",
    "once",
    "recently",
    "separately",
    "reportedly",
    "both",
    "each",
    "jointly",
    "simply",
    "publicly",
    "privately",
    "flatly",
    "quickly",
    "bluntly",
    "would",
    "will",
    "could",
];

/// Words after which "that" ends a time or place phrase before the reported clause ("said on
/// Tuesday that …"), unlike a relative "that" ("said one of the options that are …"); day
/// names count too.
const CLAUSE_LEAD_INS: &[&str] = &[
    "on",
    "in",
    "at",
    "during",
    "last",
    "this",
    "earlier",
    "later",
    "yesterday",
    "today",
    "recently",
];

/// "Boivin said that …", "…, Blair said on March 5.", "according to X, …" outside quote marks.
fn indirect_quotes(ctx: &Context, direct: &[Segment]) -> Vec<QuoteFound> {
    let a = ctx.a;
    let mut out = Vec::new();
    for s in &a.sentences {
        // direct quotes are sorted and disjoint: only the last one opening before the
        // sentence ends can reach into it
        let k = direct.partition_point(|d| d.open < s.end);
        if k > 0 && direct[k - 1].close > s.start {
            continue;
        }
        if s.last - s.first < 6 || a.on_headline(s.first) {
            continue;
        }
        for v in s.first..s.last {
            let w = a.tok(v);
            if !is_clause_cue_verb(w) || v == s.first {
                continue;
            }
            // "Blair also said", "he has repeatedly said", "Carney and McGuinty both said"
            let Some(attribution) = ctx.subject_before(v, s.first, a.tokens[s.first].start) else {
                continue;
            };
            let Some(speaker) = attribution.speaker else {
                continue;
            };
            let subject_start = attribution.source.0;
            // "X said (that) CLAUSE" or "CLAUSE, X said."
            let mut c = v + 1;
            if w == "told" && c < s.last {
                c += 1;
                while c < s.last && a.is_capitalized(c) {
                    c += 1;
                }
            }
            let mut with_that = false;
            if let Some(k) = (c..(c + 7).min(s.last)).find(|&k| a.tok(k) == "that") {
                // "said that", "said on Tuesday that", "told CBC News that"; not a relative
                // "that" ("said one of the options that are …")
                if k == c
                    || CLAUSE_LEAD_INS.contains(&a.tok(c))
                    || weekday_number(a.tok(c)).is_some()
                    || (c..k).all(|j| a.is_capitalized(j))
                {
                    c = k + 1;
                    with_that = true;
                }
            }
            // an organization or a place "announced a package": an act, unless "that" follows
            let person = ctx.mentions[speaker].kind == EntityKind::Person;
            let clause_follows = s.last - c >= 5
                && (person || with_that)
                && !matches!(
                    a.tok(c),
                    "on" | "in"
                        | "at"
                        | "during"
                        | "after"
                        | "before"
                        | "while"
                        | "last"
                        | "this"
                        | "from"
                        | "to"
                        | "."
                        | ","
                );
            let content = if clause_follows {
                Some((a.tokens[c].start, s.end))
            } else {
                // sentence-final attribution: the clause before ", X said"
                let comma = (s.first..v).rev().find(|&k| a.tok(k) == ",");
                comma
                    .filter(|&k| k > s.first + 3 && a.tokens[k].end <= subject_start)
                    .map(|k| (a.tokens[s.first].start, a.tokens[k - 1].end))
            };
            if let Some((start, end)) = content {
                out.push(QuoteFound {
                    start,
                    end,
                    direct: false,
                    source: Some(attribution.source),
                    speaker: Some(speaker),
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::find_entities;

    /// The direct quotes of `text` with their speakers.
    fn direct_quotes(text: &str) -> Vec<(String, Option<String>)> {
        quotes(text)
            .into_iter()
            .filter(|q| q.2)
            .map(|(quote, speaker, _)| (quote, speaker))
            .collect()
    }

    fn quotes(text: &str) -> Vec<(String, Option<String>, bool)> {
        let a = Analysis::new(text);
        let m = find_entities(&a);
        find_quotes(&a, &m)
            .into_iter()
            .map(|q| {
                (
                    text[q.start..q.end].to_string(),
                    q.speaker.map(|s| m[s].local_canonical.clone()),
                    q.direct,
                )
            })
            .collect()
    }

    #[test]
    fn said_after_and_before() {
        let got = quotes(
            "Lt.-Gen. Steve Boivin spoke.\n“We will plan,” said Boivin. “The goal is options.”\n\
             Defence Minister Bill Blair agreed.\n\"Canada is ready,\" Blair said.\n\
             Blair said: “We are willing.”",
        );
        let direct: Vec<_> = got
            .iter()
            .filter(|q| q.2)
            .map(|q| (q.0.as_str(), q.1.as_deref()))
            .collect();
        assert_eq!(
            direct,
            [
                ("We will plan,", Some("Steve Boivin")),
                ("The goal is options.", Some("Steve Boivin")),
                ("Canada is ready,", Some("Bill Blair")),
                ("We are willing.", Some("Bill Blair"))
            ]
        );
    }

    #[test]
    fn quotes_across_paragraphs_and_pronouns() {
        let text = "That day Defence Minister Harjit Sajjan spoke to reporters.\n\n\
                    “First paragraph of the statement.\n\n\
                    “Second paragraph,” he said.\n\n\
                    Conservative Leader Andrew Scheer disagreed. “It is a mistake,” he added.";
        let got = direct_quotes(text);
        let direct: Vec<_> = got
            .iter()
            .map(|(q, who)| (q.as_str(), who.as_deref()))
            .collect();
        assert_eq!(
            direct,
            [
                ("First paragraph of the statement.", Some("Harjit Sajjan")),
                ("Second paragraph,", Some("Harjit Sajjan")),
                ("It is a mistake,", Some("Andrew Scheer"))
            ]
        );
    }

    /// `text` hard-wrapped at `width` columns paragraph by paragraph: spaces turned into
    /// newlines, so every offset stays.
    fn hard_wrapped(text: &str, width: usize) -> String {
        let mut out = String::new();
        let mut column = 0;
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                let fits = column + 1 + word.find('\n').unwrap_or(word.len()) <= width;
                out.push(if fits { ' ' } else { '\n' });
                column = if fits { column + 1 } else { 0 };
            }
            out.push_str(word);
            column = match word.rfind('\n') {
                Some(at) => word.len() - at - 1,
                None => column + word.len(),
            };
        }
        out
    }

    #[test]
    fn hard_wrapped_quotes_keep_their_sources() {
        let text = "Acme Holdings said on Tuesday that its chairman, Paul Whitcombe, would step \
                    down in June after eleven years at the head of the company.\n\n\
                    “It has been the privilege of my working life to lead this company and its \
                    people,” Whitcombe said in a statement released by the board.\n\n\
                    “I leave it in good hands,” he added, naming the finance director as the \
                    person he would most like to see succeed him.";
        let wrapped = hard_wrapped(text, 45);
        assert!(wrapped.matches('\n').count() > 8, "{wrapped}");
        let one_line = |found: Vec<(String, Option<String>, Option<String>)>| {
            found
                .into_iter()
                .map(|(quote, source, speaker)| {
                    let source = source.map(|s| s.replace('\n', " "));
                    (quote.replace('\n', " "), source, speaker)
                })
                .collect::<Vec<_>>()
        };
        let unwrapped = sources(text);
        assert_eq!(
            unwrapped
                .iter()
                .map(|(_, _, speaker)| speaker.as_deref())
                .collect::<Vec<_>>(),
            [
                Some("Acme Holdings"),
                Some("Paul Whitcombe"),
                Some("Paul Whitcombe")
            ]
        );
        assert_eq!(one_line(sources(&wrapped)), unwrapped);
    }

    #[test]
    fn unclosed_quote_and_left_mark_as_closing() {
        let text = "Defense Minister Bill Blair said that Canada was “ready to help.\n“We do not know,” said Boivin.\n\
                    Envoy Steve Witkoff rejected it as a “attitude and pose“.";
        let got = direct_quotes(text);
        let direct: Vec<_> = got
            .iter()
            .map(|(q, who)| (q.as_str(), who.as_deref()))
            .collect();
        assert_eq!(
            direct,
            [
                ("ready to help.", Some("Bill Blair")),
                ("We do not know,", Some("Boivin")),
                ("attitude and pose", Some("Steve Witkoff"))
            ]
        );
    }

    #[test]
    fn nominal_and_gendered_speakers() {
        let text = "Sen. Elizabeth Warren met Gov. John Smith on Monday.\n\
                    “We will win,” she said.\n\
                    “That is wrong,” said the governor.\n\
                    “No comment,” the White House said.";
        let got = direct_quotes(text);
        let direct: Vec<_> = got
            .iter()
            .map(|(q, who)| (q.as_str(), who.as_deref()))
            .collect();
        assert_eq!(
            direct,
            [
                ("We will win,", Some("Elizabeth Warren")),
                ("That is wrong,", Some("John Smith")),
                ("No comment,", Some("White House"))
            ]
        );
    }

    #[test]
    fn scare_quotes_and_names_are_not_quotes() {
        let text = "A potential “coalition of the willing” peacekeeping mission was named “News Agency of Ukraine” by staff.";
        assert!(quotes(text).iter().all(|q| !q.2), "{:?}", quotes(text));
    }

    #[test]
    fn indirect_quotes_with_speaker() {
        let text = "Lt.-Gen. Steve Boivin said that Canada may be stretched to contribute troops.";
        let got = quotes(text);
        assert_eq!(
            got,
            [(
                "Canada may be stretched to contribute troops.".into(),
                Some("Steve Boivin".into()),
                false
            )]
        );
    }

    /// Each quote's words, the words its attribution names and the speaker's name.
    fn sources(text: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let a = Analysis::new(text);
        let m = find_entities(&a);
        find_quotes(&a, &m)
            .into_iter()
            .map(|q| {
                (
                    text[q.start..q.end].to_string(),
                    q.source.map(|(s, e)| text[s..e].to_string()),
                    q.speaker.map(|s| m[s].local_canonical.clone()),
                )
            })
            .collect()
    }

    fn owned(
        quote: &str,
        source: Option<&str>,
        speaker: Option<&str>,
    ) -> (String, Option<String>, Option<String>) {
        (
            quote.into(),
            source.map(Into::into),
            speaker.map(Into::into),
        )
    }

    #[test]
    fn a_pronoun_is_the_source_and_its_antecedent_the_speaker() {
        let got = sources("Sen. Elizabeth Warren spoke on Monday.\n“We will win,” she said.");
        assert_eq!(
            got,
            [owned("We will win,", Some("she"), Some("Elizabeth Warren"))]
        );
    }

    #[test]
    fn a_description_is_the_source_and_resolves_only_through_a_role() {
        let got = sources(
            "Gov. John Smith spoke.\n“No comment,” said one senior official.\n\
             “That is wrong,” the governor wrote.",
        );
        assert_eq!(
            got,
            [
                owned("No comment,", Some("one senior official"), None),
                owned("That is wrong,", Some("the governor"), Some("John Smith"))
            ]
        );
    }

    #[test]
    fn a_pronoun_is_not_resolved_across_paragraphs_with_several_candidates() {
        let got = sources(
            "Martin Walsh had close ties to Vice President Joe Biden.\n\n\
             “We need someone who is battle tested,” he said.",
        );
        assert_eq!(
            got,
            [owned(
                "We need someone who is battle tested,",
                Some("he"),
                None
            )]
        );
    }

    #[test]
    fn an_outer_according_to_is_the_source() {
        let got = sources("“Do not protest on the floor,” Sanders said, according to CNN.");
        assert_eq!(
            got,
            [owned(
                "Do not protest on the floor,",
                Some("CNN"),
                Some("Sanders")
            )]
        );
    }

    #[test]
    fn joint_and_organization_speakers_of_indirect_quotes() {
        let got = sources(
            "Prime Minister Mark Carney and Defence Minister David McGuinty both said that \
             Ottawa does not rule out joining such a mission.\n\
             The Kremlin has consistently maintained that it will not accept Western troops there.",
        );
        assert_eq!(
            got,
            [
                owned(
                    "Ottawa does not rule out joining such a mission.",
                    Some("Mark Carney and Defence Minister David McGuinty"),
                    Some("Mark Carney")
                ),
                owned(
                    "it will not accept Western troops there.",
                    Some("Kremlin"),
                    Some("Kremlin")
                )
            ]
        );
    }

    #[test]
    fn an_indirect_quote_starts_after_the_verb_not_at_a_relative_that() {
        let got = sources(
            "Lt.-Gen. Steve Boivin said one of the possibilities that are considered is a larger mission.",
        );
        assert_eq!(
            got,
            [owned(
                "one of the possibilities that are considered is a larger mission.",
                Some("Steve Boivin"),
                Some("Steve Boivin")
            )]
        );
    }

    #[test]
    fn cue_verbs_beyond_said() {
        let got = sources(
            "“The plan is sound,” Benjamin Jensen wrote.\n“It may fail,” Anthony King suggested.",
        );
        assert_eq!(
            got,
            [
                owned(
                    "The plan is sound,",
                    Some("Benjamin Jensen"),
                    Some("Benjamin Jensen")
                ),
                owned("It may fail,", Some("Anthony King"), Some("Anthony King"))
            ]
        );
    }

    #[test]
    fn according_to_before_the_quote_is_its_source() {
        let got =
            sources("Checks are weak.\n\nAccording to the newspaper, “Dealers sell to anyone.”");
        assert_eq!(
            got,
            [owned(
                "Dealers sell to anyone.",
                Some("the newspaper"),
                None
            )]
        );
        let got = sources("Checks are weak, according to the report: “Dealers sell to anyone.”");
        assert_eq!(got[0].1.as_deref(), Some("the report"));
    }

    #[test]
    fn a_name_signing_off_after_a_dash_is_the_source() {
        let got =
            sources("“He scares me.” ― Maria Lopez\n“He does not know us.” — Tom Walker, Dallas");
        assert_eq!(
            got,
            [
                owned("He scares me.", Some("Maria Lopez"), Some("Maria Lopez")),
                owned(
                    "He does not know us.",
                    Some("Tom Walker"),
                    Some("Tom Walker")
                )
            ]
        );
    }

    #[test]
    fn a_party_and_state_in_parentheses_do_not_hide_the_speaker() {
        let got = sources("“We will win the House,” Rep. John Miller (D-Wash.) said.");
        assert_eq!(got[0].1.as_deref(), Some("John Miller"));
    }

    #[test]
    fn a_partial_quote_whose_sentence_ends_with_its_attribution() {
        let got = sources(
            "“It seems unlikely” that the bill passes, said Steve Miller, a lobbyist.\n\
             “There is a sense of calm now,” and donations picked up, Mary Brown said.",
        );
        assert_eq!(got[0].1.as_deref(), Some("Steve Miller"));
        assert_eq!(got[1].1.as_deref(), Some("Mary Brown"));
    }

    #[test]
    fn a_participle_cue_takes_the_subject_of_its_own_sentence() {
        // not the quote before: the sentence has its own subject
        let got = sources(
            "Before the vote, Mayor John Reed lobbied the council, saying, “Fewer guns are better.”",
        );
        assert_eq!(got[0].1.as_deref(), Some("John Reed"));
        let got =
            sources("Paul Ryan’s campaign shrugged it off, telling reporters, “We never asked.”");
        assert_eq!(got[0].1.as_deref(), Some("Paul Ryan’s campaign"));
    }

    #[test]
    fn the_cue_of_the_next_quote_or_clause_is_not_this_quotes() {
        let got = sources(
            "Anna Berg said, “The case was unusual.” He added, “Things happened.”\n\
             Tom Hale disagreed, saying, “The advice is mine.” He also said the polls were wrong.",
        );
        assert_eq!(got[0].1.as_deref(), Some("Anna Berg"));
        assert_eq!(got[2].1.as_deref(), Some("Tom Hale"));
    }
}
