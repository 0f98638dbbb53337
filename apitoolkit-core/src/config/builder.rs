//! [`ConfigBuilder`]: typed setters, environment fallback, validation at `build()`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::env::{
    concurrency_setting, invalid, lookup, otlp_certificate, otlp_settings, parse_bool,
    parse_export, parse_list, parse_usize, spool_settings,
};
use super::export::{Export, OtlpCompression, OtlpProtocol};
use super::routes::{self, Globals, RouteSettings};
use super::traffic::TrafficSettings;
use super::{Config, Inner, ShipperSettings, DEFAULT_MAX_BODY_BYTES};
use crate::model::RequestMessage;
use crate::redact::shown_endpoint;
use crate::redact::RedactionRules;
use crate::ConfigError;

/// Builds a [`Config`]. Every setter wins over its environment variable; anything not set
/// falls back to the variable of docs/PROTOCOL.md §5, then to the default.
#[derive(Default, Clone)]
#[must_use]
pub struct ConfigBuilder {
    api_key: Option<String>,
    project_id: Option<String>,
    debug: Option<bool>,
    tags: Option<Vec<String>>,
    service_version: Option<String>,
    service_name: Option<String>,
    redact_headers: Option<Vec<String>>,
    default_redacted_headers: Option<bool>,
    default_redacted_query_params: Option<bool>,
    redact_request_body: Option<Vec<String>>,
    redact_response_body: Option<Vec<String>>,
    redact_query_params: Option<Vec<String>>,
    redact_credentials: Option<bool>,
    capture_request_body: Option<bool>,
    capture_response_body: Option<bool>,
    max_body_bytes: Option<usize>,
    disabled: Option<bool>,
    traffic: TrafficSettings,
    routes: Option<Vec<(String, RouteSettings)>>,
    export: Option<Export>,
    otlp_endpoint: Option<String>,
    otlp_protocol: Option<OtlpProtocol>,
    otlp_compression: Option<OtlpCompression>,
    otlp_certificate: Option<Vec<u8>>,
    shipper: Option<ShipperSettings>,
    spool_dir: Option<PathBuf>,
    spool_max_bytes: Option<u64>,
    max_concurrent_exports: Option<usize>,
}

/// Shows which settings are given, never the API key (`Some("[REDACTED]")`), the
/// certificate (`"(PEM)"`) or the userinfo, query and fragment of the OTLP endpoint.
impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("project_id", &self.project_id)
            .field("debug", &self.debug)
            .field("tags", &self.tags)
            .field("service_version", &self.service_version)
            .field("service_name", &self.service_name)
            .field("redact_headers", &self.redact_headers)
            .field("default_redacted_headers", &self.default_redacted_headers)
            .field(
                "default_redacted_query_params",
                &self.default_redacted_query_params,
            )
            .field("redact_request_body", &self.redact_request_body)
            .field("redact_response_body", &self.redact_response_body)
            .field("redact_query_params", &self.redact_query_params)
            .field("redact_credentials", &self.redact_credentials)
            .field("capture_request_body", &self.capture_request_body)
            .field("capture_response_body", &self.capture_response_body)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("disabled", &self.disabled)
            .field("traffic", &self.traffic)
            .field("routes", &self.routes)
            .field("export", &self.export)
            .field(
                "otlp_endpoint",
                &self.otlp_endpoint.as_deref().map(shown_endpoint),
            )
            .field("otlp_protocol", &self.otlp_protocol)
            .field("otlp_compression", &self.otlp_compression)
            .field(
                "otlp_certificate",
                &self.otlp_certificate.as_ref().map(|_| "(PEM)"),
            )
            .field("shipper", &self.shipper)
            .field("spool_dir", &self.spool_dir)
            .field("spool_max_bytes", &self.spool_max_bytes)
            .field("max_concurrent_exports", &self.max_concurrent_exports)
            .finish()
    }
}

