//! Bad input through the SDK: unparseable, truncated and non-UTF-8 bodies, odd query
//! strings, absurdly deep JSON, 10 000 headers. The app and the client
//! always see the original bytes; the record never holds what cannot be redacted;
//! nothing panics.

use std::time::Duration;

use apitoolkit_core::testing::body_bytes;
use apitoolkit_core::ConfigBuilder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{client, find, Adapter};
use crate::{
    assert_not_leaked, assert_unparseable, deep_json, many_headers, parse_response_head,
    BAD_INPUT_REQUEST_PATHS, BAD_INPUT_RESPONSE_PATHS, INVALID_UTF8_BINARY, INVALID_UTF8_JSON,
    NOT_JSON, TRUNCATED_JSON,
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
pub(crate) async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A server may answer (and close) before it has read a long request: a failed
    // write leaves what it answered to be read.
    let _ = conn.write_all(request).await;
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

/// JSON nested 100 000 deep passes both ways; the record holds the placeholder or a
/// correct redaction, never the secret, and the shipper survives it.
pub async fn json_nested_100_000_deep_does_not_overflow<A: Adapter>() {
    let app = A::spawn(Box::new(with_paths)).await;
    let deep = deep_json(100_000);
    let res = client()
        .post(app.url("/echo"))
        .header("content-type", "application/json")
        .body(deep.clone())
        .send()
        .await
        .unwrap();
    // `/echo` answers with what it received: the app got every byte.
    assert_eq!(&res.bytes().await.unwrap()[..], &deep[..]);
    let r = app.record().await;
    let redacted_deep = String::from_utf8(deep.clone())
        .unwrap()
        .replace("\"SECRETdeep\"", "\"[CLIENT_REDACTED]\"")
        .into_bytes();
    let placeholder = format!("[UNPARSEABLE_BODY {} bytes]", deep.len());
    for b64 in [&r.request_body, &r.response_body] {
        let shipped = body_bytes(b64);
        assert_not_leaked(&shipped, b"SECRETdeep");
        assert!(
            shipped == placeholder.as_bytes() || shipped == redacted_deep,
            "a placeholder or a correct redaction, got {} bytes: {}...",
            shipped.len(),
            String::from_utf8_lossy(&shipped[..shipped.len().min(80)])
        );
    }
    // The shipper survived: the next exchange is still recorded.
    app.captured.clear();
    client()
        .post(app.url("/echo"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(app.record().await.status_code, 200);
}

/// A request with 10 000 headers is over the servers' default limits (hyper: 100,
/// actix-http: 96): refused with 431 alike with and without the SDK, nothing recorded
/// for a request the SDK never saw, and both servers serve the next request.
pub async fn ten_thousand_request_headers_are_refused_alike_with_and_without_the_sdk<A: Adapter>() {
    let mut request = String::from("GET /hello/h HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (n, v) in many_headers(10_000) {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let app = A::spawn(Box::new(|b| b)).await;
    let bare = A::spawn_bare().await;
    let with_sdk = raw_exchange(app.addr, request.as_bytes()).await;
    let without = raw_exchange(bare.addr, request.as_bytes()).await;
    let status = parse_response_head(&with_sdk).map(|h| h.0);
    assert_eq!(
        status,
        parse_response_head(&without).map(|h| h.0),
        "same answer with and without the SDK"
    );
    assert_eq!(status, Some(431));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.captured.records().is_empty());

    // Both servers still serve a normal request afterwards.
    for url in [app.url("/hello/h"), bare.url("/hello/h")] {
        let res = client().get(url).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    assert_eq!(app.record().await.status_code, 200);
}
