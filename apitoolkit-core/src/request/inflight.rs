//! [`InFlight`]: an exchange being served. Adapters create it when a request arrives,
//! feed it the response as it streams, and it enqueues the record exactly once: when the
//! response body ends, or when it is dropped (client gone, stream cancelled, panic).

use std::any::Any;
use std::fmt;
use std::time::Instant;

use crate::capture::exchange::Exchange;
use crate::capture::BodyCapture;
use crate::model::headers::CapturedHeaders;
use crate::model::ErrorEntry;
use crate::request::context::RequestContext;

/// The record of one exchange while it is served. Dropping it finishes it.
///
/// The exchange is boxed: it travels by pointer from here through the shipper's queue,
/// and the adapters' futures and bodies that carry an `InFlight` stay small (frameworks
/// move those many times per request).
///
/// Its `Debug` shows the exchange as [`Exchange`]'s does (names, lengths and counts,
/// never a captured value), whether it was finished, and the response body captured so
/// far as a length.
pub struct InFlight {
    exchange: Option<Box<Exchange>>,
    start: Instant,
    ctx: RequestContext,
    response_body: BodyCapture,
}

impl InFlight {
    /// Starts the clock for `exchange` (request parts already filled in) served under
    /// `ctx`; the exchange takes the context's `msg_id`.
    pub fn new(ctx: RequestContext, mut exchange: Exchange) -> InFlight {
        exchange.msg_id = ctx.msg_id();
        let config = ctx.shipper().config();
        let response_body =
            BodyCapture::new(config.max_body_bytes(), config.capture_response_body());
        InFlight {
            exchange: Some(Box::new(exchange)),
            start: Instant::now(),
            ctx,
            response_body,
        }
    }

    /// The request's context.
    pub fn context(&self) -> &RequestContext {
        &self.ctx
    }

    /// Sets the matched route template, for frameworks that know it only once the
    /// request has been routed (actix). `None` leaves `url_path` empty.
    pub fn set_route(&mut self, route: Option<String>) {
        if let Some(ex) = self.exchange.as_mut() {
            ex.route = route;
        }
    }

    /// Records the response head.
    pub fn set_response(&mut self, status: u16, headers: CapturedHeaders) {
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = status;
            ex.response_headers = headers;
        }
    }

    /// Copies a response chunk (up to the cap).
    #[inline]
    pub fn capture_response_chunk(&mut self, chunk: &[u8]) {
        self.response_body.push(chunk);
    }

    /// Records a panic of the handler: status 500 and an error entry. The caller then
    /// resumes the panic.
    pub fn record_panic(&mut self, payload: &(dyn Any + Send)) {
        self.ctx.report_entry(ErrorEntry::from_panic(payload, None));
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = 500;
        }
    }

    /// Finishes the record and enqueues it. Later calls do nothing.
    pub fn finish(&mut self) {
        let Some(mut ex) = self.exchange.take() else {
            return;
        };
        ex.duration = self.start.elapsed();
        ex.request_body = self.ctx.take_request_body();
        ex.response_body = self.response_body.take();
        ex.errors = self.ctx.take_errors();
        self.ctx.shipper().enqueue_boxed(ex);
    }

    /// Whether the record was already enqueued.
    pub fn is_finished(&self) -> bool {
        self.exchange.is_none()
    }
}

impl fmt::Debug for InFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("context", &self.ctx)
            .field("finished", &self.exchange.is_none())
            .field("exchange", &self.exchange)
            .field("response_body", &self.response_body)
            .finish_non_exhaustive()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.finish();
    }
}
