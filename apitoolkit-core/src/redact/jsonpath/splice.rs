//! The byte scanner: one forward, iterative pass over a JSON text that validates it
//! (the grammar serde_json accepts) and collects the byte spans of matched values.
//!
//! What matches is decided by a [`Cursor`]: the compiled NFA (`NfaCursor`, the fast
//! path) or a DOM walked in parallel (`DomCursor` in `dom.rs`, the filter / negative
//! index fallback). A child the cursor has no interest in ([`Step::Skip`]) and a
//! matched child ([`Step::Match`]) are consumed by [`skip_value`], a validating skipper
//! that only keeps one bit per open container (in a register up to 64 levels); strings are skipped 16 bytes at a time
//! (8 where SSE2 is not available). No recursion anywhere: nesting depth costs heap,
//! never stack.
//!
//! UTF-8 validity is checked once, up front, for the whole text (`lex::utf8`); the
//! scanner and the lexer then work on bytes.

use std::ops::Range;

use super::lex::{skip_scalar, skip_string, skip_value, skip_ws, utf8, Invalid, Res};
use super::program::{Child, Program, ALL_DESC, INDEX_INERT, KEYS_INERT};

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
    /// The step for a child of `parent`; `container` tells whether the child's value
    /// is an object or array (a scalar only needs to know whether it matches).
    fn child(
        &mut self,
        parent: Self::Node,
        child: ChildRef<'_>,
        container: bool,
    ) -> Step<Self::Node>;
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
    /// Flags of recently built state sets (the same few sets recur all the time).
    flag_cache: FlagCache,
}

/// A small allocation-free cache of the flags of state sets of up to four states.
#[derive(Debug, Default)]
struct FlagCache {
    entries: [([u32; 4], u8, u8); 8],
    len: usize,
    next: usize,
}

impl FlagCache {
    fn get(&mut self, set: &[u32], compute: impl FnOnce() -> u8) -> u8 {
        if set.len() > 4 {
            return compute();
        }
        let hit = self.entries[..self.len].iter().find(|(key, n, _)| {
            // Not `==` on slices: that is a `memcmp` call, slow for 1 to 4 words.
            usize::from(*n) == set.len() && key.iter().zip(set).all(|(a, b)| a == b)
        });
        if let Some(&(_, _, flags)) = hit {
            return flags;
        }
        let flags = compute();
        let mut key = [0; 4];
        key[..set.len()].copy_from_slice(set);
        self.entries[self.next] = (key, set.len() as u8, flags);
        self.next = (self.next + 1) % self.entries.len();
        self.len = (self.len + 1).min(self.entries.len());
        flags
    }
}

impl<'p> NfaCursor<'p> {
    pub(crate) fn new(program: &'p Program) -> Self {
        NfaCursor {
            program,
            arena: Vec::with_capacity(64),
            flag_cache: FlagCache::default(),
        }
    }
}

impl NfaCursor<'_> {
    /// Pushes the states of `arena[from]` that survive into any child (descendants).
    fn push_descendants(&mut self, from: Range<usize>) -> Step<NfaNode> {
        let start = self.arena.len();
        for k in from {
            let id = self.arena[k];
            if self.program.segs[id as usize].descendant {
                self.arena.push(id);
            }
        }
        self.finish(start)
    }

    fn finish(&mut self, start: usize) -> Step<NfaNode> {
        if self.arena.len() == start {
            return Step::Skip;
        }
        let (program, set) = (self.program, &self.arena[start..]);
        let flags = self.flag_cache.get(set, || program.flags(set));
        Step::Enter((start as u32, self.arena.len() as u32, flags))
    }
}

/// A state set: `arena[start..end]` and its flags.
type NfaNode = (u32, u32, u8);

impl Cursor for NfaCursor<'_> {
    type Node = NfaNode;

    fn root(&mut self) -> Step<NfaNode> {
        if self.program.root_match {
            return Step::Match;
        }
        self.arena.clear();
        self.arena.extend_from_slice(&self.program.roots);
        self.finish(0)
    }

    #[inline(always)]
    fn child(&mut self, parent: NfaNode, child: ChildRef<'_>, container: bool) -> Step<NfaNode> {
        let (start, end, flags) = parent;
        let inert = match child {
            ChildRef::Index(_) => flags & INDEX_INERT != 0,
            ChildRef::Key(raw, false) => flags & KEYS_INERT != 0 && !self.program.maybe_name(raw),
            ChildRef::Key(_, true) => false,
        };
        let from = start as usize..end as usize;
        self.arena.truncate(end as usize);
        if inert {
            // No selector can select this child: only descendant states survive.
            return match (container, flags & ALL_DESC != 0) {
                (false, _) => Step::Skip,
                (true, true) => Step::Enter(parent),
                (true, false) => self.push_descendants(from),
            };
        }
        let decoded;
        let child = match child {
            ChildRef::Index(i) => Child::Index(i, None),
            ChildRef::Key(raw, false) => Child::Key(raw),
            ChildRef::Key(raw, true) => {
                decoded = decode_key(raw).unwrap_or_default();
                Child::Key(decoded.as_bytes())
            }
        };
        if self.program.step(&mut self.arena, from, child, container) {
            return Step::Match;
        }
        if container {
            self.finish(end as usize)
        } else {
            Step::Skip
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
///
/// Never inlined: inlined into its callers, its loop's register allocation changes
/// with whatever else lands in the same codegen unit (+5 % instructions measured).
#[inline(never)]
pub(crate) fn scan<C: Cursor>(b: &[u8], cursor: &mut C) -> Res<Vec<Range<usize>>> {
    utf8(b)?;
    // Most bodies have no match: no allocation for them; room for 16 at the first. Room
    // for typical nesting, so that the first levels do not reallocate.
    let mut spans = Vec::new();
    let mut stack: Vec<Frame<C::Node>> = Vec::with_capacity(16);
    // Only used past 64 levels of nesting.
    let mut scratch = Vec::new();
    let mut i = skip_ws(b, 0);
    let mut step = cursor.root();
    loop {
        // A value starts at `i`.
        match step {
            Step::Match => {
                let end = skip_value(b, i, &mut scratch)?;
                if spans.capacity() == 0 {
                    spans.reserve_exact(16);
                }
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
                    step = cursor.child(node, ChildRef::Index(0), is_container(b, i));
                    continue;
                }
            }
            // Scalars (the common case) skip the general skipper's bookkeeping.
            Step::Enter(_) | Step::Skip => {
                i = match skip_scalar(b, i) {
                    Some(end) => end?,
                    None => skip_value(b, i, &mut scratch)?,
                }
            }
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
                        step =
                            cursor.child(top.node, ChildRef::Index(top.index), is_container(b, i));
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

#[inline]
fn is_container(b: &[u8], i: usize) -> bool {
    matches!(b.get(i), Some(b'{' | b'['))
}

/// Reads `"key" :` at `i`; returns the child's step and the start of its value.
#[inline(always)]
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
    let j = skip_ws(b, j + 1);
    let step = cursor.child(
        node,
        ChildRef::Key(&b[i + 1..end - 1], escaped),
        is_container(b, j),
    );
    Ok((step, j))
}
