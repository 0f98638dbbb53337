//! Per-route settings (docs/PROTOCOL.md §6, "Per-route settings"): [`RouteSettings`] given
//! to [`ConfigBuilder::route`](super::ConfigBuilder::route), or read from
//! `APITOOLKIT_ROUTES` (a JSON object) and `APITOOLKIT_NO_BODY_ROUTES` (a flat list),
//! validated and resolved against the global settings once.

use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::env::{invalid, lookup, parse_list};
use crate::capture::policy::{RoutePattern, RouteRule, RouteRules};
use crate::redact::{RedactionRulesBuilder, Redactor};
use crate::ConfigError;

/// How the requests of one route are captured, where that differs from the global
/// settings: body capture on or off, the body cap, and body paths redacted on top of the
/// global ones. Anything not set follows the global setting.
///
/// ```
/// use apitoolkit_core::{Config, RouteSettings};
///
/// let config = Config::builder()
///     // Uploads: no body copy at all.
///     .route("/upload/**", RouteSettings::new().capture_bodies(false))
///     // Logins: the one-time code is redacted too, bodies capped at 4 KiB.
///     .route(
///         "POST /login",
///         RouteSettings::new().redact_request_body(["$.otp"]).max_body_bytes(4096),
///     )
///     .build()
///     .expect("valid configuration");
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct RouteSettings {
    capture_request_body: Option<bool>,
    capture_response_body: Option<bool>,
    max_body_bytes: Option<usize>,
    redact_request_body: Vec<String>,
    redact_response_body: Vec<String>,
}

impl RouteSettings {
    /// Settings that change nothing (every value follows the global setting).
    pub fn new() -> RouteSettings {
        RouteSettings::default()
    }

    /// Turns the capture of both bodies on or off for this route.
    pub fn capture_bodies(self, on: bool) -> Self {
        self.capture_request_body(on).capture_response_body(on)
    }

    /// Turns the capture of the request body on or off for this route.
    pub fn capture_request_body(mut self, on: bool) -> Self {
        self.capture_request_body = Some(on);
        self
    }

    /// Turns the capture of the response body on or off for this route.
    pub fn capture_response_body(mut self, on: bool) -> Self {
        self.capture_response_body = Some(on);
        self
    }

    /// The most bytes of each body copied for this route (instead of `max_body_bytes`).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = Some(bytes);
        self
    }

    /// JSONPaths redacted in this route's request bodies, on top of the global ones.
    pub fn redact_request_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_request_body
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// JSONPaths redacted in this route's response bodies, on top of the global ones.
    pub fn redact_response_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redact_response_body
            .extend(paths.into_iter().map(Into::into));
        self
    }
}

/// The global settings a route's entry is resolved against.
pub(super) struct Globals<'a> {
    pub(super) capture_request_body: bool,
    pub(super) capture_response_body: bool,
    pub(super) max_body_bytes: usize,
    /// The builder of the global redaction rules (lists and paths).
    pub(super) redaction: &'a RedactionRulesBuilder,
}

const ROUTES: &str = "APITOOLKIT_ROUTES";
const NO_BODY_ROUTES: &str = "APITOOLKIT_NO_BODY_ROUTES";

