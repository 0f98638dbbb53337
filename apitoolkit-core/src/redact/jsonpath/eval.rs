//! RFC 9535 evaluation of the paths that contain filter selectors, on a
//! `serde_json::Value`: our own code, over jsonpath-rust's parsed AST.
//!
//! jsonpath-rust 1.0.12's evaluator treats a filter selector applied to the current
//! node of an enclosing filter (`$[?@[?@>1]]`, also inside `count()` / `value()`
//! arguments) as a parenthesised logical expression on that node instead of a
//! selector over its children, so such a path selected (and redacted) too little. Here
//! a filter selector is always a selector; logical expressions are only the
//! `Filter` / `FilterAtom` tree. The library is still used for two things only: the
//! I-Regexp translation of `match()` / `search()` (given the already-evaluated string
//! arguments as literals), and its non-standard extension functions (`in`, `nin`,
//! `any_of`, ...), which it parses as `Custom`.
//!
//! Nodelists are `Vec<&Value>`: order is not kept (neither redaction nor any function
//! depends on it) but multiplicity is (`count(@[0,0])` is 2). Descendant segments and
//! deep equality are iterative; recursion follows only the path's own nesting.

use std::borrow::Cow;
use std::cmp::Ordering;

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, FnArg, JpQuery, Literal, Segment, Selector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use jsonpath_rust::query::state::State;
use jsonpath_rust::query::Query;
use serde_json::{Number, Value};

use super::program::slice_contains;

/// The nodes `query` selects in `root` (possibly repeated, in no particular order).
pub(crate) fn select<'v>(query: &JpQuery, root: &'v Value) -> Vec<&'v Value> {
    Eval { root }.segments(&query.segments, vec![root])
}

/// A value-typed result (RFC 9535 §2.4.1): a JSON value, or `Nothing`.
type Operand<'v> = Option<Cow<'v, Value>>;

/// The result of a function extension.
enum FnResult<'v> {
    Value(Operand<'v>),
    Logical(bool),
}

#[derive(Clone, Copy)]
struct Eval<'v> {
    root: &'v Value,
}

