//! Syndication markers: the credits and disclaimers that show a text is another outlet's
//! report, reposted. Markers sit at the head or the tail of a copy, so only those are read.

use std::sync::LazyLock;

use newspipe_core::Document;
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

/// How many bytes of the head and of the tail of a text are searched for markers.
const HEAD_BYTES: usize = 1200;
const TAIL_BYTES: usize = 2000;

/// Which kind of marker was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarkerKind {
    /// `(MENAFN- Origin)`: an aggregator crediting its source.
    AggregatorCredit,
    /// `CITY (AP) —`: a wire agency's credit, also found on the agency's own site.
    WireCredit,
    /// "originally published by Origin" and the like.
    OriginallyPublished,
    /// `Source: Origin` on a line of its own.
    SourceLine,
    /// An aggregator's disclaimer, naming no origin.
    Disclaimer,
}

/// A syndication marker found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Syndication {
    /// What kind of marker it is.
    pub kind: MarkerKind,
    /// The outlet the marker names as the origin, when it names one.
    pub origin: Option<String>,
}

/// `(MENAFN- The Rio Times)`: an aggregator's credit to its origin (from the knowledge crate).
static AGGREGATOR_CREDIT: LazyLock<Regex> =
    LazyLock::new(|| compile(newspipe_knowledge::aggregator_credit_pattern()));

/// `WASHINGTON (AP) —`, `(Reuters) -` at the start of a line: a wire agency's credit.
static WIRE_CREDIT: LazyLock<Regex> =
    LazyLock::new(|| compile(&newspipe_knowledge::wire_credit_pattern()));

/// "originally published by X", "first appeared on X", "republished from X".
static ORIGINALLY_PUBLISHED: LazyLock<Regex> =
    LazyLock::new(|| compile(&newspipe_knowledge::republication_pattern()));

/// `Source: X` or `Via: X` on a short line of its own.
static SOURCE_LINE: LazyLock<Regex> =
    LazyLock::new(|| compile(&newspipe_knowledge::source_line_pattern()));

/// Aggregator disclaimers that name no origin.
static DISCLAIMER: LazyLock<Regex> =
    LazyLock::new(|| compile(&newspipe_knowledge::aggregator_disclaimer_pattern()));

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the knowledge crate's patterns compile")
}

/// Every marker pattern in one set: a text part none of them matches in needs no further
/// search, which is the case for most texts.
static ANY_MARKER: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        AGGREGATOR_CREDIT.as_str(),
        WIRE_CREDIT.as_str(),
        ORIGINALLY_PUBLISHED.as_str(),
        SOURCE_LINE.as_str(),
        DISCLAIMER.as_str(),
    ])
    .expect("valid regexes")
});

/// The largest char boundary at or below `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first syndication marker of `text`, if any: a credit naming an origin wins over a
/// disclaimer that names none.
pub fn find_marker(text: &str) -> Option<Syndication> {
    let head = &text[..floor_boundary(text, HEAD_BYTES)];
    let tail = &text[floor_boundary(text, text.len().saturating_sub(TAIL_BYTES))..];
    // A short text is its own head and tail: read it once.
    let parts: &[&str] = if head.len() == text.len() {
        &[text]
    } else {
        &[tail, head]
    };
    if !parts.iter().any(|part| ANY_MARKER.is_match(part)) {
        return None;
    }
    let origin = |kind: MarkerKind, name: &str| Syndication {
        kind,
        origin: Some(name.trim().trim_end_matches(['.', ',']).to_string()),
    };
    if let Some(found) = AGGREGATOR_CREDIT.captures(head) {
        return Some(origin(MarkerKind::AggregatorCredit, &found[2]));
    }
    if let Some(found) = WIRE_CREDIT.captures(head) {
        let name = newspipe_knowledge::wire_service_name(&found[1]).unwrap_or(&found[1]);
        return Some(origin(MarkerKind::WireCredit, name));
    }
    for &part in parts {
        if let Some(found) = ORIGINALLY_PUBLISHED.captures(part) {
            return Some(match found.get(1).or_else(|| found.get(2)) {
                Some(name) => origin(MarkerKind::OriginallyPublished, name.as_str()),
                None => Syndication {
                    kind: MarkerKind::OriginallyPublished,
                    origin: None,
                },
            });
        }
        if let Some(found) = SOURCE_LINE.captures(part) {
            return Some(origin(MarkerKind::SourceLine, &found[1]));
        }
    }
    parts
        .iter()
        .any(|part| DISCLAIMER.is_match(part))
        .then_some(Syndication {
            kind: MarkerKind::Disclaimer,
            origin: None,
        })
}

