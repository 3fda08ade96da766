//! The trained entity recognizer: a greedy averaged perceptron over BIO tags whose features
//! (word, lower case, shape, affixes, capitalization, sentence position, ±2 words, the
//! crate's name lists, titles and demonyms, and the labels already given to the same word in
//! the document) are hashed into a fixed-size weight table.
//!
//! The model is trained on CoNLL-2003 `eng.train` by `cargo xtask train-ner` (see
//! [`crate::ner_train`]) and ships as `data/ner.model.gz`; it is decompressed once per run.
//! It reads the same [`Analysis`] tokens as the rules, so it works on ordinary prose and on
//! pre-tokenized text alike.

use std::io::Read;
use std::sync::LazyLock;

use newspipe_core::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};
use xxhash_rust::xxh3::xxh3_64;

use crate::lexicon::{is_common_word, DEMONYM_SET, FIRST_NAME_SET};
use crate::text::{Analysis, TokenKind};

/// The tags the model chooses from: outside, then begin/inside for each entity type.
/// MISC is learned (so nationalities and events do not end up as places) but not reported.
pub const TAGS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
];

/// Number of tags.
pub const TAG_COUNT: usize = TAGS.len();

/// Bumped whenever the features change, so a stale model file is refused.
pub const FEATURE_VERSION: u32 = 3;

/// The 4-byte magic number at the start of a model file.
const MAGIC: &[u8; 4] = b"NPNR";

/// The shipped model, compressed.
const MODEL_BYTES: &[u8] = include_bytes!("../data/ner.model.gz");

/// The shipped model, decompressed on first use.
static MODEL: LazyLock<Option<Model>> = LazyLock::new(|| Model::from_gzip(MODEL_BYTES).ok());

/// A tag's entity type: 0 none, 1 PER, 2 ORG, 3 LOC, 4 MISC.
pub fn tag_type(tag: usize) -> usize {
    tag.div_ceil(2)
}

/// Whether a tag begins an entity.
pub fn tag_begins(tag: usize) -> bool {
    tag % 2 == 1
}

/// A hashed weight table: `rows` buckets of [`TAG_COUNT`] weights each.
#[derive(Debug, Clone)]
pub struct Model {
    mask: u64,
    rows: Vec<[i16; TAG_COUNT]>,
}

impl Model {
    /// Reads a model written by [`Model::to_gzip`].
    pub fn from_gzip(bytes: &[u8]) -> std::io::Result<Self> {
        let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut raw)?;
        if raw.len() < 12 || &raw[..4] != MAGIC {
            return Err(invalid("not an entity model"));
        }
        let word = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        if word(4) != FEATURE_VERSION {
            return Err(invalid("entity model built for other features"));
        }
        let rows_log2 = word(8);
        let body = &raw[12..];
        if rows_log2 > 30 || body.len() != (TAG_COUNT << rows_log2) * 2 {
            return Err(invalid("entity model has the wrong size"));
        }
        let rows = body
            .chunks_exact(2 * TAG_COUNT)
            .map(|row| std::array::from_fn(|t| i16::from_le_bytes([row[2 * t], row[2 * t + 1]])))
            .collect();
        Ok(Self {
            mask: (1u64 << rows_log2) - 1,
            rows,
        })
    }

    /// Quantizes float weights (`TAG_COUNT` per row, a power-of-two number of rows) into a
    /// compressed model file.
    pub fn to_gzip(weights: &[f32]) -> std::io::Result<Vec<u8>> {
        use std::io::Write;
        let rows = weights.len() / TAG_COUNT;
        let rows_log2 = rows.trailing_zeros();
        let largest = weights.iter().fold(0f32, |m, w| m.max(w.abs())).max(1e-9);
        let scale = f32::from(i16::MAX) / largest;
        let mut raw = Vec::with_capacity(12 + weights.len() * 2);
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        raw.extend_from_slice(&rows_log2.to_le_bytes());
        for w in weights {
            raw.extend_from_slice(&((w * scale).round() as i16).to_le_bytes());
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw)?;
        gz.finish()
    }

    /// Adds the weights of the row `feature` hashes to into `scores`.
    #[inline]
    fn add_row(&self, scores: &mut [i32; TAG_COUNT], feature: u64) {
        let row = &self.rows[(feature & self.mask) as usize];
        for (s, &w) in scores.iter_mut().zip(row) {
            *s += i32::from(w);
        }
    }

    fn scores(&self, features: &[u64]) -> [i32; TAG_COUNT] {
        let mut scores = [0i32; TAG_COUNT];
        for &f in features {
            self.add_row(&mut scores, f);
        }
        scores
    }
}

