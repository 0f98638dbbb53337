//! What only axum (hyper under it) allows: a server configured to take more headers than
//! hyper's default, and a HEAD answer whose handler declares its `content-length`. (Everything both adapters do is in the shared suite, `tests/suite.rs`,
//! including 10 000 headers refused alike with and without the layer at the default.)

mod support;

use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_testkit::suite::{client, Adapter};
use apitoolkit_testkit::{many_headers, CapturedRecords};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use support::Axum;

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
async fn hyper_configured_for_ten_thousand_headers_carries_every_one_into_the_record() {
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().unwrap();
    let layer = APIToolkitLayer::new(config).unwrap();
    let shipper = layer.shipper().unwrap().clone();
    let addr = serve_many_headers(
        Router::new().route("/h", get(count_headers)).layer(layer),
        12_000,
    )
    .await;
    let mut req = client().get(format!("http://{addr}/h"));
    for (n, v) in many_headers(10_000) {
        req = req.header(n, v);
    }
    let res = req.send().await.unwrap();
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
    let _ = shipper.shutdown(Duration::from_secs(1));
}

#[test]
fn head_answer_keeps_the_content_length_the_handler_declared() {
    // actix-web always derives `content-length` from the body; an axum handler may
    // declare one for a HEAD answer, and the layer's body wrapper must not change it.
    Axum::run(async {
        let app = Axum::spawn(Box::new(|b| b)).await;
        let res = client().head(app.url("/head")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-length"], "42");
        assert!(res.bytes().await.unwrap().is_empty());
        let r = app.record().await;
        assert_eq!((r.method.as_str(), r.status_code), ("HEAD", 200));
        assert_eq!(r.response_body, "");
    });
}
