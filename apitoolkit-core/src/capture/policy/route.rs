//! Per-route capture settings (docs/PROTOCOL.md §6, "Per-route settings"), compiled:
//! each entry resolved against the global settings at start-up, so a request looks up
//! its route once when it arrives and reads plain values from then on.

use std::fmt;
use std::sync::Arc;

use super::RoutePattern;
use crate::redact::RedactionRules;

/// What one request is captured with: the global settings, or those of the first
/// per-route entry whose pattern matches its method and path.
pub(crate) struct RouteRule {
    pub(crate) pattern: RoutePattern,
    pub(crate) capture_request_body: bool,
    pub(crate) capture_response_body: bool,
    pub(crate) max_body_bytes: usize,
    /// The global rules plus the entry's extra body paths; `None` when it adds none.
    pub(crate) redaction: Option<Arc<RedactionRules>>,
}

impl fmt::Debug for RouteRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteRule")
            .field("pattern", &self.pattern)
            .field("capture_request_body", &self.capture_request_body)
            .field("capture_response_body", &self.capture_response_body)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("own_redaction", &self.redaction.is_some())
            .finish()
    }
}

/// The per-route entries in the order given; the first match wins.
#[derive(Debug, Default)]
pub(crate) struct RouteRules(Vec<Arc<RouteRule>>);

impl RouteRules {
    pub(crate) fn new(rules: Vec<RouteRule>) -> RouteRules {
        RouteRules(rules.into_iter().map(Arc::new).collect())
    }

    /// The entry a request with this method and path (no query) is captured with.
    #[inline]
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<&Arc<RouteRule>> {
        if self.0.is_empty() {
            return None;
        }
        self.0.iter().find(|r| r.pattern.matches(method, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, cap: usize) -> RouteRule {
        RouteRule {
            pattern: RoutePattern::parse(pattern).unwrap(),
            capture_request_body: true,
            capture_response_body: true,
            max_body_bytes: cap,
            redaction: None,
        }
    }

    #[test]
    fn the_first_matching_entry_wins() {
        let rules = RouteRules::new(vec![
            rule("POST /files/{id}", 1),
            rule("/files/**", 2),
            rule("/files/{id}", 3),
        ]);
        let cap = |m: &str, p: &str| rules.find(m, p).map(|r| r.max_body_bytes);
        assert_eq!(cap("POST", "/files/7"), Some(1));
        assert_eq!(cap("GET", "/files/7"), Some(2));
        assert_eq!(cap("GET", "/files"), Some(2));
        assert_eq!(cap("GET", "/other"), None);
        assert!(RouteRules::default().find("GET", "/").is_none());
    }
}
