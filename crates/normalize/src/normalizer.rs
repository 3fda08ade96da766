//! Normalization of one document: HTML or text in, clean text and metadata out.

use std::collections::HashSet;

use newspipe_core::{BuildError, Document, InputFormat, Meta, PageKind, RemovedKind, RemovedSpan};
use rustc_hash::FxHashSet;

use crate::analysis::{detect_language, page_kind};
use crate::config::NormalizeConfig;
use crate::html::{figure_captions, flatten_html, parseable, Extracted, HtmlExtractor};
use crate::html_meta::{clean_meta_byline, clean_title, markup_date, title_site};
use crate::metadata::{self, choose_published, push_candidate};
use crate::outlet::{self, choose_outlet, json_ld_publisher, OutletCandidate};
use crate::rules::LineRules;
use crate::site_repeats::{mostly_repeated, LineKey};
use crate::text_mode::{clean_page_text, filter_lines, TextMeta, TextOptions};
use crate::unicode::clean_line;

/// Normalizes documents one at a time; shared by every thread.
pub struct Normalizer {
    config: NormalizeConfig,
    extractor: Box<dyn HtmlExtractor>,
    rules: LineRules,
}

impl Normalizer {
    /// Builds a normalizer; fails on an invalid extra pattern.
    pub fn new(config: NormalizeConfig) -> Result<Self, BuildError> {
        let patterns: Vec<_> = config
            .extra_patterns
            .iter()
            .map(|p| (p.pattern.clone(), p.kind))
            .collect();
        let rules = LineRules::new(&patterns, &config.extra_agencies).map_err(|err| {
            BuildError::Setup(format!(
                "invalid extra_patterns or extra_agencies entry: {err}"
            ))
        })?;
        Ok(Self {
            extractor: config.html_extractor.build(),
            config,
            rules,
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &NormalizeConfig {
        &self.config
    }

    /// Normalizes `doc` in place: sets `text`, `removed` and `meta` (metadata the input already
    /// supplied is kept). `repeated` holds the keys ([`crate::line_key`]) of lines repeated on
    /// many pages of the document's site; [`crate::NormalizeStage`] finds them.
    pub fn normalize(&self, doc: &mut Document, repeated: Option<&FxHashSet<LineKey>>) {
        // Text cleaning leaves the repeated lines unused on a page made mostly of them; for an
        // extractor's output that is checked below, against the page as served.
        let options = TextOptions {
            boilerplate: self.config.boilerplate,
            rules: &self.rules,
            repeated,
        };
        let mut no_main_block = false;
        let mut outlets: Vec<OutletCandidate> = Vec::new();
        match doc.source.format {
            InputFormat::Text => {
                let outcome = clean_page_text(&doc.raw, &options);
                doc.text = outcome.text;
                doc.removed = outcome.removed;
                no_main_block = outcome.no_main_block;
                if self.config.metadata {
                    apply_text_meta(doc, outcome.meta, &mut outlets);
                }
            }
            InputFormat::Html => {
                doc.removed.clear();
                // Pages nested absurdly deep are flattened first, not dropped.
                let html = parseable(&doc.raw);
                match self.extractor.extract(&html, doc.source.url.as_deref()) {
                    Some(extracted) if !extracted.text.trim().is_empty() => {
                        let captions = if self.config.boilerplate {
                            figure_captions(&html)
                        } else {
                            HashSet::new()
                        };
                        let extract_options = TextOptions {
                            repeated: repeated.filter(|set| !mostly_repeated(&doc.raw, set)),
                            ..options
                        };
                        let filtered = filter_lines(
                            &extracted.text,
                            &extract_options,
                            extracted.title.as_deref(),
                            &captions,
                            &extracted.chrome,
                        );
                        doc.text = filtered.text;
                        doc.removed = locate_cuts(&doc.raw, &filtered.cut);
                        if self.config.metadata {
                            apply_html_meta(&mut doc.meta, extracted, &html, &mut outlets);
                            apply_text_meta(doc, filtered.meta, &mut outlets);
                        }
                    }
                    _ => {
                        // No article found: clean the page's visible text as text input.
                        let outcome = clean_page_text(&flatten_html(&html), &options);
                        doc.text = outcome.text;
                        no_main_block = outcome.no_main_block;
                        if self.config.metadata {
                            apply_text_meta(doc, outcome.meta, &mut outlets);
                        }
                    }
                }
            }
        }
        if self.config.metadata {
            // A date the input gave is a candidate too, so a page whose own header disagrees
            // with it shows both.
            if doc.meta.published_basis.as_deref() == Some("input") {
                if let Some(value) = doc.meta.published.clone() {
                    push_candidate(&mut doc.meta.date_candidates, value, "input", None);
                }
            }
            add_url_date(doc);
            choose_outlet_of(doc, outlets);
            if doc.meta.published.is_none() {
                if let Some(chosen) = choose_published(&doc.meta.date_candidates) {
                    doc.meta.published = Some(chosen.value.clone());
                    doc.meta.published_basis = Some(chosen.basis.clone());
                }
            }
        }
        if self.config.language && doc.meta.language.is_none() {
            doc.meta.language = detect_language(&doc.text);
        }
        let kind = page_kind(&doc.text);
        doc.meta.page_kind = Some(if no_main_block && kind == PageKind::Article {
            PageKind::Other
        } else {
            kind
        });
    }
}

/// Copies text-mode metadata into the document, keeping what the input already supplied.
fn apply_text_meta(doc: &mut Document, meta: TextMeta, outlets: &mut Vec<OutletCandidate>) {
    outlets.extend(meta.outlets);
    let m = &mut doc.meta;
    fill(&mut m.title, meta.title.as_deref());
    fill(&mut m.byline, meta.byline.as_deref());
    for candidate in meta.dates {
        push_candidate(
            &mut m.date_candidates,
            candidate.value,
            &candidate.basis,
            candidate.text,
        );
    }
    for id in meta.ids {
        if !m.ids.contains(&id) {
            m.ids.push(id);
        }
    }
}

/// Spans of `raw` for lines cut from an extractor's output, for the lines whose words appear
/// verbatim in the HTML (text with entities or inline markup cannot be located and is skipped).
fn locate_cuts(raw: &str, cut: &[(String, RemovedKind, String)]) -> Vec<RemovedSpan> {
    let mut spans: Vec<RemovedSpan> = cut
        .iter()
        .filter_map(|(line, kind, rule)| {
            let start = raw.find(line.as_str())?;
            Some(RemovedSpan {
                start,
                end: start + line.len(),
                kind: *kind,
                rule: Some(rule.clone()),
            })
        })
        .collect();
    spans.sort_by_key(|s| s.start);
    spans.dedup_by_key(|s| s.start);
    spans
}

/// Copies the extractor's metadata into the document, cleaned, and adds the publication date
/// found in the page's markup.
fn apply_html_meta(
    m: &mut Meta,
    extracted: Extracted,
    html: &str,
    outlets: &mut Vec<OutletCandidate>,
) {
    let site = extracted.site_name.as_deref();
    let title = extracted.title.as_deref().map(|t| clean_title(t, site));
    if let Some(name) = site {
        outlets.push(OutletCandidate {
            name: name.to_owned(),
            basis: "html_meta",
        });
    }
    if let Some(name) = json_ld_publisher(html) {
        outlets.push(OutletCandidate {
            name,
            basis: "json_ld",
        });
    }
    if let Some(name) = extracted
        .title
        .as_deref()
        .zip(title.as_deref())
        .and_then(|(raw, clean)| title_site(raw, clean))
    {
        outlets.push(OutletCandidate {
            name,
            basis: "title_suffix",
        });
    }
    let byline = extracted
        .byline
        .as_deref()
        .and_then(|b| clean_meta_byline(b, site));

    fill(&mut m.title, title.as_deref());
    fill(&mut m.byline, byline.as_deref());
    let from_extractor = extracted
        .published
        .as_deref()
        .and_then(|p| metadata::find_date(p).map(|d| (d, "html_meta")));
    if let Some((date, basis)) = from_extractor.or_else(|| markup_date(html)) {
        push_candidate(&mut m.date_candidates, date.iso, basis, Some(date.text));
    }
}

/// Sets the outlet from the most trusted candidate (the URL's host last), unless the input
/// gave one; either way records its basis.
fn choose_outlet_of(doc: &mut Document, mut outlets: Vec<OutletCandidate>) {
    if doc.meta.outlet.is_some() {
        doc.meta
            .outlet_basis
            .get_or_insert_with(|| "input".to_owned());
        return;
    }
    if let Some(name) = doc.source.url.as_deref().and_then(outlet::url_host) {
        outlets.push(OutletCandidate {
            name,
            basis: "url_host",
        });
    }
    if let Some(chosen) = choose_outlet(&outlets) {
        fill(&mut doc.meta.outlet, Some(&chosen.name));
        doc.meta.outlet_basis = doc.meta.outlet.is_some().then(|| chosen.basis.to_owned());
    }
}

/// Adds the date in the page's URL as a candidate.
fn add_url_date(doc: &mut Document) {
    if let Some(url) = doc.source.url.as_deref() {
        if let Some(date) = metadata::url_date(url) {
            push_candidate(
                &mut doc.meta.date_candidates,
                date,
                "url",
                Some(url.to_owned()),
            );
        }
    }
}

/// Sets `slot` to the cleaned `value` unless it already has one.
fn fill(slot: &mut Option<String>, value: Option<&str>) {
    if slot.is_none() {
        if let Some(value) = value.map(clean_line).filter(|v| !v.is_empty()) {
            *slot = Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::Source;

    const PAGE: &str = r#"<html><head><title>Bridge to open next spring | Daily Courier</title>
<meta property="og:site_name" content="Daily Courier">
<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-03-06T08:00:00Z"}</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Bridge to open next spring</h1>
<p>The government announced on Monday that the new bridge across the river would open next spring, after years of delays and disputes over its cost and design.</p>
<p>Sign up for our newsletter</p>
<p>Officials said the project had cost more than twice the original estimate, blaming supply problems and a long legal dispute with the first contractor.</p>
<p>The mayor said the city was relieved that the work was finally nearing its end, and thanked residents for their patience during the long closure of the old crossing.</p>
</article><footer>© 2025 Daily Courier. All rights reserved.</footer></body></html>"#;

    fn normalize(format: InputFormat, raw: &str, meta: Meta) -> Document {
        let source = Source {
            format,
            url: Some("https://courier.example/news/bridge".into()),
            ..Default::default()
        };
        let mut doc = Document::new("d", source, raw.to_owned());
        doc.meta = meta;
        Normalizer::new(NormalizeConfig::default())
            .unwrap()
            .normalize(&mut doc, None);
        doc
    }

    #[test]
    fn an_html_page_gives_its_article_and_metadata() {
        let doc = normalize(InputFormat::Html, PAGE, Meta::default());
        assert!(
            doc.text.starts_with("The government announced"),
            "{}",
            doc.text
        );
        assert!(doc.text.ends_with("the old crossing."), "{}", doc.text);
        assert!(!doc.text.contains("newsletter"), "{}", doc.text);
        // The page declares a news article, so `auto` reads it with `trafilatura`, which keeps
        // the headline: it is cut and recorded as well.
        let cut = doc
            .removed
            .iter()
            .find(|c| c.kind == RemovedKind::Subscribe)
            .expect("the newsletter line is recorded");
        assert_eq!(&doc.raw[cut.start..cut.end], "Sign up for our newsletter");
        assert_eq!(
            doc.meta.title.as_deref(),
            Some("Bridge to open next spring")
        );
        assert_eq!(doc.meta.published.as_deref(), Some("2025-03-06"));
        assert_eq!(doc.meta.published_basis.as_deref(), Some("html_meta"));
        assert_eq!(doc.meta.language.as_deref(), Some("eng"));
        assert_eq!(doc.meta.page_kind, Some(PageKind::Article));
    }

    #[test]
    fn metadata_from_the_input_is_kept() {
        let given = Meta {
            title: Some("Given title".into()),
            published: Some("2024-12-31".into()),
            published_basis: Some("input".into()),
            language: Some("fra".into()),
            ..Meta::default()
        };
        let doc = normalize(InputFormat::Html, PAGE, given);
        assert_eq!(doc.meta.title.as_deref(), Some("Given title"));
        assert_eq!(doc.meta.published.as_deref(), Some("2024-12-31"));
        assert_eq!(doc.meta.language.as_deref(), Some("fra"));
        assert!(doc
            .meta
            .date_candidates
            .iter()
            .any(|c| c.value == "2025-03-06"));
        assert!(doc
            .meta
            .date_candidates
            .iter()
            .any(|c| c.value == "2024-12-31" && c.basis == "input"));
    }

    #[test]
    fn the_same_page_as_text_gives_the_same_article() {
        let html = normalize(InputFormat::Html, PAGE, Meta::default());
        let text = normalize(InputFormat::Text, &flatten_html(PAGE), Meta::default());
        assert_eq!(text.text, html.text);
        assert_eq!(
            text.meta.title.as_deref(),
            Some("Bridge to open next spring")
        );
    }
}
