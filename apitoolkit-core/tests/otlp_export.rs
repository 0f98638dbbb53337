//! OTLP export end to end: in-test gRPC and HTTP receivers on loopback decode what the
//! shipper sends and check the span mapping of docs/PROTOCOL.md §3, authentication, gzip and
//! redaction.

use std::time::{Duration, UNIX_EPOCH};

use apitoolkit_core::{Config, OtlpCompression, OtlpProtocol, Shipper};
use apitoolkit_testkit::{export_settings, incoming, outgoing, Collector, ExportRequest};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, Span};

const KEY: &str = "test-api-key-0123";

fn config(endpoint: String, protocol: OtlpProtocol, compression: OtlpCompression) -> Config {
    let s = export_settings();
    Config::builder()
        .api_key(KEY)
        .service_name("svc-test")
        .service_version("v2.0")
        .tags(["env:test", "team:core"])
        .redact_request_body(["$.password"])
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .otlp_compression(compression)
        .shipper(s)
        .build_with_env(|_| None)
        .expect("valid config")
}

fn value<'a>(attrs: &'a [KeyValue], key: &str) -> &'a Value {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
        .unwrap_or_else(|| panic!("attribute {key} missing"))
}

fn string(attrs: &[KeyValue], key: &str) -> String {
    match value(attrs, key) {
        Value::StringValue(s) => s.clone(),
        other => panic!("{key} is not a string: {other:?}"),
    }
}

fn strings(attrs: &[KeyValue], key: &str) -> Vec<String> {
    match value(attrs, key) {
        Value::ArrayValue(a) => a
            .values
            .iter()
            .map(|v| match &v.value {
                Some(Value::StringValue(s)) => s.clone(),
                other => panic!("{key} holds a non-string: {other:?}"),
            })
            .collect(),
        other => panic!("{key} is not an array: {other:?}"),
    }
}

