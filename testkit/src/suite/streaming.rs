//! Streams, caps, unread and chunked bodies, HEAD/204/304, odd headers: the app's traffic is
//! unchanged and each exchange is still recorded.

use std::convert::Infallible;

use apitoolkit_core::testing::body_bytes;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{client, digest_text, find, Adapter};
use crate::Digest;

/// An SSE stream reaches the client event by event; the record comes after it ends,
/// with the whole stream and a duration that runs to its end.
pub async fn sse_stream_passes_through_and_is_recorded_after_it_ends<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client().get(app.url("/stream")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert!(!res.headers().contains_key("content-length"));
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

/// A client that closes the connection mid-stream still leaves a record of what was sent.
pub async fn client_disconnect_mid_stream_still_yields_a_record<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
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
    assert!(body_bytes(&r.response_body).starts_with(b"data: tick 0"));
}

/// An upload far over the capture cap reaches the handler intact; the record holds the
/// too-large placeholder.
pub async fn upload_larger_than_the_cap_streams_through_intact<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b.max_body_bytes(1024))).await;
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut digest = Digest::default();
    digest.update(&payload);
    let expected = digest_text(&digest);
    let res = client()
        .post(app.url("/upload"))
        .header("content-type", "application/octet-stream")
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), expected);
    assert!(expected.starts_with("300000 "), "{expected}");
    let r = app.record().await;
    assert_eq!(
        body_bytes(&r.request_body),
        b"[BODY_TOO_LARGE over 1024 bytes]"
    );
    assert_eq!(body_bytes(&r.response_body), expected.as_bytes());
}

/// A body the handler never reads is recorded as what was read: nothing.
pub async fn body_the_handler_never_reads_is_recorded_with_what_was_read<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
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

/// A chunked upload (no `content-length`) is echoed and recorded whole.
pub async fn chunked_upload_without_content_length<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
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

/// HEAD, 204 and 304 answers reach the client without a body and are recorded with an
/// empty one (`""`, not null), the 304's `etag` with it.
pub async fn head_204_and_304_are_recorded_with_an_empty_body<A: Adapter>() {
    let app = A::spawn(Box::new(|b| {
        b.redact_request_body(crate::BAD_INPUT_REQUEST_PATHS)
            .redact_response_body(crate::BAD_INPUT_RESPONSE_PATHS)
    }))
    .await;
    let res = client().head(app.url("/head")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), 0);
    let res = client().get(app.url("/empty")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = client()
        .get(app.url("/cached"))
        .header("if-none-match", "\"v1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], "\"v1\"");
    assert!(res.bytes().await.unwrap().is_empty());
    let records = app.records(3).await;
    for (url, method, status) in [
        ("/head", "HEAD", 200),
        ("/empty", "GET", 204),
        ("/cached", "GET", 304),
    ] {
        let r = find(&records, None, url);
        assert_eq!(
            (r.method.as_str(), r.status_code),
            (method, status),
            "{url}"
        );
        assert_eq!(r.response_body, "", "{url}: empty body, not null");
        assert_eq!(r.request_body, "", "{url}");
    }
    assert_eq!(
        find(&records, None, "/cached").response_headers["etag"],
        ["\"v1\""]
    );
}

/// Header values that are not UTF-8 reach the client as sent and are recorded lossily.
pub async fn invalid_utf8_header_values_are_decoded_lossily<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client()
        .get(app.url("/odd"))
        .header(
            "x-latin1",
            reqwest::header::HeaderValue::from_bytes(b"na\xefve").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-odd"].as_bytes(), b"caf\xe9");
    let r = app.record().await;
    assert_eq!(r.request_headers["x-latin1"], ["na\u{FFFD}ve"]);
    assert_eq!(r.response_headers["x-odd"], ["caf\u{FFFD}"]);
}

/// A response body over the cap reaches the client whole; the record holds the
/// placeholder.
pub async fn response_body_over_the_cap_is_replaced_by_a_placeholder<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b.max_body_bytes(100))).await;
    let res = client().get(app.url("/big")).send().await.unwrap();
    assert_eq!(res.headers()["content-length"], "5000");
    assert_eq!(res.text().await.unwrap(), "x".repeat(5000));
    let r = app.record().await;
    assert_eq!(
        body_bytes(&r.response_body),
        b"[BODY_TOO_LARGE over 100 bytes]"
    );
}
