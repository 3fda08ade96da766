//! What `newspipe validate` learns by loading a plugin stage without running it: whether the
//! library loads and has the stage, whether the stage's `config:` fits the `config_schema` in
//! its manifest, and whether the stage rewrites or annotates `text` (for the stage order check).

use newspipe_core::BuildContext;
use newspipe_plugin_sdk::declared::Declared;
use serde_json::Value;

use crate::{open, PluginConfig};

/// A loaded plugin stage, as `validate` sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageCheck {
    /// `plugin `name` stage `stage`` (or the library path when it did not load), for messages.
    pub label: String,
    /// Every problem found, each naming the plugin and the key.
    pub problems: Vec<String>,
    /// Whether the stage declares that it writes `text`.
    pub rewrites_text: bool,
    /// Whether the stage declares that it writes annotations into `text`.
    pub annotates_text: bool,
}

/// Loads the plugin stage a `plugin:` config names (runs the library's loader and entry point,
/// as a run would) and checks its config against the stage's `config_schema`.
pub fn check_stage(config: &Value, cx: &BuildContext) -> StageCheck {
    let config: PluginConfig = match serde_json::from_value(config.clone()) {
        Ok(config) => config,
        Err(err) => {
            return StageCheck {
                label: "plugin".into(),
                problems: vec![err.to_string()],
                ..StageCheck::default()
            }
        }
    };
    let failed = |label: String, problem: String| StageCheck {
        label,
        problems: vec![problem],
        ..StageCheck::default()
    };
    let path = cx.resolve(&config.library);
    let plugin = match open(&path) {
        Ok(plugin) => plugin,
        Err(err) => return failed(format!("`{}`", path.display()), err),
    };
    let label = format!("{} stage `{}`", plugin.label(), config.stage);
    let stage = match plugin.stage(&config.stage) {
        Ok(stage) => stage,
        Err(err) => return failed(plugin.label(), err),
    };
    let declared = match Declared::of(stage) {
        Ok(declared) => declared,
        Err(err) => return failed(label, err),
    };
    StageCheck {
        problems: schema_problems(&stage.config_schema, &config.config),
        rewrites_text: declared.rewrites_text(),
        annotates_text: declared.annotates_text(),
        label,
    }
}

/// Checks `config` against the subset of JSON Schema a manifest's `config_schema` uses: an
/// object whose `properties` list the keys (each with its `default`, whose JSON type a given
/// value must share unless the default is `null`), and `additionalProperties: false` to refuse
/// any other key. A schema without `properties` accepts anything.
pub fn schema_problems(schema: &Value, config: &Value) -> Vec<String> {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return Vec::new();
    };
    let config = match config {
        Value::Null => return Vec::new(),
        Value::Object(config) => config,
        other => return vec![format!("`config` must be a map, not {}", type_name(other))],
    };
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    let known: Vec<&str> = properties.keys().map(String::as_str).collect();
    let mut problems = Vec::new();
    for (key, value) in config {
        let Some(property) = properties.get(key) else {
            if closed {
                let hint = match closest(key, &known) {
                    Some(best) => format!("did you mean `{best}`? "),
                    None => String::new(),
                };
                problems.push(format!(
                    "unknown key `config.{key}`: {hint}the stage's keys are: {}",
                    known.join(", ")
                ));
            }
            continue;
        };
        let expected = property.get("default").map_or("null", type_name);
        if expected != "null" && type_name(value) != expected && !value.is_null() {
            problems.push(format!(
                "`config.{key}` is {}, but the stage expects {expected} (its default is {})",
                type_name(value),
                property["default"]
            ));
        }
    }
    problems
}

/// The closest key, if close enough to be a likely typo.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(key, candidate),
                *candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        newspipe_plugin_sdk::manifest::config_schema(
            json!({"unmatched": "keep", "outlets": [], "limit": null}),
        )
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let problems = schema_problems(&schema(), &json!({"unmached": "drop", "outlets": []}));
        assert_eq!(
            problems,
            [
                "unknown key `config.unmached`: did you mean `unmatched`? the stage's keys are: \
              unmatched, outlets, limit"
            ]
        );
    }

    #[test]
    fn values_of_the_wrong_type_are_named() {
        let problems = schema_problems(&schema(), &json!({"outlets": "Reuters", "limit": 3}));
        assert_eq!(
            problems,
            ["`config.outlets` is a string, but the stage expects a list (its default is [])"]
        );
        assert_eq!(
            schema_problems(&schema(), &json!([1])),
            ["`config` must be a map, not a list"]
        );
    }

    #[test]
    fn a_schema_without_properties_accepts_anything() {
        assert!(schema_problems(&Value::Null, &json!({"any": 1})).is_empty());
        assert!(schema_problems(&schema(), &Value::Null).is_empty());
    }
}
