//! The `normalize` stage: a corpus stage, because lines repeated across a site's pages can only
//! be seen with the corpus in view. `observe` records each page's site hash and the line hashes
//! of each text page, `prepare` keeps the lines repeated on enough pages of a site, and `apply`
//! normalizes each document. A cluster run splits the merge by site hash ([`crate::split`]).

use rustc_hash::{FxHashMap, FxHashSet};

use newspipe_core::{
    CorpusStage, Disposition, Document, InputFormat, MergeLayout, MergeStep, PageKind, SplitFiles,
    StageError, WarmUp,
};
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

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

    /// The pages a line must be on to be one of its site's repeats (at least 2).
    pub(crate) fn min_pages(&self) -> u32 {
        self.normalizer.config().site_repeats.min_pages.max(2)
    }
}

/// What `observe` keeps of a page: its site's hash, and for a text page the 32-bit hashes of
/// its distinct lines in ascending order, stored as gaps ([`key_gaps`]) so that the varint
/// encoding needs about 4 bytes a line instead of 10 for 64-bit hashes. Only text pages are
/// counted, but an HTML page's extracted text is cut by its site's repeats too, so a cluster
/// run's shard needs the sites of all its pages.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageLines {
    pub(crate) site: SiteKey,
    /// `None` for a page that is not counted (HTML).
    pub(crate) key_gaps: Option<Vec<LineKey>>,
}

/// For each site's hash, the hashes of the lines repeated on enough of its pages. Its binary
/// form ([`SiteRepeats`] in ascending order of site) keeps the line hashes sorted as gaps: 40%
/// fewer bytes than the hashes as a set holds them, and the same bytes for the same repeats in
/// every process (a hash map's order is not), so a merge task run again that finds the same
/// repeats leaves valid the tasks that read them.
#[derive(Debug, Default, PartialEq)]
pub struct RepeatedLines(FxHashMap<SiteKey, FxHashSet<LineKey>>);

impl RepeatedLines {
    /// The repeats of each site that has some.
    pub(crate) fn new(sites: FxHashMap<SiteKey, FxHashSet<LineKey>>) -> Self {
        Self(sites)
    }

    /// The repeated lines of `site`, if it has any.
    pub fn get(&self, site: SiteKey) -> Option<&FxHashSet<LineKey>> {
        self.0.get(&site)
    }

    /// Whether no site has repeated lines.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The sites that have repeated lines.
    pub(crate) fn sites(&self) -> impl Iterator<Item = SiteKey> + '_ {
        self.0.keys().copied()
    }

    /// The repeats of `sites` only.
    pub(crate) fn restricted(&self, sites: &[SiteKey]) -> Self {
        Self(
            sites
                .iter()
                .filter_map(|site| Some((*site, self.0.get(site)?.clone())))
                .collect(),
        )
    }

    /// Adds the sites of `other` (sites of another bucket, so none is in both).
    pub(crate) fn absorb(&mut self, other: Self) {
        self.0.extend(other.0);
    }
}

/// One site's repeated lines in the binary form of [`RepeatedLines`]: their hashes in ascending
/// order, as gaps ([`key_gaps`]).
#[derive(Serialize, Deserialize)]
struct SiteRepeats {
    site: SiteKey,
    key_gaps: Vec<LineKey>,
}

impl Serialize for RepeatedLines {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sites: Vec<(&SiteKey, &FxHashSet<LineKey>)> = self.0.iter().collect();
        sites.sort_unstable_by_key(|(site, _)| **site);
        serializer.collect_seq(sites.into_iter().map(|(site, keys)| {
            let mut keys: Vec<LineKey> = keys.iter().copied().collect();
            keys.sort_unstable();
            SiteRepeats {
                site: *site,
                key_gaps: key_gaps(&keys),
            }
        }))
    }
}

impl<'de> Deserialize<'de> for RepeatedLines {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<SiteRepeats>::deserialize(deserializer)?
            .into_iter()
            .map(|SiteRepeats { site, key_gaps }| {
                let keys = keys_from_gaps(&key_gaps)
                    .ok_or_else(|| D::Error::custom("line keys overflow"))?;
                Ok((site, keys.into_iter().collect()))
            })
            .collect::<Result<_, D::Error>>()
            .map(Self)
    }
}

impl CorpusStage for NormalizeStage {
    type Record = PageLines;
    type State = RepeatedLines;
    /// 3: every page's site is recorded (an HTML page's too), and a cluster run's merge is
    /// split by site hash ([`crate::split`]: bucket files of pages, one state per shard);
    /// 2: 32-bit line hashes as sorted gaps.
    const FORMAT_VERSION: u32 = 3;

    fn needs_full_view(&self) -> bool {
        self.site_repeats_on()
    }

    /// The boilerplate matcher and the patterns every text is read with (dates, bylines,
    /// outlets, wire ids): about 25 ms of compiling that the first document would wait for.
    fn warm_up(&self) -> Option<WarmUp> {
        Some(Box::new(|| {
            newspipe_knowledge::warm_up();
            crate::metadata::warm_up();
            crate::outlet::warm_up();
            crate::text_mode::warm_up();
        }))
    }

    fn observe(&self, doc: &mut Document) -> Result<PageLines, StageError> {
        Ok(PageLines {
            site: site_key(&site_of(doc)),
            key_gaps: (doc.source.format == InputFormat::Text)
                .then(|| key_gaps(&page_keys(&doc.raw))),
        })
    }

