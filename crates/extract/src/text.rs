//! Lexical pass: words, numbers and punctuation with byte offsets, sentences and lines.
//!
//! Everything later works on this token stream, so it is built once per document with no
//! allocation per token beyond the vector itself.

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters (possibly with digits, inner hyphens, apostrophes or dotted initials: "U.S.").
    Word,
    /// Digits, possibly with inner `,` `.` `-` ("1,700", "4.7", "2025-03-06").
    Number,
    /// Any other single character, or a possessive `'s`/`’s`.
    Punct,
}

/// One token: a byte range into the text and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Word, number or punctuation.
    pub kind: TokenKind,
    /// Index of the sentence the token belongs to.
    pub sentence: usize,
    /// Index of the line (text between newlines) the token belongs to.
    pub line: usize,
    /// Whether it is a word starting with an uppercase letter (asked of every token by the
    /// entity rules, so answered once here).
    pub capitalized: bool,
}

/// A sentence: a range of tokens and the byte range they cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// First token index.
    pub first: usize,
    /// One past the last token index.
    pub last: usize,
    /// Byte offset of the first token.
    pub start: usize,
    /// End byte offset of the last token.
    pub end: usize,
}

/// A tokenized document.
#[derive(Debug)]
pub struct Analysis<'t> {
    /// The text the offsets point into.
    pub text: &'t str,
    /// All tokens in order.
    pub tokens: Vec<Token>,
    /// Sentences in order; every token belongs to exactly one.
    pub sentences: Vec<Sentence>,
    /// Per line: whether it looks like a headline or menu (most words capitalized).
    pub headline_lines: Vec<bool>,
    /// Per line: whether it is written in capitals ("SOCCER - JAPAN GET LUCKY WIN").
    pub shouted_lines: Vec<bool>,
    /// Byte offsets of the newlines that only wrap a line of hard-wrapped prose (see
    /// [`wrap_newlines`]), in order: a sentence and a name go on across them.
    wrap_newlines: Vec<usize>,
}

/// Abbreviations after which a period does not end a sentence (month abbreviations and
/// military ranks come from the knowledge crate).
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Gov", "Sen", "Rep", "St", "Jr", "Sr", "Prof", "Rev", "No", "Inc",
    "Corp", "Ltd", "Co", "vs", "Mt", "Ft", "approx", "est", "gen",
];

impl<'t> Analysis<'t> {
    /// Tokenizes `text` and splits it into sentences and lines.
    pub fn new(text: &'t str) -> Self {
        let mut tokens = tokenize(text);
        let wrap_newlines = wrap_newlines(text);
        let sentences = split_sentences(text, &mut tokens, &wrap_newlines);
        let (headline_lines, shouted_lines) = find_headline_lines(text, &tokens);
        Self {
            text,
            tokens,
            sentences,
            headline_lines,
            shouted_lines,
            wrap_newlines,
        }
    }

