//! The byte scanner: one forward, iterative pass over a JSON text that validates it
//! (the grammar serde_json accepts) and collects the byte spans of matched values.
//!
//! What matches is decided by a [`Cursor`]: the compiled NFA (`NfaCursor`, the fast
//! path) or a DOM walked in parallel (`DomCursor` in `dom.rs`, the filter / negative
//! index fallback). A child the cursor has no interest in ([`Step::Skip`]) and a
//! matched child ([`Step::Match`]) are consumed by [`skip_value`], a validating skipper
//! that only keeps one bit per open container; strings are skipped eight bytes at a
//! time. No recursion anywhere: nesting depth costs heap, never stack.
//!
//! UTF-8 validity is checked once up front by the caller (`std::str::from_utf8`), so
//! the scanner works on bytes.

use std::ops::Range;

use super::program::{Child, Program};

/// The input is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

type Res<T> = Result<T, Invalid>;

/// What to do with a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<N> {
    /// Nothing inside can match: skip it.
    Skip,
    /// The whole value is redacted.
    Match,
    /// Descend with this cursor node (for scalars this is the same as `Skip`).
    Enter(N),
}

/// A member name or array index, as seen by a [`Cursor`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChildRef<'b> {
    /// Raw member name bytes (between the quotes) and whether it contains escapes.
    Key(&'b [u8], bool),
    /// Array index.
    Index(usize),
}

/// Decides, node by node, what the scanner does.
pub(crate) trait Cursor {
    /// Per-container cursor state.
    type Node: Copy;
    /// The step for the document root.
    fn root(&mut self) -> Step<Self::Node>;
    /// The step for a child of `parent`.
    fn child(&mut self, parent: Self::Node, child: ChildRef<'_>) -> Step<Self::Node>;
}

/// Decodes a member name that contains escapes (rare).
pub(crate) fn decode_key(raw: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
}

/// The NFA cursor: a node is a range of states in a shared arena.
#[derive(Debug)]
pub(crate) struct NfaCursor<'p> {
    program: &'p Program,
    arena: Vec<u32>,
}

impl<'p> NfaCursor<'p> {
    pub(crate) fn new(program: &'p Program) -> Self {
        NfaCursor {
            program,
            arena: Vec::with_capacity(64),
        }
    }
}

impl Cursor for NfaCursor<'_> {
    type Node = (u32, u32);

    fn root(&mut self) -> Step<(u32, u32)> {
        if self.program.root_match {
            return Step::Match;
        }
        self.arena.clear();
        self.arena.extend_from_slice(&self.program.roots);
        if self.arena.is_empty() {
            Step::Skip
        } else {
            Step::Enter((0, self.arena.len() as u32))
        }
    }

    #[inline]
    fn child(&mut self, parent: (u32, u32), child: ChildRef<'_>) -> Step<(u32, u32)> {
        self.arena.truncate(parent.1 as usize);
        let from = parent.0 as usize..parent.1 as usize;
        let decoded;
        let child = match child {
            ChildRef::Index(i) => Child::Index(i, None),
            ChildRef::Key(raw, false) => Child::Key(raw),
            ChildRef::Key(raw, true) => {
                decoded = decode_key(raw).unwrap_or_default();
                Child::Key(decoded.as_bytes())
            }
        };
        if self.program.step(&mut self.arena, from, child) {
            return Step::Match;
        }
        let end = self.arena.len() as u32;
        if end == parent.1 {
            Step::Skip
        } else {
            Step::Enter((parent.1, end))
        }
    }
}

#[derive(Debug)]
struct Frame<N> {
    node: N,
    object: bool,
    index: usize,
}

/// Scans `b` (a whole JSON text), returning the spans of matched values in order.
pub(crate) fn scan<C: Cursor>(b: &[u8], cursor: &mut C) -> Res<Vec<Range<usize>>> {
    let mut spans = Vec::new();
    let mut stack: Vec<Frame<C::Node>> = Vec::new();
    let mut scratch = Vec::new();
    let mut i = skip_ws(b, 0);
    let mut step = cursor.root();
    loop {
        // A value starts at `i`.
        match step {
            Step::Match => {
                let end = skip_value(b, i, &mut scratch)?;
                spans.push(i..end);
                i = end;
            }
            Step::Enter(node) if b.get(i) == Some(&b'{') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    stack.push(Frame {
                        node,
                        object: true,
                        index: 0,
                    });
                    (step, i) = member(b, i, cursor, node)?;
                    continue;
                }
            }
            Step::Enter(node) if b.get(i) == Some(&b'[') => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(Frame {
                        node,
                        object: false,
                        index: 0,
                    });
                    step = cursor.child(node, ChildRef::Index(0));
                    continue;
                }
            }
            Step::Enter(_) | Step::Skip => i = skip_value(b, i, &mut scratch)?,
        }
        // After a value: close containers until the next member or element.
        loop {
            i = skip_ws(b, i);
            let Some(top) = stack.last_mut() else {
                return if i == b.len() {
                    Ok(spans)
                } else {
                    Err(Invalid)
                };
            };
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if top.object {
                        (step, i) = member(b, i, cursor, top.node)?;
                    } else {
                        top.index += 1;
                        step = cursor.child(top.node, ChildRef::Index(top.index));
                    }
                    break;
                }
                Some(b'}') if top.object => {
                    i += 1;
                    stack.pop();
                }
                Some(b']') if !top.object => {
                    i += 1;
                    stack.pop();
                }
                _ => return Err(Invalid),
            }
        }
    }
}

/// Reads `"key" :` at `i`; returns the child's step and the start of its value.
#[inline]
fn member<C: Cursor>(
    b: &[u8],
    i: usize,
    cursor: &mut C,
    node: C::Node,
) -> Res<(Step<C::Node>, usize)> {
    if b.get(i) != Some(&b'"') {
        return Err(Invalid);
    }
    let (end, escaped) = skip_string(b, i)?;
    let j = skip_ws(b, end);
    if b.get(j) != Some(&b':') {
        return Err(Invalid);
    }
    let step = cursor.child(node, ChildRef::Key(&b[i + 1..end - 1], escaped));
    Ok((step, skip_ws(b, j + 1)))
}

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
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

/// Whether any byte of the word is `"`, `\` or a control character.
#[inline]
fn has_special(w: u64) -> bool {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let ctrl = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | ctrl) != 0
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
            if has_special(w) {
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
            _ => j += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> bool {
        let b = s.as_bytes();
        let i = skip_ws(b, 0);
        skip_value(b, i, &mut Vec::new()).is_ok_and(|e| skip_ws(b, e) == b.len())
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
}