/// Compiles the entries given in code, or when there are none those of
/// `APITOOLKIT_ROUTES` then `APITOOLKIT_NO_BODY_ROUTES`; errors name the entry and the
/// setting.
pub(super) fn compile(
    set: Option<Vec<(String, RouteSettings)>>,
    env: &dyn Fn(&str) -> Option<String>,
    globals: &Globals<'_>,
) -> Result<RouteRules, ConfigError> {
    let (entries, origin) = match set {
        Some(entries) => (entries, "ConfigBuilder::route"),
        None => (from_env(env)?, ROUTES),
    };
    let mut rules = Vec::with_capacity(entries.len());
    for (pattern, settings) in entries {
        let named = |setting: &str| format!("{origin}[{pattern:?}].{setting}");
        let compiled = RoutePattern::parse(&pattern).map_err(|why| {
            invalid(
                origin,
                &pattern,
                &format!("`[METHOD ]/path` patterns ({why})"),
            )
        })?;
        for (paths, setting) in [
            (&settings.redact_request_body, "redact_request_body"),
            (&settings.redact_response_body, "redact_response_body"),
        ] {
            Redactor::new(paths).map_err(|e| e.with_origin(named(setting)))?;
        }
        let redaction = if settings.redact_request_body.is_empty()
            && settings.redact_response_body.is_empty()
        {
            None
        } else {
            let rules = globals
                .redaction
                .clone()
                .request_body(settings.redact_request_body)
                .response_body(settings.redact_response_body)
                .build()?;
            Some(Arc::new(rules))
        };
        rules.push(RouteRule {
            pattern: compiled,
            capture_request_body: settings
                .capture_request_body
                .unwrap_or(globals.capture_request_body),
            capture_response_body: settings
                .capture_response_body
                .unwrap_or(globals.capture_response_body),
            max_body_bytes: settings.max_body_bytes.unwrap_or(globals.max_body_bytes),
            redaction,
        });
    }
    Ok(RouteRules::new(rules))
}

/// `APITOOLKIT_ROUTES` entries in the order written, then `APITOOLKIT_NO_BODY_ROUTES`.
fn from_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, RouteSettings)>, ConfigError> {
    let mut entries = match lookup(env, ROUTES) {
        None => Vec::new(),
        Some(v) => serde_json::from_str::<Ordered>(&v)
            .map_err(|e| {
                invalid(
                    ROUTES,
                    &v,
                    &format!(
                        "a JSON object of `[METHOD ]/path` patterns to settings \
                         (capture_bodies, capture_request_body, capture_response_body, \
                         max_body_bytes, redact_request_body, redact_response_body): {e}"
                    ),
                )
            })?
            .0
            .into_iter()
            .map(|(pattern, json)| (pattern, json.into()))
            .collect(),
    };
    if let Some(v) = lookup(env, NO_BODY_ROUTES) {
        for pattern in parse_list(NO_BODY_ROUTES, &v, true)? {
            if let Err(why) = RoutePattern::parse(&pattern) {
                return Err(invalid(
                    NO_BODY_ROUTES,
                    &pattern,
                    &format!("`[METHOD ]/path` patterns ({why})"),
                ));
            }
            entries.push((pattern, RouteSettings::new().capture_bodies(false)));
        }
    }
    Ok(entries)
}

/// One entry of `APITOOLKIT_ROUTES`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteJson {
    capture_bodies: Option<bool>,
    capture_request_body: Option<bool>,
    capture_response_body: Option<bool>,
    max_body_bytes: Option<usize>,
    #[serde(default)]
    redact_request_body: Vec<String>,
    #[serde(default)]
    redact_response_body: Vec<String>,
}

impl From<RouteJson> for RouteSettings {
    fn from(j: RouteJson) -> RouteSettings {
        RouteSettings {
            capture_request_body: j.capture_request_body.or(j.capture_bodies),
            capture_response_body: j.capture_response_body.or(j.capture_bodies),
            max_body_bytes: j.max_body_bytes,
            redact_request_body: j.redact_request_body,
            redact_response_body: j.redact_response_body,
        }
    }
}

/// A JSON object's entries in document order (the first matching pattern wins).
struct Ordered(Vec<(String, RouteJson)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, RouteJson>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_keeps_the_order_written() {
        let env = |name: &str| match name {
            ROUTES => Some(
                r#"{"/b": {"capture_bodies": false}, "/a": {"max_body_bytes": 7,
                    "capture_response_body": true}}"#
                    .to_owned(),
            ),
            NO_BODY_ROUTES => Some("/c, GET /d/*".to_owned()),
            _ => None,
        };
        let entries = from_env(&env).unwrap();
        let names: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["/b", "/a", "/c", "GET /d/*"]);
        assert_eq!(entries[0].1, RouteSettings::new().capture_bodies(false));
        assert_eq!(
            entries[1].1,
            RouteSettings::new()
                .max_body_bytes(7)
                .capture_response_body(true)
        );
        assert_eq!(entries[3].1, RouteSettings::new().capture_bodies(false));
    }
}