    /// The text of token `i`.
    pub fn tok(&self, i: usize) -> &'t str {
        let t = &self.tokens[i];
        &self.text[t.start..t.end]
    }

    /// Whether token `i` is a word starting with an uppercase letter.
    pub fn is_capitalized(&self, i: usize) -> bool {
        self.tokens[i].capitalized
    }

    /// Whether token `i` is the first word of its sentence (after any opening punctuation).
    pub fn is_sentence_initial(&self, i: usize) -> bool {
        let s = &self.sentences[self.tokens[i].sentence];
        (s.first..i).all(|j| self.tokens[j].kind == TokenKind::Punct)
    }

    /// Whether token `i` sits on a headline-like line.
    pub fn on_headline(&self, i: usize) -> bool {
        self.headline_lines
            .get(self.tokens[i].line)
            .copied()
            .unwrap_or(false)
    }

    /// Whether token `i` sits on a line written in capitals.
    pub fn on_shouted_line(&self, i: usize) -> bool {
        self.tokens
            .get(i)
            .and_then(|t| self.shouted_lines.get(t.line))
            .copied()
            .unwrap_or(false)
    }

    /// Index of the first token starting at or after byte `pos`.
    pub fn token_at(&self, pos: usize) -> usize {
        self.tokens.partition_point(|t| t.start < pos)
    }

    /// Index of the token that contains byte `pos`, or the first one after it.
    pub fn token_containing(&self, pos: usize) -> usize {
        self.tokens.partition_point(|t| t.end <= pos)
    }

    /// Whether the newline at byte `at` only wraps a line of hard-wrapped prose.
    pub fn wraps_at(&self, at: usize) -> bool {
        wraps_at(&self.wrap_newlines, at)
    }

    /// The newlines between bytes `a` and `b` that do more than wrap a line.
    fn line_breaks(&self, a: usize, b: usize) -> impl Iterator<Item = usize> + '_ {
        memchr::memchr_iter(b'\n', &self.text.as_bytes()[a..b])
            .map(move |at| a + at)
            .filter(|&at| !self.wraps_at(at))
    }

    /// Whether a newline that does more than wrap a line lies between bytes `a` and `b`.
    pub fn breaks_line_between(&self, a: usize, b: usize) -> bool {
        self.line_breaks(a, b).next().is_some()
    }

    /// How many newlines that do more than wrap a line lie between bytes `a` and `b`.
    pub fn line_breaks_between(&self, a: usize, b: usize) -> usize {
        self.line_breaks(a, b).count()
    }

    /// Whether tokens `i` and `j` are on one line, once hard-wrapped prose is read as the
    /// lines it wraps.
    pub fn same_line(&self, i: usize, j: usize) -> bool {
        let (first, last) = (i.min(j), i.max(j));
        first == last || !self.breaks_line_between(self.tokens[first].end, self.tokens[last].start)
    }

    /// Where the paragraph holding byte `at` starts: after the last newline before it that
    /// does more than wrap a line.
    pub fn paragraph_start(&self, at: usize) -> usize {
        memchr::memrchr_iter(b'\n', &self.text.as_bytes()[..at])
            .find(|&newline| !self.wraps_at(newline))
            .map_or(0, |newline| newline + 1)
    }

    /// Whether only spaces separate byte `a` from byte `b`: no newline but one that only
    /// wraps a line of hard-wrapped prose (with the carriage return of a Windows line end).
    pub fn only_spaces_between(&self, a: usize, b: usize) -> bool {
        let bytes = self.text.as_bytes();
        a <= b
            && self.text[a..b].char_indices().all(|(at, c)| match c {
                ' ' | '\u{a0}' => true,
                '\n' => self.wraps_at(a + at),
                '\r' => a + at + 1 < b && bytes[a + at + 1] == b'\n' && self.wraps_at(a + at + 1),
                _ => false,
            })
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let mut line = 0;
    // The byte offset of the next character: a word is scanned once and then skipped whole.
    let mut start = 0;
    while let Some(&byte) = text.as_bytes().get(start) {
        // Spaces, most of the white space, without decoding a char.
        if byte == b' ' {
            start += 1;
            continue;
        }
        let Some(c) = text[start..].chars().next() else {
            break;
        };
        if c == '\n' {
            line += 1;
            start += 1;
            continue;
        }
        if c.is_whitespace() {
            start += c.len_utf8();
            continue;
        }
        let push = |tokens: &mut Vec<Token>, end: usize, kind: TokenKind| {
            tokens.push(Token {
                start,
                end,
                kind,
                sentence: 0,
                line,
                capitalized: kind == TokenKind::Word && c.is_uppercase(),
            })
        };
        if c.is_alphanumeric() {
            let end = scan_word(text, start);
            let kind = if c.is_ascii_digit() && text[start..end].chars().all(|c| !c.is_alphabetic())
            {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            push(&mut tokens, end, kind);
            start = end;
            continue;
        }
        if is_apostrophe(c) && is_possessive_at(text, start) {
            let end = start + c.len_utf8() + 1;
            push(&mut tokens, end, TokenKind::Punct);
            start = end;
            continue;
        }
        push(&mut tokens, start + c.len_utf8(), TokenKind::Punct);
        start += c.len_utf8();
    }
    tokens
}

/// Whether an apostrophe at `pos` starts a possessive `'s` that ends the word.
fn is_possessive_at(text: &str, pos: usize) -> bool {
    let rest = &text[pos..];
    let after = rest.chars().nth(1);
    let after2 = rest.chars().nth(2);
    matches!(after, Some('s')) && !after2.is_some_and(char::is_alphanumeric)
}

/// End of the word starting at `start`: alphanumerics joined by inner hyphens, apostrophes
/// (not a final possessive), digit separators and dotted initials.
fn scan_word(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = start;
    let mut segment_len = 0usize;
    let mut dotted = false;
    let mut pos = start;
    while let Some(&byte) = bytes.get(pos) {
        // ASCII lower case and digits, most of a word's bytes, without decoding a char: what
        // the alphanumeric branch below does for them (no capital, so no glued words).
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() {
            end = pos + 1;
            segment_len += 1;
            pos += 1;
            continue;
        }
        let Some(c) = text[pos..].chars().next() else {
            break;
        };
        let width = c.len_utf8();
        if c.is_alphanumeric() {
            if c.is_uppercase() && glued_words_at(text, start, pos) {
                break;
            }
            end = pos + width;
            segment_len += 1;
            pos += width;
            continue;
        }
        let next = text[pos + width..].chars().next();
        let prev_digit = end > start && bytes[end - 1].is_ascii_digit();
        let joins = match c {
            '-' | '‐' => next.is_some_and(char::is_alphanumeric),
            ',' => {
                prev_digit
                    && next.is_some_and(|n| n.is_ascii_digit())
                    && digits_follow(text, pos + 1, 3)
            }
            '.' => {
                if prev_digit && next.is_some_and(|n| n.is_ascii_digit()) {
                    true
                } else if segment_len <= 2
                    && text[start..end]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_uppercase)
                    && (dotted || next.is_some_and(char::is_uppercase))
                {
                    // dotted initials: U.S., U.K., D.C.
                    let after_is_letter = next.is_some_and(char::is_alphabetic);
                    let short_next = after_is_letter
                        && text[pos + 1..]
                            .chars()
                            .take_while(|c| c.is_alphabetic())
                            .count()
                            <= 2;
                    if short_next {
                        dotted = true;
                        true
                    } else if dotted {
                        end = pos + 1;
                        break;
                    } else {
                        false
                    }
                } else {
                    false
                }
            }
            '\'' | '’' => next.is_some_and(char::is_alphabetic) && !is_possessive_at(text, pos),
            _ => false,
        };
        if !joins {
            break;
        }
        segment_len = 0;
        pos += width;
    }
    end.max(start + text[start..].chars().next().map_or(1, char::len_utf8))
}

