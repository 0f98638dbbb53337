//! Bodies with duplicate member names (`{"password":"a","password":"b"}`, also spelled
//! with escapes): a redaction path covers every occurrence, or the body is replaced by
//! the unparseable placeholder. Never does one occurrence ship.

use std::borrow::Cow;

use apitoolkit_core::redact::unparseable_placeholder;
use apitoolkit_core::{Redactor, REDACTED};
use serde_json::Value;

fn redactor(paths: &[&str]) -> Redactor {
    Redactor::new(paths).unwrap_or_else(|e| panic!("{e}"))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Redacts `body` and checks the contract: no marker survives, and the output is the
/// placeholder or JSON. Returns the output.
fn redact_checked(paths: &[&str], body: &str, markers: &[&str]) -> Vec<u8> {
    let out = redactor(paths).redact(body.as_bytes()).into_owned();
    let text = String::from_utf8_lossy(&out);
    for m in markers {
        assert!(
            contains(body.as_bytes(), m),
            "marker {m} missing from the input"
        );
        assert!(
            !contains(&out, m),
            "{m} shipped: {paths:?} on {body} -> {text}"
        );
    }
    if out != unparseable_placeholder(body.len()) {
        assert!(
            serde_json::from_slice::<Value>(&out).is_ok(),
            "neither JSON nor the placeholder: {text}"
        );
    }
    out
}

/// The expected scanner output: `body` with every `"marker"` string replaced.
fn with_markers_redacted(body: &str, markers: &[&str]) -> String {
    markers.iter().fold(body.to_owned(), |b, m| {
        b.replace(&format!("\"{m}\""), &format!("\"{REDACTED}\""))
    })
}

#[test]
fn every_duplicate_of_a_redacted_member_is_redacted_by_the_scanner() {
    let cases: &[(&[&str], &str, &[&str])] = &[
        (
            &["$.password"],
            r#"{"password":"DUP-A1","password":"DUP-A2","x":1}"#,
            &["DUP-A1", "DUP-A2"],
        ),
        (
            &["$.user.password"],
            r#"{"user":{"password":"DUP-B1"},"user":{"password":"DUP-B2","password":"DUP-B3"}}"#,
            &["DUP-B1", "DUP-B2", "DUP-B3"],
        ),
        (
            &["$.items[*].token"],
            r#"{"items":[{"token":"DUP-C1","token":"DUP-C2"},{"token":"DUP-C3"}]}"#,
            &["DUP-C1", "DUP-C2", "DUP-C3"],
        ),
        (
            &["$..password"],
            r#"[{"a":{"password":"DUP-D1","b":[{"password":"DUP-D2","password":"DUP-D3"}]},"password":"DUP-D4"}]"#,
            &["DUP-D1", "DUP-D2", "DUP-D3", "DUP-D4"],
        ),
        (
            &["$.a[1]"],
            r#"{"a":[0,"DUP-E1"],"a":[0,"DUP-E2",2]}"#,
            &["DUP-E1", "DUP-E2"],
        ),
    ];
    for (paths, body, markers) in cases {
        let out = redact_checked(paths, body, markers);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            with_markers_redacted(body, markers),
            "{paths:?}"
        );
    }
}

#[test]
fn escaped_duplicates_of_a_redacted_member_are_redacted_by_the_scanner() {
    let cases: &[(&[&str], &str, &[&str])] = &[
        (
            &["$.password"],
            r#"{"password":"ESC-A1","pass\u0077ord":"ESC-A2","\u0070assword":"ESC-A3"}"#,
            &["ESC-A1", "ESC-A2", "ESC-A3"],
        ),
        // Only escaped spellings: the "nothing to find" prefilter must not skip it.
        (
            &["$.password"],
            r#"{"pass\u0077ord":"ESC-B1","p\u0061ssword":"ESC-B2"}"#,
            &["ESC-B1", "ESC-B2"],
        ),
        (
            &["$..password"],
            r#"{"x":[{"passwor\u0064":"ESC-C1"}],"password":"ESC-C2"}"#,
            &["ESC-C1", "ESC-C2"],
        ),
        // A name with a short escape besides `\u` (`\/`).
        (
            &["$['a/b']"],
            r#"{"a\/b":"ESC-D1","a/b":"ESC-D2"}"#,
            &["ESC-D1", "ESC-D2"],
        ),
        (&["$['a/b']"], r#"{"a\/b":"ESC-E1"}"#, &["ESC-E1"]),
    ];
    for (paths, body, markers) in cases {
        let out = redact_checked(paths, body, markers);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            with_markers_redacted(body, markers),
            "{paths:?}"
        );
    }
}

