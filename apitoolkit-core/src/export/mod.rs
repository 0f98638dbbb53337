//! Export: the transports behind the shipper. Internal: the shipper picks one from
//! [`Config::export`](crate::Config::export), has it prepare each batch once
//! ([`PreparedBatch`], on the worker) and sends it through a [`Sender`] (cheap to clone,
//! one per export in flight), retrying as the [`Attempt`] it reports allows (a
//! `Retry-After` delay included).
//!
//! - `jsonl.rs`: JSON Lines to stdout or a file, lines written by
//!   [`record::write_json`](crate::record::write_json).
//! - `callback.rs`: the user's callback, handed [`RequestMessage`]s.
//! - `otlp/`: OTLP over gRPC (`grpc.rs`) or HTTP/protobuf (`http.rs`, with `tls.rs`),
//!   spans written by `record::otlp_span` and framed into one request per batch
//!   (`request_frame.rs`).
//!
//! Encoding a record is [`record`](crate::record)'s job; this module only frames, sends
//! and classifies the outcome.

mod callback;
mod jsonl;
pub(crate) mod otlp;

use std::time::Duration;

use crate::capture::exchange::Exchange;
use crate::config::Export;
use crate::model::RequestMessage;
use crate::record::build_message;
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
pub(crate) enum PreparedBatch {
    /// The records, for the callback.
    Records(Vec<RequestMessage>),
    /// JSON Lines, ready to write.
    Lines(Vec<u8>),
    /// An OTLP request, and its spans without the resource when the spool may need them.
    Otlp(otlp::EncodedRequest, Option<Vec<u8>>),
    /// The batch could not be prepared; every attempt fails permanently with this reason.
    Failed(String),
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

    /// Whether several exports may be in flight at once, and batches spooled: OTLP. JSON
    /// Lines and the callback write one batch at a time, in order.
    pub(crate) fn is_otlp(&self) -> bool {
        matches!(self, Exporter::Otlp(_))
    }

    /// Builds the redacted records of a batch (see [`build_message`]) in the form this
    /// exporter sends. JSON Lines and OTLP spans are encoded one record at a time, so
    /// a batch never holds all its records in memory at once. With `keep_spans`, an OTLP
    /// batch also keeps its encoded spans for the spool.
    pub(crate) fn prepare(
        &mut self,
        exchanges: &[Box<Exchange>],
        config: &Config,
        keep_spans: bool,
    ) -> PreparedBatch {
        match self {
            Exporter::Jsonl(e) => match e.lines(exchanges, config) {
                Ok(lines) => PreparedBatch::Lines(lines),
                Err(reason) => PreparedBatch::Failed(reason),
            },
            Exporter::Callback(_) => {
                let messages: Vec<RequestMessage> = exchanges
                    .iter()
                    .map(|ex| build_message(ex, config))
                    .collect();
                if config.debug() {
                    messages.iter().for_each(log_record);
                }
                PreparedBatch::Records(messages)
            }
            Exporter::Otlp(o) => {
                let (request, spans) = o.encode(exchanges, config, keep_spans);
                PreparedBatch::Otlp(request, spans)
            }
        }
    }

    /// The spool's payload of a batch: its OTLP spans without the resource (which carries
    /// the API key). `None` for other exporters.
    pub(crate) fn spool_payload(
        &mut self,
        exchanges: &[Box<Exchange>],
        config: &Config,
    ) -> Option<Vec<u8>> {
        match self {
            Exporter::Otlp(o) => Some(o.spans(exchanges, config)),
            _ => None,
        }
    }

    /// Takes back a spool payload once written, to reuse its buffer.
    pub(crate) fn reclaim_payload(&mut self, payload: Vec<u8>) {
        if let Exporter::Otlp(o) = self {
            o.reclaim(payload);
        }
    }

    /// The OTLP request of spans read back from the spool (`None` for other exporters).
    pub(crate) fn prepare_spooled(&self, spans: &[u8]) -> Option<PreparedBatch> {
        match self {
            Exporter::Otlp(o) => Some(PreparedBatch::Otlp(o.frame(spans), None)),
            _ => None,
        }
    }

    /// A handle that sends prepared batches.
    pub(crate) fn sender(&self) -> Sender {
        match self {
            Exporter::Jsonl(e) => Sender::Jsonl(e.sink()),
            Exporter::Callback(e) => Sender::Callback(e.clone()),
            Exporter::Otlp(o) => Sender::Otlp(o.transport()),
        }
    }

    /// Takes back a prepared batch once delivered, to reuse its buffer.
    pub(crate) fn reclaim(&mut self, prepared: PreparedBatch) {
        if let (Exporter::Jsonl(e), PreparedBatch::Lines(l)) = (self, prepared) {
            e.reclaim(l);
        }
    }
}

/// Sends prepared batches; clones share the exporter's sink, pool or channel.
#[derive(Clone)]
pub(crate) enum Sender {
    Jsonl(jsonl::JsonlSink),
    Callback(callback::CallbackExporter),
    Otlp(otlp::Transport),
}

impl Sender {
    /// One export attempt, bounded by `timeout` where the transport allows it.
    pub(crate) async fn export(&self, prepared: &PreparedBatch, timeout: Duration) -> Attempt {
        match (self, prepared) {
            (Sender::Jsonl(e), PreparedBatch::Lines(l)) => e.write(l),
            (Sender::Callback(e), PreparedBatch::Records(r)) => e.export(r),
            (Sender::Otlp(e), PreparedBatch::Otlp(p, _)) => e.export(p, timeout).await,
            (_, PreparedBatch::Failed(reason)) => Attempt::Permanent(reason.clone()),
            _ => Attempt::Permanent("batch prepared for another exporter".into()),
        }
    }
}

/// With `debug` on, every built (redacted) record is logged at `debug` level.
pub(crate) fn log_record(m: &RequestMessage) {
    match serde_json::to_string(m) {
        Ok(json) => tracing::debug!(payload = %json, "apitoolkit: record"),
        Err(e) => tracing::debug!(error = %e, "apitoolkit: record not serialisable"),
    }
}
