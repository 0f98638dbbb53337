//! [`RequestContext`]: what handlers reach while a request is being served: the record's
//! `msg_id` (the parent of outgoing calls), the errors reported for it, and the copy of
//! the request body taken as the handler reads it.

use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

use super::annotations::Annotations;
use crate::capture::policy::RouteRule;
use crate::capture::MAX_ERRORS_PER_RECORD;
use crate::capture::{BodyCapture, BodySink, SpanParent, TraceContext};
use crate::model::CapturedBody;
use crate::model::ErrorEntry;
use crate::shipper::Shipper;

/// The in-flight record of one incoming request. Adapters put a clone in the request's
/// extensions; cloning is one reference count.
#[derive(Clone)]
pub struct RequestContext {
    inner: Arc<Inner>,
}

struct Inner {
    msg_id: Uuid,
    trace: TraceContext,
    /// The sampling coin: whether the exchange is recorded even if it succeeds.
    coin: bool,
    annotations: Mutex<Annotations>,
    /// A handler turned body capture off for this request.
    no_bodies: AtomicBool,
    /// The per-route settings the request is captured with; `None`: the global ones.
    route: Option<Arc<RouteRule>>,
    shipper: Shipper,
    errors: Mutex<Errors>,
    request_body: Mutex<BodyCapture>,
}

impl RequestContext {
    /// A context with a fresh `msg_id` starting a new trace, capturing the request body
    /// per the shipper's configuration.
    pub fn new(shipper: Shipper) -> RequestContext {
        let msg_id = Uuid::new_v4();
        RequestContext::with_trace(shipper, msg_id, TraceContext::root(msg_id), None)
    }

