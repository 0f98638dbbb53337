//! The JSON lexer used by the scanner: whitespace, strings (validated, skipped eight
//! bytes at a time), numbers, literals, and [`skip_value`], an iterative validating
//! skipper that keeps one bool per open container. It accepts exactly the grammar
//! serde_json accepts (RFC 8259, paired surrogate escapes, UTF-8 text), except that
//! number magnitudes are not range-checked.
//!
//! UTF-8 is checked inside strings, where a non-ASCII byte stops the eight-byte skip and
//! its sequence is validated; outside strings the grammar only admits ASCII. So a text
//! the lexer accepts is valid UTF-8 without a separate pass over it.

/// The input is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

pub(crate) type Res<T> = Result<T, Invalid>;

#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// Checks that `b` is one JSON text: a value with optional whitespace around it (what
/// the scanner accepts, without looking at any member name).
pub(crate) fn validate(b: &[u8]) -> Res<()> {
    let end = skip_value(b, skip_ws(b, 0), &mut Vec::new())?;
    if skip_ws(b, end) == b.len() {
        Ok(())
    } else {
        Err(Invalid)
    }
}

/// Skips `"key" : ` inside [`skip_value`].
#[inline]
fn skip_key(b: &[u8], i: usize) -> Res<usize> {
    if b.get(i) != Some(&b'"') {
        return Err(Invalid);
    }
    let j = skip_ws(b, skip_string(b, i)?.0);
    if b.get(j) != Some(&b':') {
        return Err(Invalid);
    }
    Ok(skip_ws(b, j + 1))
}

/// Validates and skips the value starting at `i` (no leading whitespace); returns its
/// end. `open` is scratch space (one bool per open container: `true` = object).
pub(crate) fn skip_value(b: &[u8], mut i: usize, open: &mut Vec<bool>) -> Res<usize> {
    open.clear();
    loop {
        match b.get(i) {
            Some(b'{') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    open.push(true);
                    i = skip_key(b, i)?;
                    continue;
                }
            }
            Some(b'[') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    open.push(false);
                    continue;
                }
            }
            Some(b'"') => i = skip_string(b, i)?.0,
            Some(b't') => i = skip_lit(b, i, b"true")?,
            Some(b'f') => i = skip_lit(b, i, b"false")?,
            Some(b'n') => i = skip_lit(b, i, b"null")?,
            Some(b'-' | b'0'..=b'9') => i = skip_number(b, i)?,
            _ => return Err(Invalid),
        }
        loop {
            let Some(&object) = open.last() else {
                return Ok(i);
            };
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if object {
                        i = skip_key(b, i)?;
                    }
                    break;
                }
                Some(b'}') if object => {
                    i += 1;
                    open.pop();
                }
                Some(b']') if !object => {
                    i += 1;
                    open.pop();
                }
                _ => return Err(Invalid),
            }
        }
    }
}

fn skip_lit(b: &[u8], i: usize, lit: &[u8]) -> Res<usize> {
    if b.get(i..i + lit.len()) == Some(lit) {
        Ok(i + lit.len())
    } else {
        Err(Invalid)
    }
}

fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
fn skip_number(b: &[u8], mut i: usize) -> Res<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
        _ => return Err(Invalid),
    }
    if b.get(i) == Some(&b'.') {
        let j = skip_digits(b, i + 1);
        if j == i + 1 {
            return Err(Invalid);
        }
        i = j;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let j = skip_digits(b, i);
        if j == i {
            return Err(Invalid);
        }
        i = j;
    }
    Ok(i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A mask whose lowest set bit is in the first byte of the (little-endian) word that
/// is `"`, `\`, a control character or not ASCII; zero when there is none. (Borrows
/// only propagate upwards, so the lowest flagged byte is always a true hit.)
#[inline]
fn special_mask(w: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let ctrl = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | ctrl | (w & HIGHS)
}

/// Validates the UTF-8 sequence whose lead byte (not ASCII) is at `j`; returns its end.
#[inline(never)]
fn skip_utf8(b: &[u8], j: usize) -> Res<usize> {
    let width = match b[j] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return Err(Invalid),
    };
    // `from_utf8` rejects bad continuation bytes, overlong forms, surrogates and code
    // points past U+10FFFF.
    let seq = b.get(j..j + width).ok_or(Invalid)?;
    std::str::from_utf8(seq).map_err(|_| Invalid)?;
    Ok(j + width)
}

