//! [`InFlight`]: an exchange being served or sent. Adapters create it when a request
//! arrives (or an outgoing call starts), feed it the response as it streams, and it
//! enqueues the record exactly once: when the response body ends, or when it is dropped
//! (client gone, stream cancelled, panic, call cancelled).

use std::any::Any;
use std::fmt;
use std::time::Instant;

use http::Version;

use crate::capture::exchange::Exchange;
use crate::capture::grpc;
use crate::capture::{BodyCapture, BodySink};
use crate::model::headers::CapturedHeaders;
use crate::model::CapturedBody;
use crate::model::ErrorEntry;
use crate::request::context::RequestContext;
use crate::shipper::Shipper;

/// The record of one exchange while it is served (incoming) or sent (outgoing).
/// Dropping it finishes it.
///
/// An incoming record belongs to a [`RequestContext`]: the errors handlers report and
/// the request body they read are taken from it when the record is finished. An
/// outgoing record ([`outgoing`](Self::outgoing)) has no context of its own: its
/// request body is captured before it starts, its errors are kept on the exchange, and
/// if it is finished before any response arrived it is recorded as a cancelled call
/// (status 503 and a `Cancelled` error).
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
    owner: Owner,
    response_body: BodyCapture,
}

/// Whose record it is.
enum Owner {
    /// An incoming request, served under this context.
    Incoming(RequestContext),
    /// An outgoing call; `responded` once its response head (or failure) is known.
    Outgoing { shipper: Shipper, responded: bool },
}

impl InFlight {
    /// Starts the clock for `exchange` (request parts already filled in) served under
    /// `ctx`; the exchange takes the context's `msg_id` and trace context.
    pub fn new(ctx: RequestContext, mut exchange: Exchange) -> InFlight {
        exchange.msg_id = ctx.msg_id();
        exchange.trace = Some(ctx.trace().clone());
        InFlight::start(Owner::Incoming(ctx), exchange)
    }

    /// Starts the clock for an outgoing call's `exchange` (request parts, request body
    /// and `parent_id` already filled in), to be enqueued on `shipper`.
    pub fn outgoing(shipper: Shipper, exchange: Exchange) -> InFlight {
        InFlight::start(
            Owner::Outgoing {
                shipper,
                responded: false,
            },
            exchange,
        )
    }

    #[inline]
    fn start(owner: Owner, exchange: Exchange) -> InFlight {
        let response_body = match &owner {
            Owner::Incoming(ctx) => ctx.response_capture(),
            Owner::Outgoing { shipper, .. } => {
                let config = shipper.config();
                BodyCapture::new(config.max_body_bytes(), config.capture_response_body())
            }
        };
        InFlight {
            exchange: Some(Box::new(exchange)),
            start: Instant::now(),
            owner,
            response_body,
        }
    }

    /// The request's context; `None` for an outgoing call.
    pub fn context(&self) -> Option<&RequestContext> {
        match &self.owner {
            Owner::Incoming(ctx) => Some(ctx),
            Owner::Outgoing { .. } => None,
        }
    }

    /// Sets the matched route template, for frameworks that know it only once the
    /// request has been routed (actix). `None` leaves `url_path` empty.
    pub fn set_route(&mut self, route: Option<String>) {
        if let Some(ex) = self.exchange.as_mut() {
            ex.route = route;
        }
    }

