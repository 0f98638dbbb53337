//! Parsing of environment values (and of list values given to the builder as text),
//! and the exporter settings read from them.

use std::path::PathBuf;

use super::export::{Export, OtlpProtocol, OtlpSettings, DEFAULT_OTLP_ENDPOINT};
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
    let mut s = OtlpSettings::new(endpoint, protocol);
    s.headers = headers;
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
