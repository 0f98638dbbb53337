//! The prefilter: one multi-substring search for the literal prefixes of every format.
//! Only what it finds is verified, by the small checks of the other modules.
//!
//! Every shipped text uses `aho-corasick`'s packed searcher, "slim" Teddy (SIMD, 256-bit
//! where the CPU has AVX2; Rabin-Karp for short texts and CPUs without SIMD). Slim rather
//! than the "fat" variant the crate picks for more than 32 patterns: measured with
//! callgrind over the redaction bench's 100 KB document, 1.07 instructions per byte
//! instead of 1.69. Texts shorter than [`SHORT`] (below Teddy's minimum, where the packed
//! searcher runs Rabin-Karp: about 800 instructions for 50 bytes) are searched byte by
//! byte instead, through a table of the literals by their first byte. Header values that
//! name `Bearer` or `Basic` use a case-insensitive Aho-Corasick automaton.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{packed, AhoCorasick, Input, MatchKind, Span};

/// Which check verifies a literal the search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Jwt,
    Aws,
    GitHub,
    GitHubPat,
    GitLab,
    Stripe,
    Slack,
    SlackWebhook,
    Google,
    PrivateKey,
    /// `Bearer` / `Basic`, any case: header values only.
    Scheme,
}

/// The literals of every format but the authentication schemes.
const LITERALS: &[(&str, Kind)] = &[
    ("eyJ", Kind::Jwt),
    ("AKIA", Kind::Aws),
    ("ASIA", Kind::Aws),
    ("ABIA", Kind::Aws),
    ("ACCA", Kind::Aws),
    ("ghp_", Kind::GitHub),
    ("gho_", Kind::GitHub),
    ("ghu_", Kind::GitHub),
    ("ghs_", Kind::GitHub),
    ("ghr_", Kind::GitHub),
    ("github_pat_", Kind::GitHubPat),
    // GitLab's documented token prefixes.
    ("glpat-", Kind::GitLab),
    ("gloas-", Kind::GitLab),
    ("gldt-", Kind::GitLab),
    ("glrt-", Kind::GitLab),
    ("glrtr-", Kind::GitLab),
    ("glcbt-", Kind::GitLab),
    ("glptt-", Kind::GitLab),
    ("glft-", Kind::GitLab),
    ("glimt-", Kind::GitLab),
    ("glagent-", Kind::GitLab),
    ("glsoat-", Kind::GitLab),
    ("glffct-", Kind::GitLab),
    ("sk_live_", Kind::Stripe),
    ("sk_test_", Kind::Stripe),
    ("rk_live_", Kind::Stripe),
    ("rk_test_", Kind::Stripe),
    ("xoxb-", Kind::Slack),
    ("xoxp-", Kind::Slack),
    ("xoxa-", Kind::Slack),
    ("xoxr-", Kind::Slack),
    ("xoxs-", Kind::Slack),
    ("xoxe-", Kind::Slack),
    ("xapp-", Kind::Slack),
    ("hooks.slack.com", Kind::SlackWebhook),
    ("AIza", Kind::Google),
    ("-----BEGIN ", Kind::PrivateKey),
];

/// Per byte, for [`quick`]: bits 0-15, the literals' first bytes (one bit per distinct
/// first byte); bits 16-31, the second bytes that follow that first byte in some literal;
/// [`URL_TRIGGER`] for `=` and `@`; [`SCHEME_TRIGGER`] for `b` and `B`; [`ESCAPE`] for
/// what a JSON string escapes and non-ASCII bytes.
static QUICK: [u64; 256] = quick_table();

/// Bit of [`QUICK`] for the bytes the URL scrubber acts on.
const URL_TRIGGER: u64 = 1 << 32;
/// Bit of [`QUICK`] for the first letter of `Bearer` and `Basic`, either case.
const SCHEME_TRIGGER: u64 = 1 << 33;
/// Bit of [`QUICK`] for the bytes that keep a text from being written into a JSON
/// string as it is: those serde_json escapes (controls, `"`, `\`) and non-ASCII ones
/// (a text of bytes is then not known to be UTF-8).
const ESCAPE: u64 = 1 << 34;

