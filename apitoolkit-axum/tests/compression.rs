//! tower-http compression INSIDE our layer (docs/PROTOCOL.md §4): the layer sees the
//! compressed bodies the client and the app exchange, and the record holds them decoded
//! and redacted: gzip, br, zstd and deflate responses from `CompressionLayer`, and a
//! gzip request body a client uploads (decoded for the handler by
//! `RequestDecompressionLayer`).

use std::io::Read as _;
use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_testkit::{assert_not_leaked, body_bytes, gzip, CapturedRecords};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

const SECRETS: [&[u8]; 2] = [b"SECRETaxtok1", b"SECRETaxpw2"];

/// A response long enough for `CompressionLayer` (it leaves bodies under 32 bytes alone).
async fn account() -> Json<Value> {
    Json(json!({
        "name": "Ann",
        "token": "SECRETaxtok1",
        "history": vec!["order shipped"; 20],
    }))
}

async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

async fn app(captured: &CapturedRecords) -> String {
    let config = captured
        .config_builder()
        .redact_request_body(["$.password"])
        .redact_response_body(["$.token", "$.password"])
        .build()
        .unwrap();
    let layer = APIToolkitLayer::new(config).unwrap();
    let app = Router::new()
        .route("/account", get(account))
        .route("/echo", post(echo))
        .layer(CompressionLayer::new())
        .layer(RequestDecompressionLayer::new())
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A client that neither asks for nor decodes compression by itself.
fn raw_client() -> reqwest::Client {
    apitoolkit_testkit::suite::client_builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .build()
        .unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

async fn records(captured: &CapturedRecords, n: usize) -> Vec<apitoolkit_core::RequestMessage> {
    let captured = captured.clone();
    tokio::task::spawn_blocking(move || captured.wait_for(n, Duration::from_secs(10)))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_br_zstd_and_deflate_responses_are_recorded_decoded_and_redacted() {
    let captured = CapturedRecords::new();
    let base = app(&captured).await;
    let codings = ["gzip", "br", "zstd", "deflate"];
    for coding in codings {
        let res = raw_client()
            .get(format!("{base}/account?c={coding}"))
            .header("accept-encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-encoding"],
            coding,
            "tower-http compressed the answer"
        );
        let bytes = res.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<Value>(&bytes).is_err(),
            "{coding}: the client got compressed bytes"
        );
    }
    let records = records(&captured, codings.len()).await;
    for coding in codings {
        let r = records
            .iter()
            .find(|r| r.raw_url == format!("/account?c={coding}"))
            .unwrap();
        let body: Value = serde_json::from_slice(&body_bytes(&r.response_body)).unwrap();
        assert_eq!(body["token"], "[CLIENT_REDACTED]", "{coding}");
        assert_eq!(body["name"], "Ann", "{coding}");
        assert_eq!(body["history"].as_array().unwrap().len(), 20, "{coding}");
        assert_eq!(r.response_body_encoding, coding);
        assert_eq!(r.response_headers["content-encoding"], [coding]);
        let json = serde_json::to_vec(r).unwrap();
        for secret in SECRETS {
            assert_not_leaked(&json, secret);
            assert_not_leaked(&body_bytes(&r.response_body), secret);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_request_body_uploaded_by_a_client_is_recorded_decoded_and_redacted() {
    let captured = CapturedRecords::new();
    let base = app(&captured).await;
    let plain =
        br#"{"user":"ann","password":"SECRETaxpw2","pad":"................................"}"#;
    let res = raw_client()
        .post(format!("{base}/echo"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(gzip(plain))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let echoed: Value = serde_json::from_slice(&gunzip(&res.bytes().await.unwrap())).unwrap();
    assert_eq!(
        echoed["password"], "SECRETaxpw2",
        "the handler got the decoded body"
    );
    let r = &records(&captured, 1).await[0];
    let request: Value = serde_json::from_slice(&body_bytes(&r.request_body)).unwrap();
    assert_eq!(
        request,
        json!({"user":"ann","password":"[CLIENT_REDACTED]","pad":"................................"})
    );
    assert_eq!(r.request_body_encoding, "gzip");
    assert_eq!(r.request_headers["content-encoding"], ["gzip"]);
    let response: Value = serde_json::from_slice(&body_bytes(&r.response_body)).unwrap();
    assert_eq!(response["password"], "[CLIENT_REDACTED]");
    assert_eq!(r.response_body_encoding, "gzip");
    let json = serde_json::to_vec(r).unwrap();
    assert_not_leaked(&json, b"SECRETaxpw2");
}
