//! The handler API: [`Observer`] (an extractor) and [`report_error`].

use std::convert::Infallible;
use std::error::Error;

use apitoolkit_core::integration::warn_outside_request;
use apitoolkit_core::integration::RequestContext;
use axum::extract::FromRequestParts;
use http::request::Parts;
use http::Extensions;
use uuid::Uuid;

/// Gives a handler access to the record of the request it serves.
///
/// Extracting it never fails: outside [`APIToolkitLayer`](crate::APIToolkitLayer) its
/// methods log once and do nothing.
///
/// ```
/// use apitoolkit_axum::Observer;
///
/// async fn handler(observer: Observer) -> &'static str {
///     if let Err(err) = "x".parse::<u32>() {
///         observer.report_error(&err);
///     }
///     "ok"
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(handler));
/// ```
#[derive(Clone, Debug)]
pub struct Observer {
    ctx: Option<RequestContext>,
}

impl Observer {
    /// The observer of the request whose extensions these are.
    pub fn from_extensions(extensions: &Extensions) -> Observer {
        Observer {
            ctx: extensions.get::<RequestContext>().cloned(),
        }
    }

    /// Attaches `err` to this request's record (type, message, root cause).
    pub fn report_error<E: Error + ?Sized>(&self, err: &E) {
        match &self.ctx {
            Some(ctx) => ctx.report_error(err),
            None => warn_outside_request("report_error"),
        }
    }

    /// The record's `msg_id` (`None` outside the layer).
    pub fn msg_id(&self) -> Option<Uuid> {
        self.ctx.as_ref().map(RequestContext::msg_id)
    }

    /// The request's context, for integrations (e.g. outgoing-call clients).
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

    /// A reqwest client whose calls are recorded as outgoing records linked to this
    /// request (`parent_id` = its `msg_id`); a call that fails without a response is
    /// also reported on this request. Shares one process-wide connection pool, so make
    /// one per request. See [`apitoolkit_client`] for route templates and per-call
    /// redaction. Outside the layer: logs once and returns a client that records nothing.
    ///
    /// ```
    /// use apitoolkit_axum::Observer;
    ///
    /// async fn handler(observer: Observer) -> String {
    ///     match observer.observe_request().get("http://127.0.0.1:9/todos/1").send().await {
    ///         Ok(res) => res.status().to_string(),
    ///         Err(err) => err.to_string(), // also recorded on this request
    ///     }
    /// }
    /// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(handler));
    /// ```
    #[cfg(feature = "client")]
    pub fn observe_request(&self) -> apitoolkit_client::ClientWithMiddleware {
        match &self.ctx {
            Some(ctx) => apitoolkit_client::observe_request(ctx),
            None => {
                warn_outside_request("observe_request");
                apitoolkit_client::ClientWithMiddleware::from(
                    apitoolkit_client::default_client().clone(),
                )
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Observer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Observer::from_extensions(&parts.extensions))
    }
}

/// Attaches `err` to the record of the request owning `extensions`
/// (`request.extensions()` or `parts.extensions`). Outside the layer: logs once, no-op.
pub fn report_error<E: Error + ?Sized>(extensions: &Extensions, err: &E) {
    Observer::from_extensions(extensions).report_error(err);
}

/// A reqwest client whose calls are recorded as outgoing records linked to the request
/// owning `extensions` (as [`Observer::observe_request`]; the same free function as
/// `apitoolkit_actix::observe_request(&req)`). Outside the layer: logs once and returns a
/// client that records nothing.
#[cfg(feature = "client")]
pub fn observe_request(extensions: &Extensions) -> apitoolkit_client::ClientWithMiddleware {
    Observer::from_extensions(extensions).observe_request()
}