const fn quick_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut firsts = [0u8; 16];
    let mut groups = 0;
    let mut i = 0;
    while i < LITERALS.len() {
        let literal = LITERALS[i].0.as_bytes();
        assert!(literal.len() >= 2, "every literal has two bytes");
        let mut group = 0;
        while group < groups && firsts[group] != literal[0] {
            group += 1;
        }
        if group == groups {
            assert!(groups < 16, "at most 16 distinct first bytes");
            firsts[group] = literal[0];
            groups += 1;
        }
        table[literal[0] as usize] |= 1 << group;
        table[literal[1] as usize] |= 1 << (16 + group);
        i += 1;
    }
    table[b'=' as usize] |= URL_TRIGGER;
    table[b'@' as usize] |= URL_TRIGGER;
    table[b'b' as usize] |= SCHEME_TRIGGER;
    table[b'B' as usize] |= SCHEME_TRIGGER;
    let mut b = 0;
    while b < 0x20 {
        table[b] |= ESCAPE;
        b += 1;
    }
    table[b'"' as usize] |= ESCAPE;
    table[b'\\' as usize] |= ESCAPE;
    let mut b = 0x80;
    while b < 0x100 {
        table[b] |= ESCAPE;
        b += 1;
    }
    table
}

/// What one pass over a short text finds, for [`super::untouched`].
pub(super) struct Quick {
    /// An `=` or an `@`.
    pub(super) url: bool,
    /// A `b` or a `B`.
    pub(super) scheme: bool,
    /// Two bytes in a row that begin some literal (every literal has at least two): without
    /// them the search finds nothing.
    pub(super) literal: bool,
    /// A byte a JSON string escapes (a control, `"` or `\`), or a non-ASCII one.
    pub(super) escape: bool,
}

/// One table look-up per byte of `hay` (for short texts: the searches cost more to set up).
/// The pairs of bytes are looked at only when the text holds both a first byte of some
/// literal and a byte that follows that first byte in one (without both, no two bytes in
/// a row can begin it): most short texts are settled by the one pass.
pub(super) fn quick(hay: &[u8]) -> Quick {
    let mut all = 0u64;
    for &b in hay {
        all |= QUICK[usize::from(b)];
    }
    Quick {
        url: all & URL_TRIGGER != 0,
        scheme: all & SCHEME_TRIGGER != 0,
        literal: all & (all >> 16) & 0xffff != 0 && pairs(hay),
        escape: all & ESCAPE != 0,
    }
}

/// Whether two bytes in a row of `hay` begin some literal.
fn pairs(hay: &[u8]) -> bool {
    let (mut pairs, mut prev) = (0u64, 0u64);
    for &b in hay {
        let e = QUICK[usize::from(b)];
        pairs |= prev & (e >> 16);
        prev = e;
    }
    pairs & 0xffff != 0
}

/// The authentication schemes looked for in header values.
const SCHEMES: &[&str] = &["bearer", "basic"];

