//! Bytes to text: byte-order marks, declared HTML charsets, then detection for everything else,
//! so a latin-1 or windows-1252 file is decoded, not rejected.

use encoding_rs::{Encoding, UTF_8};

/// Why some bytes are not a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    /// No bytes, or only whitespace.
    Empty,
    /// Looks like an image, archive, executable or other binary file.
    Binary,
}

impl NotText {
    /// The reason recorded in the rejects file.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "empty document",
            Self::Binary => "binary content, not text",
        }
    }
}

/// How many leading bytes are inspected for binary content and charset declarations.
const SNIFF_LEN: usize = 8192;

/// Decodes `bytes` to text. `html` enables `<meta charset>` lookup.
pub fn decode(bytes: &[u8], html: bool) -> Result<String, NotText> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (Some(encoding), &bytes[bom_len..]),
        None => (None, bytes),
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(NotText::Empty);
    }
    if encoding.is_none() && looks_binary(body) {
        return Err(NotText::Binary);
    }
    let encoding = encoding.unwrap_or_else(|| choose_encoding(body, html));
    let (text, _) = encoding.decode_without_bom_handling(body);
    Ok(text.into_owned())
}

/// UTF-8 if the bytes are valid UTF-8; else a declared HTML charset if it is not UTF-8 (a page
/// that declares UTF-8 and isn't is detected like any other); else the detector's guess.
fn choose_encoding(bytes: &[u8], html: bool) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    if html {
        if let Some(declared) = declared_charset(&bytes[..bytes.len().min(SNIFF_LEN)]) {
            if declared != UTF_8 {
                return declared;
            }
        }
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    detector.guess(None, true)
}

/// The charset named by `<meta charset=...>` or `<meta http-equiv content="...; charset=...">`.
fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = find(&lower[from..], b"charset") {
        let mut at = from + found + b"charset".len();
        while at < lower.len() && matches!(lower[at], b' ' | b'=' | b'"' | b'\'') {
            at += 1;
        }
        let end = lower[at..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .map_or(lower.len(), |len| at + len);
        if let Some(encoding) = Encoding::for_label(&lower[at..end]) {
            return Some(encoding);
        }
        from = at;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Binary if the start has a known binary signature or many control bytes. A stray NUL in a
/// scraped page does not make it binary.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    const SIGNATURES: [&[u8]; 8] = [
        b"\x89PNG",
        b"%PDF",
        b"PK\x03\x04",
        b"\x1f\x8b",
        b"\xff\xd8\xff",
        b"GIF8",
        b"\x7fELF",
        b"\0asm",
    ];
    if SIGNATURES.iter().any(|sig| bytes.starts_with(sig)) {
        return true;
    }
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    // Text holds few bytes below 0x20 of any kind (its line ends and tabs): counting those
    // rules most texts out before the controls text uses are told apart from the others byte
    // by byte. Counted in bytes, per 255, so the compiler counts 32 bytes at a time.
    let below_space: usize = head
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(b < 0x20))))
        .sum();
    if below_space * 10 <= head.len() {
        return false;
    }
    let control = head.iter().filter(|&&b| is_binary_control(b)).count();
    control * 10 > head.len()
}

/// A control byte that text does not use (all but tab, line feed, carriage return, form feed
/// and escape).
fn is_binary_control(byte: u8) -> bool {
    byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_decoded_not_rejected() {
        let bytes = b"Le minist\xe8re de la D\xe9fense a annonc\xe9 vendredi que les troupes \xe9taient pr\xeates.";
        let text = decode(bytes, false).unwrap();
        assert!(text.contains("ministère de la Défense"), "{text}");
    }

    #[test]
    fn a_page_declaring_utf8_that_is_not_is_still_decoded() {
        let bytes = b"<html><head><meta charset=\"utf-8\"></head><body>Caf\xe9 cr\xe8me \xe0 la fran\xe7aise, d\xe9j\xe0 vu</body></html>";
        let text = decode(bytes, true).unwrap();
        assert!(text.contains("Café crème à la française"), "{text}");
    }

    #[test]
    fn a_declared_charset_wins_over_detection() {
        let bytes = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>\xcf\xf0\xe8\xe2\xe5\xf2</p>";
        assert!(decode(bytes, true).unwrap().contains("Привет"));
    }

    #[test]
    fn boms_are_honoured_and_stripped() {
        assert_eq!(decode(b"\xef\xbb\xbfhello", false).unwrap(), "hello");
        assert_eq!(decode(b"\xff\xfeh\0i\0", false).unwrap(), "hi");
    }

    #[test]
    fn empty_and_binary_inputs_are_named() {
        assert_eq!(decode(b"", false), Err(NotText::Empty));
        assert_eq!(decode(b" \n\t ", false), Err(NotText::Empty));
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0", false),
            Err(NotText::Binary)
        );
        assert_eq!(
            decode(&[0u8, 1, 2, 3, 4, 5, 6, 7, 65, 66], false),
            Err(NotText::Binary)
        );
        assert!(decode(b"a page with a stray \0 byte in a long line of text", false).is_ok());
        // many line ends and tabs are text, however short the lines
        assert!(decode(b"a\n\n\nb\t\tc\r\n\x0c\x1b[0m", false).is_ok());
    }

    #[test]
    fn binary_is_told_by_the_share_of_controls_text_does_not_use() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let text_bytes = [b'a', b' ', b'\t', b'\n', b'\r', 0x0c, 0x1b];
        let binary_controls = [0u8, 1, 0x1f];
        for _ in 0..5_000 {
            // from no control text does not use to nothing else, around the one in ten
            let tenths = rng.random_range(0..=10);
            let bytes: Vec<u8> = (0..rng.random_range(0..60))
                .map(|_| {
                    if rng.random_range(0..10) < tenths {
                        binary_controls[rng.random_range(0..binary_controls.len())]
                    } else {
                        text_bytes[rng.random_range(0..text_bytes.len())]
                    }
                })
                .collect();
            let others = bytes.iter().filter(|&&b| is_binary_control(b)).count();
            assert_eq!(looks_binary(&bytes), others * 10 > bytes.len(), "{bytes:?}");
        }
    }
}
