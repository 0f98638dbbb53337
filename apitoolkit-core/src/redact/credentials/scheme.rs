//! `Bearer <token>` and `Basic <base64>` credentials (RFC 7235 `token68`), looked for in
//! header values.

use std::ops::Range;

use super::boundary::{run, starts_word, token68};

/// Whether `hay` names a scheme at all (`bearer` or `basic`, any case): only then is
/// the header search, which also looks for the schemes, needed.
pub(super) fn may_hold(hay: &[u8]) -> bool {
    memchr::memchr2_iter(b'b', b'B', hay).any(|at| {
        let rest = &hay[at + 1..];
        [&b"earer"[..], b"asic"].iter().any(|tail| {
            rest.get(..tail.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(tail))
        })
    })
}

/// The credential after an authentication scheme (`Bearer`, `Basic`, any case) that
/// starts a word and is followed by spaces: a `token68` with its `=` padding, masked,
/// the scheme kept. Auth parameters (`Bearer realm="api"`, `Basic realm = x`, as in
/// `WWW-Authenticate`) are not credentials and stay.
pub(super) fn credential(hay: &[u8], start: usize, scheme_len: usize) -> Option<Range<usize>> {
    if !starts_word(hay, start) {
        return None;
    }
    let spaces = start + scheme_len;
    let token = spaces + run(hay, spaces, |b| b == b' ' || b == b'\t');
    if token == spaces {
        return None;
    }
    let chars = token + run(hay, token, token68);
    if chars == token {
        return None;
    }
    let end = chars + run(hay, chars, |b| b == b'=');
    let after = end + run(hay, end, |b| b == b' ' || b == b'\t');
    let param = match hay.get(after) {
        Some(b'=') => true,
        Some(&b) => end > chars && after == end && (b == b'"' || token68(b)),
        None => false,
    };
    (!param).then_some(token..end)
}
