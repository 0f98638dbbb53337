//! JSON text helpers for the record writer ([`crate::record::write_json`]).

/// Appends `s` as a JSON string exactly as `serde_json` writes it. Text with nothing to
/// escape (almost all header values, hosts, URLs) is copied after one vectorised check;
/// serde_json's own escape loop goes byte by byte.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    // serde_json escapes only `"`, `\` and control characters. The fold (no early exit)
    // lets the compiler check many bytes per instruction.
    let needs_escape = s.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escape {
        return serde_json::to_writer(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
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
}
