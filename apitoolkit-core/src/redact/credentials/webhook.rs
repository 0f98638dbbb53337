//! Slack incoming-webhook and workflow URLs.

use std::ops::Range;

/// The shortest secret path taken for a webhook's.
const MIN_PATH: usize = 8;

/// `hooks.slack.com/services/<path>` (also `/workflows/`, `/triggers/`): the path after
/// the kind is masked, the host kept. A slash may be written `/`, `\/` (JSON) or `%2F`.
pub(super) fn slack_webhook(hay: &[u8], start: usize, host_len: usize) -> Option<Range<usize>> {
    let mut at = start + host_len;
    at += slash(hay, at)?;
    let kind = [&b"services"[..], b"workflows", b"triggers"]
        .into_iter()
        .find(|k| hay.get(at..).is_some_and(|rest| rest.starts_with(k)))?;
    at += kind.len();
    at += slash(hay, at)?;
    let path = at;
    loop {
        match hay.get(at) {
            Some(b) if b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' => at += 1,
            Some(_) => match slash(hay, at) {
                Some(n) => at += n,
                None => break,
            },
            None => break,
        }
    }
    (at - path >= MIN_PATH).then_some(path..at)
}

/// The length of the slash at `at`: `/`, `\/` or `%2F`.
fn slash(hay: &[u8], at: usize) -> Option<usize> {
    let rest = hay.get(at..)?;
    if rest.starts_with(b"/") {
        Some(1)
    } else if rest.starts_with(b"\\/") {
        Some(2)
    } else if rest.len() >= 3 && rest[0] == b'%' && rest[1] == b'2' && rest[2] | 0x20 == b'f' {
        Some(3)
    } else {
        None
    }
}
