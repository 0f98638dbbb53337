//! The same app with and without the middleware answers identically (status, headers
//! except `date`, body) for every route.

mod support;

use actix_web::{web, HttpResponse};
use serde_json::Value;
use support::{client, serve_bare, TestApp};

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/hello/{name}",
        web::get().to(|n: web::Path<String>| async move { format!("Hello, {n}!") }),
    )
    .route(
        "/json",
        web::post().to(|v: web::Json<Value>| async move { HttpResponse::Created().json(v.0) }),
    )
    .route("/bytes", web::post().to(|b: web::Bytes| async move { b }))
    .route(
        "/empty",
        web::get().to(|| async { HttpResponse::NoContent().finish() }),
    )
    .route(
        "/headers",
        web::get().to(|| async {
            HttpResponse::Ok()
                .insert_header(("x-a", "1"))
                .insert_header(("set-cookie", "s=1"))
                .body("h")
        }),
    );
}

type Answer = (u16, Vec<(String, Vec<u8>)>, Vec<u8>);

async fn answer(base: &str, method: &str, path: &str, body: &'static [u8]) -> Answer {
    let c = client();
    let req = match method {
        "GET" => c.get(format!("{base}{path}")),
        "HEAD" => c.head(format!("{base}{path}")),
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

#[actix_web::test]
async fn every_route_answers_the_same_with_and_without_the_middleware() {
    let with = TestApp::spawn(routes, |b| b.redact_request_body(["$.password"])).await;
    let (bare_addr, _server) = serve_bare(routes);
    let bare = format!("http://{bare_addr}");
    let with_base = format!("http://{}", with.addr);
    let cases: [(&str, &str, &'static [u8]); 8] = [
        ("GET", "/hello/ann?x=1", b""),
        ("HEAD", "/hello/ann", b""),
        (
            "POST",
            "/json",
            br#"{"user":"ann","password":"hunter2","n":1.50}"#,
        ),
        ("POST", "/json", b"not json"),
        ("POST", "/bytes", b"not json at all \xff\xfe"),
        ("GET", "/empty", b""),
        ("GET", "/headers", b""),
        ("GET", "/missing", b""),
    ];
    for (method, path, body) in cases {
        let a = answer(&bare, method, path, body).await;
        let b = answer(&with_base, method, path, body).await;
        assert_eq!(a, b, "{method} {path} differs with the middleware");
    }
    assert_eq!(with.records(cases.len()).len(), cases.len());
}
