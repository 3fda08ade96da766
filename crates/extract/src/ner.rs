//! The trained entity recognizer: a greedy averaged perceptron over BIO tags whose features
//! (word, lower case, shape, affixes, capitalization, sentence position, ±2 words, the
//! crate's name lists, titles and demonyms, and the labels already given to the same word in
//! the document) are hashed into a fixed-size weight table.
//!
//! The model is trained on CoNLL-2003 `eng.train` by `cargo xtask train-ner` (see
//! [`crate::ner_train`]) and ships as `data/ner.model.gz`; it is decompressed once per run.
//! It reads the same [`Analysis`] tokens as the rules, so it works on ordinary prose and on
//! pre-tokenized text alike.

use std::cell::RefCell;
use std::io::Read;
use std::sync::LazyLock;

use newspipe_core::EntityKind;
use newspipe_knowledge::short_word_key;
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

/// Decompresses the shipped model now, if not yet done (see [`crate::lexicon::warm_up`]).
pub(crate) fn load_model() {
    LazyLock::force(&MODEL);
}

thread_local! {
    /// The spellings the shipped model has read on this thread (see [`WordCache`]).
    static SPELLINGS: RefCell<WordCache> = RefCell::new(WordCache::default());
}

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

    /// `scores` plus the weights of the rows `features` hash to. The sums stay in local
    /// variables, the first eight tags' in vector registers, and every row's address is
    /// known up front, so the rows' loads overlap.
    #[inline]
    fn add_rows(&self, scores: [i32; TAG_COUNT], features: &[u64]) -> [i32; TAG_COUNT] {
        let mut head: [i32; 8] = std::array::from_fn(|t| scores[t]);
        let mut last = scores[8];
        for &f in features {
            let row = &self.rows[(f & self.mask) as usize];
            for (s, &w) in head.iter_mut().zip(&row[..8]) {
                *s += i32::from(w);
            }
            last += i32::from(row[8]);
        }
        std::array::from_fn(|t| if t < 8 { head[t] } else { last })
    }

    fn scores(&self, features: &[u64]) -> [i32; TAG_COUNT] {
        self.add_rows([0; TAG_COUNT], features)
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
    /// The best tag of [prepared](DocumentFeatures::prepare) token `i` and how far its score
    /// lies above the runner-up's, as a share of the largest weight; `own` are the scores of
    /// the features its spelling alone decides ([`WordCache::own_scores`]).
    fn best_with_margin(
        &self,
        doc: &DocumentFeatures,
        i: usize,
        prev: [usize; 2],
        history: usize,
        own: [i32; TAG_COUNT],
    ) -> (usize, f32) {
        let scores = self.add_rows(own, &doc.context_features(i, prev, history));
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

/// What the features read of one spelling, the same wherever it occurs: one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct Spelling {
    /// Hash of the lower case.
    lower: u64,
    /// Hash of the shape ("Xx").
    shape: u64,
    /// Length, first and last byte of the lower case (to rule out cheaply that it is a
    /// capitalized word's).
    lower_len: u32,
    lower_first: u8,
    lower_last: u8,
    /// [`CAPITALIZED`] and what [`character_flags`] gives.
    flags: u16,
    /// [`FIRST_NAME`], [`DEMONYM`] and [`COMMON_WORD`] of a capitalized spelling, which a
    /// token has when it is a word.
    name_flags: u16,
    /// The shipped model's scores of the features the spelling alone decides (see
    /// [`each_own_feature`]), once a token of it was scored (`scored`).
    own_scores: [i32; TAG_COUNT],
    scored: bool,
}

impl Spelling {
    fn of(word: &str, scratch: &mut String) -> Self {
        let capitalized = starts_capitalized(word);
        let mut flags = character_flags(word, capitalized);
        if capitalized {
            flags |= CAPITALIZED;
        }
        shape_of(word, scratch);
        let shape = xxh3_64(scratch.as_bytes());
        let lower = lowercase(word, scratch);
        // the name lists hold capitalized words; a lowercase word needs no look-up
        let mut name_flags = 0;
        if capitalized {
            if FIRST_NAME_SET.contains(word) {
                name_flags |= FIRST_NAME;
            }
            if DEMONYM_SET.contains(word) {
                name_flags |= DEMONYM;
            }
            if is_common_word(lower) {
                name_flags |= COMMON_WORD;
            }
        }
        Self {
            lower: xxh3_64(lower.as_bytes()),
            shape,
            lower_len: lower.len() as u32,
            lower_first: lower.as_bytes().first().copied().unwrap_or(0),
            lower_last: lower.as_bytes().last().copied().unwrap_or(0),
            flags,
            name_flags,
            own_scores: [0; TAG_COUNT],
            scored: false,
        }
    }
}

/// The spellings the features have read, each computed once: their hashes and flags, and the
/// shipped model's scores of what they alone decide. Real text repeats its words (on the
/// `wire` bench row, 16k spellings make 97% of the tokens), so a run keeps one per thread
/// (see [`model_spans`]), emptied between documents once it holds [`MAX_SPELLINGS`].
#[derive(Debug, Default)]
pub struct WordCache {
    /// Where each spelling of up to 15 bytes (most words of any text) is in `spellings`, by
    /// its [`short_word_key`] as a number: a look-up compares two numbers and reads no string.
    short_words: FxHashMap<u128, u32>,
    /// Where each longer spelling is.
    long_words: FxHashMap<Box<str>, u32>,
    spellings: Vec<Spelling>,
    /// Scratch space for a lowercase or shape form.
    scratch: String,
}

/// Spellings a [`WordCache`] holds before it is emptied: about 4 MB.
const MAX_SPELLINGS: usize = 1 << 15;

impl WordCache {
    /// The index of `word`'s spelling, computed if it is new.
    fn spelling_of(&mut self, word: &str) -> u32 {
        let next = self.spellings.len() as u32;
        let at = match short_word_key(word.as_bytes()) {
            Some(key) => *self
                .short_words
                .entry(u128::from_le_bytes(key))
                .or_insert(next),
            None => match self.long_words.get(word) {
                Some(&at) => at,
                None => {
                    self.long_words.insert(word.into(), next);
                    next
                }
            },
        };
        if at == next {
            self.spellings.push(Spelling::of(word, &mut self.scratch));
        }
        at
    }

    /// The shipped model's scores of the features spelling `at` (of `word`) alone decides.
    fn own_scores(&mut self, at: u32, word: &str, model: &Model) -> [i32; TAG_COUNT] {
        let spelling = &mut self.spellings[at as usize];
        if spelling.scored {
            return spelling.own_scores;
        }
        let mut features = Vec::with_capacity(OWN_FEATURES);
        each_own_feature(
            word,
            spelling.lower,
            spelling.shape,
            &mut self.scratch,
            |f| features.push(f),
        );
        let scores = model.add_rows([0; TAG_COUNT], &features);
        spelling.own_scores = scores;
        spelling.scored = true;
        scores
    }

    /// Empties the cache once it holds [`MAX_SPELLINGS`]; call it only between documents.
    fn bound(&mut self) {
        if self.spellings.len() >= MAX_SPELLINGS {
            self.short_words.clear();
            self.long_words.clear();
            self.spellings.clear();
        }
    }
}

/// No spelling looked up yet.
const NOT_LOOKED_UP: u32 = u32::MAX;

/// The features of every token of one document, from its [`Analysis`]: what decides whether
/// a token is scored up front, the rest on demand (see [`DocumentFeatures::prepare`]).
pub struct DocumentFeatures {
    infos: Vec<TokenInfo>,
    /// Per token, its spelling in the [`WordCache`] (or [`NOT_LOOKED_UP`]): most tokens of a
    /// document are never scored (only capitalized ones and those continuing an entity
    /// are), so only those and their neighbours up to two either side are looked up.
    spellings: Vec<u32>,
    /// Per looked-up token, the hashes of its lower case and shape.
    lower: Vec<u64>,
    shape: Vec<u64>,
    /// Scratch space for a lowercase form.
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

/// The most features a spelling alone decides (see [`each_own_feature`]).
const OWN_FEATURES: usize = 10;

/// The features a token's context decides (see [`DocumentFeatures::each_context_feature`]).
const CONTEXT_FEATURES: usize = 27;

/// Calls `emit` with the hash of each feature a token's spelling alone decides: a constant,
/// the word, its lower case (hash `lower`), its shape (hash `shape`) and its affixes.
fn each_own_feature(
    word: &str,
    lower: u64,
    shape: u64,
    scratch: &mut String,
    mut emit: impl FnMut(u64),
) {
    let mut push = |template: u64, value: u64| emit(mix(template, value));
    push(0, 0);
    push(1, xxh3_64(word.as_bytes()));
    push(2, lower);
    push(3, shape);
    let affixes = affix_hashes(lowercase(word, scratch), word.is_ascii());
    for (k, &affix) in affixes.iter().enumerate() {
        if affix != 0 {
            push(4 + k as u64, affix);
        }
    }
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

/// The lengths, first and last bytes of a set of words, hashed into 1,024 bits, to rule out
/// cheaply that another word is one of them.
#[derive(Default)]
struct WordOutlines {
    bits: [u64; 16],
}

impl WordOutlines {
    /// The bit of a word of `len` bytes from byte `first` to byte `last`.
    fn bit(len: usize, first: u8, last: u8) -> usize {
        let outline = (len as u64) << 16 | u64::from(first) << 8 | u64::from(last);
        (outline.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize
    }

    fn add(&mut self, len: usize, first: u8, last: u8) {
        let bit = Self::bit(len, first, last);
        self.bits[bit / 64] |= 1 << (bit % 64);
    }

    /// Whether a word of `len` bytes from byte `first` to byte `last` may be one of the words.
    fn may_hold(&self, len: usize, first: u8, last: u8) -> bool {
        let bit = Self::bit(len, first, last);
        self.bits[bit / 64] & (1 << (bit % 64)) != 0
    }
}

impl DocumentFeatures {
    /// Reads what every token needs up front (capitals, sentence and line marks, list and
    /// title marks, whether a capitalized word also appears in lower case); `listed` are the
    /// list hits (span and kind) and `titles` the title-list matches of the document.
    pub fn new(
        a: &Analysis,
        listed_spans: &[(usize, usize, EntityKind)],
        titles: &[(usize, usize)],
        words: &mut WordCache,
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
            spellings: vec![NOT_LOOKED_UP; n],
            lower: vec![0; n],
            shape: vec![0; n],
            scratch: String::new(),
        };
        // the lowercase forms of capitalized words, to find the few lowercase words that
        // could be one of them
        let mut capitalized_forms = WordOutlines::default();
        let mut capitalized_tokens: Vec<u32> = Vec::new();
        let bytes = a.text.as_bytes();
        for s in &a.sentences {
            let mut before_first_word = true;
            for (i, t) in a.tokens.iter().enumerate().take(s.last).skip(s.first) {
                let info = &mut doc.infos[i];
                info.position = (i - s.first).min(3) as u8;
                info.sentence = (s.first as u32, s.last as u32);
                if t.kind != TokenKind::Punct {
                    if before_first_word {
                        info.flags |= SENTENCE_INITIAL;
                    }
                    before_first_word = false;
                }
                if a.shouted_lines.get(t.line) == Some(&true) {
                    info.flags |= SHOUTED_LINE;
                }
                if a.headline_lines.get(t.line) == Some(&true) {
                    info.flags |= HEADLINE_LINE;
                }
                let first = bytes[t.start];
                let capitalized = if first.is_ascii() {
                    first.is_ascii_uppercase()
                } else {
                    starts_capitalized(a.tok(i))
                };
                if capitalized {
                    capitalized_tokens.push(i as u32);
                    let at = doc.look_up(a, i, words);
                    let s = &words.spellings[at];
                    capitalized_forms.add(s.lower_len as usize, s.lower_first, s.lower_last);
                }
            }
        }
        // a capitalized word also written in lower case elsewhere in the document
        let mut lowercase_words: FxHashSet<u64> = FxHashSet::default();
        for (i, t) in a.tokens.iter().enumerate() {
            if t.kind != TokenKind::Word || doc.infos[i].flags & CAPITALIZED != 0 {
                continue;
            }
            // an ASCII word's lower case has its length and its bytes' lower cases
            let w = &bytes[t.start..t.end];
            if w.is_ascii() {
                let (first, last) = (w[0], w[w.len() - 1]);
                let (first, last) = (first.to_ascii_lowercase(), last.to_ascii_lowercase());
                if !capitalized_forms.may_hold(w.len(), first, last) {
                    continue;
                }
            }
            let at = doc.look_up(a, i, words);
            let s = &words.spellings[at];
            if capitalized_forms.may_hold(s.lower_len as usize, s.lower_first, s.lower_last) {
                lowercase_words.insert(s.lower);
            }
        }
        if !lowercase_words.is_empty() {
            for &i in &capitalized_tokens {
                let i = i as usize;
                if lowercase_words.contains(&doc.lower[i]) {
                    doc.infos[i].flags |= LOWERCASE_ELSEWHERE;
                }
            }
        }
        doc
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.infos.len()
    }

    /// Looks token `i`'s spelling up (once), takes its hashes and flags and returns its
    /// index in `words`.
    fn look_up(&mut self, a: &Analysis, i: usize, words: &mut WordCache) -> usize {
        if self.spellings[i] == NOT_LOOKED_UP {
            let at = words.spelling_of(a.tok(i));
            let spelling = &words.spellings[at as usize];
            self.spellings[i] = at;
            self.lower[i] = spelling.lower;
            self.shape[i] = spelling.shape;
            let info = &mut self.infos[i];
            info.flags |= spelling.flags;
            if a.tokens[i].kind == TokenKind::Word {
                info.flags |= spelling.name_flags;
            }
        }
        self.spellings[i] as usize
    }

    /// Looks up what the features of token `i` read (its own spelling and its neighbours')
    /// and returns its key for the document's label history. Call it before
    /// [`DocumentFeatures::features`] of that token, with the analysis given to
    /// [`DocumentFeatures::new`] and the same cache.
    pub fn prepare(&mut self, a: &Analysis, i: usize, words: &mut WordCache) -> u64 {
        let (first, last) = self.infos[i].sentence;
        for k in i.saturating_sub(2).max(first as usize)..(i + 3).min(last as usize) {
            self.look_up(a, k, words);
        }
        self.lower[i]
    }

    /// Calls `emit` with the hash of each feature of token `i` that its context decides,
    /// given the two tags before it and the entity type the document last gave to the same
    /// word (`history`, 0 for none); the token must be
    /// [prepared](DocumentFeatures::prepare).
    #[inline]
    fn each_context_feature(
        &self,
        i: usize,
        prev: [usize; 2],
        history: usize,
        mut emit: impl FnMut(u64),
    ) {
        debug_assert!(self.spellings[i] != NOT_LOOKED_UP, "token {i} not prepared");
        let info = &self.infos[i];
        let (lower, shape) = (self.lower[i], self.shape[i]);
        let (first, last) = (info.sentence.0 as usize, info.sentence.1 as usize);
        let at = |offset: isize| -> Option<usize> {
            let k = i as isize + offset;
            (k >= first as isize && k < last as isize).then_some(k as usize)
        };
        let lower_at = |offset: isize| at(offset).map_or(BEFORE ^ offset as u64, |k| self.lower[k]);
        let shape_at = |offset: isize| at(offset).map_or(AFTER ^ offset as u64, |k| self.shape[k]);
        let neighbour_flags =
            |offset: isize| at(offset).map_or(0xFFFF, |k| u64::from(self.infos[k].flags));
        let neighbour_listed =
            |offset: isize| at(offset).map_or(0xFF, |k| u64::from(self.infos[k].listed));
        let flags = u64::from(info.flags);
        let (p1, p2) = (prev[0] as u64, prev[1] as u64);
        let (lower_before, lower_after) = (lower_at(-1), lower_at(1));
        let (shape_before, shape_after) = (shape_at(-1), shape_at(1));
        let mut push = |template: u64, value: u64| emit(mix(template, value));
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
        push(20, pair(lower_before, lower));
        push(21, pair(lower, lower_after));
        push(22, pair(shape_before, shape));
        push(23, pair(shape, shape_after));
        push(24, p1);
        push(25, pair(p1, p2));
        push(26, pair(p1, lower));
        push(27, pair(p1, shape));
        push(28, neighbour_flags(-1) & 0x1FFF);
        push(29, neighbour_flags(1) & 0x1FFF);
        push(30, neighbour_listed(-1));
        push(31, neighbour_listed(1));
        push(32, pair(u64::from(info.listed), flags & 0x3));
        push(33, history as u64);
        push(34, pair(history as u64, flags & 0x1));
        push(35, pair(shape, p1));
        push(36, pair(shape_before, pair(shape, shape_after)));
    }

    /// The hashes [`DocumentFeatures::each_context_feature`] gives, in an array.
    #[inline]
    fn context_features(
        &self,
        i: usize,
        prev: [usize; 2],
        history: usize,
    ) -> [u64; CONTEXT_FEATURES] {
        let mut features = [0; CONTEXT_FEATURES];
        let mut n = 0;
        self.each_context_feature(i, prev, history, |f| {
            features[n] = f;
            n += 1;
        });
        debug_assert_eq!(n, CONTEXT_FEATURES);
        features
    }

    /// The feature hashes of [prepared](DocumentFeatures::prepare) token `i` of `a` into
    /// `out`: those its spelling alone decides, then those of its context (see
    /// [`DocumentFeatures::each_context_feature`]).
    pub fn features(
        &mut self,
        a: &Analysis,
        i: usize,
        prev: [usize; 2],
        history: usize,
        out: &mut Vec<u64>,
    ) {
        out.clear();
        each_own_feature(
            a.tok(i),
            self.lower[i],
            self.shape[i],
            &mut self.scratch,
            |f| out.push(f),
        );
        self.each_context_feature(i, prev, history, |f| out.push(f));
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
pub fn tag_document(
    doc: &mut DocumentFeatures,
    a: &Analysis,
    words: &mut WordCache,
    scorer: &impl Scorer,
) -> Vec<usize> {
    let mut features = Vec::with_capacity(48);
    tag_with(doc, a, words, |doc, _, i, prev, history| {
        doc.features(a, i, prev, history, &mut features);
        (scorer.best(&features), 0.0)
    })
    .0
}

/// Greedy tagging with any function scoring token `i` given the two tags before it and its
/// history (see [`DocumentFeatures::each_context_feature`]), returning a tag and its margin;
/// returns the tags and their margins.
fn tag_with(
    doc: &mut DocumentFeatures,
    a: &Analysis,
    words: &mut WordCache,
    mut best: impl FnMut(
        &mut DocumentFeatures,
        &mut WordCache,
        usize,
        [usize; 2],
        usize,
    ) -> (usize, f32),
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
        let key = doc.prepare(a, i, words);
        let seen = history.get(&key).copied().unwrap_or(0);
        let (tag, margin) = best(doc, words, i, prev, seen);
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
    let (tags, margins) = SPELLINGS.with_borrow_mut(|words| {
        words.bound();
        let mut doc = DocumentFeatures::new(a, listed, titles, words);
        tag_with(&mut doc, a, words, |doc, words, i, prev, history| {
            let own = words.own_scores(doc.spellings[i], a.tok(i), model);
            model.best_with_margin(doc, i, prev, history, own)
        })
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

    /// Features of every token of `text`, each computed right after preparing only that
    /// token (`lazily`) or after preparing every token first, with spellings from `words`.
    fn all_features(text: &str, lazily: bool, words: &mut WordCache) -> Vec<Vec<u64>> {
        let a = Analysis::new(text);
        let mut doc = DocumentFeatures::new(&a, &[], &[], words);
        if !lazily {
            for i in 0..doc.len() {
                doc.prepare(&a, i, words);
            }
        }
        let mut out = Vec::new();
        for i in 0..doc.len() {
            doc.prepare(&a, i, words);
            let mut features = Vec::new();
            doc.features(&a, i, [0, 0], 0, &mut features);
            out.push(features);
        }
        out
    }

    const SAMPLE: &str = "NEW YORK (Reuters) - Zoë Ball-Smith, 43, of Acme Corp. said on Monday.\n\
                          Mr. Ball-Smith met the Russian envoy in Washington. An apple a day.";

    #[test]
    fn features_do_not_depend_on_what_was_computed_before() {
        let lazy = all_features(SAMPLE, true, &mut WordCache::default());
        assert_eq!(lazy, all_features(SAMPLE, false, &mut WordCache::default()));
        // one feature per template, the empty affixes of short words left out
        assert!(lazy.iter().all(|f| (31..=37).contains(&f.len())));
        assert!(lazy.iter().any(|f| f.len() == 37) && lazy.iter().any(|f| f.len() < 37));
        // nor on the spellings other documents left in the cache
        let mut words = WordCache::default();
        all_features(
            "Washington (AP) - an apple, NEW YORK said. Zoë Acme",
            true,
            &mut words,
        );
        let held = words.spellings.len();
        assert_eq!(all_features(SAMPLE, true, &mut words), lazy);
        assert!(words.spellings.len() > held, "new spellings are added");
    }

    #[test]
    fn a_spelling_fills_one_cache_line() {
        assert_eq!(std::mem::size_of::<Spelling>(), 64);
    }

    #[test]
    fn each_spelling_short_or_long_has_one_place_in_the_cache() {
        let mut words = WordCache::default();
        // around the packed length, a trailing NUL, a non-ASCII word, case
        let spellings = [
            "of",
            "of\0",
            "Of",
            "",
            "Zürich",
            "fifteen-letters",
            "sixteen--letters",
            "sixteen--letterz",
            "a-much-longer-hyphenated-word",
        ];
        let places: Vec<u32> = spellings.iter().map(|w| words.spelling_of(w)).collect();
        assert_eq!(places, (0..spellings.len() as u32).collect::<Vec<_>>());
        for (word, &at) in spellings.iter().zip(&places).rev() {
            assert_eq!(words.spelling_of(word), at, "{word:?}");
        }
        assert_eq!(words.spellings.len(), spellings.len());
        assert_eq!(
            (words.short_words.len(), words.long_words.len()),
            (6, 3),
            "words of up to fifteen bytes are packed"
        );
    }

    #[test]
    fn a_full_cache_is_emptied_between_documents() {
        let mut words = WordCache::default();
        let first = all_features(SAMPLE, true, &mut words);
        for k in 0..MAX_SPELLINGS {
            words.spelling_of(&format!("Word{k}"));
        }
        words.bound();
        assert!(
            words.spellings.is_empty()
                && words.short_words.is_empty()
                && words.long_words.is_empty()
        );
        assert_eq!(all_features(SAMPLE, true, &mut words), first);
        let held = words.spellings.len();
        words.bound();
        assert_eq!(
            words.spellings.len(),
            held,
            "a cache below its bound is kept"
        );
    }

    #[test]
    fn capitalized_words_written_in_lower_case_elsewhere_are_flagged() {
        let a = Analysis::new("Apple and Green. Pear and Île. We like apple pie and île.");
        let doc = DocumentFeatures::new(&a, &[], &[], &mut WordCache::default());
        let flagged: Vec<&str> = (0..doc.len())
            .filter(|&i| doc.infos[i].flags & LOWERCASE_ELSEWHERE != 0)
            .map(|i| a.tok(i))
            .collect();
        assert_eq!(flagged, ["Apple", "Île"]);
    }

    #[test]
    fn cached_spelling_scores_plus_context_match_scoring_a_feature_list() {
        let model = MODEL.as_ref().expect("shipped model");
        let a = Analysis::new("Steve Boivin of the Canadian Armed Forces spoke in Kyiv on Friday.");
        let mut words = WordCache::default();
        let mut doc = DocumentFeatures::new(&a, &[], &[], &mut words);
        let mut features = Vec::new();
        for i in 0..doc.len() {
            for prev in [[0, 0], [1, 0], [3, 4]] {
                doc.prepare(&a, i, &mut words);
                doc.features(&a, i, prev, 2, &mut features);
                let listed = model.scores(&features);
                let own = words.own_scores(doc.spellings[i], a.tok(i), model);
                let fused = model.add_rows(own, &doc.context_features(i, prev, 2));
                assert_eq!(fused, listed, "token {i}");
                let (best, margin) = model.best_with_margin(&doc, i, prev, 2, own);
                assert_eq!(best, model.best(&features));
                assert!(margin >= 0.0);
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
