//! JSON text helpers for the record writer ([`crate::record::write_json`]).

/// Appends `s` as a JSON string exactly as `serde_json` writes it. Text with nothing to
/// escape (almost all header values, hosts, URLs) is copied after one check; serde_json's
/// own escape loop goes byte by byte.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    if needs_escape(s.as_bytes()) {
        return serde_json::to_writer(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Whether `bytes` hold a `"`, a `\` or a control character (what serde_json escapes).
/// Up to 16 bytes (most header names and values): two overlapping eight-byte words
/// tested at once; longer text: a fold the compiler vectorises.
fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| escaped(b));
    }
    if bytes.len() <= 16 {
        if let (Some(lo), Some(hi)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            let word = |w: &[u8; 8]| flags(u64::from_le_bytes(*w));
            return word(lo) | word(hi) != 0;
        }
    }
    // No early exit: the compiler checks many bytes per instruction.
    bytes.iter().fold(false, |seen, &b| seen | escaped(b))
}

fn escaped(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// Non-zero when some byte of `x` is below 0x20, a `"` or a `\` (exact as a yes/no
/// answer: the classic "has a byte less than n" and "has a zero byte" word tests).
fn flags(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    control | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\')))
}

#[cfg(test)]
mod tests {
    use super::write_str;

    #[test]
    fn same_bytes_as_serde_json() {
        for s in [
            "",
            "plain",
            "quote \" and \\ backslash",
            "ctl \u{1}\n\t\u{1f}",
            "del \u{7f} caf\u{e9} \u{1f600}",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s).unwrap();
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    proptest::proptest! {
        /// Any text, of every length around the word tests' edges, escaped or not: the
        /// bytes serde_json writes.
        #[test]
        fn any_text_is_written_as_serde_json_writes_it(
            s in "[ -~\\x00-\\x1f\"\\\\\u{7f}\u{e9}\u{1f600}]{0,40}"
        ) {
            let mut out = Vec::new();
            write_str(&mut out, &s).unwrap();
            proptest::prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }
    }
}