    /// A context for an incoming request with these `traceparent` and `tracestate`
    /// header values (every occurrence): its span joins the caller's trace when the
    /// `traceparent` is valid, else starts a new one (see [`TraceContext::from_headers`]).
    pub fn from_trace_headers<'a>(
        shipper: Shipper,
        traceparent: impl IntoIterator<Item = &'a [u8]>,
        tracestate: impl IntoIterator<Item = &'a [u8]>,
    ) -> RequestContext {
        let msg_id = Uuid::new_v4();
        let trace = TraceContext::from_headers(traceparent, tracestate, msg_id);
        RequestContext::with_trace(shipper, msg_id, trace, None)
    }

    /// A context for an incoming request whose span is the child of `parent` (a span
    /// the app started, rather than a `traceparent` header); `None` when `parent` has an
    /// all-zero id (see [`TraceContext::child_of`]).
    pub fn from_parent(shipper: Shipper, parent: &SpanParent<'_>) -> Option<RequestContext> {
        let msg_id = Uuid::new_v4();
        let trace = TraceContext::child_of(parent, msg_id)?;
        Some(RequestContext::with_trace(shipper, msg_id, trace, None))
    }

    pub(super) fn with_trace(
        shipper: Shipper,
        msg_id: Uuid,
        trace: TraceContext,
        route: Option<Arc<RouteRule>>,
    ) -> RequestContext {
        let config = shipper.config();
        let capture = match &route {
            Some(r) => BodyCapture::new(r.max_body_bytes, r.capture_request_body),
            None => BodyCapture::new(config.max_body_bytes(), config.capture_request_body()),
        };
        let coin = config.traffic().coin();
        RequestContext {
            inner: Arc::new(Inner {
                msg_id,
                trace,
                coin,
                annotations: Mutex::new(Annotations::default()),
                no_bodies: AtomicBool::new(false),
                route,
                shipper,
                errors: Mutex::new(Errors::default()),
                request_body: Mutex::new(capture),
            }),
        }
    }

    /// The `msg_id` of the record being built (the `parent_id` of outgoing calls).
    pub fn msg_id(&self) -> Uuid {
        self.inner.msg_id
    }

    /// The trace context of the request's span (the parent of outgoing calls' spans).
    pub fn trace(&self) -> &TraceContext {
        &self.inner.trace
    }

    /// Whether this request's body is copied: the per-route setting of its route
    /// ([`ConfigBuilder::route`](crate::ConfigBuilder::route)) or the global one. An
    /// adapter that must set up a copy of the body can skip it when this is false.
    pub fn captures_request_body(&self) -> bool {
        match &self.inner.route {
            Some(r) => r.capture_request_body,
            None => self.inner.shipper.config().capture_request_body(),
        }
    }

    /// The capture of this request's response body, per its route or the global settings.
    pub(crate) fn response_capture(&self) -> BodyCapture {
        match &self.inner.route {
            Some(r) => BodyCapture::new(r.max_body_bytes, r.capture_response_body),
            None => {
                let config = self.inner.shipper.config();
                BodyCapture::new(config.max_body_bytes(), config.capture_response_body())
            }
        }
    }

    /// The redaction rules (when it adds body paths) and the body cap of this request's
    /// route; `None` without a per-route entry.
    pub(crate) fn route_settings(
        &self,
    ) -> Option<(Option<Arc<crate::redact::RedactionRules>>, usize)> {
        let route = self.inner.route.as_ref()?;
        Some((route.redaction.clone(), route.max_body_bytes))
    }

    /// The sampling coin drawn for this request (docs/PROTOCOL.md §6).
    pub(crate) fn coin(&self) -> bool {
        self.inner.coin
    }

    /// The shipper the record will be sent to.
    pub fn shipper(&self) -> &Shipper {
        &self.inner.shipper
    }

    /// Attaches an error to this request's record (type names, messages, root cause).
    pub fn report_error<E: Error + ?Sized>(&self, err: &E) {
        self.report_entry(ErrorEntry::from_error(err));
    }

    /// Attaches a ready-made error entry to this request's record. Its texts are cut to
    /// their limits ([`MAX_ERROR_MESSAGE_BYTES`](crate::record::MAX_ERROR_MESSAGE_BYTES)
    /// and the others of [`record`](crate::record)); past [`MAX_ERRORS_PER_RECORD`] entries
    /// the report is only counted, and the record ends with one entry saying how many
    /// were left out, so a handler that reports in a loop cannot grow memory.
    pub fn report_entry(&self, entry: ErrorEntry) {
        let mut errors = lock(&self.inner.errors);
        if errors.kept.len() < MAX_ERRORS_PER_RECORD {
            errors.kept.push(entry.bounded());
        } else {
            errors.dropped += 1;
        }
    }

    /// Copies a chunk of the request body as the handler reads it.
    #[inline]
    pub fn capture_request_chunk(&self, chunk: &[u8]) {
        if !self.bodies_off() {
            lock(&self.inner.request_body).push(chunk);
        }
    }

    /// Adds a tag to this request's record (after the configured tags). At most
    /// [`MAX_REQUEST_TAGS`](crate::integration::MAX_REQUEST_TAGS), each cut to
    /// [`MAX_ANNOTATION_BYTES`](crate::integration::MAX_ANNOTATION_BYTES).
    pub fn add_tag(&self, tag: &str) {
        lock(&self.inner.annotations).add_tag(tag);
    }

    /// Sets an attribute of this request's record (`attributes`, and a span attribute of
    /// that name). Keys starting with `http.`, `net.` or `apitoolkit.` are the record's
    /// own and are refused (logged once), as are attributes past
    /// [`MAX_REQUEST_ATTRIBUTES`](crate::integration::MAX_REQUEST_ATTRIBUTES); keys and
    /// values are cut to [`MAX_ANNOTATION_BYTES`](crate::integration::MAX_ANNOTATION_BYTES).
    pub fn set_attribute(&self, key: &str, value: &str) {
        if !lock(&self.inner.annotations).set_attribute(key, value) {
            warn_once_refused();
        }
    }

    /// Identifies the user or customer the request was made for: the `user.id`
    /// attribute. Pass an opaque id, not an e-mail address or a name.
    pub fn identify_user(&self, id: &str) {
        self.set_attribute("user.id", id);
    }

    /// Leaves this request out: no record is built or sent (counted in
    /// [`ShipperStats::skipped`](crate::ShipperStats::skipped)).
    pub fn skip(&self) {
        lock(&self.inner.annotations).skip = true;
    }

    /// Stops copying this request's bodies: what was copied is dropped, and the record
    /// ships both bodies as `""`, as with `capture_*_body(false)`.
    pub fn disable_body_capture(&self) {
        self.inner.no_bodies.store(true, Ordering::Relaxed);
        lock(&self.inner.request_body).take();
    }

    /// Whether a handler turned body capture off.
    #[inline]
    pub(crate) fn bodies_off(&self) -> bool {
        self.inner.no_bodies.load(Ordering::Relaxed)
    }

    /// Takes the annotations (called once, when the record is finished).
    pub(crate) fn take_annotations(&self) -> Annotations {
        std::mem::take(&mut *lock(&self.inner.annotations))
    }

    /// Takes the errors reported so far (called once, when the record is finished).
    pub fn take_errors(&self) -> Vec<ErrorEntry> {
        let Errors { mut kept, dropped } = std::mem::take(&mut *lock(&self.inner.errors));
        if dropped > 0 {
            kept.push(ErrorEntry::dropped(dropped));
        }
        kept
    }

    /// Takes the request body captured so far (called once, when the record is finished).
    pub fn take_request_body(&self) -> CapturedBody {
        lock(&self.inner.request_body).take()
    }
}

/// A request body teed into the context: chunks are copied as the handler reads them
/// (up to the cap). The end and errors of the body are the handler's business: the
/// record is finished by the response, not by the request body.
impl<E> BodySink<E> for RequestContext {
    #[inline]
    fn data(&mut self, chunk: &[u8]) {
        self.capture_request_chunk(chunk);
    }

    #[inline]
    fn end(&mut self) {}

    #[inline]
    fn error(&mut self, _: &E) {}
}

/// The errors reported for one request: at most [`MAX_ERRORS_PER_RECORD`], and how many
/// more were reported.
#[derive(Default)]
struct Errors {
    kept: Vec<ErrorEntry>,
    dropped: usize,
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("msg_id", &self.inner.msg_id)
            .field("trace", &self.inner.trace)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Logs, once per process, that a handler's attribute was refused.
fn warn_once_refused() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "apitoolkit: an attribute was refused: its key is empty or the record's own \
             (http., net., apitoolkit.), or the request already has the most attributes \
             (this warning is shown once)"
        );
    }
}

/// Logs, once per process, that `what` was called outside a monitored request, and
/// does nothing else (docs/PROTOCOL.md §7).
pub fn warn_outside_request(what: &str) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "apitoolkit: {what} called outside a request monitored by the APItoolkit \
             middleware; ignored (this warning is shown once)"
        );
    }
}
