//! The name/wildcard paths compiled to a DFA over member names ([`Dfa`]), and the
//! scanner's cursor over it ([`DfaCursor`]).
//!
//! When every compiled selector is a member name or a wildcard (no index, no slice),
//! what a child's state set is depends only on the parent's state set and on whether the
//! child is an array element, a member with one of the configured names (which one), or
//! a member with any other name. The subset construction below enumerates the state sets
//! reachable from the roots once, at compile time, so that the scanner does one table
//! look-up per member instead of stepping every live state of the NFA
//! ([`Program::step`]). It is the same automaton, determinised: the NFA cursor remains
//! for programs with index or slice selectors, and for programs whose DFA would have more
//! than [`MAX_STATES`] states (`..` paths can multiply them).

use std::collections::HashMap;

use super::program::{Program, Sel};
use super::splice::{decode_key, ChildRef, Cursor, Step};

/// The most DFA states built before giving up (the NFA cursor is used instead).
const MAX_STATES: usize = 1024;

/// Where a child goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No path can select the child or anything inside it.
    Skip,
    /// Some path selects the child itself.
    Match,
    /// Descend: inside the child, this state applies.
    State(u32),
}

/// One DFA state: a set of NFA states, by its transitions.
#[derive(Debug)]
struct State {
    /// Member names whose target differs from `other_key`, with their targets.
    keys: Box<[(Box<[u8]>, Target)]>,
    /// The target of a member whose name is none of `keys`.
    other_key: Target,
    /// The target of any array element.
    element: Target,
}

/// The DFA of a program without index or slice selectors.
#[derive(Debug)]
pub(crate) struct Dfa {
    states: Vec<State>,
    /// The root's target.
    root: Target,
}

/// A symbol of the DFA's alphabet.
#[derive(Clone, Copy)]
enum Symbol<'n> {
    Name(&'n [u8]),
    OtherName,
    Element,
}

impl Dfa {
    /// Builds the DFA of `program`, or `None` when it has an index or slice selector, a
    /// filter, or too many states.
    pub(crate) fn build(program: &Program) -> Option<Dfa> {
        if !program.filters.is_empty() {
            return None;
        }
        let mut names: Vec<&[u8]> = Vec::new();
        for seg in &program.segs {
            for sel in &seg.sels {
                match sel {
                    Sel::Name(n) => names.push(n.as_bytes()),
                    Sel::Wildcard => {}
                    Sel::Index(_) | Sel::Slice(..) => return None,
                }
            }
        }
        names.sort_unstable();
        names.dedup();
        let mut builder = Builder {
            program,
            ids: HashMap::new(),
            sets: Vec::new(),
        };
        let root = if program.root_match {
            Target::Match
        } else {
            let mut roots = program.roots.clone();
            roots.sort_unstable();
            roots.dedup();
            builder.intern(roots)?
        };
        let mut states = Vec::new();
        // `sets` grows while its states are expanded, in order.
        while states.len() < builder.sets.len() {
            let set = builder.sets[states.len()].clone();
            let other_key = builder.next(&set, Symbol::OtherName)?;
            let element = builder.next(&set, Symbol::Element)?;
            let mut keys = Vec::new();
            for &name in &names {
                let target = builder.next(&set, Symbol::Name(name))?;
                if target != other_key {
                    keys.push((Box::from(name), target));
                }
            }
            states.push(State {
                keys: keys.into_boxed_slice(),
                other_key,
                element,
            });
        }
        Some(Dfa { states, root })
    }
}

struct Builder<'p> {
    program: &'p Program,
    ids: HashMap<Vec<u32>, u32>,
    sets: Vec<Vec<u32>>,
}