fn hex4(b: &[u8], i: usize) -> Res<u32> {
    let s = b.get(i..i + 4).ok_or(Invalid)?;
    let mut v = 0;
    for &c in s {
        v = v * 16 + (c as char).to_digit(16).ok_or(Invalid)?;
    }
    Ok(v)
}

/// Validates and skips the string starting at the quote at `i`; returns the index after
/// the closing quote and whether it contained escapes. Surrogate escapes must pair up
/// (as serde_json requires when decoding to `String`).
#[inline]
pub(crate) fn skip_string(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        while let Some(chunk) = b.get(j..j + 8) {
            let w = u64::from_le_bytes(chunk.try_into().map_err(|_| Invalid)?);
            let m = special_mask(w);
            if m != 0 {
                j += (m.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        match *b.get(j).ok_or(Invalid)? {
            b'"' => return Ok((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *b.get(j + 1).ok_or(Invalid)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let n = hex4(b, j + 2)?;
                        j += 6;
                        if (0xDC00..=0xDFFF).contains(&n) {
                            return Err(Invalid);
                        }
                        if (0xD800..=0xDBFF).contains(&n) {
                            if b.get(j..j + 2) != Some(b"\\u") {
                                return Err(Invalid);
                            }
                            if !(0xDC00..=0xDFFF).contains(&hex4(b, j + 2)?) {
                                return Err(Invalid);
                            }
                            j += 6;
                        }
                    }
                    _ => return Err(Invalid),
                }
            }
            c if c < 0x20 => return Err(Invalid),
            c if c >= 0x80 => j = skip_utf8(b, j)?,
            _ => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> bool {
        valid_bytes(s.as_bytes())
    }

    fn valid_bytes(b: &[u8]) -> bool {
        validate(b).is_ok()
    }

    #[test]
    fn redact_scanner_agrees_with_serde_json_on_validity() {
        for s in [
            "1",
            "-0",
            "1.5e+10",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:1}",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "[[[]]]",
            "[[[]]",
            "{\"a\":[{\"b\":null}]}",
            "tru",
            "true",
            "nul",
            " [ 1 , 2 ] ",
            "\"abcdefghijklmnop\\\"qr\"",
            "[1]]",
            "{}}",
            "",
        ] {
            let expect = serde_json::from_str::<serde_json::Value>(s).is_ok();
            assert_eq!(valid(s), expect, "{s:?}");
        }
    }

    #[test]
    fn strings_must_be_utf8_like_serde_json_requires() {
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for text in [
            &b"caf\xc3\xa9"[..],
            b"\xe2\x82\xac euro, \xf0\x9f\x98\x80 emoji",
            b"0123456789abcdef\xc3\xa9 after eight bytes",
            b"\xc3",
            b"\xc3(",
            b"\xc0\xaf overlong",
            b"\xe0\x80\xaf overlong",
            b"\xed\xa0\x80 surrogate",
            b"\xf4\x90\x80\x80 past U+10FFFF",
            b"\xff",
            b"\x80 lone continuation",
            b"0123456789abcde\xe2\x82",
        ] {
            let mut v = b"{\"k\":[\"".to_vec();
            v.extend_from_slice(text);
            v.extend_from_slice(b"\"]}");
            cases.push(v);
            let mut key = b"{\"".to_vec();
            key.extend_from_slice(text);
            key.extend_from_slice(b"\":1}");
            cases.push(key);
        }
        for b in cases {
            let expect = serde_json::from_slice::<serde_json::Value>(&b).is_ok();
            assert_eq!(valid_bytes(&b), expect, "{:?}", String::from_utf8_lossy(&b));
        }
    }
}