/// Paths that need the DOM fallback, each with a duplicate-bearing body whose every
/// marker the path would cover under one reading or another of the duplicates.
const DOM_CASES: &[(&str, &str, &[&str])] = &[
    (
        "$[?@.password]",
        r#"[{"password":"DOM-A1","password":"DOM-A2"}]"#,
        &["DOM-A1", "DOM-A2"],
    ),
    (
        "$..[?@.role=='admin'].password",
        r#"{"u":[{"role":"admin","password":"DOM-B1","password":"DOM-B2"}]}"#,
        &["DOM-B1", "DOM-B2"],
    ),
    (
        "$[?@.role=='admin'].password",
        r#"[{"role":"user","role":"admin","password":"DOM-C1"}]"#,
        &["DOM-C1"],
    ),
    (
        "$[?@.role=='admin'].password",
        r#"[{"role":"admin","role":"user","password":"DOM-D1"}]"#,
        &["DOM-D1"],
    ),
    (
        "$[?@.role=='admin'].password",
        r#"[{"role":"admin","password":"DOM-E1","r\u006fle":"user"}]"#,
        &["DOM-E1"],
    ),
    (
        "$.a[-1]",
        r#"{"a":[0,"DOM-F1"],"a":[0,1,"DOM-F2"]}"#,
        &["DOM-F1", "DOM-F2"],
    ),
    (
        "$..a[-1:]",
        r#"[{"b":{"a":["DOM-G1"],"a":[0,"DOM-G2"]}}]"#,
        &["DOM-G1", "DOM-G2"],
    ),
    (
        "$..token",
        r#"{"x":[{"token":"DOM-H1","tok\u0065n":"DOM-H2"}],"y":{"t":[-1]}}"#,
        &["DOM-H1", "DOM-H2"],
    ),
];

#[test]
fn every_duplicate_of_a_redacted_member_is_covered_in_the_dom_fallback() {
    for (path, body, markers) in DOM_CASES {
        // `$[-1]` adds nothing to these bodies but forces the DOM fallback.
        for paths in [&[*path][..], &[*path, "$.none[-1]"]] {
            redact_checked(paths, body, markers);
        }
    }
}

#[test]
fn a_duplicate_bearing_body_fails_closed_in_the_dom_fallback() {
    for (path, body, _) in DOM_CASES {
        let out = redactor(&[path, "$.none[-1]"]).redact(body.as_bytes());
        assert_eq!(out, unparseable_placeholder(body.len()), "{path} on {body}");
    }
    // Even when the duplicates are far from anything a path selects: the DOM holds
    // one of them, so it cannot vouch for the bytes of the other.
    let body = r#"{"meta":{"k":1,"k":2},"items":[{"role":"user","password":"DOM-Z1"}]}"#;
    let out = redact_checked(&["$.items[?@.role=='admin'].password"], body, &[]);
    assert_eq!(out, unparseable_placeholder(body.len()));
}

#[test]
fn bodies_without_duplicates_are_unchanged_by_the_dom_fallback_check() {
    let paths = ["$[?@.role=='admin'].password", "$.none[-1]"];
    // The same name in different objects, look-alike names, colons inside strings.
    let body = r#"[{"role":"admin","password":"p1","Password":"p2","note":"a:b\":c"},
        {"role":"user","password":"p3","x":{"password":"p4","role":"admin"}}]"#;
    let out = redactor(&paths).redact(body.as_bytes());
    let want = body.replacen(r#""p1""#, &format!("\"{REDACTED}\""), 1);
    assert_eq!(String::from_utf8(out.into_owned()).unwrap(), want);
    // Nothing selected: the input itself is returned.
    let clean = r#"[{"role":"user","role2":"user"},{"a":{"b":1},"b":{"a":1}}]"#;
    let out = redactor(&paths).redact(clean.as_bytes());
    assert!(matches!(out, Cow::Borrowed(_)));
    assert_eq!(&*out, clean.as_bytes());
}

#[test]
fn redact_value_on_a_parsed_document_still_redacts_its_single_occurrence() {
    // A `Value` cannot hold duplicates; serde_json kept the last one, which is redacted.
    let mut doc: Value =
        serde_json::from_str(r#"[{"role":"user","role":"admin","password":"V1"}]"#).unwrap();
    redactor(&["$[?@.role=='admin'].password"]).redact_value(&mut doc);
    assert_eq!(
        doc,
        serde_json::json!([{"role": "admin", "password": REDACTED}])
    );
}
