//! Maps the stage names used in pipeline YAML to their constructors.

use std::path::PathBuf;

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::stage::Corpus;
use crate::{
    parse_config, BuildError, ConfigIssue, CorpusStage, DocumentStage, DynCorpusStage, Sink,
};

/// A built stage, ready to run.
pub enum StageInstance {
    /// Runs on each document independently, in parallel.
    Document(Box<dyn DocumentStage>),
    /// Observes every document, prepares a state, then applies it to each document.
    Corpus(Box<dyn DynCorpusStage>),
    /// Writes the documents out, in input order.
    Sink(Box<dyn Sink>),
}

impl StageInstance {
    /// A corpus stage, as the runner holds it.
    pub fn corpus<S: CorpusStage>(stage: S) -> Self {
        Self::Corpus(Box::new(Corpus(stage)))
    }
}

/// What a stage may need to know about the pipeline it is built for.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// Folder of the pipeline file: relative paths in a stage's config start here.
    pub base_dir: PathBuf,
    /// The pipeline's `name`.
    pub pipeline: String,
}

impl BuildContext {
    /// Resolves a path from a stage config against the pipeline's folder (`..` folded away).
    pub fn resolve(&self, path: impl Into<PathBuf>) -> PathBuf {
        use path_clean::PathClean;
        self.base_dir.join(path.into()).clean()
    }
}

/// One configuration key of a stage, its default and what it does, for `newspipe stages`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigKey {
    /// The key as written in YAML.
    pub name: String,
    /// Its default value (`null` when it has none).
    pub default: Value,
    /// What the key does: the doc comment of its field in the config struct, when the stage
    /// declared it with [`StageFactory::describing_keys`].
    pub description: Option<String>,
}

type CheckFn = fn(&Value) -> Vec<ConfigIssue>;
type DefaultsFn = fn() -> Value;
type SchemaFn = fn() -> Value;
type OutputsFn = fn(&Value, &BuildContext) -> Vec<PathBuf>;
type BuildFn =
    Box<dyn Fn(&Value, &BuildContext) -> Result<StageInstance, BuildError> + Send + Sync>;

/// How to build one kind of stage from its YAML config.
pub struct StageFactory {
    name: &'static str,
    summary: &'static str,
    check: CheckFn,
    defaults: DefaultsFn,
    schema: Option<SchemaFn>,
    build: BuildFn,
    rewrites_text: bool,
    annotates_text: bool,
    outputs: Option<OutputsFn>,
}

impl StageFactory {
    /// A factory for a stage with a typed config `C`: `C` is parsed (every problem reported) and
    /// handed to `build`.
    pub fn new<C>(
        name: &'static str,
        summary: &'static str,
        build: fn(C, &BuildContext) -> Result<StageInstance, BuildError>,
    ) -> Self
    where
        C: DeserializeOwned + Serialize + Default + 'static,
    {
        Self {
            name,
            summary,
            check: |value| parse_config::<C>(value).err().unwrap_or_default(),
            defaults: || serde_json::to_value(C::default()).unwrap_or(Value::Null),
            schema: None,
            build: Box::new(move |value, cx| {
                let config = parse_config::<C>(value).map_err(BuildError::Config)?;
                build(config, cx)
            }),
            rewrites_text: false,
            annotates_text: false,
            outputs: None,
        }
    }

    /// Takes each config key's description from the doc comments of `C`, the stage's config
    /// struct (through its JSON Schema), so `newspipe stages` says what every key does.
    pub fn describing_keys<C: schemars::JsonSchema>(mut self) -> Self {
        self.schema = Some(|| schemars::schema_for!(C).to_value());
        self
    }

    /// Declares that the stage rewrites `text`: it must run before any stage that annotates
    /// text, whose byte offsets would otherwise point into the wrong text.
    pub fn rewriting_text(mut self) -> Self {
        self.rewrites_text = true;
        self
    }

    /// Declares that the stage writes annotations with byte offsets into `text`.
    pub fn annotating_text(mut self) -> Self {
        self.annotates_text = true;
        self
    }

    /// Declares that the stage writes files, and where, given its config: those paths are
    /// never read as input, and a pipeline without such a stage writes no documents.
    pub fn writing_outputs(mut self, outputs: OutputsFn) -> Self {
        self.outputs = Some(outputs);
        self
    }

    /// Whether the stage rewrites `text` (see [`rewriting_text`](Self::rewriting_text)).
    pub fn rewrites_text(&self) -> bool {
        self.rewrites_text
    }

