//! Bad input through the middleware: unparseable, truncated and non-UTF-8 bodies, odd
//! query strings, compressed bodies, absurdly deep JSON, 10 000 headers, a websocket
//! upgrade and bodiless statuses. The app and the client always see the original bytes;
//! the record never holds what cannot be redacted; nothing panics.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use apitoolkit_core::{ConfigBuilder, RequestMessage};
use apitoolkit_testkit::{
    assert_encoded_placeholder, assert_not_leaked, body_bytes, deep_json, gzip, many_headers,
    parse_response_head, ws_client_text_frame, ws_upgrade_request, BAD_INPUT_REQUEST_PATHS,
    BAD_INPUT_RESPONSE_PATHS, WS_ACCEPT, WS_KEY,
};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use support::{client, serve_bare, TestApp};

fn with_paths(b: ConfigBuilder) -> ConfigBuilder {
    b.redact_request_body(BAD_INPUT_REQUEST_PATHS)
        .redact_response_body(BAD_INPUT_RESPONSE_PATHS)
}

/// The whole request payload (no size limit, unlike the `Bytes` extractor).
async fn read_all(mut payload: web::Payload) -> Bytes {
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        buf.extend_from_slice(&chunk.expect("request payload"));
    }
    buf.freeze()
}

fn by_url<'a>(records: &'a [RequestMessage], raw_url: &str) -> &'a RequestMessage {
    records
        .iter()
        .find(|r| r.raw_url == raw_url)
        .unwrap_or_else(|| panic!("no record for {raw_url}: {records:#?}"))
}

