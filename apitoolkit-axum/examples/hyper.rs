//! The APItoolkit layer on plain hyper: no axum router, a tower stack
//! (`ServiceBuilder` + our layer + a `service_fn`) served by hyper 1 through
//! `hyper_util::service::TowerToHyperService`.
//!
//! ```text
//! cargo run -p apitoolkit-axum --example hyper            # serve on 127.0.0.1:${PORT:-8080}
//! cargo run -p apitoolkit-axum --example hyper -- --demo  # serve, call itself, print the records, exit
//! ```
//!
//! Without a router there is no route template: `url_path` is `""` and `raw_url` holds
//! the path (put an axum `Router` inside the layer for templates). Everything else is
//! recorded as with axum: headers, bodies, status, duration, errors.
//!
//! Configured from the environment (`APITOOLKIT_*`); without `APITOOLKIT_KEY` the records
//! are printed to stdout as JSON Lines.

use std::convert::Infallible;
use std::time::Duration;

use apitoolkit_axum::{APIToolkitLayer, RequestBody};
use apitoolkit_core::Config;
use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::ServiceBuilder;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The app: `GET /hello/<name>` and `POST /echo` (the JSON body back), else 404.
async fn handle(req: Request<RequestBody<Incoming>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let (status, content_type, body) = match (req.method().as_str(), path.as_str()) {
        ("GET", p) if p.starts_with("/hello/") => (
            StatusCode::OK,
            "text/plain",
            Bytes::from(format!("Hello, {}!", &p["/hello/".len()..])),
        ),
        ("POST", "/echo") => match req.into_body().collect().await {
            Ok(body) => (StatusCode::OK, "application/json", body.to_bytes()),
            Err(_) => (
                StatusCode::BAD_REQUEST,
                "text/plain",
                Bytes::from("unreadable body"),
            ),
        },
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from("not found"),
        ),
    };
    Ok(Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(body))
        .expect("a valid response"))
}

async fn demo_requests(base: &str) -> Result<(), BoxError> {
    // Any HTTP client; this one comes with TLS set up (see the README, https).
    let client = apitoolkit_client::tls::client_builder().build()?;
    let r = client
        .get(format!("{base}/hello/hyper?token=abc123"))
        .send()
        .await?;
    eprintln!("GET /hello/hyper -> {} {:?}", r.status(), r.text().await?);
    let r = client
        .post(format!("{base}/echo"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer s3cret")
        .body(r#"{"name":"Ann","password":"hunter2"}"#)
        .send()
        .await?;
    eprintln!("POST /echo -> {} {:?}", r.status(), r.text().await?);
    let r = client.get(format!("{base}/nowhere")).send().await?;
    eprintln!("GET /nowhere -> {}", r.status());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let demo = std::env::args().any(|a| a == "--demo");
    let mut config = Config::builder();
    if std::env::var_os("APITOOLKIT_REDACT_REQ_BODY").is_none() {
        config = config.redact_request_body(["$.password"]);
    }
    if std::env::var_os("APITOOLKIT_REDACT_RES_BODY").is_none() {
        config = config.redact_response_body(["$.password"]);
    }
    let layer = APIToolkitLayer::new(config.build()?)?;
    // The tower stack: our layer around the app.
    let service = ServiceBuilder::new()
        .layer(layer.clone())
        .service_fn(handle);

    let port = match (demo, std::env::var("PORT")) {
        (true, _) => 0,
        (false, Ok(p)) => p.parse()?,
        (false, Err(_)) => 8080,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    eprintln!("hyper example listening on http://{addr}");

    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = &mut stop_rx => break,
                _ = tokio::signal::ctrl_c() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => continue,
                },
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    if demo {
        demo_requests(&format!("http://{addr}")).await?;
        let _ = stop_tx.send(());
    }
    server.await?;

    if let Some(shipper) = layer.shipper() {
        let delivered = shipper.shutdown(Duration::from_secs(10)).is_ok();
        eprintln!("shutdown: all records handled = {delivered}");
    }
    Ok(())
}
