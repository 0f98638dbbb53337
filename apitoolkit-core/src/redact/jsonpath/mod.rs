//! PLACEHOLDER owned by the redactor work: replaced by the compiled executor.
use std::borrow::Cow;

use crate::ConfigError;

/// Compiled JSONPath body redactor.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    paths: Vec<String>,
}

impl Redactor {
    /// Parses and compiles the paths.
    pub fn new<I, S>(paths: I) -> Result<Redactor, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(Redactor { paths: paths.into_iter().map(|p| p.as_ref().to_owned()).collect() })
    }
    /// True when no path is configured.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
    /// Redacts a JSON body; fails closed on non-JSON.
    pub fn redact<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        Cow::Borrowed(body)
    }
    /// Redacts a parsed document in place.
    pub fn redact_value(&self, _value: &mut serde_json::Value) {}
}
