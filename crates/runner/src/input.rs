//! Finding input files and turning their contents into documents (or named rejects).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use newspipe_config::InputFormat;
use newspipe_core::{Document, InputFormat as DocFormat, Meta, Source};
use serde_json::{Map, Value};

use crate::decode::decode;
use crate::records::Rejected;

/// Lists the files under a folder (recursively, hidden entries skipped), a single file, or the
/// matches of a glob pattern; always sorted, so runs are reproducible.
///
/// Symbolic links to files are read. A symbolic link to a folder is followed only when the
/// folder lies outside the input folder and does not contain it: a link back into the input
/// (or above it) would read files twice or loop forever. Such a link, and anything that cannot
/// be listed (a folder without read permission), is listed too, so that reading it turns it
/// into a named reject instead of stopping the run or vanishing.
pub fn discover(path: &Path) -> io::Result<Vec<PathBuf>> {
    let text = path.to_string_lossy();
    let mut files = if path.is_dir() {
        let root = path.canonicalize()?;
        let mut not_followed = Vec::new();
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.') {
                    return false;
                }
                let inside_or_above = entry.path_is_symlink()
                    && entry.file_type().is_dir()
                    && entry
                        .path()
                        .canonicalize()
                        .is_ok_and(|target| target.starts_with(&root) || root.starts_with(&target));
                if inside_or_above {
                    not_followed.push(entry.path().to_path_buf());
                }
                !inside_or_above
            })
            .filter_map(|entry| match entry {
                Ok(entry) if entry.file_type().is_dir() => None,
                Ok(entry) => Some(entry.into_path()),
                Err(err) => err.path().map(Path::to_path_buf),
            })
            .collect();
        files.append(&mut not_followed);
        files
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else if text.contains(['*', '?', '[']) {
        glob::glob(&text)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, err))?
            .filter_map(|entry| entry.ok())
            .filter(|p| p.is_file())
            .collect()
    } else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("input path {} does not exist", path.display()),
        ));
    };
    files.sort();
    Ok(files)
}
/// Why a listed path is not a readable file, if it is not: a symbolic link to a folder that is
/// not followed, a folder that cannot be listed, a FIFO, socket or device (never opened:
/// reading a FIFO could wait forever), or a path that cannot be looked at (a link to itself).
pub fn not_a_file(path: &Path) -> Option<String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) => return Some(format!("cannot read file: {err}")),
    };
    if meta.is_file() {
        return None;
    }
    if meta.is_dir() {
        return Some(match std::fs::read_dir(path) {
            Err(err) => format!("cannot read folder: {err}"),
            Ok(_) => match path.canonicalize() {
                Ok(target) => format!(
                    "symbolic link to {}, a folder inside or above the input folder; not followed (it would read files twice or loop)",
                    display(target.as_os_str())
                ),
                Err(err) => format!("cannot follow symbolic link: {err}"),
            },
        });
    }
    Some("not a regular file (a FIFO, socket or device); not read".into())
}

/// The concrete format of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One text document.
    Text,
    /// One HTML page.
    Html,
    /// One document per line.
    Jsonl,
}

/// Whether the file is gzip-compressed, by its `.gz` extension.
pub(crate) fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"))
}

/// The format of `path`: as configured, else by extension (ignoring `.gz`), else by content.
pub fn file_format(path: &Path, configured: InputFormat, head: &[u8]) -> FileFormat {
    match configured {
        InputFormat::Text => return FileFormat::Text,
        InputFormat::Html => return FileFormat::Html,
        InputFormat::Jsonl => return FileFormat::Jsonl,
        InputFormat::Auto => {}
    }
    let inner = if is_gzip(path) {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let ext = inner
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jsonl" | "ndjson" => FileFormat::Jsonl,
        "html" | "htm" | "xhtml" | "shtml" => FileFormat::Html,
        "txt" | "text" | "md" => FileFormat::Text,
        _ => sniff(head),
    }
}

/// Guesses a format from the first bytes of a file with an unknown extension.
fn sniff(head: &[u8]) -> FileFormat {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |at| &head[at..]);
    let lower: Vec<u8> = start.iter().take(64).map(u8::to_ascii_lowercase).collect();
    if [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<!--",
        b"<meta",
    ]
    .iter()
    .any(|tag| lower.starts_with(tag))
    {
        return FileFormat::Html;
    }
    if start.first() == Some(&b'{') {
        let line = start.split(|&b| b == b'\n').next().unwrap_or_default();
        if serde_json::from_slice::<Map<String, Value>>(line).is_ok() {
            return FileFormat::Jsonl;
        }
    }
    FileFormat::Text
}

