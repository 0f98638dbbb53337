//! Bad input through the layer: unparseable, truncated and non-UTF-8 bodies, odd query
//! strings, compressed bodies, absurdly deep JSON, 10 000 headers, a websocket upgrade and
//! bodiless statuses. The app and the client always see the original bytes; the record
//! never holds what cannot be redacted; nothing panics.

mod support;

use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::RequestMessage;
use apitoolkit_testkit::{
    assert_encoded_placeholder, assert_not_leaked, body_bytes, deep_json, gzip, many_headers,
    parse_response_head, ws_client_text_frame, ws_parse_server_frame, ws_upgrade_request,
    CapturedRecords, BAD_INPUT_REQUEST_PATHS, BAD_INPUT_RESPONSE_PATHS, WS_ACCEPT,
};
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, head, post};
use axum::Router;
use support::{client, serve, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn with_paths(b: apitoolkit_core::ConfigBuilder) -> apitoolkit_core::ConfigBuilder {
    b.redact_request_body(BAD_INPUT_REQUEST_PATHS)
        .redact_response_body(BAD_INPUT_RESPONSE_PATHS)
}

fn by_url<'a>(records: &'a [RequestMessage], raw_url: &str) -> &'a RequestMessage {
    records
        .iter()
        .find(|r| r.raw_url == raw_url)
        .unwrap_or_else(|| panic!("no record for {raw_url}: {records:#?}"))
}

#[tokio::test]
async fn gzip_bodies_are_never_decoded() {
    async fn check(headers: HeaderMap, body: Bytes) -> Response {
        assert_eq!(headers["content-encoding"], "gzip");
        let mut res = body.into_response();
        res.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        res.headers_mut()
            .insert("content-encoding", "gzip".parse().unwrap());
        res
    }
    let app = TestApp::spawn(Router::new().route("/gz", post(check)), with_paths).await;
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
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(
        &res.bytes().await.unwrap()[..],
        &zipped[..],
        "client sees the compressed bytes"
    );
    let r = app.record().await;
    assert_encoded_placeholder(&r.request_body, "gzip", zipped.len());
    assert_encoded_placeholder(&r.response_body, "gzip", zipped.len());
}

