//! Path parsing: the two APItoolkit leniencies, jsonpath-rust's RFC 9535 parser, and
//! compilation of the AST into a [`Program`].
//!
//! The leniencies are a textual rewrite applied before the RFC parser sees the path:
//!
//! 1. **Missing root**: a path starting with a member-name character (ALPHA, `_` or
//!    non-ASCII) gets `$.` prepended: `user.email` → `$.user.email`.
//! 2. **`-` in dotted names**: outside string literals, a dot-notation member name
//!    (after `.` or `..`) that contains `-` is rewritten to bracket notation:
//!    `$.x-api-key` → `$['x-api-key']`, `$..credit-card.cvv` → `$..['credit-card'].cvv`.
//!
//! The rewrite keeps, for every character it emits, the character offset it came from,
//! so error positions reported by the parser point into the user's original string.

use jsonpath_rust::parser::errors::JsonPathError;
use jsonpath_rust::parser::model::{Segment, Selector};
use jsonpath_rust::parser::parse_json_path;

use super::program::{Program, Sel};
use crate::ConfigError;

/// A path after the leniency rewrite, with a map back to the original.
#[derive(Debug)]
struct Rewritten {
    text: String,
    /// For every char of `text`, the char offset in the original path it came from.
    origin: Vec<usize>,
    /// Char length of the original path.
    original_len: usize,
}

fn is_name_first(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (c as u32) >= 0x80
}

fn is_name_char(c: char) -> bool {
    is_name_first(c) || c.is_ascii_digit()
}

/// Applies the two leniencies (see the module docs).
fn rewrite(path: &str) -> Rewritten {
    let chars: Vec<char> = path.chars().collect();
    let mut out = Rewritten {
        text: String::with_capacity(path.len() + 8),
        origin: Vec::new(),
        original_len: chars.len(),
    };
    let emit = |out: &mut Rewritten, c: char, at: usize| {
        out.text.push(c);
        out.origin.push(at);
    };
    if chars.first().is_some_and(|&c| is_name_first(c)) {
        emit(&mut out, '$', 0);
        emit(&mut out, '.', 0);
        // Treat the start as if a `.` preceded it.
        let end = name_end(&chars, 0);
        emit_name(&mut out, &chars, 0, end, false);
        return rewrite_rest(out, &chars, end);
    }
    rewrite_rest(out, &chars, 0)
}

/// End (exclusive) of the lenient dotted name starting at `start` (name chars and `-`).
fn name_end(chars: &[char], start: usize) -> usize {
    let mut end = start + 1;
    while end < chars.len() && (is_name_char(chars[end]) || chars[end] == '-') {
        end += 1;
    }
    end
}

fn emit_name(out: &mut Rewritten, chars: &[char], start: usize, end: usize, descendant: bool) {
    let name = &chars[start..end];
    let bracket = name.contains(&'-');
    if bracket && !descendant {
        // `.x-y` → `['x-y']`: drop the `.` emitted just before (`..x-y` → `..['x-y']`).
        out.text.pop();
        out.origin.pop();
    }
    if bracket {
        out.text.push_str("['");
        out.origin.extend([start, start]);
    }
    for (i, &c) in name.iter().enumerate() {
        out.text.push(c);
        out.origin.push(start + i);
    }
    if bracket {
        out.text.push_str("']");
        out.origin.extend([end, end]);
    }
}

fn rewrite_rest(mut out: Rewritten, chars: &[char], mut i: usize) -> Rewritten {
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        out.text.push(c);
        out.origin.push(i);
        i += 1;
        match quote {
            Some(q) => {
                if c == '\\' && i < chars.len() {
                    out.text.push(chars[i]);
                    out.origin.push(i);
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '.' => {
                let descendant = i < chars.len() && chars[i] == '.';
                if descendant {
                    out.text.push('.');
                    out.origin.push(i);
                    i += 1;
                }
                if i < chars.len() && is_name_first(chars[i]) {
                    let end = name_end(chars, i);
                    emit_name(&mut out, chars, i, end, descendant);
                    i = end;
                }
            }
            None => {}
        }
    }
    out
}

impl Rewritten {
    /// Maps a char offset in the rewritten text back to the original path.
    fn original_pos(&self, pos: usize) -> usize {
        self.origin
            .get(pos)
            .copied()
            .unwrap_or(self.original_len)
            .min(self.original_len)
    }
}

/// Extracts `(char offset, reason)` from a jsonpath-rust error on `text`.
fn locate(err: &JsonPathError, text: &str) -> (usize, String) {
    let msg = err.to_string();
    if let JsonPathError::PestError(_) = err {
        // pest renders ` --> line:col` (1-based, in chars) and `= reason`.
        let pos = msg.split_once("--> ").and_then(|(_, rest)| {
            let lc = rest.split_whitespace().next()?;
            let (l, c) = lc.split_once(':')?;
            let (l, c): (usize, usize) = (l.parse().ok()?, c.parse().ok()?);
            let before: usize = text
                .split('\n')
                .take(l.saturating_sub(1))
                .map(|s| s.chars().count() + 1)
                .sum();
            Some(before + c.saturating_sub(1))
        });
        let reason = msg
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("= "))
            .unwrap_or("syntax error")
            .to_owned();
        return (pos.unwrap_or(0), reason);
    }
    (0, msg)
}

