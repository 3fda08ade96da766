//! Annotation types the stages attach to a [`crate::Document`]. Every one carries `start`/`end`
//! byte offsets into the document's `text`.

use serde::{Deserialize, Serialize};

/// The kind of a named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A person.
    Person,
    /// A company, agency, party, military or media organization.
    Organization,
    /// A country, city, region or other location.
    Place,
}

/// A mention of a person, organization or place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Person, organization or place.
    pub kind: EntityKind,
    /// The name as written, without any title ("Steve Boivin").
    pub text: String,
    /// The fullest form of the name in the corpus, without title.
    pub canonical: String,
    /// The title or role stated with the name ("Lt.-Gen.", "Defence Minister").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Byte offset of the name in `text`.
    pub start: usize,
    /// End byte offset of the name in `text`.
    pub end: usize,
}

/// A temporal expression, normalized against the document's date when possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateMention {
    /// The expression as written.
    pub text: String,
    /// ISO value (`2025-03-06`, `2025-03`, `2025-W10`), or `None` when it cannot be resolved.
    pub value: Option<String>,
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset in `text`.
    pub end: usize,
}

/// A number, or a `[low, high]` range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QuantityValue {
    /// A single value.
    Number(f64),
    /// An inclusive range.
    Range([f64; 2]),
}

/// A count, amount of money, percentage, distance or duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The expression as written.
    pub text: String,
    /// Its numeric value.
    pub value: QuantityValue,
    /// What is counted or measured ("troops", "CAD", "percent", "km", "month").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `about`, `more_than`, `less_than`, `up_to`, `at_least`, `range`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset in `text`.
    pub end: usize,
}

/// A direct or indirect quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words (without the quote marks).
    pub text: String,
    /// The canonical name of the speaker, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// `true` for a quote in quotation marks.
    pub direct: bool,
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset in `text`.
    pub end: usize,
    /// The mention of the speaker the attribution's source resolved to (the name a "he" refers
    /// to); byte offset in `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_start: Option<usize>,
    /// End of that mention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_end: Option<usize>,
    /// The mention the attribution itself names ("he", "the spokeswoman", "Blair"): byte
    /// offset in `text`; the speaker mention is what it was resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_start: Option<usize>,
    /// End of the source mention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_end: Option<usize>,
}

/// A sentence that asserts something checkable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The sentence.
    pub text: String,
    /// Byte offset in `text`.
    pub start: usize,
    /// End byte offset in `text`.
    pub end: usize,
    /// Who the claim is attributed to, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// Whether it is hedged ("may", "reportedly", "is expected to").
    pub hedged: bool,
    /// Canonical names of the entities it mentions.
    #[serde(default)]
    pub entities: Vec<String>,
    /// Indexes into the document's `quantities` that fall in the claim.
    #[serde(default)]
    pub quantities: Vec<usize>,
    /// How far the claim can be trusted, once score-reliability ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reliability: Option<ClaimReliability>,
}

/// How a document relates to the other members of its duplicate cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Not a copy of anything.
    None,
    /// Same normalized text.
    Exact,
    /// Nearly the same wording.
    NearDuplicate,
    /// A repost of another outlet's report.
    Syndicated,
    /// A rewrite or translation sharing the same rare facts.
    Derived,
}

/// The dedupe stage's verdict on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupeInfo {
    /// Stable cluster id, the same whatever the thread count or input order.
    pub cluster: String,
    /// Whether this document stands for its cluster.
    pub representative: bool,
    /// How it relates to the cluster's representative.
    pub relation: Relation,
    /// Similarity to `duplicate_of`, in [0, 1].
    pub similarity: f64,
    /// The document this one copies, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// The origin outlet of a syndicated copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A coarse reading of a 0–100 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// Well sourced and consistent.
    High,
    /// Usable with care.
    Medium,
    /// Weak or damaged.
    Low,
}

/// One piece of evidence behind a signal: a span in this or another document, or a note about
/// it with no span (a fact about metadata or the corpus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Id of the document the span points into.
    pub doc: String,
    /// Byte offset in that document's `text`; `None` when the evidence has no span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    /// End byte offset; `None` when the evidence has no span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// What the span shows.
    pub note: String,
}

/// One named reliability signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// Signal name (`attribution`, `hedging`, `corroboration`, ...).
    pub name: String,
    /// Sub-score in [0, 1].
    pub score: f64,
    /// Its weight in the total.
    pub weight: f64,
    /// `false` when it could not be computed; the other weights are rescaled.
    pub applicable: bool,
    /// What moved it.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// The reliability of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// 0–100.
    pub score: f64,
    /// High, medium or low.
    pub band: Band,
    /// The signals that make up the score.
    pub signals: Vec<Signal>,
}

/// The reliability of one claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimReliability {
    /// 0–100.
    pub score: f64,
    /// High, medium or low.
    pub band: Band,
    /// Ids of representative documents of independent clusters that support it.
    #[serde(default)]
    pub supported_by: Vec<String>,
    /// Ids of representative documents of independent clusters that contradict it.
    #[serde(default)]
    pub contradicted_by: Vec<String>,
    /// Signals behind the claim score.
    #[serde(default)]
    pub signals: Vec<Signal>,
}