#[tokio::test]
async fn json_nested_100_000_deep_does_not_overflow() {
    async fn len(body: Bytes) -> Response {
        let mut res = deep_json(100_000).into_response();
        res.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        res.headers_mut()
            .insert("x-received", body.len().to_string().parse().unwrap());
        res
    }
    let app = TestApp::spawn(Router::new().route("/deep", post(len)), with_paths).await;
    let deep = deep_json(100_000);
    let res = client()
        .post(app.url("/deep"))
        .header("content-type", "application/json")
        .body(deep.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-received"], deep.len().to_string().as_str());
    assert_eq!(&res.bytes().await.unwrap()[..], &deep[..]);
    let r = app.record().await;
    let redacted_deep = String::from_utf8(deep.clone())
        .unwrap()
        .replace("\"SECRETdeep\"", "\"[CLIENT_REDACTED]\"")
        .into_bytes();
    for b64 in [&r.request_body, &r.response_body] {
        let shipped = body_bytes(b64);
        assert_not_leaked(&shipped, b"SECRETdeep");
        let placeholder = format!("[UNPARSEABLE_BODY {} bytes]", deep.len());
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
        .post(app.url("/deep"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(app.record().await.status_code, 200);
}

/// Serves `app` with hyper directly, allowing `max_headers` headers.
async fn serve_many_headers(app: Router, max_headers: usize) -> std::net::SocketAddr {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .max_headers(max_headers)
                    .max_buf_size(4 * 1024 * 1024)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

async fn count_headers(headers: HeaderMap) -> String {
    headers.len().to_string()
}

#[tokio::test]
async fn ten_thousand_request_headers() {
    let headers = many_headers(10_000);
    let send = |url: String| {
        let mut req = client().get(url);
        for (n, v) in &headers {
            req = req.header(n, v);
        }
        req.send()
    };

    // axum::serve keeps hyper's default limit (100 headers): rejected, the same with and
    // without the layer, and the layer records nothing for a request it never saw.
    let app = TestApp::spawn(Router::new().route("/h", get(count_headers)), |b| b).await;
    let bare = serve(Router::new().route("/h", get(count_headers))).await;
    let with_sdk = send(app.url("/h")).await.unwrap().status();
    let without = send(format!("http://{}/h", bare.0)).await.unwrap().status();
    bare.1.abort();
    assert_eq!(with_sdk, without);
    assert_eq!(with_sdk, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.captured.records().is_empty());

    // hyper configured to take them: carried through and recorded, every one.
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().unwrap();
    let layer = APIToolkitLayer::new(config).unwrap();
    let shipper = layer.shipper().unwrap().clone();
    let addr = serve_many_headers(
        Router::new().route("/h", get(count_headers)).layer(layer),
        12_000,
    )
    .await;
    let res = send(format!("http://{addr}/h")).await.unwrap();
    assert_eq!(res.status(), 200);
    let n: usize = res.text().await.unwrap().parse().unwrap();
    assert!(n >= 10_000, "the app saw all headers ({n})");
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        r.request_headers
            .keys()
            .filter(|k| k.starts_with("x-h-"))
            .count(),
        10_000
    );
    assert_eq!(r.request_headers["x-h-9999"], ["v9999"]);
    shipper.shutdown(Duration::from_secs(1));
}

#[tokio::test]
async fn websocket_upgrade_passes_through_untouched() {
    async fn ws(upgrade: WebSocketUpgrade) -> Response {
        upgrade.on_upgrade(|mut socket: WebSocket| async move {
            while let Some(Ok(msg)) = socket.recv().await {
                if let Message::Text(t) = msg {
                    let reply = format!("echo: {}", t.as_str());
                    if socket.send(Message::Text(reply.into())).await.is_err() {
                        break;
                    }
                }
            }
        })
    }
    let app = TestApp::spawn(Router::new().route("/ws", any(ws)), with_paths).await;
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    conn.write_all(ws_upgrade_request("/ws").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (status, headers, head_len) = loop {
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(n > 0, "server closed during the handshake");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head) = parse_response_head(&buf) {
            break head;
        }
    };
    assert_eq!(status, 101);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("sec-websocket-accept"), Some(WS_ACCEPT));
    assert_eq!(
        header("upgrade").map(str::to_ascii_lowercase).as_deref(),
        Some("websocket")
    );
    buf.drain(..head_len);

    for text in ["hello", "second frame"] {
        conn.write_all(&ws_client_text_frame(text)).await.unwrap();
        let (opcode, payload, used) = loop {
            if let Some(frame) = ws_parse_server_frame(&buf) {
                break frame;
            }
            let n = conn.read(&mut chunk).await.unwrap();
            assert!(n > 0, "server closed the websocket");
            buf.extend_from_slice(&chunk[..n]);
        };
        buf.drain(..used);
        assert_eq!(opcode, 1, "a text frame");
        assert_eq!(payload, format!("echo: {text}").as_bytes());
    }
    drop(conn);
    let r = app.record().await;
    assert_eq!(r.status_code, 101);
    assert_eq!(r.method, "GET");
    assert_eq!(r.url_path, "/ws");
    assert_eq!(r.response_body, "");
    assert_eq!(r.request_headers["upgrade"], ["websocket"]);
}

#[tokio::test]
async fn head_204_and_304_are_recorded_with_an_empty_body() {
    async fn not_modified(headers: HeaderMap) -> Response {
        if headers.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
            (StatusCode::NOT_MODIFIED, [("etag", "\"v1\"")]).into_response()
        } else {
            ([("etag", "\"v1\"")], "fresh").into_response()
        }
    }
    let routes = Router::new()
        .route("/head", head(|| async { ([("content-length", "42")], "") }))
        .route("/none", get(|| async { StatusCode::NO_CONTENT }))
        .route("/cached", get(not_modified));
    let app = TestApp::spawn(routes, with_paths).await;
    let res = client().head(app.url("/head")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-length"], "42");
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
    let records = app.records(3).await;
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
