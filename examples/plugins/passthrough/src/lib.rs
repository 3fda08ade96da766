//! The smallest newspipe plugin: stage `pass` returns every document unchanged. It measures
//! what the plugin boundary costs (`cargo xtask bench`) and shows the least a plugin needs.
//!
//! ```yaml
//! - plugin: { library: ../target/release/libpassthrough.so, stage: pass }
//! ```

use newspipe_plugin_sdk::{
    export_plugin, Disposition, Document, DocumentStage, PluginStage, StageError,
};
use serde::{Deserialize, Serialize};

/// No settings.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassConfig {}

/// Keeps every document as it is.
pub struct Pass;

impl DocumentStage for Pass {
    fn process(&self, _doc: &mut Document) -> Result<Disposition, StageError> {
        Ok(Disposition::Keep)
    }
}

impl PluginStage for Pass {
    const NAME: &'static str = "pass";
    const SUMMARY: &'static str = "Returns every document unchanged.";
    type Config = PassConfig;
    const WRITES: &'static [&'static str] = &[];

    fn new(_config: PassConfig) -> Result<Self, StageError> {
        Ok(Pass)
    }
}

export_plugin!(Pass);

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_plugin_sdk::envelope::Outcome;
    use newspipe_plugin_sdk::testing::{doc, run_stage};

    #[test]
    fn documents_come_back_unchanged() {
        let mut input = doc("a", "Some text, with \"quotes\" and é.");
        input.extra.insert("k".into(), 1.into());
        let outcomes = run_stage::<Pass>(Default::default(), vec![input.clone()]).unwrap();
        assert_eq!(outcomes, [Outcome::Keep(input)]);
    }
}
