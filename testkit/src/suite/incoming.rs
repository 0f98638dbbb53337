//! The "Incoming exchange" conformance cases of the APItoolkit SDK suites.

use apitoolkit_core::testing::{assert_uuid_v4, body_bytes, body_json};

use super::{client, Adapter};
use crate::{redacted_response_fixture, RESPONSE_FIXTURE, RESPONSE_FIXTURE_PATHS};

/// A POST with path params, a query, repeated and secret headers and JSON bodies is
/// recorded whole, with the secrets redacted; the client sees the real answer.
pub async fn post_with_params_headers_and_bodies_is_recorded_redacted<A: Adapter>() {
    let app = A::spawn(Box::new(|b| {
        b.redact_response_body(RESPONSE_FIXTURE_PATHS)
            .redact_headers(["X-SECRET"])
    }))
    .await;
    let req_body = r#"{"status":"request","send":{"message":"hello world"}}"#;
    let res = client()
        .post(app.url("/slug-value/test?param1=abc&param2=123"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer abc123")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(req_body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.headers()["x-secret"],
        "top",
        "the client sees the real header"
    );
    assert_eq!(
        res.text().await.unwrap(),
        RESPONSE_FIXTURE,
        "the client sees the real body"
    );

    let r = app.record().await;
    assert_eq!(r.method, "POST");
    assert_eq!(r.url_path, "/{slug}/test");
    assert_eq!(r.raw_url, "/slug-value/test?param1=abc&param2=123");
    assert_eq!(r.path_params["slug"], "slug-value");
    assert_eq!(r.query_params["param1"], ["abc"]);
    assert_eq!(r.query_params["param2"], ["123"]);
    assert_eq!(r.status_code, 202);
    assert_eq!(r.request_headers["content-type"], ["application/json"]);
    assert_eq!(
        r.request_headers["content-length"],
        [req_body.len().to_string()]
    );
    assert_eq!(r.request_headers["authorization"], ["[CLIENT_REDACTED]"]);
    assert_eq!(
        r.request_headers["x-multi"],
        ["one", "two"],
        "repeated values kept in order"
    );
    assert_eq!(r.response_headers["x-secret"], ["[CLIENT_REDACTED]"]);
    assert_eq!(r.response_headers["x-val"], ["visible"]);
    assert_eq!(body_bytes(&r.request_body), req_body.as_bytes());
    assert_eq!(body_json(&r.response_body), redacted_response_fixture());
    assert!(r.duration > 0);
    assert_eq!(r.sdk_type, A::SDK_TYPE);
    assert_uuid_v4(&r.msg_id);
    assert_eq!(r.parent_id, None);
    assert_eq!((r.proto_major, r.proto_minor), (1, 1));
    assert_eq!(r.host, app.addr.to_string());
    assert!(r.errors.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["sdk_type"], format!("{:?}", A::SDK_TYPE));
    assert!(json["parent_id"].is_null());
    assert!(!json.to_string().contains("abc123"));
}

/// A handler that takes 500 ms gives a duration over 500 000 000 (nanoseconds).
pub async fn slow_handler_duration_is_in_nanoseconds<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let text = client()
        .get(app.url("/slow"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "done");
    assert!(app.record().await.duration > 500_000_000);
}

/// Routes nested in routers (scopes) record the whole template.
pub async fn nested_routes_report_the_full_template<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client()
        .get(app.url("/parent/s1/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first = app.records(1).await;
    assert_eq!(first[0].url_path, "/parent/{slug}/test");
    assert_eq!(first[0].path_params["slug"], "s1");
    assert_eq!(first[0].raw_url, "/parent/s1/test");
    let res = client()
        .get(app.url("/parent/parent2/parent3/s2/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let both = app.records(2).await;
    assert_eq!(both[1].url_path, "/parent/parent2/parent3/{slug}/test");
    assert_eq!(both[1].path_params["slug"], "s2");
}

/// A request no route matches is recorded as a 404 with an empty `url_path`.
pub async fn unmatched_request_is_recorded_with_empty_route<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client()
        .get(app.url("/unknown/path?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let r = app.record().await;
    assert_eq!(r.url_path, "");
    assert_eq!(r.status_code, 404);
    assert_eq!(r.raw_url, "/unknown/path?x=1");
    assert!(r.path_params.is_empty());
}

/// Empty bodies serialise as `""`, never `null`.
pub async fn empty_get_body_is_an_empty_string_not_null<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    client().get(app.url("/e")).send().await.unwrap();
    let r = app.record().await;
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["request_body"], "");
    assert_eq!(json["response_body"], "");
}

/// A 10 000-byte body passes intact, and is recorded only when capture is on.
pub async fn large_bodies_pass_intact_with_capture_on_and_off<A: Adapter>() {
    let payload: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    for capture in [true, false] {
        let app = A::spawn(Box::new(move |b| {
            b.capture_request_body(capture)
                .capture_response_body(capture)
        }))
        .await;
        let res = client()
            .post(app.url("/echo"))
            .header("content-type", "text/plain")
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.bytes().await.unwrap(), payload);
        let r = app.record().await;
        let expected: &[u8] = if capture { &payload } else { b"" };
        assert_eq!(body_bytes(&r.request_body), expected);
        assert_eq!(body_bytes(&r.response_body), expected);
    }
}