/// How many leading bytes of a file decide what its content is.
const CONTENT_HEAD: usize = 8192;

/// What a file is, judged by its first bytes, when its extension says nothing (`.txt`, no
/// extension, an unknown one) and the content is plainly not an article: `None` for anything
/// that may be one (prose, HTML, JSON Lines where the format allows it). Only regular files
/// are opened (a FIFO could block for ever); anything else, and a file that cannot be read,
/// is left to the reader, which rejects it with the reason.
pub fn not_an_article_by_content(path: &Path) -> Option<&'static str> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = File::open(path).ok()?;
    let reader: Box<dyn Read> = if is_gzip(path) {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut head = Vec::with_capacity(CONTENT_HEAD);
    reader
        .take(CONTENT_HEAD as u64)
        .read_to_end(&mut head)
        .ok()?;
    content_kind(&head, says_text(path))
}

/// Whether the extension (under any `.gz`) names plain text, where JSON Lines is not expected.
fn says_text(path: &Path) -> bool {
    let inner = if is_gzip(path) {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    inner.extension().is_some_and(|ext| {
        let ext = ext.to_string_lossy().to_ascii_lowercase();
        matches!(ext.as_str(), "txt" | "text" | "md")
    })
}

/// The content test behind [`not_an_article_by_content`], on a file's first bytes: binary
/// content, JSON (JSON Lines too, when the extension says plain text), a stylesheet or a script.
fn content_kind(head: &[u8], says_text: bool) -> Option<&'static str> {
    // As the reader judges it: a byte-order mark says text, whatever the bytes after it.
    if encoding_rs::Encoding::for_bom(head).is_none() && crate::decode::looks_binary(head) {
        return Some("binary content");
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if looks_like_json(text) {
        let json_lines = !says_text && sniff(text.as_bytes()) == FileFormat::Jsonl;
        return (!json_lines).then_some("JSON data (not JSON Lines)");
    }
    if !looks_like_code(text) {
        return None;
    }
    Some(if looks_like_css(text) {
        "a stylesheet"
    } else {
        "a script"
    })
}

/// JSON: the first value parses, or runs past the end of the head without a syntax error.
fn looks_like_json(text: &str) -> bool {
    if !text.starts_with(['{', '[']) {
        return false;
    }
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match values.next() {
        Some(Ok(_)) => true,
        Some(Err(err)) => err.is_eof(),
        None => false,
    }
}

/// Code rather than prose: most non-blank lines end like statements or blocks (`;`, `{`, `}`,
/// a comment), and the text is dense with code punctuation (at least one `{`, `}`, `;` or `=`
/// per 100 bytes), which prose never is, minified or not.
fn looks_like_code(text: &str) -> bool {
    let punctuation = text
        .bytes()
        .filter(|b| matches!(b, b'{' | b'}' | b';' | b'='))
        .count();
    if punctuation * 100 < text.len() {
        return false;
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        return false;
    }
    let code_lines = lines
        .iter()
        .filter(|line| {
            line.ends_with([';', '{', '}', ','])
                || line.ends_with("*/")
                || line.starts_with("//")
                || line.starts_with("/*")
        })
        .count();
    code_lines * 2 > lines.len()
}

/// A stylesheet rather than a script: comments aside, it has rule blocks, every innermost
/// block holds only `property: value` declarations, and no `=` or `function` appears outside
/// attribute selectors (`[type=text]`), as they do in any script.
fn looks_like_css(text: &str) -> bool {
    let mut uncommented = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        uncommented.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    uncommented.push_str(rest);
    let blocks: Vec<&str> = uncommented
        .split('{')
        .skip(1)
        .filter_map(|after| after.split_once('}').map(|(body, _)| body))
        .filter(|body| !body.contains('{'))
        .collect();
    let declaration = |part: &str| {
        part.split_once(':').is_some_and(|(name, _)| {
            let name = name.trim();
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    let outside_selectors: String = uncommented
        .split('[')
        .map(|part| part.split_once(']').map_or(part, |(_, after)| after))
        .collect();
    !blocks.is_empty()
        && !outside_selectors.contains('=')
        && !outside_selectors.contains("function")
        && blocks.iter().all(|body| {
            body.split(';')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .all(declaration)
        })
}

/// Opens a file, transparently gunzipping `.gz`.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    Ok(if is_gzip(path) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    })
}

/// Why a document is rejected unread for its size: `size` is its exact byte count, or `None`
/// when only "more than the limit" is known (a compressed file).
pub fn too_large(size: Option<u64>, limit: u64) -> String {
    let mib = |bytes: u64| bytes as f64 / f64::from(1 << 20);
    let size = match size {
        Some(size) => format!("{size} bytes ({:.1} MiB)", mib(size)),
        None => "more than that once decompressed".into(),
    };
    format!(
        "document too large: {size}; the limit is {limit} bytes ({:.1} MiB), set by `input.max_document_bytes`",
        mib(limit)
    )
}

/// One unit of input not yet decoded: decoding and parsing run in parallel over a batch.
#[derive(Debug)]
pub enum RawRecord {
    /// A whole text or HTML file.
    File {
        /// The file.
        path: PathBuf,
        /// Its id (the path below the input root).
        id: String,
        /// Text or HTML.
        format: FileFormat,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// One line of a JSON Lines file.
    Line {
        /// The file.
        path: PathBuf,
        /// The file's id (the path below the input root), for lines without their own.
        id: String,
        /// 1-based line number.
        line: u64,
        /// The line's bytes, without the newline.
        bytes: Vec<u8>,
    },
    /// A file, or one line of a JSON Lines file, that could not be read or was too large.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The file's id (the path below the input root).
        id: String,
        /// The 1-based line, for a line of a JSON Lines file.
        line: Option<u64>,
        /// Why.
        reason: String,
    },
}

impl RawRecord {
    /// Approximate memory held, for batching by size.
    pub fn len(&self) -> usize {
        match self {
            Self::File { bytes, .. } | Self::Line { bytes, .. } => bytes.len(),
            Self::Unreadable { .. } => 0,
        }
    }

    /// Decodes and parses the record into a document.
    pub fn into_document(self) -> Result<Document, Rejected> {
        match self {
            Self::File {
                path,
                id,
                format,
                bytes,
            } => file_document(&path, id, format, &bytes),
            Self::Line {
                path,
                id,
                line,
                bytes,
            } => line_document(&path, &id, line, &bytes),
            Self::Unreadable {
                path,
                id,
                line,
                reason,
            } => Err(Rejected::read(
                match line {
                    Some(line) => format!("{id}:{line}"),
                    None => id,
                },
                source_of(&path, line),
                reason,
            )),
        }
    }
}

/// A file name as text: UTF-8 as is, any other byte as `\xNN`, so two names that differ only
/// in invalid bytes keep different ids, and the same name always gives the same id.
pub(crate) fn display(name: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02X}"));
        }
    }
    out
}

