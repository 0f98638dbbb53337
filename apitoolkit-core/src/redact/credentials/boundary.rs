//! Where a credential may start, and runs of the characters its formats are made of.

/// Whether a credential may start at `at`: at the start of the text, after a byte that
/// is not an ASCII letter or digit, or right after an escape sequence (JSON `\n`, `\t`,
/// `\r`, `\b`, `\f`, `\uXXXX`; percent `%XX`), so that `"line\nAKIA.."` in a JSON string
/// or `%2FAKIA..` in a URL is found.
pub(super) fn starts_word(hay: &[u8], at: usize) -> bool {
    let Some(&prev) = at.checked_sub(1).and_then(|p| hay.get(p)) else {
        return true;
    };
    !prev.is_ascii_alphanumeric() || ends_escape(hay, at)
}

fn ends_escape(hay: &[u8], at: usize) -> bool {
    let hex = |range: std::ops::Range<usize>| hay[range].iter().all(u8::is_ascii_hexdigit);
    (at >= 2 && matches!(hay[at - 1], b'n' | b't' | b'r' | b'b' | b'f') && escapes(hay, at - 2))
        || (at >= 6 && hay[at - 5] == b'u' && hex(at - 4..at) && escapes(hay, at - 6))
        || (at >= 3 && hay[at - 3] == b'%' && hex(at - 2..at))
}

/// Whether the byte at `i` is a backslash that starts an escape (an odd run of
/// backslashes ends there: `\\n` is a backslash and a letter).
pub(super) fn escapes(hay: &[u8], i: usize) -> bool {
    hay[i] == b'\\' && hay[..=i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// The length of the run of bytes in `class` starting at `from`.
pub(super) fn run(hay: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
    hay.get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| class(b)).count())
}

/// The end of exactly `n` bytes of `class` from `from`, not followed by a byte of `stop`
/// (a longer look-alike is not the credential).
pub(super) fn exactly(
    hay: &[u8],
    from: usize,
    n: usize,
    class: fn(u8) -> bool,
    stop: fn(u8) -> bool,
) -> Option<usize> {
    let end = from + n;
    let body = hay.get(from..end)?;
    (body.iter().all(|&b| class(b)) && !hay.get(end).is_some_and(|&b| stop(b))).then_some(end)
}

/// The end of the run of `class` from `from` when it has at least `min` bytes.
pub(super) fn at_least(
    hay: &[u8],
    from: usize,
    min: usize,
    class: fn(u8) -> bool,
) -> Option<usize> {
    let n = run(hay, from, class);
    (n >= min).then_some(from + n)
}

/// `[A-Za-z0-9]`.
pub(super) fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `[A-Z0-9]`.
pub(super) fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// `[A-Za-z0-9_]`.
pub(super) fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[A-Za-z0-9_-]`: base64url without padding.
pub(super) fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `[A-Za-z0-9-]`.
pub(super) fn alnum_dash(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// RFC 7235 `token68` without its `=` padding: `[A-Za-z0-9._~+/-]`.
pub(super) fn token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}
