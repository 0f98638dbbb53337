//! [`APIToolkitLayer`]: the tower `Layer` that records every exchange.

use apitoolkit_core::{Config, Shipper, ShipperGuard, StartError};
use tower_layer::Layer;

use crate::service::APIToolkitService;

/// Records every request/response exchange of the services it wraps and ships the
/// records in the background.
///
/// Built once, it starts the shipper thread; clones share it. Apply it with
/// `Router::layer` so that the matched route template is known. When the configuration
/// says `disabled`, the layer passes requests straight through and records nothing.
#[derive(Clone, Debug)]
pub struct APIToolkitLayer {
    shipper: Option<Shipper>,
}

impl APIToolkitLayer {
    /// Starts a shipper for `config` and returns the layer.
    pub fn new(config: Config) -> Result<APIToolkitLayer, StartError> {
        if config.disabled() {
            return Ok(APIToolkitLayer { shipper: None });
        }
        Ok(APIToolkitLayer::with_shipper(Shipper::start(config)?))
    }

    /// Configuration from the `APITOOLKIT_*` environment variables.
    pub fn from_env() -> Result<APIToolkitLayer, StartError> {
        APIToolkitLayer::new(Config::from_env()?)
    }

    /// A layer sending to an existing shipper (share one shipper between several
    /// routers or adapters).
    pub fn with_shipper(shipper: Shipper) -> APIToolkitLayer {
        let shipper = (!shipper.config().disabled()).then_some(shipper);
        APIToolkitLayer { shipper }
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

impl<S> Layer<S> for APIToolkitLayer {
    type Service = APIToolkitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        APIToolkitService::new(inner, self.shipper.clone())
    }
}
