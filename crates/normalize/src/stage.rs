//! The `normalize` stage: a corpus stage, because lines repeated across a site's pages can only
//! be seen with the corpus in view. `observe` records the line hashes of each text page with its
//! site's hash, `prepare` keeps the lines repeated on enough pages of a site, and `apply`
//! normalizes each document.

use std::collections::{HashMap, HashSet};

use newspipe_core::{CorpusStage, Disposition, Document, InputFormat, PageKind, StageError};
use serde::{Deserialize, Serialize};

use crate::normalizer::Normalizer;
use crate::site_repeats::{
    key_gaps, keys_from_gaps, page_keys, site_key, site_of, LineKey, SiteKey, SiteLineCounts,
};

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

/// What `observe` keeps of a text page: its site's hash and the 32-bit hashes of its distinct
/// lines in ascending order, stored as gaps ([`key_gaps`]) so that the varint encoding needs
/// about 4 bytes a line instead of 10 for 64-bit hashes.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageLines {
    site: SiteKey,
    key_gaps: Vec<LineKey>,
}

/// For each site's hash, the hashes of the lines repeated on enough of its pages.
pub type RepeatedLines = HashMap<SiteKey, HashSet<LineKey>>;

impl CorpusStage for NormalizeStage {
    type Record = Option<PageLines>;
    type State = RepeatedLines;
    const FORMAT_VERSION: u32 = 2;

    fn needs_full_view(&self) -> bool {
        self.site_repeats_on()
    }

    fn observe(&self, doc: &mut Document) -> Result<Option<PageLines>, StageError> {
        Ok((doc.source.format == InputFormat::Text).then(|| PageLines {
            site: site_key(&site_of(doc)),
            key_gaps: key_gaps(&page_keys(&doc.raw)),
        }))
    }

    fn prepare(&self, pages: Vec<Option<PageLines>>) -> Result<RepeatedLines, StageError> {
        let mut counts = SiteLineCounts::default();
        for page in pages.into_iter().flatten() {
            let keys = keys_from_gaps(&page.key_gaps).ok_or_else(|| {
                StageError::new("corrupt normalize observation: line keys overflow")
            })?;
            counts.add_page(page.site, keys);
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
            repeated.get(&site_key(&site_of(doc)))
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
