//! A guard that shuts the shipper down (flushing) when dropped.

use std::time::Duration;

use super::Shipper;

/// Shuts the [`Shipper`] down, flushing what is queued, when dropped (like
/// `tracing-appender`'s `WorkerGuard`).
///
/// Keep it alive for as long as records should be shipped, typically in a named binding in
/// `main`:
///
/// ```no_run
/// # fn main() -> Result<(), apitoolkit_core::StartError> {
/// let shipper = apitoolkit_core::Shipper::start(apitoolkit_core::Config::from_env()?)?;
/// let _guard = shipper.guard(); // NOT `let _ = shipper.guard();`
/// // ... run the server ...
/// # Ok(()) }
/// ```
///
/// Beware of `let _ = shipper.guard();`: `_` is not a binding, so the guard is dropped
/// on that very line and the shipper is shut down immediately; every later record is
/// dropped (counted as `dropped_shutdown`). Bind it to a name such as `_guard`.
#[must_use = "the shipper is shut down as soon as the guard is dropped"]
#[derive(Debug)]
pub struct ShipperGuard {
    shipper: Option<Shipper>,
    timeout: Duration,
}

impl ShipperGuard {
    /// Default time allowed to the final flush.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    pub(crate) fn new(shipper: Shipper) -> ShipperGuard {
        ShipperGuard {
            shipper: Some(shipper),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// A guard that does nothing when dropped: what the adapters hand out when the SDK is
    /// disabled, so that `main` keeps one code path (`let _guard = layer.guard();`).
    pub fn inactive() -> ShipperGuard {
        ShipperGuard {
            shipper: None,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Sets the time allowed to the final flush when the guard is dropped.
    pub fn with_timeout(mut self, timeout: Duration) -> ShipperGuard {
        self.timeout = timeout;
        self
    }

    /// The shipper this guard shuts down (`None` for an [`inactive`](Self::inactive) one).
    pub fn shipper(&self) -> Option<&Shipper> {
        self.shipper.as_ref()
    }
}

impl Drop for ShipperGuard {
    fn drop(&mut self) {
        if let Some(shipper) = &self.shipper {
            // A shutdown that already happened (or timed out) has nothing to add here.
            let _ = shipper.shutdown(self.timeout);
        }
    }
}
