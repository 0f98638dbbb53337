//! Never leak (docs/PROTOCOL.md §4): random JSON documents, header sets and query strings with random
//! secret values at configured paths/names. The serialised record (bodies base64-decoded),
//! the OTLP span (prost-encoded, base64 attributes decoded), the debug logs of a running
//! shipper and every error message are searched for the secrets; the API key is searched
//! for in every `Debug` of the configuration, shipper and exporters, in debug logs and in
//! error messages.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apitoolkit_core::record::{build_message, span_bytes, write_json};
use apitoolkit_core::{
    CapturedBody, Config, Exchange, Export, OtlpProtocol, OtlpSettings, RequestMessage, SdkType,
    Shipper, ShipperSettings, StartError,
};
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, Version};
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::Span;
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use prost::Message as _;
use serde_json::{json, Map, Value};

const REQ_PATHS: [&str; 5] = [
    "$.a.b",
    "$..token",
    "$.items[*].password",
    "$['x-api-key']",
    "user.email",
];
const RES_PATHS: [&str; 3] = ["$.data.secret", "$..token", "$.items[*].password"];
/// Extra header names configured (in random case) on top of the defaults.
const EXTRA_HEADERS: [&str; 2] = ["x-secret-token", "x-session"];
const DEFAULT_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];
use apitoolkit_core::redact::DEFAULT_REDACTED_QUERY_PARAMS as DEFAULT_QUERY;
/// Headers whose values are URLs (or hold one), in requests and responses.
const URL_HEADERS: [&str; 7] = [
    "referer",
    "location",
    "content-location",
    "refresh",
    "link",
    "x-original-url",
    "x-callback",
];
/// A value that is never redacted: proves the searched text really holds the bodies.
const CANARY: &str = "CANARYvisible";

// ------------------------------------------------------------------ search helpers

