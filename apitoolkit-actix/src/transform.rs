//! [`APIToolkit`]: the actix-web `Transform` that records every exchange.

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use apitoolkit_core::{Config, Shipper, ShipperGuard, StartError};

use crate::body::ResponseBody;
use crate::service::APIToolkitMiddleware;

/// Records every request/response exchange of the app it wraps and ships the records in
/// the background.
///
/// Build it once, before `HttpServer::new`: that starts the shipper thread. Clones share
/// it, so clone it into the app factory (which runs once per worker) and apply it with
/// `App::new().wrap(apitoolkit.clone())`. When the configuration says `disabled`, the
/// middleware passes requests straight through and records nothing.
#[derive(Clone, Debug)]
pub struct APIToolkit {
    shipper: Option<Shipper>,
}

impl APIToolkit {
    /// Starts a shipper for `config` and returns the middleware.
    pub fn new(config: Config) -> Result<APIToolkit, StartError> {
        if config.disabled() {
            return Ok(APIToolkit { shipper: None });
        }
        Ok(APIToolkit::with_shipper(Shipper::start(config)?))
    }

    /// Configuration from the `APITOOLKIT_*` environment variables.
    pub fn from_env() -> Result<APIToolkit, StartError> {
        APIToolkit::new(Config::from_env()?)
    }

    /// A middleware sending to an existing shipper (share one shipper between several
    /// apps or adapters).
    pub fn with_shipper(shipper: Shipper) -> APIToolkit {
        let shipper = (!shipper.config().disabled()).then_some(shipper);
        APIToolkit { shipper }
    }

    /// The shipper, for [`flush`](Shipper::flush), [`shutdown`](Shipper::shutdown) and
    /// [`stats`](Shipper::stats). `None` when the SDK is disabled.
    pub fn shipper(&self) -> Option<&Shipper> {
        self.shipper.as_ref()
    }

    /// A guard that flushes and shuts the shipper down when dropped (5 s by default, see
    /// [`ShipperGuard::with_timeout`]); it always exists, and does nothing when the SDK is
    /// disabled, so `main` needs no `if let`. Bind it to a name: `let _guard =
    /// layer.guard();`, never `let _ = ...` (that drops it at once).
    pub fn guard(&self) -> ShipperGuard {
        self.shipper
            .as_ref()
            .map_or_else(ShipperGuard::inactive, Shipper::guard)
    }
}

impl<S, B> Transform<S, ServiceRequest> for APIToolkit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<ResponseBody<B>>;
    type Error = actix_web::Error;
    type Transform = APIToolkitMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(APIToolkitMiddleware::new(service, self.shipper.clone())))
    }
}
