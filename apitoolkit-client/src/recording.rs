//! [`Recording`]: one outgoing call being recorded, on core's [`InFlight`] (an outgoing
//! record: no request context, a call dropped before its response recorded as
//! cancelled). It enqueues its record exactly once: when the response body ends, fails
//! or is dropped, when the call fails without a response, or when the call is cancelled
//! (the recording is dropped).

use apitoolkit_core::integration::BodySink;
use apitoolkit_core::integration::InFlight;
use apitoolkit_core::{CapturedHeaders, ErrorEntry, Exchange, Shipper};
use http::Version;

/// The record of one outgoing call while it runs. Dropping it finishes it.
#[derive(Debug)]
pub(crate) struct Recording(InFlight);

impl Recording {
    /// Starts the clock for `exchange` (request parts filled in).
    pub(crate) fn start(shipper: Shipper, exchange: Exchange) -> Recording {
        Recording(InFlight::outgoing(shipper, exchange))
    }

    /// Records the response head.
    pub(crate) fn set_response(&mut self, status: u16, version: Version, headers: CapturedHeaders) {
        self.0.set_response(status, headers);
        self.0.set_version(version);
    }

    /// Records a call that failed without a response: status 503 and the error.
    pub(crate) fn fail(mut self, entry: ErrorEntry) {
        self.0.fail(503, entry);
    }
}

/// The response body is teed into the record; a body error is recorded without the URL
/// reqwest appends to its message.
impl BodySink<reqwest::Error> for Recording {
    #[inline]
    fn data(&mut self, chunk: &[u8]) {
        self.0.capture_response_chunk(chunk);
    }

    #[inline]
    fn end(&mut self) {
        self.0.finish();
    }

    fn error(&mut self, err: &reqwest::Error) {
        self.0.report_entry(body_error_entry(err));
        self.0.finish();
    }
}

/// The entry of a body error, without the URL reqwest appends to its message (the URL
/// may carry secrets; the record has it, masked, in `raw_url`).
fn body_error_entry(err: &reqwest::Error) -> ErrorEntry {
    let mut entry = ErrorEntry::from_error(err);
    entry.error_type = "reqwest::Error".to_owned();
    if let Some(url) = err.url() {
        let suffix = format!(" for url ({url})");
        entry.message = entry.message.replace(&suffix, "");
        entry.root_error_message = entry.root_error_message.replace(&suffix, "");
    }
    entry
}
