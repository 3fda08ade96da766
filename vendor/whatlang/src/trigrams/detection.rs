use std::sync::LazyLock;

use hashbrown::HashMap;

use super::utils::{TrigramsWithPositions, get_trigrams_with_positions};
use super::{ARABIC_LANGS, CYRILLIC_LANGS, DEVANAGARI_LANGS, HEBREW_LANGS, LATIN_LANGS};
#[cfg(feature = "dev")]
use super::LangProfile;
use super::LangProfileList;
use super::{MAX_TOTAL_DISTANCE, MAX_TRIGRAM_DISTANCE, Trigram};
use crate::Lang;
use crate::core::{FilterList, Info, InternalQuery, Text, calculate_confidence};
use crate::scripts::grouping::MultiLangScript;

#[derive(Debug)]
pub struct RawOutcome {
    pub trigrams_count: usize,
    #[allow(dead_code)]
    pub raw_distances: Vec<(Lang, u32)>,
    pub scores: Vec<(Lang, f64)>,
}

#[inline]
pub fn detect(iquery: &InternalQuery) -> Option<Info> {
    let raw_outcome = raw_detect(iquery);
    let RawOutcome {
        trigrams_count,
        scores,
        ..
    } = raw_outcome;

    let mut raw_scores_iter = scores.into_iter();

    let opt_lang_score1 = raw_scores_iter.next();
    let opt_lang_score2 = raw_scores_iter.next();

    // TODO: Logic is duplicated in alphabets. Consider refactoring
    opt_lang_score1.map(|(lang1, score1)| {
        let script = iquery.multi_lang_script.to_script();
        let confidence = if let Some((_, score2)) = opt_lang_score2 {
            calculate_confidence(score1, score2, trigrams_count)
        } else {
            1.0
        };
        Info::new(script, lang1, confidence)
    })
}

#[inline]
pub fn raw_detect(iquery: &InternalQuery) -> RawOutcome {
    calculate_scores_in_profiles(
        &iquery.text,
        iquery.filter_list,
        indexed_profiles(iquery.multi_lang_script),
    )
}

fn script_to_lang_profile_list(script: MultiLangScript) -> LangProfileList {
    use MultiLangScript as MLS;
    match script {
        MLS::Latin => LATIN_LANGS,
        MLS::Cyrillic => CYRILLIC_LANGS,
        MLS::Arabic => ARABIC_LANGS,
        MLS::Devanagari => DEVANAGARI_LANGS,
        MLS::Hebrew => HEBREW_LANGS,
    }
}

/// A script's language profiles indexed by trigram: every distinct trigram of the profiles has
/// a number, and each number lists where the trigram stands in the profiles (the language's
/// slot and the trigram's index in its profile). A text's distance to every profile then
/// takes one hash look-up per trigram of the text and a step per profile holding it, where
/// the published code probed the text's hash map once for each trigram of each profile (300
/// probes a language, for each of the script's languages).
struct IndexedProfiles {
    numbers: HashMap<Trigram, u32>,
    /// By trigram number: (language slot, index in that language's profile).
    postings: Vec<Vec<(u16, u16)>>,
    /// By slot: the language and its profile's length.
    langs: Vec<(Lang, u32)>,
}

impl IndexedProfiles {
    fn new(list: LangProfileList) -> Self {
        let mut numbers: HashMap<Trigram, u32> = HashMap::new();
        let mut postings: Vec<Vec<(u16, u16)>> = Vec::new();
        for (slot, &(_, trigrams)) in list.iter().enumerate() {
            for (index, &trigram) in trigrams.iter().enumerate() {
                let next = numbers.len() as u32;
                let number = *numbers.entry(trigram).or_insert(next);
                if number == next {
                    postings.push(Vec::new());
                }
                postings[number as usize].push((slot as u16, index as u16));
            }
        }
        let langs = list
            .iter()
            .map(|&(lang, trigrams)| (lang, trigrams.len() as u32))
            .collect();
        Self {
            numbers,
            postings,
            langs,
        }
    }

    /// Each profile's summed trigram distance to a text whose most frequent trigrams stand at
    /// `positions`, by slot: a profile trigram at index `i` adds `|n - i|` when the text has it
    /// at place `n`, else [`MAX_TRIGRAM_DISTANCE`]. Counted as every trigram missing, less what
    /// each one the text has takes off.
    fn summed_distances(&self, positions: &HashMap<Trigram, u32>) -> Vec<u32> {
        let max = i64::from(MAX_TRIGRAM_DISTANCE);
        let mut taken_off = vec![0i64; self.langs.len()];
        for (trigram, &place) in positions {
            if let Some(&number) = self.numbers.get(trigram) {
                for &(slot, index) in &self.postings[number as usize] {
                    let dist = (place as i32 - i32::from(index)).unsigned_abs();
                    taken_off[slot as usize] += max - i64::from(dist);
                }
            }
        }
        self.langs
            .iter()
            .zip(taken_off)
            .map(|(&(_, len), off)| (max * i64::from(len) - off) as u32)
            .collect()
    }
}

