//! insta's `.snap` file format: a small metadata header, then the snapshot body. Files we write
//! can be reviewed with `cargo insta review`.

use std::fs;
use std::io;
use std::path::Path;

/// Renders a snapshot file.
pub fn render(source: &str, expression: &str, body: &str) -> String {
    let mut out = format!(
        "---\nsource: {}\nexpression: {}\n---\n{body}",
        yaml_scalar(source),
        yaml_scalar(expression)
    );
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Quotes a header value when YAML needs it.
fn yaml_scalar(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | ' '))
        && !value.starts_with(' ')
        && !value.ends_with(' ');
    if plain {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// The body of a stored snapshot, or `None` if there is no file.
pub fn read_body(path: &Path) -> io::Result<Option<String>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, body)| body);
    Ok(Some(body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.snap");
        fs::write(
            &path,
            render("pipelines/news.yaml", "test `seeds`: stage 1 `x`", "a: 1\n"),
        )
        .unwrap();
        assert_eq!(read_body(&path).unwrap().as_deref(), Some("a: 1\n"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("---\nsource: pipelines/news.yaml\nexpression: \"test `seeds`: stage 1 `x`\"\n---\n"), "{text}");
        assert_eq!(read_body(&dir.path().join("missing.snap")).unwrap(), None);
    }
}
