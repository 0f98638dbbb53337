//! Parsing of environment values (and of list values given to the builder as text),
//! and the exporter settings read from them.

use std::path::PathBuf;

use super::export::{Export, OtlpCompression, OtlpProtocol, OtlpSettings, DEFAULT_OTLP_ENDPOINT};
use super::{ShipperSettings, DEFAULT_MAX_CONCURRENT_EXPORTS, DEFAULT_SPOOL_MAX_BYTES};
use crate::redact::shown_endpoint;
use crate::ConfigError;

/// Looks a variable up; blank values count as unset.
pub(super) fn lookup(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

pub(super) fn parse_bool(origin: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(origin, value, "true or false")),
    }
}

pub(super) fn parse_usize(origin: &str, value: &str) -> Result<usize, ConfigError> {
    value
        .trim()
        .parse::<usize>()
        .map_err(|_| invalid(origin, value, "a whole number of bytes"))
}

/// A JSON array of strings; when `comma_ok`, also a comma-separated list.
pub(super) fn parse_list(
    origin: &str,
    value: &str,
    comma_ok: bool,
) -> Result<Vec<String>, ConfigError> {
    let trimmed = value.trim();
    if trimmed.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(trimmed).map_err(|e| {
            ConfigError::MalformedList {
                origin: origin.to_owned(),
                value: value.to_owned(),
                reason: format!("not a JSON array of strings ({e})"),
            }
        });
    }
    if comma_ok {
        return Ok(trimmed
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect());
    }
    Err(ConfigError::MalformedList {
        origin: origin.to_owned(),
        value: value.to_owned(),
        reason: "expected a JSON array of strings, e.g. [\"$.password\"]".to_owned(),
    })
}

/// `OTEL_EXPORTER_OTLP_HEADERS`: `name=value` pairs separated by commas, values
/// percent-decoded (W3C baggage format, as the OpenTelemetry spec says).
pub(super) fn parse_otlp_headers(
    origin: &str,
    value: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, val)) = pair.split_once('=') else {
            // Never echo the value: it usually holds a credential.
            return Err(ConfigError::MalformedList {
                origin: origin.to_owned(),
                value: "(hidden)".to_owned(),
                reason: "expected name=value pairs separated by commas".to_owned(),
            });
        };
        let decoded = percent_encoding::percent_decode_str(val.trim())
            .decode_utf8_lossy()
            .into_owned();
        out.push((name.trim().to_ascii_lowercase(), decoded));
    }
    Ok(out)
}

pub(super) fn invalid(origin: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError::InvalidValue {
        origin: origin.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

pub(super) fn parse_export(
    value: &str,
    otlp: OtlpSettings,
    has_key: bool,
) -> Result<Export, ConfigError> {
    let v = value.trim();
    match v.to_ascii_lowercase().as_str() {
        "otlp" if has_key => Ok(Export::Otlp(otlp)),
        "otlp" => Err(invalid(
            "APITOOLKIT_EXPORT",
            value,
            "APITOOLKIT_KEY to be set for the otlp exporter",
        )),
        "stdout" => Ok(Export::Stdout),
        _ => match v.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(Export::File(PathBuf::from(path))),
            _ => Err(invalid(
                "APITOOLKIT_EXPORT",
                value,
                "`otlp`, `stdout` or `file:PATH`",
            )),
        },
    }
}

pub(super) fn otlp_settings(
    env: &dyn Fn(&str) -> Option<String>,
    endpoint: Option<String>,
    protocol: Option<OtlpProtocol>,
    compression: Option<OtlpCompression>,
) -> Result<OtlpSettings, ConfigError> {
    const PROTO: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
    let protocol = match protocol {
        Some(p) => p,
        None => match lookup(env, PROTO) {
            None => OtlpProtocol::Grpc,
            Some(v) => match v.trim() {
                "grpc" => OtlpProtocol::Grpc,
                "http/protobuf" => OtlpProtocol::HttpProtobuf,
                _ => return Err(invalid(PROTO, &v, "`grpc` or `http/protobuf`")),
            },
        },
    };
    let endpoint = endpoint
        .or_else(|| lookup(env, "OTEL_EXPORTER_OTLP_ENDPOINT"))
        .unwrap_or_else(|| match protocol {
            OtlpProtocol::Grpc => DEFAULT_OTLP_ENDPOINT.to_owned(),
            OtlpProtocol::HttpProtobuf => DEFAULT_OTLP_ENDPOINT.replace(":4317", ":4318"),
        });
    let parsed = endpoint.parse::<http::Uri>().ok();
    if !parsed.is_some_and(|u| u.scheme().is_some() && u.host().is_some()) {
        return Err(invalid(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            &shown_endpoint(&endpoint),
            "an absolute http:// or https:// URL",
        ));
    }
    let headers = match lookup(env, "OTEL_EXPORTER_OTLP_HEADERS") {
        Some(v) => parse_otlp_headers("OTEL_EXPORTER_OTLP_HEADERS", &v)?,
        None => Vec::new(),
    };
    const COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
    let compression = match compression {
        Some(c) => c,
        None => match lookup(env, COMPRESSION) {
            None => OtlpCompression::Gzip,
            Some(v) => match v.trim() {
                "gzip" => OtlpCompression::Gzip,
                "none" => OtlpCompression::None,
                _ => return Err(invalid(COMPRESSION, &v, "`gzip` or `none`")),
            },
        },
    };
    let mut s = OtlpSettings::new(endpoint, protocol);
    s.headers = headers;
    s.compression = compression;
    Ok(s)
}

/// The trusted CA certificates: set in code, or read from the file that
/// `OTEL_EXPORTER_OTLP_CERTIFICATE` names; either must hold at least one PEM certificate.
pub(super) fn otlp_certificate(
    env: &dyn Fn(&str) -> Option<String>,
    set: Option<Vec<u8>>,
) -> Result<Option<Vec<u8>>, ConfigError> {
    const VAR: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
    let (pem, origin, shown) = match set {
        Some(pem) => (
            pem,
            "ConfigBuilder::otlp_certificate",
            String::from("(PEM)"),
        ),
        None => match lookup(env, VAR) {
            None => return Ok(None),
            Some(path) => match std::fs::read(&path) {
                Ok(pem) => (pem, VAR, path),
                Err(e) => return Err(invalid(VAR, &path, &format!("a readable PEM file ({e})"))),
            },
        },
    };
    match super::certificates(&pem).map(|c| c.len()) {
        Ok(n) if n > 0 => Ok(Some(pem)),
        Ok(_) => Err(invalid(origin, &shown, "at least one PEM certificate")),
        Err(e) => Err(invalid(origin, &shown, &format!("PEM certificates ({e})"))),
    }
}

/// `APITOOLKIT_SPOOL_MAX_BYTES`: a whole number of bytes, optionally followed by a unit
/// (`B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`, any case, a space allowed); greater than zero.
pub(super) fn parse_byte_size(origin: &str, value: &str) -> Result<u64, ConfigError> {
    let v = value.trim();
    let digits = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(digits);
    let multiplier: Option<u64> = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => Some(1),
        "kb" => Some(1000),
        "kib" => Some(1 << 10),
        "mb" => Some(1000 * 1000),
        "mib" => Some(1 << 20),
        "gb" => Some(1000 * 1000 * 1000),
        "gib" => Some(1 << 30),
        _ => None,
    };
    number
        .parse::<u64>()
        .ok()
        .zip(multiplier)
        .and_then(|(n, m)| n.checked_mul(m))
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            invalid(
                origin,
                value,
                "a byte count greater than zero, e.g. 268435456, 64MiB or 1GB",
            )
        })
}

