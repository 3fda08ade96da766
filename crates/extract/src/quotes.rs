//! Direct quotes (straight and typographic marks, quotes running over paragraphs, quotes a bad
//! copy left unclosed) and indirect ones ("Boivin said that …"), each with its speaker found
//! through the cue: "said Boivin", "Blair said", "he added", "according to", or the quote it
//! continues.

use newspipe_core::EntityKind;

use crate::entities::Mention;
use crate::lexicon::{is_speech_verb, FEMALE_NAME_SET, FIRST_NAME_SET};
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
    /// The person mention the attribution rests on.
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

/// Pairs quotation marks paragraph by paragraph.
fn segments(text: &str) -> Vec<Segment> {
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
            (Some((at, mark)), '\n') => {
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
    "she", "they", "it", "we", "i", "said", "says", "without", "into",
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
            w.starts_with(|c: char| c.is_lowercase()) && !ATTRIBUTIVE_FOLLOWERS.contains(&w)
        });
    (attributive && !ends_sentence) || (words.len() <= 3 && !sentence_has_cue && !ends_sentence)
}

/// Finds direct and indirect quotes and their speakers among `mentions` (sorted by start).
pub fn find_quotes(a: &Analysis, mentions: &[Mention]) -> Vec<QuoteFound> {
    let segs = segments(a.text);
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
    let mut out: Vec<QuoteFound> = Vec::new();
    let mut kept: Vec<Segment> = Vec::new();
    for seg in &segs {
        let sentence_has_cue = ctx.sentence_has_cue(seg.open);
        if is_quoted_term(a, seg, sentence_has_cue) {
            continue;
        }
        kept.push(*seg);
    }
    // speakers from each segment's own cue
    let mut speakers: Vec<Option<usize>> = kept.iter().map(|s| ctx.own_speaker(s)).collect();
    // a quote continued over paragraphs shares its speaker
    for k in 1..kept.len() {
        if kept[k - 1].unclosed
            && speakers[k].is_none()
            && continues(a.text, &kept[k - 1], &kept[k])
        {
            speakers[k] = speakers[k - 1];
        }
    }
    for k in (0..kept.len().saturating_sub(1)).rev() {
        if kept[k].unclosed && speakers[k].is_none() && continues(a.text, &kept[k], &kept[k + 1]) {
            speakers[k] = speakers[k + 1];
        }
    }
    // otherwise the previous quote's speaker, if no one else was named in between
    for k in 1..kept.len() {
        if speakers[k].is_none() {
            let previous = speakers[k - 1].map(|p| mentions[p].local_canonical.as_str());
            let between_named = ctx
                .people_between(kept[k - 1].close, kept[k].open)
                .iter()
                .any(|&p| {
                    let m = &mentions[p];
                    m.end <= kept[k].open && Some(m.local_canonical.as_str()) != previous
                });
            let close = a.text[kept[k - 1].close..kept[k].open]
                .matches('\n')
                .count()
                <= 4;
            if !between_named && close {
                speakers[k] = speakers[k - 1];
            }
        }
    }
    for (seg, speaker) in kept.iter().zip(speakers) {
        out.push(QuoteFound {
            start: seg.start,
            end: seg.end,
            direct: true,
            speaker,
        });
    }
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

const PRONOUNS: &[&str] = &["he", "she", "He", "She"];

/// What a pronoun or a given name tells about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Female,
    Male,
}

