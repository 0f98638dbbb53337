//! The JSON lexer used by the scanner: whitespace, strings (skipped 16 or 8 bytes at a
//! time), numbers, literals, and [`skip_value`], an iterative validating skipper that
//! keeps one bit per open container (64 in a register). It accepts exactly the grammar
//! serde_json accepts (RFC 8259, paired surrogate escapes, UTF-8 text), except that number magnitudes are
//! not range-checked.
//!
//! UTF-8 is checked once for the whole text, before lexing ([`utf8`], SIMD-accelerated
//! by `simdutf8`); the lexer then works on bytes: inside strings it only looks for `"`,
//! `\` and control characters (16 bytes at a time with SSE2 on x86_64, through
//! `safe_arch`; 8 at a time in a word elsewhere), and outside strings the grammar only
//! admits ASCII.
//! Every entry point that takes a text not yet checked ([`validate`], the scanner's
//! `scan`) calls [`utf8`] first.

/// The input is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

pub(crate) type Res<T> = Result<T, Invalid>;

/// Checks that `b` is UTF-8 (what every function below assumes of its input).
#[inline]
pub(crate) fn utf8(b: &[u8]) -> Res<()> {
    simdutf8::basic::from_utf8(b).map(drop).map_err(|_| Invalid)
}

/// Skips JSON whitespace from `i`. Compact JSON has none: one comparison.
#[inline(always)]
pub(crate) fn skip_ws(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(&c) if c > b' ' => i,
        _ => skip_ws_loop(b, i),
    }
}

#[inline(never)]
fn skip_ws_loop(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// Checks that `b` is one JSON text: a value with optional whitespace around it (what
/// the scanner accepts, without looking at any member name).
pub(crate) fn validate(b: &[u8]) -> Res<()> {
    utf8(b)?;
    let end = skip_value(b, skip_ws(b, 0), &mut Vec::new())?;
    if skip_ws(b, end) == b.len() {
        Ok(())
    } else {
        Err(Invalid)
    }
}

/// Skips `"key" : ` inside [`skip_value`].
#[inline(always)]
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

/// Validates and skips the scalar (string, number, literal) at `i`; `None` when the
/// value at `i` is not a scalar (a container, or not a value at all).
#[inline(always)]
pub(crate) fn skip_scalar(b: &[u8], i: usize) -> Option<Res<usize>> {
    Some(match b.get(i) {
        Some(b'"') => skip_string(b, i).map(|(end, _)| end),
        Some(b'-' | b'0'..=b'9') => skip_number(b, i),
        Some(b't') => skip_lit(b, i, b"true"),
        Some(b'f') => skip_lit(b, i, b"false"),
        Some(b'n') => skip_lit(b, i, b"null"),
        _ => return None,
    })
}

/// The containers [`skip_value`] is inside: one bit each (1 = object), the innermost 64
/// in a register, the outer ones spilled to the heap 64 at a time.
struct Nest<'s> {
    bits: u64,
    depth: usize,
    spill: &'s mut Vec<u64>,
}

impl Nest<'_> {
    #[inline(always)]
    fn push(&mut self, object: bool) {
        if self.depth % 64 == 0 && self.depth != 0 {
            self.spill.push(self.bits);
        }
        self.bits = self.bits << 1 | u64::from(object);
        self.depth += 1;
    }

    /// Leaves the innermost container (the caller checks that there is one).
    #[inline(always)]
    fn pop(&mut self) {
        self.depth -= 1;
        self.bits >>= 1;
        if self.depth % 64 == 0 && self.depth != 0 {
            self.bits = self.spill.pop().unwrap_or_default();
        }
    }

    /// Whether the innermost container is an object.
    #[inline(always)]
    fn in_object(&self) -> bool {
        self.bits & 1 != 0
    }
}