/// Fills the spool settings of `shipper`: a builder setter wins, then a value set in
/// `ShipperSettings` (a directory, a budget other than the default), then
/// `APITOOLKIT_SPOOL_DIR` / `APITOOLKIT_SPOOL_MAX_BYTES`. An empty directory or a zero
/// budget set in code is an error naming its setter; a blank variable counts as unset.
pub(super) fn spool_settings(
    env: &dyn Fn(&str) -> Option<String>,
    shipper: &mut ShipperSettings,
    dir: Option<PathBuf>,
    max_bytes: Option<u64>,
) -> Result<(), ConfigError> {
    const DIR: &str = "APITOOLKIT_SPOOL_DIR";
    const MAX: &str = "APITOOLKIT_SPOOL_MAX_BYTES";
    let empty = |origin: &str| invalid(origin, "", "a directory path");
    shipper.spool_dir = match (dir, shipper.spool_dir.take()) {
        (Some(d), _) if d.as_os_str().is_empty() => return Err(empty("ConfigBuilder::spool_dir")),
        (Some(d), _) => Some(d),
        (None, Some(d)) if d.as_os_str().is_empty() => {
            return Err(empty("ShipperSettings::spool_dir"))
        }
        (None, Some(d)) => Some(d),
        (None, None) => lookup(env, DIR).map(PathBuf::from),
    };
    let zero = |origin: &str| invalid(origin, "0", "a byte count greater than zero");
    shipper.spool_max_bytes = match max_bytes {
        Some(0) => return Err(zero("ConfigBuilder::spool_max_bytes")),
        Some(n) => n,
        None if shipper.spool_max_bytes == 0 => {
            return Err(zero("ShipperSettings::spool_max_bytes"))
        }
        None if shipper.spool_max_bytes != DEFAULT_SPOOL_MAX_BYTES => shipper.spool_max_bytes,
        None => match lookup(env, MAX) {
            Some(v) => parse_byte_size(MAX, &v)?,
            None => DEFAULT_SPOOL_MAX_BYTES,
        },
    };
    Ok(())
}

/// Fills `max_concurrent_exports`: a builder setter wins, then a value other than the
/// default set in `ShipperSettings`, then `APITOOLKIT_MAX_CONCURRENT_EXPORTS`; 1 to 64.
pub(super) fn concurrency_setting(
    env: &dyn Fn(&str) -> Option<String>,
    shipper: &mut ShipperSettings,
    set: Option<usize>,
) -> Result<(), ConfigError> {
    const VAR: &str = "APITOOLKIT_MAX_CONCURRENT_EXPORTS";
    const EXPECTED: &str = "a whole number from 1 to 64";
    let check = |origin: &str, n: usize| {
        if (1..=64).contains(&n) {
            Ok(n)
        } else {
            Err(invalid(origin, &n.to_string(), EXPECTED))
        }
    };
    shipper.max_concurrent_exports = match set {
        Some(n) => check("ConfigBuilder::max_concurrent_exports", n)?,
        None if shipper.max_concurrent_exports != DEFAULT_MAX_CONCURRENT_EXPORTS => check(
            "ShipperSettings::max_concurrent_exports",
            shipper.max_concurrent_exports,
        )?,
        None => match lookup(env, VAR) {
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => n,
                _ => return Err(invalid(VAR, &v, EXPECTED)),
            },
            None => DEFAULT_MAX_CONCURRENT_EXPORTS,
        },
    };
    Ok(())
}
