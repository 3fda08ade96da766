//! The `normalize` stage: a corpus stage, because lines repeated across a site's pages can only
//! be seen with the corpus in view. `observe` records the line hashes of each text page with its
//! site, `prepare` keeps the lines repeated on enough pages of a site, and `apply` normalizes
//! each document.

use std::collections::{HashMap, HashSet};

use newspipe_core::{CorpusStage, Disposition, Document, InputFormat, PageKind, StageError};
use serde::{Deserialize, Serialize};

use crate::normalizer::Normalizer;
use crate::site_repeats::{page_keys, site_of, SiteLineCounts};

/// The stage: a [`Normalizer`] whose corpus part is the per-site index of repeated lines.
pub struct NormalizeStage {
    normalizer: Normalizer,
}

impl NormalizeStage {
    /// A stage around `normalizer`.
    pub fn new(normalizer: Normalizer) -> Self {
        Self { normalizer }
    }

    fn site_repeats_on(&self) -> bool {
        let config = self.normalizer.config();
        config.boilerplate && config.site_repeats.enabled
    }
}

/// What `observe` keeps of a text page: its site and the hashes of its distinct lines.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageLines {
    site: String,
    keys: Vec<u64>,
}

/// For each site, the hashes of the lines repeated on enough of its pages.
pub type RepeatedLines = HashMap<String, HashSet<u64>>;

impl CorpusStage for NormalizeStage {
    type Record = Option<PageLines>;
    type State = RepeatedLines;
    const FORMAT_VERSION: u32 = 1;

    fn needs_full_view(&self) -> bool {
        self.site_repeats_on()
    }

    fn observe(&self, doc: &mut Document) -> Result<Option<PageLines>, StageError> {
        Ok((doc.source.format == InputFormat::Text).then(|| {
            let mut keys: Vec<u64> = page_keys(&doc.raw).into_iter().collect();
            keys.sort_unstable();
            PageLines {
                site: site_of(doc),
                keys,
            }
        }))
    }

    fn prepare(&self, pages: Vec<Option<PageLines>>) -> Result<RepeatedLines, StageError> {
        let mut counts = SiteLineCounts::default();
        for page in pages.into_iter().flatten() {
            counts.add_page(&page.site, page.keys);
        }
        let min_pages = self.normalizer.config().site_repeats.min_pages.max(2);
        Ok(counts.repeated(min_pages))
    }

    fn apply(
        &self,
        repeated: &RepeatedLines,
        _position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        let site_lines = if repeated.is_empty() {
            None
        } else {
            repeated.get(&site_of(doc))
        };
        self.normalizer.normalize(doc, site_lines);
        Ok(match doc.meta.page_kind {
            Some(kind)
                if self.normalizer.config().drop_non_articles && kind != PageKind::Article =>
            {
                Disposition::Drop {
                    reason: format!("not an article ({kind:?})").to_lowercase(),
                    duplicate_of: None,
                }
            }
            _ => Disposition::Keep,
        })
    }
}