/// Validates and skips the value starting at `i` (no leading whitespace); returns its
/// end. `spill` is scratch space for nesting deeper than 64 levels.
///
/// Members written compactly (`,"key":` or `{"key":`, no whitespace, the name without
/// escapes) are read from classified windows by [`compact_member`], consecutive ones
/// with string values without escapes or numbers without exponent in one go; anything
/// else goes through the byte-by-byte path, which is also what the fast path falls back
/// to. The first member with whitespace around it turns the fast path off for the rest
/// of the value (pretty-printed JSON would only pay for its misses).
pub(crate) fn skip_value(b: &[u8], mut i: usize, spill: &mut Vec<u64>) -> Res<usize> {
    spill.clear();
    let mut open = Nest {
        bits: 0,
        depth: 0,
        spill,
    };
    let mut compact = true;
    loop {
        match b.get(i) {
            Some(b'{') => {
                let fast = if compact {
                    compact_member(b, i, b'{', &mut compact)
                } else {
                    None
                };
                if let Some((j, done)) = fast {
                    open.push(true);
                    i = j;
                    if !done {
                        continue;
                    }
                } else {
                    i = skip_ws(b, i + 1);
                    if b.get(i) == Some(&b'}') {
                        i += 1;
                    } else {
                        open.push(true);
                        i = skip_key(b, i)?;
                        continue;
                    }
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
            _ => match skip_scalar(b, i) {
                Some(end) => i = end?,
                None => return Err(Invalid),
            },
        }
        loop {
            if open.depth == 0 {
                return Ok(i);
            }
            if compact && open.in_object() {
                if let Some((j, done)) = compact_member(b, i, b',', &mut compact) {
                    i = j;
                    if done {
                        continue;
                    }
                    break;
                }
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if open.in_object() {
                        i = skip_key(b, i)?;
                    }
                    break;
                }
                Some(b'}') if open.in_object() => {
                    i += 1;
                    open.pop();
                }
                Some(b']') if !open.in_object() => {
                    i += 1;
                    open.pop();
                }
                _ => return Err(Invalid),
            }
        }
    }
}

/// The fast path of [`skip_value`] for members written compactly: `lead` (`,` or `{`)
/// at `i`, then `"name":` with no escape in the name and no whitespace. The window at
/// `i` is classified once ([`classify`]) and the members that follow one another in it
/// are read from the masks: each one whose value is a string without escapes or a number
/// without exponent ([`compact_number`]), and ends within the window, is passed over,
/// and so is the `,` leading to the next one. The window is 64 bytes at an object's `{`
/// (records in arrays open with several short members) and 32 after a `,` (the member
/// that follows a nested value or an escape is often alone before the next one), or
/// near the end of the text.
///
/// Returns where the last member passed over ends (`true`), or, at a member whose
/// value is anything else (a container, a literal, an escape, the window's end), where
/// that value starts (`false`, the member's name read). `None` changes nothing: the
/// byte-by-byte path takes over at `i` (and reports what is invalid); whitespace after
/// a `lead` or a name also clears `compact`.
#[inline(always)]
fn compact_member(b: &[u8], i: usize, lead: u8, compact: &mut bool) -> Option<(usize, bool)> {
    let rest = b.get(i..)?;
    match rest.first_chunk::<64>() {
        Some(w) if lead == b'{' => compact_members(b, w, i, lead, compact),
        _ => compact_members(b, rest.first_chunk::<32>()?, i, lead, compact),
    }
}

/// [`compact_member`] on the window `w` (the bytes of `b` from `i`).
#[inline(always)]
fn compact_members<const N: usize>(
    b: &[u8],
    w: &[u8; N],
    i: usize,
    lead: u8,
    compact: &mut bool,
) -> Option<(usize, bool)> {
    if w[0] != lead || w[1] != b'"' {
        if w[0] == lead && w[1] <= b' ' {
            *compact = false;
        }
        return None;
    }
    let (quotes, special, digits) = classify(w);
    // Bits `0..k`, and bits after `k`.
    let below = |k: usize| (1u64 << k) - 1;
    let after = |k: usize| !((2u64 << k) - 1);
    // The member's lead is at `at`, its name's opening quote at `at + 1`. Everything
    // before `at` was passed over: no `\` or control character there.
    let mut at = 0;
    loop {
        // The name's closing quote: the first quote after the opening one, with no `\`
        // or control character before it.
        let name = quotes & after(at + 1);
        let close = name.trailing_zeros() as usize;
        if name == 0 || special & below(close) != 0 {
            break;
        }
        match w.get(close + 1) {
            Some(b':') => {}
            Some(&c) if c <= b' ' => {
                *compact = false;
                break;
            }
            _ => break,
        }
        let value = close + 2;
        let end = match w.get(value) {
            Some(b'"') => {
                // The string value's closing quote, with nothing special before it.
                let string = quotes & after(value);
                let end = string.trailing_zeros() as usize;
                (string != 0 && special & below(end) == 0).then_some(end + 1)
            }
            Some(b'-' | b'0'..=b'9') => compact_number(w, value, digits),
            _ => None,
        };
        let Some(end) = end else {
            return Some((skip_ws(b, i + value), false));
        };
        match (w.get(end), w.get(end + 1)) {
            (Some(b','), Some(b'"')) => at = end,
            (Some(b','), Some(&c)) if c <= b' ' => {
                *compact = false;
                return Some((i + end, true));
            }
            _ => return Some((i + end, true)),
        }
    }
    // The member at `at` is not one the masks can read: the members before it are.
    (at != 0).then_some((i + at, true))
}

/// The end of the number at `w[at]` when it is `-? (0 | [1-9][0-9]*) (. [0-9]+)?` and
/// ends within `w` (exponents and anything else: `None`, the byte path decides);
/// `digits` has bit `k` set when `w[k]` is an ASCII digit.
#[inline(always)]
fn compact_number<const N: usize>(w: &[u8; N], mut at: usize, digits: u64) -> Option<usize> {
    // The length of the run of digits from `k`.
    let run = |k: usize| (!digits.checked_shr(k as u32).unwrap_or(0)).trailing_zeros() as usize;
    if w[at] == b'-' {
        at += 1;
    }
    at += match w.get(at)? {
        b'0' => 1,
        b'1'..=b'9' => run(at),
        _ => return None,
    };
    if *w.get(at)? == b'.' {
        let fraction = run(at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    match w.get(at)? {
        b'e' | b'E' | b'0'..=b'9' => None,
        _ => Some(at),
    }
}

/// Bit `k` of the masks: byte `k` of `w` is `"`; is `\` or a control character; is an
/// ASCII digit. `N` is a multiple of 16, at most 64.
#[inline(always)]
fn classify<const N: usize>(w: &[u8; N]) -> (u64, u64, u64) {
    let (mut quotes, mut special, mut digits) = (0, 0, 0);
    for (k, chunk) in w.chunks_exact(16).enumerate() {
        let (q, s, d) = classify16(chunk.try_into().unwrap_or(&[0; 16]));
        quotes |= q << (16 * k);
        special |= s << (16 * k);
        digits |= d << (16 * k);
    }
    (quotes, special, digits)
}

/// [`classify`] for 16 bytes, with SSE2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classify16(w: &[u8; 16]) -> (u64, u64, u64) {
    use safe_arch::{
        bitand_m128i as and, bitor_m128i as or, cmp_eq_mask_i8_m128i as eq,
        cmp_gt_mask_i8_m128i as gt, cmp_lt_mask_i8_m128i as lt, load_unaligned_m128i, max_u8_m128i,
        move_mask_i8_m128i as mask, set_splat_i8_m128i as splat,
    };
    let v = load_unaligned_m128i(w);
    let below_space = splat(0x1f);
    let quotes = mask(eq(v, splat(b'"' as i8)));
    let special = mask(or(
        eq(v, splat(b'\\' as i8)),
        eq(max_u8_m128i(v, below_space), below_space),
    ));
    // Signed compares: bytes from 0x80 are negative, never digits.
    let digits = mask(and(
        gt(v, splat(b'0' as i8 - 1)),
        lt(v, splat(b'9' as i8 + 1)),
    ));
    (quotes as u64, special as u64, digits as u64)
}

/// [`classify16`] one byte at a time, where SSE2 is not available (compiled everywhere:
/// the tests compare it with the SSE2 version).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[cfg_attr(not(target_arch = "x86_64"), inline(always))]
fn classify16_bytes(w: &[u8; 16]) -> (u64, u64, u64) {
    let (mut quotes, mut special, mut digits) = (0, 0, 0);
    for (k, &c) in w.iter().enumerate() {
        quotes |= u64::from(c == b'"') << k;
        special |= u64::from(c == b'\\' || c < 0x20) << k;
        digits |= u64::from(c.is_ascii_digit()) << k;
    }
    (quotes, special, digits)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn classify16(w: &[u8; 16]) -> (u64, u64, u64) {
    classify16_bytes(w)
}

#[inline(always)]
fn skip_lit(b: &[u8], i: usize, lit: &[u8]) -> Res<usize> {
    if b.get(i..i + lit.len()) == Some(lit) {
        Ok(i + lit.len())
    } else {
        Err(Invalid)
    }
}

#[inline(always)]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if c.wrapping_sub(b'0') >= 10 {
            break;
        }
        i += 1;
    }
    i
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
#[inline]
fn skip_number(b: &[u8], mut i: usize) -> Res<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
        _ => return Err(Invalid),
    }
    match b.get(i) {
        Some(b'.' | b'e' | b'E') => skip_fraction(b, i),
        _ => Ok(i),
    }
}

