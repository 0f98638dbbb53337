//! Behavioural cases of the JSONPath body redactor (docs/PROTOCOL.md §4).

use std::borrow::Cow;

use apitoolkit_core::redact::unparseable_placeholder;
use apitoolkit_core::{ConfigError, Redactor, REDACTED};
use serde_json::{json, Value};

fn redactor(paths: &[&str]) -> Redactor {
    Redactor::new(paths).unwrap_or_else(|e| panic!("{e}"))
}

/// Redacts `input` with `paths` and returns the output as text.
fn red(paths: &[&str], input: &str) -> String {
    let out = redactor(paths).redact(input.as_bytes());
    String::from_utf8(out.into_owned()).unwrap()
}

/// Redacts through both `redact` and `redact_value`, checks they agree, returns the DOM.
fn both(paths: &[&str], doc: &Value) -> Value {
    let r = redactor(paths);
    let bytes = serde_json::to_vec(doc).unwrap();
    let from_bytes: Value = serde_json::from_slice(&r.redact(&bytes)).unwrap();
    let mut dom = doc.clone();
    r.redact_value(&mut dom);
    assert_eq!(
        from_bytes, dom,
        "redact and redact_value disagree for {paths:?}"
    );
    dom
}

const SHARED: &str = r#"{"status":"success","data":{"message":"hello world","account_data":{"batch_number":12345,"account_id":"123456789","account_name":"test account","account_type":"test","account_status":"active","account_balance":"100.00","account_currency":"USD","account_created_at":"2020-01-01T00:00:00Z","account_updated_at":"2020-01-01T00:00:00Z","account_deleted_at":"2020-01-01T00:00:00Z","possible_account_types":["test","staging","production"],"possible_account_types2":["test","staging","production"]}}}"#;