    /// Whether the stage annotates `text` (see [`annotating_text`](Self::annotating_text)).
    pub fn annotates_text(&self) -> bool {
        self.annotates_text
    }

    /// Whether the stage writes document outputs (see [`writing_outputs`](Self::writing_outputs)).
    pub fn writes_outputs(&self) -> bool {
        self.outputs.is_some()
    }

    /// The files and folders the stage writes with this config, resolved against the
    /// pipeline's folder; empty for a stage that writes none.
    pub fn output_paths(&self, config: &Value, cx: &BuildContext) -> Vec<PathBuf> {
        self.outputs
            .map_or_else(Vec::new, |outputs| outputs(config, cx))
    }

    /// The stage's YAML name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// One line on what the stage does.
    pub fn summary(&self) -> &'static str {
        self.summary
    }

    /// Checks a config without building anything.
    pub fn check(&self, config: &Value) -> Vec<ConfigIssue> {
        (self.check)(config)
    }

    /// The config keys with their defaults and descriptions, in the config struct's order.
    pub fn config_keys(&self) -> Vec<ConfigKey> {
        let schema = self.schema.map(|schema| schema()).unwrap_or(Value::Null);
        let description = |name: &str| {
            schema["properties"][name]["description"]
                .as_str()
                .map(str::to_owned)
        };
        match (self.defaults)() {
            Value::Object(map) => map
                .into_iter()
                .map(|(name, default)| ConfigKey {
                    description: description(&name),
                    name,
                    default,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Builds the stage.
    pub fn build(&self, config: &Value, cx: &BuildContext) -> Result<StageInstance, BuildError> {
        (self.build)(config, cx)
    }
}

/// The stages a binary knows, by YAML name.
#[derive(Default)]
pub struct Registry {
    factories: Vec<StageFactory>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a stage; a later registration under the same name replaces the earlier one.
    pub fn register(&mut self, factory: StageFactory) -> &mut Self {
        self.factories.retain(|f| f.name != factory.name);
        self.factories.push(factory);
        self
    }

    /// The factory registered under `name`.
    pub fn get(&self, name: &str) -> Option<&StageFactory> {
        self.factories.iter().find(|f| f.name == name)
    }

    /// Every registered stage, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &StageFactory> {
        self.factories.iter()
    }

    /// Every registered stage name, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.factories.iter().map(|f| f.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Disposition, Document, StageError};
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields, default)]
    struct UpperConfig {
        /// Appended to the upper-cased text.
        suffix: String,
    }

    struct Upper(UpperConfig);

    impl DocumentStage for Upper {
        fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
            doc.text = format!("{}{}", doc.text.to_uppercase(), self.0.suffix);
            Ok(Disposition::Keep)
        }
    }

    fn upper_factory() -> StageFactory {
        StageFactory::new::<UpperConfig>("upper", "Upper-cases text.", |config, _| {
            Ok(StageInstance::Document(Box::new(Upper(config))))
        })
    }

    #[test]
    fn builds_a_typed_stage_from_json() {
        let mut registry = Registry::new();
        registry.register(upper_factory());
        let factory = registry.get("upper").unwrap();
        assert_eq!(
            factory.config_keys(),
            [ConfigKey {
                name: "suffix".into(),
                default: json!(""),
                description: None,
            }]
        );
        let StageInstance::Document(stage) = factory
            .build(&json!({"suffix": "!"}), &BuildContext::default())
            .unwrap()
        else {
            panic!("expected a document stage");
        };
        let mut doc = Document::new("d", Default::default(), "hi".into());
        stage.process(&mut doc).unwrap();
        assert_eq!(doc.text, "HI!");
    }

    #[test]
    fn key_descriptions_come_from_doc_comments() {
        let keys = upper_factory()
            .describing_keys::<UpperConfig>()
            .config_keys();
        assert_eq!(
            keys[0].description.as_deref(),
            Some("Appended to the upper-cased text.")
        );
    }

    #[test]
    fn check_reports_unknown_keys() {
        let issues = upper_factory().check(&json!({"sufix": "!"}));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].unknown_key.as_deref(), Some("sufix"));
        assert_eq!(issues[0].expected, ["suffix"]);
    }

    #[test]
    fn resolve_is_relative_to_the_pipeline() {
        let cx = BuildContext {
            base_dir: "/p/pipelines".into(),
            ..Default::default()
        };
        assert_eq!(cx.resolve("../out/x"), PathBuf::from("/p/out/x"));
        assert_eq!(cx.resolve("/abs"), PathBuf::from("/abs"));
    }
}