/// The fraction and exponent of a number, from the `.`, `e` or `E` at `i`.
fn skip_fraction(b: &[u8], mut i: usize) -> Res<usize> {
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
const QUOTES: u64 = ONES * b'"' as u64;
const BACKSLASHES: u64 = ONES * b'\\' as u64;
const SPACES: u64 = ONES * 0x20;

/// Bytes of the string window: how far [`special_offset`] looks at once.
#[cfg(target_arch = "x86_64")]
const WINDOW: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const WINDOW: usize = 8;

/// The offset of the first byte of `w` that is `"`, `\` or a control character, or
/// `None`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_offset(w: &[u8; WINDOW]) -> Option<usize> {
    special_offset_sse2(w)
}

/// The offset of the first byte of `w` that is `"`, `\` or a control character, or
/// `None`.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn special_offset(w: &[u8; WINDOW]) -> Option<usize> {
    special_offset_word(w)
}

/// [`special_offset`] for 16 bytes: three SSE2 compares and one mask (bytes of UTF-8
/// sequences never match).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_offset_sse2(w: &[u8; 16]) -> Option<usize> {
    use safe_arch::{
        bitor_m128i as or, cmp_eq_mask_i8_m128i as eq, load_unaligned_m128i, max_u8_m128i,
        move_mask_i8_m128i, set_splat_i8_m128i as splat,
    };
    let v = load_unaligned_m128i(w);
    let below_space = splat(0x1f);
    let hits = or(
        or(eq(v, splat(b'"' as i8)), eq(v, splat(b'\\' as i8))),
        eq(max_u8_m128i(v, below_space), below_space),
    );
    match move_mask_i8_m128i(hits) {
        0 => None,
        m => Some(m.trailing_zeros() as usize),
    }
}

