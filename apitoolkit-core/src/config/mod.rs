//! Configuration (docs/PROTOCOL.md §5): a builder in code, environment variables as the fallback,
//! code wins over env. Everything is validated once, in [`ConfigBuilder::build`].

mod builder;
mod certificates;
mod env;
mod export;
mod routes;
mod traffic;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use builder::ConfigBuilder;
pub(crate) use certificates::certificates;
pub use export::{
    BatchCallback, Export, OtlpCompression, OtlpProtocol, OtlpSettings, DEFAULT_OTLP_ENDPOINT,
};
pub use routes::RouteSettings;

use crate::capture::policy::{RouteRule, RouteRules, TrafficPolicy};
pub use crate::capture::policy::{HEALTH_CHECK_PATHS, HEALTH_CHECK_USER_AGENTS};
use crate::redact::RedactionRules;

/// Default per-body capture cap: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Default byte budget of the on-disk spool (`APITOOLKIT_SPOOL_MAX_BYTES`): 256 MiB.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Default number of OTLP export requests in flight at once
/// (`APITOOLKIT_MAX_CONCURRENT_EXPORTS`): 4, chosen by measurement (benches/README.md,
/// "Delivery").
pub const DEFAULT_MAX_CONCURRENT_EXPORTS: usize = 4;

/// The validated SDK configuration. Cheap to clone (one `Arc`).
///
/// ```
/// use apitoolkit_core::Config;
///
/// let config = Config::builder()
///     .service_version("v2.0")
///     .tags(["env:prod"])
///     .redact_request_body(["$.password", "$..card.number"])
///     .build()
///     .expect("valid configuration");
/// assert_eq!(config.tags(), ["env:prod"]);
/// ```
#[derive(Clone)]
pub struct Config {
    inner: Arc<Inner>,
}

struct Inner {
    api_key: Option<String>,
    project_id: String,
    debug: bool,
    tags: Vec<String>,
    service_version: Option<String>,
    service_name: String,
    redaction: Arc<RedactionRules>,
    capture_request_body: bool,
    capture_response_body: bool,
    max_body_bytes: usize,
    disabled: bool,
    traffic: TrafficPolicy,
    routes: RouteRules,
    export: Export,
    shipper: ShipperSettings,
}

/// Tuning of the background shipper (docs/PROTOCOL.md §8). Defaults follow OpenTelemetry's batch
/// processor: 512 records or 5 s per batch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipperSettings {
    /// Most records waiting in the queue; more are dropped and counted.
    pub queue_max_items: usize,
    /// Most approximate bytes waiting in the queue; more are dropped and counted.
    pub queue_max_bytes: usize,
    /// A batch is exported when it holds this many records...
    pub batch_max_records: usize,
    /// ...or this many approximate bytes...
    pub batch_max_bytes: usize,
    /// ...or when this much time passed since its first record.
    pub batch_interval: Duration,
    /// Time allowed for one export attempt.
    pub export_timeout: Duration,
    /// Attempts per batch (first try included) before it is counted lost.
    pub max_attempts: u32,
    /// First retry delay; doubled (with jitter) per attempt.
    pub initial_backoff: Duration,
    /// Upper bound of a retry delay (also caps `Retry-After`).
    pub max_backoff: Duration,
    /// Most OTLP export requests in flight at once, 1 to 64
    /// (`APITOOLKIT_MAX_CONCURRENT_EXPORTS`, [`ConfigBuilder::max_concurrent_exports`]):
    /// a distant collector is kept busy with several batches, and a batch waiting for
    /// its retry does not hold up the others. JSON Lines and the callback always write
    /// one batch at a time. Left at [`DEFAULT_MAX_CONCURRENT_EXPORTS`], the variable
    /// applies.
    pub max_concurrent_exports: usize,
    /// Directory of the on-disk spool for collector outages (`APITOOLKIT_SPOOL_DIR`,
    /// [`ConfigBuilder::spool_dir`]): batches that cannot be delivered while the queue is
    /// full are written there and sent later, oldest first, also after a restart.
    /// `None` (the default) keeps everything in memory. Left `None`, the variable applies.
    pub spool_dir: Option<PathBuf>,
    /// Most bytes the spool's files may hold (`APITOOLKIT_SPOOL_MAX_BYTES`,
    /// [`ConfigBuilder::spool_max_bytes`]); a batch that does not fit is dropped and
    /// counted. Left at [`DEFAULT_SPOOL_MAX_BYTES`], the variable applies.
    pub spool_max_bytes: u64,
}

