//! Whole-text judgements: the language, and whether the page is an article at all.

use newspipe_core::PageKind;

use crate::metadata::{is_cjk, is_title_like};

/// Text looked at for language detection, in bytes: enough for a reliable guess, cheap.
const LANGUAGE_SAMPLE: usize = 1000;
/// An article has at least this many words (CJK: characters / 2).
const MIN_ARTICLE_UNITS: usize = 60;

/// The ISO 639-3 code of the text's language, when `whatlang` is reasonably sure.
pub fn detect_language(text: &str) -> Option<String> {
    let mut end = text.len().min(LANGUAGE_SAMPLE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    (info.is_reliable() || info.confidence() >= 0.5).then(|| info.lang().code().to_owned())
}

/// Whether the cleaned text reads like an article, a listing of headlines, or neither.
pub fn page_kind(text: &str) -> PageKind {
    let (mut paragraphs, mut total, mut prose, mut headlines) = (0usize, 0usize, 0usize, 0usize);
    for paragraph in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let units = paragraph.split_whitespace().count()
            + paragraph.chars().filter(|c| is_cjk(*c)).count() / 2;
        paragraphs += 1;
        total += units;
        if units >= 15 {
            prose += 1;
        } else if is_title_like(paragraph) {
            headlines += 1;
        }
    }
    if paragraphs >= 8 && headlines * 10 >= paragraphs * 6 {
        PageKind::Listing
    } else if total < MIN_ARTICLE_UNITS || prose == 0 {
        PageKind::Other
    } else {
        PageKind::Article
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_detected() {
        let en = "The government announced on Monday that the new bridge across the river would open next spring.";
        let de = "Die Regierung hat am Montag angekündigt, dass die neue Brücke über den Fluss im nächsten Frühjahr eröffnet wird.";
        assert_eq!(detect_language(en).as_deref(), Some("eng"));
        assert_eq!(detect_language(de).as_deref(), Some("deu"));
        assert_eq!(detect_language(""), None);
    }

    #[test]
    fn listings_short_pages_and_articles_are_told_apart() {
        let listing = (0..10)
            .map(|i| format!("Headline number {i} about the war"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(page_kind(&listing), PageKind::Listing);
        assert_eq!(page_kind("Page not found"), PageKind::Other);
        let article = "The government announced on Monday that the new bridge across the river would open next spring, after years of delays. ".repeat(4);
        assert_eq!(page_kind(&article), PageKind::Article);
    }
}
