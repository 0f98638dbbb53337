//! Request: the objects an adapter holds while one request is served, which gather the
//! [`Exchange`](crate::Exchange) and hand it to the [`Shipper`](crate::Shipper) when the
//! response ends (the first step of the pipeline, and the only one that calls the
//! shipper from the request path).
//!
//! - [`context`]: [`RequestContext`](context::RequestContext), what handlers reach (the
//!   record's `msg_id`, the errors they report, the request body copied as they read it).
//! - [`inflight`]: [`InFlight`](inflight::InFlight), the exchange being served, finished
//!   and enqueued exactly once: when the response body ends or when it is dropped. It
//!   serves outgoing calls too ([`InFlight::outgoing`](inflight::InFlight::outgoing)):
//!   no context, a cancelled call recorded as such.
//! - `panic_guard.rs`: [`InFlight::guard`](inflight::InFlight::guard), the one
//!   `catch_unwind` around code the adapters do not own (inner services and futures):
//!   record, finish, resume; and [`GuardedFuture`], a response future polled under it.
//! - `otel.rs` (feature `opentelemetry`): `RequestContext::join_current_otel`, the
//!   context of a request joined with the app's OpenTelemetry context.

pub(crate) mod annotations;
pub(crate) mod context;
pub(crate) mod inflight;
#[cfg(feature = "opentelemetry")]
mod otel;
mod panic_guard;
pub(crate) mod scope;

pub use panic_guard::GuardedFuture;