/// "IndependentOleg": two words glued by a bad copy, split where a long lowercase run meets
/// a capitalized word ("McGuinty", "LinkedIn", "YouTube" stay whole).
fn glued_words_at(text: &str, start: usize, pos: usize) -> bool {
    let left = &text[start..pos];
    // Cheapest test first: most capitals start their word, with nothing on the left.
    left.len() >= 5
        && left.chars().rev().take_while(|c| c.is_lowercase()).count() >= 4
        && left.chars().count() >= 5
        && text[pos..]
            .chars()
            .skip(1)
            .take_while(|c| c.is_lowercase())
            .count()
            >= 2
}

fn digits_follow(text: &str, pos: usize, n: usize) -> bool {
    let b = text.as_bytes();
    pos + n <= b.len()
        && b[pos..pos + n].iter().all(u8::is_ascii_digit)
        && !b.get(pos + n).is_some_and(u8::is_ascii_digit)
}

fn is_closing(s: &str) -> bool {
    matches!(s, "\"" | "”" | "’" | "'" | ")" | "»")
}

/// The fewest non-blank lines of a hard-wrapped text.
const MIN_WRAPPED_LINES: usize = 3;
/// The narrowest and the widest column, in characters, text is taken to be wrapped at:
/// narrower lines are a table's or a list's, wider ones a paragraph's.
const WRAP_WIDTHS: std::ops::RangeInclusive<usize> = 25..=100;

