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

/// Appends `bytes` as a JSON string when they are ASCII with nothing to escape (then
/// they are the text serde_json writes), and says so; appends nothing otherwise. Up to
/// 16 bytes, two overlapping eight-byte word tests, no UTF-8 check.
pub(crate) fn write_plain_ascii(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let plain = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(lo), Some(hi)) if bytes.len() <= 16 => {
            let word = |w: &[u8; 8]| {
                let x = u64::from_le_bytes(*w);
                flags(x) | (x & 0x8080_8080_8080_8080)
            };
            word(lo) | word(hi) == 0
        }
        _ => bytes.iter().all(|&b| b.is_ascii() && !escaped(b)),
    };
    if plain {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    }
    plain
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
        /// Any bytes, of every length around the word tests' edges: written only when
        /// they are ASCII, and then as serde_json writes their text.
        #[test]
        fn plain_ascii_is_written_as_serde_json_writes_it(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![0x20u8..0x7f, 0u8..0x20, 0x7fu8..=0xff, proptest::strategy::Just(b'"'), proptest::strategy::Just(b'\\')],
                0..40,
            )
        ) {
            let mut out = b"x".to_vec();
            let written = super::write_plain_ascii(&mut out, &bytes);
            let text = std::str::from_utf8(&bytes).ok().filter(|t| t.is_ascii());
            match text {
                Some(t) if serde_json::to_vec(t).unwrap().len() == t.len() + 2 => {
                    proptest::prop_assert!(written);
                    proptest::prop_assert_eq!(&out[1..], &serde_json::to_vec(t).unwrap()[..]);
                }
                _ => {
                    proptest::prop_assert!(!written);
                    proptest::prop_assert_eq!(out, b"x".to_vec());
                }
            }
        }

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
