//! Parsing of environment values (and of list values given to the builder as text).

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
