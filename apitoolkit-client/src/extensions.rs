//! Per-call settings, passed with
//! [`RequestBuilder::with_extension`](reqwest_middleware::RequestBuilder::with_extension).

use std::sync::Arc;

use apitoolkit_core::RedactionRules;

/// The route template of one outgoing call (`url_wildcard`), e.g. `/todos/{id}`: it
/// becomes the record's `url_path`, and `path_params` are derived from it and the
/// concrete path. Without it, `url_path` is the concrete path.
///
/// ```
/// # async fn call(client: reqwest_middleware::ClientWithMiddleware) -> reqwest_middleware::Result<()> {
/// use apitoolkit_client::UrlWildcard;
///
/// client
///     .get("http://todos.internal/todos/42")
///     .with_extension(UrlWildcard::new("/todos/{id}"))
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlWildcard(pub String);

impl UrlWildcard {
    /// A template in the `{name}` syntax (`{*rest}` for a catch-all).
    pub fn new(template: impl Into<String>) -> UrlWildcard {
        UrlWildcard(template.into())
    }
}

/// Redaction rules for one call, replacing the client's (and the global) ones.
///
/// ```
/// # async fn call(client: reqwest_middleware::ClientWithMiddleware) -> Result<(), Box<dyn std::error::Error>> {
/// use apitoolkit_client::CallRedaction;
/// use apitoolkit_core::RedactionRules;
///
/// let rules = RedactionRules::builder().request_body(["$.card.number"]).build()?;
/// client
///     .post("http://payments.internal/charge")
///     .body(r#"{"card":{"number":"4242"}}"#)
///     .with_extension(CallRedaction::new(rules))
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CallRedaction(pub Arc<RedactionRules>);

impl CallRedaction {
    /// Wraps compiled rules (build them once and reuse them: compiling paths has a cost).
    pub fn new(rules: impl Into<Arc<RedactionRules>>) -> CallRedaction {
        CallRedaction(rules.into())
    }
}
