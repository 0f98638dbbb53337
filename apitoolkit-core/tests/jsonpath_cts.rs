//! The JSONPath Compliance Test Suite (vendored under `tests/fixtures/jsonpath-cts/`),
//! applied to redaction: every node a selector selects must become `"[CLIENT_REDACTED]"`
//! and nothing else may change; every invalid selector must be rejected unless one of
//! the two documented leniencies accepts it.

use std::collections::BTreeSet;

use apitoolkit_core::{Redactor, REDACTED};
use serde_json::Value;

/// Invalid CTS selectors that the leniencies (missing `$`, `-` in dotted names) make
/// valid, with the reason. Must be exact.
const LENIENT_ACCEPTED: &[(&str, &str)] = &[];

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Parses a normalized path such as `$['a'][0]['it\'s']`.
fn parse_normalized(p: &str) -> Vec<Step> {
    let chars: Vec<char> = p.chars().collect();
    assert_eq!(chars[0], '$', "{p}");
    let mut i = 1;
    let mut steps = Vec::new();
    while i < chars.len() {
        assert_eq!(chars[i], '[', "{p}");
        i += 1;
        if chars[i] == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars[i] {
                    '\'' => break,
                    '\\' => {
                        i += 1;
                        match chars[i] {
                            'b' => s.push('\u{8}'),
                            'f' => s.push('\u{c}'),
                            'n' => s.push('\n'),
                            'r' => s.push('\r'),
                            't' => s.push('\t'),
                            'u' => {
                                let hex: String = chars[i + 1..i + 5].iter().collect();
                                s.push(
                                    char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap(),
                                );
                                i += 4;
                            }
                            c => s.push(c),
                        }
                    }
                    c => s.push(c),
                }
                i += 1;
            }
            i += 2; // `']`
            steps.push(Step::Key(s));
        } else {
            let start = i;
            while chars[i] != ']' {
                i += 1;
            }
            steps.push(Step::Index(
                chars[start..i].iter().collect::<String>().parse().unwrap(),
            ));
            i += 1;
        }
    }
    steps
}

fn node_mut<'v>(mut v: &'v mut Value, steps: &[Step]) -> &'v mut Value {
    for s in steps {
        v = match s {
            Step::Key(k) => v.get_mut(k.as_str()).expect("path exists"),
            Step::Index(i) => v.get_mut(*i).expect("path exists"),
        };
    }
    v
}

/// The document with the nodes at `paths` replaced, outermost first.
fn expected(doc: &Value, paths: &[String]) -> Value {
    let mut parsed: Vec<Vec<Step>> = paths.iter().map(|p| parse_normalized(p)).collect();
    parsed.sort_by_key(Vec::len);
    let mut out = doc.clone();
    let mut done: Vec<Vec<Step>> = Vec::new();
    for p in parsed {
        if done.iter().any(|d| p.starts_with(d)) {
            continue;
        }
        *node_mut(&mut out, &p) = Value::String(REDACTED.to_owned());
        done.push(p);
    }
    out
}

#[test]
fn cts_cases_redact_exactly_the_selected_nodes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jsonpath-cts/cts.json"
    );
    let cts: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let tests = cts["tests"].as_array().unwrap();
    let (mut valid, mut valid_ok, mut invalid_ok) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut lenient = BTreeSet::new();
    for case in tests {
        let name = case["name"].as_str().unwrap();
        let selector = case["selector"].as_str().unwrap();
        if case.get("invalid_selector").is_some_and(|v| v == true) {
            match Redactor::new([selector]) {
                Err(_) => invalid_ok += 1,
                Ok(_) if LENIENT_ACCEPTED.iter().any(|(s, _)| *s == selector) => {
                    lenient.insert(selector);
                }
                Ok(_) => failures.push(format!("{name}: invalid selector {selector:?} accepted")),
            }
            continue;
        }
        valid += 1;
        let doc = &case["document"];
        let paths: Vec<String> = case
            .get("result_paths")
            .or_else(|| case.get("results_paths").and_then(|r| r.get(0)))
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{name}: no result paths"))
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let redactor = match Redactor::new([selector]) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: valid selector {selector:?} rejected: {e}"));
                continue;
            }
        };
        let want = expected(doc, &paths);
        let input = serde_json::to_vec(doc).unwrap();
        let out = redactor.redact(&input);
        let mut ok = true;
        match serde_json::from_slice::<Value>(&out) {
            Ok(got) if got == want => {}
            Ok(got) => {
                ok = false;
                failures.push(format!(
                    "{name}: redact({selector:?}) on {doc}: got {got}, want {want}"
                ));
            }
            Err(_) => {
                ok = false;
                failures.push(format!(
                    "{name}: redact output not JSON: {}",
                    String::from_utf8_lossy(&out)
                ));
            }
        }
        if paths.is_empty() && !matches!(out, std::borrow::Cow::Borrowed(_)) {
            ok = false;
            failures.push(format!("{name}: nothing matched but the output was copied"));
        }
        let mut dom = doc.clone();
        redactor.redact_value(&mut dom);
        if dom != want {
            ok = false;
            failures.push(format!(
                "{name}: redact_value({selector:?}) on {doc}: got {dom}, want {want}"
            ));
        }
        if ok {
            valid_ok += 1;
        }
    }
    eprintln!(
        "CTS: {} cases; valid passed {valid_ok} of {valid}, invalid rejected {invalid_ok}, lenient accepted {}, failures {}",
        tests.len(),
        lenient.len(),
        failures.len()
    );
    let expected_lenient: BTreeSet<&str> = LENIENT_ACCEPTED.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        lenient, expected_lenient,
        "the leniency exception list must be exact"
    );
    assert!(
        failures.is_empty(),
        "{} CTS failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // No case is skipped: every valid case of the vendored suite (456) passed.
    assert_eq!((valid_ok, valid), (456, 456), "valid CTS cases passed");
}