    /// The repeats of every site, counted over its text pages in input order (what a cluster
    /// run's bucket tasks count, each for the sites of its bucket).
    fn prepare(&self, pages: Vec<PageLines>) -> Result<RepeatedLines, StageError> {
        let mut counts = SiteLineCounts::default();
        for page in pages {
            if let Some(gaps) = &page.key_gaps {
                let keys = keys_from_gaps(gaps).ok_or_else(|| {
                    StageError::new("corrupt normalize observation: line keys overflow")
                })?;
                counts.add_page(page.site, keys);
            }
        }
        Ok(RepeatedLines::new(counts.repeated(self.min_pages())))
    }

    fn merge_steps(&self, layout: &MergeLayout) -> Vec<MergeStep> {
        crate::split::merge_steps(layout)
    }

    fn shard_files(
        &self,
        records: &[&PageLines],
        ranks: &[usize],
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        crate::split::shard_files(records, ranks[0])
    }

    fn run_merge_step(
        &self,
        step: usize,
        rank: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<Vec<(String, Vec<u8>)>, StageError> {
        match step {
            0 => crate::split::bucket(rank, files, self.min_pages()),
            _ => Err(StageError::no_merge_step(step)),
        }
    }

    /// Nothing of the whole corpus: the bucket tasks counted the sites, and each shard's state
    /// is put together from their parts ([`shard_state`](Self::shard_state)).
    fn finish_merge(&self, _files: &mut SplitFiles<'_, Self>) -> Result<RepeatedLines, StageError> {
        Ok(RepeatedLines::default())
    }

    /// An apply task reads the repeats of its documents' sites only.
    fn state_per_shard(&self) -> bool {
        true
    }

    fn shard_state(
        &self,
        _whole: &RepeatedLines,
        shard: usize,
        files: &mut SplitFiles<'_, Self>,
    ) -> Result<RepeatedLines, StageError> {
        crate::split::shard_state(shard, files)
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
            repeated.get(site_key(&site_of(doc)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NormalizeConfig;
    use newspipe_core::{Source, StageInstance};

    #[test]
    fn a_text_page_is_observed_in_about_four_bytes_a_line() {
        let StageInstance::Corpus(stage) = StageInstance::corpus(NormalizeStage::new(
            Normalizer::new(NormalizeConfig::default()).unwrap(),
        )) else {
            unreachable!("normalize is a corpus stage");
        };
        let lines = 200;
        let page = |n: usize| {
            let raw: String = (0..lines)
                .map(|i| format!("Line {i} of page {}\n", n.min(i % 2)))
                .collect();
            let source = Source {
                format: InputFormat::Text,
                url: Some("https://example.com/a".into()),
                ..Default::default()
            };
            Document::new(format!("d{n}"), source, raw)
        };
        let records: Vec<_> = (0..4)
            .map(|n| stage.observe(&mut page(n)).unwrap())
            .collect();
        let bytes = stage.encode_records(&records[..1]).unwrap();
        // 64-bit hashes took 10 bytes a line.
        assert!(bytes.len() < 5 * lines, "{} bytes", bytes.len());
        let all = stage.encode_records(&records).unwrap();
        let decoded = stage.decode_records(&all).unwrap();
        let state = stage.prepare(records).unwrap();
        let state_again = stage.prepare(decoded).unwrap();
        let normalized = |state| {
            let mut doc = page(3);
            stage.apply(state, 0, &mut doc).unwrap();
            (doc.text, doc.removed)
        };
        assert_eq!(normalized(&state), normalized(&state_again));
        // The even lines are on all four pages (the site's repeats), the odd ones on three.
        let typed = NormalizeStage::new(Normalizer::new(NormalizeConfig::default()).unwrap());
        let records = (0..4)
            .map(|n| typed.observe(&mut page(n)).unwrap())
            .collect();
        let repeated = typed.prepare(records).unwrap();
        let site = repeated.get(site_key("example.com")).unwrap();
        assert_eq!(site.len(), lines / 2);
        assert!(site.contains(&crate::line_key("Line 10 of page 0")));
        assert!(!site.contains(&crate::line_key("Line 11 of page 1")));
    }

    #[test]
    fn the_same_repeats_give_the_same_bytes() {
        // Two maps of the same repeats, filled in opposite orders and of different capacities
        // (so iterated in different orders): one binary form, which decodes to the same
        // repeats.
        let sites: Vec<(SiteKey, FxHashSet<LineKey>)> = (0..50u32)
            .map(|n| {
                let keys = (0..20).map(|k| n.wrapping_mul(2_654_435_761) ^ k).collect();
                (u64::from(n) << 40 | 7, keys)
            })
            .collect();
        let forward = RepeatedLines::new(sites.iter().cloned().collect());
        let mut roomy = FxHashMap::with_capacity_and_hasher(4096, Default::default());
        roomy.extend(sites.iter().rev().cloned());
        let backward = RepeatedLines::new(roomy);
        let order = |state: &RepeatedLines| state.0.keys().copied().collect::<Vec<SiteKey>>();
        assert_ne!(order(&forward), order(&backward), "the maps iterate alike");
        let encode = |state: &RepeatedLines| {
            newspipe_core::encode_stage_data::<NormalizeStage, _>(state).unwrap()
        };
        assert_eq!(encode(&forward), encode(&backward));
        let StageInstance::Corpus(stage) = StageInstance::corpus(NormalizeStage::new(
            Normalizer::new(NormalizeConfig::default()).unwrap(),
        )) else {
            unreachable!("normalize is a corpus stage");
        };
        let bytes = encode(&forward);
        let decoded = stage.decode_state(&bytes).unwrap();
        assert_eq!(stage.encode_state(&decoded).unwrap(), bytes);
    }
}