fn source_of(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{}:{line}", display(path.as_os_str())),
        None => display(path.as_os_str()),
    }
}

fn file_document(
    path: &Path,
    id: String,
    format: FileFormat,
    bytes: &[u8],
) -> Result<Document, Rejected> {
    let html = format == FileFormat::Html;
    let text = match decode(bytes, html) {
        Ok(text) => text,
        Err(why) => {
            return Err(Rejected::read(
                id,
                source_of(path, None),
                why.reason().into(),
            ))
        }
    };
    let source = Source {
        path: display(path.as_os_str()),
        line: None,
        format: if html {
            DocFormat::Html
        } else {
            DocFormat::Text
        },
        url: None,
    };
    Ok(Document::new(id, source, text))
}

fn line_document(
    path: &Path,
    file_id: &str,
    line: u64,
    bytes: &[u8],
) -> Result<Document, Rejected> {
    let fallback_id = format!("{file_id}:{line}");
    let reject =
        |reason: String| Rejected::read(fallback_id.clone(), source_of(path, Some(line)), reason);
    let text = decode(bytes, false).map_err(|why| reject(why.reason().into()))?;
    let mut fields: Map<String, Value> = serde_json::from_str(&text).map_err(|err| {
        reject(format!(
            "invalid JSON on line {line} of {}: {}",
            display(path.as_os_str()),
            json_problem(&err)
        ))
    })?;
    let id = match fields.remove("id") {
        Some(Value::String(id)) if !id.is_empty() => id,
        Some(Value::Number(id)) => id.to_string(),
        None | Some(Value::Null) => format!(
            "h{}",
            &blake3::hash(format!("{file_id}\n{text}").as_bytes()).to_hex()[..16]
        ),
        Some(other) => {
            return Err(reject(format!(
                "`id` must be a string or a number, not {other}"
            )))
        }
    };
    let reject = |reason: String| Rejected::read(id.clone(), source_of(path, Some(line)), reason);
    let (content, format) = match (
        take_string(&mut fields, "html"),
        take_string(&mut fields, "text"),
    ) {
        (Some(html), text) => {
            if let Some(text) = text {
                fields.insert("text".into(), Value::String(text));
            }
            (html, DocFormat::Html)
        }
        (None, Some(text)) => (text, DocFormat::Text),
        (None, None) => return Err(reject("no `text` or `html` field".into())),
    };
    if content.trim().is_empty() {
        return Err(reject("empty document".into()));
    }
    let source = Source {
        path: display(path.as_os_str()),
        line: Some(line),
        format,
        url: take_string(&mut fields, "url"),
    };
    let mut doc = Document::new(id, source, content);
    doc.meta = Meta {
        title: take_string(&mut fields, "title"),
        outlet: take_string(&mut fields, "outlet"),
        ..Meta::default()
    };
    if let Some(published) = fields
        .get("published")
        .and_then(Value::as_str)
        .and_then(newspipe_core::calendar::parse_iso)
    {
        doc.meta.published = Some(published.to_string());
        doc.meta.published_basis = Some("input".into());
        fields.remove("published");
    }
    doc.extra = fields.into_iter().collect();
    Ok(doc)
}

