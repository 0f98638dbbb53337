//! The scan: prefilter candidates, verified in order, and the masked copy.

use std::ops::Range;

use super::prefilter::{Kind, Searcher};
use super::{pem, scheme, tokens, webhook};
use crate::redact::REDACTED;

/// The spans of `hay` that hold credentials, in order and without overlap. No
/// allocation when there is none.
pub(super) fn spans(hay: &[u8], searcher: &Searcher) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < hay.len() {
        let Some((hit, pattern)) = searcher.find(hay, at) else {
            break;
        };
        let start = hit.start;
        let Some(&(literal, kind)) = searcher.patterns.get(pattern) else {
            break;
        };
        let exact = !searcher.any_case || kind == Kind::Scheme || &hay[hit] == literal;
        match exact
            .then(|| verify(kind, hay, start, literal.len()))
            .flatten()
        {
            Some(span) if !span.is_empty() => {
                at = span.end.max(start + 1);
                found.push(span);
            }
            _ => at = start + 1,
        }
    }
    found
}

fn verify(kind: Kind, hay: &[u8], start: usize, len: usize) -> Option<Range<usize>> {
    match kind {
        Kind::Jwt => tokens::jwt(hay, start),
        Kind::Aws => tokens::aws(hay, start),
        Kind::GitHub => tokens::github(hay, start),
        Kind::GitHubPat => tokens::github_pat(hay, start),
        Kind::GitLab => tokens::gitlab(hay, start, len),
        Kind::Stripe => tokens::stripe(hay, start),
        Kind::Slack => tokens::slack(hay, start),
        Kind::SlackWebhook => webhook::slack_webhook(hay, start, len),
        Kind::Google => tokens::google(hay, start),
        Kind::PrivateKey => pem::private_key(hay, start),
        Kind::Scheme => scheme::credential(hay, start, len),
    }
}

/// `hay` with every span replaced by [`REDACTED`].
pub(super) fn masked(hay: &[u8], spans: &[Range<usize>]) -> Vec<u8> {
    let removed: usize = spans.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(hay.len() - removed + spans.len() * REDACTED.len());
    let mut copied = 0;
    for span in spans {
        out.extend_from_slice(&hay[copied..span.start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = span.end;
    }
    out.extend_from_slice(&hay[copied..]);
    out
}