impl Default for ShipperSettings {
    fn default() -> Self {
        ShipperSettings {
            queue_max_items: 8192,
            queue_max_bytes: 64 * 1024 * 1024,
            batch_max_records: 512,
            batch_max_bytes: 4 * 1024 * 1024,
            batch_interval: Duration::from_secs(5),
            export_timeout: Duration::from_secs(10),
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(30),
            max_concurrent_exports: DEFAULT_MAX_CONCURRENT_EXPORTS,
            spool_dir: None,
            spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
        }
    }
}

impl Config {
    /// A builder; unset values fall back to the environment, then to the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Configuration from the environment variables of docs/PROTOCOL.md §5 alone.
    pub fn from_env() -> Result<Config, crate::ConfigError> {
        ConfigBuilder::default().build()
    }

    /// The API key, if any. Never printed by `Debug`.
    pub fn api_key(&self) -> Option<&str> {
        self.inner.api_key.as_deref()
    }
    /// The project id put in `project_id` (`""` when unknown).
    pub fn project_id(&self) -> &str {
        &self.inner.project_id
    }
    /// Whether lifecycle events and each (redacted) payload are logged through `tracing`.
    pub fn debug(&self) -> bool {
        self.inner.debug
    }
    /// Tags put on every record.
    pub fn tags(&self) -> &[String] {
        &self.inner.tags
    }
    /// `service_version` of every record.
    pub fn service_version(&self) -> Option<&str> {
        self.inner.service_version.as_deref()
    }
    /// OTLP `service.name`.
    pub fn service_name(&self) -> &str {
        &self.inner.service_name
    }
    /// The global redaction rules.
    pub fn redaction(&self) -> &Arc<RedactionRules> {
        &self.inner.redaction
    }
    /// Whether request bodies are captured at all.
    pub fn capture_request_body(&self) -> bool {
        self.inner.capture_request_body
    }
    /// Whether response bodies are captured at all.
    pub fn capture_response_body(&self) -> bool {
        self.inner.capture_response_body
    }
    /// Per-body capture cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }
    /// When true, adapters pass requests straight through and record nothing.
    pub fn disabled(&self) -> bool {
        self.inner.disabled
    }
    /// The traffic policy: exclusions and sampling (docs/PROTOCOL.md §6).
    pub(crate) fn traffic(&self) -> &TrafficPolicy {
        &self.inner.traffic
    }
    /// Whether a request with this method, path (no query) and `user-agent` is left out
    /// entirely (`APITOOLKIT_EXCLUDE`, `APITOOLKIT_EXCLUDE_USER_AGENTS`, the health-check
    /// preset): adapters pass it straight through, with no body copy and no record.
    pub fn excludes(&self, method: &str, path: &str, user_agent: Option<&[u8]>) -> bool {
        self.inner.traffic.excludes(method, path, user_agent)
    }
    /// The per-route entry a request with this method and path (no query) is captured
    /// with ([`ConfigBuilder::route`]); `None`: the global settings.
    #[inline]
    pub(crate) fn route_for(&self, method: &str, path: &str) -> Option<&Arc<RouteRule>> {
        self.inner.routes.find(method, path)
    }
    /// Where records go.
    pub fn export(&self) -> &Export {
        &self.inner.export
    }
    /// Shipper tuning.
    pub fn shipper(&self) -> &ShipperSettings {
        &self.inner.shipper
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Config")
            .field("api_key", &i.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("project_id", &i.project_id)
            .field("debug", &i.debug)
            .field("tags", &i.tags)
            .field("service_version", &i.service_version)
            .field("service_name", &i.service_name)
            .field("redaction", &i.redaction)
            .field("capture_request_body", &i.capture_request_body)
            .field("capture_response_body", &i.capture_response_body)
            .field("max_body_bytes", &i.max_body_bytes)
            .field("disabled", &i.disabled)
            .field("traffic", &i.traffic)
            .field("routes", &i.routes)
            .field("export", &i.export)
            .field("shipper", &i.shipper)
            .finish()
    }
}
