//! For adapter authors: the pieces `apitoolkit-axum`, `apitoolkit-actix` and
//! `apitoolkit-client` are built from. An application does not need this module; a
//! new adapter (another framework, another HTTP client) is glue around these.
//!
//! One request goes through them in this order (docs/PROTOCOL.md §6):
//!
//! 1. A [`RequestContext`] is created per request and put where handlers reach it
//!    (request extensions); it holds the record's `msg_id`, the errors handlers report
//!    and the copy of the request body as they read it.
//! 2. An [`Exchange`](crate::Exchange) is filled with what is known before the handler
//!    runs (method, target, headers, start time) and wrapped in an [`InFlight`] with the
//!    context, or with [`InFlight::outgoing`] for a call the application makes.
//! 3. Bodies stream through a [`TeeBody`] (any `http_body::Body`), which shows each
//!    frame to a [`BodySink`]: the context for the request body, the `InFlight` for the
//!    response body. Frameworks with their own body trait call the same per-chunk
//!    methods, walking buffers with [`for_each_slice`]; [`BodyCapture`] is the bounded
//!    copy both keep.
//! 4. Code the adapter does not own (the inner service, its future) runs under
//!    [`InFlight::guard`] or in a [`GuardedFuture`]: a panic there is recorded, the
//!    record finished, and the panic resumed unchanged.
//! 5. The `InFlight` enqueues the exchange exactly once, when the response body ends
//!    or when it is dropped. Redaction and encoding happen later, on the shipper's
//!    thread.
//!
//! Helpers handlers reach outside a request call [`warn_outside_request`]; errors an
//! outgoing call attaches to its parent request are scrubbed with the call's own rules
//! first ([`scrub_error`]).

pub use crate::capture::grpc::{is_grpc, route as grpc_route};
pub use crate::capture::tee::{for_each_slice, BodySink, TeeBody};
pub use crate::capture::BodyCapture;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub use crate::capture::OtelScope;
pub use crate::redact::errors::scrub_error;
pub use crate::request::annotations::{
    MAX_ANNOTATION_BYTES, MAX_REQUEST_ATTRIBUTES, MAX_REQUEST_TAGS,
};
pub use crate::request::context::{warn_outside_request, RequestContext};
pub use crate::request::inflight::InFlight;
pub use crate::request::scope::RequestScope;
pub use crate::request::GuardedFuture;
