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
//! than [`MAX_STATES`] states or [`MAX_TABLE`] transitions (`..` paths can multiply
//! them).

use std::collections::HashMap;

use super::program::{Program, Sel};
use super::splice::{decode_key, ChildRef, Cursor, Step};

/// The most DFA states built before giving up (the NFA cursor is used instead).
const MAX_STATES: usize = 1024;
/// The most transitions (states times columns) kept, a memory bound.
const MAX_TABLE: usize = 1 << 16;

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

/// Column of the transition table for a member whose name no selector names.
const OTHER_KEY: usize = 0;
/// Column for an array element.
const ELEMENT: usize = 1;
/// Columns of the named members start here (one per distinct name).
const FIRST_NAME: usize = 2;

/// The DFA of a program without index or slice selectors.
#[derive(Debug)]
pub(crate) struct Dfa {
    /// Row `s` (`width` entries) holds state `s`'s targets: [`OTHER_KEY`],
    /// [`ELEMENT`], then one per name of `names`.
    table: Vec<Target>,
    width: usize,
    names: NameTable,
    /// The root's target.
    root: Target,
}

/// The distinct member names of the program, each with its column: a 256-bucket hash
/// table (hash of the length and the last byte), so that a member whose
/// name no selector names (most of them) costs one look-up and no comparison.
#[derive(Debug)]
struct NameTable {
    /// Per bucket, 1 + the index in `entries` of its first name; 0 when empty.
    buckets: Box<[u16; 256]>,
    /// Name, column, and 1 + the index of the next name in the same bucket (0: none).
    entries: Vec<(Box<[u8]>, usize, u16)>,
}

/// The bucket of a member name.
#[inline(always)]
fn name_hash(k: &[u8]) -> usize {
    let last = k.last().copied().unwrap_or(0);
    usize::from((k.len() as u8).wrapping_mul(37) ^ last)
}

impl NameTable {
    fn new(names: &[&[u8]]) -> Option<NameTable> {
        let mut table = NameTable {
            buckets: Box::new([0; 256]),
            entries: Vec::with_capacity(names.len()),
        };
        for (column, &name) in names.iter().enumerate() {
            let h = name_hash(name);
            let next = table.buckets[h];
            table
                .entries
                .push((Box::from(name), FIRST_NAME + column, next));
            table.buckets[h] = u16::try_from(table.entries.len()).ok()?;
        }
        Some(table)
    }

    /// The column of member name `k`.
    #[inline(always)]
    fn column(&self, k: &[u8]) -> usize {
        let mut at = self.buckets[name_hash(k)];
        while let Some((name, column, next)) = self.entries.get(usize::from(at).wrapping_sub(1)) {
            // Not `==`: that is a `memcmp` call, slow for names of a few bytes.
            if name.len() == k.len() && name.iter().zip(k).all(|(a, b)| a == b) {
                return *column;
            }
            at = *next;
        }
        OTHER_KEY
    }
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
        Dfa::build_from(program, program.roots.clone())
    }

    /// Entries of its transition table (states times columns).
    pub(crate) fn table_len(&self) -> usize {
        self.table.len()
    }

    /// The DFA of the paths of `program` whose initial states are `roots` (the others
    /// left out), as [`Dfa::build`].
    pub(crate) fn build_from(program: &Program, mut roots: Vec<u32>) -> Option<Dfa> {
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
            roots.sort_unstable();
            roots.dedup();
            builder.intern(roots)?
        };
        let width = FIRST_NAME + names.len();
        let mut table = Vec::new();
        // `sets` grows while its states are expanded, in order.
        let mut done = 0;
        while done < builder.sets.len() {
            let set = builder.sets[done].clone();
            table.push(builder.next(&set, Symbol::OtherName)?);
            table.push(builder.next(&set, Symbol::Element)?);
            for &name in &names {
                table.push(builder.next(&set, Symbol::Name(name))?);
            }
            done += 1;
            if table.len() > MAX_TABLE {
                return None;
            }
        }
        Some(Dfa {
            table,
            width,
            names: NameTable::new(&names)?,
            root,
        })
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

impl Cursor for DfaCursor<'_> {
    type Node = u32;

    fn root(&mut self) -> Step<u32> {
        step(self.dfa.root, true)
    }

    #[inline(always)]
    fn child(&mut self, parent: u32, child: ChildRef<'_>, container: bool) -> Step<u32> {
        let dfa = self.dfa;
        let column = match child {
            ChildRef::Index(_) => ELEMENT,
            ChildRef::Key(raw, false) => dfa.names.column(raw),
            ChildRef::Key(raw, true) => dfa
                .names
                .column(decode_key(raw).unwrap_or_default().as_bytes()),
        };
        let target = dfa
            .table
            .get(parent as usize * dfa.width + column)
            .copied()
            .unwrap_or(Target::Skip);
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
        let row = &dfa.table[root as usize * dfa.width..][..dfa.width];
        assert!(matches!(row[OTHER_KEY], Target::State(_)));
        assert_eq!(row[ELEMENT], row[OTHER_KEY], "`..` lives on in both");
        let named = |name: &[u8]| row[dfa.names.column(name)];
        assert_ne!(named(b"a"), row[OTHER_KEY]);
        assert_ne!(named(b"x"), row[OTHER_KEY]);
        assert_eq!(named(b"b"), row[OTHER_KEY], "b only counts below a");
        assert_eq!(named(b"zz"), row[OTHER_KEY]);
        assert!(dfa.table.len() / dfa.width < 8, "{}", dfa.table.len());
    }

    #[test]
    fn root_path_matches_everything() {
        let dfa = Dfa::build(&program(&["$"])).unwrap();
        assert_eq!(dfa.root, Target::Match);
    }
}