    /// Records the response head. A gRPC response whose head carries `grpc-status` (a
    /// trailers-only response) also sets the gRPC status ([`set_grpc_status`](Self::set_grpc_status)).
    pub fn set_response(&mut self, status: u16, headers: CapturedHeaders) {
        self.owner.responded();
        let grpc = grpc::status_in_head(&headers);
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = status;
            ex.response_headers = headers;
        }
        if let Some((code, message)) = grpc {
            self.set_grpc_status(code, message.as_deref());
        }
    }

    /// Records the gRPC status of the call (the first one given counts); a non-OK code
    /// is also an error entry (type `GrpcStatus`, message `NOT_FOUND (5): <grpc-message>`),
    /// so the record counts as failed and its span's status is Error. [`TeeBody`] calls it
    /// with the response trailers of a gRPC response.
    ///
    /// [`TeeBody`]: crate::integration::TeeBody
    pub fn set_grpc_status(&mut self, code: u32, message: Option<&str>) {
        let Some(ex) = self.exchange.as_mut() else {
            return;
        };
        if ex.grpc_status.is_some() {
            return;
        }
        ex.grpc_status = Some(code);
        if let Some(entry) = grpc::error_entry(code, message) {
            self.report_entry(entry);
        }
    }

    /// Records the HTTP version of the response (outgoing calls learn it only then).
    pub fn set_version(&mut self, version: Version) {
        if let Some(ex) = self.exchange.as_mut() {
            ex.version = version;
        }
    }

    /// Copies a response chunk (up to the cap; nothing once a handler turned body
    /// capture off).
    #[inline]
    pub fn capture_response_chunk(&mut self, chunk: &[u8]) {
        if let Owner::Incoming(ctx) = &self.owner {
            if ctx.bodies_off() {
                return;
            }
        }
        self.response_body.push(chunk);
    }

    /// Attaches an error to the record: through the request's context for an incoming
    /// record (bounded as [`RequestContext::report_entry`] says), on the exchange for an
    /// outgoing one (its texts cut to the same limits).
    pub fn report_entry(&mut self, entry: ErrorEntry) {
        match &self.owner {
            Owner::Incoming(ctx) => ctx.report_entry(entry),
            Owner::Outgoing { .. } => {
                if let Some(ex) = self.exchange.as_mut() {
                    ex.errors.push(entry.bounded());
                }
            }
        }
    }

    /// Records an exchange that ended without a response body to follow (the service or
    /// the call failed): `status`, the error, and finishes the record.
    pub fn fail(&mut self, status: u16, entry: ErrorEntry) {
        self.owner.responded();
        if let Some(ex) = self.exchange.as_mut() {
            ex.status = status;
        }
        self.report_entry(entry);
        self.finish();
    }

    /// Records a panic of the handler: status 500 and an error entry. The caller then
    /// resumes the panic ([`guard`](Self::guard) does all of it).
    pub fn record_panic(&mut self, payload: &(dyn Any + Send)) {
        self.report_entry(ErrorEntry::from_panic(payload, None));
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
        ex.response_body = self.response_body.take();
        match &self.owner {
            Owner::Incoming(ctx) => {
                ex.request_body = ctx.take_request_body();
                ex.errors = ctx.take_errors();
                let shipper = ctx.shipper();
                let notes = ctx.take_annotations();
                if notes.skip {
                    shipper.skipped();
                    return;
                }
                if ctx.bodies_off() {
                    ex.request_body = CapturedBody::Empty;
                    ex.response_body = CapturedBody::Empty;
                }
                ex.tags = notes.tags;
                ex.attributes = notes.attributes;
                if let Some((rules, cap)) = ctx.route_settings() {
                    ex.redaction = rules;
                    ex.body_cap = Some(cap);
                }
                if !shipper.config().traffic().admit(&mut ex, ctx.coin()) {
                    // A success the sampling coin left out: no record is built.
                    shipper.sampled_out();
                    return;
                }
            }
            Owner::Outgoing { responded, .. } => {
                if !responded {
                    // The caller dropped the call before any response arrived.
                    ex.status = 503;
                    ex.errors.push(ErrorEntry::from_message(
                        "Cancelled",
                        "the outgoing call was cancelled before a response arrived",
                    ));
                }
            }
        }
        self.owner.shipper().enqueue_boxed(ex);
    }

    /// Whether the record was already enqueued.
    pub fn is_finished(&self) -> bool {
        self.exchange.is_none()
    }
}

impl Owner {
    fn shipper(&self) -> &Shipper {
        match self {
            Owner::Incoming(ctx) => ctx.shipper(),
            Owner::Outgoing { shipper, .. } => shipper,
        }
    }

    #[inline]
    fn responded(&mut self) {
        if let Owner::Outgoing { responded, .. } = self {
            *responded = true;
        }
    }
}

/// A response body teed into the record: chunks are copied up to the cap, the end
/// finishes the record, an error is recorded (`ResponseBodyError`, with the error's
/// text) and finishes it, the trailers of a gRPC response give its gRPC status.
impl<E: fmt::Display> BodySink<E> for InFlight {
    #[inline]
    fn data(&mut self, chunk: &[u8]) {
        self.capture_response_chunk(chunk);
    }

    #[inline]
    fn end(&mut self) {
        self.finish();
    }

    fn error(&mut self, err: &E) {
        self.report_entry(ErrorEntry::from_message(
            "ResponseBodyError",
            err.to_string(),
        ));
        self.finish();
    }

    /// The `grpc-status` of a gRPC response's trailers.
    fn trailers(&mut self, trailers: &http::HeaderMap) {
        let is_grpc = self.exchange.as_ref().is_some_and(|ex| {
            ex.response_headers
                .get(http::header::CONTENT_TYPE.as_str())
                .is_some_and(grpc::is_grpc)
        });
        if !is_grpc {
            return;
        }
        if let Some((code, message)) = grpc::status_in_trailers(trailers) {
            self.set_grpc_status(code, message.as_deref());
        }
    }
}

impl fmt::Debug for InFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("InFlight");
        match &self.owner {
            Owner::Incoming(ctx) => s.field("context", ctx),
            Owner::Outgoing { responded, .. } => s.field("responded", responded),
        };
        s.field("finished", &self.exchange.is_none())
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
