//! Exclusion patterns (`APITOOLKIT_EXCLUDE`): an optional method and a path pattern made
//! of segments: a literal, `*` or a template's `{name}` (exactly one segment), or `**`
//! (any number of segments, none included).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    One,
    Any,
}

/// One exclusion: `[METHOD ]/path/pattern`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RoutePattern {
    method: Option<String>,
    segments: Vec<Segment>,
    text: String,
}

impl fmt::Debug for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl RoutePattern {
    /// Parses `GET /health`, `/hello/{name}`, `/users/*`, `/internal/**`. The error says
    /// what is wrong with it.
    pub(crate) fn parse(entry: &str) -> Result<RoutePattern, String> {
        let entry = entry.trim();
        let (method, path) = match entry.split_once(char::is_whitespace) {
            Some((m, p)) => (Some(m), p.trim()),
            None => (None, entry),
        };
        if let Some(m) = method {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("`{m}` is not an upper-case HTTP method"));
            }
        }
        if !path.starts_with('/') {
            return Err(format!("`{path}` does not start with `/`"));
        }
        let mut segments = Vec::new();
        for seg in split(path) {
            segments.push(match seg {
                "**" => Segment::Any,
                "*" => Segment::One,
                s if s.starts_with('{') && s.ends_with('}') && s.len() > 2 => Segment::One,
                s if s.contains('*') || s.contains('{') || s.contains('}') => {
                    return Err(format!(
                        "`{s}`: `*`, `**` and `{{name}}` must be whole segments"
                    ))
                }
                s => Segment::Literal(s.to_owned()),
            });
        }
        Ok(RoutePattern {
            method: method.map(str::to_owned),
            segments,
            text: entry.to_owned(),
        })
    }

    /// Whether a request with this method and path (no query) is excluded.
    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        // Segment by segment without collecting the path, up to the first `**` (most
        // patterns have none, and a literal before it usually decides).
        let mut parts = split(path);
        for (i, seg) in self.segments.iter().enumerate() {
            if *seg == Segment::Any {
                let rest: Vec<&str> = parts.collect();
                return match_from(&self.segments[i..], &rest);
            }
            if !parts.next().is_some_and(|part| seg.accepts(part)) {
                return false;
            }
        }
        parts.next().is_none()
    }
}

impl Segment {
    /// Whether one path segment matches this (non-`**`) pattern segment.
    fn accepts(&self, part: &str) -> bool {
        match self {
            Segment::Literal(l) => l == part,
            _ => !part.is_empty(),
        }
    }
}

/// The segments of a path: `/a/b/` and `/a/b` are both `a`, `b`; `/` has none.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

fn match_from(pattern: &[Segment], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((Segment::Any, rest)) => (0..=path.len()).any(|i| match_from(rest, &path[i..])),
        Some((seg, rest)) => match path.split_first() {
            None => false,
            Some((first, tail)) => seg.accepts(first) && match_from(rest, tail),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, method: &str, path: &str) -> bool {
        RoutePattern::parse(p).unwrap().matches(method, path)
    }

    #[test]
    fn templates_and_single_segment_globs() {
        assert!(m("/hello/{name}", "GET", "/hello/ann"));
        assert!(!m("/hello/{name}", "GET", "/hello"));
        assert!(!m("/hello/{name}", "GET", "/hello/ann/more"));
        assert!(m("/users/*", "GET", "/users/7"));
        assert!(m("/users/*", "GET", "/users/7/"));
        assert!(!m("/users/*", "GET", "/users"));
        assert!(!m("/users/*", "GET", "/users/7/posts"));
        assert!(!m("/users/*", "GET", "/customers/7"));
        assert!(m("/", "GET", "/"));
        assert!(!m("/", "GET", "/x"));
    }

    #[test]
    fn double_star_spans_any_number_of_segments() {
        assert!(m("/internal/**", "GET", "/internal"));
        assert!(m("/internal/**", "GET", "/internal/a/b/c"));
        assert!(!m("/internal/**", "GET", "/internals/a"));
        assert!(m("/**/health", "GET", "/health"));
        assert!(m("/**/health", "GET", "/v1/svc/health"));
        assert!(m("/api/**/raw", "POST", "/api/a/b/raw"));
    }

    #[test]
    fn a_method_prefix_restricts_the_pattern() {
        assert!(m("GET /health", "GET", "/health"));
        assert!(!m("GET /health", "POST", "/health"));
        assert!(m("  DELETE   /x/{id} ", "DELETE", "/x/1"));
    }

    #[test]
    fn malformed_patterns_say_why() {
        for bad in [
            "health",
            "get /health",
            "/users/a*",
            "/x/{id",
            "GET health",
            "/{}",
        ] {
            assert!(RoutePattern::parse(bad).is_err(), "{bad}");
        }
    }
}