impl Builder<'_> {
    /// The target of a (sorted, deduplicated) non-empty set; `None` past [`MAX_STATES`].
    fn intern(&mut self, set: Vec<u32>) -> Option<Target> {
        if set.is_empty() {
            return Some(Target::Skip);
        }
        if let Some(&id) = self.ids.get(&set) {
            return Some(Target::State(id));
        }
        if self.sets.len() >= MAX_STATES {
            return None;
        }
        let id = self.sets.len() as u32;
        self.ids.insert(set.clone(), id);
        self.sets.push(set);
        Some(Target::State(id))
    }

    /// What [`Program::step`] does from `set` for a child of kind `symbol`.
    fn next(&mut self, set: &[u32], symbol: Symbol<'_>) -> Option<Target> {
        let mut out = Vec::new();
        for &id in set {
            let seg = &self.program.segs[id as usize];
            let selected = seg.sels.iter().any(|sel| match (sel, symbol) {
                (Sel::Wildcard, _) => true,
                (Sel::Name(n), Symbol::Name(k)) => n.as_bytes() == k,
                _ => false,
            });
            if selected {
                if seg.last {
                    return Some(Target::Match);
                }
                out.push(id + 1);
            }
            if seg.descendant {
                out.push(id);
            }
        }
        out.sort_unstable();
        out.dedup();
        self.intern(out)
    }
}

/// The scanner's cursor over a [`Dfa`]: a node is a state's index.
#[derive(Debug)]
pub(crate) struct DfaCursor<'d> {
    dfa: &'d Dfa,
}

impl<'d> DfaCursor<'d> {
    pub(crate) fn new(dfa: &'d Dfa) -> Self {
        DfaCursor { dfa }
    }
}

#[inline(always)]
fn step(target: Target, container: bool) -> Step<u32> {
    match target {
        Target::Skip => Step::Skip,
        Target::Match => Step::Match,
        Target::State(s) if container => Step::Enter(s),
        Target::State(_) => Step::Skip,
    }
}

/// Byte equality without a `memcmp` call (names are short).
#[inline]
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl State {
    #[inline(always)]
    fn key(&self, name: &[u8]) -> Target {
        for (k, target) in self.keys.iter() {
            if eq_short(k, name) {
                return *target;
            }
        }
        self.other_key
    }
}

impl Cursor for DfaCursor<'_> {
    type Node = u32;

    fn root(&mut self) -> Step<u32> {
        step(self.dfa.root, true)
    }

    #[inline(always)]
    fn child(&mut self, parent: u32, child: ChildRef<'_>, container: bool) -> Step<u32> {
        let state = &self.dfa.states[parent as usize];
        let target = match child {
            ChildRef::Index(_) => state.element,
            ChildRef::Key(raw, false) => state.key(raw),
            ChildRef::Key(raw, true) => state.key(decode_key(raw).unwrap_or_default().as_bytes()),
        };
        step(target, container)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::jsonpath::parse;

    fn program(paths: &[&str]) -> Program {
        let mut p = Program::default();
        for path in paths {
            parse::compile_into(&mut p, path).unwrap();
        }
        p
    }

    #[test]
    fn index_and_slice_selectors_have_no_dfa() {
        assert!(Dfa::build(&program(&["$.a[0]"])).is_none());
        assert!(Dfa::build(&program(&["$.a[1:]"])).is_none());
        assert!(Dfa::build(&program(&["$.a[*].b", "$..c"])).is_some());
    }

    #[test]
    fn descendant_states_are_shared() {
        let dfa = Dfa::build(&program(&["$..a.b", "$.x[*].y"])).unwrap();
        let Target::State(root) = dfa.root else {
            panic!("root")
        };
        let root = &dfa.states[root as usize];
        assert!(matches!(root.other_key, Target::State(_)));
        assert_eq!(root.keys.len(), 2, "a and x lead elsewhere");
        assert!(dfa.states.len() < 8, "{}", dfa.states.len());
    }

    #[test]
    fn root_path_matches_everything() {
        let dfa = Dfa::build(&program(&["$"])).unwrap();
        assert_eq!(dfa.root, Target::Match);
    }
}
