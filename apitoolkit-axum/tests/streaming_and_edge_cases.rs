//! Streams, caps, unread and chunked bodies, HEAD/204, odd headers: the app's traffic is
//! unchanged and each exchange is still recorded.

mod support;

use std::convert::Infallible;
use std::time::Duration;

use apitoolkit_core::testing::body_bytes;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use axum::Router;
use futures_util::stream::{self, Stream, StreamExt};
use support::{client, TestApp};

fn ticks(n: Option<u32>) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(0u32, move |i| async move {
        if Some(i) == n {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        Some((Ok(Event::default().data(format!("tick {i}"))), i + 1))
    })
}

#[tokio::test]
async fn sse_stream_passes_through_and_is_recorded_after_it_ends() {
    let routes = Router::new().route("/stream", get(|| async { Sse::new(ticks(Some(5))) }));
    let app = TestApp::spawn(routes, |b| b).await;
    let res = client().get(app.url("/stream")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut stream = res.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"data: tick 0\n\n");
    assert!(
        app.captured.records().is_empty(),
        "no record before the stream ends"
    );
    let mut all = first.to_vec();
    while let Some(chunk) = stream.next().await {
        all.extend_from_slice(&chunk.unwrap());
    }
    let expected: String = (0..5).map(|i| format!("data: tick {i}\n\n")).collect();
    assert_eq!(String::from_utf8(all).unwrap(), expected);
    let r = app.record().await;
    assert_eq!(body_bytes(&r.response_body), expected.as_bytes());
    assert!(
        r.duration > 100_000_000,
        "duration runs to the end of the stream"
    );
}

#[tokio::test]
async fn client_disconnect_mid_stream_still_yields_a_record() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let routes = Router::new().route("/endless", get(|| async { Sse::new(ticks(None)) }));
    let app = TestApp::spawn(routes, |b| b).await;
    // A raw connection that reads the first event and then closes the socket.
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    conn.write_all(b"GET /endless HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("tick 0") {
        let n = conn.read(&mut buf).await.unwrap();
        assert!(n > 0, "server closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    drop(conn);
    let r = app.record().await;
    assert_eq!(r.status_code, 200);
    assert_eq!(r.url_path, "/endless");
    assert!(String::from_utf8_lossy(&body_bytes(&r.response_body)).contains("data: tick 0"));
}

#[tokio::test]
async fn upload_larger_than_the_cap_streams_through_intact() {
    async fn count(body: Bytes) -> String {
        format!(
            "{} {}",
            body.len(),
            body.iter().map(|b| u64::from(*b)).sum::<u64>()
        )
    }
    let app = TestApp::spawn(Router::new().route("/upload", post(count)), |b| {
        b.max_body_bytes(1024)
    })
    .await;
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sum: u64 = payload.iter().map(|b| u64::from(*b)).sum();
    let res = client()
        .post(app.url("/upload"))
        .header("content-type", "application/octet-stream")
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), format!("300000 {sum}"));
    let r = app.record().await;
    assert_eq!(
        body_bytes(&r.request_body),
        b"[BODY_TOO_LARGE over 1024 bytes]"
    );
    assert_eq!(
        body_bytes(&r.response_body),
        format!("300000 {sum}").as_bytes()
    );
}

#[tokio::test]
async fn body_the_handler_never_reads_is_recorded_with_what_was_read() {
    let app = TestApp::spawn(
        Router::new().route("/ignore", post(|| async { "ignored" })),
        |b| b,
    )
    .await;
    let res = client()
        .post(app.url("/ignore"))
        .body("never read")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "ignored");
    let r = app.record().await;
    assert_eq!(r.status_code, 200);
    assert_eq!(body_bytes(&r.response_body), b"ignored");
    assert!(
        body_bytes(&r.request_body).is_empty(),
        "nothing was read by the handler, so nothing is recorded"
    );
}

#[tokio::test]
async fn chunked_upload_without_content_length() {
    async fn echo(body: Bytes) -> Bytes {
        body
    }
    let app = TestApp::spawn(Router::new().route("/echo", post(echo)), |b| b).await;
    let chunks: Vec<Result<Bytes, Infallible>> = vec![
        Ok(Bytes::from_static(b"{\"a\":")),
        Ok(Bytes::from_static(b"1}")),
    ];
    let res = client()
        .post(app.url("/echo"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "{\"a\":1}");
    let r = app.record().await;
    assert_eq!(r.request_headers["transfer-encoding"], ["chunked"]);
    assert!(!r.request_headers.contains_key("content-length"));
    assert_eq!(body_bytes(&r.request_body), b"{\"a\":1}");
}

#[tokio::test]
async fn head_and_204_are_recorded() {
    let routes = Router::new()
        .route("/head", head(|| async { ([("content-length", "42")], "") }))
        .route("/none", get(|| async { StatusCode::NO_CONTENT }));
    let app = TestApp::spawn(routes, |b| b).await;
    let res = client().head(app.url("/head")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client().get(app.url("/none")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let mut records = app.records(2).await;
    records.sort_by_key(|r| r.status_code);
    assert_eq!(
        (records[0].method.as_str(), records[0].status_code),
        ("HEAD", 200)
    );
    assert_eq!(
        (records[1].method.as_str(), records[1].status_code),
        ("GET", 204)
    );
    assert_eq!(records[1].response_body, "");
}

#[tokio::test]
async fn invalid_utf8_header_values_are_decoded_lossily() {
    async fn odd() -> Response {
        let mut res = "ok".into_response();
        res.headers_mut()
            .insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        res
    }
    let app = TestApp::spawn(Router::new().route("/odd", get(odd)), |b| b).await;
    let res = client()
        .get(app.url("/odd"))
        .header("x-latin1", HeaderValue::from_bytes(b"na\xefve").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-odd"].as_bytes(), b"caf\xe9");
    let r = app.record().await;
    assert_eq!(r.request_headers["x-latin1"], ["na\u{FFFD}ve"]);
    assert_eq!(r.response_headers["x-odd"], ["caf\u{FFFD}"]);
}

#[tokio::test]
async fn response_body_over_the_cap_is_replaced_by_a_placeholder() {
    let big = "x".repeat(5000);
    let body = big.clone();
    let routes = Router::new().route("/big", get(move || async move { Body::from(body) }));
    let app = TestApp::spawn(routes, |b| b.max_body_bytes(100)).await;
    let res = client().get(app.url("/big")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), big);
    let r = app.record().await;
    assert_eq!(
        body_bytes(&r.response_body),
        b"[BODY_TOO_LARGE over 100 bytes]"
    );
}