/// Something that scores the tags of one token from its feature hashes: the shipped model,
/// or the weights being trained.
pub trait Scorer {
    /// The best tag for these features.
    fn best(&self, features: &[u64]) -> usize;
}

impl Scorer for Model {
    fn best(&self, features: &[u64]) -> usize {
        argmax(&self.scores(features))
    }
}

impl Model {
    /// The best tag of token `i` and how far its score lies above the runner-up's, as a
    /// share of the largest weight.
    fn best_with_margin(
        &self,
        doc: &DocumentFeatures,
        i: usize,
        prev: [usize; 2],
        history: usize,
    ) -> (usize, f32) {
        let mut scores = [0i32; TAG_COUNT];
        doc.each_feature(i, prev, history, |f| self.add_row(&mut scores, f));
        let best = argmax(&scores);
        let runner_up = (0..TAG_COUNT)
            .filter(|&t| t != best)
            .map(|t| scores[t])
            .max()
            .unwrap_or(0);
        (
            best,
            (scores[best] - runner_up) as f32 / f32::from(i16::MAX),
        )
    }
}

/// Index of the largest value; the first on ties, so decoding is deterministic.
pub fn argmax<T: PartialOrd + Copy>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

// Flags of one token.
const CAPITALIZED: u16 = 1;
const ALL_CAPS: u16 = 1 << 1;
const HAS_DIGIT: u16 = 1 << 2;
const HAS_HYPHEN: u16 = 1 << 3;
const HAS_PERIOD: u16 = 1 << 4;
const SENTENCE_INITIAL: u16 = 1 << 5;
const SHOUTED_LINE: u16 = 1 << 6;
const HEADLINE_LINE: u16 = 1 << 7;
const FIRST_NAME: u16 = 1 << 8;
const DEMONYM: u16 = 1 << 9;
const COMMON_WORD: u16 = 1 << 10;
const AFTER_TITLE: u16 = 1 << 11;
const IN_TITLE: u16 = 1 << 12;
const LOWERCASE_ELSEWHERE: u16 = 1 << 13;

/// What the features read of a token besides its word forms' hashes.
#[derive(Debug, Clone, Copy, Default)]
struct TokenInfo {
    flags: u16,
    /// Gazetteer position: 0 none, else 1 + 2 × kind index + (0 begin, 1 inside).
    listed: u8,
    /// Position of the token in its sentence, capped at 3.
    position: u8,
    /// The token's sentence: its first token and one past its last.
    sentence: (u32, u32),
}

/// Hashes of a token's word forms. Most tokens of a document are never scored (only
/// capitalized ones and those continuing an entity are), so these are computed the first
/// time a feature reads them: the lower case for the tokens up to two either side of a
/// scored one, the shape for one either side, the word and affixes for the scored one.
#[derive(Debug, Clone, Copy, Default)]
struct TokenHashes {
    lower: u64,
    shape: u64,
    word: u64,
    affixes: [u64; 6],
}

// Which of a token's hashes are computed.
const LOWER_HASHED: u8 = 1;
const SHAPE_HASHED: u8 = 1 << 1;
const OWN_HASHED: u8 = 1 << 2;
// Whether a token's flags beyond those set up front are set.
const FLAGS_SET: u8 = 1 << 3;

/// The features of every token of one document, from its [`Analysis`]: what decides whether
/// a token is scored up front, the rest on demand (see [`DocumentFeatures::prepare`]).
pub struct DocumentFeatures {
    infos: Vec<TokenInfo>,
    hashes: Vec<TokenHashes>,
    /// Per token, which of `hashes` and flags are computed (`LOWER_HASHED` | …).
    hashed: Vec<u8>,
    /// Scratch space for a lowercase or shape form.
    scratch: String,
}

