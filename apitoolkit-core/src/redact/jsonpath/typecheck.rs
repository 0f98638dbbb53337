//! RFC 9535 §2.4.3 well-typedness of filter expressions, which jsonpath-rust's parser
//! does not fully enforce: a function returning a value (`length`, `count`, `value`)
//! cannot stand alone as a test, a function returning a logical (`match`, `search`)
//! cannot be compared, and value-typed arguments must be literals, *singular* queries
//! or value-returning functions. Also, a number literal must be finite (`1e400` is
//! not a number our evaluator can compare).

use jsonpath_rust::parser::model::{
    Comparable, Filter, FilterAtom, FnArg, Literal, Segment, Selector, Test, TestFunction,
};

type Checked = Result<(), String>;

/// Checks every filter selector in `segments` (recursively).
pub(crate) fn check_segments(segments: &[Segment]) -> Checked {
    for seg in segments {
        let seg = match seg {
            Segment::Descendant(inner) => inner.as_ref(),
            other => other,
        };
        let sels: &[Selector] = match seg {
            Segment::Selector(s) => std::slice::from_ref(s),
            Segment::Selectors(v) => v,
            Segment::Descendant(_) => &[],
        };
        for sel in sels {
            if let Selector::Filter(f) = sel {
                check_filter(f)?;
            }
        }
    }
    Ok(())
}

fn check_filter(f: &Filter) -> Checked {
    match f {
        Filter::Or(v) | Filter::And(v) => v.iter().try_for_each(check_filter),
        Filter::Atom(FilterAtom::Filter { expr, .. }) => check_filter(expr),
        Filter::Atom(FilterAtom::Test { expr, .. }) => match expr.as_ref() {
            Test::Function(func) if !returns_logical(func) => {
                Err("the result of a value function must be compared".into())
            }
            t => check_test(t),
        },
        Filter::Atom(FilterAtom::Comparison(c)) => {
            let (l, r) = c.vals();
            check_comparable(l)?;
            check_comparable(r)
        }
    }
}

fn check_test(t: &Test) -> Checked {
    match t {
        Test::RelQuery(segs) => check_segments(segs),
        Test::AbsQuery(q) => check_segments(&q.segments),
        Test::Function(func) => check_function(func),
    }
}

fn returns_logical(func: &TestFunction) -> bool {
    matches!(
        func,
        TestFunction::Match(..) | TestFunction::Search(..) | TestFunction::Custom(..)
    )
}

fn check_comparable(c: &Comparable) -> Checked {
    match c {
        Comparable::Function(func) if returns_logical(func) => {
            Err("a logical function result cannot be compared".into())
        }
        Comparable::Function(func) => check_function(func),
        Comparable::Literal(lit) => check_literal(lit),
        Comparable::SingularQuery(_) => Ok(()),
    }
}

fn check_literal(lit: &Literal) -> Checked {
    match lit {
        Literal::Float(f) if !f.is_finite() => {
            Err("a number literal must be within the range of a double".into())
        }
        _ => Ok(()),
    }
}

fn check_function(func: &TestFunction) -> Checked {
    match func {
        TestFunction::Length(a) => check_value_arg(a),
        TestFunction::Value(a) | TestFunction::Count(a) => match a {
            FnArg::Test(t) => check_test(t),
            FnArg::Literal(lit) => check_literal(lit),
            FnArg::Filter(_) => Ok(()),
        },
        TestFunction::Search(a, b) | TestFunction::Match(a, b) => {
            check_value_arg(a)?;
            check_value_arg(b)
        }
        TestFunction::Custom(..) => Ok(()),
    }
}

fn is_singular(segs: &[Segment]) -> bool {
    segs.iter()
        .all(|s| matches!(s, Segment::Selector(Selector::Name(_) | Selector::Index(_))))
}

fn check_value_arg(a: &FnArg) -> Checked {
    match a {
        FnArg::Literal(lit) => check_literal(lit),
        FnArg::Test(t) => match t.as_ref() {
            Test::RelQuery(segs) if !is_singular(segs) => {
                Err("a non-singular query cannot be a value argument".into())
            }
            Test::AbsQuery(q) if !is_singular(&q.segments) => {
                Err("a non-singular query cannot be a value argument".into())
            }
            Test::Function(func) if returns_logical(func) => {
                Err("a logical function cannot be a value argument".into())
            }
            t => check_test(t),
        },
        FnArg::Filter(_) => Err("a logical expression cannot be a value argument".into()),
    }
}
