//! [`RedactionRules`]: the header names, query parameter names and body paths of one
//! configuration (the global one, or an outgoing client's own).

use std::fmt;

use super::Redactor;
use crate::ConfigError;

/// Header names redacted unless the user opts out (docs/PROTOCOL.md §4).
pub const DEFAULT_REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Query parameter names always masked (docs/PROTOCOL.md §4); the user's list adds to these. Beside
/// the generic names: the secret-bearing parameters of OAuth 2.0 / OpenID Connect
/// (`code` is the authorization code, redeemable for tokens; `state` is not a credential
/// and stays visible, see SECURITY.md) and of signed URLs (AWS SigV4, Google Cloud
/// Storage, Azure SAS `sig`), and Google API keys (`key`).
pub const DEFAULT_REDACTED_QUERY_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "token",
    "password",
    "secret",
    "client_secret",
    "signature",
    // OAuth 2.0 / OpenID Connect
    "id_token",
    "refresh_token",
    "code",
    "code_verifier",
    "client_assertion",
    "assertion",
    "subject_token",
    "actor_token",
    "device_code",
    // Signed URLs and API keys
    "key",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
];

/// What to redact in one exchange: header names, query parameter names (both compared
/// case-insensitively) and compiled JSONPaths for request and response bodies.
#[derive(Clone)]
pub struct RedactionRules {
    headers: Vec<String>,
    query_params: Vec<String>,
    request_body: Redactor,
    response_body: Redactor,
    credentials: bool,
}

impl Default for RedactionRules {
    /// The secure defaults: default header and query lists, no body paths, credentials
    /// found by their shape masked.
    fn default() -> Self {
        RedactionRules {
            headers: DEFAULT_REDACTED_HEADERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            query_params: DEFAULT_REDACTED_QUERY_PARAMS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            request_body: Redactor::default(),
            response_body: Redactor::default(),
            credentials: true,
        }
    }
}

impl RedactionRules {
    /// A builder starting from the secure defaults.
    pub fn builder() -> RedactionRulesBuilder {
        RedactionRulesBuilder {
            default_headers: true,
            default_query_params: true,
            headers: Vec::new(),
            query_params: Vec::new(),
            request_body: Vec::new(),
            response_body: Vec::new(),
            credentials: true,
            origins: ("request_body paths", "response_body paths"),
        }
    }

    /// Whether a header's value is replaced (name compared case-insensitively).
    pub fn is_header_redacted(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// [`is_header_redacted`](Self::is_header_redacted) for a name's bytes.
    pub(crate) fn is_header_name_redacted(&self, name: &[u8]) -> bool {
        self.headers
            .iter()
            .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Whether a query parameter's values are masked (name compared case-insensitively).
    /// Bracketed names as PHP, Rails and `qs` write nested and array parameters match by
    /// any of their parts: `token[]`, `auth[token]` and `user[password][0]` are masked
    /// like `token` and `password`.
    pub fn is_query_param_redacted(&self, name: &str) -> bool {
        let listed = |part: &str| {
            self.query_params
                .iter()
                .any(|q| q.eq_ignore_ascii_case(part))
        };
        listed(name)
            || (name.bytes().any(|b| b == b'[' || b == b']')
                && name
                    .split(['[', ']'])
                    .any(|part| !part.is_empty() && listed(part)))
    }

    /// Whether credentials found by their shape (JWTs, AWS, GitHub, GitLab, Stripe, Slack
    /// and Google keys, PEM private keys, `Bearer`/`Basic` in header values; the list is
    /// in docs/PROTOCOL.md §4) are masked in every shipped text and body.
    pub fn redacts_credentials(&self) -> bool {
        self.credentials
    }

    /// The compiled request-body paths.
    pub fn request_body(&self) -> &Redactor {
        &self.request_body
    }

    /// The compiled response-body paths.
    pub fn response_body(&self) -> &Redactor {
        &self.response_body
    }
}

impl fmt::Debug for RedactionRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactionRules")
            .field("headers", &self.headers)
            .field("query_params", &self.query_params)
            .field(
                "request_body",
                &self.request_body.paths().collect::<Vec<_>>(),
            )
            .field(
                "response_body",
                &self.response_body.paths().collect::<Vec<_>>(),
            )
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// Builds [`RedactionRules`]; paths are compiled in [`build`](Self::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct RedactionRulesBuilder {
    default_headers: bool,
    default_query_params: bool,
    headers: Vec<String>,
    query_params: Vec<String>,
    request_body: Vec<String>,
    response_body: Vec<String>,
    credentials: bool,
    origins: (&'static str, &'static str),
}

impl RedactionRulesBuilder {
    /// Keep (`true`, the default) or drop the default header list.
    pub fn default_headers(mut self, keep: bool) -> Self {
        self.default_headers = keep;
        self
    }
    /// Keep (`true`, the default) or drop the default query parameter list
    /// ([`DEFAULT_REDACTED_QUERY_PARAMS`]); the names given to
    /// [`query_params`](Self::query_params) are masked either way.
    pub fn default_query_params(mut self, keep: bool) -> Self {
        self.default_query_params = keep;
        self
    }
    /// Header names to redact, added to the defaults.
    pub fn headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.headers.extend(names.into_iter().map(Into::into));
        self
    }
    /// Query parameter names to mask, added to the defaults.
    pub fn query_params<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query_params.extend(names.into_iter().map(Into::into));
        self
    }
    /// JSONPaths for request bodies.
    pub fn request_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.request_body.extend(paths.into_iter().map(Into::into));
        self
    }
    /// JSONPaths for response bodies.
    pub fn response_body<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.response_body.extend(paths.into_iter().map(Into::into));
        self
    }
    /// Mask credentials found by their shape wherever they appear (`true`, the default;
    /// the formats are listed in docs/PROTOCOL.md §4): header values, query values, URLs,
    /// bodies, error texts. `false` ships them unless a name or path redacts them.
    pub fn redact_credentials(mut self, on: bool) -> Self {
        self.credentials = on;
        self
    }
    /// Names used in errors for the two path lists.
    pub(crate) fn origins(mut self, request: &'static str, response: &'static str) -> Self {
        self.origins = (request, response);
        self
    }

    /// Compiles the paths. An invalid path is a [`ConfigError::InvalidPath`] naming the
    /// list, the path and the position.
    pub fn build(self) -> Result<RedactionRules, ConfigError> {
        let mut headers: Vec<String> = if self.default_headers {
            DEFAULT_REDACTED_HEADERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        headers.extend(self.headers.iter().map(|h| h.trim().to_ascii_lowercase()));
        headers.sort();
        headers.dedup();
        let mut query_params: Vec<String> = if self.default_query_params {
            DEFAULT_REDACTED_QUERY_PARAMS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        query_params.extend(
            self.query_params
                .iter()
                .map(|q| q.trim().to_ascii_lowercase()),
        );
        query_params.sort();
        query_params.dedup();
        Ok(RedactionRules {
            headers,
            query_params,
            request_body: Redactor::new(&self.request_body)
                .map_err(|e| e.with_origin(self.origins.0))?
                .with_credentials(self.credentials),
            response_body: Redactor::new(&self.response_body)
                .map_err(|e| e.with_origin(self.origins.1))?
                .with_credentials(self.credentials),
            credentials: self.credentials,
        })
    }
}
