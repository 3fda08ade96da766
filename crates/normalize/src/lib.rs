//! # newspipe-normalize
//!
//! **What it does.** The first stage of a newspipe pipeline. It turns a scraped page into clean
//! article text plus metadata:
//! - HTML pages: the main article is extracted (`dom_smoothie`, with the `trafilatura` crate for
//!   pages it rejects or cuts short and for pages that declare a news article; swappable behind
//!   [`HtmlExtractor`]), with the page's `<figcaption>`
//!   texts, boilerplate lines and page chrome cut from it (lines the page shows only inside
//!   `nav`, `aside` or `footer` elements or blocks whose class names them related stories,
//!   share bars, newsletter boxes, author bios or captions, read on the DOM the extractor
//!   parsed); title, byline, outlet and date come from the page's metadata and URL. Pages nested deeper than 1,000 elements are flattened first.
//! - Text (a page flattened to text, menus and all): each line is classified (menus, newsletter
//!   forms, teaser blocks, credits, disclaimers, footers, bylines, ids), the article is the
//!   maximum-sum run of article-like lines, and lines repeated on many pages of the same site
//!   (URL host, else the outlet of a wire prefix, else the input folder) are cut too. Every cut
//!   is kept in `removed` as a span of `raw` with its kind. The phrase rules, agencies, month
//!   names and wire-id formats come from `newspipe-knowledge`.
//! - Unicode: NFC, invisible and control characters removed, soft hyphens and words split
//!   across lines folded, whitespace collapsed; typographic quotes and dashes kept
//!   ([`fold_for_matching`] gives later stages a folded form).
//! - Language (`whatlang`) and a page kind (article, listing, other).
//!
//! **When to use.** Always first: every later stage reads `text`.
//!
//! **Example YAML.**
//! ```yaml
//! stages:
//!   - normalize:
//!       html_extractor: auto        # auto | dom_smoothie | trafilatura
//!       boilerplate: true
//!       site_repeats: { enabled: true, min_pages: 4 }
//!       extra_patterns: [ { pattern: "^advertisement$", kind: other } ]
//!       extra_agencies: [ "Kyiv Photo Desk" ]
//!       metadata: true
//!       language: true
//!       drop_non_articles: false
//! ```
//!
//! **Output fields.** `text`; `removed[]` (`start`, `end` into `raw`, `kind`, `rule`);
//! `meta.title`, `meta.byline`, `meta.outlet` with `meta.outlet_basis`, `meta.published` with `meta.published_basis`,
//! `meta.date_candidates[]` (every date found, with its basis: `html_meta`, `url`, `byline`,
//! `id_string`, `header_line`), `meta.ids`, `meta.language` (ISO 639-3), `meta.page_kind`.
//!
//! Charset decoding is the input reader's job: the stage receives `raw` as a `String`.

mod analysis;
mod chrome;
mod config;
pub mod eval;
mod html;
mod html_meta;
mod metadata;
mod normalizer;
mod outlet;
pub mod page_tree;
mod rules;
mod site_repeats;
mod split;
mod stage;
mod text_mode;
mod unicode;

pub use config::{ExtraPattern, NormalizeConfig, SiteRepeatsConfig};
pub use html::{
    declares_news_article, flatten_html, Extracted, ExtractorChoice, HtmlExtractor, Page,
};
pub use normalizer::Normalizer;
pub use site_repeats::{line_key, LineKey};
pub use stage::NormalizeStage;
pub use unicode::fold_for_matching;

use newspipe_core::{StageFactory, StageInstance};

/// The `normalize` stage's factory, for the registry.
pub fn factory() -> StageFactory {
    StageFactory::new::<NormalizeConfig>(
        "normalize",
        "Clean article text and metadata (title, byline, outlet, date, language) from HTML or page text.",
        |config, _cx| {
            let normalizer = Normalizer::new(config)?;
            Ok(StageInstance::corpus(NormalizeStage::new(normalizer)))
        },
    )
    .describing_keys::<NormalizeConfig>()
    .rewriting_text()
}
