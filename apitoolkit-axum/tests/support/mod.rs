//! axum as an adapter of `apitoolkit-testkit`'s suite: the scenario app with axum
//! handlers, served by `axum::serve` on the test's tokio runtime. Shared by the test
//! binaries that run suite scenarios (`suite.rs`, `large_bodies_memory.rs`,
//! `axum_specifics.rs`).
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use apitoolkit_axum::{report_error, APIToolkitLayer, Observer};
use apitoolkit_core::SdkType;
use apitoolkit_testkit::suite::{
    captured_config, digest_text, Adapter, Configure, RunningApp, Server, LARGE_BODY_BYTES,
    LOGIN_PASSWORD, SSO_ERROR,
};
use apitoolkit_testkit::{pattern_chunks, Digest, ExampleError, WrapperError, RESPONSE_FIXTURE};
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

/// axum as a suite adapter.
pub struct Axum;

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

/// Serves `app` on 127.0.0.1:0 on the current runtime; its graceful stop is
/// `axum::serve(..).with_graceful_shutdown(..)` (30 s at most).
async fn serve(app: Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
            .expect("serve");
    });
    let abort = server.abort_handle();
    Server::new(addr, move || abort.abort()).with_graceful_stop(move || async move {
        let _ = stop_tx.send(());
        tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .expect("graceful shutdown finished")
            .expect("server task");
    })
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
        .route("/annotated", post(annotated))
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
        )
        .route(
            "/leaf/{i}",
            get(|Path(i): Path<usize>| async move { format!("leaf {i}") }),
        )
        .route("/cached", get(cached))
        .route("/ws", get(ws))
        .route("/download", get(download))
        .route("/redirect", get(redirect))
        .route("/login", post(login));
    #[cfg(feature = "client")]
    let routes = routes
        .route("/call", get(call))
        .route("/call-and-report", get(call_and_report))
        .route("/work/{i}", get(work));
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

/// Applies the handler controls named in `x-do` (comma-separated), then echoes the body.
async fn annotated(observer: Observer, headers: HeaderMap, body: String) -> String {
    let todo = headers
        .get("x-do")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for action in todo.split(',') {
        match action.trim() {
            "tag" => observer.add_tag("checkout"),
            "attr" => observer.set_attribute("plan", "pro"),
            "reserved" => observer.set_attribute("http.route", "/forged"),
            "user" => observer.identify_user("cust_42"),
            "skip" => observer.skip(),
            "nobody" => observer.disable_body_capture(),
            _ => {}
        }
    }
    body
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
    let mut digest = Digest::default();
    while let Some(chunk) = stream.next().await {
        digest.update(&chunk.expect("request body"));
    }
    digest_text(&digest)
}

async fn download() -> Response {
    let chunks = stream::iter(pattern_chunks(LARGE_BODY_BYTES).map(Ok::<_, Infallible>));
    let mut res = Body::from_stream(chunks).into_response();
    res.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    res
}

async fn cached(headers: HeaderMap) -> Response {
    if headers.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
        (StatusCode::NOT_MODIFIED, [("etag", "\"v1\"")]).into_response()
    } else {
        ([("etag", "\"v1\"")], "fresh").into_response()
    }
}

/// axum's own websocket upgrade; answers each text frame with `echo: {text}`.
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

/// Redirects to a custom scheme whose URL carries a token, with secret-bearing
/// URL-valued headers beside it.
async fn redirect() -> impl IntoResponse {
    (
        StatusCode::FOUND,
        [
            (
                header::LOCATION,
                "myapp://cb?access_token=MkRedirTok1&state=s",
            ),
            (header::LINK, "</next?sig=MkLinkSig2>; rel=\"next\""),
            (
                header::REFRESH,
                "0; url=https://ann:MkRefreshPw3@app.example/x",
            ),
        ],
    )
}

/// axum's `Json` refuses `text/json`: the body is read as bytes and parsed here.
async fn login(observer: Observer, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).expect("a JSON body");
    if body["password"] != LOGIN_PASSWORD {
        return StatusCode::BAD_REQUEST.into_response();
    }
    observer.report_error(&std::io::Error::other(SSO_ERROR));
    (
        StatusCode::FOUND,
        [
            (
                header::LOCATION,
                "/home#access_token=AcLocTok4&token_type=bearer",
            ),
            (header::CONTENT_LOCATION, "/login?X-Goog-Signature=AcSig5"),
        ],
    )
        .into_response()
}

async fn odd() -> Response {
    let mut res = "ok".into_response();
    res.headers_mut()
        .insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").expect("value"));
    res
}

/// The request's `x-target` header (empty when absent).
#[cfg(feature = "client")]
fn x_target(headers: &HeaderMap) -> String {
    headers
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Calls the URL in `x-target` through the observed client.
#[cfg(feature = "client")]
async fn call(observer: Observer, headers: HeaderMap) -> (StatusCode, String) {
    let target = x_target(&headers);
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

/// Calls the URL in `x-target`, reports the call's error if it fails (reqwest does not
/// follow custom schemes), then `suite::DB_ERROR`.
#[cfg(feature = "client")]
async fn call_and_report(observer: Observer, headers: HeaderMap) -> StatusCode {
    let target = x_target(&headers);
    if let Err(err) = observer.observe_request().get(&target).send().await {
        observer.report_error(&err);
    }
    observer.report_error(&std::io::Error::other(apitoolkit_testkit::suite::DB_ERROR));
    StatusCode::BAD_GATEWAY
}

/// `/work/{i}` calls `/leaf/{i}` of the same app through the observed client.
#[cfg(feature = "client")]
async fn work(observer: Observer, Path(i): Path<usize>, headers: HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let res = observer
        .observe_request()
        .get(format!("http://{host}/leaf/{i}"))
        .send()
        .await
        .expect("outgoing call");
    let leaf = res.text().await.expect("leaf body");
    format!("work {i}: {leaf}")
}