/// Words that can start a noun phrase standing for the speaker ("the senator said").
const NOMINAL_STARTS: &[&str] = &["the", "a", "an", "his", "her", "The"];

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

    fn person_at(&self, start: usize) -> Option<usize> {
        self.people_between(start, start + 1).first().copied()
    }

    /// A person or an organization ("the White House said") starting at `start`.
    fn speaker_at(&self, start: usize) -> Option<usize> {
        self.person_at(start).or_else(|| {
            let k = self.mentions.partition_point(|m| m.start < start);
            self.mentions
                .get(k)
                .filter(|m| m.start == start && m.kind == EntityKind::Organization)
                .map(|_| k)
        })
    }

    fn person_ending_at(&self, end: usize) -> Option<usize> {
        let k = self.people.partition_point(|&p| self.mentions[p].end < end);
        self.people
            .get(k)
            .copied()
            .filter(|&p| self.mentions[p].end == end)
    }

    /// The most recent person named before `pos`, outside quotes, whose gender (when a given
    /// name or a title tells it) fits the pronoun.
    fn antecedent(&self, pos: usize, pronoun: Option<&str>) -> Option<usize> {
        let wanted = match pronoun.map(str::to_ascii_lowercase).as_deref() {
            Some("she") => Some(Gender::Female),
            Some("he") => Some(Gender::Male),
            _ => None,
        };
        let before = self
            .people
            .partition_point(|&p| self.mentions[p].end <= pos);
        // the last few dozen people named are enough to find the one meant
        self.people[..before]
            .iter()
            .copied()
            .rev()
            .take(64)
            .find(|&p| {
                let fits = match (wanted, self.gender(p)) {
                    (Some(w), Some(g)) => w == g,
                    _ => true,
                };
                fits && !self.inside_quote(self.mentions[p].start)
            })
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

    /// The speaker named next to this quote: after it ("…," said Boivin / Blair said / he
    /// added), else before it in its sentence (Sajjan said: "…"), else the subject of its
    /// sentence ("Witkoff dismissed the plan as “posture and pose”").
    fn own_speaker(&self, seg: &Segment) -> Option<usize> {
        self.cue_after(seg).or_else(|| self.cue_before(seg))
    }

    fn cue_after(&self, seg: &Segment) -> Option<usize> {
        let a = self.a;
        let n = a.tokens.len();
        let mut k = a.token_at(seg.close);
        let limit = (k + 14).min(n);
        let mut saw_verb = false;
        let mut saw_subject: Option<usize> = None;
        // words that are neither a speaker nor a verb: one is allowed before the verb ("Blair
        // also said"), a title's worth after it ("said Foreign Affairs Minister Freeland")
        let mut stray = 0;
        // a quote that ends its sentence is followed by a cue only if the cue comes at once
        let closed_sentence = !seg_ends_open_sentence(a, seg);
        while k < limit {
            let t = a.tokens[k];
            let w = a.tok(k);
            if t.kind == TokenKind::Word {
                stray += 1;
            }
            if stray > if saw_verb { 7 } else { 2 } {
                break;
            }
            if t.start > seg.close && a.text[seg.close..t.start].contains('\n') {
                break;
            }
            if matches!(w, "“" | "\"" | "«") || (saw_verb && matches!(w, "." | "!" | "?" | ";"))
            {
                break;
            }
            if matches!(w, "." | "!" | "?") && !seg_ends_open_sentence(a, seg) {
                break;
            }
            if let Some(p) = self.speaker_at(t.start) {
                if saw_verb {
                    return Some(p);
                }
                let next = a.token_at(self.mentions[p].end);
                let verb_next = next < n && is_speech_verb(a.tok(next));
                // "Jensen, a scholar with the think tank, wrote"
                let after_apposition = (next < n && a.tok(next) == ",")
                    .then(|| (next + 1..(next + 16).min(n)).find(|&j| a.tok(j) == ","))
                    .flatten()
                    .is_some_and(|j| j + 1 < n && is_speech_verb(a.tok(j + 1)));
                if after_apposition && !saw_verb {
                    return Some(p);
                }
                if closed_sentence && !verb_next {
                    break;
                }
                saw_subject = Some(p);
                stray = 0;
                k = next;
                continue;
            }
            if closed_sentence
                && t.kind == TokenKind::Word
                && w.starts_with(|c: char| c.is_uppercase())
                && !PRONOUNS.contains(&w)
            {
                break;
            }
            if PRONOUNS.contains(&w) && (saw_verb || (k + 1 < n && is_speech_verb(a.tok(k + 1)))) {
                return self.antecedent(self.group_start(seg), Some(w));
            }
            // "the senator said", "said the former governor": a description of the speaker
            if NOMINAL_STARTS.contains(&w) && saw_subject.is_none() {
                let plain = |j: usize| {
                    j < n
                        && a.tokens[j].kind == TokenKind::Word
                        && self.speaker_at(a.tokens[j].start).is_none()
                };
                if saw_verb && plain(k + 1) {
                    return self.antecedent(self.group_start(seg), None);
                }
                let verb = (k + 2..(k + 5).min(n)).find(|&j| is_speech_verb(a.tok(j)));
                if verb.is_some_and(|v| (k + 1..v).all(plain)) {
                    return self.antecedent(self.group_start(seg), None);
                }
            }
            if is_speech_verb(w) {
                if let Some(p) = saw_subject {
                    return Some(p);
                }
                saw_verb = true;
            }
            k += 1;
        }
        None
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

    fn cue_before(&self, seg: &Segment) -> Option<usize> {
        let a = self.a;
        if a.tokens.is_empty() {
            return None;
        }
        let first = a.token_at(seg.open);
        if first == 0 {
            return None;
        }
        let s = a.sentences[a.tokens[first - 1].sentence];
        if a.tokens[first - 1].line != a.tokens[first.min(a.tokens.len() - 1)].line {
            return None;
        }
        // the last speech verb before the mark, and the person (or pronoun) before it
        let verb = (s.first..first).rev().find(|&k| is_speech_verb(a.tok(k)));
        if let Some(v) = verb {
            if a.tok(v) == "according" {
                if let Some(&p) = self
                    .people_between(a.tokens[v].end, seg.open)
                    .iter()
                    .find(|&&p| self.mentions[p].end <= seg.open)
                {
                    return Some(p);
                }
            }
            let before = self
                .people_between(s.start, a.tokens[v].start)
                .iter()
                .rev()
                .copied()
                .find(|&p| self.mentions[p].end <= a.tokens[v].start);
            if let Some(p) = before {
                return Some(p);
            }
            if let Some(k) = (s.first..v).find(|&k| PRONOUNS.contains(&a.tok(k))) {
                return self.antecedent(s.start, Some(a.tok(k)));
            }
            // "said Foreign Affairs Minister Chrystia Freeland: “…”"
            if let Some(&p) = self
                .people_between(a.tokens[v].end, seg.open)
                .iter()
                .find(|&&p| self.mentions[p].end <= seg.open)
            {
                return Some(p);
            }
        }
        // the first person in the sentence who is not a possessor ("Trump’s envoy, Witkoff")
        self.people_between(s.start, seg.open)
            .iter()
            .copied()
            .find(|&p| {
                let m = &self.mentions[p];
                let possessive =
                    a.text[m.end..].starts_with("’s") || a.text[m.end..].starts_with("'s");
                m.end <= seg.open && !possessive
            })
    }
}

/// Whether the quote ends in the middle of its sentence ("…,” said X.").
fn seg_ends_open_sentence(a: &Analysis, seg: &Segment) -> bool {
    !a.text[seg.start..seg.end].ends_with(['.', '!', '?'])
}

const INDIRECT_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "stated",
    "noted",
    "mentioned",
    "emphasized",
    "emphasised",
    "stressed",
    "argued",
    "warned",
    "claimed",
    "announced",
    "suggested",
    "insisted",
    "explained",
    "acknowledged",
    "admitted",
    "confirmed",
    "believes",
    "believed",
];

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
            if !INDIRECT_VERBS.contains(&w) || v == s.first {
                continue;
            }
            // "Blair also said", "he has repeatedly said"
            let mut subj = v - 1;
            while subj > s.first && SUBJECT_VERB_FILLERS.contains(&a.tok(subj)) {
                subj -= 1;
            }
            let prev_end = a.tokens[subj].end;
            let subject = ctx.person_ending_at(prev_end).or_else(|| {
                PRONOUNS
                    .contains(&a.tok(subj))
                    .then(|| ctx.antecedent(a.tokens[subj].start, Some(a.tok(subj))))
                    .flatten()
            });
            let Some(speaker) = subject else { continue };
            let subject_start = if PRONOUNS.contains(&a.tok(subj)) {
                a.tokens[subj].start
            } else {
                ctx.mentions[speaker].start
            };
            // "X said (that) CLAUSE" or "CLAUSE, X said."
            let mut c = v + 1;
            if w == "told" && c < s.last {
                c += 1;
                while c < s.last && a.is_capitalized(c) {
                    c += 1;
                }
            }
            if let Some(k) = (c..(c + 7).min(s.last)).find(|&k| a.tok(k) == "that") {
                c = k + 1;
            }
            let clause_follows = s.last - c >= 5
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
}