fn nanos(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Sends one incoming record (with errors and secrets) and one outgoing child, and
/// returns what the receiver got.
fn ship(
    receiver: &Collector,
    protocol: OtlpProtocol,
) -> (Vec<ExportRequest>, [apitoolkit_core::Exchange; 2]) {
    ship_compressed(receiver, protocol, OtlpCompression::Gzip)
}

fn ship_compressed(
    receiver: &Collector,
    protocol: OtlpProtocol,
    compression: OtlpCompression,
) -> (Vec<ExportRequest>, [apitoolkit_core::Exchange; 2]) {
    let config = config(receiver.endpoint(), protocol, compression);
    let shipper = Shipper::start(config).expect("start");
    let inc = incoming();
    let out = outgoing(&inc);
    shipper.enqueue(inc.clone());
    shipper.enqueue(out.clone());
    assert!(
        shipper.flush(Duration::from_secs(20)).is_ok(),
        "flush timed out: {:?}",
        shipper.stats()
    );
    let stats = shipper.stats();
    assert_eq!((stats.enqueued, stats.exported), (2, 2), "{stats:?}");
    assert!(shipper.shutdown(Duration::from_secs(5)).is_ok());
    (receiver.requests(), [inc, out])
}

fn check(
    received: &[ExportRequest],
    inc: &apitoolkit_core::Exchange,
    out: &apitoolkit_core::Exchange,
) {
    assert_eq!(received.len(), 1, "one batch expected");
    let r = &received[0];

    // Authentication.
    assert_eq!(
        r.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some(KEY)
    );
    let rs = &r.request.resource_spans;
    assert_eq!(rs.len(), 1);
    let res = &rs[0].resource.as_ref().expect("resource").attributes;
    assert_eq!(string(res, "at-project-key"), KEY);
    assert_eq!(string(res, "service.name"), "svc-test");
    assert_eq!(string(res, "service.version"), "v2.0");
    assert_eq!(string(res, "telemetry.sdk.language"), "rust");
    assert_eq!(string(res, "telemetry.sdk.name"), "apitoolkit-rust");
    assert!(!string(res, "telemetry.sdk.version").is_empty());

    let spans: Vec<&Span> = rs[0].scope_spans.iter().flat_map(|s| &s.spans).collect();
    assert_eq!(spans.len(), 2);
    let server = spans
        .iter()
        .find(|s| s.kind == SpanKind::Server as i32)
        .expect("server span");
    let client = spans
        .iter()
        .find(|s| s.kind == SpanKind::Client as i32)
        .expect("client span");

    // Names, ids, times.
    assert_eq!(server.name, "monoscope.http");
    assert_eq!(client.name, "monoscope.http");
    assert_eq!(server.trace_id, inc.msg_id.as_bytes().to_vec());
    assert_eq!(server.span_id, inc.msg_id.as_bytes()[8..16].to_vec());
    assert!(server.parent_span_id.is_empty());
    assert_eq!(client.trace_id, server.trace_id, "same trace");
    assert_eq!(client.span_id, out.msg_id.as_bytes()[8..16].to_vec());
    assert_eq!(
        client.parent_span_id, server.span_id,
        "child of the incoming span"
    );
    assert_eq!(server.start_time_unix_nano, nanos(inc.started_at));
    assert_eq!(
        server.end_time_unix_nano - server.start_time_unix_nano,
        inc.duration.as_nanos() as u64
    );
    assert_eq!(
        client.end_time_unix_nano - client.start_time_unix_nano,
        out.duration.as_nanos() as u64
    );

    // Status.
    assert_eq!(
        server.status.as_ref().map(|s| s.code),
        Some(StatusCode::Error as i32)
    );
    assert_ne!(
        client.status.as_ref().map(|s| s.code),
        Some(StatusCode::Error as i32)
    );

    // Attributes of the incoming span.
    let a = &server.attributes;
    assert_eq!(string(a, "net.host.name"), "api.example.com");
    assert_eq!(string(a, "http.route"), "/users/{id}");
    assert_eq!(
        string(a, "http.target"),
        "/users/42?verbose=true&tag=a&tag=b"
    );
    assert_eq!(string(a, "http.request.method"), "POST");
    assert_eq!(value(a, "http.response.status_code"), &Value::IntValue(500));
    let query: serde_json::Value =
        serde_json::from_str(&string(a, "http.request.query_params")).expect("query json");
    assert_eq!(
        query,
        serde_json::json!({"verbose": ["true"], "tag": ["a", "b"]})
    );
    let path: serde_json::Value =
        serde_json::from_str(&string(a, "http.request.path_params")).expect("path json");
    assert_eq!(path, serde_json::json!({"id": "42"}));
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    assert_eq!(string(a, "http.response.body"), b64(r#"{"id":42}"#));
    let req_body = string(a, "http.request.body");
    assert!(!req_body.is_empty());
    assert_eq!(
        strings(a, "http.request.header.content-type"),
        ["application/json"]
    );
    assert_eq!(strings(a, "http.request.header.x-trace"), ["t-1"]);
    assert_eq!(
        strings(a, "http.response.header.content-type"),
        ["application/json"]
    );
    assert_eq!(strings(a, "http.request.header.authorization").len(), 1);
    assert_eq!(string(a, "apitoolkit.msg_id"), inc.msg_id.to_string());
    assert_eq!(string(a, "apitoolkit.parent_id"), "");
    assert_eq!(string(a, "apitoolkit.sdk_type"), "RustAxum");
    assert_eq!(string(a, "apitoolkit.service_version"), "v2.0");
    assert_eq!(strings(a, "apitoolkit.tags"), ["env:test", "team:core"]);
    let errors: serde_json::Value =
        serde_json::from_str(&string(a, "apitoolkit.errors")).expect("errors json");
    assert_eq!(errors[0]["error_type"], "std::io::Error");
    assert_eq!(errors[0]["message"], "disk on fire");

    // Exception events.
    assert_eq!(server.events.len(), 1);
    let ev = &server.events[0];
    assert_eq!(ev.name, "exception");
    assert_eq!(string(&ev.attributes, "exception.type"), "std::io::Error");
    assert_eq!(string(&ev.attributes, "exception.message"), "disk on fire");
    assert_eq!(
        string(&ev.attributes, "exception.stacktrace"),
        "at main.rs:1"
    );
    let when = time::OffsetDateTime::parse(
        "2026-06-19T10:15:30.123456789Z",
        &time::format_description::well_known::Rfc3339,
    )
    .expect("time");
    assert_eq!(ev.time_unix_nano, when.unix_timestamp_nanos() as u64);
    assert!(client.events.is_empty());

    // The outgoing span.
    let c = &client.attributes;
    assert_eq!(string(c, "net.host.name"), "upstream.example:8080");
    assert_eq!(string(c, "apitoolkit.sdk_type"), "RustOutgoing");
    assert_eq!(string(c, "apitoolkit.parent_id"), inc.msg_id.to_string());
    assert_eq!(value(c, "http.response.status_code"), &Value::IntValue(200));
}

/// Secrets configured for redaction appear nowhere in what was received.
fn check_redacted(received: &[ExportRequest]) {
    for r in received {
        let mut everything = r.raw.clone();
        for (name, value) in &r.headers {
            everything.extend_from_slice(name.as_str().as_bytes());
            everything.extend_from_slice(value.as_bytes());
        }
        let text = String::from_utf8_lossy(&everything);
        assert!(
            !text.contains("SECRET-TOKEN-123"),
            "authorization header leaked"
        );
        // The request body travels base64-encoded: decode it before looking.
        for span in r
            .request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
        {
            let body = string(&span.attributes, "http.request.body");
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(body)
                .expect("base64 body");
            let decoded = String::from_utf8_lossy(&decoded);
            assert!(
                !decoded.contains("hunter2-SECRET-PW"),
                "password leaked: {decoded}"
            );
        }
        assert!(!text.contains("hunter2-SECRET-PW"), "password leaked");
    }
}

#[test]
fn grpc_export_maps_records_to_spans() {
    let receiver = Collector::grpc();
    let (received, [inc, out]) = ship(&receiver, OtlpProtocol::Grpc);
    check(&received, &inc, &out);
    assert_eq!(
        received[0]
            .headers
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip"),
        "gzip compression used"
    );
}

#[test]
fn grpc_export_redacts_secrets() {
    let receiver = Collector::grpc();
    let (received, _) = ship(&receiver, OtlpProtocol::Grpc);
    check_redacted(&received);
}

#[test]
fn http_export_maps_records_to_spans() {
    let receiver = Collector::start();
    let (received, [inc, out]) = ship(&receiver, OtlpProtocol::HttpProtobuf);
    check(&received, &inc, &out);
    let r = &received[0];
    assert_eq!(r.path, "/v1/traces");
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-protobuf")
    );
    assert_eq!(
        r.headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
}

#[test]
fn uncompressed_exports_carry_the_same_spans_over_grpc_and_http() {
    for (receiver, protocol) in [
        (Collector::grpc(), OtlpProtocol::Grpc),
        (Collector::start(), OtlpProtocol::HttpProtobuf),
    ] {
        let (received, [inc, out]) = ship_compressed(&receiver, protocol, OtlpCompression::None);
        check(&received, &inc, &out);
        check_redacted(&received);
        for name in ["grpc-encoding", "content-encoding"] {
            assert!(
                received[0].headers.get(name).is_none(),
                "{protocol:?}: {name} {:?}",
                received[0].headers.get(name)
            );
        }
    }
}

#[test]
fn http_export_redacts_secrets() {
    let receiver = Collector::start();
    let (received, _) = ship(&receiver, OtlpProtocol::HttpProtobuf);
    check_redacted(&received);
}

#[test]
fn http_endpoint_with_trailing_slash_and_extra_headers() {
    let receiver = Collector::start();
    let mut settings = apitoolkit_core::OtlpSettings::new(
        format!("{}/", receiver.endpoint()),
        OtlpProtocol::HttpProtobuf,
    );
    settings.headers.push(("X-Tenant".into(), "t-42".into()));
    let config = Config::builder()
        .api_key(KEY)
        .export(apitoolkit_core::Export::Otlp(settings))
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(apitoolkit_testkit::small(1));
    assert!(shipper.shutdown(Duration::from_secs(20)).is_ok());
    let r = receiver.requests();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].path, "/v1/traces");
    assert_eq!(
        r[0].headers.get("x-tenant").and_then(|v| v.to_str().ok()),
        Some("t-42")
    );
    assert_eq!(
        r[0].headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        Some(KEY)
    );
}

#[test]
fn debug_output_never_shows_the_key() {
    let receiver = Collector::grpc();
    let shipper = Shipper::start(config(
        receiver.endpoint(),
        OtlpProtocol::Grpc,
        OtlpCompression::Gzip,
    ))
    .expect("start");
    let text = format!("{shipper:?} {:?}", shipper.config());
    assert!(!text.contains(KEY), "{text}");
    let bad = Config::builder()
        .api_key(KEY)
        .otlp_endpoint("not a url")
        .build_with_env(|_| None)
        .map_err(apitoolkit_core::StartError::from)
        .and_then(Shipper::start);
    if let Err(e) = bad {
        assert!(!format!("{e} {e:?}").contains(KEY));
    }
}
