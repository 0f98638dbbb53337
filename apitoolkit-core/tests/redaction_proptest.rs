//! Property tests: on random documents and random paths drawn from each document's own
//! structure, `redact` (on compact and pretty bytes) and `redact_value` agree, the
//! output is JSON, and exactly the nodes jsonpath-rust selects are replaced; and
//! duplicate member names injected into random documents never ship a covered value.

use apitoolkit_core::redact::unparseable_placeholder;
use apitoolkit_core::{Redactor, REDACTED};
use jsonpath_rust::JsonPath;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a",
            "b",
            "token",
            "x-api-key",
            "credit-card",
            "with space",
            "é",
            "q\"t",
            ""
        ])
        .prop_map(str::to_owned),
        "[a-z_\\-\" \\\\\n\u{e9}\u{1F600}]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        (-1000i32..1000, -5i32..5).prop_map(|(m, e)| Value::from(f64::from(m) * 10f64.powi(e))),
        "[a-z\"\\\\\n\t\u{1}\u{e9}\u{1F600} /-]{0,12}".prop_map(Value::String),
    ]
}

fn doc() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every location in the document, as (steps, is-array-parent-len) pairs.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize, usize),
}

fn locations(v: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            prefix.push(Step::Key(k.clone()));
            locations(c, prefix, out);
            prefix.pop();
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| {
            prefix.push(Step::Index(i, a.len()));
            locations(c, prefix, out);
            prefix.pop();
        }),
        _ => {}
    }
}

fn quote(k: &str) -> String {
    let mut s = String::from("['");
    for c in k.chars() {
        match c {
            '\'' => s.push_str("\\'"),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push_str("']");
    s
}

fn is_ident(k: &str) -> bool {
    let mut cs = k.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Renders a location as a JSONPath, varying the selector kinds with `choices`.
fn render(steps: &[Step], choices: &[u8]) -> String {
    let mut p = String::from("$");
    for (n, step) in steps.iter().enumerate() {
        let c = choices.get(n).copied().unwrap_or(0);
        let desc = if c % 7 == 6 { ".." } else { "" };
        match step {
            Step::Key(k) if c % 3 == 0 && is_ident(k) => {
                p.push_str(&format!("{}{k}", if desc.is_empty() { "." } else { ".." }))
            }
            Step::Key(k) if c % 5 == 4 => p.push_str(&format!("{desc}[*]")),
            Step::Key(k) if c % 5 == 3 => {
                p.push_str(&format!("{desc}{}", quote(k).replacen("']", "','b']", 1)))
            }
            Step::Key(k) => p.push_str(&format!("{desc}{}", quote(k))),
            Step::Index(i, len) => {
                let (i, len) = (*i as i64, *len as i64);
                let sel = match c % 8 {
                    0 => format!("[{i}]"),
                    1 => format!("[{}]", i - len),
                    2 => "[*]".to_owned(),
                    3 => format!("[{i}:{}]", i + 1),
                    4 => "[::2]".to_owned(),
                    5 => format!("[{i},0]"),
                    6 => "[::-1]".to_owned(),
                    _ => format!("[-1:{}:-1]", i - 1),
                };
                p.push_str(desc);
                p.push_str(&sel);
            }
        }
    }
    p
}

/// Replaces the nodes at jsonpath-rust's normalized result paths, outermost first.
fn oracle(doc: &Value, paths: &[String]) -> Value {
    let mut out = doc.clone();
    let mut found: Vec<String> = Vec::new();
    for p in paths {
        found.extend(doc.query_only_path(p).expect("rendered paths are valid"));
    }
    found.sort_by_key(String::len);
    let mut done: Vec<String> = Vec::new();
    for p in found {
        if done.iter().any(|d| p.starts_with(d.as_str())) {
            continue;
        }
        let ptr = to_pointer(&p);
        *out.pointer_mut(&ptr).expect("matched path exists") = Value::String(REDACTED.to_owned());
        done.push(p);
    }
    out
}

/// Normalized path (`$['a'][0]`) → JSON Pointer (test oracle only).
fn to_pointer(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let (mut i, mut ptr) = (1, String::new());
    while i < chars.len() {
        i += 1; // `[`
        ptr.push('/');
        if chars[i] == '\'' {
            i += 1;
            let mut k = String::new();
            while chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                    match chars[i] {
                        'n' => k.push('\n'),
                        't' => k.push('\t'),
                        'b' => k.push('\u{8}'),
                        'f' => k.push('\u{c}'),
                        'r' => k.push('\r'),
                        'u' => {
                            let hex: String = chars[i + 1..i + 5].iter().collect();
                            k.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                            i += 4;
                        }
                        c => k.push(c),
                    }
                } else {
                    k.push(chars[i]);
                }
                i += 1;
            }
            ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
            i += 2;
        } else {
            while chars[i] != ']' {
                ptr.push(chars[i]);
                i += 1;
            }
            i += 1;
        }
    }
    ptr
}

fn case() -> impl Strategy<Value = (Value, Vec<String>)> {
    doc().prop_flat_map(|d| {
        let mut locs = Vec::new();
        locations(&d, &mut Vec::new(), &mut locs);
        let locs = std::sync::Arc::new(locs);
        let pick = (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 0..8),
        );
        prop::collection::vec(pick, 1..4).prop_map(move |picks| {
            let paths = picks
                .iter()
                .map(|(ix, choices)| render(&locs[ix.index(locs.len())], choices))
                .collect();
            (d.clone(), paths)
        })
    })
}

