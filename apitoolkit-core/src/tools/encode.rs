//! The exporters' encoding of a batch, as the shipper's worker runs it before sending,
//! without sending: for the instruction-count bench
//! (`benches/examples/exchange_instructions.rs`, mode `shipper`). Not part of the SDK's
//! API.

use crate::error::StartError;
use crate::export::otlp::EncodedRequest;
use crate::export::{Exporter, PreparedBatch};
use crate::{Config, Exchange};

/// The configured exporter, preparing batches as the worker does (records built,
/// redacted and encoded; OTLP requests gzip-compressed, gRPC's also framed), never
/// sending them.
#[derive(Debug)]
pub struct BatchEncoder {
    exporter: Exporter,
    config: Config,
    // The OTLP exporters are set up inside a tokio runtime, as on the worker.
    _runtime: tokio::runtime::Runtime,
}

impl BatchEncoder {
    /// The exporter of `config` (JSON Lines, callback or OTLP; nothing is connected).
    ///
    /// # Errors
    /// As [`Shipper::start`](crate::Shipper::start): the runtime or the exporter could
    /// not be set up.
    pub fn new(config: Config) -> Result<BatchEncoder, StartError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let exporter = {
            let _context = runtime.enter();
            Exporter::from_config(&config).map_err(StartError::Config)?
        };
        Ok(BatchEncoder {
            exporter,
            config,
            _runtime: runtime,
        })
    }

    /// Prepares `exchanges` as one batch, shows `sent` the bytes the transport would
    /// send (JSON Lines; the OTLP request gzip-compressed, as the gRPC message or the
    /// HTTP body; nothing for the callback exporter, whose records are built but not
    /// serialised), and gives the buffers back for the next batch, as the worker does.
    /// A batch that could not be prepared shows nothing.
    pub fn encode(&mut self, exchanges: &[Box<Exchange>], sent: impl FnOnce(&[u8])) {
        let prepared = self.exporter.prepare(exchanges, &self.config, false);
        match &prepared {
            PreparedBatch::Lines(lines) => sent(lines),
            PreparedBatch::Otlp(EncodedRequest::Grpc(bytes) | EncodedRequest::Http(bytes), _) => {
                sent(bytes)
            }
            PreparedBatch::Records(_)
            | PreparedBatch::Otlp(EncodedRequest::Failed(_), _)
            | PreparedBatch::Failed(_) => {}
        }
        self.exporter.reclaim(prepared);
    }
}