/// The newlines of `text` that only wrap a line, when it is hard-wrapped prose (wire copy at
/// 60–70 characters a line). Its column is taken as the length four lines in five stay
/// within; a newline wraps when the next line's first word would not have fit on the line
/// before it and both lines are prose (each holds a word in lower case: a table's rows and a
/// headline's words are capitalized). The text is wrapped when at least half of its newlines
/// between two non-blank lines wrap, and two or more do. Sentence-per-line text has lines of
/// every length and few newlines that wrap.
fn wrap_newlines(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\n', bytes)
        .nth(MIN_WRAPPED_LINES - 2)
        .is_none()
    {
        return Vec::new();
    }
    // Each line: its text and its width in characters, 0 when it is blank.
    let mut lines: Vec<(&str, usize)> = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
        let line = &text[start..end];
        lines.push((line, char_count(line.trim_end())));
        start = end + 1;
    }
    let mut widths: Vec<usize> = lines
        .iter()
        .map(|&(_, width)| width)
        .filter(|&w| w > 0)
        .collect();
    if widths.len() < MIN_WRAPPED_LINES {
        return Vec::new();
    }
    widths.sort_unstable();
    let column = widths[widths.len() * 4 / 5];
    if !WRAP_WIDTHS.contains(&column) {
        return Vec::new();
    }
    // a word, after white space or at the start, that begins in lower case
    let is_prose = |line: &str| {
        let mut word_start = true;
        line.chars().any(|c| {
            let lower_word = word_start && c.is_lowercase();
            word_start = c.is_whitespace();
            lower_word
        })
    };
    let (mut wraps, mut breaks) = (Vec::new(), 0);
    let mut newline = 0;
    for pair in lines.windows(2) {
        let [(line, width), (next, next_width)] = [pair[0], pair[1]];
        newline += line.len();
        if width > 0 && next_width > 0 {
            breaks += 1;
            let next_word = next.split_whitespace().next().unwrap_or_default();
            if width + 1 + char_count(next_word) > column && is_prose(line) && is_prose(next) {
                wraps.push(newline);
            }
        }
        newline += 1;
    }
    if wraps.len() >= 2 && wraps.len() * 2 >= breaks {
        wraps
    } else {
        Vec::new()
    }
}

/// Whether the newline at byte `at` is one of `wrap_newlines` (sorted, from
/// [`wrap_newlines`]): what [`Analysis::wraps_at`] asks, also while the sentences are split.
fn wraps_at(wrap_newlines: &[usize], at: usize) -> bool {
    wrap_newlines.binary_search(&at).is_ok()
}