/// Spellings of the member name `token`, plain and escaped.
const TOKEN_SPELLINGS: [&str; 4] = ["token", "t\\u006fken", "\\u0074oken", "toke\\u006e"];

/// Serializes `v` compactly, inserting into the objects `inject` picks (by ordinal,
/// cycling) two members named `token` (spelled by `spell`) whose values carry
/// `DUPMARK`. Returns the text and the number of objects injected into.
fn with_duplicates(v: &Value, inject: &[bool], spell: &[u8]) -> (String, usize) {
    fn write(v: &Value, inject: &[bool], spell: &[u8], ord: &mut usize, out: &mut String) -> usize {
        let m = match v {
            Value::Object(m) => m,
            Value::Array(a) => {
                let mut injected = 0;
                out.push('[');
                for (i, c) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    injected += write(c, inject, spell, ord, out);
                }
                out.push(']');
                return injected;
            }
            _ => {
                out.push_str(&serde_json::to_string(v).unwrap());
                return 0;
            }
        };
        let mut injected = 0;
        let n = *ord;
        *ord += 1;
        let mut members: Vec<String> = m
            .iter()
            .map(|(k, c)| {
                let mut s = serde_json::to_string(k).unwrap();
                s.push(':');
                injected += write(c, inject, spell, ord, &mut s);
                s
            })
            .collect();
        if !inject.is_empty() && inject[n % inject.len()] {
            injected += 1;
            for j in 0..2 {
                let pick = spell
                    .get((n * 2 + j) % spell.len().max(1))
                    .copied()
                    .unwrap_or(0);
                let name = TOKEN_SPELLINGS[usize::from(pick) % TOKEN_SPELLINGS.len()];
                let value = if pick % 3 == 0 {
                    r#"["DUPMARK"]"#
                } else {
                    r#""DUPMARK""#
                };
                let at = usize::from(pick) % (members.len() + 1);
                members.insert(at, format!("\"{name}\":{value}"));
            }
        }
        out.push('{');
        out.push_str(&members.join(","));
        out.push('}');
        injected
    }
    let mut out = String::new();
    let injected = write(v, inject, spell, &mut 0, &mut out);
    (out, injected)
}