/// [`special_offset`] for 8 bytes in a word, where SSE2 is not available (compiled
/// everywhere: the tests compare it with the SSE2 version). Borrows only propagate
/// upwards, so the lowest flagged byte is always a true hit; bytes of UTF-8 sequences
/// are never flagged.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn special_offset_word(w: &[u8; 8]) -> Option<usize> {
    let w = u64::from_le_bytes(*w);
    let q = w ^ QUOTES;
    let s = w ^ BACKSLASHES;
    let m =
        ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s) | (w.wrapping_sub(SPACES) & !w))
            & HIGHS;
    match m {
        0 => None,
        m => Some((m.trailing_zeros() / 8) as usize),
    }
}

#[inline]
fn hex4(b: &[u8], i: usize) -> Res<u32> {
    let s = b.get(i..i + 4).ok_or(Invalid)?;
    let mut v = 0;
    for &c in s {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(Invalid),
        };
        v = v * 16 + u32::from(d);
    }
    Ok(v)
}

/// Validates and skips the string starting at the quote at `i`; returns the index after
/// the closing quote and whether it contained escapes. Surrogate escapes must pair up
/// (as serde_json requires when decoding to `String`).
#[inline(always)]
pub(crate) fn skip_string(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match b
            .get(j..j.wrapping_add(WINDOW))
            .map(<&[u8; WINDOW]>::try_from)
        {
            Some(Ok(window)) => match special_offset(window) {
                None => {
                    j += WINDOW;
                    continue;
                }
                Some(at) => j += at,
            },
            _ => {
                while let Some(&c) = b.get(j) {
                    if c == b'"' || c == b'\\' || c < 0x20 {
                        break;
                    }
                    j += 1;
                }
            }
        }
        match b.get(j) {
            Some(b'"') => return Ok((j + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                j = skip_escape(b, j)?;
            }
            _ => return Err(Invalid),
        }
    }
}

