//! Outgoing calls made outside any request, against a loopback server: what each record
//! holds (target, route, params, headers, bodies, status, errors) and when it is sent.

use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_client::{CallRedaction, OutgoingClient, UrlWildcard};
use apitoolkit_core::testing::{assert_uuid_v4, body_bytes, body_json, CapturedRecords};
use apitoolkit_core::{ConfigBuilder, RedactionRules, RequestMessage, SdkType, Shipper};
use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

const JSON: [(axum::http::HeaderName, &str); 1] = [(CONTENT_TYPE, "application/json")];

/// The service being called, on 127.0.0.1:0.
async fn target() -> SocketAddr {
    async fn todo(Path(id): Path<u32>) -> impl axum::response::IntoResponse {
        (
            JSON,
            format!(r#"{{"id":{id},"title":"write tests","secret":"resp-secret"}}"#),
        )
    }
    async fn echo(body: String) -> impl axum::response::IntoResponse {
        (JSON, body)
    }
    async fn big() -> String {
        "x".repeat(1 << 20)
    }
    let app = Router::new()
        .route("/todos/{id}", get(todo).post(todo))
        .route("/echo", post(echo))
        .route("/big", get(big))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A shipper exporting into memory, configured by `configure`, with no environment.
fn shipper(configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> (CapturedRecords, Shipper) {
    let captured = CapturedRecords::new();
    let config = configure(captured.config_builder())
        .build_with_env(|_| None)
        .expect("config");
    (captured, Shipper::start(config).expect("shipper"))
}

/// Waits for exactly one record.
fn one_record(captured: &CapturedRecords) -> RequestMessage {
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1, "expected one record: {records:#?}");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(captured.records().len(), 1, "more than one record");
    records[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_outside_any_request_records_target_headers_bodies_and_status() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();

    let res = client
        .post(format!("http://{addr}/todos/42?verbose=true&tag=a&tag=b"))
        .header("authorization", "Bearer s3cret")
        .header("x-request-id", "abc")
        .header("content-type", "application/json")
        .body(r#"{"title":"write tests"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.url().as_str(),
        format!("http://{addr}/todos/42?verbose=true&tag=a&tag=b")
    );
    let text = res.text().await.expect("body");
    assert_eq!(
        text,
        r#"{"id":42,"title":"write tests","secret":"resp-secret"}"#
    );

    let r = one_record(&captured);
    assert_eq!(r.sdk_type, SdkType::RustOutgoing);
    assert_eq!(r.parent_id, None);
    assert_uuid_v4(&r.msg_id);
    assert_eq!(r.method, "POST");
    assert_eq!(r.host, format!("127.0.0.1:{}", addr.port()));
    assert_eq!(r.raw_url, "/todos/42?verbose=true&tag=a&tag=b");
    assert_eq!(r.url_path, "/todos/42", "no template: the concrete path");
    assert!(r.path_params.is_empty());
    assert_eq!(r.query_params["verbose"], ["true"]);
    assert_eq!(r.query_params["tag"], ["a", "b"]);
    assert_eq!(r.request_headers["authorization"], ["[CLIENT_REDACTED]"]);
    assert_eq!(r.request_headers["x-request-id"], ["abc"]);
    assert_eq!(r.response_headers["content-type"], ["application/json"]);
    assert_eq!(body_json(&r.request_body), json!({"title":"write tests"}));
    assert_eq!(body_bytes(&r.response_body), text.as_bytes());
    assert_eq!(r.status_code, 200);
    assert_eq!((r.proto_major, r.proto_minor), (1, 1));
    assert!(r.duration > 0);
    assert!(r.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_template_fills_url_path_and_path_params() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();
    client
        .get(format!("http://{addr}/todos/42"))
        .with_extension(UrlWildcard::new("/todos/{id}"))
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let r = one_record(&captured);
    assert_eq!(r.url_path, "/todos/{id}");
    assert_eq!(r.raw_url, "/todos/42");
    assert_eq!(r.path_params.get("id").map(String::as_str), Some("42"));
    assert_eq!(r.path_params.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_answer_is_recorded_as_404() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();
    let res = client
        .get(format!("http://{addr}/missing"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 404);
    drop(res);
    let r = one_record(&captured);
    assert_eq!(r.status_code, 404);
    assert_eq!(r.raw_url, "/missing");
    assert!(
        r.errors.is_empty(),
        "an HTTP error status is not a transport error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_recorded_as_503_and_the_caller_gets_the_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }; // dropped: nothing listens there any more
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();
    let err = client
        .get(format!("http://127.0.0.1:{port}/todos/1?token=abc123"))
        .send()
        .await
        .expect_err("nothing listens");
    let reqwest_middleware::Error::Reqwest(err) = err else {
        panic!("expected the reqwest error unchanged, got {err:?}");
    };
    assert!(err.is_connect(), "{err:?}");

    let r = one_record(&captured);
    assert_eq!(r.status_code, 503);
    assert_eq!(r.host, format!("127.0.0.1:{port}"));
    assert_eq!(r.raw_url, "/todos/1?token=[CLIENT_REDACTED]");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(e.error_type, "reqwest::Error");
    assert!(e.message.contains("error sending request"), "{e:#?}");
    assert!(
        !e.message.contains("abc123"),
        "secret query value leaked: {e:#?}"
    );
    assert_ne!(
        e.root_error_message, e.message,
        "root cause found via source(): {e:#?}"
    );
    assert!(r.response_body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_read_partially_then_dropped_is_still_recorded() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b.max_body_bytes(1 << 10));
    let client = OutgoingClient::builder(shipper).build();
    let mut res = client
        .get(format!("http://{addr}/big"))
        .send()
        .await
        .expect("send");
    let first = res.chunk().await.expect("chunk").expect("a first chunk");
    assert!(!first.is_empty() && first.iter().all(|b| *b == b'x'));
    drop(res);
    let r = one_record(&captured);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.raw_url, "/big");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_client_redaction_replaces_the_global_lists() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| {
        b.redact_headers(["x-global"])
            .redact_request_body(["$.title"])
            .redact_response_body(["$.title"])
    });
    let rules = RedactionRules::builder()
        .headers(["x-partner-key"])
        .request_body(["$.secret"])
        .response_body(["$.secret"])
        .build()
        .expect("rules");
    let client = OutgoingClient::builder(shipper).redaction(rules).build();
    let res = client
        .post(format!("http://{addr}/todos/7"))
        .header("x-partner-key", "pk-123")
        .header("x-global", "visible")
        .header("authorization", "Bearer t")
        .header("content-type", "application/json")
        .body(r#"{"title":"kept","secret":"req-secret"}"#)
        .send()
        .await
        .expect("send");
    let text = res.text().await.expect("body");
    assert!(
        text.contains("resp-secret"),
        "the caller sees the real body"
    );

    let r = one_record(&captured);
    assert_eq!(r.request_headers["x-partner-key"], ["[CLIENT_REDACTED]"]);
    assert_eq!(r.request_headers["x-global"], ["visible"]);
    assert_eq!(
        r.request_headers["authorization"],
        ["[CLIENT_REDACTED]"],
        "defaults kept"
    );
    assert_eq!(
        body_json(&r.request_body),
        json!({"title":"kept","secret":"[CLIENT_REDACTED]"})
    );
    assert_eq!(
        body_json(&r.response_body),
        json!({"id":7,"title":"write tests","secret":"[CLIENT_REDACTED]"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_call_redaction_replaces_the_client_lists() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client_rules = RedactionRules::builder()
        .request_body(["$.title"])
        .build()
        .expect("rules");
    let call_rules = RedactionRules::builder()
        .request_body(["$.secret"])
        .build()
        .expect("rules");
    let client = OutgoingClient::builder(shipper)
        .redaction(client_rules)
        .build();
    client
        .post(format!("http://{addr}/echo"))
        .header("content-type", "application/json")
        .body(r#"{"title":"kept","secret":"req-secret"}"#)
        .with_extension(CallRedaction::new(call_rules))
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let r = one_record(&captured);
    assert_eq!(
        body_json(&r.request_body),
        json!({"title":"kept","secret":"[CLIENT_REDACTED]"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_request_body_is_recorded_as_not_captured() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();
    // `Body::wrap` of any `http_body::Body` streams: reqwest does not hold it in memory.
    let body = reqwest::Body::wrap(String::from(r#"{"streamed":true}"#));
    let text = client
        .post(format!("http://{addr}/echo"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("body");
    assert_eq!(text, r#"{"streamed":true}"#, "the body was sent unchanged");
    let r = one_record(&captured);
    assert_eq!(body_bytes(&r.request_body), b"[BODY_NOT_CAPTURED]");
    assert_eq!(body_json(&r.response_body), json!({"streamed":true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cancelled_before_its_response_is_recorded_as_503_cancelled() {
    let addr = target().await;
    let (captured, shipper) = shipper(|b| b);
    let client = OutgoingClient::builder(shipper).build();
    let call = client.get(format!("http://{addr}/slow")).send();
    let timed_out = tokio::time::timeout(Duration::from_millis(100), call).await;
    assert!(timed_out.is_err(), "the caller gave up first");
    let r = one_record(&captured);
    assert_eq!(r.status_code, 503);
    assert_eq!(r.raw_url, "/slow");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    assert_eq!(r.errors[0].error_type, "Cancelled");
}