/// Sentinel hashes for positions before and after a sentence.
const BEFORE: u64 = 0x5bd1_e995_0000_0001;
const AFTER: u64 = 0x5bd1_e995_0000_0002;

fn mix(template: u64, value: u64) -> u64 {
    let mut h = value ^ template.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 29;
    h
}

fn pair(a: u64, b: u64) -> u64 {
    a.rotate_left(23) ^ b.wrapping_mul(0x94D0_49BB_1331_11EB)
}

/// "McGuinty" → "XxXx", "1996-08-22" → "d-d-d": character classes with runs collapsed.
fn shape_of(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        // byte-wise for the common case, the same classes as below
        let mut last = 0u8;
        for b in word.bytes() {
            let class = match b {
                b'A'..=b'Z' => b'X',
                b'a'..=b'z' => b'x',
                b'0'..=b'9' => b'd',
                other => other,
            };
            if class != last {
                out.push(char::from(class));
                last = class;
            }
        }
        return;
    }
    let mut last = '\0';
    for c in word.chars() {
        let class = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if class != last {
            out.push(class);
            last = class;
        }
    }
}

/// `word` in lower case: `word` itself when it is ASCII without capitals (most tokens), else
/// written into `scratch`.
fn lowercase<'w>(word: &'w str, scratch: &'w mut String) -> &'w str {
    if word.is_ascii() {
        if !word.bytes().any(|b| b.is_ascii_uppercase()) {
            return word;
        }
        scratch.clear();
        scratch.push_str(word);
        scratch.make_ascii_lowercase();
        return scratch;
    }
    scratch.clear();
    scratch.extend(word.chars().flat_map(char::to_lowercase));
    scratch
}

/// Hashes of the 1-, 2- and 3-character prefixes then suffixes of a lowercase word longer
/// than the affix (0 where it is not); `ascii` says whether the original word is ASCII, so
/// that bytes can stand for characters.
fn affix_hashes(lower: &str, ascii: bool) -> [u64; 6] {
    let mut affixes = [0u64; 6];
    for (k, len) in [1usize, 2, 3].into_iter().enumerate() {
        let bounds = if ascii {
            (lower.len() > len).then(|| (len, lower.len() - len))
        } else {
            let prefix_end = lower.char_indices().nth(len).map(|(at, _)| at);
            let suffix_start = lower.char_indices().rev().nth(len - 1).map(|(at, _)| at);
            prefix_end.zip(suffix_start)
        };
        if let Some((prefix_end, suffix_start)) = bounds {
            affixes[k] = xxh3_64(&lower.as_bytes()[..prefix_end]);
            affixes[3 + k] = xxh3_64(&lower.as_bytes()[suffix_start..]);
        }
    }
    affixes
}

/// Whether a word starts with a capital letter.
fn starts_capitalized(word: &str) -> bool {
    match word.as_bytes().first() {
        Some(b) if b.is_ascii() => b.is_ascii_uppercase(),
        _ => word.chars().next().is_some_and(char::is_uppercase),
    }
}

/// The flags a token's own characters give beyond [`CAPITALIZED`]: all capitals, digits,
/// hyphens, periods.
fn character_flags(word: &str, capitalized: bool) -> u16 {
    let mut flags = 0;
    if capitalized && word.chars().all(|c| !c.is_lowercase()) && word.chars().count() > 1 {
        flags |= ALL_CAPS;
    }
    for b in word.bytes() {
        match b {
            b'0'..=b'9' => flags |= HAS_DIGIT,
            b'-' => flags |= HAS_HYPHEN,
            b'.' => flags |= HAS_PERIOD,
            _ => {}
        }
    }
    flags
}

/// Lengths and first bytes of a set of words, to rule out cheaply that another word is one
/// of them.
#[derive(Default)]
struct LengthsAndInitials {
    /// Bit `min(len, 63)` for each word's length in bytes.
    lengths: u64,
    /// Bit `b` for each word's first byte `b`.
    initials: [u64; 4],
}