/// The characters of `s`, counted without decoding when it is ASCII.
fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn split_sentences(text: &str, tokens: &mut [Token], wrap_newlines: &[usize]) -> Vec<Sentence> {
    let mut sentences = Vec::new();
    let mut first = 0;
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let mut end_here = false;
        let t = tokens[i];
        let s = &text[t.start..t.end];
        let mut last = i;
        if matches!(s, "." | "!" | "?" | "…") {
            while last + 1 < n
                && is_closing(&text[tokens[last + 1].start..tokens[last + 1].end])
                && tokens[last + 1].line == t.line
            {
                last += 1;
            }
            let prev_abbrev = s == "."
                && i > 0
                && tokens[i - 1].end == t.start
                && is_abbreviation(&text[tokens[i - 1].start..tokens[i - 1].end]);
            let next_starts = last + 1 >= n || {
                let nt = &text[tokens[last + 1].start..];
                nt.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "\"“‘'(".contains(c))
            };
            end_here = !prev_abbrev && next_starts;
        }
        if !end_here && last + 1 < n && tokens[last + 1].line != tokens[last].line {
            // a newline that wraps the line is a space; another ends the sentence
            let between = &text[tokens[last].end..tokens[last + 1].start];
            end_here = !(tokens[last + 1].line == tokens[last].line + 1
                && between
                    .find('\n')
                    .is_some_and(|at| wraps_at(wrap_newlines, tokens[last].end + at)));
        }
        if end_here || last + 1 >= n {
            let idx = sentences.len();
            for tok in &mut tokens[first..=last] {
                tok.sentence = idx;
            }
            sentences.push(Sentence {
                first,
                last: last + 1,
                start: tokens[first].start,
                end: tokens[last].end,
            });
            first = last + 1;
        }
        i = last + 1;
    }
    sentences
}

fn is_abbreviation(word: &str) -> bool {
    (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
        || ABBREVIATIONS.contains(&word)
        || newspipe_knowledge::military_ranks().contains(&word)
        || crate::lexicon::MONTH_ABBREVIATIONS
            .iter()
            .any(|m| m == word)
        || word.contains('.')
}

/// Words that stay lowercase in title case, so they do not count against a headline.
const TITLE_CASE_MINOR: &[&str] = &[
    "a", "an", "the", "of", "for", "and", "or", "in", "on", "at", "to", "by", "with", "as", "vs",
    "from", "into", "but", "nor",
];

/// The longest word of [`TITLE_CASE_MINOR`] in bytes: a longer word is not one of them.
const TITLE_CASE_MINOR_MAX_LEN: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < TITLE_CASE_MINOR.len() {
        if TITLE_CASE_MINOR[i].len() > longest {
            longest = TITLE_CASE_MINOR[i].len();
        }
        i += 1;
    }
    longest
};