/// The indexed profiles of a script, built on first use.
fn indexed_profiles(script: MultiLangScript) -> &'static IndexedProfiles {
    use MultiLangScript as MLS;
    static LATIN: LazyLock<IndexedProfiles> =
        LazyLock::new(|| IndexedProfiles::new(script_to_lang_profile_list(MLS::Latin)));
    static CYRILLIC: LazyLock<IndexedProfiles> =
        LazyLock::new(|| IndexedProfiles::new(script_to_lang_profile_list(MLS::Cyrillic)));
    static ARABIC: LazyLock<IndexedProfiles> =
        LazyLock::new(|| IndexedProfiles::new(script_to_lang_profile_list(MLS::Arabic)));
    static DEVANAGARI: LazyLock<IndexedProfiles> =
        LazyLock::new(|| IndexedProfiles::new(script_to_lang_profile_list(MLS::Devanagari)));
    static HEBREW: LazyLock<IndexedProfiles> =
        LazyLock::new(|| IndexedProfiles::new(script_to_lang_profile_list(MLS::Hebrew)));
    match script {
        MLS::Latin => &LATIN,
        MLS::Cyrillic => &CYRILLIC,
        MLS::Arabic => &ARABIC,
        MLS::Devanagari => &DEVANAGARI,
        MLS::Hebrew => &HEBREW,
    }
}

#[inline]
fn calculate_scores_in_profiles(
    text: &Text,
    filter_list: &FilterList,
    indexed: &IndexedProfiles,
) -> RawOutcome {
    let mut lang_distances: Vec<(Lang, u32)> = vec![];

    let TrigramsWithPositions {
        trigram_positions, ..
    } = get_trigrams_with_positions(&text.lowercase());
    let unique_trigrams_count = trigram_positions.len();
    let summed = indexed.summed_distances(&trigram_positions);

    for (&(lang, _), &sum) in indexed.langs.iter().zip(&summed) {
        if !filter_list.is_allowed(lang) {
            continue;
        }
        let dist = calculate_distance(sum, unique_trigrams_count as u32);
        lang_distances.push((lang, dist));
    }

    // Sort languages by distance
    lang_distances.sort_unstable_by_key(|(_, dist)| *dist);

    let max_dist = unique_trigrams_count as u32 * MAX_TRIGRAM_DISTANCE;

    let raw_scores = lang_distances
        .iter()
        .map(|&(lang, distance)| (lang, distance_to_raw_score(distance, max_dist)))
        .collect();

    RawOutcome {
        trigrams_count: unique_trigrams_count,
        scores: raw_scores,
        raw_distances: lang_distances,
    }
}

/// The distance of a profile whose summed trigram distance is `total_dist`
/// ([`IndexedProfiles::summed_distances`]) to a text with `count` distinct trigrams.
#[inline]
fn calculate_distance(mut total_dist: u32, count: u32) -> u32 {
    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

/// The distance of `text` to each language of `script`, in profile order, computed as this
/// crate does and as the published code did; see [`crate::dev::trigram_distances_both_ways`].
#[cfg(feature = "dev")]
pub(crate) fn distances_both_ways(
    text: &Text,
    script: MultiLangScript,
) -> (Vec<(Lang, u32)>, Vec<(Lang, u32)>) {
    let TrigramsWithPositions {
        trigram_positions, ..
    } = get_trigrams_with_positions(&text.lowercase());
    let indexed = indexed_profiles(script);
    let count = trigram_positions.len() as u32;
    let ours = indexed
        .langs
        .iter()
        .zip(indexed.summed_distances(&trigram_positions))
        .map(|(&(lang, _), sum)| (lang, calculate_distance(sum, count)))
        .collect();
    let published = script_to_lang_profile_list(script)
        .iter()
        .map(|&(lang, trigrams)| (lang, published_distance(trigrams, &trigram_positions)))
        .collect();
    (ours, published)
}

/// The published distance of a profile to a text's trigram places (one hash look-up per profile
/// trigram).
#[cfg(feature = "dev")]
fn published_distance(lang_trigrams: LangProfile, text_trigrams: &HashMap<Trigram, u32>) -> u32 {
    let mut total_dist = 0u32;

    for (i, &trigram) in lang_trigrams.iter().enumerate() {
        let dist = match text_trigrams.get(&trigram) {
            Some(&n) => (n as i32 - i as i32).unsigned_abs(),
            None => MAX_TRIGRAM_DISTANCE,
        };
        total_dist += dist;
    }

    let count = text_trigrams.len() as u32;

    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

#[inline]
fn distance_to_raw_score(distance: u32, max_distance: u32) -> f64 {
    let similarity = max_distance - distance;
    similarity as f64 / max_distance as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_when_german_is_given() {
        let text = "Die Ordnung muss für immer in diesem Codebase bleiben";
        let iq = InternalQuery {
            text: Text::new(text),
            filter_list: &FilterList::default(),
            multi_lang_script: MultiLangScript::Latin,
        };
        let raw_outcome = raw_detect(&iq);

        assert_eq!(raw_outcome.trigrams_count, 50);

        let &(first_lang, first_score) = raw_outcome.scores.first().unwrap();
        let &(_last_lang, last_score) = raw_outcome.scores.last().unwrap();

        assert_eq!(first_lang, Lang::Deu);

        assert!(first_score >= 0.0);
        assert!(first_score <= 1.0);

        assert!(last_score >= 0.0);
        assert!(last_score <= 1.0);
    }
}
