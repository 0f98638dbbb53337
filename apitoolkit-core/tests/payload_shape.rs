//! The record's JSON shape matches docs/PROTOCOL.md §2 (names, types, formats).

use std::time::{Duration, UNIX_EPOCH};

use apitoolkit_core::record::build_message;
use apitoolkit_core::{CapturedBody, Config, ErrorEntry, Exchange, SdkType};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Version};
use serde_json::Value;

fn spec_like_exchange() -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustAxum,
        Method::POST,
        "/users/42?verbose=true".parse().unwrap(),
        Version::HTTP_11,
    );
    ex.started_at = UNIX_EPOCH + Duration::new(1_781_864_130, 123_456_789);
    ex.duration = Duration::from_nanos(1_530_000);
    ex.route = Some("/users/{id}".into());
    ex.status = 201;
    let mut rq = HeaderMap::new();
    rq.insert("host", HeaderValue::from_static("api.example.com"));
    rq.insert("content-type", HeaderValue::from_static("application/json"));
    rq.insert("authorization", HeaderValue::from_static("Bearer abc"));
    ex.request_headers = rq.into();
    let mut rs = HeaderMap::new();
    rs.insert("content-type", HeaderValue::from_static("application/json"));
    ex.response_headers = rs.into();
    ex.request_body =
        CapturedBody::Complete(Bytes::from_static(br#"{"name":"Ann","password":"x"}"#));
    ex.response_body = CapturedBody::Complete(Bytes::from_static(br#"{"id":42}"#));
    ex
}

#[test]
fn record_matches_the_spec_example() {
    let config = Config::builder()
        .service_version("v2.0")
        .tags(["env:prod"])
        .redact_request_body(["$.password"])
        .build_with_env(|_| None)
        .unwrap();
    let msg = build_message(&spec_like_exchange(), &config);
    let json: Value = serde_json::to_value(&msg).unwrap();
    let expected = serde_json::json!({
        "timestamp": "2026-06-19T10:15:30.123456789Z", "duration": 1530000,
        "host": "api.example.com", "method": "POST", "url_path": "/users/{id}",
        "raw_url": "/users/42?verbose=true", "path_params": {"id": "42"},
        "query_params": {"verbose": ["true"]}, "proto_major": 1, "proto_minor": 1,
        "status_code": 201, "referer": "",
        "request_headers": {"content-type": ["application/json"],
            "authorization": ["[CLIENT_REDACTED]"], "host": ["api.example.com"]},
        "response_headers": {"content-type": ["application/json"]},
        "request_body": "eyJuYW1lIjoiQW5uIiwicGFzc3dvcmQiOiJbQ0xJRU5UX1JFREFDVEVEXSJ9",
        "response_body": "eyJpZCI6NDJ9", "request_body_encoding": "",
        "response_body_encoding": "", "project_id": "", "sdk_type": "RustAxum",
        "service_version": "v2.0", "tags": ["env:prod"], "msg_id": msg.msg_id,
        "parent_id": null, "trace_id": msg.msg_id.replace('-', ""),
        "span_id": msg.msg_id.replace('-', "")[16..], "sample_rate": 1.0, "attributes": {}, "errors": []
    });
    assert_eq!(json, expected);
}

#[test]
fn field_types_and_formats() {
    let config = Config::builder().build_with_env(|_| None).unwrap();
    let mut ex = spec_like_exchange();
    ex.parent_id = Some(uuid::Uuid::new_v4());
    ex.sdk_type = SdkType::RustOutgoing;
    ex.version = Version::HTTP_2;
    ex.errors
        .push(ErrorEntry::from_message("Timeout", "took too long"));
    ex.request_body = CapturedBody::Empty;
    let json = serde_json::to_value(build_message(&ex, &config)).unwrap();
    assert_eq!(
        json.as_object().unwrap().len(),
        29,
        "exactly the fields of docs/PROTOCOL.md §2"
    );
    assert!(json["parent_id"].is_string());
    // An outgoing call is in its incoming request's trace, a child of its span.
    let parent = ex.parent_id.unwrap().simple().to_string();
    assert_eq!(json["trace_id"], parent.as_str());
    assert_eq!(json["span_id"], &ex.msg_id.simple().to_string()[16..]);
    assert_eq!(json["sdk_type"], "RustOutgoing");
    assert_eq!(
        (json["proto_major"].as_u64(), json["proto_minor"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(json["request_body"], "", "empty body is \"\", never null");
    assert!(json["service_version"].is_null());
    assert_eq!(json["tags"], serde_json::json!([]));
    assert!(json["timestamp"].as_str().unwrap().ends_with('Z'));
    let err = &json["errors"][0];
    for k in [
        "when",
        "error_type",
        "root_error_type",
        "message",
        "root_error_message",
        "stack_trace",
    ] {
        assert!(err[k].is_string(), "{k}");
    }
}

#[test]
fn query_secrets_are_masked_in_map_and_raw_url() {
    let config = Config::builder().build_with_env(|_| None).unwrap();
    let ex = Exchange::new(
        SdkType::RustCustom,
        Method::GET,
        "/cb?code=c0de&access_token=s3cr3t&state=x&page=2"
            .parse()
            .unwrap(),
        Version::HTTP_11,
    );
    let msg = build_message(&ex, &config);
    assert_eq!(
        msg.raw_url,
        "/cb?code=[CLIENT_REDACTED]&access_token=[CLIENT_REDACTED]&state=x&page=2"
    );
    assert_eq!(msg.query_params["code"], ["[CLIENT_REDACTED]"]);
    assert_eq!(
        msg.query_params["state"],
        ["x"],
        "state is not a credential"
    );
    assert_eq!(msg.query_params["access_token"], ["[CLIENT_REDACTED]"]);
    let json = serde_json::to_string(&msg).unwrap();
    assert!(!json.contains("s3cr3t") && !json.contains("c0de"));
}

#[test]
fn form_and_multipart_bodies_ship_as_redacted_json() {
    let config = Config::builder()
        .redact_request_body(["$.password"])
        .build_with_env(|_| None)
        .unwrap();
    let mut ex = spec_like_exchange();
    let mut rq = ex.request_headers.to_header_map();
    rq.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    ex.request_headers = rq.into();
    ex.request_body = CapturedBody::Complete(Bytes::from_static(b"user=ann&password=hunter2"));
    let msg = build_message(&ex, &config);
    let body = apitoolkit_core_body(&msg.request_body);
    assert_eq!(
        body,
        serde_json::json!({"user":"ann","password":"[CLIENT_REDACTED]"})
    );
}

#[test]
fn non_json_body_with_paths_fails_closed_and_text_without_type_passes() {
    let config = Config::builder()
        .redact_response_body(["$.token"])
        .build_with_env(|_| None)
        .unwrap();
    let mut ex = spec_like_exchange();
    ex.response_body = CapturedBody::Complete(Bytes::from_static(b"token=abc not json"));
    let msg = build_message(&ex, &config);
    let raw = String::from_utf8(decode(&msg.response_body)).unwrap();
    assert_eq!(raw, "[UNPARSEABLE_BODY 18 bytes]");
    let mut rs = ex.response_headers.to_header_map();
    rs.insert("content-type", HeaderValue::from_static("text/plain"));
    ex.response_headers = (&rs).into();
    let msg = build_message(&ex, &config);
    assert_eq!(
        decode(&msg.response_body),
        b"token=abc not json",
        "text/* ships as captured"
    );
    rs.insert("content-type", HeaderValue::from_static("application/json"));
    rs.insert("content-encoding", HeaderValue::from_static("compress"));
    ex.response_headers = (&rs).into();
    let msg = build_message(&ex, &config);
    assert_eq!(
        decode(&msg.response_body),
        b"[ENCODED_BODY compress 18 bytes]",
        "a coding the SDK does not decode"
    );
    assert_eq!(msg.response_body_encoding, "");
    rs.insert("content-encoding", HeaderValue::from_static("gzip"));
    ex.response_headers = (&rs).into();
    let msg = build_message(&ex, &config);
    assert_eq!(
        decode(&msg.response_body),
        b"[UNDECODABLE_BODY gzip 18 bytes]",
        "not gzip at all"
    );
    assert_eq!(msg.response_body_encoding, "");
}

#[test]
fn compressed_bodies_are_decoded_and_the_record_names_the_codings() {
    use std::io::Write as _;
    let config = Config::builder()
        .redact_response_body(["$.token"])
        .build_with_env(|_| None)
        .unwrap();
    let mut ex = spec_like_exchange();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"token":"SECRETgz","id":42}"#).unwrap();
    ex.response_body = CapturedBody::Complete(gz.finish().unwrap().into());
    let mut rs = ex.response_headers.to_header_map();
    rs.insert("content-encoding", HeaderValue::from_static("GZIP"));
    ex.response_headers = (&rs).into();
    let msg = build_message(&ex, &config);
    assert_eq!(
        decode(&msg.response_body),
        br#"{"token":"[CLIENT_REDACTED]","id":42}"#
    );
    assert_eq!(msg.response_body_encoding, "gzip");
    assert_eq!(msg.request_body_encoding, "");
    assert_eq!(
        msg.response_headers["content-encoding"],
        ["GZIP"],
        "the header is kept as received"
    );
}

#[test]
fn too_large_and_not_captured_bodies_get_placeholders() {
    let config = Config::builder().build_with_env(|_| None).unwrap();
    let mut ex = spec_like_exchange();
    ex.request_body = CapturedBody::TooLarge { cap: 1024 };
    ex.response_body = CapturedBody::NotCaptured;
    let msg = build_message(&ex, &config);
    assert_eq!(
        decode(&msg.request_body),
        b"[BODY_TOO_LARGE over 1024 bytes]"
    );
    assert_eq!(decode(&msg.response_body), b"[BODY_NOT_CAPTURED]");
}

fn decode(b64: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn apitoolkit_core_body(b64: &str) -> Value {
    serde_json::from_slice(&decode(b64)).unwrap()
}

#[test]
fn the_default_query_list_can_be_dropped_while_own_names_stay_masked() {
    let config = Config::builder()
        .default_redacted_query_params(false)
        .redact_query_params(["session"])
        .build_with_env(|_| None)
        .unwrap();
    let ex = Exchange::new(
        SdkType::RustCustom,
        Method::GET,
        "/cb?code=US&session=s3ss&token=t".parse().unwrap(),
        Version::HTTP_11,
    );
    let msg = build_message(&ex, &config);
    assert_eq!(msg.raw_url, "/cb?code=US&session=[CLIENT_REDACTED]&token=t");
}