#[test]
fn shared_response_fixture_redacts_exactly_the_configured_paths() {
    let paths = [
        "$.status",
        "$.data.account_data.account_type",
        "$.data.account_data.possible_account_types",
        "$.data.account_data.possible_account_types2[*]",
        "$.non_existent",
    ];
    let want = SHARED
        .replace(r#""status":"success""#, r#""status":"[CLIENT_REDACTED]""#)
        .replace(r#""account_type":"test""#, r#""account_type":"[CLIENT_REDACTED]""#)
        .replace(
            r#""possible_account_types":["test","staging","production"]"#,
            r#""possible_account_types":"[CLIENT_REDACTED]""#,
        )
        .replace(
            r#""possible_account_types2":["test","staging","production"]"#,
            r#""possible_account_types2":["[CLIENT_REDACTED]","[CLIENT_REDACTED]","[CLIENT_REDACTED]"]"#,
        );
    let got = red(&paths, SHARED);
    assert_eq!(got, want);
    assert!(!got.contains("non_existent"));
    assert_eq!(
        both(&paths, &serde_json::from_str(SHARED).unwrap()),
        serde_json::from_str::<Value>(&want).unwrap()
    );
}

#[test]
fn request_fixture_without_matches_passes_through_borrowed() {
    let body = br#"{"status":"request","send":{"message":"hello world","account_data":[{"batch_number":12345,"account_id":"123456789"}]}}"#;
    let r = redactor(&["$.credit-card.cvv", "$.credit-card.name", "$.password"]);
    let out = r.redact(body);
    assert!(matches!(out, Cow::Borrowed(_)));
    assert_eq!(&*out, body);
}

#[test]
fn empty_path_list_leaves_any_input_identical() {
    let r = Redactor::new(Vec::<String>::new()).unwrap();
    assert!(r.is_empty());
    assert_eq!(r.paths().count(), 0);
    for body in [
        &b"{\"a\": 1}"[..],
        b"not json at all",
        b"\xff\xfe",
        b"",
        b"{\"a\":",
    ] {
        let out = r.redact(body);
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(&*out, body);
    }
    assert!(Redactor::default().is_empty());
}

#[test]
fn array_node_becomes_one_string_and_wildcard_masks_each_member() {
    let doc = json!({"store": {"book": [
        {"category": "reference", "author": "Nigel Rees"},
        {"category": "fiction", "author": "Evelyn Waugh"}
    ], "bicycle": {"color": "red"}}});
    let whole = both(&["$.store.book"], &doc);
    assert_eq!(
        whole,
        json!({"store": {"book": REDACTED, "bicycle": {"color": "red"}}})
    );
    let each = both(&["$.store.book[*].category"], &doc);
    assert_eq!(
        each["store"]["book"][0],
        json!({"category": REDACTED, "author": "Nigel Rees"})
    );
    assert_eq!(
        each["store"]["book"][1],
        json!({"category": REDACTED, "author": "Evelyn Waugh"})
    );
}

#[test]
fn bodies_no_path_can_match_are_only_validated() {
    // Each body lacks a name every path needs (`password`; `card` or `number`), so the
    // redactor only checks that it is JSON.
    let r = redactor(&["$.password", "$..card.number"]);
    for body in [
        &br#"{"user": {"name": "ann", "card": {"cvv": 123}}}"#[..],
        b"[1, -2.5e3, null, true, {\"a\\n\\\"b\": \"caf\xc3\xa9 \\/\"}]",
        b"\"pass word\"",
        b" {} ",
    ] {
        let out = r.redact(body);
        assert!(matches!(out, Cow::Borrowed(_)), "{out:?}");
        assert_eq!(&*out, body);
    }
    for body in [
        &b"{\"user\": 1"[..],
        b"[1, 2,]",
        b"{\"note\": \"\xc0\xaf\"}",
        b"{\"k\": \"\\ud800\"}",
        b"{} {}",
        b"nul",
        b"   ",
    ] {
        assert_eq!(
            &*r.redact(body),
            unparseable_placeholder(body.len()).as_slice(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A needed name written with escapes is still found.
    let masked = |name: &str| format!(r#"{{"{name}": "{REDACTED}"}}"#);
    assert_eq!(
        red(&["$.password"], r#"{"pass\u0077ord": "x"}"#),
        masked("pass\\u0077ord")
    );
    assert_eq!(red(&["$['a/b']"], r#"{"a\/b": 1}"#), masked("a\\/b"));
    assert_eq!(red(&["$['a\"b']"], r#"{"a\"b": 1}"#), masked("a\\\"b"));
    assert_eq!(red(&["$['a\\nb']"], r#"{"a\nb": 1}"#), masked("a\\nb"));
    assert_eq!(
        red(&["$.password"], r#"{"password": 1}"#),
        masked("password")
    );
}

#[test]
fn invalid_json_with_paths_becomes_placeholder_never_raw_bytes() {
    let r = redactor(&["$.password"]);
    for body in [
        &b"{\"password\": \"hunter2\""[..],
        b"{\"password\": \"hunter2\"} trailing",
        b"password=hunter2",
        b"{\"password\": \"hunt\xffer2\"}",
        // Invalid UTF-8 where the scanner does not look for matches (a skipped member,
        // a key, an overlong form, a surrogate) still fails the whole body.
        b"{\"other\": {\"deep\": [\"caf\xc3\"]}, \"password\": \"hunter2\"}",
        b"{\"k\xed\xa0\x80\": 1, \"password\": \"hunter2\"}",
        b"{\"note\": \"\xc0\xaf\", \"password\": \"hunter2\"}",
        b"{\"password\": \"\\ud800\"}",
        b"   ",
    ] {
        let out = r.redact(body);
        assert_eq!(&*out, unparseable_placeholder(body.len()).as_slice());
        assert_eq!(
            out.as_ref(),
            format!("[UNPARSEABLE_BODY {} bytes]", body.len()).as_bytes()
        );
    }
    // Same through the DOM fallback.
    let filter = redactor(&["$[?@.password]"]);
    assert_eq!(
        &*filter.redact(b"{\"password\": 1"),
        unparseable_placeholder(14).as_slice()
    );
    // Empty stays empty.
    assert_eq!(&*r.redact(b""), b"");
    // No paths: unchanged.
    assert_eq!(
        &*Redactor::default().redact(b"{\"password\": \"hunter2\""),
        b"{\"password\": \"hunter2\""
    );
}

#[test]
fn addresses_fixture_masks_members_objects_and_elements() {
    let doc = json!({
        "name": "John", "phone": "555",
        "addresses": [
            {"street": "Main", "city": {"name": "Lagos", "code": 1}, "house_no": {"n": 1}, "zip": [1, 2]},
            {"street": "Side", "city": {"name": "Accra", "code": 2}, "house_no": {"n": 2}, "zip": [3]}
        ]
    });
    let paths = [
        "$.name",
        "$.addresses[*].street",
        "$.addresses[*].city.name",
        "$.phone",
        "$.addresses[*].house_no",
        "$.addresses[*].zip[*]",
        "$.invalid.path",
    ];
    let got = both(&paths, &doc);
    let want = json!({
        "name": REDACTED, "phone": REDACTED,
        "addresses": [
            {"street": REDACTED, "city": {"name": REDACTED, "code": 1}, "house_no": REDACTED, "zip": [REDACTED, REDACTED]},
            {"street": REDACTED, "city": {"name": REDACTED, "code": 2}, "house_no": REDACTED, "zip": [REDACTED]}
        ]
    });
    assert_eq!(got, want);
}

#[test]
fn missing_root_leniency_masks_authors_and_email() {
    let doc =
        json!({"user": {"name": "n", "email": "e@x", "books": [{"author": "a"}, {"author": "b"}]}});
    let got = both(&["user.books[*].author", "$.user.email"], &doc);
    assert_eq!(
        got,
        json!({"user": {"name": "n", "email": REDACTED, "books": [{"author": REDACTED}, {"author": REDACTED}]}})
    );
}

#[test]
fn unredacted_bytes_are_preserved_exactly() {
    let input = "{\n  \"z\" : 1.0e10,\n\t\"s\": \"\\u00e9\\n\",\r\n  \"secret\" : { \"x\" : [ 1 , 2 ] } ,\n  \"a\": [ -0.5E-3 , \"\\\"q\\\"\" ]\n}\n";
    let want = "{\n  \"z\" : 1.0e10,\n\t\"s\": \"\\u00e9\\n\",\r\n  \"secret\" : \"[CLIENT_REDACTED]\" ,\n  \"a\": [ -0.5E-3 , \"\\\"q\\\"\" ]\n}\n";
    assert_eq!(red(&["$.secret"], input), want);
    // The DOM fallback (filter) keeps bytes too.
    assert_eq!(red(&["$[?@.x]"], input), want);
    assert_eq!(
        red(&["$.a[-1]"], input),
        input.replace("\"\\\"q\\\"\"", "\"[CLIENT_REDACTED]\"")
    );
    // Escaped member names match their decoded form.
    assert_eq!(
        red(&["$.é"], r#"{"\u00e9": 1, "e": 2}"#),
        r#"{"\u00e9": "[CLIENT_REDACTED]", "e": 2}"#
    );
}

#[test]
fn descendant_index_slice_union_and_quoted_name_selectors() {
    let doc = json!({"a": {"token": 1, "b": [{"token": 2}, 3, 4, 5, 6]}, "token": {"token": 0}, "x-api-key": "k"});
    assert_eq!(
        both(&["$..token"], &doc),
        json!({"a": {"token": REDACTED, "b": [{"token": REDACTED}, 3, 4, 5, 6]}, "token": REDACTED, "x-api-key": "k"})
    );
    assert_eq!(
        both(&["$.a.b[-1]"], &doc)["a"]["b"],
        json!([{"token": 2}, 3, 4, 5, REDACTED])
    );
    assert_eq!(
        both(&["$.a.b[-2]"], &doc)["a"]["b"],
        json!([{"token": 2}, 3, 4, REDACTED, 6])
    );
    assert_eq!(
        both(&["$.a.b[1:5:2]"], &doc)["a"]["b"],
        json!([{"token": 2}, REDACTED, 4, REDACTED, 6])
    );
    assert_eq!(
        both(&["$.a.b[::-2]"], &doc)["a"]["b"],
        json!([REDACTED, 3, REDACTED, 5, REDACTED])
    );
    assert_eq!(
        both(&["$.a.b[0,3]"], &doc)["a"]["b"],
        json!([REDACTED, 3, 4, REDACTED, 6])
    );
    assert_eq!(
        both(&["$['x-api-key']"], &doc)["x-api-key"],
        json!(REDACTED)
    );
    assert_eq!(both(&["$.x-api-key"], &doc)["x-api-key"], json!(REDACTED));
    assert_eq!(both(&["x-api-key"], &doc)["x-api-key"], json!(REDACTED));
    let cc = json!({"credit-card": {"cvv": 123, "name": "n"}});
    assert_eq!(
        both(&["$.credit-card.cvv"], &cc),
        json!({"credit-card": {"cvv": REDACTED, "name": "n"}})
    );
    assert_eq!(
        both(&["$..credit-card"], &cc),
        json!({"credit-card": REDACTED})
    );
}

#[test]
fn filter_selector_masks_only_matching_items() {
    let doc = json!({"items": [{"secret": true, "value": 1}, {"secret": false, "value": 2}, {"value": 3}]});
    let got = both(&["$.items[?@.secret == true].value"], &doc);
    assert_eq!(
        got,
        json!({"items": [{"secret": true, "value": REDACTED}, {"secret": false, "value": 2}, {"value": 3}]})
    );
}

#[test]
fn nested_matches_replace_the_outermost_node_once() {
    let doc = json!({"a": {"b": [1, {"c": 2}]}, "d": 3});
    assert_eq!(both(&["$..*"], &doc), json!({"a": REDACTED, "d": REDACTED}));
    assert_eq!(
        both(&["$.a.b", "$.a"], &doc),
        json!({"a": REDACTED, "d": 3})
    );
    assert_eq!(
        both(&["$.a", "$.a.b"], &doc),
        json!({"a": REDACTED, "d": 3})
    );
    assert_eq!(both(&["$"], &doc), json!(REDACTED));
    assert_eq!(
        red(&["$..*"], r#"{"a": {"b": 1}}"#),
        r#"{"a": "[CLIENT_REDACTED]"}"#
    );
}

#[test]
fn invalid_path_reports_path_and_position() {
    let err = Redactor::new(["$.ok", "$.a["]).unwrap_err();
    let ConfigError::InvalidPath {
        origin,
        path,
        position,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(origin, "Redactor::new");
    assert_eq!(path, "$.a[");
    assert_eq!(*position, 4);
    let msg = err.to_string();
    assert!(msg.contains("$.a[") && msg.contains("position 4"), "{msg}");
    assert!(err
        .clone()
        .with_origin("APITOOLKIT_REDACT_REQ_BODY")
        .to_string()
        .starts_with("APITOOLKIT_REDACT_REQ_BODY"));
    // Positions refer to the user's string even after the leniency rewrite.
    let err = Redactor::new(["user.x-y[?"]).unwrap_err();
    let ConfigError::InvalidPath { position, .. } = err else {
        panic!()
    };
    assert!(position <= "user.x-y[?".chars().count());
    for bad in ["", "$.", "$[", "$.a..", "$[?@.a ==]", "$[9007199254740992]"] {
        assert!(Redactor::new([bad]).is_err(), "{bad:?}");
    }
}

#[test]
fn paths_are_reported_as_written() {
    let r = redactor(&["user.email", "$.x-api-key"]);
    assert_eq!(r.paths().collect::<Vec<_>>(), ["user.email", "$.x-api-key"]);
    assert!(!r.is_empty());
}

const DEEP: usize = 100_000;

#[test]
fn deeply_nested_bodies_do_not_overflow_the_stack() {
    let arrays = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(DEEP), "}".repeat(DEEP));
    for paths in [
        &["$..b"][..],
        &["$.a.a.a"],
        &["$[0][0]"],
        &["$..a[-1]"],
        &["$[?@.b]"],
        &["$..*"],
    ] {
        let r = redactor(paths);
        for body in [&arrays, &objects] {
            let out = r.redact(body.as_bytes());
            let placeholder = unparseable_placeholder(body.len());
            assert!(
                out.as_ref() == placeholder.as_slice() || out.len() < body.len() + 20 * DEEP,
                "{paths:?}"
            );
        }
    }
    // The streaming scanner redacts deep documents correctly.
    let out = redactor(&["$.a.a.a"]).redact(objects.as_bytes());
    assert_eq!(
        &*out,
        format!(r#"{{"a":{{"a":{{"a":"{REDACTED}"}}}}}}"#).as_bytes()
    );
    let out = redactor(&["$..a"]).redact(objects.as_bytes());
    assert_eq!(&*out, format!(r#"{{"a":"{REDACTED}"}}"#).as_bytes());
    // Truncated deep input fails closed.
    let truncated = &arrays.as_bytes()[..DEEP + 10];
    assert_eq!(
        &*redactor(&["$..x"]).redact(truncated),
        unparseable_placeholder(truncated.len()).as_slice()
    );
}

fn deep_value() -> Value {
    let mut v = json!(1);
    for _ in 0..DEEP {
        // Not `json!`: it would serialize `v` recursively.
        v = Value::Object(
            [("a".to_owned(), Value::Array(vec![v]))]
                .into_iter()
                .collect(),
        );
    }
    v
}

/// Dismantles a value iteratively (serde_json's `Drop` recurses).
fn dismantle(v: Value) {
    let mut stack = vec![v];
    while let Some(mut node) = stack.pop() {
        match &mut node {
            Value::Object(m) => stack.extend(std::mem::take(m).into_iter().map(|(_, c)| c)),
            Value::Array(a) => stack.append(a),
            _ => {}
        }
    }
}

#[test]
fn deeply_nested_values_do_not_overflow_the_stack() {
    let mut v = deep_value();
    redactor(&["$..b"]).redact_value(&mut v);
    redactor(&["$.a[0].a[0].a"]).redact_value(&mut v);
    assert_eq!(v["a"][0]["a"][0]["a"], json!(REDACTED));
    dismantle(v);
    for paths in [&["$..a[-1]"][..], &["$[?@.b]"], &["$.a"], &["$..*"]] {
        let mut v = deep_value();
        redactor(paths).redact_value(&mut v);
        assert!(
            v == REDACTED || v["a"] == REDACTED || v["a"][0] == REDACTED,
            "{paths:?}"
        );
        dismantle(v);
    }
}

#[test]
fn members_written_compactly_or_not_redact_the_same() {
    // The scanner reads compact members (`"name":value`) from 32-byte windows and
    // everything else byte by byte; every spelling around the colon must select the same
    // nodes, containers behind a space included.
    let pad = "p".repeat(40);
    for (colon, comma) in [
        (":", ","),
        (": ", ", "),
        (" :", ","),
        (" : ", " , "),
        (":\n  ", ",\n"),
    ] {
        let doc = format!(
            r#"{{"a"{colon}[1{comma}2]{comma}"b"{colon}{{"c"{colon}"x"{comma}"d"{colon}9.5}}{comma}"e"{colon}"{pad}"{comma}"f"{colon}"y"}}"#
        );
        let out = red(&["$.a[*]", "$.b.c", "$.b.d", "$.f"], &doc);
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(
            v,
            json!({"a": [REDACTED, REDACTED], "b": {"c": REDACTED, "d": REDACTED}, "e": pad, "f": REDACTED}),
            "{doc}"
        );
    }
}
