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

    /// Adds a tag to this request's record, after the configured ones (docs/PROTOCOL.md
    /// §6, "From handlers"). Outside the SDK: logs once, no-op.
    pub fn add_tag(&self, tag: &str) {
        self.with("add_tag", |ctx| ctx.add_tag(tag));
    }

    /// Sets an attribute of this request's record (the record's `attributes` and a span
    /// attribute of that name; keys starting with `http.`, `net.` or `apitoolkit.` are
    /// refused). Outside the SDK: logs once, no-op.
    pub fn set_attribute(&self, key: &str, value: &str) {
        self.with("set_attribute", |ctx| ctx.set_attribute(key, value));
    }

    /// Identifies the user or customer this request was made for (the `user.id`
    /// attribute): an opaque id, not an e-mail address or a name.
    pub fn identify_user(&self, id: &str) {
        self.with("identify_user", |ctx| ctx.identify_user(id));
    }

    /// Leaves this request out: no record (counted in `ShipperStats::skipped`).
    pub fn skip(&self) {
        self.with("skip", RequestContext::skip);
    }

    /// Stops copying this request's bodies; the record ships both as `""`.
    pub fn disable_body_capture(&self) {
        self.with("disable_body_capture", RequestContext::disable_body_capture);
    }

    fn with(&self, what: &str, f: impl FnOnce(&RequestContext)) {
        match &self.ctx {
            Some(ctx) => f(ctx),
            None => warn_outside_request(what),
        }
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
