//! The stage's YAML configuration.

use newspipe_core::RemovedKind;
use serde::{Deserialize, Serialize};

use crate::html::ExtractorChoice;

/// Configuration of the `normalize` stage; every key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeConfig {
    /// Main-article extractor for HTML pages: `auto`, `dom_smoothie` or `trafilatura`.
    pub html_extractor: ExtractorChoice,
    /// Remove boilerplate lines (menus, forms, teasers, credits, disclaimers, footers) from text.
    pub boilerplate: bool,
    /// Remove lines repeated on many pages of the same site (needs a first pass over the corpus).
    pub site_repeats: SiteRepeatsConfig,
    /// Extra boilerplate rules: a regex on the lower-cased line with quotes and dashes folded.
    pub extra_patterns: Vec<ExtraPattern>,
    /// Photo and wire agencies to recognize in picture credits, besides the built-in ones
    /// (`newspipe-knowledge`'s `photo_agencies.txt`).
    pub extra_agencies: Vec<String>,
    /// Read title, byline, outlet, dates and ids.
    pub metadata: bool,
    /// Detect the language of the text.
    pub language: bool,
    /// Drop pages that are not articles (listings, section fronts, empty pages) instead of
    /// keeping them with `meta.page_kind` set.
    pub drop_non_articles: bool,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        Self {
            html_extractor: ExtractorChoice::Auto,
            boilerplate: true,
            site_repeats: SiteRepeatsConfig::default(),
            extra_patterns: Vec::new(),
            extra_agencies: Vec::new(),
            metadata: true,
            language: true,
            drop_non_articles: false,
        }
    }
}

/// Cross-page boilerplate: lines seen on many pages of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SiteRepeatsConfig {
    /// Whether to look for them.
    pub enabled: bool,
    /// A line is boilerplate once it appears on this many pages of the same site.
    pub min_pages: u32,
}

impl Default for SiteRepeatsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_pages: 4,
        }
    }
}

/// One extra boilerplate rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraPattern {
    /// Regular expression matched against each lower-cased, folded line.
    pub pattern: String,
    /// The kind recorded for lines it removes (`nav`, `subscribe`, `teaser`, `credit`,
    /// `disclaimer`, `footer`, `other`).
    #[serde(default = "other_kind")]
    pub kind: RemovedKind,
}

fn other_kind() -> RemovedKind {
    RemovedKind::Other
}