/// One compiled search.
pub(super) struct Searcher {
    finder: Finder,
    /// The literal and its check, by pattern id.
    pub(super) patterns: Vec<(&'static [u8], Kind)>,
    /// Whether the search ignores ASCII case (then every format but the schemes must
    /// be confirmed case-sensitively).
    pub(super) any_case: bool,
}

/// The search for every shipped text.
pub(super) static TEXT: LazyLock<Searcher> = LazyLock::new(|| searcher(false));

/// The search for header values: the same literals plus `Bearer` and `Basic`, any case.
pub(super) static HEADER: LazyLock<Searcher> = LazyLock::new(|| searcher(true));

/// Texts shorter than this are searched byte by byte ([`ByFirst`]).
const SHORT: usize = 64;

enum Finder {
    Packed(packed::Searcher, ByFirst),
    Automaton(AhoCorasick),
}

/// The pattern ids by the first byte of their literal, in pattern order.
struct ByFirst {
    /// For each byte, the range of `ids` whose literal starts with it.
    ranges: Box<[(u8, u8); 256]>,
    ids: Vec<u8>,
}

impl ByFirst {
    fn new(patterns: &[(&'static [u8], Kind)]) -> ByFirst {
        let mut ids: Vec<u8> = (0..patterns.len())
            .filter_map(|i| u8::try_from(i).ok())
            .collect();
        // Stable: pattern order is kept among literals of one first byte.
        ids.sort_by_key(|&i| patterns[usize::from(i)].0.first().copied());
        let mut ranges = Box::new([(0u8, 0u8); 256]);
        let mut at = 0;
        while at < ids.len() {
            let first = patterns[usize::from(ids[at])]
                .0
                .first()
                .copied()
                .unwrap_or(0);
            let run = ids[at..]
                .iter()
                .take_while(|&&i| patterns[usize::from(i)].0.first() == Some(&first))
                .count();
            ranges[usize::from(first)] = (at as u8, (at + run) as u8);
            at += run;
        }
        ByFirst { ranges, ids }
    }

    /// The leftmost literal at or after `at`, the first in pattern order there.
    fn find(
        &self,
        patterns: &[(&'static [u8], Kind)],
        hay: &[u8],
        at: usize,
    ) -> Option<(Range<usize>, usize)> {
        let mut from_byte = at;
        while let Some(found) = hay.get(from_byte..)?.iter().position(|&b| {
            let (from, to) = self.ranges[usize::from(b)];
            from != to
        }) {
            let i = from_byte + found;
            from_byte = i + 1;
            let (from, to) = self.ranges[usize::from(hay[i])];
            for &id in self.ids.get(usize::from(from)..usize::from(to))? {
                let id = usize::from(id);
                let literal = patterns[id].0;
                if hay[i..].starts_with(literal) {
                    return Some((i..i + literal.len(), id));
                }
            }
        }
        None
    }
}

impl Searcher {
    /// The leftmost literal at or after `at`: where it is, and its pattern id.
    pub(super) fn find(&self, hay: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
        match &self.finder {
            Finder::Packed(_, by_first) if hay.len() < SHORT => {
                by_first.find(&self.patterns, hay, at)
            }
            Finder::Packed(s, _) => s
                .find_in(hay, Span::from(at..hay.len()))
                .map(|m| (m.range(), m.pattern().as_usize())),
            Finder::Automaton(ac) => ac
                .find(Input::new(hay).span(at..hay.len()))
                .map(|m| (m.range(), m.pattern().as_usize())),
        }
    }
}

/// Teddy's buckets (slim: eight) for the packed search.
const BUCKETS: usize = 8;

/// The literals in the order their pattern ids are given: sorted, then dealt out so that
/// neighbours in sorted order share a Teddy bucket (the packed searcher puts pattern `id`
/// in bucket `7 - id % 8`). A bucket's masks are the union of its literals' nibbles: with
/// literals of one first byte together (`gl..`, `xox.`, `A...`), fewer unrelated bytes
/// pass them, and fewer candidates are verified. The order changes no result: no literal
/// is a prefix of another (a test says so), so at most one matches at any position.
fn dealt_literals() -> Vec<(&'static str, Kind)> {
    let mut sorted = LITERALS.to_vec();
    sorted.sort_by_key(|&(lit, _)| lit);
    let n = sorted.len();
    // Residue `r` of the ids (bucket `7 - r`) has this many ids below `n`.
    let per = |r: usize| n / BUCKETS + usize::from(r < n % BUCKETS);
    let mut dealt = vec![sorted[0]; n];
    let mut next = 0;
    for r in 0..BUCKETS {
        for k in 0..per(r) {
            dealt[r + k * BUCKETS] = sorted[next];
            next += 1;
        }
    }
    dealt
}

fn searcher(header: bool) -> Searcher {
    let mut patterns: Vec<(&'static [u8], Kind)> = dealt_literals()
        .into_iter()
        .map(|(lit, kind)| (lit.as_bytes(), kind))
        .collect();
    if header {
        patterns.extend(SCHEMES.iter().map(|s| (s.as_bytes(), Kind::Scheme)));
    }
    let literals = || patterns.iter().map(|(lit, _)| lit);
    let packed = (!header)
        .then(|| {
            packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .only_teddy_fat(Some(false))
                .builder()
                .extend(literals())
                .build()
        })
        .flatten();
    let finder = match packed {
        Some(s) => Finder::Packed(s, ByFirst::new(&patterns)),
        None => Finder::Automaton(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .ascii_case_insensitive(header)
                .build(literals())
                .expect("the literals are few and short"),
        ),
    };
    Searcher {
        finder,
        patterns,
        any_case: header,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern order cannot change what the leftmost-first search finds: no literal
    /// (nor scheme, in any case) is a prefix of another, so at most one matches at a
    /// position. And the dealt order holds every literal once.
    #[test]
    fn no_literal_is_a_prefix_of_another_and_every_one_is_dealt() {
        let all: Vec<&str> = LITERALS
            .iter()
            .map(|&(l, _)| l)
            .chain(SCHEMES.iter().copied())
            .collect();
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                if i != j {
                    let a = a.to_ascii_lowercase();
                    let b = b.to_ascii_lowercase();
                    assert!(!b.starts_with(&a), "{a} begins {b}");
                }
            }
        }
        let mut dealt: Vec<_> = dealt_literals().iter().map(|&(l, _)| l).collect();
        let mut given: Vec<_> = LITERALS.iter().map(|&(l, _)| l).collect();
        dealt.sort_unstable();
        given.sort_unstable();
        assert_eq!(dealt, given);
        assert_eq!(dealt_literals()[0].0, "-----BEGIN ");
    }

    proptest::proptest! {
        /// The pair test is skipped only when it would find nothing.
        #[test]
        fn the_one_pass_skips_the_pairs_only_when_there_are_none(
            hay in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"eyJAKISBCzghpoustrilab_-xkwfm.".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..40,
            )
        ) {
            proptest::prop_assert_eq!(quick(&hay).literal, pairs(&hay));
        }
    }
}