impl LengthsAndInitials {
    fn add(&mut self, word: &str) {
        if let Some(&first) = word.as_bytes().first() {
            self.lengths |= 1 << word.len().min(63);
            self.initials[usize::from(first >> 6)] |= 1 << (first & 63);
        }
    }

    /// Whether a word of `len` bytes starting with byte `first` may be one of the words.
    fn may_hold(&self, len: usize, first: u8) -> bool {
        self.lengths & (1 << len.min(63)) != 0
            && self.initials[usize::from(first >> 6)] & (1 << (first & 63)) != 0
    }
}

impl DocumentFeatures {
    /// Reads what every token needs up front (capitals, sentence, list and title marks,
    /// whether a capitalized word also appears in lower case); `listed` are the list hits
    /// (span and kind) and `titles` the title-list matches of the document.
    pub fn new(
        a: &Analysis,
        listed_spans: &[(usize, usize, EntityKind)],
        titles: &[(usize, usize)],
    ) -> Self {
        let n = a.tokens.len();
        let mut infos = vec![TokenInfo::default(); n];
        for &(start, end, kind) in listed_spans {
            let first = a.token_at(start);
            for (k, info) in infos.iter_mut().enumerate().skip(first) {
                if a.tokens[k].start >= end {
                    break;
                }
                info.listed = 1 + 2 * kind_index(kind) as u8 + u8::from(k > first);
            }
        }
        for &(start, end) in titles {
            let first = a.token_at(start);
            let mut k = first;
            while k < n && a.tokens[k].end <= end {
                infos[k].flags |= IN_TITLE;
                k += 1;
            }
            if k < n && k > first {
                infos[k].flags |= AFTER_TITLE;
            }
        }
        let mut doc = Self {
            infos,
            hashes: vec![TokenHashes::default(); n],
            hashed: vec![0; n],
            scratch: String::new(),
        };
        // the lowercase forms of capitalized words, to find the few lowercase words that
        // could be one of them
        let mut capitalized_forms = LengthsAndInitials::default();
        for s in &a.sentences {
            for i in s.first..s.last {
                let info = &mut doc.infos[i];
                info.position = (i - s.first).min(3) as u8;
                info.sentence = (s.first as u32, s.last as u32);
                let w = a.tok(i);
                if starts_capitalized(w) {
                    info.flags |= CAPITALIZED;
                    let lower = lowercase(w, &mut doc.scratch);
                    capitalized_forms.add(lower);
                    doc.hashes[i].lower = xxh3_64(lower.as_bytes());
                    doc.hashed[i] |= LOWER_HASHED;
                }
            }
        }
        // a capitalized word also written in lower case elsewhere in the document
        let mut lowercase_words: FxHashSet<u64> = FxHashSet::default();
        for (i, t) in a.tokens.iter().enumerate() {
            if t.kind != TokenKind::Word || doc.infos[i].flags & CAPITALIZED != 0 {
                continue;
            }
            let w = a.tok(i);
            if w.is_ascii() {
                let first = w.as_bytes()[0].to_ascii_lowercase();
                if !capitalized_forms.may_hold(w.len(), first) {
                    continue;
                }
            }
            let lower = lowercase(w, &mut doc.scratch);
            if lower
                .as_bytes()
                .first()
                .is_some_and(|&first| capitalized_forms.may_hold(lower.len(), first))
            {
                doc.hashes[i].lower = xxh3_64(lower.as_bytes());
                doc.hashed[i] |= LOWER_HASHED;
                lowercase_words.insert(doc.hashes[i].lower);
            }
        }
        if !lowercase_words.is_empty() {
            for (info, hashes) in doc.infos.iter_mut().zip(&doc.hashes) {
                if info.flags & CAPITALIZED != 0 && lowercase_words.contains(&hashes.lower) {
                    info.flags |= LOWERCASE_ELSEWHERE;
                }
            }
        }
        doc
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.infos.len()
    }

