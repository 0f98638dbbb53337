//! The compiled JSONPath body redactor (docs/PROTOCOL.md §4).
//!
//! # Design
//!
//! * **Compile once** (`parse.rs`): [`Redactor::new`] applies the two APItoolkit
//!   leniencies (a missing leading `$`, and `-` inside dot-notation names) as a textual
//!   rewrite, parses with jsonpath-rust's RFC 9535 parser, and compiles the AST into a
//!   [`Program`]: an NFA over segments shared by all paths
//!   (`program.rs`). Paths with filter selectors keep their AST.
//! * **A DFA** (`dfa.rs`): when every selector is a name or a wildcard, the NFA is
//!   determinised at compile time, so the scanner looks up one table per member.
//! * **One pass over the bytes** (`splice.rs`): [`Redactor::redact`] scans the body once,
//!   iteratively, tracking for every open container the set of live NFA states; a value
//!   no path can reach is skipped by a fast validating skipper, a matched value is
//!   skipped and its byte span recorded. The output splices the JSON string
//!   `"[CLIENT_REDACTED]"` over those spans; every other byte (whitespace, key order,
//!   number text, escapes) is copied unchanged. No `Value` is built.
//! * **Nothing to find** (`Program::live_paths`): before the scan, each path's member
//!   names are searched for as quoted strings in the bytes. When every path needs a name
//!   the body lacks (and no `\u` escape could spell it), the body is only validated;
//!   when some do, the scan uses the DFA of the other paths (built once per subset, for
//!   up to six paths), so a `$..card.number` does not cost a look-up per member of
//!   bodies without a `card`.
//! * **DOM fallback** (`dom.rs`): filter selectors, negative indices and slices with a
//!   negative bound or step need more than a forward pass. When one is configured,
//!   `redact` parses the body with serde_json, finds the matched nodes on the DOM, then
//!   runs the same byte scanner with the DOM as its guide, so the output still keeps
//!   every unredacted byte. serde_json's recursion limit (128) applies on that path: a
//!   deeper body becomes the unparseable placeholder. Filter paths are evaluated by our
//!   own RFC 9535 evaluator over jsonpath-rust's AST (`eval.rs`): the library's
//!   evaluator mistakes a filter applied to a filter's current node (`$[?@[?@>1]]`)
//!   for a logical expression, and selects too little.
//! * **Duplicate member names** (`{"password":"a","pass\u0077ord":"b"}`): RFC 8259 only
//!   says names *should* be unique, and receivers differ on which duplicate they keep,
//!   so a path covers every occurrence. The byte scanner judges each member by its own
//!   (decoded) name, so it redacts every occurrence, nested or in arrays, whatever the
//!   spelling; `live_paths` only calls a name absent when its quoted form does not
//!   occur and no escape that could spell it does (any `\u`; a `\` for names with a
//!   short escape), so no occurrence, first or second, slips past it. A DOM keeps one
//!   value per name (serde_json keeps the last), so in the DOM fallback the other
//!   occurrences are bytes the DOM cannot vouch for, and a filter's verdict may hinge
//!   on the duplicate the DOM dropped (`$[?@.role=='admin'].password` on
//!   `[{"role":"admin","role":"user","password":"x"}]`). There, a body with any
//!   duplicate member name anywhere fails closed: [`dom::has_duplicate_members`] compares
//!   the member count of the bytes with the DOM's, before matching, so such a body is
//!   never shipped even when the DOM says nothing matched. Duplicates are rare in real
//!   traffic; this trades their observability for a decision that needs no reading of
//!   which duplicate "counts". `redact_value` sees a `Value`, which has no duplicates.
//! * **Fail closed**: with paths configured, a body that is not JSON (bad syntax,
//!   truncation, trailing garbage, invalid UTF-8, lone surrogate escapes) becomes
//!   `[UNPARSEABLE_BODY n bytes]`. The empty body stays empty.
//!
//! A matched node is replaced as a whole, whatever its type; nested matches (`$..*`,
//! or `$.a` with `$.a.b`) replace the outermost node once.

mod dfa;
mod dom;
mod eval;
mod lex;
mod parse;
mod program;
mod splice;
mod typecheck;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use self::program::Program;
use super::REDACTED;
use crate::ConfigError;

/// The bytes that replace a body of `len` bytes that is not JSON (or cannot be
/// processed) while redaction paths are configured: `[UNPARSEABLE_BODY n bytes]`.
/// Shared by every body kind so the text is the same everywhere.
pub fn unparseable_placeholder(len: usize) -> Vec<u8> {
    format!("[UNPARSEABLE_BODY {len} bytes]").into_bytes()
}

