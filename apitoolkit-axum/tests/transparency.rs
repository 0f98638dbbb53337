//! The same app with and without the layer answers identically (status, headers, body).

mod support;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use support::{client, serve, TestApp};

fn routes() -> Router {
    Router::new()
        .route(
            "/hello/{name}",
            get(
                |axum::extract::Path(n): axum::extract::Path<String>| async move {
                    format!("Hello, {n}!")
                },
            ),
        )
        .route(
            "/json",
            post(|Json(v): Json<Value>| async move { (StatusCode::CREATED, Json(v)) }),
        )
        .route("/bytes", post(|b: Bytes| async move { b }))
        .route("/empty", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/headers",
            get(|| async { ([("x-a", "1"), ("set-cookie", "s=1")], "h") }),
        )
}

async fn answer(
    base: &str,
    method: &str,
    path: &str,
    body: &'static [u8],
) -> (u16, Vec<(String, Vec<u8>)>, Vec<u8>) {
    let c = client();
    let req = match method {
        "GET" => c.get(format!("{base}{path}")),
        _ => c
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body),
    };
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let mut headers: Vec<(String, Vec<u8>)> = res
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str() != "date")
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect();
    headers.sort();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_route_answers_the_same_with_and_without_the_layer() {
    let with = TestApp::spawn(routes(), |b| b.redact_request_body(["$.password"])).await;
    let (bare_addr, _server) = serve(routes()).await;
    let bare = format!("http://{bare_addr}");
    let with_base = format!("http://{}", with.addr);
    let cases: [(&str, &str, &'static [u8]); 6] = [
        ("GET", "/hello/ann?x=1", b""),
        (
            "POST",
            "/json",
            br#"{"user":"ann","password":"hunter2","n":1.50}"#,
        ),
        ("POST", "/bytes", b"not json at all \xff\xfe"),
        ("GET", "/empty", b""),
        ("GET", "/headers", b""),
        ("GET", "/missing", b""),
    ];
    for (method, path, body) in cases {
        let a = answer(&bare, method, path, body).await;
        let b = answer(&with_base, method, path, body).await;
        assert_eq!(a, b, "{method} {path} differs with the layer");
    }
    assert_eq!(with.records(cases.len()).await.len(), cases.len());
}