impl<'v> Eval<'v> {
    fn segments(self, segs: &[Segment], mut nodes: Vec<&'v Value>) -> Vec<&'v Value> {
        for seg in segs {
            if nodes.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for node in nodes {
                self.segment(seg, node, &mut next);
            }
            nodes = next;
        }
        nodes
    }

    fn segment(self, seg: &Segment, node: &'v Value, out: &mut Vec<&'v Value>) {
        match seg {
            Segment::Selector(sel) => self.selector(sel, node, out),
            Segment::Selectors(sels) => sels.iter().for_each(|s| self.selector(s, node, out)),
            Segment::Descendant(inner) => {
                // The node and all its descendants, each given the inner segment.
                let mut stack = vec![node];
                while let Some(d) = stack.pop() {
                    self.segment(inner, d, out);
                    match d {
                        Value::Object(m) => stack.extend(m.values()),
                        Value::Array(a) => stack.extend(a.iter()),
                        _ => {}
                    }
                }
            }
        }
    }

    fn selector(self, sel: &Selector, node: &'v Value, out: &mut Vec<&'v Value>) {
        match (sel, node) {
            (Selector::Name(name), Value::Object(m)) => out.extend(m.get(name.as_str())),
            (Selector::Wildcard, Value::Object(m)) => out.extend(m.values()),
            (Selector::Wildcard, Value::Array(a)) => out.extend(a.iter()),
            (Selector::Index(i), Value::Array(a)) => out.extend(index(a, *i)),
            (Selector::Slice(start, end, step), Value::Array(a)) => {
                let len = Some(a.len() as i64);
                let step = step.unwrap_or(1);
                out.extend(a.iter().enumerate().filter_map(|(i, v)| {
                    slice_contains(*start, *end, step, i as i64, len).then_some(v)
                }));
            }
            (Selector::Filter(f), Value::Object(m)) => {
                out.extend(m.values().filter(|c| self.logical(f, c)));
            }
            (Selector::Filter(f), Value::Array(a)) => {
                out.extend(a.iter().filter(|c| self.logical(f, c)));
            }
            _ => {}
        }
    }

    /// A logical expression with `cur` as `@`.
    fn logical(self, f: &Filter, cur: &'v Value) -> bool {
        match f {
            Filter::Or(v) => v.iter().any(|f| self.logical(f, cur)),
            Filter::And(v) => v.iter().all(|f| self.logical(f, cur)),
            Filter::Atom(FilterAtom::Filter { expr, not }) => self.logical(expr, cur) != *not,
            Filter::Atom(FilterAtom::Test { expr, not }) => self.test(expr, cur) != *not,
            Filter::Atom(FilterAtom::Comparison(c)) => self.comparison(c, cur),
        }
    }

    /// A test expression: an existence test, or a logical function.
    fn test(self, t: &Test, cur: &'v Value) -> bool {
        match t {
            Test::RelQuery(_) | Test::AbsQuery(_) => !self.nodes(t, cur).is_empty(),
            Test::Function(func) => matches!(self.function(func, cur), FnResult::Logical(true)),
        }
    }

    /// The nodelist of an embedded query.
    fn nodes(self, t: &Test, cur: &'v Value) -> Vec<&'v Value> {
        match t {
            Test::RelQuery(segs) => self.segments(segs, vec![cur]),
            Test::AbsQuery(q) => self.segments(&q.segments, vec![self.root]),
            Test::Function(_) => Vec::new(),
        }
    }

    fn comparison(self, c: &Comparison, cur: &'v Value) -> bool {
        let (l, r) = c.vals();
        let (l, r) = (self.comparable(l, cur), self.comparable(r, cur));
        let (l, r) = (l.as_deref(), r.as_deref());
        match c {
            Comparison::Eq(..) => equal(l, r),
            Comparison::Ne(..) => !equal(l, r),
            Comparison::Lt(..) => less(l, r),
            Comparison::Gt(..) => less(r, l),
            Comparison::Lte(..) => less(l, r) || equal(l, r),
            Comparison::Gte(..) => less(r, l) || equal(l, r),
        }
    }

    fn comparable(self, c: &Comparable, cur: &'v Value) -> Operand<'v> {
        match c {
            Comparable::Literal(lit) => literal(lit),
            Comparable::SingularQuery(SingularQuery::Current(segs)) => singular(cur, segs),
            Comparable::SingularQuery(SingularQuery::Root(segs)) => singular(self.root, segs),
            Comparable::Function(func) => match self.function(func, cur) {
                FnResult::Value(v) => v,
                FnResult::Logical(_) => None,
            },
        }
    }

    /// A value-typed function argument: a literal, a singular query, or a function.
    fn value_arg(self, a: &FnArg, cur: &'v Value) -> Operand<'v> {
        match a {
            FnArg::Literal(lit) => literal(lit),
            FnArg::Test(t) => match t.as_ref() {
                Test::Function(func) => match self.function(func, cur) {
                    FnResult::Value(v) => v,
                    FnResult::Logical(_) => None,
                },
                t => match self.nodes(t, cur).as_slice() {
                    [one] => Some(Cow::Borrowed(*one)),
                    _ => None,
                },
            },
            FnArg::Filter(_) => None,
        }
    }

    /// A nodes-typed function argument (`count`, `value`).
    fn nodes_arg(self, a: &FnArg, cur: &'v Value) -> Vec<Cow<'v, Value>> {
        match a {
            FnArg::Test(t) if !matches!(t.as_ref(), Test::Function(_)) => {
                self.nodes(t, cur).into_iter().map(Cow::Borrowed).collect()
            }
            // Ill-typed per RFC 9535 (the type check rejects what it can): a value
            // counts as one node, as jsonpath-rust does.
            other => self.value_arg(other, cur).into_iter().collect(),
        }
    }

    fn function(self, func: &TestFunction, cur: &'v Value) -> FnResult<'v> {
        match func {
            TestFunction::Length(a) => FnResult::Value(match self.value_arg(a, cur).as_deref() {
                Some(Value::String(s)) => Some(count_value(s.chars().count())),
                Some(Value::Array(v)) => Some(count_value(v.len())),
                Some(Value::Object(m)) => Some(count_value(m.len())),
                _ => None,
            }),
            TestFunction::Count(a) => {
                FnResult::Value(Some(count_value(self.nodes_arg(a, cur).len())))
            }
            TestFunction::Value(a) => {
                let mut nodes = self.nodes_arg(a, cur);
                FnResult::Value(if nodes.len() == 1 { nodes.pop() } else { None })
            }
            TestFunction::Match(a, b) | TestFunction::Search(a, b) => {
                let search = matches!(func, TestFunction::Search(..));
                let (a, b) = (self.value_arg(a, cur), self.value_arg(b, cur));
                FnResult::Logical(match (a.as_deref(), b.as_deref()) {
                    (Some(Value::String(s)), Some(Value::String(re))) => regex(s, re, search),
                    _ => false,
                })
            }
            TestFunction::Custom(..) => {
                // jsonpath-rust's own extensions, evaluated by it with `cur` as `@`.
                let state = State {
                    data: State::root(cur).data,
                    root: self.root,
                };
                let result = func.process(state).ok_val();
                FnResult::Logical(result.and_then(|v| v.as_bool()).unwrap_or(false))
            }
        }
    }
}

fn count_value(n: usize) -> Cow<'static, Value> {
    Cow::Owned(Value::from(n))
}

/// `match()` (whole string) or `search()` (substring) with jsonpath-rust's I-Regexp
/// translation. An invalid pattern is false.
fn regex(s: &str, pattern: &str, search: bool) -> bool {
    let lit = |v: &str| FnArg::Literal(Literal::String(v.to_owned()));
    let func = if search {
        TestFunction::Search(lit(s), lit(pattern))
    } else {
        TestFunction::Match(lit(s), lit(pattern))
    };
    let unused = Value::Null;
    let result = func.process(State::root(&unused)).ok_val();
    result.and_then(|v| v.as_bool()).unwrap_or(false)
}

fn index(a: &[Value], i: i64) -> Option<&Value> {
    let i = if i < 0 {
        (a.len() as i64).checked_add(i)?
    } else {
        i
    };
    a.get(usize::try_from(i).ok()?)
}

fn singular<'v>(mut node: &'v Value, segs: &[SingularQuerySegment]) -> Operand<'v> {
    for seg in segs {
        node = match (seg, node) {
            (SingularQuerySegment::Name(n), Value::Object(m)) => m.get(n.as_str())?,
            (SingularQuerySegment::Index(i), Value::Array(a)) => index(a, *i)?,
            _ => return None,
        };
    }
    Some(Cow::Borrowed(node))
}

fn literal(lit: &Literal) -> Operand<'static> {
    Some(Cow::Owned(match lit {
        Literal::Int(i) => Value::from(*i),
        // Non-finite literals are rejected when the path is compiled (`typecheck`).
        Literal::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Literal::String(s) => Value::String(s.clone()),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Null => Value::Null,
    }))
}

/// Numbers compare by value: exactly when both are integers, else as `f64`.
fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    let int = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// RFC 9535 §2.3.5.2.2 `==`: `Nothing` equals only `Nothing`; values are deeply
/// equal with numbers compared by value.
fn equal(a: Option<&Value>, b: Option<&Value>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return a.is_none() && b.is_none();
    };
    let mut stack = vec![(a, b)];
    while let Some(pair) = stack.pop() {
        match pair {
            (Value::Number(x), Value::Number(y)) => {
                if num_cmp(x, y) != Some(Ordering::Equal) {
                    return false;
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                stack.extend(x.iter().zip(y));
            }
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (k, v) in x {
                    let Some(w) = y.get(k) else { return false };
                    stack.push((v, w));
                }
            }
            (x, y) => {
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

/// RFC 9535 §2.3.5.2.2 `<`: only between two numbers or two strings.
fn less(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => num_cmp(x, y) == Some(Ordering::Less),
        (Some(Value::String(x)), Some(Value::String(y))) => x < y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonpath_rust::parser::parse_json_path;
    use serde_json::json;

    fn count(path: &str, doc: &Value) -> usize {
        select(&parse_json_path(path).unwrap(), doc).len()
    }

    #[test]
    fn redact_eval_nested_filter_selects_children() {
        let doc = json!([[0], [0, 1], [0, 1, 2], [42]]);
        let found = select(&parse_json_path("$[?@[?@>1]]").unwrap(), &doc);
        assert_eq!(found.len(), 2);
        assert!(found.contains(&&json!([0, 1, 2])) && found.contains(&&json!([42])));
        assert_eq!(count("$[?count(@[?@>0]) == 2]", &doc), 1);
        assert_eq!(count("$[?value(@[?@>1]) == 42]", &doc), 1);
    }

    #[test]
    fn redact_eval_comparisons_follow_rfc_9535() {
        let doc = json!([{"a": 1}, {"a": 1.0}, {"a": [1, {"b": 2}]}, {"a": "x"}, {}]);
        assert_eq!(count("$[?@.a == 1]", &doc), 2);
        assert_eq!(count("$[?@.a == $[2].a]", &doc), 1);
        assert_eq!(count("$[?@.a != 1]", &doc), 3);
        assert_eq!(count("$[?@.a <= 1]", &doc), 2);
        assert_eq!(count("$[?@.a > 'w']", &doc), 1);
        assert_eq!(count("$[?@.a == @.missing]", &doc), 1);
        assert_eq!(count("$[?length(@.a) == 2]", &doc), 1);
        assert_eq!(count("$[?match(@.a, 'x|y')]", &doc), 1);
        assert_eq!(count("$[?search(@.a, '[')]", &doc), 0);
        assert_eq!(count("$[?count(@..*) > 2]", &doc), 1);
    }
}
