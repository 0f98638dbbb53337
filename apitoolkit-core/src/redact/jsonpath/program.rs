//! The compiled form of the configured paths: an NFA over segments.
//!
//! Every path made of name, index, slice, wildcard and union selectors (plain or
//! descendant segments) is flattened into a run of [`Seg`]s in one shared table. A
//! *state* is the index of the segment that still has to be applied to the children of
//! the current node. Stepping from a node to one of its children ([`Program::step`])
//! maps the parent's state set to the child's state set:
//!
//! * a selector of segment `s` that selects the child moves it to `s + 1`, or reports a
//!   match when `s` is the last segment of its path;
//! * a descendant segment also keeps `s` alive in the child, so it applies at every depth.
//!
//! Paths containing a filter selector are kept as jsonpath-rust ASTs and evaluated on a
//! DOM (see `dom.rs`).

use std::ops::Range;

use jsonpath_rust::parser::model::JpQuery;
use memchr::memmem::Finder;

/// One compiled selector (filters are never compiled into the NFA).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sel {
    /// `.name` / `['name']`: the decoded member name.
    Name(Box<str>),
    /// `[i]`; negative indices count from the end of the array.
    Index(i64),
    /// `[start:end:step]` with RFC 9535 semantics.
    Slice(Option<i64>, Option<i64>, i64),
    /// `*` / `[*]`.
    Wildcard,
}

/// One segment: a union of selectors, possibly applied at every depth.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seg {
    /// `..` segment.
    pub(crate) descendant: bool,
    /// The union of selectors.
    pub(crate) sels: Vec<Sel>,
    /// Whether this is the last segment of its path.
    pub(crate) last: bool,
}

/// A child of the current node, as seen by [`Program::step`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Child<'k> {
    /// An object member with its decoded name.
    Key(&'k [u8]),
    /// An array element: index and, when known, the array length.
    Index(usize, Option<usize>),
}

/// All configured paths, compiled.
#[derive(Debug, Default)]
pub(crate) struct Program {
    /// Shared segment table; states index into it.
    pub(crate) segs: Vec<Seg>,
    /// The initial state of every compiled path with at least one segment.
    pub(crate) roots: Vec<u32>,
    /// A path `$` (no segment) is configured: the whole document matches.
    pub(crate) root_match: bool,
    /// Paths with filter selectors, evaluated by jsonpath-rust on a DOM.
    pub(crate) filters: Vec<JpQuery>,
    /// Some selector needs the array length (negative index or negative slice bound/step).
    pub(crate) needs_len: bool,
    /// Bloom filter over every name selector (see [`name_hash`]).
    name_filter: [u64; 4],
    /// Per compiled path, its segments made only of name selectors, each as searchers
    /// for its names quoted (`"name"`): see [`Program::live_paths`].
    needed_names: Vec<Vec<Vec<Needle>>>,
    /// Per compiled path, whether it has a descendant (`..`) segment.
    descendant_paths: Vec<bool>,
}

/// A member name a path needs, as a searcher for its quoted form.
#[derive(Debug)]
struct Needle {
    quoted: Finder<'static>,
    /// The name has a character that JSON text can only carry escaped (`"`, `\`,
    /// control characters) or that has a short escape besides `\u` (`/`).
    escapable: bool,
}

impl Needle {
    fn new(name: &str) -> Needle {
        let quoted = format!("\"{name}\"");
        Needle {
            quoted: Finder::new(quoted.as_bytes()).into_owned(),
            escapable: name
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '/' | '\0'..='\x1f')),
        }
    }
}

/// Flag of a state set: every state is a descendant segment (the set passes unchanged
/// to any child no selector selects).
pub(crate) const ALL_DESC: u8 = 1;
/// Flag of a state set: no wildcard, so only a name selector can select a member.
pub(crate) const KEYS_INERT: u8 = 2;
/// Flag of a state set: no wildcard, index or slice, so no element can be selected.
pub(crate) const INDEX_INERT: u8 = 4;

/// A one-byte hash of a member name for [`Program::maybe_name`].
#[inline]
fn name_hash(k: &[u8]) -> u8 {
    let first = k.first().copied().unwrap_or(0);
    let last = k.last().copied().unwrap_or(0);
    (k.len() as u8).wrapping_mul(37) ^ first.wrapping_mul(7) ^ last.rotate_left(3)
}

