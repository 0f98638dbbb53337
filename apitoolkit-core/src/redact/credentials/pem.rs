//! PEM private key blocks, with real line breaks or with the `\n` escapes of a JSON
//! string.

use std::ops::Range;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

/// A block that opens with `-----BEGIN <label>-----` where the label (`[A-Z0-9 ]`) ends
/// with `PRIVATE KEY`, masked whole through the `-----END <label>-----` line. The block
/// never runs past the first `"` (the end of a JSON string): without an END line before
/// it (or before the end of the text), everything up to there is masked (fail closed),
/// short of any backslashes right before that quote, so no escape sequence is cut.
pub(super) fn private_key(hay: &[u8], start: usize) -> Option<Range<usize>> {
    let label = hay.get(start..)?.strip_prefix(BEGIN)?;
    let label_len = label
        .iter()
        .take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        .count();
    let after_label = &label[label_len..];
    if !label[..label_len]
        .trim_ascii_end()
        .ends_with(b"PRIVATE KEY")
        || !after_label.starts_with(DASHES)
    {
        return None;
    }
    let body = start + BEGIN.len() + label_len + DASHES.len();
    let limit = memchr::memchr(b'"', &hay[body..]).map_or(hay.len(), |n| body + n);
    if let Some(end_line) = memchr::memmem::find(&hay[body..limit], END) {
        let label_at = body + end_line + END.len();
        if let Some(dashes) = memchr::memmem::find(&hay[label_at..limit], DASHES) {
            return Some(start..label_at + dashes + DASHES.len());
        }
    }
    // The backslashes right before the quote stay (one may escape it), so the masked
    // span ends on no escape sequence.
    let mut end = limit;
    while end > body && hay[end - 1] == b'\\' {
        end -= 1;
    }
    Some(start..end)
}
