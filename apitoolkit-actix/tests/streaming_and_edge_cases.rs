//! Streams, caps, unread and chunked bodies, HEAD/204, odd headers: the app's traffic is
//! unchanged and each exchange is still recorded.

mod support;

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use actix_web::{web, HttpResponse};
use apitoolkit_core::testing::body_bytes;
use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use support::{client, TestApp};

fn ticks(n: Option<u32>) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::unfold(0u32, move |i| async move {
        if Some(i) == n {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        Some((Ok(Bytes::from(format!("data: tick {i}\n\n"))), i + 1))
    })
}

fn sse(n: Option<u32>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(ticks(n))
}

#[actix_web::test]
async fn sse_stream_passes_through_and_is_recorded_after_it_ends() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/stream", web::get().to(|| async { sse(Some(5)) }));
        },
        |b| b,
    )
    .await;
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
    let r = app.record();
    assert_eq!(body_bytes(&r.response_body), expected.as_bytes());
    assert!(
        r.duration > 100_000_000,
        "duration runs to the end of the stream"
    );
}

#[actix_web::test]
async fn client_disconnect_mid_stream_still_yields_a_record() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/endless", web::get().to(|| async { sse(None) }));
        },
        |b| b,
    )
    .await;
    let res = client().get(app.url("/endless")).send().await.unwrap();
    let mut stream = res.bytes_stream();
    stream.next().await.unwrap().unwrap();
    drop(stream);
    // The client's connection task runs on this test's runtime: let it close the socket
    // before blocking on the records.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let r = app.record();
    assert_eq!(r.status_code, 200);
    assert!(body_bytes(&r.response_body).starts_with(b"data: tick 0"));
}

#[actix_web::test]
async fn upload_larger_than_the_cap_streams_through_intact() {
    async fn count(mut body: web::Payload) -> String {
        let (mut len, mut sum) = (0usize, 0u64);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.unwrap();
            len += chunk.len();
            sum += chunk.iter().map(|b| u64::from(*b)).sum::<u64>();
        }
        format!("{len} {sum}")
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/upload", web::post().to(count));
        },
        |b| b.max_body_bytes(1024),
    )
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
    let r = app.record();
    assert_eq!(
        body_bytes(&r.request_body),
        b"[BODY_TOO_LARGE over 1024 bytes]"
    );
    assert_eq!(
        body_bytes(&r.response_body),
        format!("300000 {sum}").as_bytes()
    );
}

#[actix_web::test]
async fn body_the_handler_never_reads_is_recorded_with_what_was_read() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/ignore", web::post().to(|| async { "ignored" }));
        },
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
    let r = app.record();
    assert_eq!(r.status_code, 200);
    assert_eq!(body_bytes(&r.response_body), b"ignored");
    assert!(
        body_bytes(&r.request_body).is_empty(),
        "nothing was read by the handler, so nothing is recorded"
    );
}

#[actix_web::test]
async fn chunked_upload_without_content_length() {
    async fn echo(body: web::Bytes) -> web::Bytes {
        body
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/echo", web::post().to(echo));
        },
        |b| b,
    )
    .await;
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
    let r = app.record();
    assert_eq!(r.request_headers["transfer-encoding"], ["chunked"]);
    assert!(!r.request_headers.contains_key("content-length"));
    assert_eq!(body_bytes(&r.request_body), b"{\"a\":1}");
}

#[actix_web::test]
async fn head_and_204_are_recorded() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route(
                "/head",
                web::head().to(|| async { HttpResponse::Ok().body("forty-two bytes, never sent") }),
            )
            .route(
                "/none",
                web::get().to(|| async { HttpResponse::NoContent().finish() }),
            );
        },
        |b| b,
    )
    .await;
    let res = client().head(app.url("/head")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), 0);
    let res = client().get(app.url("/none")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let mut records = app.records(2);
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

#[actix_web::test]
async fn invalid_utf8_header_values_are_decoded_lossily() {
    async fn odd() -> HttpResponse {
        HttpResponse::Ok()
            .insert_header(("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap()))
            .body("ok")
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/odd", web::get().to(odd));
        },
        |b| b,
    )
    .await;
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
    let r = app.record();
    assert_eq!(r.request_headers["x-latin1"], ["na\u{FFFD}ve"]);
    assert_eq!(r.response_headers["x-odd"], ["caf\u{FFFD}"]);
}

#[actix_web::test]
async fn response_body_over_the_cap_is_replaced_by_a_placeholder() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/big", web::get().to(|| async { "x".repeat(5000) }));
        },
        |b| b.max_body_bytes(100),
    )
    .await;
    let res = client().get(app.url("/big")).send().await.unwrap();
    assert_eq!(res.headers()["content-length"], "5000");
    assert_eq!(res.text().await.unwrap(), "x".repeat(5000));
    let r = app.record();
    assert_eq!(
        body_bytes(&r.response_body),
        b"[BODY_TOO_LARGE over 100 bytes]"
    );
}
