//! The same app with and without the SDK answers identically (status, headers except
//! `date`, body) for every route.

use super::{client, Adapter};

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

/// Every route answers the same with and without the SDK, and each request is recorded.
pub async fn every_route_answers_the_same_with_and_without_the_sdk<A: Adapter>() {
    let with = A::spawn(Box::new(|b| b.redact_request_body(["$.password"]))).await;
    let bare = A::spawn_bare().await;
    let cases: [(&str, &str, &'static [u8]); 9] = [
        ("GET", "/hello/ann?x=1", b""),
        ("HEAD", "/hello/ann", b""),
        (
            "POST",
            "/json",
            br#"{"user":"ann","password":"hunter2","n":1.50}"#,
        ),
        ("POST", "/json", b"not json"),
        ("POST", "/echo", b"not json at all \xff\xfe"),
        ("GET", "/empty", b""),
        ("GET", "/headers", b""),
        ("GET", "/missing", b""),
        ("HEAD", "/head", b""),
    ];
    for (method, path, body) in cases {
        let a = answer(&bare.url(""), method, path, body).await;
        let b = answer(&with.url(""), method, path, body).await;
        assert_eq!(a, b, "{method} {path} differs with the SDK");
    }
    assert_eq!(with.records(cases.len()).await.len(), cases.len());
}
