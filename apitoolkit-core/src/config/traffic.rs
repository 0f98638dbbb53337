//! The traffic policy's settings (docs/PROTOCOL.md §6, "Traffic policy"): set in code or
//! read from `APITOOLKIT_EXCLUDE`, `APITOOLKIT_EXCLUDE_USER_AGENTS`,
//! `APITOOLKIT_EXCLUDE_HEALTH_CHECKS`, `APITOOLKIT_SAMPLE_RATE`,
//! `APITOOLKIT_SAMPLE_KEEP_STATUS` and `APITOOLKIT_SLOW_MS`, validated once.

use std::time::Duration;

use super::env::{invalid, lookup, parse_bool, parse_list};
use crate::capture::policy::{
    RoutePattern, Sampler, TrafficPolicy, HEALTH_CHECK_PATHS, HEALTH_CHECK_USER_AGENTS,
};
use crate::ConfigError;

/// What the builder was given (code wins over the environment).
#[derive(Debug, Clone, Default)]
pub(super) struct TrafficSettings {
    pub(super) exclude: Option<Vec<String>>,
    pub(super) exclude_user_agents: Option<Vec<String>>,
    pub(super) exclude_health_checks: Option<bool>,
    pub(super) sample_rate: Option<f64>,
    pub(super) sample_keep_status: Option<u16>,
    pub(super) slow_threshold: Option<Duration>,
    pub(super) sample_seed: Option<u64>,
}

impl TrafficSettings {
    /// Validates and compiles the policy; errors name the setting or variable.
    pub(super) fn build(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<TrafficPolicy, ConfigError> {
        const EXCLUDE: &str = "APITOOLKIT_EXCLUDE";
        const UAS: &str = "APITOOLKIT_EXCLUDE_USER_AGENTS";
        let (entries, origin) = match self.exclude {
            Some(v) => (v, "ConfigBuilder::exclude"),
            None => (
                lookup(env, EXCLUDE).map_or(Ok(Vec::new()), |v| parse_list(EXCLUDE, &v, true))?,
                EXCLUDE,
            ),
        };
        let mut routes = Vec::with_capacity(entries.len());
        for entry in &entries {
            let pattern = RoutePattern::parse(entry).map_err(|why| {
                invalid(origin, entry, &format!("`[METHOD ]/path` patterns ({why})"))
            })?;
            routes.push(pattern);
        }
        let mut user_agents = match self.exclude_user_agents {
            Some(v) => v,
            None => lookup(env, UAS).map_or(Ok(Vec::new()), |v| parse_list(UAS, &v, true))?,
        };
        user_agents.retain(|u| !u.trim().is_empty());
        let health = match self.exclude_health_checks {
            Some(b) => b,
            None => lookup(env, "APITOOLKIT_EXCLUDE_HEALTH_CHECKS").map_or(Ok(false), |v| {
                parse_bool("APITOOLKIT_EXCLUDE_HEALTH_CHECKS", &v)
            })?,
        };
        if health {
            for p in HEALTH_CHECK_PATHS {
                routes.push(RoutePattern::parse(p).map_err(|why| invalid("preset", p, &why))?);
            }
            user_agents.extend(HEALTH_CHECK_USER_AGENTS.iter().map(|s| (*s).to_owned()));
        }
        let sampler = Sampler::new(
            sample_rate(env, self.sample_rate)?,
            keep_status(env, self.sample_keep_status)?,
            slow(env, self.slow_threshold)?,
            self.sample_seed.unwrap_or_else(random_seed),
        );
        Ok(TrafficPolicy::new(routes, user_agents, sampler))
    }
}

fn sample_rate(env: &dyn Fn(&str) -> Option<String>, set: Option<f64>) -> Result<f64, ConfigError> {
    const VAR: &str = "APITOOLKIT_SAMPLE_RATE";
    const EXPECTED: &str = "a number from 0.0 to 1.0";
    let (rate, origin, shown) = match set {
        Some(r) => (r, "ConfigBuilder::sample_rate", r.to_string()),
        None => match lookup(env, VAR) {
            None => return Ok(1.0),
            Some(v) => (v.trim().parse::<f64>().unwrap_or(f64::NAN), VAR, v),
        },
    };
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(invalid(origin, &shown, EXPECTED))
    }
}

fn keep_status(env: &dyn Fn(&str) -> Option<String>, set: Option<u16>) -> Result<u16, ConfigError> {
    const VAR: &str = "APITOOLKIT_SAMPLE_KEEP_STATUS";
    const EXPECTED: &str = "an HTTP status from 400 to 599 (every status at or above it is kept)";
    let (status, origin, shown) = match set {
        Some(s) => (Some(s), "ConfigBuilder::sample_keep_status", s.to_string()),
        None => match lookup(env, VAR) {
            None => return Ok(500),
            Some(v) => (v.trim().parse::<u16>().ok(), VAR, v),
        },
    };
    status
        .filter(|s| (400..=599).contains(s))
        .ok_or_else(|| invalid(origin, &shown, EXPECTED))
}

fn slow(
    env: &dyn Fn(&str) -> Option<String>,
    set: Option<Duration>,
) -> Result<Option<Duration>, ConfigError> {
    const VAR: &str = "APITOOLKIT_SLOW_MS";
    match set {
        Some(d) if d.is_zero() => Err(invalid(
            "ConfigBuilder::slow_threshold",
            "0",
            "a duration greater than zero",
        )),
        Some(d) => Ok(Some(d)),
        None => match lookup(env, VAR) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
                _ => Err(invalid(
                    VAR,
                    &v,
                    "a whole number of milliseconds greater than zero",
                )),
            },
        },
    }
}

/// A seed that differs between processes (the sampler need not be cryptographic).
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}
