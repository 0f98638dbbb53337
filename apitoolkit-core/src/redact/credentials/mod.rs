//! Credentials found by their shape (docs/PROTOCOL.md §4), masked with
//! `[CLIENT_REDACTED]` wherever they appear in what is shipped, whatever their name:
//!
//! | format | pattern | masked |
//! |---|---|---|
//! | JWT (JWS compact) | `eyJ[A-Za-z0-9_-]{7,}\.eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*` | whole |
//! | AWS access key id | `(AKIA\|ASIA\|ABIA\|ACCA)[A-Z0-9]{16}` | whole |
//! | GitHub token | `gh[pousr]_[A-Za-z0-9]{36}` | whole |
//! | GitHub fine-grained token | `github_pat_[A-Za-z0-9_]{82}` | whole |
//! | GitLab token | `(glpat\|gloas\|gldt\|glrt\|glrtr\|glcbt\|glptt\|glft\|glimt\|glagent\|glsoat\|glffct)-[A-Za-z0-9_-]{20,}` | whole |
//! | Stripe secret / restricted key | `(sk\|rk)_(live\|test)_[A-Za-z0-9]{24,}` | whole |
//! | Slack token | `(xox[bparse]\|xapp)-[A-Za-z0-9-]{10,}` (no trailing `-`) | whole |
//! | Slack webhook | `hooks.slack.com/(services\|workflows\|triggers)/<path>` (path 8+ of `[A-Za-z0-9_/-]`) | the path |
//! | Google API key | `AIza[A-Za-z0-9_-]{35}` | whole |
//! | PEM private key | `-----BEGIN <label>PRIVATE KEY-----` … `-----END <label>-----` | whole |
//! | HTTP credentials (header values only) | `(Bearer\|Basic) +<token68>` (any case) | the token |
//!
//! Every format starts a word (the byte before is not an ASCII letter or digit, or ends a
//! JSON or percent escape) and the fixed-length ones end one, so that look-alikes stay:
//! `AKIA` and 15 characters, `ghp_` and 35 or 37, `skeleton`, `sk_live_short`. A PEM block
//! never runs past the end of a JSON string (with `\n` escapes or real line breaks); without
//! its END line it is masked to there. The replacement has no quote or backslash and never
//! splits an escape sequence, so JSON stays valid.
//!
//! Cost: one multi-substring search (`prefilter.rs`) over the text; only its hits are
//! verified, by the small hand-written checks of the other modules; a text without a
//! credential is returned borrowed, without a copy.

mod boundary;
mod pem;
mod prefilter;
mod scanner;
mod scheme;
mod tokens;
mod webhook;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

/// Which formats apply to a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every shipped text: all formats but the authentication schemes.
    Text,
    /// A header value: also `Bearer <token>` and `Basic <credentials>`.
    Header,
}

/// The shortest text a credential of the text formats fits in: a Slack token (`xoxb-`
/// and 10). Shorter texts are not searched.
const SHORTEST: usize = 15;

/// The credentials of `hay`, in order. Header values search for the schemes only when
/// they name one.
fn spans(hay: &[u8], scope: Scope) -> Vec<std::ops::Range<usize>> {
    match scope {
        Scope::Header if scheme::may_hold(hay) => scanner::spans(hay, &prefilter::HEADER),
        _ if hay.len() < SHORTEST => Vec::new(),
        _ => scanner::spans(hay, &prefilter::TEXT),
    }
}

/// Texts shorter than this can be passed over by [`untouched`] (one table look-up per
/// byte; the searches cost more than that to set up on short texts).
pub(crate) const QUICK: usize = 64;

/// Whether `text` (best shorter than [`QUICK`]) is certainly left as it is by the URL
/// scrubber (no `=` and no `@`) and, when `credentials`, by the credential scan of `scope`
/// (no two bytes in a row that begin a literal of the search, too short for any
/// credential, or, for a header value, no `b`/`B` that could begin a scheme). One pass
/// that only ever says "nothing to do"; every other text takes the full path.
pub(crate) fn untouched(text: &[u8], scope: Scope, credentials: bool) -> bool {
    let found = prefilter::quick(text);
    !found.url && untouched_by_credentials(text, &found, scope, credentials)
}

/// [`untouched`], and `text` is ASCII with nothing that a JSON string escapes: the same
/// one pass says that the text is shipped as it is and written into a JSON string as it
/// is.
pub(crate) fn untouched_verbatim(text: &[u8], scope: Scope, credentials: bool) -> bool {
    let found = prefilter::quick(text);
    !found.url && !found.escape && untouched_by_credentials(text, &found, scope, credentials)
}

fn untouched_by_credentials(
    text: &[u8],
    found: &prefilter::Quick,
    scope: Scope,
    credentials: bool,
) -> bool {
    if !credentials {
        return true;
    }
    if scope == Scope::Header && found.scheme {
        return false;
    }
    text.len() < SHORTEST || !found.literal
}

/// `text` with every credential masked; borrowed (as given) when there is none.
pub(crate) fn mask_text(text: Cow<'_, str>, scope: Scope) -> Cow<'_, str> {
    let spans = spans(text.as_bytes(), scope);
    if spans.is_empty() {
        return text;
    }
    let bytes = scanner::masked(text.as_bytes(), &spans);
    // Spans start and end on ASCII bytes, so the result is UTF-8.
    Cow::Owned(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// A body as shipped with every credential masked (raw bytes: JSON, forms turned into
/// JSON, text, anything); as given when there is none.
pub(crate) fn mask_body(body: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let spans = spans(&body, Scope::Text);
    if spans.is_empty() {
        return body;
    }
    Cow::Owned(scanner::masked(&body, &spans))
}

/// `text` with every credential masked when `rules` say so (a path parameter, for one).
pub(crate) fn mask_credentials<'t>(
    text: Cow<'t, str>,
    rules: &crate::redact::RedactionRules,
) -> Cow<'t, str> {
    if rules.redacts_credentials() {
        mask_text(text, Scope::Text)
    } else {
        text
    }
}