/// Parses one user path and adds it to `program`.
pub(crate) fn compile_into(program: &mut Program, path: &str) -> Result<(), ConfigError> {
    let rewritten = rewrite(path);
    let invalid = |position: usize, reason: String| ConfigError::InvalidPath {
        origin: "Redactor::new".into(),
        path: path.to_owned(),
        position,
        reason,
    };
    let query = parse_json_path(&rewritten.text).map_err(|e| {
        let (pos, reason) = locate(&e, &rewritten.text);
        invalid(rewritten.original_pos(pos), reason)
    })?;
    super::typecheck::check_segments(&query.segments).map_err(|r| invalid(0, r))?;
    let mut segs = Vec::with_capacity(query.segments.len());
    let mut has_filter = false;
    for seg in &query.segments {
        let (descendant, sels) = match seg {
            Segment::Descendant(inner) => (true, selectors(inner)),
            other => (false, selectors(other)),
        };
        let mut compiled = Vec::with_capacity(sels.len());
        for sel in sels {
            compiled.push(match sel {
                Selector::Name(n) => Sel::Name(n.as_str().into()),
                Selector::Wildcard => Sel::Wildcard,
                Selector::Index(i) => Sel::Index(check_int(*i).map_err(|r| invalid(0, r))?),
                Selector::Slice(a, b, c) => {
                    let mut ints = [*a, *b, *c];
                    for v in ints.iter_mut().flatten() {
                        *v = check_int(*v).map_err(|r| invalid(0, r))?;
                    }
                    Sel::Slice(ints[0], ints[1], ints[2].unwrap_or(1))
                }
                Selector::Filter(_) => {
                    has_filter = true;
                    Sel::Wildcard
                }
            });
        }
        segs.push((descendant, compiled));
    }
    if has_filter {
        program.filters.push(query);
    } else {
        program.push_path(segs);
    }
    Ok(())
}

/// RFC 9535 restricts integers to the I-JSON range.
fn check_int(v: i64) -> Result<i64, String> {
    const MAX: i64 = (1 << 53) - 1;
    if (-MAX..=MAX).contains(&v) {
        Ok(v)
    } else {
        Err(format!("integer {v} is outside the I-JSON range ±(2^53-1)"))
    }
}

fn selectors(seg: &Segment) -> Vec<&Selector> {
    match seg {
        Segment::Selector(s) => vec![s],
        Segment::Selectors(v) => v.iter().collect(),
        Segment::Descendant(inner) => selectors(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_rewrite_leniencies() {
        let r = |p: &str| rewrite(p).text;
        assert_eq!(r("user.email"), "$.user.email");
        assert_eq!(r("user.books[*].author"), "$.user.books[*].author");
        assert_eq!(r("$.x-api-key"), "$['x-api-key']");
        assert_eq!(r("$.credit-card.cvv"), "$['credit-card'].cvv");
        assert_eq!(r("$..credit-card"), "$..['credit-card']");
        assert_eq!(r("x-api-key"), "$['x-api-key']");
        assert_eq!(r("$['a.b-c']"), "$['a.b-c']");
        assert_eq!(r("$[?@.a-b == 1]"), "$[?@['a-b'] == 1]");
        assert_eq!(r("$.a"), "$.a");
    }

    #[test]
    fn redact_error_positions_map_back() {
        let mut p = Program::default();
        let err = compile_into(&mut p, "a.b-c[").unwrap_err();
        let ConfigError::InvalidPath { position, path, .. } = err else {
            panic!()
        };
        assert_eq!(path, "a.b-c[");
        assert!(position <= 6, "{position}");
    }
}
