//! [`Recording`]: one outgoing call being recorded. It enqueues its record exactly once:
//! when the response body ends, fails or is dropped, when the call fails without a
//! response, or when the call is cancelled (the recording is dropped).

use std::time::Instant;

use apitoolkit_core::{BodyCapture, CapturedHeaders, ErrorEntry, Exchange, Shipper};
use http::Version;

/// The record of one outgoing call while it runs. Dropping it finishes it.
#[derive(Debug)]
pub(crate) struct Recording {
    exchange: Option<Exchange>,
    start: Instant,
    shipper: Shipper,
    response_body: BodyCapture,
    responded: bool,
}

impl Recording {
    /// Starts the clock for `exchange` (request parts filled in).
    pub(crate) fn start(shipper: Shipper, exchange: Exchange) -> Recording {
        let config = shipper.config();
        let response_body =
            BodyCapture::new(config.max_body_bytes(), config.capture_response_body());
        Recording {
            exchange: Some(exchange),
            start: Instant::now(),
            shipper,
            response_body,
            responded: false,
        }
    }

    /// Records the response head.
    pub(crate) fn set_response(&mut self, status: u16, version: Version, headers: CapturedHeaders) {
        self.responded = true;
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = status;
            ex.version = version;
            ex.response_headers = headers;
        }
    }

    /// Copies a response chunk (up to the cap).
    #[inline]
    pub(crate) fn capture_response_chunk(&mut self, chunk: &[u8]) {
        self.response_body.push(chunk);
    }

    /// Adds an error to the outgoing record.
    pub(crate) fn push_error(&mut self, entry: ErrorEntry) {
        if let Some(ex) = self.exchange.as_mut() {
            ex.errors.push(entry);
        }
    }

    /// Records a call that failed without a response: status 503 and the error.
    pub(crate) fn fail(mut self, entry: ErrorEntry) {
        self.responded = true;
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = 503;
            ex.errors.push(entry);
        }
        self.finish();
    }

    /// Finishes the record and enqueues it. Later calls do nothing.
    pub(crate) fn finish(&mut self) {
        let Some(mut ex) = self.exchange.take() else {
            return;
        };
        if !self.responded {
            // The caller dropped the call before any response arrived.
            ex.status = 503;
            ex.errors.push(ErrorEntry::from_message(
                "Cancelled",
                "the outgoing call was cancelled before a response arrived",
            ));
        }
        ex.duration = self.start.elapsed();
        ex.response_body = self.response_body.take();
        self.shipper.enqueue(ex);
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.finish();
    }
}
