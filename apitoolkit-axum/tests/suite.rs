//! The adapter suite of `apitoolkit-testkit` for axum: the scenario app with axum
//! handlers, served by `axum::serve` on the test's tokio runtime.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use apitoolkit_axum::{report_error, APIToolkitLayer, Observer};
use apitoolkit_core::SdkType;
use apitoolkit_testkit::suite::{captured_config, Adapter, Configure, RunningApp, Server};
use apitoolkit_testkit::{ExampleError, WrapperError, RESPONSE_FIXTURE};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

/// axum as a suite adapter.
struct Axum;

impl Adapter for Axum {
    const SDK_TYPE: SdkType = SdkType::RustAxum;

    async fn spawn(configure: Configure) -> RunningApp {
        let (config, captured) = captured_config(configure);
        let layer = APIToolkitLayer::new(config).expect("layer");
        let shipper = layer.shipper().expect("enabled").clone();
        RunningApp::new(serve(routes().layer(layer)).await, captured, shipper)
    }

    async fn spawn_bare() -> Server {
        serve(routes()).await
    }

    fn run(scenario: impl Future<Output = ()> + 'static) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(scenario);
    }
}

apitoolkit_testkit::adapter_suite!(Axum);

/// Serves `app` on 127.0.0.1:0 on the current runtime.
async fn serve(app: Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server::new(addr, move || server.abort())
}

fn routes() -> Router {
    let ok = || async { "ok" };
    let routes = Router::new()
        .route("/{slug}/test", post(slug))
        .route("/slow", get(slow))
        .nest("/parent", Router::new().route("/{slug}/test", get(ok)))
        .nest(
            "/parent/parent2",
            Router::new().nest("/parent3", Router::new().route("/{slug}/test", get(ok))),
        )
        .route("/e", get(|| async { "" }))
        .route("/echo", post(echo))
        .route(
            "/hello/{name}",
            get(|Path(n): Path<String>| async move { format!("Hello, {n}!") }),
        )
        .route(
            "/json",
            post(|Json(v): Json<Value>| async move { (StatusCode::CREATED, Json(v)) }),
        )
        .route("/empty", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/headers",
            get(|| async { ([("x-a", "1"), ("set-cookie", "s=1")], "h") }),
        )
        .route("/head", head(|| async { ([("content-length", "42")], "") }))
        .route("/fail", get(fail))
        .route("/free", get(free))
        .route("/msg-id", get(msg_id))
        .route("/panic", get(boom))
        .route("/stream", get(|| async { Sse::new(ticks(Some(5))) }))
        .route("/endless", get(|| async { Sse::new(ticks(None)) }))
        .route("/upload", post(upload))
        .route("/ignore", post(|| async { "ignored" }))
        .route("/odd", get(odd))
        .route("/big", get(|| async { Body::from("x".repeat(5000)) }))
        .route(
            "/q",
            get(|uri: Uri| async move { uri.query().unwrap_or_default().to_owned() }),
        );
    #[cfg(feature = "client")]
    let routes = routes.route("/call", get(call));
    routes
}

async fn slug(Path(_slug): Path<String>, body: String) -> (StatusCode, HeaderMap, String) {
    assert!(!body.is_empty());
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("x-secret", HeaderValue::from_static("top"));
    h.insert("x-val", HeaderValue::from_static("visible"));
    (StatusCode::ACCEPTED, h, RESPONSE_FIXTURE.to_owned())
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(500)).await;
    "done"
}

/// Echoes the request body with the request's content type and encoding.
async fn echo(headers: HeaderMap, body: Bytes) -> Response {
    let mut res = body.into_response();
    for name in ["content-type", "content-encoding"] {
        if let Some(v) = headers.get(name) {
            res.headers_mut().insert(name, v.clone());
        }
    }
    res
}

async fn fail(observer: Observer) -> StatusCode {
    observer.report_error(&WrapperError(ExampleError));
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn free(req: Request) -> &'static str {
    report_error(req.extensions(), &ExampleError);
    "reported"
}

async fn msg_id(observer: Observer, req: Request) -> String {
    observer.report_error(&ExampleError);
    report_error(req.extensions(), &ExampleError);
    format!("{:?}", observer.msg_id())
}

async fn boom() -> &'static str {
    panic!("handler exploded")
}

fn ticks(n: Option<u32>) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(0u32, move |i| async move {
        if Some(i) == n {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        Some((Ok(Event::default().data(format!("tick {i}"))), i + 1))
    })
}

async fn upload(body: Body) -> String {
    let mut stream = body.into_data_stream();
    let (mut len, mut sum) = (0usize, 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("request body");
        len += chunk.len();
        sum += chunk.iter().map(|b| u64::from(*b)).sum::<u64>();
    }
    format!("{len} {sum}")
}

async fn odd() -> Response {
    let mut res = "ok".into_response();
    res.headers_mut()
        .insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").expect("value"));
    res
}

/// Calls the URL in `x-target` through the observed client.
#[cfg(feature = "client")]
async fn call(observer: Observer, headers: HeaderMap) -> (StatusCode, String) {
    let target = headers
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match observer.observe_request().get(&target).send().await {
        Ok(res) => {
            let status = res.status().as_u16().to_string();
            match res.error_for_status() {
                Ok(_) => (StatusCode::OK, status),
                Err(err) => {
                    observer.report_error(&err);
                    (StatusCode::BAD_GATEWAY, status)
                }
            }
        }
        Err(_) => (StatusCode::BAD_GATEWAY, "call failed".to_owned()),
    }
}