/// Every maximal run of base64 characters in `text` that decodes (standard alphabet).
fn base64_decoded_tokens(text: &[u8]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    text.split(|b| !(b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/' || *b == b'='))
        .filter(|t| t.len() >= 8)
        .filter_map(|t| b64.decode(t).ok())
        .collect()
}

/// Asserts that no secret occurs in `haystack`, literally or inside any base64 run.
fn assert_clean(what: &str, haystack: &[u8], secrets: &[String]) {
    let mut texts = vec![haystack.to_vec()];
    texts.extend(base64_decoded_tokens(haystack));
    for t in &texts {
        for s in secrets {
            assert!(
                !t.windows(s.len()).any(|w| w == s.as_bytes()),
                "{what}: secret {s} leaked in {:?}",
                String::from_utf8_lossy(t)
            );
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// ------------------------------------------------------------------ strategies

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{12,24}".prop_map(|s| format!("SECRET{s}"))
}

fn random_case(s: &str, flips: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if flips >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn filler() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[c-z]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A secret-holding node: a string, or a structure whose leaves include secrets (the
/// whole matched node is replaced, whatever its type).
fn secret_node(secrets: &mut Vec<String>, s: &str, shape: u8) -> Value {
    secrets.push(s.to_owned());
    match shape % 3 {
        0 => Value::String(s.to_owned()),
        1 => json!([s, 1, {"k": s}]),
        _ => json!({"inner": {"v": s}, "n": null}),
    }
}

/// Walks `doc` along `choices` and inserts `"token": secret` in the node reached.
fn insert_token(doc: &mut Value, choices: &[usize], s: &str) {
    // Find the JSON pointer of the target node first, then edit it.
    let mut pointer = String::new();
    let mut node: &Value = doc;
    for &c in choices {
        let (step, next) = match node {
            Value::Object(m) if !m.is_empty() => {
                let (k, v) = m.iter().nth(c % m.len()).unwrap();
                (k.replace('~', "~0").replace('/', "~1"), v)
            }
            Value::Array(a) if !a.is_empty() => ((c % a.len()).to_string(), &a[c % a.len()]),
            _ => break,
        };
        if !next.is_object() && !next.is_array() {
            break;
        }
        pointer.push('/');
        pointer.push_str(&step);
        node = next;
    }
    let target = doc.pointer_mut(&pointer).unwrap();
    match target {
        Value::Object(m) => {
            m.insert("token".into(), Value::String(s.to_owned()));
        }
        Value::Array(a) => a.push(json!({ "token": s })),
        other => *other = json!({ "token": s }),
    }
}

#[derive(Debug, Clone)]
struct Case {
    exchange: Exchange,
    config: Config,
    secrets: Vec<String>,
}

#[derive(Debug, Clone)]
struct Raw {
    req_filler: Map<String, Value>,
    res_filler: Map<String, Value>,
    secrets: Vec<String>,
    choices: Vec<usize>,
    flags: u64,
    flips: u64,
    more: u64,
    pretty: bool,
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        prop::collection::btree_map("[c-z]{1,5}", filler(), 0..5),
        prop::collection::btree_map("[c-z]{1,5}", filler(), 0..5),
        prop::collection::vec(secret(), 64),
        prop::collection::vec(any::<usize>(), 0..6),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(
            |(req, res, secrets, choices, flags, flips, more, pretty)| Raw {
                req_filler: req.into_iter().collect(),
                res_filler: res.into_iter().collect(),
                secrets,
                choices,
                flags,
                flips,
                more,
                pretty,
            },
        )
}

/// Every way a JSON body can be declared: the paths apply to all of them.
fn content_type(flag: u64) -> Option<&'static str> {
    match flag % 7 {
        0 => Some("application/json"),
        1 => Some("application/vnd.api+json; charset=utf-8"),
        2 => Some("Application/JSON"),
        3 => Some("text/json"),
        4 => Some("vendor/json"),
        5 => Some("Application/Problem+JSON ; q=1"),
        _ => None,
    }
}

fn build_case(r: Raw, debug: bool, api_key: Option<&str>) -> Case {
    let bit = |i: u32| r.flags >> i & 1 == 1;
    let mut s = r.secrets.iter();
    let mut next = || {
        s.next()
            .cloned()
            .unwrap_or_else(|| "SECRETfallback0000".into())
    };
    let mut secrets = Vec::new();

    // Request body.
    let mut req = Value::Object(r.req_filler);
    req["keep"] = Value::String(CANARY.into());
    if bit(0) {
        let mut a = Map::new();
        a.insert(
            "b".into(),
            secret_node(&mut secrets, &next(), (r.flags >> 8) as u8),
        );
        a.insert("c".into(), json!(1));
        req["a"] = Value::Object(a);
    }
    if bit(1) {
        let t = next();
        secrets.push(t.clone());
        insert_token(&mut req, &r.choices, &t);
    }
    if bit(2) {
        let items: Vec<Value> = (0..(r.flags >> 12) % 4 + 1)
            .map(|i| {
                let p = next();
                secrets.push(p.clone());
                json!({"id": i, "password": p})
            })
            .collect();
        req["items"] = Value::Array(items);
    }
    if bit(3) {
        let k = next();
        secrets.push(k.clone());
        req["x-api-key"] = Value::String(k);
    }
    if bit(4) {
        let e = next();
        secrets.push(e.clone());
        req["user"] = json!({"email": e, "name": "ann"});
    }

    // Response body.
    let mut res = Value::Object(r.res_filler);
    res["keep"] = Value::String(CANARY.into());
    if bit(5) {
        res["data"] = json!({"secret": secret_node(&mut secrets, &next(), (r.flags >> 16) as u8), "ok": true});
    }
    if bit(6) {
        let t = next();
        secrets.push(t.clone());
        let choices: Vec<usize> = r.choices.iter().rev().copied().collect();
        insert_token(&mut res, &choices, &t);
    }
    if bit(7) {
        let p = next();
        secrets.push(p.clone());
        res["items"] = json!([{"password": p, "x": [1, 2]}, {"y": null}]);
    }

    let ser = |v: &Value| {
        if r.pretty {
            serde_json::to_vec_pretty(v).unwrap()
        } else {
            serde_json::to_vec(v).unwrap()
        }
    };

    // Headers: defaults and configured extras, names in random case, values secret.
    let mut request_headers = HeaderMap::new();
    let mut response_headers = HeaderMap::new();
    for (i, name) in DEFAULT_HEADERS.iter().chain(&EXTRA_HEADERS).enumerate() {
        if r.flags >> (20 + i) & 1 == 0 {
            continue;
        }
        let v = next();
        secrets.push(v.clone());
        let name = HeaderName::from_bytes(random_case(name, r.flips >> i).as_bytes()).unwrap();
        let value = HeaderValue::from_str(&format!("Bearer {v}")).unwrap();
        if name == "set-cookie" {
            response_headers.append(name.clone(), value.clone());
        }
        request_headers.append(name.clone(), value);
        if r.flags >> (30 + i) & 1 == 1 {
            // A second value for the same name.
            let v2 = next();
            secrets.push(v2.clone());
            request_headers.append(name, HeaderValue::from_str(&v2).unwrap());
        }
    }
    request_headers.insert("x-visible", HeaderValue::from_static(CANARY));
    for (h, flag) in [
        (&mut request_headers, r.flags >> 40),
        (&mut response_headers, r.flags >> 42),
    ] {
        if let Some(ct) = content_type(flag) {
            h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
    }

    // Query: default names in random case, sometimes percent-encoded, plus a visible one.
    let mut query = vec![format!("page=2&q={CANARY}")];
    let pick = |i: u64| r.more.rotate_right(i as u32);
    for i in 0..(r.flags >> 44) % 4 + 1 {
        let name = DEFAULT_QUERY[(pick(i * 5) as usize) % DEFAULT_QUERY.len()];
        let v = next();
        secrets.push(v.clone());
        let mut n = random_case(name, r.flips >> (8 + i));
        if r.flags >> (52 + i) & 1 == 1 {
            // Percent-encode the first character of the name.
            n = format!("%{:02X}{}", n.as_bytes()[0], &n[1..]);
        }
        query.push(format!("{n}={v}"));
        if bit(56 + i as u32) {
            // The same secret parameter inside an encoded URL in a visible parameter.
            let inner = format!(
                "https://cb.example/x?{n}={}&a=1",
                next_secret(&mut secrets, &mut next)
            );
            query.push(format!("next={}", urlencode(&inner)));
        }
    }
    let uri: Uri = format!("/users/42?{}", query.join("&")).parse().unwrap();

    let mut ex = Exchange::new(SdkType::RustAxum, Method::POST, uri, Version::HTTP_11);
    ex.route = Some("/users/{id}".into());
    ex.status = 200;
    ex.request_headers = request_headers.into();
    ex.response_headers = response_headers.into();
    let mut req_bytes = ser(&req);
    if bit(60) {
        // A duplicate member: `token` first in the object, and maybe again later.
        let t = next();
        secrets.push(t.clone());
        req_bytes.splice(1..1, format!("\"token\":\"{t}\",").into_bytes());
        if req.as_object().is_some_and(|m| m.is_empty()) {
            req_bytes.remove(req_bytes.len() - 2); // `{"token":"..",}` -> valid JSON
        }
    }
    ex.request_body = CapturedBody::Complete(Bytes::from(req_bytes));
    ex.response_body = CapturedBody::Complete(Bytes::from(ser(&res)));

    // URLs with secrets in URL-valued headers (requests and responses) and error texts.
    for (i, name) in URL_HEADERS.iter().enumerate() {
        if pick(3 + i as u64) & 1 == 0 {
            continue;
        }
        let value = url_text(pick(20 + i as u64), &mut secrets, &mut next);
        let headers = if pick(40 + i as u64) & 1 == 0 {
            &mut ex.request_headers
        } else {
            &mut ex.response_headers
        };
        headers.append(&random_case(name, r.flips >> i), value.as_bytes());
    }
    for i in 0..pick(50) % 3 {
        let message = format!(
            "error for url ({})",
            url_text(pick(i * 7), &mut secrets, &mut next)
        );
        let root = format!(
            "redirect to {}",
            url_text(pick(i * 11 + 1), &mut secrets, &mut next)
        );
        ex.errors.push(apitoolkit_core::ErrorEntry {
            root_error_message: root.clone(),
            stack_trace: format!("0: handler\n   at {root}\n"),
            ..apitoolkit_core::ErrorEntry::from_message("reqwest::Error", message)
        });
    }

    let mut extra: Vec<String> = EXTRA_HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| random_case(h, r.flips >> (20 + i)))
        .collect();
    // `host` and `referer` redacted as headers: the top-level fields follow.
    for (i, name) in ["host", "referer"].into_iter().enumerate() {
        if pick(60 + i as u64) & 1 == 1 {
            extra.push(random_case(name, r.flips >> (40 + i)));
            let v = next();
            secrets.push(v.clone());
            let value = format!("https://{v}.example/{v}");
            ex.request_headers.append(name, value.as_bytes());
        }
    }
    let mut builder = Config::builder()
        .redact_request_body(REQ_PATHS)
        .redact_response_body(RES_PATHS)
        .redact_headers(extra)
        .debug(debug)
        .export(Export::Callback(Arc::new(|_| {})));
    if let Some(k) = api_key {
        builder = builder.api_key(k);
    }
    let config = builder.build_with_env(|_| None).expect("config");
    Case {
        exchange: ex,
        config,
        secrets,
    }
}

fn next_secret(secrets: &mut Vec<String>, next: &mut impl FnMut() -> String) -> String {
    let v = next();
    secrets.push(v.clone());
    v
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A text holding a URL with secrets (userinfo, a default query parameter in the query or
/// the fragment), in one of the shapes URLs take in headers and error texts.
fn url_text(choice: u64, secrets: &mut Vec<String>, next: &mut impl FnMut() -> String) -> String {
    let name = DEFAULT_QUERY[(choice >> 8) as usize % DEFAULT_QUERY.len()];
    let name = random_case(name, choice >> 16);
    let v = next_secret(secrets, next);
    let url = match choice % 7 {
        0 => format!(
            "https://ann:{}@app.example/p?{name}={v}&q={CANARY}",
            next_secret(secrets, next)
        ),
        1 => format!("/cb#{name}={v}&state=xyz"),
        2 => format!("0; url=https://app.example/n?{name}={v}"),
        3 => format!("<https://app.example/p?{name}={v}>; rel=\"next\", </q?a=1>; rel=\"last\""),
        4 => format!("myapp://cb?{name}={v}"),
        5 => format!(
            "https://app.example/login?next={}",
            urlencode(&format!("https://sso.example/cb?{name}={v}"))
        ),
        _ => format!(
            "//{}@cdn.example/a?{name}={v}#{name}={}",
            next_secret(secrets, next),
            next_secret(secrets, next)
        ),
    };
    url
}

// ------------------------------------------------------------------ captured logs

use apitoolkit_testkit::{capture_logs as logs, captured_log_bytes as log_text};

fn settings(f: impl FnOnce(&mut ShipperSettings)) -> ShipperSettings {
    let mut s = ShipperSettings::default();
    f(&mut s);
    s
}

fn api_key() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{16,32}".prop_map(|s| format!("SECRETKEY{s}"))
}

// ------------------------------------------------------------------ properties

/// Every attribute of the exporter's span carries the value the record (JSON) has for
/// it, and every header of the record is an attribute: the span ships nothing the
/// record does not, and the record's checks cover the span.
fn assert_span_mirrors_record(span: &Span, msg: &RequestMessage) {
    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("record parts serialise")
    }
    let mut headers = 0;
    for kv in &span.attributes {
        let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
        let text = |v: Option<&any_value::Value>| match v {
            Some(any_value::Value::StringValue(s)) => s.clone(),
            other => panic!("{}: not a string: {other:?}", kv.key),
        };
        let list = |v: Option<&any_value::Value>| match v {
            Some(any_value::Value::ArrayValue(a)) => a
                .values
                .iter()
                .map(|v| text(v.value.as_ref()))
                .collect::<Vec<_>>(),
            other => panic!("{}: not an array: {other:?}", kv.key),
        };
        let key = kv.key.as_str();
        if let Some(name) = key.strip_prefix("http.request.header.") {
            assert_eq!(Some(&list(value)), msg.request_headers.get(name), "{key}");
            headers += 1;
            continue;
        }
        if let Some(name) = key.strip_prefix("http.response.header.") {
            assert_eq!(Some(&list(value)), msg.response_headers.get(name), "{key}");
            headers += 1;
            continue;
        }
        let expected = match key {
            "net.host.name" => msg.host.clone(),
            "http.route" => msg.url_path.clone(),
            "http.target" => msg.raw_url.clone(),
            "http.request.method" => msg.method.clone(),
            "http.request.query_params" => json(&msg.query_params),
            "http.request.path_params" => json(&msg.path_params),
            "http.request.body" => msg.request_body.clone(),
            "http.response.body" => msg.response_body.clone(),
            "apitoolkit.msg_id" => msg.msg_id.clone(),
            "apitoolkit.errors" => json(&msg.errors),
            "apitoolkit.sdk_type" => msg.sdk_type.as_str().to_owned(),
            "apitoolkit.parent_id" => msg.parent_id.clone().unwrap_or_default(),
            "apitoolkit.service_version" => msg.service_version.clone().unwrap_or_default(),
            "apitoolkit.project_id" => msg.project_id.clone(),
            "apitoolkit.tags" => {
                assert_eq!(list(value), msg.tags, "{key}");
                continue;
            }
            "http.response.status_code" => {
                assert_eq!(
                    value,
                    Some(&any_value::Value::IntValue(i64::from(msg.status_code)))
                );
                continue;
            }
            "apitoolkit.sample_rate" => {
                assert_eq!(value, Some(&any_value::Value::DoubleValue(msg.sample_rate)));
                continue;
            }
            other => panic!("unexpected span attribute {other}"),
        };
        assert_eq!(text(value), expected, "{key}");
    }
    assert_eq!(
        headers,
        msg.request_headers.len() + msg.response_headers.len(),
        "every header of the record is on the span"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The record (JSON, bodies decoded), its `Debug`, its JSON Lines form, and its OTLP
    /// span (prost bytes and decoded base64 attributes) hold no secret; the canary shows
    /// the bodies were searched. The exporters' direct writers give exactly the JSON and
    /// the span bytes checked here.
    #[test]
    fn record_and_span_never_hold_a_secret(r in raw(), key in api_key()) {
        let case = build_case(r, false, Some(&key));
        let ex = &case.exchange;
        let msg = build_message(ex, &case.config);
        let json = serde_json::to_vec(&msg).unwrap();
        // The JSON Lines exporter writes the record without building it: same bytes.
        let mut line = Vec::new();
        write_json(ex, &case.config, &mut line).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&line), String::from_utf8_lossy(&json));
        let mut secrets = case.secrets.clone();
        secrets.push(key.clone());
        assert_clean("record JSON", &json, &secrets);
        assert_clean("record Debug", format!("{msg:?}").as_bytes(), &secrets);
        // `Debug` of what was captured, before redaction, prints names and lengths only.
        let captured = format!(
            "{ex:?} {ex:#?} {:?} {:?} {:?} {:#?}",
            ex.request_headers, ex.response_headers, ex.request_body, case.config
        );
        assert_clean("Exchange Debug", captured.as_bytes(), &secrets);

        let req = apitoolkit_core::testing::body_bytes(&msg.request_body);
        let res = apitoolkit_core::testing::body_bytes(&msg.response_body);
        prop_assert!(contains(&req, CANARY), "request body shipped");
        prop_assert!(contains(&res, CANARY), "response body shipped");
        prop_assert!(msg.query_params["q"] == vec![CANARY.to_owned()]);
        prop_assert!(msg.request_headers["x-visible"] == vec![CANARY.to_owned()]);

        // The span as the OTLP exporter writes it, decoded: it says what the record says.
        let bytes = span_bytes(ex, &case.config);
        assert_clean("span bytes", &bytes, &secrets);
        let span = Span::decode(&bytes[..]).expect("span bytes decode");
        assert_span_mirrors_record(&span, &msg);
        let mut bodies = 0;
        for kv in &span.attributes {
            let Some(any_value::Value::StringValue(v)) = kv.value.as_ref().and_then(|v| v.value.as_ref()) else {
                continue;
            };
            if kv.key == "http.request.body" || kv.key == "http.response.body" {
                let decoded = apitoolkit_core::testing::body_bytes(v);
                assert_clean(&kv.key, &decoded, &secrets);
                prop_assert!(contains(&decoded, CANARY));
                bodies += 1;
            }
        }
        prop_assert_eq!(bodies, 2);
    }

    /// `Debug` of the configuration, exporter settings and a started shipper never show
    /// the key (the OTLP resource does carry it, by design, as `at-project-key`); nor do
    /// the errors of configurations that fail with the key set.
    #[test]
    fn api_key_never_in_debug_or_errors(key in api_key(), grpc in any::<bool>()) {
        let protocol = if grpc { OtlpProtocol::Grpc } else { OtlpProtocol::HttpProtobuf };
        let settings = OtlpSettings::new("http://127.0.0.1:1", protocol);
        let config = Config::builder()
            .api_key(key.clone())
            .export(Export::Otlp(settings.clone()))
            .redact_request_body(["$.a"])
            .build_with_env(|_| None)
            .unwrap();
        let k = [key.clone()];
        assert_clean("Config Debug", format!("{config:?} {config:#?}").as_bytes(), &k);
        assert_clean("Export Debug", format!("{:?}", config.export()).as_bytes(), &k);
        assert_clean("OtlpSettings Debug", format!("{settings:?}").as_bytes(), &k);

        let errors = [
            Config::builder().api_key(key.clone()).redact_request_body(["$.[bad"]).build_with_env(|_| None).err().map(StartError::from),
            Config::builder().api_key(key.clone()).redact_response_body(["$..[?"]).build_with_env(|_| None).err().map(StartError::from),
            Config::builder().build_with_env(|v| match v {
                "APITOOLKIT_KEY" => Some(key.clone()),
                "APITOOLKIT_EXPORT" => Some("bogus".into()),
                _ => None,
            }).err().map(StartError::from),
            Config::builder().build_with_env(|v| match v {
                "APITOOLKIT_KEY" => Some(key.clone()),
                "APITOOLKIT_MAX_BODY_BYTES" => Some("lots".into()),
                "APITOOLKIT_REDACT_REQ_BODY" => Some("[\"$.[\"]".into()),
                _ => None,
            }).err().map(StartError::from),
            Config::builder().api_key(key.clone())
                .otlp_endpoint("not a url at all")
                .build_with_env(|_| None)
                .err()
                .map(StartError::from)
                .or_else(|| Config::builder().api_key(key.clone())
                    .otlp_endpoint("not a url at all")
                    .build_with_env(|_| None).ok()
                    .and_then(|c| Shipper::start(c).err())),
        ];
        for e in errors.iter().flatten() {
            assert_clean("ConfigError", format!("{e} {e:?}").as_bytes(), &k);
        }
        prop_assert!(errors[0].is_some() && errors[1].is_some() && errors[2].is_some());
    }
}

/// A key that is not a valid header value fails start-up with an error that does not
/// echo it (nor a fragment of it).
#[test]
fn invalid_api_key_error_does_not_echo_it() {
    for protocol in [OtlpProtocol::HttpProtobuf, OtlpProtocol::Grpc] {
        let key = "SECRETKEYbad\nline\u{7f}Zq81";
        let built = Config::builder()
            .api_key(key)
            .export(Export::Otlp(OtlpSettings::new(
                "http://127.0.0.1:1",
                protocol,
            )))
            .build_with_env(|_| None);
        let err = match built {
            Err(e) => Some(StartError::from(e)),
            Ok(config) => match Shipper::start(config) {
                Err(e) => Some(e),
                Ok(shipper) => {
                    let _ = shipper.shutdown(Duration::from_secs(1));
                    None
                }
            },
        };
        let err = err.expect("a key that cannot be sent is a start-up error");
        let text = format!("{err} {err:?}");
        apitoolkit_core::testing::assert_not_leaked(text.as_bytes(), b"SECRETKEYbad");
        apitoolkit_core::testing::assert_not_leaked(text.as_bytes(), b"line\x7fZq81");
    }
}

/// With `debug(true)`, a real shipper logs every record (redacted) and its lifecycle:
/// none of it holds a secret or the key, though the payload lines are there.
#[test]
fn debug_logs_of_a_running_shipper_never_hold_a_secret() {
    let logs = logs();
    let mut runner = proptest::test_runner::TestRunner::default();
    let key = "SECRETKEYlogs0123456789abc".to_owned();
    let mut all_secrets = vec![key.clone()];
    let received = Arc::new(Mutex::new(0usize));
    let got = Arc::clone(&received);
    let config = Config::builder()
        .api_key(key.clone())
        .debug(true)
        .redact_request_body(REQ_PATHS)
        .redact_response_body(RES_PATHS)
        // `host` and `referer` too: some cases carry secrets there.
        .redact_headers(EXTRA_HEADERS.iter().chain(&["host", "referer"]).copied())
        .shipper(settings(|s| s.batch_interval = Duration::from_millis(5)))
        .export(Export::Callback(Arc::new(move |batch| {
            *got.lock().unwrap() += batch.len();
        })))
        .build_with_env(|_| None)
        .unwrap();
    let shipper = Shipper::start(config).unwrap();
    let strategy = raw();
    for _ in 0..32 {
        let r = strategy.new_tree(&mut runner).unwrap().current();
        let case = build_case(r, true, Some(&key));
        all_secrets.extend(case.secrets.iter().cloned());
        shipper.enqueue(case.exchange);
    }
    assert!(shipper.flush(Duration::from_secs(10)).is_ok(), "flushed");
    let debug_text = format!("{shipper:?}");
    assert!(shipper.shutdown(Duration::from_secs(5)).is_ok());
    assert_eq!(*received.lock().unwrap(), 32);

    let text = log_text();
    let _ = logs;
    assert!(
        contains(&text, "apitoolkit: record"),
        "payload lines are logged: {}",
        String::from_utf8_lossy(&text)
    );
    assert!(contains(&text, "shipper started"));
    assert!(contains(&text, CANARY), "logged payloads carry the bodies");
    assert_clean("debug logs", &text, &all_secrets);
    assert_clean("Shipper Debug", debug_text.as_bytes(), &all_secrets);
}

/// With `debug(true)` and an OTLP collector that is down, the retry and loss logs, the
/// shipper's `Debug` and its stats never show the key.
#[test]
fn failing_otlp_export_logs_never_hold_the_key() {
    let logs = logs();
    let key = "SECRETKEYotlp9876543210xyz".to_owned();
    // A port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for protocol in [OtlpProtocol::HttpProtobuf, OtlpProtocol::Grpc] {
        let config = Config::builder()
            .api_key(key.clone())
            .debug(true)
            .export(Export::Otlp(OtlpSettings::new(
                format!("http://127.0.0.1:{port}"),
                protocol,
            )))
            .shipper(settings(|s| {
                s.batch_interval = Duration::from_millis(5);
                s.max_attempts = 2;
                s.initial_backoff = Duration::from_millis(5);
                s.max_backoff = Duration::from_millis(20);
                s.export_timeout = Duration::from_millis(500);
            }))
            .build_with_env(|_| None)
            .unwrap();
        let shipper = Shipper::start(config).unwrap();
        let mut ex = Exchange::new(
            SdkType::RustCustom,
            Method::GET,
            Uri::from_static("/x"),
            Version::HTTP_11,
        );
        ex.status = 200;
        shipper.enqueue(ex);
        let _ = shipper.flush(Duration::from_secs(5));
        let debug_text = format!("{shipper:?} {:?}", shipper.config());
        let _ = shipper.shutdown(Duration::from_secs(2));
        assert_clean(
            "Shipper Debug",
            debug_text.as_bytes(),
            std::slice::from_ref(&key),
        );
    }
    let text = log_text();
    let _ = logs;
    assert!(
        contains(&text, "export failed") || contains(&text, "batch lost"),
        "the failure was logged: {}",
        String::from_utf8_lossy(&text)
    );
    assert_clean("debug logs", &text, &[key]);
}

fn body_record(content_type: &str, body: Vec<u8>) -> apitoolkit_core::RequestMessage {
    let config = Config::builder()
        .redact_request_body(REQ_PATHS)
        .export(Export::Callback(Arc::new(|_| {})))
        .build_with_env(|_| None)
        .unwrap();
    let mut ex = Exchange::new(
        SdkType::RustCustom,
        Method::POST,
        Uri::from_static("/form"),
        Version::HTTP_11,
    );
    ex.status = 200;
    ex.request_headers
        .append("content-type", content_type.as_bytes());
    ex.request_body = CapturedBody::Complete(Bytes::from(body));
    build_message(&ex, &config)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Urlencoded forms: `token` fields (repeated, percent-encoded names, `+` spaces) at
    /// random positions among filler fields never reach the record.
    #[test]
    fn form_bodies_never_hold_a_secret(
        filler in prop::collection::vec(("[c-z]{1,5}", "[a-z+]{0,6}"), 0..6),
        secrets in prop::collection::vec(secret(), 1..4),
        positions in prop::collection::vec(any::<usize>(), 3),
        encode_name in any::<u8>(),
    ) {
        let mut fields: Vec<String> = filler.iter().map(|(n, v)| format!("{n}={v}")).collect();
        fields.push(format!("keep={CANARY}"));
        for (i, s) in secrets.iter().enumerate() {
            let name = match (encode_name >> i) & 3 {
                0 => "token",
                1 => "tok%65n",
                2 => "%74oken",
                _ => "token",
            };
            let at = positions[i % 3] % (fields.len() + 1);
            fields.insert(at, format!("{name}={s}"));
        }
        let msg = body_record("application/x-www-form-urlencoded", fields.join("&").into_bytes());
        let json = serde_json::to_vec(&msg).unwrap();
        assert_clean("form record", &json, &secrets);
        let shipped = apitoolkit_core::testing::body_bytes(&msg.request_body);
        prop_assert!(contains(&shipped, CANARY));
    }

    /// Multipart forms: a secret `token` field and a file whose content is secret; the
    /// file becomes `[<mime>_FILE]`, the field is redacted.
    #[test]
    fn multipart_bodies_never_hold_a_secret(
        field in secret(),
        file in secret(),
        file_first in any::<bool>(),
        mime in prop::sample::select(vec!["text/plain", "application/json", "image/png"]),
        subtype in prop::sample::select(vec!["form-data", "mixed", "related", "Form-Data"]),
        filename in prop::sample::select(vec![
            "; filename=\"a.bin\"",
            "; filename*=UTF-8''a%20b.bin",
            "; FILENAME=a.bin",
            "",
        ]),
        flips in any::<u64>(),
    ) {
        let part = |head: &str, data: &str| format!("--XyZ\r\n{head}\r\n\r\n{data}\r\n");
        let disposition = random_case("content-disposition", flips);
        let token = part(&format!("{disposition}: form-data; name=\"token\""), &field);
        // A part with a file name, or with a content type other than text/*, is a file;
        // a text part without a file name is a field (then the file's secret is a
        // field named `doc`, which is not redacted: only check files).
        let is_file = !filename.is_empty() || mime != "text/plain";
        let upload = part(
            &format!("{disposition}: form-data; name=\"doc\"{filename}\r\n{}: {mime}", random_case("content-type", flips >> 20)),
            &format!("{{\"password\":\"{file}\"}}"),
        );
        let keep = part("content-disposition: form-data; name=\"keep\"", CANARY);
        let body = if file_first {
            format!("{upload}{keep}{token}--XyZ--\r\n")
        } else {
            format!("{token}{keep}{upload}--XyZ--\r\n")
        };
        let msg = body_record(&format!("multipart/{subtype}; boundary=XyZ"), body.into_bytes());
        let json = serde_json::to_vec(&msg).unwrap();
        let secrets = if is_file { vec![field, file] } else { vec![field] };
        assert_clean("multipart record", &json, &secrets);
        let shipped = apitoolkit_core::testing::body_bytes(&msg.request_body);
        prop_assert!(contains(&shipped, CANARY));
        let file_marker = format!("[{mime}_FILE]");
        prop_assert_eq!(contains(&shipped, &file_marker), is_file);
    }
}