    /// Computes what `what` asks for of token `i` (of analysis `a`, the one given to
    /// [`DocumentFeatures::new`]) and is not computed yet.
    fn complete(&mut self, a: &Analysis, i: usize, what: u8) {
        let missing = what & !self.hashed[i];
        if missing == 0 {
            return;
        }
        let w = a.tok(i);
        if missing & FLAGS_SET != 0 {
            self.set_flags(a, i);
        }
        let hashes = &mut self.hashes[i];
        if missing & SHAPE_HASHED != 0 {
            shape_of(w, &mut self.scratch);
            hashes.shape = xxh3_64(self.scratch.as_bytes());
        }
        if missing & (LOWER_HASHED | OWN_HASHED) != 0 {
            let lower = lowercase(w, &mut self.scratch);
            hashes.lower = xxh3_64(lower.as_bytes());
            if missing & OWN_HASHED != 0 {
                hashes.word = xxh3_64(w.as_bytes());
                hashes.affixes = affix_hashes(lower, w.is_ascii());
            }
        }
        self.hashed[i] |= missing;
    }

    /// Adds the flags of token `i` beyond those [`DocumentFeatures::new`] sets.
    fn set_flags(&mut self, a: &Analysis, i: usize) {
        let t = &a.tokens[i];
        let w = a.tok(i);
        let info = &mut self.infos[i];
        let capitalized = info.flags & CAPITALIZED != 0;
        let mut flags = character_flags(w, capitalized);
        let first = info.sentence.0 as usize;
        if t.kind != TokenKind::Punct
            && a.tokens[first..i]
                .iter()
                .all(|t| t.kind == TokenKind::Punct)
        {
            flags |= SENTENCE_INITIAL;
        }
        if a.on_shouted_line(i) {
            flags |= SHOUTED_LINE;
        }
        if a.on_headline(i) {
            flags |= HEADLINE_LINE;
        }
        // the name lists hold capitalized words; a lowercase word needs no look-up
        if capitalized && t.kind == TokenKind::Word {
            if FIRST_NAME_SET.contains(w) {
                flags |= FIRST_NAME;
            }
            if DEMONYM_SET.contains(w) {
                flags |= DEMONYM;
            }
            if is_common_word(lowercase(w, &mut self.scratch)) {
                flags |= COMMON_WORD;
            }
        }
        info.flags |= flags;
    }

    /// Computes what the features of token `i` read (its own word forms and flags and its
    /// neighbours') and returns its key for the document's label history. Call it before
    /// [`DocumentFeatures::each_feature`] of that token, with the analysis given to
    /// [`DocumentFeatures::new`].
    pub fn prepare(&mut self, a: &Analysis, i: usize) -> u64 {
        let (first, last) = self.infos[i].sentence;
        let (first, last) = (first as usize, last as usize);
        self.complete(a, i, FLAGS_SET | LOWER_HASHED | SHAPE_HASHED | OWN_HASHED);
        for (offset, what) in [
            (-2, LOWER_HASHED),
            (-1, FLAGS_SET | LOWER_HASHED | SHAPE_HASHED),
            (1, FLAGS_SET | LOWER_HASHED | SHAPE_HASHED),
            (2, LOWER_HASHED),
        ] {
            let k = i as isize + offset;
            if k >= first as isize && k < last as isize {
                self.complete(a, k as usize, what);
            }
        }
        self.hashes[i].lower
    }

