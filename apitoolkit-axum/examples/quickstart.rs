//! The APItoolkit axum quickstart.
//!
//! ```text
//! cargo run -p apitoolkit-axum --example quickstart            # serve on 127.0.0.1:${PORT:-8080}
//! cargo run -p apitoolkit-axum --example quickstart -- --demo  # serve, call each route once, print the records, exit
//! ```
//!
//! Configured from the environment (`APITOOLKIT_*`, and a `.env` file if present). Without
//! `APITOOLKIT_KEY` the records are printed to stdout as JSON Lines;
//! `APITOOLKIT_EXPORT=file:PATH` writes them to a file instead. With `--demo` and
//! neither variable set, each record is printed as a readable block instead (bodies
//! decoded, redacted values as `[CLIENT_REDACTED]`); `APITOOLKIT_EXPORT=stdout` gives the
//! raw JSON Lines. With
//! `APITOOLKIT_DISABLED=true` the same routes are served with no layer at all.
//! SIGINT/SIGTERM shut the server down gracefully and flush the records.

use std::io::Write;
use std::time::Duration;

use apitoolkit_axum::{APIToolkitLayer, Observer};
use apitoolkit_core::tools::demo::DemoOutput;
use apitoolkit_core::Config;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream};
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn hello(Path(name): Path<String>) -> String {
    format!("Hello, {name}!")
}

async fn create_user(
    Path(id): Path<u64>,
    Json(mut body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if let Value::Object(map) = &mut body {
        map.insert("id".into(), id.into());
    }
    (StatusCode::CREATED, Json(body))
}

#[derive(Debug)]
struct PaymentDeclined(std::io::Error);
impl std::fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "payment declined: {}", self.0)
    }
}
impl std::error::Error for PaymentDeclined {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

async fn error(observer: Observer) -> (StatusCode, &'static str) {
    let err = PaymentDeclined(std::io::Error::other("card issuer unreachable"));
    observer.report_error(&err);
    (StatusCode::INTERNAL_SERVER_ERROR, "something went wrong")
}

async fn sse() -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let events = stream::unfold(0u32, |n| async move {
        if n == 5 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok(Event::default().data(format!("tick {n}"))), n + 1))
    });
    Sse::new(events)
}

/// Calls this same server's `/hello/outgoing` through the observed client: the call is
/// recorded as an outgoing record whose `parent_id` is this request's `msg_id`.
async fn outgoing(observer: Observer, headers: axum::http::HeaderMap) -> (StatusCode, String) {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    match observer
        .observe_request()
        .get(format!("http://{host}/hello/outgoing"))
        .send()
        .await
    {
        Ok(res) => (StatusCode::OK, res.text().await.unwrap_or_default()),
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()),
    }
}

async fn panic_route() -> &'static str {
    panic!("the /panic route panics on purpose")
}

fn routes() -> Router {
    Router::new()
        .route("/hello/{name}", get(hello))
        .route("/users/{id}", post(create_user))
        .route("/error", get(error))
        .route("/stream", get(sse))
        .route("/panic", get(panic_route))
        .route("/outgoing", get(outgoing))
}

/// The quickstart's configuration: the environment, plus demo redaction paths when the
/// environment names none; with `demo`, its exporter when it prints readable blocks.
fn config(demo: Option<&DemoOutput>) -> Result<Config, BoxError> {
    let mut builder = Config::builder();
    if let Some(demo) = demo {
        builder = demo.configure(builder);
    }
    if std::env::var_os("APITOOLKIT_REDACT_REQ_BODY").is_none() {
        builder = builder.redact_request_body(["$.password", "$..card.number"]);
    }
    if std::env::var_os("APITOOLKIT_REDACT_RES_BODY").is_none() {
        builder = builder.redact_response_body(["$.password", "$..card.number"]);
    }
    Ok(builder.build()?)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Sends one request of each kind to the server at `base`.
async fn demo_requests(base: &str) -> Result<(), BoxError> {
    // A plain reqwest client; `tls::client_builder` brings the TLS setup (see README, https).
    let client = apitoolkit_client::tls::client_builder().build()?;
    let r = client
        .get(format!("{base}/hello/world?lang=en&token=abc123"))
        .send()
        .await?;
    eprintln!("GET /hello/world -> {} {:?}", r.status(), r.text().await?);
    let r = client
        .post(format!("{base}/users/42"))
        .header("authorization", "Bearer s3cret-token")
        .header("content-type", "application/json")
        .body(r#"{"name":"Ann","password":"hunter2","card":{"number":"4242424242424242"}}"#)
        .send()
        .await?;
    eprintln!("POST /users/42 -> {} {}", r.status(), r.text().await?);
    let r = client.get(format!("{base}/error")).send().await?;
    eprintln!("GET /error -> {}", r.status());
    let r = client.get(format!("{base}/stream")).send().await?;
    let status = r.status();
    let text = r.text().await?;
    eprintln!(
        "GET /stream -> {status}, {} events",
        text.matches("data:").count()
    );
    match client.get(format!("{base}/panic")).send().await {
        Ok(r) => eprintln!("GET /panic -> {}", r.status()),
        Err(_) => eprintln!("GET /panic -> connection closed by the panicking handler"),
    }
    let r = client.get(format!("{base}/outgoing")).send().await?;
    eprintln!("GET /outgoing -> {} {:?}", r.status(), r.text().await?);
    let r = client.get(format!("{base}/no/such/route")).send().await?;
    eprintln!("GET /no/such/route -> {}", r.status());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let _ = dotenvy::dotenv();
    let demo = std::env::args()
        .any(|a| a == "--demo")
        .then(DemoOutput::from_env);
    run(demo, &mut std::io::stdout()).await
}

/// Serves until Ctrl-C; with `demo`, serves on a free port, calls each route once, shuts
/// down and writes the records to `out` (when `demo` prints them readable).
pub(crate) async fn run(demo: Option<DemoOutput>, out: &mut dyn Write) -> Result<(), BoxError> {
    let config = config(demo.as_ref())?;
    let layer = (!config.disabled())
        .then(|| APIToolkitLayer::new(config))
        .transpose()?;
    let app = match &layer {
        Some(layer) => routes().layer(layer.clone()),
        None => routes(),
    };

    let port = match (demo.is_some(), std::env::var("PORT")) {
        (true, _) => 0,
        (false, Ok(p)) => p.parse()?,
        (false, Err(_)) => 8080,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    eprintln!(
        "quickstart listening on http://{addr} (APItoolkit {})",
        if layer.is_some() { "on" } else { "disabled" }
    );

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                tokio::select! { () = shutdown_signal() => {}, _ = stop_rx => {} }
            })
            .await
    });

    if demo.is_some() {
        demo_requests(&format!("http://{addr}")).await?;
        let _ = stop_tx.send(());
    }
    server.await??;

    if let Some(shipper) = layer.as_ref().and_then(APIToolkitLayer::shipper) {
        let delivered = shipper.shutdown(Duration::from_secs(10)).is_ok();
        eprintln!(
            "shutdown: all records handled = {delivered}, stats = {:?}",
            shipper.stats()
        );
    }
    if let Some(demo) = demo {
        demo.write(out)?;
    }
    Ok(())
}
