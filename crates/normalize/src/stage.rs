//! The `normalize` stage: a corpus stage, because lines repeated across a site's pages can only
//! be seen with the corpus in view. The first pass (`observe`) counts line hashes per site for
//! text inputs; the second (`apply`) normalizes every document in parallel.

use std::collections::{HashMap, HashSet};

use newspipe_core::{CorpusStage, Disposition, Document, InputFormat, PageKind, StageError};
use rayon::prelude::*;

use crate::normalizer::Normalizer;
use crate::site_repeats::{page_keys, site_of, SiteLineCounts};

/// The stage: a [`Normalizer`] plus the per-site index of repeated lines.
pub struct NormalizeStage {
    normalizer: Normalizer,
    counts: SiteLineCounts,
    repeated: HashMap<String, HashSet<u64>>,
}

impl NormalizeStage {
    /// A stage around `normalizer`.
    pub fn new(normalizer: Normalizer) -> Self {
        Self {
            normalizer,
            counts: SiteLineCounts::default(),
            repeated: HashMap::new(),
        }
    }

    fn site_repeats_on(&self) -> bool {
        let config = self.normalizer.config();
        config.boilerplate && config.site_repeats.enabled
    }
}

impl CorpusStage for NormalizeStage {
    fn needs_full_view(&self) -> bool {
        self.site_repeats_on()
    }

    fn observe(&mut self, docs: &mut [Document]) -> Result<(), StageError> {
        if !self.site_repeats_on() {
            return Ok(());
        }
        let pages: Vec<(String, HashSet<u64>)> = docs
            .par_iter()
            .filter(|doc| doc.source.format == InputFormat::Text)
            .map(|doc| (site_of(doc), page_keys(&doc.raw)))
            .collect();
        for (site, keys) in pages {
            self.counts.add_page(&site, keys);
        }
        Ok(())
    }

    fn prepare(&mut self) -> Result<(), StageError> {
        let min_pages = self.normalizer.config().site_repeats.min_pages.max(2);
        self.repeated = std::mem::take(&mut self.counts).repeated(min_pages);
        Ok(())
    }

    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        let normalizer = &self.normalizer;
        let repeated = &self.repeated;
        let drop_non_articles = normalizer.config().drop_non_articles;
        Ok(docs
            .par_iter_mut()
            .map(|doc| {
                let site_lines = if repeated.is_empty() {
                    None
                } else {
                    repeated.get(&site_of(doc))
                };
                normalizer.normalize(doc, site_lines);
                match doc.meta.page_kind {
                    Some(kind) if drop_non_articles && kind != PageKind::Article => {
                        Disposition::Drop {
                            reason: format!("not an article ({kind:?})").to_lowercase(),
                            duplicate_of: None,
                        }
                    }
                    _ => Disposition::Keep,
                }
            })
            .collect())
    }
}
