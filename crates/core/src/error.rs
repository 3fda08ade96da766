use thiserror::Error;

/// A stage failed on a document (or, for a corpus stage, on a batch).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{message}")]
pub struct StageError {
    /// What went wrong, in words a user can act on.
    pub message: String,
}

impl StageError {
    /// A new error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// A merge step the stage does not have was asked for (a plan from another build).
    pub fn no_merge_step(step: usize) -> Self {
        Self::new(format!("this stage has no merge step {step}"))
    }
}

impl From<std::io::Error> for StageError {
    fn from(err: std::io::Error) -> Self {
        Self::new(err.to_string())
    }
}

/// A stage could not be built from its configuration.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The configuration is invalid; each issue names the key it is about.
    #[error("invalid configuration")]
    Config(Vec<crate::ConfigIssue>),
    /// The configuration is valid but the stage cannot start (unwritable path, missing file).
    #[error("{0}")]
    Setup(String),
}
