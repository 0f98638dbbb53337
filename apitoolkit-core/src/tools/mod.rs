//! The logic of the crate's small command-line tools and of the quickstarts' `--demo`
//! output, kept here so that the examples stay thin and the behaviour is tested
//! directly. Not part of the SDK's API: it may change in any release.
//!
//! - [`redact`]: `cargo run -p apitoolkit-core --example redact -- [--paths ..] [FILE]`
//!   applies redaction settings to a body or a raw HTTP request and prints what would be
//!   shipped.
//! - [`config`]: `cargo run -p apitoolkit-core --example config` prints the effective
//!   configuration read from the environment, or the error the app would get.
//! - [`demo`]: the quickstarts' `--demo` output, records as readable blocks.
//! - [`encode`]: the exporters' encoding of a batch without sending it (for the
//!   instruction-count bench).

pub mod config;
pub mod demo;
pub mod encode;
mod http_input;
mod list;
pub mod redact;