impl Program {
    /// Adds a compiled path (a list of `(descendant, selectors)` segments).
    pub(crate) fn push_path(&mut self, segs: Vec<(bool, Vec<Sel>)>) {
        if segs.is_empty() {
            self.root_match = true;
            return;
        }
        self.needs_len |= segs.iter().flat_map(|(_, s)| s).any(Sel::needs_len);
        self.roots.push(self.segs.len() as u32);
        let needed = segs
            .iter()
            .filter_map(|(_, sels)| {
                sels.iter()
                    .map(|s| match s {
                        Sel::Name(n) => Some(Needle::new(n)),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .collect();
        self.needed_names.push(needed);
        self.descendant_paths
            .push(segs.iter().any(|(descendant, _)| *descendant));
        let n = segs.len();
        for name in segs.iter().flat_map(|(_, s)| s).filter_map(|s| match s {
            Sel::Name(n) => Some(n),
            _ => None,
        }) {
            let h = name_hash(name.as_bytes());
            self.name_filter[usize::from(h >> 6)] |= 1 << (h & 63);
        }
        for (i, (descendant, sels)) in segs.into_iter().enumerate() {
            self.segs.push(Seg {
                descendant,
                sels,
                last: i + 1 == n,
            });
        }
    }

    /// True when the byte scanner can evaluate every path in one forward pass.
    pub(crate) fn streamable(&self) -> bool {
        self.filters.is_empty() && !self.needs_len
    }

    /// The compiled paths that may select something in the JSON text `doc` (bit `i`
    /// for `roots[i]`), judged from its bytes without parsing: a path cannot when one of
    /// its segments of name selectors has no name that occurs in `doc` as a member name
    /// could. A member name is written between quotes, and its characters appear as
    /// themselves unless escaped; a name with no character that JSON must escape (or
    /// may write as `\/`) can only be escaped as `\uXXXX`. So when `doc` has no `\u`,
    /// such a name occurs as a member only if `"name"` occurs in the bytes; other names
    /// need a `\` in `doc` to occur at all, or else `"name"`. Only paths with a `..`
    /// segment are left out one by one; the others are left out only all together
    /// (zero: nothing can match). Every bit when `$` is configured (the whole document
    /// matches) or there are more than 64 paths. With `each` false (no per-subset DFA to
    /// use the answer) only "none" (zero) or "some" (every bit) is told, stopping at the
    /// first live path.
    pub(crate) fn live_paths(&self, doc: &[u8], each: bool) -> u64 {
        let n = self.needed_names.len();
        if self.root_match || n > 64 {
            return u64::MAX;
        }
        // Whether `doc` has a `\` and a `\u`, computed on first use.
        let mut escapes = None;
        let mut absent = |n: &Needle| {
            if n.quoted.find(doc).is_some() {
                return false;
            }
            let (backslash, unicode) = *escapes.get_or_insert_with(|| {
                let backslash = memchr::memchr(b'\\', doc).is_some();
                (
                    backslash,
                    backslash && memchr::memmem::find(doc, b"\\u").is_some(),
                )
            });
            // Not there as written; could it be there escaped?
            !(unicode || (n.escapable && backslash))
        };
        let mut dead =
            |segs: &Vec<Vec<Needle>>| segs.iter().any(|names| names.iter().all(&mut absent));
        if !each {
            return if self.needed_names.iter().all(&mut dead) {
                0
            } else {
                u64::MAX
            };
        }
        // Paths with a `..` segment are judged one by one: left in, they cost a look-up
        // at every member of every level. The others cost little in the DFA, so they are
        // kept without searching, unless nothing else is live: then the body may need
        // no scan at all, and the first live one ends the search.
        let mut live = 0;
        let mut rest = 0;
        for (i, segs) in self.needed_names.iter().enumerate() {
            if !self.descendant_paths[i] {
                rest |= 1 << i;
            } else if !dead(segs) {
                live |= 1 << i;
            }
        }
        if live != 0 {
            return live | rest;
        }
        match (0..n).find(|&i| rest & (1 << i) != 0 && !dead(&self.needed_names[i])) {
            Some(_) => rest,
            None => 0,
        }
    }

    /// False when no name selector of any path can be `key` (a cheap filter).
    #[inline]
    pub(crate) fn maybe_name(&self, key: &[u8]) -> bool {
        let h = name_hash(key);
        self.name_filter[usize::from(h >> 6)] & (1 << (h & 63)) != 0
    }

    /// The flags ([`ALL_DESC`], [`KEYS_INERT`], [`INDEX_INERT`]) of a state set.
    pub(crate) fn flags(&self, states: &[u32]) -> u8 {
        let mut flags = ALL_DESC | KEYS_INERT | INDEX_INERT;
        for &id in states {
            let seg = &self.segs[id as usize];
            if !seg.descendant {
                flags &= !ALL_DESC;
            }
            for sel in &seg.sels {
                match sel {
                    Sel::Wildcard => flags &= !(KEYS_INERT | INDEX_INERT),
                    Sel::Index(_) | Sel::Slice(..) => flags &= !INDEX_INERT,
                    Sel::Name(_) => {}
                }
            }
        }
        flags
    }

    /// Pushes onto `arena` the (deduplicated) states of `child`, given its parent's
    /// states `arena[from]` (which must end at or before `arena.len()`). Returns `true`
    /// when the child is matched by some path; the pushed states are then incomplete.
    /// With `want_states` false (a scalar child) nothing is pushed.
    #[inline]
    pub(crate) fn step(
        &self,
        arena: &mut Vec<u32>,
        from: Range<usize>,
        child: Child<'_>,
        want_states: bool,
    ) -> bool {
        let base = arena.len();
        let out = arena;
        for k in from {
            let id = out[k];
            let seg = &self.segs[id as usize];
            for sel in &seg.sels {
                if sel.selects(child) {
                    if seg.last {
                        return true;
                    }
                    if want_states {
                        push_unique(out, base, id + 1);
                    }
                }
            }
            if seg.descendant && want_states {
                push_unique(out, base, id);
            }
        }
        false
    }
}

#[inline]
fn push_unique(out: &mut Vec<u32>, base: usize, id: u32) {
    if !out[base..].contains(&id) {
        out.push(id);
    }
}

impl Sel {
    /// Whether the selector needs the array length to decide (not streamable).
    fn needs_len(&self) -> bool {
        match *self {
            Sel::Index(i) => i < 0,
            Sel::Slice(start, end, step) => {
                step < 0 || start.is_some_and(|s| s < 0) || end.is_some_and(|e| e < 0)
            }
            Sel::Name(_) | Sel::Wildcard => false,
        }
    }

    /// Whether this selector selects `child`. For array elements without a known length
    /// the selector must not need it (see [`Program::streamable`]).
    #[inline]
    fn selects(&self, child: Child<'_>) -> bool {
        match (self, child) {
            (Sel::Wildcard, _) => true,
            (Sel::Name(n), Child::Key(k)) => eq_short(n.as_bytes(), k),
            (Sel::Index(i), Child::Index(idx, len)) => {
                let idx = idx as i64;
                if *i >= 0 {
                    *i == idx
                } else {
                    len.is_some_and(|len| len as i64 + *i == idx)
                }
            }
            (Sel::Slice(start, end, step), Child::Index(idx, len)) => {
                slice_contains(*start, *end, *step, idx as i64, len.map(|l| l as i64))
            }
            _ => false,
        }
    }
}

/// Byte equality without a `memcmp` call (names are short).
#[inline]
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 9535 §2.3.4.2 slice membership of index `i` (with `0 <= i < len`).
pub(crate) fn slice_contains(
    start: Option<i64>,
    end: Option<i64>,
    step: i64,
    i: i64,
    len: Option<i64>,
) -> bool {
    if step == 0 {
        return false;
    }
    let Some(len) = len else {
        // Streaming: non-negative bounds, positive step (checked at compile time).
        let lower = start.unwrap_or(0);
        return i >= lower && end.is_none_or(|e| i < e) && (i - lower) % step == 0;
    };
    let norm = |v: i64| if v >= 0 { v } else { len.saturating_add(v) };
    if step > 0 {
        let lower = norm(start.unwrap_or(0)).clamp(0, len);
        let upper = norm(end.unwrap_or(len)).clamp(0, len);
        i >= lower && i < upper && (i - lower) % step == 0
    } else {
        let upper = start.map_or(len - 1, norm).clamp(-1, len - 1);
        let lower = end.map_or(-1, norm).clamp(-1, len - 1);
        i > lower && i <= upper && (upper - i) % step.saturating_neg() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(start: Option<i64>, end: Option<i64>, step: i64, len: i64) -> Vec<i64> {
        (0..len)
            .filter(|&i| slice_contains(start, end, step, i, Some(len)))
            .collect()
    }

    #[test]
    fn redact_slice_semantics() {
        assert_eq!(sel(Some(1), Some(3), 1, 5), vec![1, 2]);
        assert_eq!(sel(None, None, 2, 5), vec![0, 2, 4]);
        assert_eq!(sel(None, None, -1, 3), vec![0, 1, 2]);
        assert_eq!(sel(Some(-1), None, 1, 3), vec![2]);
        assert_eq!(sel(Some(3), Some(0), -2, 5), vec![1, 3]);
        assert_eq!(sel(None, None, 0, 3), Vec::<i64>::new());
        assert_eq!(
            sel(Some(i64::MIN), Some(i64::MAX), i64::MIN, 3),
            Vec::<i64>::new()
        );
        assert!(slice_contains(Some(1), None, 2, 3, None));
        assert!(!slice_contains(Some(1), Some(3), 2, 3, None));
    }
}