    /// Calls `emit` with each feature hash of token `i` given the two tags before it and the
    /// entity type the document last gave to the same word (`history`, 0 for none); the
    /// token must be [prepared](DocumentFeatures::prepare).
    #[inline]
    pub fn each_feature(
        &self,
        i: usize,
        prev: [usize; 2],
        history: usize,
        mut emit: impl FnMut(u64),
    ) {
        debug_assert!(self.hashed[i] & OWN_HASHED != 0, "token {i} not prepared");
        let info = &self.infos[i];
        let me = &self.hashes[i];
        let (first, last) = (info.sentence.0 as usize, info.sentence.1 as usize);
        let at = |offset: isize| -> Option<usize> {
            let k = i as isize + offset;
            (k >= first as isize && k < last as isize).then_some(k as usize)
        };
        let lower_at =
            |offset: isize| at(offset).map_or(BEFORE ^ offset as u64, |k| self.hashes[k].lower);
        let shape_at =
            |offset: isize| at(offset).map_or(AFTER ^ offset as u64, |k| self.hashes[k].shape);
        let neighbour_flags =
            |offset: isize| at(offset).map_or(0xFFFF, |k| u64::from(self.infos[k].flags));
        let neighbour_listed =
            |offset: isize| at(offset).map_or(0xFF, |k| u64::from(self.infos[k].listed));
        let flags = u64::from(info.flags);
        let (p1, p2) = (prev[0] as u64, prev[1] as u64);
        let (lower_before, lower_after) = (lower_at(-1), lower_at(1));
        let (shape_before, shape_after) = (shape_at(-1), shape_at(1));
        let mut push = |template: u64, value: u64| emit(mix(template, value));
        push(0, 0);
        push(1, me.word);
        push(2, me.lower);
        push(3, me.shape);
        for (k, &affix) in me.affixes.iter().enumerate() {
            if affix != 0 {
                push(4 + k as u64, affix);
            }
        }
        push(10, flags & 0xFF);
        push(11, flags >> 8);
        push(12, pair(flags & 0x3, u64::from(info.position)));
        push(13, u64::from(info.listed));
        push(14, lower_before);
        push(15, lower_at(-2));
        push(16, lower_after);
        push(17, lower_at(2));
        push(18, shape_before);
        push(19, shape_after);
        push(20, pair(lower_before, me.lower));
        push(21, pair(me.lower, lower_after));
        push(22, pair(shape_before, me.shape));
        push(23, pair(me.shape, shape_after));
        push(24, p1);
        push(25, pair(p1, p2));
        push(26, pair(p1, me.lower));
        push(27, pair(p1, me.shape));
        push(28, neighbour_flags(-1) & 0x1FFF);
        push(29, neighbour_flags(1) & 0x1FFF);
        push(30, neighbour_listed(-1));
        push(31, neighbour_listed(1));
        push(32, pair(u64::from(info.listed), flags & 0x3));
        push(33, history as u64);
        push(34, pair(history as u64, flags & 0x1));
        push(35, pair(me.shape, p1));
        push(36, pair(shape_before, pair(me.shape, shape_after)));
    }

    /// The feature hashes of token `i` (see [`DocumentFeatures::each_feature`]) into `out`.
    pub fn features(&self, i: usize, prev: [usize; 2], history: usize, out: &mut Vec<u64>) {
        out.clear();
        self.each_feature(i, prev, history, |f| out.push(f));
    }

    /// Whether token `i` can begin an entity: only capitalized tokens do (in `eng.train`, 88
    /// of 23,499 entities begin otherwise, mostly MISC). Outside an entity, other tokens are
    /// tagged O without scoring, in training as at run time.
    pub fn may_begin(&self, i: usize) -> bool {
        self.infos[i].flags & CAPITALIZED != 0
    }

    /// The first token of token `i`'s sentence.
    pub fn sentence_first(&self, i: usize) -> usize {
        self.infos[i].sentence.0 as usize
    }
}

/// Tags a document greedily, left to right, each token seeing the two tags before it and
/// what the document already called the same word.
pub fn tag_document(doc: &mut DocumentFeatures, a: &Analysis, scorer: &impl Scorer) -> Vec<usize> {
    let mut features = Vec::with_capacity(48);
    tag_with(doc, a, |doc, i, prev, history| {
        doc.features(i, prev, history, &mut features);
        (scorer.best(&features), 0.0)
    })
    .0
}