impl ConfigBuilder {
    /// The APItoolkit API key (`APITOOLKIT_KEY`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// The project id written in each record's `project_id`.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }
    /// Log lifecycle events and each redacted payload through `tracing` (`APITOOLKIT_DEBUG`).
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = Some(on);
        self
    }
    /// Tags for every record (`APITOOLKIT_TAGS`).
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }
    /// `service_version` (`APITOOLKIT_SERVICE_VERSION`).
    pub fn service_version(mut self, v: impl Into<String>) -> Self {
        self.service_version = Some(v.into());
        self
    }
    /// OTLP `service.name` (`APITOOLKIT_SERVICE_NAME`; default: the binary's name).
    pub fn service_name(mut self, v: impl Into<String>) -> Self {
        self.service_name = Some(v.into());
        self
    }
    /// Extra header names to redact (`APITOOLKIT_REDACT_HEADERS`), added to the defaults.
    pub fn redact_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_headers = Some(names.into_iter().map(Into::into).collect());
        self
    }
    /// `false` opts out of the default header list (`authorization`, `cookie`, ...).
    pub fn default_redacted_headers(mut self, keep: bool) -> Self {
        self.default_redacted_headers = Some(keep);
        self
    }
    /// `false` opts out of the default query parameter list (`access_token`, `code`,
    /// `X-Amz-Signature`, ...: [`DEFAULT_REDACTED_QUERY_PARAMS`]); the names given to
    /// [`redact_query_params`](Self::redact_query_params) are masked either way.
    ///
    /// [`DEFAULT_REDACTED_QUERY_PARAMS`]: crate::redact::DEFAULT_REDACTED_QUERY_PARAMS
    pub fn default_redacted_query_params(mut self, keep: bool) -> Self {
        self.default_redacted_query_params = Some(keep);
        self
    }
    /// JSONPaths redacted in request bodies (`APITOOLKIT_REDACT_REQ_BODY`).
    pub fn redact_request_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_request_body = Some(paths.into_iter().map(Into::into).collect());
        self
    }
    /// JSONPaths redacted in response bodies (`APITOOLKIT_REDACT_RES_BODY`).
    pub fn redact_response_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_response_body = Some(paths.into_iter().map(Into::into).collect());
        self
    }
    /// Extra query parameter names to mask (`APITOOLKIT_REDACT_QUERY_PARAMS`).
    pub fn redact_query_params<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_query_params = Some(names.into_iter().map(Into::into).collect());
        self
    }
    /// Mask credentials found by their shape (JWTs, AWS, GitHub, GitLab, Stripe, Slack and
    /// Google keys, PEM private keys, `Bearer`/`Basic` in any header; docs/PROTOCOL.md §4)
    /// wherever they appear in what is shipped (`APITOOLKIT_REDACT_CREDENTIALS`, default
    /// `true`).
    pub fn redact_credentials(mut self, on: bool) -> Self {
        self.redact_credentials = Some(on);
        self
    }
    /// Capture request bodies at all (`APITOOLKIT_CAPTURE_REQUEST_BODY`).
    pub fn capture_request_body(mut self, on: bool) -> Self {
        self.capture_request_body = Some(on);
        self
    }
    /// Capture response bodies at all (`APITOOLKIT_CAPTURE_RESPONSE_BODY`).
    pub fn capture_response_body(mut self, on: bool) -> Self {
        self.capture_response_body = Some(on);
        self
    }
    /// Per-body capture cap (`APITOOLKIT_MAX_BODY_BYTES`).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }
    /// Turn the SDK off entirely (`APITOOLKIT_DISABLED`).
    pub fn disabled(mut self, off: bool) -> Self {
        self.disabled = Some(off);
        self
    }
    /// Requests left out entirely (`APITOOLKIT_EXCLUDE`): route templates
    /// (`/hello/{name}`) and path globs (`/users/*` one segment, `/internal/**` any
    /// number), optionally after a method (`GET /health`). Replaces the variable.
    pub fn exclude<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.traffic.exclude = Some(patterns.into_iter().map(Into::into).collect());
        self
    }
    /// Requests whose `user-agent` contains one of these (case-insensitive) are left out
    /// (`APITOOLKIT_EXCLUDE_USER_AGENTS`).
    pub fn exclude_user_agents<I, S>(mut self, agents: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.traffic.exclude_user_agents = Some(agents.into_iter().map(Into::into).collect());
        self
    }
    /// Leaves out health checks (`APITOOLKIT_EXCLUDE_HEALTH_CHECKS`): the paths of
    /// [`HEALTH_CHECK_PATHS`](crate::config::HEALTH_CHECK_PATHS) and the probes of
    /// [`HEALTH_CHECK_USER_AGENTS`](crate::config::HEALTH_CHECK_USER_AGENTS). Off by default.
    pub fn exclude_health_checks(mut self, on: bool) -> Self {
        self.traffic.exclude_health_checks = Some(on);
        self
    }
    /// Fraction of the successful exchanges recorded, 0.0 to 1.0
    /// (`APITOOLKIT_SAMPLE_RATE`, default 1.0); failures and slow exchanges are always
    /// recorded.
    pub fn sample_rate(mut self, rate: f64) -> Self {
        self.traffic.sample_rate = Some(rate);
        self
    }
    /// Statuses at or above this one are always recorded, 400 to 599
    /// (`APITOOLKIT_SAMPLE_KEEP_STATUS`, default 500).
    pub fn sample_keep_status(mut self, status: u16) -> Self {
        self.traffic.sample_keep_status = Some(status);
        self
    }
    /// Exchanges at least this slow are always recorded (`APITOOLKIT_SLOW_MS`).
    pub fn slow_threshold(mut self, threshold: Duration) -> Self {
        self.traffic.slow_threshold = Some(threshold);
        self
    }
    /// Seeds the sampler's coins, for reproducible tests (random by default).
    pub fn sample_seed(mut self, seed: u64) -> Self {
        self.traffic.sample_seed = Some(seed);
        self
    }
    /// Where records go (`APITOOLKIT_EXPORT`).
    pub fn export(mut self, export: Export) -> Self {
        self.export = Some(export);
        self
    }
    /// Hand each batch to a closure instead of exporting it (the in-process test hook).
    pub fn on_batch<F>(self, f: F) -> Self
    where
        F: Fn(&[RequestMessage]) + Send + Sync + 'static,
    {
        self.export(Export::Callback(Arc::new(f)))
    }
    /// OTLP collector endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn otlp_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp_endpoint = Some(endpoint.into());
        self
    }
    /// OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`: `grpc` or `http/protobuf`).
    pub fn otlp_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.otlp_protocol = Some(protocol);
        self
    }
    /// OTLP request compression (`OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip`, the default,
    /// or `none` for a collector on the same host).
    pub fn otlp_compression(mut self, compression: OtlpCompression) -> Self {
        self.otlp_compression = Some(compression);
        self
    }
    /// PEM certificate(s) of the CA(s) to trust for an `https` OTLP endpoint, instead of
    /// the bundled public roots (`OTEL_EXPORTER_OTLP_CERTIFICATE`, a path to a PEM file):
    /// for a collector behind a private CA.
    pub fn otlp_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.otlp_certificate = Some(pem.into());
        self
    }
    /// Shipper tuning (queue, batches, retries).
    pub fn shipper(mut self, settings: ShipperSettings) -> Self {
        self.shipper = Some(settings);
        self
    }
    /// Directory of the on-disk spool for collector outages (`APITOOLKIT_SPOOL_DIR`;
    /// created `0700` if missing); wins over [`ShipperSettings::spool_dir`].
    pub fn spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }
    /// Byte budget of the spool (`APITOOLKIT_SPOOL_MAX_BYTES`, default 256 MiB); wins over
    /// [`ShipperSettings::spool_max_bytes`].
    pub fn spool_max_bytes(mut self, bytes: u64) -> Self {
        self.spool_max_bytes = Some(bytes);
        self
    }

    /// Settings for the requests matching `pattern` (`[METHOD ]/path`, with `{name}` or
    /// `*` for one segment and `**` for any number, as for [`exclude`](Self::exclude)):
    /// body capture, the body cap, extra redaction paths. Entries are tried in the order
    /// added and the first match wins. Given in code, they replace `APITOOLKIT_ROUTES`
    /// and `APITOOLKIT_NO_BODY_ROUTES`. See [`RouteSettings`].
    pub fn route(mut self, pattern: impl Into<String>, settings: RouteSettings) -> Self {
        self.routes
            .get_or_insert_with(Vec::new)
            .push((pattern.into(), settings));
        self
    }

    /// Most OTLP export requests in flight at once, 1 to 64
    /// (`APITOOLKIT_MAX_CONCURRENT_EXPORTS`, default 4); wins over
    /// [`ShipperSettings::max_concurrent_exports`].
    pub fn max_concurrent_exports(mut self, n: usize) -> Self {
        self.max_concurrent_exports = Some(n);
        self
    }

    /// Validates everything, compiling every redaction path, with the process environment
    /// as the fallback.
    pub fn build(self) -> Result<Config, ConfigError> {
        self.build_with_env(|name| std::env::var(name).ok())
    }

    /// As [`build`](Self::build), reading variables through `env` instead of the process
    /// environment (for tests and for hosts that keep settings elsewhere).
    pub fn build_with_env<E>(self, env: E) -> Result<Config, ConfigError>
    where
        E: Fn(&str) -> Option<String>,
    {
        let env: &dyn Fn(&str) -> Option<String> = &env;
        let bool_var = |set: Option<bool>, name: &str, default: bool| match set {
            Some(v) => Ok(v),
            None => lookup(env, name).map_or(Ok(default), |v| parse_bool(name, &v)),
        };
        let list_var = |set: Option<Vec<String>>, name: &str, comma_ok: bool| match set {
            Some(v) => Ok(v),
            None => lookup(env, name).map_or(Ok(Vec::new()), |v| parse_list(name, &v, comma_ok)),
        };

        let api_key = self.api_key.or_else(|| lookup(env, "APITOOLKIT_KEY"));
        let debug = bool_var(self.debug, "APITOOLKIT_DEBUG", false)?;
        let tags = list_var(self.tags, "APITOOLKIT_TAGS", true)?;
        let service_version = self
            .service_version
            .or_else(|| lookup(env, "APITOOLKIT_SERVICE_VERSION"));
        let service_name = self
            .service_name
            .or_else(|| lookup(env, "APITOOLKIT_SERVICE_NAME"))
            .unwrap_or_else(binary_name);

        let redaction_builder = RedactionRules::builder()
            .default_headers(self.default_redacted_headers.unwrap_or(true))
            .default_query_params(self.default_redacted_query_params.unwrap_or(true))
            .headers(list_var(
                self.redact_headers,
                "APITOOLKIT_REDACT_HEADERS",
                true,
            )?)
            .query_params(list_var(
                self.redact_query_params,
                "APITOOLKIT_REDACT_QUERY_PARAMS",
                true,
            )?)
            .request_body(list_var(
                self.redact_request_body,
                "APITOOLKIT_REDACT_REQ_BODY",
                false,
            )?)
            .response_body(list_var(
                self.redact_response_body,
                "APITOOLKIT_REDACT_RES_BODY",
                false,
            )?)
            .redact_credentials(bool_var(
                self.redact_credentials,
                "APITOOLKIT_REDACT_CREDENTIALS",
                true,
            )?)
            .origins("APITOOLKIT_REDACT_REQ_BODY", "APITOOLKIT_REDACT_RES_BODY");
        let redaction = redaction_builder.clone().build()?;

        let capture_request_body = bool_var(
            self.capture_request_body,
            "APITOOLKIT_CAPTURE_REQUEST_BODY",
            true,
        )?;
        let capture_response_body = bool_var(
            self.capture_response_body,
            "APITOOLKIT_CAPTURE_RESPONSE_BODY",
            true,
        )?;
        let max_body_bytes = match self.max_body_bytes {
            Some(v) => v,
            None => lookup(env, "APITOOLKIT_MAX_BODY_BYTES")
                .map_or(Ok(DEFAULT_MAX_BODY_BYTES), |v| {
                    parse_usize("APITOOLKIT_MAX_BODY_BYTES", &v)
                })?,
        };
        let disabled = bool_var(self.disabled, "APITOOLKIT_DISABLED", false)?;
        let traffic = self.traffic.build(env)?;
        let routes = routes::compile(
            self.routes,
            env,
            &Globals {
                capture_request_body,
                capture_response_body,
                max_body_bytes,
                redaction: &redaction_builder,
            },
        )?;

        let mut otlp = otlp_settings(
            env,
            self.otlp_endpoint,
            self.otlp_protocol,
            self.otlp_compression,
        )?;
        otlp.certificate = otlp_certificate(env, self.otlp_certificate)?;
        let export = match self.export {
            Some(e) => e,
            None => match lookup(env, "APITOOLKIT_EXPORT") {
                Some(v) => parse_export(&v, otlp, api_key.is_some())?,
                None if api_key.is_some() => Export::Otlp(otlp),
                None => Export::Stdout,
            },
        };
        if matches!(export, Export::Otlp(_)) && api_key.is_none() {
            return Err(invalid(
                "APITOOLKIT_EXPORT",
                "otlp",
                "an API key (APITOOLKIT_KEY or .api_key()) for the otlp exporter",
            ));
        }
        let mut shipper = self.shipper.unwrap_or_default();
        spool_settings(env, &mut shipper, self.spool_dir, self.spool_max_bytes)?;
        concurrency_setting(env, &mut shipper, self.max_concurrent_exports)?;
        validate_shipper(&shipper)?;

        Ok(Config {
            inner: Arc::new(Inner {
                api_key,
                project_id: self.project_id.unwrap_or_default(),
                debug,
                tags,
                service_version,
                service_name,
                redaction: Arc::new(redaction),
                capture_request_body,
                capture_response_body,
                max_body_bytes,
                disabled,
                traffic,
                routes,
                export,
                shipper,
            }),
        })
    }
}

fn validate_shipper(s: &ShipperSettings) -> Result<(), ConfigError> {
    let checks = [
        ("queue_max_items", s.queue_max_items == 0),
        ("queue_max_bytes", s.queue_max_bytes == 0),
        ("batch_max_records", s.batch_max_records == 0),
        ("batch_max_bytes", s.batch_max_bytes == 0),
        ("batch_interval", s.batch_interval.is_zero()),
        ("export_timeout", s.export_timeout.is_zero()),
        ("max_attempts", s.max_attempts == 0),
    ];
    for (name, bad) in checks {
        if bad {
            return Err(invalid(
                &format!("ShipperSettings::{name}"),
                "0",
                "a value greater than zero",
            ));
        }
    }
    Ok(())
}

fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown_service:rust".to_owned())
}
