//! Bad input through the SDK: unparseable and non-UTF-8 bodies, odd query strings. The
//! app and the client always see the original bytes; the record never holds what cannot
//! be redacted; nothing panics.

use std::time::Duration;

use apitoolkit_core::testing::body_bytes;
use apitoolkit_core::ConfigBuilder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{client, find, Adapter};
use crate::{
    assert_unparseable, parse_response_head, BAD_INPUT_REQUEST_PATHS, BAD_INPUT_RESPONSE_PATHS,
    INVALID_UTF8_BINARY, INVALID_UTF8_JSON, NOT_JSON, TRUNCATED_JSON,
};

fn with_paths(b: ConfigBuilder) -> ConfigBuilder {
    b.redact_request_body(BAD_INPUT_REQUEST_PATHS)
        .redact_response_body(BAD_INPUT_RESPONSE_PATHS)
}

/// JSON bodies that do not parse ship as the placeholder, never their bytes; the client
/// sees the original.
pub async fn unparseable_json_bodies_ship_the_placeholder_never_the_bytes<A: Adapter>() {
    let app = A::spawn(Box::new(with_paths)).await;
    let cases: [&[u8]; 3] = [NOT_JSON, TRUNCATED_JSON, INVALID_UTF8_JSON];
    for (i, body) in cases.iter().enumerate() {
        let res = client()
            .post(app.url(&format!("/echo?case={i}")))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            &res.bytes().await.unwrap()[..],
            *body,
            "client sees the original"
        );
    }
    let records = app.records(3).await;
    for (i, body) in cases.iter().enumerate() {
        let r = find(&records, None, &format!("/echo?case={i}"));
        assert_unparseable(&r.request_body, body);
        assert_unparseable(&r.response_body, body);
    }
}

/// Binary (`application/octet-stream`) bodies that are not UTF-8 ship as captured.
pub async fn invalid_utf8_octet_stream_is_shipped_as_captured<A: Adapter>() {
    let app = A::spawn(Box::new(with_paths)).await;
    let res = client()
        .post(app.url("/echo"))
        .header("content-type", "application/octet-stream")
        .body(INVALID_UTF8_BINARY)
        .send()
        .await
        .unwrap();
    assert_eq!(&res.bytes().await.unwrap()[..], INVALID_UTF8_BINARY);
    let r = app.record().await;
    assert_eq!(body_bytes(&r.request_body), INVALID_UTF8_BINARY);
    assert_eq!(body_bytes(&r.response_body), INVALID_UTF8_BINARY);
}

/// Writes `request` on a fresh connection and reads until the server closes it (or 5 s).
async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut out)).await;
    out
}

/// Percent-encoded bytes that are not UTF-8 are decoded lossily (and a secret query
/// value is still redacted); raw non-ASCII bytes in the request line get the same answer
/// (400) with and without the SDK, and no record.
pub async fn invalid_utf8_in_the_query_is_decoded_lossily<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client()
        .get(app.url("/q?q=%FF%FE&ok=caf%C3%A9&token=%FFsecret"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "q=%FF%FE&ok=caf%C3%A9&token=%FFsecret",
        "the app sees the query as sent"
    );
    let r = app.record().await;
    assert_eq!(r.query_params["q"], ["\u{FFFD}\u{FFFD}"]);
    assert_eq!(r.query_params["ok"], ["café"]);
    assert_eq!(r.query_params["token"], ["[CLIENT_REDACTED]"]);
    assert_eq!(
        r.raw_url,
        "/q?q=%FF%FE&ok=caf%C3%A9&token=[CLIENT_REDACTED]"
    );
    app.captured.clear();

    let bare = A::spawn_bare().await;
    let request = b"GET /q?q=\xff\xfe&x=1 HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n";
    let with_sdk = raw_exchange(app.addr, request).await;
    let without = raw_exchange(bare.addr, request).await;
    let status = parse_response_head(&with_sdk).map(|h| h.0);
    assert_eq!(
        status,
        parse_response_head(&without).map(|h| h.0),
        "same answer with and without the SDK"
    );
    // Both servers refuse non-ASCII bytes in the request-target with 400 before any
    // service runs, so the SDK never sees (nor records) such a request.
    assert_eq!(status, Some(400));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.captured.records().is_empty());
}
