//! Evaluation on a `serde_json::Value`: used by `Redactor::redact_value`, and by
//! `Redactor::redact` for programs the one-pass scanner cannot run (filters, negative
//! indices and negative slices).
//!
//! Matching and replacing are separate: [`match_set`] collects the *addresses* of the
//! matched nodes (compiled paths via the same NFA as the scanner, with array lengths
//! known; filter paths via our RFC 9535 evaluator in `eval.rs`, whose results are
//! references into the same document). Then either [`apply`] replaces those nodes in
//! place, outermost first, or the byte scanner walks the original bytes with a
//! [`DomCursor`] and splices the spans of those nodes, keeping every other byte.
//! All walks are iterative.
//!
//! A DOM keeps one value per member name (serde_json keeps the last duplicate), so it
//! cannot vouch for the bytes of a duplicate member: [`has_duplicate_members`] tells
//! `Redactor::redact` to fail closed on such a body (see the design notes in `mod.rs`).

use std::collections::HashSet;

use serde_json::Value;

use super::eval;
use super::lex::skip_string;
use super::program::{Child, Program};
use super::splice::{decode_key, ChildRef, Cursor, Step};
use crate::redact::REDACTED;

/// Deepest document a filter path is evaluated on: serde_json never parses deeper
/// documents (`redact` gives them the placeholder), and `redact_value` replaces a
/// deeper hand-built value as a whole, so both fail closed alike.
pub(crate) const MAX_FILTER_DEPTH: usize = 128;

fn addr(v: &Value) -> usize {
    std::ptr::from_ref(v) as usize
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// The addresses of every node some path matches (nested matches included).
pub(crate) fn match_set(program: &Program, root: &Value) -> HashSet<usize> {
    let mut set = HashSet::new();
    if program.root_match {
        set.insert(addr(root));
        return set;
    }
    if !program.roots.is_empty() {
        let mut arena = Vec::new();
        let mut stack: Vec<(&Value, Vec<u32>)> = vec![(root, program.roots.clone())];
        while let Some((node, states)) = stack.pop() {
            let mut visit = |child: Child<'_>, v| {
                arena.clear();
                arena.extend_from_slice(&states);
                if program.step(&mut arena, 0..states.len(), child, is_container(v)) {
                    set.insert(addr(v));
                } else if arena.len() > states.len() && is_container(v) {
                    stack.push((v, arena[states.len()..].to_vec()));
                }
            };
            match node {
                Value::Object(m) => m
                    .iter()
                    .for_each(|(k, v)| visit(Child::Key(k.as_bytes()), v)),
                Value::Array(a) => {
                    let len = a.len();
                    a.iter()
                        .enumerate()
                        .for_each(|(i, v)| visit(Child::Index(i, Some(len)), v));
                }
                _ => {}
            }
        }
    }
    for query in &program.filters {
        set.extend(eval::select(query, root).into_iter().map(addr));
    }
    set
}

/// True when the JSON text `b`, parsed by serde_json into `doc`, has an object with
/// two members of the same name (however each is spelled: `"a"` and `"\u0061"` are
/// the same name). serde_json keeps one value per name, so `doc` then has fewer
/// members than `b`: every `:` outside a string in a JSON text separates a member
/// name from its value. Also true if `b` does not lex (it always does once parsed).
pub(crate) fn has_duplicate_members(b: &[u8], doc: &Value) -> bool {
    let mut in_text = 0usize;
    let mut i = 0;
    while let Some(at) = memchr::memchr2(b'"', b':', &b[i..]) {
        i += at;
        if b[i] == b':' {
            in_text += 1;
            i += 1;
        } else {
            match skip_string(b, i) {
                Ok((end, _)) => i = end,
                Err(_) => return true,
            }
        }
    }
    let mut in_doc = 0usize;
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                in_doc += m.len();
                stack.extend(m.values().filter(|c| is_container(c)));
            }
            Value::Array(a) => stack.extend(a.iter().filter(|c| is_container(c))),
            _ => {}
        }
    }
    in_text != in_doc
}

/// Nesting depth of `v` (a scalar has depth 0), computed without recursion.
pub(crate) fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        max = max.max(d);
        stack.extend(children.filter(|c| is_container(c)).map(|c| (c, d + 1)));
    }
    max
}

/// Replaces every node in `set` by [`REDACTED`], outermost first.
pub(crate) fn apply(root: &mut Value, set: &HashSet<usize>) {
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        if set.contains(&addr(v)) {
            dispose(std::mem::replace(v, Value::String(REDACTED.to_owned())));
            continue;
        }
        match v {
            Value::Object(m) => stack.extend(
                m.values_mut()
                    .filter(|c| is_container(c) || set.contains(&addr(c))),
            ),
            Value::Array(a) => stack.extend(
                a.iter_mut()
                    .filter(|c| is_container(c) || set.contains(&addr(c))),
            ),
            _ => {}
        }
    }
}

/// Drops a value without recursion (serde_json's `Drop` recurses, which a very deep
/// hand-built value would turn into a stack overflow).
pub(crate) fn dispose(v: Value) {
    if !is_container(&v) {
        return;
    }
    let mut stack = vec![v];
    while let Some(mut node) = stack.pop() {
        match &mut node {
            Value::Object(m) => stack.extend(
                std::mem::take(m)
                    .into_iter()
                    .map(|(_, c)| c)
                    .filter(is_container),
            ),
            Value::Array(a) => stack.extend(a.drain(..).filter(is_container)),
            _ => {}
        }
    }
}

/// Walks a parsed DOM alongside its bytes; matches the nodes in `set`.
#[derive(Debug)]
pub(crate) struct DomCursor<'v> {
    root: &'v Value,
    set: &'v HashSet<usize>,
}

impl<'v> DomCursor<'v> {
    pub(crate) fn new(root: &'v Value, set: &'v HashSet<usize>) -> Self {
        DomCursor { root, set }
    }

    fn step(&self, v: Option<&'v Value>) -> Step<&'v Value> {
        match v {
            Some(v) if self.set.contains(&addr(v)) => Step::Match,
            Some(v) if is_container(v) => Step::Enter(v),
            _ => Step::Skip,
        }
    }
}

impl<'v> Cursor for DomCursor<'v> {
    type Node = &'v Value;

    fn root(&mut self) -> Step<&'v Value> {
        self.step(Some(self.root))
    }

    fn child(&mut self, parent: &'v Value, child: ChildRef<'_>, _: bool) -> Step<&'v Value> {
        let v = match (parent, child) {
            (Value::Array(a), ChildRef::Index(i)) => a.get(i),
            (Value::Object(m), ChildRef::Key(raw, false)) => {
                std::str::from_utf8(raw).ok().and_then(|k| m.get(k))
            }
            (Value::Object(m), ChildRef::Key(raw, true)) => decode_key(raw).and_then(|k| m.get(&k)),
            _ => None,
        };
        self.step(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redact_dom_duplicate_members_are_detected_however_spelled() {
        let dup = |b: &[u8]| has_duplicate_members(b, &serde_json::from_slice(b).unwrap());
        assert!(!dup(br#"{"a": {"b": "x:y", "c\":": [1, {"a": 2}]}}"#));
        assert!(!dup(br#"[1, "::", {}]"#));
        assert!(dup(br#"{"a": 1, "a": 2}"#));
        assert!(dup(br#"[{"x": 0}, {"a": {"b": 1, "\u0062": 2}}]"#));
    }

    #[test]
    fn redact_dom_depth() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!([])), 1);
        assert_eq!(depth(&json!({"a": [1, {"b": []}]})), 4);
    }
}
