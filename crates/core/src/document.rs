use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::annotations::{Claim, DateMention, DedupeInfo, Entity, Quantity, Quote, Reliability};

/// A half-open range of byte offsets `[start, end)` into a document's `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// Builds a span; `start` must not exceed `end`.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span start {start} after end {end}");
        Self { start, end }
    }

    /// The text this span covers, or `None` if it is out of bounds or not on char boundaries.
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.start..self.end)
    }
}

/// The format a document was read in; decides how `normalize` treats `raw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Plain or flattened page text.
    #[default]
    Text,
    /// An HTML page.
    Html,
}

/// Where a document came from, so a user can always find the original.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Source {
    /// The input file the document was read from.
    pub path: String,
    /// 1-based line number inside a JSON Lines file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Whether `raw` is text or HTML.
    pub format: InputFormat,
    /// The page URL, when the input gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What kind of page a document is; anything but `Article` should not be read as a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// A single news article.
    Article,
    /// A listing, section front or search page.
    Listing,
    /// Anything else that is not an article (product page, error page, ...).
    Other,
}

/// One candidate publication date and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateCandidate {
    /// ISO date (`YYYY-MM-DD`).
    pub value: String,
    /// Where it came from: `html_meta`, `header_line`, `byline`, `id_string`, `input`, ...
    pub basis: String,
    /// The words it was read from, when it came from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Document metadata, each field `None` until a stage (or the input) supplies it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Meta {
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publishing outlet ("The Kyiv Independent").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Where `outlet` came from: `input`, `html_meta` (`og:site_name`), `json_ld` (publisher),
    /// `wire_prefix`, `title_suffix`, `byline`, `copyright`, `masthead` or `url_host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet_basis: Option<String>,
    /// Author line as printed, without "By".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    /// Publication date, ISO `YYYY-MM-DD`; absent rather than guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Where `published` came from (see [`DateCandidate::basis`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_basis: Option<String>,
    /// Every publication-date candidate found, including ones that disagree with `published`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_candidates: Vec<DateCandidate>,
    /// ISO 639-1 or 639-3 language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Identifiers found in the page (wire ids such as `MENAFN25082025...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// What kind of page this is, once normalize has looked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_kind: Option<PageKind>,
    /// Stages that left this document alone, and why (a language they do not handle, a
    /// page that is not an article), so an empty result is not mistaken for a finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<StageSkip>,
}

/// A stage that passed over a document on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSkip {
    /// The stage.
    pub stage: String,
    /// Why, in words.
    pub reason: String,
}

impl Meta {
    /// Why a stage whose rules are written for English text must skip this document: its
    /// detected language is another one. A document whose language is not known is
    /// processed (short texts have no reliable guess).
    pub fn not_english(&self) -> Option<String> {
        let language = self.language.as_deref()?;
        (!matches!(language, "en" | "eng"))
            .then(|| format!("language `{language}`: this stage handles English only"))
    }

    /// Records that `stage` skipped the document (once per stage).
    pub fn record_skip(&mut self, stage: &str, reason: String) {
        if !self.skipped.iter().any(|skip| skip.stage == stage) {
            self.skipped.push(StageSkip {
                stage: stage.into(),
                reason,
            });
        }
    }
}

/// Why normalize cut a piece of the raw input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemovedKind {
    /// Menus, "Skip to content", breadcrumbs.
    Nav,
    /// Share, subscribe and newsletter blocks.
    Subscribe,
    /// "Most popular", "Editors' Picks", related-story teasers.
    Teaser,
    /// Photo, audio and video credits and captions.
    Credit,
    /// Legal disclaimers.
    Disclaimer,
    /// Site footers.
    Footer,
    /// Anything else (HTML markup, scripts, repeated site lines).
    Other,
}

/// A piece of `raw` that normalize removed, kept so the cut can be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedSpan {
    /// Byte offset into `raw` (not `text`).
    pub start: usize,
    /// End byte offset into `raw`.
    pub end: usize,
    /// Why it was cut.
    pub kind: RemovedKind,
    /// The rule that cut it, for debugging a wrong cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// One news article and everything the pipeline learned about it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Document {
    /// Stable id: the input's own id, else the file stem, else a hash of path and content.
    pub id: String,
    /// Where the document came from.
    pub source: Source,
    /// The input as decoded, before any stage touched it. Export omits it unless asked.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub raw: String,
    /// The text every stage reads; all annotation offsets point into it.
    pub text: String,
    /// Title, outlet, byline, dates, language.
    #[serde(default)]
    pub meta: Meta,
    /// Pieces of `raw` that normalize cut.
    #[serde(default)]
    pub removed: Vec<RemovedSpan>,
    /// Duplicate cluster and relation, once dedupe ran.
    #[serde(default)]
    pub dedupe: Option<DedupeInfo>,
    /// People, organizations and places.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Temporal expressions, normalized where possible.
    #[serde(default)]
    pub dates: Vec<DateMention>,
    /// Numbers with units and qualifiers.
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// Direct and indirect quotes with their speakers.
    #[serde(default)]
    pub quotes: Vec<Quote>,
    /// Checkable assertions.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// The reliability score and the signals behind it.
    #[serde(default)]
    pub reliability: Option<Reliability>,
    /// Fields added by plugins or carried over from the input; kept round-trip.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Document {
    /// A document whose `raw` and `text` are both `content`, as read with no stage applied.
    pub fn new(id: impl Into<String>, source: Source, content: String) -> Self {
        Self {
            id: id.into(),
            source,
            text: content.clone(),
            raw: content,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_round_trip_through_json() {
        let doc = Document {
            id: "a".into(),
            text: "hello".into(),
            extra: BTreeMap::from([("owner".into(), serde_json::json!({"group": "X"}))]),
            ..Document::default()
        };
        let json = serde_json::to_string(&doc).unwrap();
        let back: Document = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
        assert!(
            json.contains(r#""extra":{"owner":{"group":"X"}}"#),
            "{json}"
        );
    }

    #[test]
    fn span_slice_refuses_non_boundaries() {
        let text = "né";
        assert_eq!(Span::new(0, 1).slice(text), Some("n"));
        assert_eq!(Span::new(0, 2).slice(text), None);
    }
}
