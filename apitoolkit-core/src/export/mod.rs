//! The exporters behind the shipper: JSON Lines (stdout or a file), an in-process
//! callback, and OTLP (gRPC or HTTP/protobuf). Internal: the shipper picks one from
//! [`Config::export`](crate::Config::export).

mod callback;
mod jsonl;
pub(crate) mod otlp;

use std::time::Duration;

use crate::config::Export;
use crate::exchange::Exchange;
use crate::payload::RequestMessage;
use crate::{Config, ConfigError};

/// Result of one export attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Delivered.
    Done,
    /// Failed in a way that may succeed later (429, 5xx, transport errors, timeouts).
    Retryable {
        /// Server-requested delay (`Retry-After`), if any.
        after: Option<Duration>,
        reason: String,
    },
    /// Failed for good (4xx, a panicking callback, an I/O error).
    Permanent(String),
}

/// A batch in the form its exporter sends, built once and reused across retries.
#[derive(Debug)]
pub(crate) enum Payload<'a> {
    Records(&'a [RequestMessage]),
    Otlp(otlp::Encoded),
}

/// One of the exporters.
#[derive(Debug)]
pub(crate) enum Exporter {
    Jsonl(jsonl::JsonlExporter),
    Callback(callback::CallbackExporter),
    Otlp(Box<otlp::OtlpExporter>),
}

impl Exporter {
    /// Builds the configured exporter. For OTLP it must run inside the worker's tokio
    /// runtime context (the gRPC channel is created lazily there).
    pub(crate) fn from_config(config: &Config) -> Result<Exporter, ConfigError> {
        Ok(match config.export() {
            Export::Stdout => Exporter::Jsonl(jsonl::JsonlExporter::stdout()),
            Export::File(path) => Exporter::Jsonl(jsonl::JsonlExporter::file(path)?),
            Export::Callback(cb) => Exporter::Callback(callback::CallbackExporter::new(cb.clone())),
            Export::Otlp(settings) => {
                Exporter::Otlp(Box::new(otlp::OtlpExporter::new(config, settings)?))
            }
        })
    }

    /// Converts a batch to what this exporter sends.
    pub(crate) fn prepare<'a>(
        &self,
        exchanges: &[Exchange],
        messages: &'a [RequestMessage],
    ) -> Payload<'a> {
        match self {
            Exporter::Jsonl(_) | Exporter::Callback(_) => Payload::Records(messages),
            Exporter::Otlp(o) => Payload::Otlp(o.encode(exchanges, messages)),
        }
    }

    /// One export attempt, bounded by `timeout` where the transport allows it.
    pub(crate) async fn export(&mut self, payload: &Payload<'_>, timeout: Duration) -> Attempt {
        match (self, payload) {
            (Exporter::Jsonl(e), Payload::Records(r)) => e.export(r),
            (Exporter::Callback(e), Payload::Records(r)) => e.export(r),
            (Exporter::Otlp(e), Payload::Otlp(p)) => e.export(p, timeout).await,
            _ => Attempt::Permanent("payload prepared for another exporter".into()),
        }
    }
}