/// A compiled set of JSONPath redaction paths, applied to request and response bodies.
///
/// Cheap to clone (the compiled program is shared) and `Send + Sync`. The default value
/// has no paths and leaves every body untouched.
///
/// It also carries whether [`redact_body`](crate::redact::redact_body) masks credentials
/// found by their shape in the body it ships (on unless
/// [`with_credentials(false)`](Self::with_credentials)); [`Redactor::redact`] applies
/// the paths only.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    inner: Arc<Inner>,
    credentials_off: bool,
}

#[derive(Debug, Default)]
struct Inner {
    paths: Vec<String>,
    program: Program,
    /// The program as a DFA, when it has one (`dfa.rs`).
    dfa: Option<dfa::Dfa>,
    /// DFAs of subsets of the compiled paths, built on first use: slot `m` for the
    /// paths of the bits of `m` (`Program::live_paths`). Empty unless there are 2 to
    /// [`MAX_SUBSET_PATHS`] paths and a small DFA.
    subsets: Box<[OnceLock<Option<dfa::Dfa>>]>,
}

/// Subset DFAs are kept for programs of at most this many compiled paths (64 slots).
const MAX_SUBSET_PATHS: usize = 6;

/// ... and whose whole DFA has at most this many transitions (a memory bound: 64
/// subsets of about this size at most).
const MAX_SUBSET_TABLE: usize = 4096;

impl Inner {
    /// The DFA for the paths in `live` (a `Program::live_paths` mask): the whole
    /// program's when they are all live or no subset is kept, else the subset's.
    fn dfa_for(&self, live: u64) -> Option<&dfa::Dfa> {
        let n = self.program.roots.len();
        let all = if n >= 64 { u64::MAX } else { (1 << n) - 1 };
        let live = live & all;
        let cell = usize::try_from(live).ok().and_then(|m| self.subsets.get(m));
        match cell {
            Some(cell) if live != all => cell
                .get_or_init(|| {
                    let roots = (0..n)
                        .filter(|i| live & (1 << i) != 0)
                        .map(|i| self.program.roots[i])
                        .collect();
                    dfa::Dfa::build_from(&self.program, roots)
                })
                .as_ref()
                .or(self.dfa.as_ref()),
            _ => self.dfa.as_ref(),
        }
    }
}