/// A JSON error in words a user can act on: serde's "expected ident at line 1 column 2"
/// becomes "not JSON at column 2 (expected a value)"; the line is always 1 for one line.
fn json_problem(err: &serde_json::Error) -> String {
    let what = err.to_string();
    let what = what.split(" at line ").next().unwrap_or(&what);
    let what = match what {
        "expected ident" | "expected value" => "expected a JSON value (a string in quotes, a number, true, false, null, an object or an array)",
        other => other,
    };
    match err.classify() {
        serde_json::error::Category::Eof => format!("{what}: the line ends before the JSON does"),
        _ => format!("{what} at column {}", err.column()),
    }
}

fn take_string(fields: &mut Map<String, Value>, key: &str) -> Option<String> {
    match fields.remove(key) {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            fields.insert(key.into(), other);
            None
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_fields_land_in_their_places() {
        let line = br#"{"id": 7, "text": "Body", "title": "T", "published": "2025-03-06T10:00:00Z", "url": "https://x", "topic": ["a"]}"#;
        let doc = line_document(Path::new("in/docs.jsonl"), "docs", 3, line).unwrap();
        assert_eq!(doc.id, "7");
        assert_eq!(doc.text, "Body");
        assert_eq!(doc.meta.title.as_deref(), Some("T"));
        assert_eq!(doc.meta.published.as_deref(), Some("2025-03-06"));
        assert_eq!(doc.source.url.as_deref(), Some("https://x"));
        assert_eq!(doc.source.line, Some(3));
        assert_eq!(doc.extra["topic"], serde_json::json!(["a"]));
    }

    #[test]
    fn jsonl_problems_are_named() {
        let path = Path::new("docs.jsonl");
        let bad = line_document(path, "docs", 1, b"{not json").unwrap_err();
        assert_eq!(bad.id, "docs:1");
        assert!(
            bad.reason
                .starts_with("invalid JSON on line 1 of docs.jsonl:"),
            "{}",
            bad.reason
        );
        assert_eq!(bad.source, "docs.jsonl:1");
        let empty = line_document(path, "docs", 2, br#"{"id": "x", "text": "  "}"#).unwrap_err();
        assert_eq!(
            (empty.id.as_str(), empty.reason.as_str()),
            ("x", "empty document")
        );
        let none = line_document(path, "docs", 3, br#"{"id": "y"}"#).unwrap_err();
        assert_eq!(none.reason, "no `text` or `html` field");
    }

    #[test]
    fn an_unparseable_date_stays_in_extra() {
        let doc = line_document(
            Path::new("d.jsonl"),
            "d",
            1,
            br#"{"id": "a", "text": "x", "published": "March 2025"}"#,
        )
        .unwrap();
        assert_eq!(doc.meta.published, None);
        assert_eq!(doc.extra["published"], "March 2025");
    }

    #[test]
    fn formats_come_from_extension_then_content() {
        let auto = InputFormat::Auto;
        assert_eq!(
            file_format(Path::new("a.jsonl.gz"), auto, b""),
            FileFormat::Jsonl
        );
        assert_eq!(file_format(Path::new("a.HTM"), auto, b""), FileFormat::Html);
        assert_eq!(
            file_format(Path::new("a"), auto, b"  <!DOCTYPE html><html>"),
            FileFormat::Html
        );
        assert_eq!(
            file_format(Path::new("a"), auto, b"{\"id\":1}\n{\"id\":2}"),
            FileFormat::Jsonl
        );
        assert_eq!(
            file_format(Path::new("a"), auto, b"{ not json"),
            FileFormat::Text
        );
        assert_eq!(
            file_format(Path::new("a.html"), InputFormat::Text, b""),
            FileFormat::Text
        );
    }

    #[test]
    fn content_that_is_not_an_article_is_named() {
        let kind = |head: &str, says_text| content_kind(head.as_bytes(), says_text);
        let css = "/* site */\nbody { color: red; margin: 0 }\n.nav a:hover {\n  color: #333;\n}\n";
        assert_eq!(kind(css, true), Some("a stylesheet"));
        assert_eq!(
            kind(".a{color:red}.b{margin:0 auto}", true),
            Some("a stylesheet")
        );
        let script = "(function () {\n  var tracker = window.t || [];\n  tracker.push(1);\n})();\n";
        assert_eq!(kind(script, true), Some("a script"));
        let object_literal = "(function () {\n  var q = [];\n  q.push({ event: 'view' });\n})();\n";
        assert_eq!(kind(object_literal, true), Some("a script"));
        let attribute = "input[type=text] { border: 0; }\n";
        assert_eq!(kind(attribute, true), Some("a stylesheet"));
        assert_eq!(kind("var tracker = 1;\n", true), Some("a script"));
        assert_eq!(
            kind("{\"ads\": true}\n", true),
            Some("JSON data (not JSON Lines)")
        );
        assert_eq!(
            kind("[1, 2, {\"a\": ", false),
            Some("JSON data (not JSON Lines)")
        );
        assert_eq!(
            content_kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01", false),
            Some("binary content")
        );
        // JSON Lines is read as such where the extension says nothing.
        assert_eq!(kind("{\"id\": 1, \"text\": \"A.\"}\n", false), None);
    }

    #[test]
    fn prose_and_pages_are_left_to_be_read() {
        let kind = |head: &str| content_kind(head.as_bytes(), true);
        assert_eq!(
            kind("Ottawa said on Monday it is ready.\nThe minister agreed; talks go on.\n"),
            None
        );
        assert_eq!(kind("[Reuters] Ottawa said on Monday it is ready.\n"), None);
        assert_eq!(kind("{Updated} Ottawa said on Monday it is ready.\n"), None);
        assert_eq!(
            kind("<!DOCTYPE html><html><body><p>Hi; there.</p></body></html>"),
            None
        );
        assert_eq!(kind(""), None);
        assert_eq!(
            content_kind("Le ministère a confirmé.".as_bytes(), true),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_distinct_stable_ids() {
        use std::os::unix::ffi::OsStrExt;
        let latin1 = Path::new(std::ffi::OsStr::from_bytes(b"in/caf\xe9.txt"));
        let other = Path::new(std::ffi::OsStr::from_bytes(b"in/caf\xe8.txt"));
        let id = |path| crate::select::relative_id(Path::new("in"), path);
        assert_eq!(id(latin1), "caf\\xE9");
        assert_ne!(id(latin1), id(other));
        assert_eq!(source_of(latin1, Some(2)), "in/caf\\xE9.txt:2");
    }

    #[test]
    fn the_size_reason_names_the_limit_and_the_key() {
        assert_eq!(
            too_large(Some(3 << 20), 1 << 20),
            "document too large: 3145728 bytes (3.0 MiB); the limit is 1048576 bytes (1.0 MiB), set by `input.max_document_bytes`"
        );
        assert!(too_large(None, 10).contains("more than that once decompressed"));
    }
}