#[actix_web::test]
async fn gzip_bodies_are_never_decoded() {
    async fn check(req: HttpRequest, payload: web::Payload) -> HttpResponse {
        assert_eq!(req.headers().get("content-encoding").unwrap(), "gzip");
        HttpResponse::Ok()
            .insert_header(("content-type", "application/json"))
            .insert_header(("content-encoding", "gzip"))
            .body(read_all(payload).await)
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/gz", web::post().to(check));
        },
        with_paths,
    )
    .await;
    let plain = br#"{"user":{"password":"SECRETgzipped42","name":"Ann"},"token":"SECRETtok"}"#;
    let zipped = gzip(plain);
    let res = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .post(app.url("/gz"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(zipped.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(
        &res.bytes().await.unwrap()[..],
        &zipped[..],
        "client sees the compressed bytes (and the app got them too)"
    );
    let r = app.record();
    assert_encoded_placeholder(&r.request_body, "gzip", zipped.len());
    assert_encoded_placeholder(&r.response_body, "gzip", zipped.len());
}

#[actix_web::test]
async fn json_nested_100_000_deep_does_not_overflow() {
    async fn deep(payload: web::Payload) -> HttpResponse {
        let body = read_all(payload).await;
        HttpResponse::Ok()
            .insert_header(("content-type", "application/json"))
            .insert_header(("x-received", body.len().to_string()))
            .body(deep_json(100_000))
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/deep", web::post().to(deep));
        },
        with_paths,
    )
    .await;
    let body = deep_json(100_000);
    let res = client()
        .post(app.url("/deep"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-received"], body.len().to_string().as_str());
    assert_eq!(&res.bytes().await.unwrap()[..], &body[..]);
    let r = app.record();
    let redacted = String::from_utf8(body.clone())
        .unwrap()
        .replace("\"SECRETdeep\"", "\"[CLIENT_REDACTED]\"")
        .into_bytes();
    let placeholder = format!("[UNPARSEABLE_BODY {} bytes]", body.len());
    for b64 in [&r.request_body, &r.response_body] {
        let shipped = body_bytes(b64);
        assert_not_leaked(&shipped, b"SECRETdeep");
        assert!(
            shipped == placeholder.as_bytes() || shipped == redacted,
            "a placeholder or a correct redaction, got {} bytes",
            shipped.len()
        );
    }
    // The shipper survived: the next exchange is still recorded.
    app.captured.clear();
    client()
        .post(app.url("/deep"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(app.record().status_code, 200);
}

/// Writes `request` on a fresh connection and reads until the server closes it (or 3 s).
async fn raw_exchange(addr: SocketAddr, request: Vec<u8>) -> Vec<u8> {
    // Blocking I/O on a helper thread: the test's runtime has no tokio I/O driver handy.
    actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        conn.write_all(&request).unwrap();
        let mut out = Vec::new();
        let _ = conn.read_to_end(&mut out);
        out
    })
    .await
    .unwrap()
}

async fn count_headers(req: HttpRequest) -> String {
    req.headers().len().to_string()
}

fn header_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/h", web::get().to(count_headers));
}

#[actix_web::test]
async fn ten_thousand_request_headers() {
    // actix-http parses at most 96 headers (not configurable): the request is refused,
    // the same with and without the middleware, and nothing is recorded or panics.
    let headers = many_headers(10_000);
    let mut request = String::from("GET /h HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (n, v) in &headers {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let app = TestApp::spawn(header_routes, |b| b).await;
    let (bare, handle) = serve_bare(header_routes);
    let with_sdk = raw_exchange(app.addr, request.clone().into_bytes()).await;
    let without = raw_exchange(bare, request.into_bytes()).await;
    let status = parse_response_head(&with_sdk).map(|h| h.0);
    assert_eq!(status, parse_response_head(&without).map(|h| h.0));
    assert_eq!(
        status,
        Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.as_u16())
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(app.captured.records().is_empty());

    // Both servers still serve a normal request afterwards.
    let res = client().get(app.url("/h")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client()
        .get(format!("http://{bare}/h"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    drop(handle.stop(false));
    assert_eq!(app.record().status_code, 200);
}

/// A websocket handshake answered by hand (101 with the upgrade headers), then the raw
/// connection bytes echoed back through the response stream.
async fn ws(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    if req.headers().get("sec-websocket-key").map(|v| v.as_bytes()) != Some(WS_KEY.as_bytes()) {
        return HttpResponse::BadRequest().finish();
    }
    HttpResponse::SwitchingProtocols()
        .upgrade("websocket")
        .insert_header(("sec-websocket-accept", WS_ACCEPT))
        .streaming(payload)
}

#[actix_web::test]
async fn websocket_upgrade_passes_through_untouched() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/ws", web::get().to(ws));
        },
        |b| b,
    )
    .await;
    let addr = app.addr;
    let frames: Vec<Vec<u8>> = ["hello", "second frame"]
        .iter()
        .map(|t| ws_client_text_frame(t))
        .collect();
    let sent = frames.concat();
    let to_send = frames.clone();
    let (status, headers, echoed) = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        conn.write_all(ws_upgrade_request("/ws").as_bytes())
            .unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let (status, headers, head_len) = loop {
            let n = conn.read(&mut chunk).unwrap();
            assert!(n > 0, "server closed during the handshake");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(head) = parse_response_head(&buf) {
                break head;
            }
        };
        buf.drain(..head_len);
        // Each frame comes back byte for byte (the handler echoes the raw stream).
        let mut echoed = Vec::new();
        for frame in &to_send {
            conn.write_all(frame).unwrap();
            let want = echoed.len() + frame.len();
            // A streamed response may be chunk-encoded only if it is not an upgrade.
            while buf.len() < frame.len() {
                let n = conn.read(&mut chunk).unwrap();
                assert!(n > 0, "server closed the upgraded connection");
                buf.extend_from_slice(&chunk[..n]);
            }
            echoed.extend(buf.drain(..frame.len()));
            assert_eq!(echoed.len(), want);
        }
        (status, headers, echoed)
    })
    .await
    .unwrap();
    assert_eq!(status, 101);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    assert_eq!(
        header("sec-websocket-accept"),
        Some(WS_ACCEPT.to_ascii_lowercase())
    );
    assert_eq!(header("upgrade").as_deref(), Some("websocket"));
    assert_eq!(echoed, sent, "the frames flow through untouched");

    let r = app.record();
    assert_eq!(r.status_code, 101);
    assert_eq!(r.method, "GET");
    assert_eq!(r.url_path, "/ws");
    assert_eq!(r.request_headers["upgrade"], ["websocket"]);
}

#[actix_web::test]
async fn head_204_and_304_are_recorded_with_an_empty_body() {
    async fn cached(req: HttpRequest) -> HttpResponse {
        if req
            .headers()
            .get("if-none-match")
            .is_some_and(|v| v == "\"v1\"")
        {
            HttpResponse::NotModified()
                .insert_header(("etag", "\"v1\""))
                .finish()
        } else {
            HttpResponse::Ok()
                .insert_header(("etag", "\"v1\""))
                .body("fresh")
        }
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/head", web::head().to(HttpResponse::Ok))
                .route("/none", web::get().to(HttpResponse::NoContent))
                .route("/cached", web::get().to(cached));
        },
        with_paths,
    )
    .await;
    let res = client().head(app.url("/head")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client().get(app.url("/none")).send().await.unwrap();
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
    let records = app.records(3);
    for (url, status) in [("/head", 200), ("/none", 204), ("/cached", 304)] {
        let r = by_url(&records, url);
        assert_eq!(r.status_code, status, "{url}");
        assert_eq!(r.response_body, "", "{url}: empty body, not null");
        assert_eq!(r.request_body, "", "{url}");
    }
    assert_eq!(
        by_url(&records, "/cached").response_headers["etag"],
        ["\"v1\""]
    );
}