/// Per line: headline-like (most words capitalized) and shouted (no lowercase letters).
fn find_headline_lines(text: &str, tokens: &[Token]) -> (Vec<bool>, Vec<bool>) {
    let lines = tokens.last().map_or(0, |t| t.line + 1);
    let mut caps = vec![0u32; lines];
    let mut lower = vec![0u32; lines];
    let mut has_lowercase = vec![false; lines];
    let mut capital_words = vec![0u32; lines];
    for t in tokens.iter().filter(|t| t.kind == TokenKind::Word) {
        let w = &text[t.start..t.end];
        if w.chars().next().is_some_and(char::is_uppercase) {
            caps[t.line] += 1;
        } else if w.len() > TITLE_CASE_MINOR_MAX_LEN || !TITLE_CASE_MINOR.contains(&w) {
            lower[t.line] += 1;
        }
        if w.chars().any(char::is_lowercase) {
            has_lowercase[t.line] = true;
        } else if w.chars().filter(|c| c.is_uppercase()).count() >= 2 {
            capital_words[t.line] += 1;
        }
    }
    let headline = (0..lines)
        .map(|l| caps[l] >= 2 && lower[l] * 5 <= caps[l])
        .collect();
    let shouted = (0..lines)
        .map(|l| !has_lowercase[l] && capital_words[l] >= 1)
        .collect();
    (headline, shouted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let a = Analysis::new(text);
        (0..a.tokens.len()).map(|i| a.tok(i)).collect()
    }

    #[test]
    fn splits_possessives_and_keeps_initials() {
        assert_eq!(
            words("Trump’s envoy met U.S. officials in Canada-led talks."),
            [
                "Trump",
                "’s",
                "envoy",
                "met",
                "U.S.",
                "officials",
                "in",
                "Canada-led",
                "talks",
                "."
            ]
        );
    }

    #[test]
    fn keeps_numbers_whole() {
        assert_eq!(
            words("about 1,700 to 1,900 troops, 4.7 percent, on 2025-03-06."),
            [
                "about",
                "1,700",
                "to",
                "1,900",
                "troops",
                ",",
                "4.7",
                "percent",
                ",",
                "on",
                "2025-03-06",
                "."
            ]
        );
    }

    #[test]
    fn sentences_do_not_break_after_titles() {
        let a = Analysis::new("Lt.-Gen. Steve Boivin spoke. Mr. Blair left.\nNew line");
        assert_eq!(a.sentences.len(), 3);
        assert_eq!(
            &a.text[a.sentences[0].start..a.sentences[0].end],
            "Lt.-Gen. Steve Boivin spoke."
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "",
            "’",
            "'s",
            "U.",
            "1,",
            "é.É.",
            "\u{200b}\n\n",
            "a-",
            "ß’s x",
        ] {
            let a = Analysis::new(text);
            for t in &a.tokens {
                assert!(text.get(t.start..t.end).is_some());
            }
        }
    }

    #[test]
    fn knows_which_words_are_capitalized() {
        let a = Analysis::new("Éric met ÖBB's 3M staff.");
        let capitalized: Vec<(&str, bool)> = (0..a.tokens.len())
            .map(|i| (a.tok(i), a.is_capitalized(i)))
            .collect();
        assert_eq!(
            capitalized,
            [
                ("Éric", true),
                ("met", false),
                ("ÖBB", true),
                ("'s", false),
                ("3M", false),
                ("staff", false),
                (".", false)
            ]
        );
    }

    /// A story of my own hard-wrapped at 40 columns, as wire archives hold it.
    const WRAPPED: &str = "Shares of Acme Holdings rose on Tuesday\n\
        after the company said its chairman, Paul\n\
        Whitcombe, would step down in June. The\n\
        board named the finance director, Anna\n\
        Kowalczyk, to succeed him.";

    #[test]
    fn hard_wrapped_prose_goes_on_across_its_newlines() {
        let a = Analysis::new(WRAPPED);
        // every newline wraps
        assert_eq!(a.wrap_newlines.len(), WRAPPED.matches('\n').count());
        let sentences: Vec<&str> = a
            .sentences
            .iter()
            .map(|s| &WRAPPED[s.start..s.end])
            .collect();
        assert_eq!(sentences.len(), 2, "{sentences:?}");
        let paul = WRAPPED.find("Paul").unwrap() + "Paul".len();
        assert!(a.only_spaces_between(paul, paul + 1));
        // the same words a line each: a newline is no space there
        let unwrapped = "Shares of Acme Holdings rose on Tuesday\nPaul Whitcombe will step down.";
        let b = Analysis::new(unwrapped);
        assert!(b.wrap_newlines.is_empty());
        assert_eq!(b.sentences.len(), 2);
        assert!(!b.only_spaces_between(39, 40));
    }

    #[test]
    fn tables_lists_and_headlines_are_not_wrapped_prose() {
        for text in [
            // a table's rows are all about as wide, but none holds a word in lower case
            "BALTIMORE 70 63 .526 4\nBOSTON 69 65 .515 5 1/2\nTORONTO 63 71 .470 11\n\
             DETROIT 48 86 .358 26 1/2\nCLEVELAND 80 53 .602 -",
            // a headline, a dateline and a paragraph a line each
            "Acme Chairman To Step Down\nLONDON, March 3\nThe chairman of Acme Holdings \
             will step down in June, the company said on Tuesday, and the board will name \
             his successor at its next meeting.",
            // sentences a line each, of every length
            "The board met on Tuesday.\nIt named a new chairman after a long search that \
             took most of the year.\nShares rose.\nAnalysts said the choice was a safe one.",
        ] {
            assert!(Analysis::new(text).wrap_newlines.is_empty(), "{text}");
        }
    }

    #[test]
    fn detects_headline_lines() {
        let a = Analysis::new("Canada Weighs Troop Role In Ukraine\nCanada is ready to help.");
        assert_eq!(a.headline_lines, [true, false]);
    }
}
