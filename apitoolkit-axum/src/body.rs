//! The bodies the layer hands on: core's [`TeeBody`], which forwards every frame unchanged
//! and shows it to the record (the one body tee of the SDK, `apitoolkit_core::capture::tee`).

use apitoolkit_core::integration::TeeBody;
use apitoolkit_core::integration::{InFlight, RequestContext};

/// The request body handed to the inner service: the original body, with a copy of
/// each chunk the handler reads kept for the record (up to the cap).
///
/// Its `Debug` names the inner body's type without printing it (a body type's own
/// `Debug` may print its bytes) and shows the request's context, never a captured byte.
pub type RequestBody<B> = TeeBody<B, RequestContext>;

/// The response body returned to the client: the original body, with a copy of each
/// chunk kept for the record. The record is finished when the body ends or is dropped;
/// a body error is recorded as `ResponseBodyError`.
///
/// Its `Debug` names the inner body's type without printing it (a body type's own
/// `Debug` may print its bytes) and shows the record as
/// [`InFlight`]'s `Debug` does: names, lengths and counts, never a captured value.
pub type ResponseBody<B> = TeeBody<B, InFlight>;

/// The response body of `inner`, teed into `inflight` when the request is recorded.
pub(crate) fn response_body<B>(inner: B, inflight: Option<InFlight>) -> ResponseBody<B> {
    match inflight {
        Some(inflight) => TeeBody::new(inner, inflight),
        None => TeeBody::passthrough(inner),
    }
}
