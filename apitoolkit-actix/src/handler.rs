//! The handler API: [`Observer`] (an extractor), [`report_error`] and
//! [`observe_request`].

use std::convert::Infallible;
use std::error::Error;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
#[cfg(feature = "client")]
use apitoolkit_client::ClientWithMiddleware;
use apitoolkit_core::integration::warn_outside_request;
use apitoolkit_core::integration::RequestContext;
use uuid::Uuid;

/// Gives a handler access to the record of the request it serves.
///
/// Extracting it never fails: outside [`APIToolkit`](crate::APIToolkit) its methods log
/// once and do nothing.
///
/// ```
/// use apitoolkit_actix::Observer;
///
/// async fn handler(observer: Observer) -> &'static str {
///     if let Err(err) = "x".parse::<u32>() {
///         observer.report_error(&err);
///     }
///     "ok"
/// }
/// # let _ = actix_web::App::new().route("/", actix_web::web::get().to(handler));
/// ```
#[derive(Clone, Debug)]
pub struct Observer {
    ctx: Option<RequestContext>,
}

impl Observer {
    /// The observer of `req`.
    pub fn from_request(req: &HttpRequest) -> Observer {
        Observer {
            ctx: req.extensions().get::<RequestContext>().cloned(),
        }
    }

    /// Attaches `err` to this request's record (type, message, root cause found by
    /// walking `source()`).
    pub fn report_error<E: Error + ?Sized>(&self, err: &E) {
        match &self.ctx {
            Some(ctx) => ctx.report_error(err),
            None => warn_outside_request("report_error"),
        }
    }

    /// A reqwest client (a [`ClientWithMiddleware`], the type of `reqwest_middleware`)
    /// whose calls are recorded as outgoing records with `parent_id` = this request's
    /// `msg_id`; a call that fails without a response is recorded with status 503 and its
    /// error is also attached to this request's record. Make one per request (it is cheap:
    /// the connection pool is shared). Outside the middleware: a plain client (logged
    /// once). Needs the `client` feature (default).
    #[cfg(feature = "client")]
    pub fn observe_request(&self) -> ClientWithMiddleware {
        match &self.ctx {
            Some(ctx) => apitoolkit_client::observe_request(ctx),
            None => {
                warn_outside_request("observe_request");
                ClientWithMiddleware::from(apitoolkit_client::default_client().clone())
            }
        }
    }

    /// The record's `msg_id` (`None` outside the middleware).
    pub fn msg_id(&self) -> Option<Uuid> {
        self.ctx.as_ref().map(RequestContext::msg_id)
    }

    /// The request's context, for integrations.
    pub fn context(&self) -> Option<&RequestContext> {
        self.ctx.as_ref()
    }
}

impl FromRequest for Observer {
    type Error = Infallible;
    type Future = Ready<Result<Observer, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Observer::from_request(req)))
    }
}

/// Attaches `err` to the record of the request `req`. Outside the middleware: logs once,
/// no-op.
pub fn report_error<E: Error + ?Sized>(req: &HttpRequest, err: &E) {
    Observer::from_request(req).report_error(err);
}

/// A reqwest client whose calls, made while serving `req`, are recorded as outgoing
/// records linked to it (`parent_id`). Outside the middleware: a plain client (logged
/// once).
#[cfg(feature = "client")]
pub fn observe_request(req: &HttpRequest) -> ClientWithMiddleware {
    Observer::from_request(req).observe_request()
}
