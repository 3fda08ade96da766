//! Problems found in a pipeline file, each with its file, line, column and key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor};

/// One problem in a pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The key it is about, as a path (`stages[1].export.jsonl`); empty for the whole file.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
    /// Bytes of the source to underline.
    range: Range<usize>,
}

impl Diagnostic {
    /// A problem at 1-based `line` and `column` of `source`, underlining `width` characters. A
    /// place past the end of its line or of the file (a parser reporting the end of input) is
    /// moved back to the nearest real place, so the position shown matches the underline.
    pub(crate) fn at(
        source: &str,
        line: usize,
        column: usize,
        width: usize,
        key: String,
        message: String,
    ) -> Self {
        let start = byte_offset(source, line, column);
        let (line, column) = line_and_column(source, start);
        let end = source[start..]
            .char_indices()
            .take_while(|(_, c)| *c != '\n')
            .nth(width.max(1))
            .map_or_else(
                || start + source[start..].find('\n').unwrap_or(source.len() - start),
                |(offset, _)| start + offset,
            );
        Self {
            line,
            column,
            key,
            message,
            help: None,
            range: start..end.max(start),
        }
    }

    /// Adds a hint on how to fix it.
    pub(crate) fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Byte offset of a 1-based line and character column, clamped to the source.
fn byte_offset(source: &str, line: usize, column: usize) -> usize {
    let line_start = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        .min(source.len());
    let rest = &source[line_start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    rest[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_start + line_len, |(offset, _)| line_start + offset)
}

/// Longest source line shown in a snippet; a longer one is named by line and column instead.
const MAX_SHOWN_LINE: usize = 200;

/// Length in bytes of the line holding byte `offset`.
fn line_length(source: &str, offset: usize) -> usize {
    let start = source[..offset].rfind('\n').map_or(0, |at| at + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |at| offset + at);
    end - start
}

/// The 1-based line and character column of byte `offset` of `source`.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Every problem found in one pipeline file; `Display` renders them with source snippets.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The pipeline file.
    pub file: PathBuf,
    /// Its text, for the snippets.
    source: String,
    /// The problems, in file order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file: &Path, source: String, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by_key(|d| (d.line, d.column));
        items.dedup();
        Self {
            file: file.to_path_buf(),
            source,
            items,
        }
    }

    /// One problem without a source to show (the file could not be read).
    pub(crate) fn unreadable(file: &Path, message: String) -> Self {
        Self {
            file: file.to_path_buf(),
            source: String::new(),
            items: vec![Diagnostic {
                line: 0,
                column: 0,
                key: String::new(),
                message,
                help: None,
                range: 0..0,
            }],
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.display().to_string();
        let file = SimpleFile::new(name.as_str(), self.source.as_str());
        let config = term::Config::default();
        let mut out = NoColor::new(Vec::new());
        for item in &self.items {
            let mut report = Report::error().with_message(&item.message);
            if item.line == 0 {
                report = report.with_notes(vec![format!("in {name}")]);
            } else if line_length(&self.source, item.range.start) > MAX_SHOWN_LINE {
                report = report.with_notes(vec![format!(
                    "at {name}:{}:{} (the line is too long to show)",
                    item.line, item.column
                )]);
            } else {
                let label = if item.key.is_empty() {
                    String::new()
                } else {
                    format!("key `{}`", item.key)
                };
                report = report.with_labels(vec![
                    Label::primary((), item.range.clone()).with_message(label)
                ]);
            }
            if let Some(help) = &item.help {
                report = report.with_notes(vec![format!("help: {help}")]);
            }
            term::emit(&mut out, &config, &file, &report).map_err(|_| fmt::Error)?;
        }
        let count = self.items.len();
        let plural = if count == 1 { "" } else { "s" };
        f.write_str(&String::from_utf8_lossy(&out.into_inner()))?;
        write!(f, "{count} problem{plural} in {name}")
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_count_characters_not_bytes() {
        let source = "a: é\nbb: x\n";
        assert_eq!(byte_offset(source, 1, 4), 3);
        assert_eq!(byte_offset(source, 2, 1), 6);
        assert_eq!(byte_offset(source, 9, 9), source.len());
    }

    #[test]
    fn a_place_past_the_end_is_moved_back_into_the_file() {
        // A YAML parser reports an unclosed `{` at the end of input, on a line that isn't there.
        let source = "a: {b: é";
        let diagnostic = Diagnostic::at(source, 2, 1, 1, String::new(), "unclosed".into());
        assert_eq!((diagnostic.line, diagnostic.column), (1, 9));
        let diagnostic = Diagnostic::at("a: 1\nbb\n", 2, 7, 1, String::new(), "x".into());
        assert_eq!((diagnostic.line, diagnostic.column), (2, 3));
        let diagnostic = Diagnostic::at("a: 1\nbb\n", 2, 2, 1, String::new(), "x".into());
        assert_eq!((diagnostic.line, diagnostic.column), (2, 2));
    }
}