/// Greedy tagging with any function scoring token `i` given the two tags before it and its
/// history (see [`DocumentFeatures::each_feature`]), returning a tag and its margin; returns
/// the tags and their margins.
fn tag_with(
    doc: &mut DocumentFeatures,
    a: &Analysis,
    mut best: impl FnMut(&DocumentFeatures, usize, [usize; 2], usize) -> (usize, f32),
) -> (Vec<usize>, Vec<f32>) {
    let mut tags = Vec::with_capacity(doc.len());
    let mut margins = Vec::with_capacity(doc.len());
    let mut history: FxHashMap<u64, usize> = FxHashMap::default();
    for i in 0..doc.len() {
        let first = doc.sentence_first(i);
        let prev = [
            if i > first { tags[i - 1] } else { 0 },
            if i > first + 1 { tags[i - 2] } else { 0 },
        ];
        if prev[0] == 0 && !doc.may_begin(i) {
            tags.push(0);
            margins.push(f32::MAX);
            continue;
        }
        let key = doc.prepare(a, i);
        let seen = history.get(&key).copied().unwrap_or(0);
        let (tag, margin) = best(doc, i, prev, seen);
        if tag != 0 {
            history.insert(key, tag_type(tag));
        }
        tags.push(tag);
        margins.push(margin);
    }
    (tags, margins)
}

/// Entity spans of a BIO tag sequence as `(type, first token, one past the last token)`;
/// an inside tag that does not continue an entity of its type starts one.
pub fn spans(tags: &[usize], a: &Analysis) -> Vec<(usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (i, &tag) in tags.iter().enumerate() {
        let kind = tag_type(tag);
        if kind == 0 {
            continue;
        }
        let continues = !tag_begins(tag)
            && out.last().is_some_and(|&(k, _, end)| {
                k == kind && end == i && a.tokens[i].sentence == a.tokens[i - 1].sentence
            });
        match out.last_mut() {
            Some(last) if continues => last.2 = i + 1,
            _ => out.push((kind, i, i + 1)),
        }
    }
    out
}

/// A span the model found: its kind and token range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelSpan {
    /// Person, organization or place.
    pub kind: EntityKind,
    /// First token.
    pub first: usize,
    /// One past the last token.
    pub last: usize,
    /// The kind the model gives the same spelling across the document (see
    /// [`consistent_kinds`]).
    pub document_kind: EntityKind,
    /// The smallest margin of the span's tags over their runner-up, as a share of the
    /// model's largest weight: how sure the model is.
    pub confidence: f32,
}

/// The people, organizations and places the shipped model finds in a document (none if the
/// model file could not be read); `listed` and `titles` are the list hits and title matches
/// its features read.
pub fn model_spans(
    a: &Analysis,
    listed: &[(usize, usize, EntityKind)],
    titles: &[(usize, usize)],
) -> Vec<ModelSpan> {
    let Some(model) = MODEL.as_ref() else {
        return Vec::new();
    };
    let mut doc = DocumentFeatures::new(a, listed, titles);
    let (tags, margins) = tag_with(&mut doc, a, |doc, i, prev, history| {
        model.best_with_margin(doc, i, prev, history)
    });
    let mut found: Vec<ModelSpan> = Vec::new();
    for (kind, first, last) in spans(&tags, a) {
        let kind = match kind {
            1 => EntityKind::Person,
            2 => EntityKind::Organization,
            3 => EntityKind::Place,
            _ => continue,
        };
        let confidence = margins[first..last].iter().fold(f32::MAX, |m, &x| m.min(x));
        // "News Agency of" + "Ukraine": a name cut after its connector takes the next one in
        if let Some(prev) = found.last_mut() {
            if prev.last == first && matches!(a.tok(first - 1), "of" | "for" | "and") {
                prev.last = last;
                prev.confidence = prev.confidence.min(confidence);
                continue;
            }
        }
        found.push(ModelSpan {
            kind,
            document_kind: kind,
            first,
            last,
            confidence,
        });
    }
    consistent_kinds(a, &mut found);
    found
}

/// Each spelling's kind across the document: the kind the model gave it with the most
/// confidence in all.
fn consistent_kinds(a: &Analysis, found: &mut [ModelSpan]) {
    let name = |s: &ModelSpan| &a.text[a.tokens[s.first].start..a.tokens[s.last - 1].end];
    let mut votes: FxHashMap<&str, [f32; 3]> = FxHashMap::default();
    for s in found.iter() {
        votes.entry(name(s)).or_default()[kind_index(s.kind)] += s.confidence;
    }
    for s in found.iter_mut() {
        let v = votes[name(s)];
        s.document_kind = [
            EntityKind::Person,
            EntityKind::Organization,
            EntityKind::Place,
        ][argmax(&v)];
    }
}