/// `r.redact` of `doc` (written compact and pretty), parsed back, is the DOM redaction
/// of the same parse (float parsing is not guaranteed to round-trip, but it is
/// deterministic); when nothing changed, the output is the input itself.
fn bytes_agree_with_the_dom(
    r: &Redactor,
    doc: &Value,
    paths: &[String],
) -> Result<(), TestCaseError> {
    for bytes in [
        serde_json::to_vec(doc).unwrap(),
        serde_json::to_vec_pretty(doc).unwrap(),
    ] {
        let out = r.redact(&bytes);
        let got: Value = serde_json::from_slice(&out)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out))))?;
        let mut reparsed: Value = serde_json::from_slice(&bytes).unwrap();
        r.redact_value(&mut reparsed);
        prop_assert_eq!(&got, &reparsed, "redact, paths {:?}", paths);
        if got == serde_json::from_slice::<Value>(&bytes).unwrap() {
            prop_assert_eq!(&*out, &bytes[..], "unchanged output must be the input");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn bytes_and_dom_redaction_agree_with_the_oracle((doc, paths) in case()) {
        let r = Redactor::new(&paths).unwrap();
        let want = oracle(&doc, &paths);
        let mut dom = doc.clone();
        r.redact_value(&mut dom);
        prop_assert_eq!(&dom, &want, "redact_value, paths {:?}", paths);
        bytes_agree_with_the_dom(&r, &doc, &paths)?;
    }

    /// The document's own paths mixed with another document's: some paths can match and
    /// others cannot, so the scanner runs with the DFA of the live ones only.
    #[test]
    fn own_and_foreign_paths_mixed_agree_with_the_dom(
        (doc, own) in case(),
        (_, foreign) in case(),
    ) {
        let paths: Vec<String> = own.iter().chain(&foreign).cloned().collect();
        bytes_agree_with_the_dom(&Redactor::new(&paths).unwrap(), &doc, &paths)?;
    }

    /// Paths drawn from another document mostly need member names this one lacks (the
    /// redactor then only validates the body), and cut or extended bodies are often not
    /// JSON: the result is still the DOM redaction of the same parse, or the placeholder
    /// exactly when serde_json rejects the bytes (numbers out of its range aside).
    #[test]
    fn foreign_paths_and_damaged_bodies_agree_with_serde_json(
        (doc, _) in case(),
        (_, paths) in case(),
        cut in any::<prop::sample::Index>(),
        pretty in any::<bool>(),
        junk in prop::sample::select(vec![&b"}"[..], b",", b"0", b" ", b"]x", b"\xff"]),
    ) {
        let r = Redactor::new(&paths).unwrap();
        let full = if pretty { serde_json::to_vec_pretty(&doc) } else { serde_json::to_vec(&doc) }.unwrap();
        let part = full[..cut.index(full.len()) + 1].to_vec();
        let extended = [&full[..], junk].concat();
        for bytes in [full, part, extended] {
            let out = r.redact(&bytes);
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(parsed) => {
                    let mut want = parsed.clone();
                    r.redact_value(&mut want);
                    let got: Value = serde_json::from_slice(&out).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out))))?;
                    prop_assert_eq!(&got, &want, "paths {:?}", paths);
                    if want == parsed {
                        prop_assert_eq!(&*out, &bytes[..], "unchanged output must be the input");
                    }
                }
                // A number serde_json rejects as out of range (an appended digit can make
                // one) is JSON to the byte scanner, which does not range-check numbers (see
                // `lex.rs`), and not to the DOM fallback, which parses with serde_json: the
                // body is then passed through, redacted or replaced, nothing else.
                Err(e) if e.to_string().starts_with("number out of range") => {
                    let placeholder = unparseable_placeholder(bytes.len());
                    let redacted = String::from_utf8_lossy(&out).contains(REDACTED);
                    prop_assert!(
                        *out == bytes[..] || *out == placeholder[..] || redacted,
                        "paths {:?}: {}", paths, String::from_utf8_lossy(&out)
                    );
                }
                Err(_) => prop_assert_eq!(&*out, &unparseable_placeholder(bytes.len())[..], "paths {:?}", paths),
            }
        }
    }

    /// Every occurrence of a duplicated member is redacted by the byte scanner; the
    /// DOM fallback, which cannot vouch for duplicates, fails closed on such a body.
    #[test]
    fn injected_duplicate_members_never_ship_a_covered_value(
        doc in doc(),
        inject in prop::collection::vec(any::<bool>(), 1..6),
        spell in prop::collection::vec(any::<u8>(), 1..6),
    ) {
        let (body, injected) = with_duplicates(&doc, &inject, &spell);
        for paths in [&["$..token"][..], &["$..token", "$.none[-1]"], &["$..[?@.token]"]] {
            let out = Redactor::new(paths).unwrap().redact(body.as_bytes());
            let text = String::from_utf8_lossy(&out);
            prop_assert!(!text.contains("DUPMARK"), "{:?} on {}: {}", paths, body, text);
            let placeholder = *out == unparseable_placeholder(body.len())[..];
            if paths.len() == 1 && !paths[0].contains('?') {
                // The scanner: each occurrence judged by its own name.
                prop_assert!(serde_json::from_slice::<Value>(&out).is_ok(), "{}", text);
            } else {
                prop_assert_eq!(placeholder, injected > 0, "{:?} on {}: {}", paths, body, text);
                if !placeholder {
                    prop_assert!(serde_json::from_slice::<Value>(&out).is_ok(), "{}", text);
                }
            }
        }
    }
}