impl Redactor {
    /// Parses and compiles `paths` (RFC 9535 JSONPath, plus the two leniencies: a
    /// missing leading `$` and `-` inside dot-notation names).
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidPath`] for the first path that does not parse, with the
    /// character position in the path as written.
    pub fn new<I, S>(paths: I) -> Result<Redactor, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut inner = Inner::default();
        for path in paths {
            let path = path.as_ref();
            parse::compile_into(&mut inner.program, path)?;
            inner.paths.push(path.to_owned());
        }
        inner.dfa = dfa::Dfa::build(&inner.program);
        let n = inner.program.roots.len();
        if (2..=MAX_SUBSET_PATHS).contains(&n)
            && inner
                .dfa
                .as_ref()
                .is_some_and(|d| d.table_len() <= MAX_SUBSET_TABLE)
        {
            inner.subsets = (0..1usize << n).map(|_| OnceLock::new()).collect();
        }
        Ok(Redactor {
            inner: Arc::new(inner),
            credentials_off: false,
        })
    }

    /// Whether [`redact_body`](crate::redact::redact_body) also masks credentials found
    /// by their shape (docs/PROTOCOL.md §4; `true` unless set otherwise).
    #[must_use]
    pub fn with_credentials(mut self, on: bool) -> Self {
        self.credentials_off = !on;
        self
    }

    /// Whether credentials found by their shape are masked in bodies shipped with it.
    pub fn redacts_credentials(&self) -> bool {
        !self.credentials_off
    }

    /// True when no path is configured.
    pub fn is_empty(&self) -> bool {
        self.inner.paths.is_empty()
    }

    /// The configured paths, as the user wrote them.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.inner.paths.iter().map(String::as_str)
    }

    /// Redacts a JSON body.
    ///
    /// Returns the input borrowed when no path is configured (even if it is not JSON),
    /// when it is empty, or when nothing matched. Otherwise every matched value is
    /// replaced by the JSON string `"[CLIENT_REDACTED]"` and all other bytes are kept.
    /// A body that is not JSON becomes [`unparseable_placeholder`].
    pub fn redact<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        if self.is_empty() || body.is_empty() {
            return Cow::Borrowed(body);
        }
        let program = &self.inner.program;
        // UTF-8 is checked once, up front, by `scan` and `validate` (see `lex`).
        let spans = if program.streamable() {
            let live = program.live_paths(body, !self.inner.subsets.is_empty());
            if live == 0 {
                // Nothing can be selected: the body only has to be valid JSON.
                return match lex::validate(body) {
                    Ok(()) => Cow::Borrowed(body),
                    Err(lex::Invalid) => Cow::Owned(unparseable_placeholder(body.len())),
                };
            }
            // Paths that cannot select anything in this body are left out of its DFA.
            match self.inner.dfa_for(live) {
                Some(dfa) => splice::scan(body, &mut dfa::DfaCursor::new(dfa)),
                None => splice::scan(body, &mut splice::NfaCursor::new(program)),
            }
        } else {
            match serde_json::from_slice::<serde_json::Value>(body) {
                // A DOM cannot vouch for duplicate members: fail closed (module docs).
                Ok(doc) if dom::has_duplicate_members(body, &doc) => Err(lex::Invalid),
                Ok(doc) => {
                    let set = dom::match_set(program, &doc);
                    if set.is_empty() {
                        return Cow::Borrowed(body);
                    }
                    splice::scan(body, &mut dom::DomCursor::new(&doc, &set))
                }
                Err(_) => Err(lex::Invalid),
            }
        };
        let Ok(spans) = spans else {
            return Cow::Owned(unparseable_placeholder(body.len()));
        };
        if spans.is_empty() {
            return Cow::Borrowed(body);
        }
        let removed: usize = spans.iter().map(|s| s.len()).sum();
        let mut out = Vec::with_capacity(body.len() - removed + spans.len() * (REDACTED.len() + 2));
        let mut at = 0;
        for span in spans {
            out.extend_from_slice(&body[at..span.start]);
            out.push(b'"');
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'"');
            at = span.end;
        }
        out.extend_from_slice(&body[at..]);
        Cow::Owned(out)
    }

    /// Redacts a parsed document in place, with the same matching as [`Redactor::redact`].
    ///
    /// With a filter path configured, a hand-built document nested deeper than 128
    /// levels (which serde_json would never parse) is replaced as a whole, failing closed.
    pub fn redact_value(&self, value: &mut serde_json::Value) {
        if self.is_empty() {
            return;
        }
        let program = &self.inner.program;
        if !program.filters.is_empty() && dom::depth(value) > dom::MAX_FILTER_DEPTH {
            dom::dispose(std::mem::replace(
                value,
                serde_json::Value::String(REDACTED.to_owned()),
            ));
            return;
        }
        let set = dom::match_set(program, value);
        if !set.is_empty() {
            dom::apply(value, &set);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn redact_redactor_is_send_sync() {
        assert_send_sync::<Redactor>();
        assert_eq!(unparseable_placeholder(3), b"[UNPARSEABLE_BODY 3 bytes]");
    }

    #[test]
    fn redact_paths_whose_names_are_absent_are_left_out_per_body() {
        let r = Redactor::new(["$.password", "$..card.number", "$.a.b"]).unwrap();
        for body in [
            r#"{"password":"p","items":[{"card":{"number":"1"}}],"a":{"b":2}}"#,
            r#"{"password":"p","items":[{"password":"nested","number":"3"}]}"#,
            r#"{"items":[{"card":{"number":"1"}}],"number":4}"#,
            r#"{"items":[{"c\u0061rd":{"number":"1"}}],"password":"p"}"#,
            r#"{"a":{"b":[1]},"card":{"numb\u0065r":5},"x":"password"}"#,
            r#"{"x":"card number password"}"#,
        ] {
            let mut expected: serde_json::Value = serde_json::from_str(body).unwrap();
            r.redact_value(&mut expected);
            let out = r.redact(body.as_bytes());
            let got: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(got, expected, "{body}");
        }
        // Some bodies were scanned with the DFA of a subset of the paths.
        assert!(r.inner.subsets.iter().any(|cell| cell.get().is_some()));
    }

    #[test]
    fn redact_basic_splice() {
        let r = Redactor::new(["$.a", "b.c", "$..d"]).unwrap();
        let out = r.redact(br#"{"a": [1, 2], "b": {"c": 1, "e": {"d": 2}}, "x": 1.0e10}"#);
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"a": "[CLIENT_REDACTED]", "b": {"c": "[CLIENT_REDACTED]", "e": {"d": "[CLIENT_REDACTED]"}}, "x": 1.0e10}"#
        );
        assert_eq!(&*r.redact(b"{\"a\":"), b"[UNPARSEABLE_BODY 5 bytes]");
    }
}
