//! The layer in a plain hyper 1 server: a tower stack (`ServiceBuilder`, our layer, a
//! `service_fn`, no axum router) served through `hyper_util`'s `TowerToHyperService`,
//! over HTTP/1.1 on 127.0.0.1:0. The records hold what the axum ones hold, except the
//! route template (no router: `url_path` is `""`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_axum::{APIToolkitLayer, RequestBody};
use apitoolkit_core::testing::{body_json, CapturedRecords};
use apitoolkit_testkit::suite::client;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tower::ServiceBuilder;

/// `POST /echo` answers the JSON body back with 201; `/boom` answers 500; else 404.
async fn handle(req: Request<RequestBody<Incoming>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = match req.uri().path() {
        "/echo" => match req.into_body().collect().await {
            Ok(body) => (StatusCode::CREATED, body.to_bytes()),
            Err(_) => (StatusCode::BAD_REQUEST, Bytes::new()),
        },
        "/boom" => (StatusCode::INTERNAL_SERVER_ERROR, Bytes::from_static(b"{}")),
        _ => (StatusCode::NOT_FOUND, Bytes::from_static(b"{}")),
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(body))
        .expect("response"))
}

async fn serve(layer: APIToolkitLayer) -> SocketAddr {
    let service = ServiceBuilder::new().layer(layer).service_fn(handle);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn captured() -> (CapturedRecords, APIToolkitLayer) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .redact_request_body(["$.password"])
        .redact_query_params(["token"])
        .build_with_env(|_| None)
        .expect("config");
    (captured, APIToolkitLayer::new(config).expect("layer"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_hyper_server_records_headers_bodies_status_and_redacts() {
    let (captured, layer) = captured();
    let addr = serve(layer).await;
    let res = client()
        .post(format!("http://{addr}/echo?token=abc123&page=2"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer s3cret")
        .body(r#"{"name":"Ann","password":"hunter2"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"name":"Ann","password":"hunter2"}"#,
        "the app and the client see the real bytes"
    );

    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1, "{records:#?}");
    let r = &records[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.url_path, "", "no router, no route template");
    assert_eq!(r.raw_url, "/echo?token=[CLIENT_REDACTED]&page=2");
    assert_eq!(r.host, addr.to_string());
    assert_eq!(r.status_code, 201);
    assert_eq!((r.proto_major, r.proto_minor), (1, 1));
    assert_eq!(r.request_headers["authorization"], ["[CLIENT_REDACTED]"]);
    assert_eq!(
        body_json(&r.request_body),
        json!({"name": "Ann", "password": "[CLIENT_REDACTED]"})
    );
    assert_eq!(
        body_json(&r.response_body),
        json!({"name": "Ann", "password": "hunter2"})
    );
    assert!(r.duration > 0);
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert!(!r.attributes.contains_key("rpc.grpc.status_code"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_on_a_kept_alive_connection_is_one_record() {
    let (captured, layer) = captured();
    let addr = serve(layer).await;
    let client = client();
    for path in ["/boom", "/missing", "/echo"] {
        let res = client
            .post(format!("http://{addr}{path}"))
            .body("{}")
            .send()
            .await
            .expect("answered");
        let _ = res.bytes().await;
    }
    let records = captured.wait_for(3, Duration::from_secs(10));
    let mut seen: Vec<(String, u16)> = records
        .iter()
        .map(|r| (r.raw_url.clone(), r.status_code))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("/boom".to_owned(), 500),
            ("/echo".to_owned(), 201),
            ("/missing".to_owned(), 404)
        ]
    );
}