fn kind_index(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Person => 0,
        EntityKind::Organization => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_model_loads() {
        assert!(MODEL.is_some(), "data/ner.model.gz is missing or stale");
    }

    #[test]
    fn shapes_collapse_runs() {
        let mut s = String::new();
        shape_of("McGuinty", &mut s);
        assert_eq!(s, "XxXx");
        shape_of("1996-08-22", &mut s);
        assert_eq!(s, "d-d-d");
        // the byte-wise path for ASCII and the Unicode one give the same classes
        shape_of("Müller-Ost", &mut s);
        assert_eq!(s, "Xx-Xx");
        shape_of("Muller-Ost", &mut s);
        assert_eq!(s, "Xx-Xx");
    }

    #[test]
    fn inside_tags_continue_only_their_own_type() {
        let a = Analysis::new("a b c d e");
        // B-PER I-PER I-ORG O I-LOC
        assert_eq!(
            spans(&[1, 2, 4, 0, 6], &a),
            [(1, 0, 2), (2, 2, 3), (3, 4, 5)]
        );
    }

    /// Features of every scored token of `text`, each computed right after preparing only
    /// that token (`lazily`) or after preparing every token first.
    fn all_features(text: &str, lazily: bool) -> Vec<Vec<u64>> {
        let a = Analysis::new(text);
        let mut doc = DocumentFeatures::new(&a, &[], &[]);
        if !lazily {
            for i in 0..doc.len() {
                doc.prepare(&a, i);
            }
        }
        let mut out = Vec::new();
        for i in 0..doc.len() {
            doc.prepare(&a, i);
            let mut features = Vec::new();
            doc.features(i, [0, 0], 0, &mut features);
            out.push(features);
        }
        out
    }

    #[test]
    fn features_do_not_depend_on_what_was_computed_before() {
        let text = "NEW YORK (Reuters) - Zoë Ball-Smith, 43, of Acme Corp. said on Monday.\n\
                    Mr. Ball-Smith met the Russian envoy in Washington. An apple a day.";
        let lazy = all_features(text, true);
        assert_eq!(lazy, all_features(text, false));
        // one feature per template, the empty affixes of short words left out
        assert!(lazy.iter().all(|f| (31..=37).contains(&f.len())));
        assert!(lazy.iter().any(|f| f.len() == 37) && lazy.iter().any(|f| f.len() < 37));
    }

    #[test]
    fn capitalized_words_written_in_lower_case_elsewhere_are_flagged() {
        let a = Analysis::new("Apple and Green. Pear and Île. We like apple pie and île.");
        let doc = DocumentFeatures::new(&a, &[], &[]);
        let flagged: Vec<&str> = (0..doc.len())
            .filter(|&i| doc.infos[i].flags & LOWERCASE_ELSEWHERE != 0)
            .map(|i| a.tok(i))
            .collect();
        assert_eq!(flagged, ["Apple", "Île"]);
    }

    #[test]
    fn scoring_while_hashing_matches_scoring_a_feature_list() {
        let model = MODEL.as_ref().expect("shipped model");
        let a = Analysis::new("Steve Boivin of the Canadian Armed Forces spoke in Kyiv on Friday.");
        let mut doc = DocumentFeatures::new(&a, &[], &[]);
        let mut features = Vec::new();
        for i in 0..doc.len() {
            for prev in [[0, 0], [1, 0], [3, 4]] {
                doc.prepare(&a, i);
                doc.features(i, prev, 2, &mut features);
                let listed = model.best(&features);
                assert_eq!(model.best_with_margin(&doc, i, prev, 2).0, listed);
            }
        }
    }

    #[test]
    fn model_round_trips_through_its_file() {
        let mut weights = vec![0f32; TAG_COUNT * 4];
        weights[TAG_COUNT + 3] = 2.0;
        weights[2] = -1.0;
        let model = Model::from_gzip(&Model::to_gzip(&weights).unwrap()).unwrap();
        assert_eq!(model.rows[1][3], i16::MAX);
        assert_eq!(model.rows[0][2], -(i16::MAX / 2) - 1);
    }
}
