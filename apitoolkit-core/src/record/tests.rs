//! Exchanges and configurations covering the record's edge cases, shared by the tests
//! of every encoder, and the tests of the JSON writer against `serde_json`.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Uri, Version};

use super::fields::uuid_text;
use super::{build_message, write_json};
use crate::capture::exchange::Exchange;
use crate::model::CapturedBody;
use crate::model::{ErrorEntry, SdkType};
use crate::redact::RedactionRules;
use crate::Config;

fn config() -> Config {
    Config::builder()
        .disabled(true)
        .project_id("p-\"1\"")
        .tags(["env:prod", "tab\there", ""])
        .service_version("v2")
        .redact_request_body(["$.password", "$..card.number"])
        .redact_query_params(["token"])
        .build()
        .unwrap()
}

/// A configuration with every record field set and redaction, and a bare one.
pub(crate) fn configs() -> [Config; 2] {
    [config(), Config::builder().disabled(true).build().unwrap()]
}

fn json(body: &str) -> CapturedBody {
    CapturedBody::Complete(Bytes::from(body.to_owned()))
}

/// Exchanges covering the record's edge cases: a query with a redacted and encoded
/// parameters, repeated, redacted and non-UTF-8 headers, a body long enough for
/// multi-byte protobuf lengths, errors (one with an unparseable time), an outgoing
/// call with a parent, its own rules and repeated path params, binary bodies, empty
/// values.
pub(crate) fn exchanges() -> Vec<Exchange> {
    let mut a = Exchange::new(
        SdkType::RustAxum,
        Method::POST,
        Uri::from_static("/users/42?token=s3cret&q=a%20b&q=%22c%22&flag"),
        Version::HTTP_11,
    );
    a.started_at = UNIX_EPOCH + Duration::new(1_781_864_130, 123_456_789);
    a.duration = Duration::from_micros(1530);
    a.route = Some("/users/{id}".into());
    a.status = 201;
    for (n, v) in [
        ("host", &b"api.example.com"[..]),
        ("x-multi", b"one"),
        ("authorization", b"Bearer s3cret"),
        ("content-type", b"application/json"),
        ("x-multi", b"two \"quoted\"\n"),
        ("x-odd", b"caf\xe9"),
        ("referer", b"https://example.com/"),
        ("cookie", b"a=1"),
        ("cookie", b"b=2"),
    ] {
        a.request_headers.append(n, v);
    }
    a.response_headers
        .append("content-type", b"application/json");
    a.response_headers.append("set-cookie", b"sid=1");
    a.request_body = json(&format!(
        r#"{{"name":"Ann","password":"hunter2","card":{{"number":"4242"}},"pad":"{}"}}"#,
        "x".repeat(300)
    ));
    a.response_body = json(r#"{"id":42,"note":"\u00e9 \n"}"#);
    a.errors = vec![
        ErrorEntry::from_message("E", "bad \"thing\"\u{1}"),
        ErrorEntry {
            when: "not a time".into(),
            ..ErrorEntry::from_message("F", "worse")
        },
    ];

    let mut b = Exchange::new(
        SdkType::RustOutgoing,
        Method::from_bytes(b"patch").unwrap(),
        Uri::from_static("https://upstream.example:8443/v1/items"),
        Version::HTTP_2,
    );
    b.parent_id = Some(a.msg_id);
    b.path_params = vec![
        ("z".into(), "1".into()),
        ("a".into(), "2".into()),
        ("z".into(), "3".into()),
    ];
    b.request_body = CapturedBody::TooLarge { cap: 10 };
    b.response_body = CapturedBody::NotCaptured;
    b.redaction = Some(Arc::new(
        RedactionRules::builder()
            .headers(["x-api"])
            .build()
            .unwrap(),
    ));
    b.status = 503;
    b.request_headers.append("X-Api", b"k");
    b.request_headers
        .append("x-long", "v".repeat(200).as_bytes());

    let mut c = Exchange::new(
        SdkType::RustActix,
        Method::GET,
        Uri::from_static("/"),
        Version::HTTP_10,
    );
    c.response_headers
        .append("content-type", b"application/octet-stream");
    c.response_body = CapturedBody::Complete(Bytes::from_static(b"\x00\xff\xfe binary"));
    // A gRPC status, and a handler attribute of the same name that it replaces.
    c.grpc_status = Some(5);
    c.attributes = vec![("rpc.grpc.status_code".into(), "handler".into())];
    // A handler's tag and attributes (one key set twice), quoting URLs with secrets.
    a.tags = vec!["from https://ann:pw@h.example/cb?token=Tok1Secret".into()];
    a.attributes = vec![
        ("user.id".into(), "u1".into()),
        (
            "next".into(),
            "https://h.example/cb?token=Tok2Secret&x=1".into(),
        ),
        ("user.id".into(), "u2".into()),
    ];
    vec![a, b, c]
}

#[test]
fn write_json_is_serde_json_of_build_message() {
    for config in &configs() {
        for ex in exchanges() {
            let mut out = b"prefix".to_vec();
            write_json(&ex, config, &mut out).unwrap();
            let expected = serde_json::to_string(&build_message(&ex, config)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("prefix{expected}"));
        }
    }
}

#[test]
fn derived_fields() {
    let config = config();
    let [a, b, _] = <[Exchange; 3]>::try_from(exchanges()).unwrap();
    let m = build_message(&a, &config);
    assert_eq!(m.timestamp, "2026-06-19T10:15:30.123456789Z");
    assert_eq!(m.host, "api.example.com");
    assert_eq!(
        m.raw_url,
        "/users/42?token=[CLIENT_REDACTED]&q=a%20b&q=%22c%22&flag"
    );
    assert_eq!(m.query_params["q"], ["a b", "\"c\""]);
    assert_eq!(m.path_params["id"], "42");
    assert_eq!(m.request_headers["x-multi"], ["one", "two \"quoted\"\n"]);
    assert_eq!(m.request_headers["cookie"], [crate::REDACTED]);
    assert_eq!(m.referer, "https://example.com/");
    let m = build_message(&b, &config);
    assert_eq!(
        (m.host.as_str(), m.method.as_str()),
        ("upstream.example:8443", "PATCH")
    );
    assert_eq!((m.proto_major, m.proto_minor), (2, 0));
    assert_eq!(m.request_headers["x-api"], [crate::REDACTED]);
    assert_eq!(
        (m.path_params["a"].as_str(), m.path_params["z"].as_str()),
        ("2", "3")
    );
    assert_eq!(m.parent_id, Some(uuid_text(a.msg_id)));
}

#[test]
fn handler_tags_and_attributes_are_scrubbed_and_the_last_value_wins() {
    let config = config();
    let ex = &exchanges()[0];
    let m = build_message(ex, &config);
    assert_eq!(m.tags.len(), 4, "{:?}", m.tags);
    let tag = &m.tags[3];
    assert!(!tag.contains("Tok1Secret") && !tag.contains("pw@"), "{tag}");
    assert_eq!(m.attributes["user.id"], "u2");
    let next = &m.attributes["next"];
    assert!(
        !next.contains("Tok2Secret") && next.contains("x=1"),
        "{next}"
    );
    let mut line = Vec::new();
    write_json(ex, &config, &mut line).unwrap();
    let line = String::from_utf8(line).unwrap();
    assert!(!line.contains("Secret") && !line.contains("pw@"), "{line}");
    let span = super::span_bytes(ex, &config);
    assert!(!span.windows(6).any(|w| w == b"Secret"));
}

#[test]
fn a_grpc_status_is_an_attribute_an_int_in_the_span() {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    use prost::Message as _;

    let config = config();
    let [a, _, c] = <[Exchange; 3]>::try_from(exchanges()).unwrap();
    let m = build_message(&c, &config);
    assert_eq!(m.attributes["rpc.grpc.status_code"], "5");
    assert_eq!(m.attributes.len(), 1, "{:?}", m.attributes);
    assert!(!build_message(&a, &config)
        .attributes
        .contains_key("rpc.grpc.status_code"));

    let span =
        opentelemetry_proto::tonic::trace::v1::Span::decode(&super::span_bytes(&c, &config)[..])
            .unwrap();
    let values: Vec<_> = span
        .attributes
        .iter()
        .filter(|kv| kv.key == "rpc.grpc.status_code")
        .map(|kv| kv.value.clone().and_then(|v| v.value))
        .collect();
    assert_eq!(values, [Some(Value::IntValue(5))]);
    let at = |key: &str| span.attributes.iter().position(|kv| kv.key == key);
    assert_eq!(
        at("rpc.grpc.status_code"),
        at("http.response.status_code").map(|i| i + 1),
        "right after the HTTP status"
    );
}
