//! Token formats recognised by a literal prefix and the characters after it.

use std::ops::Range;

use super::boundary::{
    alnum, alnum_dash, at_least, base64url, exactly, run, starts_word, upper_alnum, word,
};

/// The shortest JWT segment (header or payload) taken for one: `eyJ` and 7 more.
const MIN_JWT_SEGMENT: usize = 10;

/// `eyJ<b64url>.eyJ<b64url>.<b64url>` (a JWS in compact form; the signature may be
/// empty), header and payload at least [`MIN_JWT_SEGMENT`] long. Masked whole.
pub(super) fn jwt(hay: &[u8], start: usize) -> Option<Range<usize>> {
    if !starts_word(hay, start) {
        return None;
    }
    let header_end = start + run(hay, start, base64url);
    let payload = header_end + 1;
    if header_end - start < MIN_JWT_SEGMENT
        || hay.get(header_end) != Some(&b'.')
        || !hay.get(payload..).is_some_and(|p| p.starts_with(b"eyJ"))
    {
        return None;
    }
    let payload_end = payload + run(hay, payload, base64url);
    if payload_end - payload < MIN_JWT_SEGMENT || hay.get(payload_end) != Some(&b'.') {
        return None;
    }
    let signature = payload_end + 1;
    Some(start..signature + run(hay, signature, base64url))
}

/// AWS access key ids: `AKIA|ASIA|ABIA|ACCA` + exactly 16 `[A-Z0-9]`, not followed by a
/// letter or digit.
pub(super) fn aws(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    exactly(hay, start + 4, 16, upper_alnum, alnum).map(|end| start..end)
}

/// GitHub tokens: `ghp_|gho_|ghu_|ghs_|ghr_` + exactly 36 `[A-Za-z0-9]`.
pub(super) fn github(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    exactly(hay, start + 4, 36, alnum, word).map(|end| start..end)
}

/// GitHub fine-grained tokens: `github_pat_` + exactly 82 `[A-Za-z0-9_]`.
pub(super) fn github_pat(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    exactly(hay, start + 11, 82, word, word).map(|end| start..end)
}

/// GitLab tokens: a `gl…-` prefix + 20 or more `[A-Za-z0-9_-]`.
pub(super) fn gitlab(hay: &[u8], start: usize, prefix_len: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    at_least(hay, start + prefix_len, 20, base64url).map(|end| start..end)
}

/// Stripe secret and restricted keys: `sk_live_|sk_test_|rk_live_|rk_test_` + 24 or more
/// `[A-Za-z0-9]`.
pub(super) fn stripe(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    at_least(hay, start + 8, 24, alnum).map(|end| start..end)
}

/// Slack tokens: `xoxb-|xoxp-|xoxa-|xoxr-|xoxs-|xoxe-|xapp-` + 10 or more
/// `[A-Za-z0-9-]` (trailing dashes are not part of it).
pub(super) fn slack(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    let from = start + 5;
    let mut end = from + run(hay, from, alnum_dash);
    while end > from && hay[end - 1] == b'-' {
        end -= 1;
    }
    (end - from >= 10).then_some(start..end)
}

/// Google API keys: `AIza` + exactly 35 `[A-Za-z0-9_-]`.
pub(super) fn google(hay: &[u8], start: usize) -> Option<Range<usize>> {
    word_start(hay, start)?;
    exactly(hay, start + 4, 35, base64url, base64url).map(|end| start..end)
}

fn word_start(hay: &[u8], start: usize) -> Option<()> {
    starts_word(hay, start).then_some(())
}
