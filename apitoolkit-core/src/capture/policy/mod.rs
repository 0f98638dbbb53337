//! Traffic policy (docs/PROTOCOL.md §6, "Traffic policy"): which requests are recorded.
//!
//! * **Exclusion** (`pattern.rs`): requests whose method and path match an
//!   `APITOOLKIT_EXCLUDE` pattern, or whose `user-agent` contains an
//!   `APITOOLKIT_EXCLUDE_USER_AGENTS` entry (or the health-check preset), are passed
//!   straight through: no body copy, no record. Decided when the request arrives.
//! * **Sampling** (`sample.rs`): a coin per request decides whether a successful exchange
//!   is recorded; failures and slow exchanges always are. Each kept record carries the
//!   rate it was kept at (`sample_rate`), `1` for those kept whatever the coin, so that
//!   counts can be extrapolated.
//! * **Per-route settings** (`route.rs`): body capture, the body cap and extra body
//!   paths for the requests of a route, looked up once when a request arrives.

mod pattern;
mod route;
mod sample;

use std::fmt;

pub(crate) use pattern::RoutePattern;
pub(crate) use route::{RouteRule, RouteRules};
pub(crate) use sample::Sampler;

use crate::capture::exchange::Exchange;

/// Paths the health-check preset excludes (any method).
pub const HEALTH_CHECK_PATHS: &[&str] = &[
    "/health",
    "/healthz",
    "/health/**",
    "/ready",
    "/readyz",
    "/live",
    "/livez",
    "/ping",
    "/metrics",
];

/// User agents the health-check preset excludes (case-insensitive substrings).
pub const HEALTH_CHECK_USER_AGENTS: &[&str] = &[
    "kube-probe",
    "ELB-HealthChecker",
    "GoogleHC",
    "Consul Health Check",
    "Blackbox Exporter",
];

/// The compiled traffic policy of a configuration.
pub(crate) struct TrafficPolicy {
    routes: Vec<RoutePattern>,
    /// Lower-cased substrings.
    user_agents: Vec<String>,
    sampler: Sampler,
}

impl fmt::Debug for TrafficPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrafficPolicy")
            .field("exclude", &self.routes)
            .field("exclude_user_agents", &self.user_agents)
            .field("sample_rate", &self.sampler.rate())
            .finish_non_exhaustive()
    }
}

impl TrafficPolicy {
    pub(crate) fn new(
        routes: Vec<RoutePattern>,
        user_agents: Vec<String>,
        sampler: Sampler,
    ) -> Self {
        TrafficPolicy {
            routes,
            user_agents: user_agents.iter().map(|u| u.to_ascii_lowercase()).collect(),
            sampler,
        }
    }

    /// Whether a request is left out entirely.
    pub(crate) fn excludes(&self, method: &str, path: &str, user_agent: Option<&[u8]>) -> bool {
        if self.routes.iter().any(|r| r.matches(method, path)) {
            return true;
        }
        let Some(ua) = user_agent.filter(|_| !self.user_agents.is_empty()) else {
            return false;
        };
        let ua = String::from_utf8_lossy(ua).to_ascii_lowercase();
        self.user_agents.iter().any(|u| ua.contains(u.as_str()))
    }

    /// The coin of one request (see [`Sampler::coin`]).
    pub(crate) fn coin(&self) -> bool {
        self.sampler.coin()
    }

    /// Whether `ex`, finished, is recorded given its request's coin; sets its
    /// `sample_rate` when it is.
    pub(crate) fn admit(&self, ex: &mut Exchange, coin: bool) -> bool {
        if self.sampler.always() {
            return true;
        }
        if self.sampler.keeps(ex) {
            ex.sample_rate = 1.0;
            return true;
        }
        ex.sample_rate = self.sampler.rate();
        coin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(routes: &[&str], uas: &[&str]) -> TrafficPolicy {
        TrafficPolicy::new(
            routes
                .iter()
                .map(|r| RoutePattern::parse(r).unwrap())
                .collect(),
            uas.iter().map(|s| (*s).to_owned()).collect(),
            Sampler::new(1.0, 500, None, 0),
        )
    }

    #[test]
    fn routes_and_user_agents_exclude() {
        let p = policy(&["GET /health", "/users/*"], &["kube-probe"]);
        assert!(p.excludes("GET", "/health", None));
        assert!(!p.excludes("POST", "/health", None));
        assert!(p.excludes("PUT", "/users/7", None));
        assert!(!p.excludes("GET", "/users/7/posts", None));
        assert!(p.excludes("GET", "/x", Some(b"Kube-Probe/1.29")));
        assert!(!p.excludes("GET", "/x", Some(b"curl/8.0")));
        assert!(!p.excludes("GET", "/x", None));
    }

    #[test]
    fn the_health_check_preset_parses() {
        let routes = HEALTH_CHECK_PATHS
            .iter()
            .map(|r| RoutePattern::parse(r).unwrap())
            .collect();
        let uas = HEALTH_CHECK_USER_AGENTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let p = TrafficPolicy::new(routes, uas, Sampler::new(1.0, 500, None, 0));
        assert!(p.excludes("GET", "/healthz", None));
        assert!(p.excludes("HEAD", "/health/db", None));
        assert!(p.excludes("GET", "/", Some(b"ELB-HealthChecker/2.0")));
        assert!(!p.excludes("GET", "/healthcare", None));
    }
}
