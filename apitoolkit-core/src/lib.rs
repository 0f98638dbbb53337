//! APItoolkit SDK for Rust: the runtime-agnostic core.
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod error;
pub mod payload;
pub mod redact;

pub use error::ConfigError;
pub use redact::{Redactor, REDACTED};
