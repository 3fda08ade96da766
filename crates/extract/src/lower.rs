//! ASCII lower-casing into a buffer on the stack, for the many per-token comparisons with short
//! keywords that would otherwise allocate a lowered copy of every word.

/// The longest word [`ascii_lower`] lowers; every keyword compared with is shorter.
const LONGEST: usize = 24;

/// A buffer for [`ascii_lower`].
pub type LowerBuffer = [u8; LONGEST];

/// `word` in ASCII lower case (as [`str::to_ascii_lowercase`]), written into `buffer` when it
/// has an ASCII capital (most words have none and are given back as they are, without a copy
/// or a check of the copy's UTF-8); `""` when it is longer than the buffer, which equals no
/// keyword the extractors look for.
pub fn ascii_lower<'a>(word: &'a str, buffer: &'a mut LowerBuffer) -> &'a str {
    let Some(lowered) = buffer.get_mut(..word.len()) else {
        return "";
    };
    if !word.bytes().any(|b| b.is_ascii_uppercase()) {
        return word;
    }
    lowered.copy_from_slice(word.as_bytes());
    lowered.make_ascii_lowercase();
    std::str::from_utf8(lowered).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_ascii_only_and_gives_up_on_long_words() {
        let mut buffer = LowerBuffer::default();
        assert_eq!(ascii_lower("Yesterday", &mut buffer), "yesterday");
        // only ASCII letters change, as with `to_ascii_lowercase`
        assert_eq!(ascii_lower("ÉTÉ Ago", &mut buffer), "ÉtÉ ago");
        assert_eq!(ascii_lower("", &mut buffer), "");
        assert_eq!(ascii_lower("ago", &mut buffer), "ago");
        let long = "Counterrevolutionariness";
        assert_eq!(ascii_lower(long, &mut buffer), long.to_ascii_lowercase());
        assert_eq!(ascii_lower(&format!("{long}s"), &mut buffer), "");
    }
}