/// The syndication marker of a document: in its text, else in the pieces of its raw input
/// that normalize cut (credits and disclaimers are what it cuts). A wire credit naming the
/// document's own outlet is the agency's original, not a copy, and does not count.
pub fn document_marker(doc: &Document) -> Option<Syndication> {
    let marker = find_marker(&doc.text).or_else(|| {
        doc.removed
            .iter()
            .filter_map(|span| doc.raw.get(span.start..span.end))
            .find_map(find_marker)
    })?;
    let own = marker.kind == MarkerKind::WireCredit
        && names_own_outlet(&marker, doc.meta.outlet.as_deref());
    (!own).then_some(marker)
}

/// Whether a credit names the document's own outlet. Compares letters and digits only,
/// either way round.
fn names_own_outlet(marker: &Syndication, outlet: Option<&str>) -> bool {
    let key = |name: &str| -> String {
        name.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match (marker.origin.as_deref().map(key), outlet.map(key)) {
        (Some(origin), Some(outlet)) if !origin.is_empty() && !outlet.is_empty() => {
            origin.contains(&outlet) || outlet.contains(&origin)
        }
        _ => false,
    }
}

/// Compiles the marker patterns every text's head and tail are searched for, for the stage's
/// warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&ANY_MARKER);
    for pattern in [
        &AGGREGATOR_CREDIT,
        &WIRE_CREDIT,
        &ORIGINALLY_PUBLISHED,
        &SOURCE_LINE,
        &DISCLAIMER,
    ] {
        LazyLock::force(pattern);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin_of(text: &str) -> Option<String> {
        find_marker(text).and_then(|s| s.origin)
    }

    #[test]
    fn credits_name_the_origin() {
        assert_eq!(
            origin_of("Title\n\n(MENAFN- The Rio Times) Canada has made").as_deref(),
            Some("The Rio Times")
        );
        assert_eq!(
            origin_of("WASHINGTON (AP) \u{2014} The Senate voted").as_deref(),
            Some("Associated Press")
        );
        assert_eq!(
            origin_of("LONDON, England (Reuters) - Shares fell").as_deref(),
            Some("Reuters")
        );
        assert_eq!(
            origin_of("(AFP) - Talks resumed").as_deref(),
            Some("Agence France-Presse")
        );
        assert_eq!(
            origin_of("Body.\nThis article was originally published on The Conversation. Read it.")
                .as_deref(),
            Some("The Conversation")
        );
        assert_eq!(
            origin_of("Body text.\nSource: Kyiv Post\n").as_deref(),
            Some("Kyiv Post")
        );
    }

    #[test]
    fn disclaimers_without_origin_still_mark_a_copy() {
        let text = "Body.\nLegal Disclaimer:\nMENAFN provides the information \u{201c}as is\u{201d} without warranty.";
        let found = find_marker(text).unwrap();
        assert_eq!((found.kind, found.origin), (MarkerKind::Disclaimer, None));
    }

    #[test]
    fn markers_cut_by_normalize_are_still_found_and_own_credits_ignored() {
        use newspipe_core::{RemovedKind, RemovedSpan, Source};
        let raw = "Body of the story.\nThis article was originally published by Kyiv Post.";
        let mut doc = Document::new("d", Source::default(), raw.to_string());
        doc.text = "Body of the story.".to_string();
        doc.removed.push(RemovedSpan {
            start: 19,
            end: raw.len(),
            kind: RemovedKind::Credit,
            rule: None,
        });
        assert_eq!(
            document_marker(&doc).unwrap().origin.as_deref(),
            Some("Kyiv Post")
        );
        let mut wire = Document::new(
            "w",
            Source::default(),
            "LONDON (Reuters) - Shares fell".into(),
        );
        assert!(document_marker(&wire).is_some());
        wire.meta.outlet = Some("Reuters".into());
        assert!(document_marker(&wire).is_none(), "Reuters on its own site");
        let mut aggregated = Document::new(
            "a",
            Source::default(),
            "(MENAFN- The Rio Times) Canada".into(),
        );
        aggregated.meta.outlet = Some("The Rio Times".into());
        assert!(
            document_marker(&aggregated).is_some(),
            "an aggregator credit always counts"
        );
    }

    #[test]
    fn ordinary_text_has_no_marker() {
        let text = "The minister (who spoke in Ottawa) said the plan - which is new - will work.\n\
                    Reuters reported the talks. The source said AP photos were used.";
        assert_eq!(find_marker(text), None);
        assert_eq!(find_marker(""), None);
        assert_eq!(find_marker(&"é".repeat(3000)), None);
    }
}
