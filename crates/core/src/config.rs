//! Typed stage configurations from JSON values, with every problem reported, not just the first.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One problem in a stage's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Keys (or list indexes) leading from the stage's config to the problem.
    pub path: Vec<String>,
    /// The problem in words.
    pub message: String,
    /// For an unknown key: the key, so the caller can suggest a fix.
    pub unknown_key: Option<String>,
    /// For an unknown key: the keys that would have been accepted there.
    pub expected: Vec<String>,
}

/// Most unknown keys reported for one configuration before giving up.
const MAX_ISSUES: usize = 32;

/// Deserializes `value` into `C`. On failure, returns every problem it can find, each with its
/// path: a key that fails (unknown, or with a bad value) is removed and the parse retried.
pub fn parse_config<C: DeserializeOwned>(value: &Value) -> Result<C, Vec<ConfigIssue>> {
    let mut value = match value {
        Value::Null => Value::Object(Default::default()),
        other => other.clone(),
    };
    let mut issues = Vec::new();
    loop {
        match serde_path_to_error::deserialize::<_, C>(&value) {
            Ok(config) if issues.is_empty() => return Ok(config),
            Ok(_) => return Err(issues),
            Err(err) => {
                let mut path: Vec<String> = err
                    .path()
                    .iter()
                    .map(|segment| segment.to_string())
                    .filter(|segment| segment != "?")
                    .collect();
                let message = err.inner().to_string();
                let unknown = parse_unknown_field(&message);
                if let Some((key, _)) = &unknown {
                    if path.last() != Some(key) {
                        path.push(key.clone());
                    }
                }
                // A key already reported (and removed) shows up again as missing: skip that echo.
                let echo = missing_field(&message).is_some_and(|field| {
                    issues.iter().any(|issue: &ConfigIssue| {
                        issue.path.last().map(String::as_str) == Some(field)
                            && issue.path[..issue.path.len() - 1] == path[..]
                    })
                });
                let removed = issues.len() < MAX_ISSUES && remove_at(&mut value, &path);
                if !echo {
                    let (unknown_key, expected) = unknown.unzip();
                    issues.push(ConfigIssue {
                        message: match &unknown_key {
                            Some(key) => format!("unknown key `{key}`"),
                            None => message,
                        },
                        path,
                        unknown_key,
                        expected: expected.unwrap_or_default(),
                    });
                }
                if !removed {
                    return Err(issues);
                }
            }
        }
    }
}

/// The field named in serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" message.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((key.to_owned(), expected))
}

/// Removes the entry at `path`; returns whether something was removed.
fn remove_at(value: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = value;
    for key in parents {
        node = match node {
            Value::Object(map) => match map.get_mut(key) {
                Some(child) => child,
                None => return false,
            },
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match node {
        Value::Object(map) => map.remove(last).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Inner {
        depth: u32,
    }

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Outer {
        width: u32,
        inner: Inner,
    }

    #[test]
    fn null_means_all_defaults() {
        assert_eq!(
            parse_config::<Outer>(&Value::Null).unwrap(),
            Outer::default()
        );
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_path() {
        let issues = parse_config::<Outer>(&json!({"widht": 1, "inner": {"dept": 2}, "colour": 3}))
            .unwrap_err();
        let mut found: Vec<_> = issues.iter().map(|i| i.path.join(".")).collect();
        found.sort();
        assert_eq!(found, ["colour", "inner.dept", "widht"]);
        let widht = issues.iter().find(|i| i.path == ["widht"]).unwrap();
        assert_eq!(widht.expected, ["width", "inner"]);
    }

    #[test]
    fn bad_values_and_unknown_keys_are_all_reported() {
        let issues =
            parse_config::<Outer>(&json!({"width": "wide", "inner": {"depth": -1}, "x": 1}))
                .unwrap_err();
        let mut found: Vec<_> = issues.iter().map(|i| i.path.join(".")).collect();
        found.sort();
        assert_eq!(found, ["inner.depth", "width", "x"]);
    }

    #[test]
    fn a_type_error_names_its_key() {
        let issues = parse_config::<Outer>(&json!({"width": "wide"})).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, ["width"]);
        assert!(issues[0].message.contains("invalid type"), "{issues:?}");
    }
}