/// Validates the escape at the `\` at `j`; returns its end.
#[inline(never)]
fn skip_escape(b: &[u8], mut j: usize) -> Res<usize> {
    match *b.get(j + 1).ok_or(Invalid)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(j + 2),
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
            Ok(j)
        }
        _ => Err(Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// `N` random bytes: one in `one_in` from `picks`, the others lower-case letters.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn random_window<const N: usize>(x: &mut u64, picks: &[u8], one_in: u64) -> [u8; N] {
        std::array::from_fn(|_| {
            let r = xorshift(x);
            if r % one_in == 0 {
                picks[(r >> 8) as usize % picks.len()]
            } else {
                b'a' + (r >> 16) as u8 % 26
            }
        })
    }

    fn valid(s: &str) -> bool {
        valid_bytes(s.as_bytes())
    }

    fn valid_bytes(b: &[u8]) -> bool {
        validate(b).is_ok()
    }

    /// Asserts that `b` is valid exactly when serde_json says so.
    fn agrees_with_serde_json(b: &[u8]) {
        let expect = serde_json::from_slice::<serde_json::Value>(b).is_ok();
        assert_eq!(valid_bytes(b), expect, "{:?}", String::from_utf8_lossy(b));
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
    fn nesting_past_the_register_keeps_each_containers_kind() {
        // Random objects and arrays nested around and past the 64 levels kept in a
        // register; after each inner container closes, its parent gets one more member
        // or element, which must be written the parent's way.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for depth in [1, 2, 63, 64, 65, 66, 127, 128, 129, 200, 1000] {
            let kinds: Vec<bool> = (0..depth).map(|_| xorshift(&mut x) & 1 == 1).collect();
            // `wrong`: the level whose closer (or sibling) is written the other kind's way.
            let doc = |wrong: Option<(usize, bool)>| {
                let mut s = Vec::new();
                for &object in &kinds {
                    s.extend_from_slice(if object { b"{\"k\":" } else { b"[" });
                }
                s.push(b'1');
                for (level, &object) in kinds.iter().enumerate().rev() {
                    let (closer, sibling) = match wrong {
                        Some((l, true)) if l == level => (!object, object),
                        Some((l, false)) if l == level => (object, !object),
                        _ => (object, object),
                    };
                    if level + 1 < depth {
                        s.extend_from_slice(if sibling { b",\"s\":2" } else { b",2" });
                    }
                    s.push(if closer { b'}' } else { b']' });
                }
                s
            };
            assert!(valid_bytes(&doc(None)), "depth {depth}");
            for level in [0, 1, 62, 63, 64, 65, depth / 2, depth - 1] {
                let level = level.min(depth - 1);
                assert!(!valid_bytes(&doc(Some((level, true)))), "{depth} {level}");
                if level + 1 < depth {
                    assert!(!valid_bytes(&doc(Some((level, false)))), "{depth} {level}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn redact_string_window_word_and_sse2_agree() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let picks = b"\"\\\x00\x01\x1f\x20\x21\x7f\x80\xc3\xff\\a0";
        for _ in 0..20_000 {
            let w: [u8; 16] = random_window(&mut x, picks, 4);
            let halves = w.split_at(8);
            let (lo, hi) = (
                <&[u8; 8]>::try_from(halves.0).unwrap(),
                <&[u8; 8]>::try_from(halves.1).unwrap(),
            );
            let word = special_offset_word(lo).or_else(|| special_offset_word(hi).map(|at| at + 8));
            assert_eq!(special_offset_sse2(&w), word, "{w:?}");
        }
    }

    #[test]
    fn compact_members_numbers_and_strings_agree_with_serde_json() {
        // Values in members the fast path reads (compact, with 32 bytes to look at), at
        // the start of an object and after a comma, and in the last bytes (byte path).
        let values = [
            "0",
            "-0",
            "1",
            "-",
            "-a",
            "01",
            "1.",
            "1.5",
            "1.5e3",
            "1e5",
            "-1.25",
            ".5",
            "1..2",
            "1.2.3",
            "00",
            "-01",
            "1234567890123456789012345678",
            "1.e3",
            "1E+2",
            "2.",
            "0.0",
            "9.99",
            "-",
            "1-",
            "1a",
            "\"\"",
            "\"a\\\"b\"",
            "\"a\u{1}b\"",
            "\"\\u00e9\"",
            "\"0123456789abcdefghijklmnopqrstuvwxyz\"",
            "true",
            "tru",
            "nul",
            "{}",
            "[]",
        ];
        let pad = "p".repeat(40);
        for v in values {
            for doc in [
                format!(r#"{{"a":{{"k":{v},"pad":"{pad}"}}}}"#),
                format!(r#"{{"a":{{"x":0,"k":{v},"pad":"{pad}"}}}}"#),
                format!(r#"[{{"k":{v}}},"{pad}"]"#),
                format!(r#"{{"k":{v}}}"#),
                format!(r#"{{"a":{{"x":0,"k":{v}}}}}"#),
            ] {
                let expect = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
                assert_eq!(valid(&doc), expect, "{doc}");
            }
        }
    }

    #[test]
    fn consecutive_compact_members_need_a_comma_between_them() {
        // Two members read from one window: whatever byte stands where the comma
        // belongs, valid exactly when serde_json says so (at an object's start, after a
        // comma, and with the padding that gives the fast path its 64 and 32 bytes).
        let pad = "p".repeat(70);
        for sep in 0..=255u8 {
            for first in ["1", "\"x\"", "9.99", "-0"] {
                for (head, tail) in [("", ""), (r#""z":0,"#, ""), ("", r#","pad":"PAD""#)] {
                    let tail = tail.replace("PAD", &pad);
                    let mut doc = format!(r#"[{{{head}"a":{first}"#).into_bytes();
                    doc.push(sep);
                    doc.extend_from_slice(format!(r#""b":2{tail}}},"{pad}"]"#).as_bytes());
                    agrees_with_serde_json(&doc);
                }
            }
        }
    }

    /// Compact JSON (as serde_json writes it, the fast path's input) with a few bytes
    /// replaced, inserted or removed, from an alphabet of the bytes the fast path looks
    /// at: valid exactly when serde_json says so.
    fn damaged_compact_json() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i32>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            (0..100u32, 0..1000u32)
                .prop_map(|(a, b)| serde_json::json!(f64::from(a) + f64::from(b) / 1000.0)),
            "[a-z\"\\\\\u{1}é ]{0,40}".prop_map(serde_json::Value::from),
        ];
        let doc = leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::vec(("[a-z\"\\\\]{0,30}", inner), 0..6)
                    .prop_map(|m| { serde_json::Value::Object(m.into_iter().collect()) }),
            ]
        });
        let edit = (
            0..3u8,
            any::<prop::sample::Index>(),
            prop::sample::select(b"\"\\:,{}[] a0\x01\xc3\n.e-5".to_vec()),
        );
        (doc, prop::collection::vec(edit, 0..3)).prop_map(|(doc, edits)| {
            let mut b = serde_json::to_vec(&doc).unwrap_or_default();
            for (kind, at, byte) in edits {
                let at = at.index(b.len() + 1);
                match kind {
                    0 if at < b.len() => b[at] = byte,
                    1 => b.insert(at, byte),
                    _ if at < b.len() => drop(b.remove(at)),
                    _ => {}
                }
            }
            b
        })
    }

    proptest::proptest! {
        #[test]
        fn damaged_compact_json_is_valid_exactly_when_serde_json_says_so(
            b in damaged_compact_json()
        ) {
            let expect = serde_json::from_slice::<serde_json::Value>(&b);
            let out_of_range =
                matches!(&expect, Err(e) if e.to_string().starts_with("number out of range"));
            if !out_of_range {
                proptest::prop_assert_eq!(
                    valid_bytes(&b),
                    expect.is_ok(),
                    "{:?}",
                    String::from_utf8_lossy(&b)
                );
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn member_masks_bytes_and_sse2_agree() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let picks = b"\"\\\x00\x01\x1f\x20\x21\x7f\x80\xc3\xff:,{/0159:";
        for _ in 0..20_000 {
            let w: [u8; 16] = random_window(&mut x, picks, 3);
            assert_eq!(classify16(&w), classify16_bytes(&w), "{w:?}");
        }
    }

    #[test]
    fn redact_string_window_finds_every_special_byte_at_every_offset() {
        // A special (or almost special) byte at each offset of the 16- and 8-byte
        // windows, in a key and in a value, long strings included.
        let specials: [&[u8]; 9] = [
            b"\\\"",
            b"\\n",
            b"\\u00e9",
            b"\x01",
            b"\x1f",
            b" ",
            b"\x7f",
            b"\xc3\xa9",
            b"\"",
        ];
        for len in 0..40 {
            for special in specials {
                for at in [0, len / 2, len] {
                    let mut text = vec![b'a'; len];
                    text.splice(at..at, special.iter().copied());
                    for doc in [
                        [&b"[\""[..], &text, b"\",1]"].concat(),
                        [&b"{\""[..], &text, b"\":[\"x\"]}"].concat(),
                    ] {
                        agrees_with_serde_json(&doc);
                    }
                }
            }
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
            agrees_with_serde_json(&b);
        }
    }
}
