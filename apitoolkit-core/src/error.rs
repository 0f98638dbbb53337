//! Errors of the SDK's own API: configuration (reported once at start-up), starting the
//! shipper, and the shipper's lifecycle (`flush`, `shutdown`).

use std::time::Duration;

/// A configuration that cannot be used: a bad redaction path, a malformed list, an
/// unknown exporter or an out-of-range number.
///
/// Every variant names where the value came from (the builder setter or the environment
/// variable) and the offending value, so the message alone is enough to fix the config.
/// No variant ever carries the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A JSONPath in a redaction list does not parse.
    #[error("{origin}: invalid JSONPath `{path}` at position {position}: {reason}")]
    InvalidPath {
        /// The setter or environment variable the path came from.
        origin: String,
        /// The path as the user wrote it.
        path: String,
        /// Character offset (0-based) in `path` where the error was found.
        position: usize,
        /// What is wrong there.
        reason: String,
    },
    /// A list variable is neither a JSON array of strings nor (where allowed) comma-separated.
    #[error("{origin}: malformed list `{value}`: {reason}")]
    MalformedList {
        /// The setter or environment variable.
        origin: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A value that is not valid for its setting (a boolean, a number, an exporter, a URL...).
    #[error("{origin}: invalid value `{value}`: expected {expected}")]
    InvalidValue {
        /// The setter or environment variable.
        origin: String,
        /// The value as given.
        value: String,
        /// What was expected instead.
        expected: String,
    },
}

impl ConfigError {
    /// Rewrites the origin of the error (used when a path list built by
    /// [`Redactor::new`](crate::Redactor::new) came from a named setter or variable).
    #[must_use]
    pub fn with_origin(mut self, new_origin: impl Into<String>) -> Self {
        let o = match &mut self {
            ConfigError::InvalidPath { origin, .. }
            | ConfigError::MalformedList { origin, .. }
            | ConfigError::InvalidValue { origin, .. } => origin,
        };
        *o = new_origin.into();
        self
    }
}

/// Why [`Shipper::flush`](crate::Shipper::flush) or
/// [`Shipper::shutdown`](crate::Shipper::shutdown) did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownError {
    /// Not every record enqueued before the call was exported (or counted lost) within
    /// the timeout; the rest are counted lost (`dropped_export_failed` or
    /// `dropped_shutdown`) as their retries are cut short.
    #[error(
        "apitoolkit: the shipper did not finish within {0:?}; what was left is counted as lost"
    )]
    Timeout(Duration),
    /// The shipper had already been shut down (by an earlier `shutdown`, a guard, or the
    /// last handle being dropped): there is nothing left to flush or stop.
    #[error("apitoolkit: the shipper was already shut down")]
    AlreadyShutDown,
}

/// Why [`Shipper::start`](crate::Shipper::start) (and the adapters' constructors, which
/// start one) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration cannot be used, including an exporter that cannot be set up
    /// from it (a JSON Lines file that cannot be opened, a malformed OTLP endpoint or
    /// header). The message names the setting.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The operating system refused the shipper's thread.
    #[error("apitoolkit: could not spawn the shipper thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The shipper's own single-threaded tokio runtime could not be built.
    #[error("apitoolkit: could not build the shipper's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The shipper's thread ended before it said it was ready.
    #[error("apitoolkit: the shipper thread stopped while starting")]
    WorkerLost,
}
