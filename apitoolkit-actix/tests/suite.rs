//! The adapter suite of `apitoolkit-testkit` for actix-web: the scenario app with actix
//! handlers, served by an `HttpServer` (one worker thread) from the test's actix system.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use apitoolkit_actix::{report_error, APIToolkit, Observer};
use apitoolkit_core::SdkType;
use apitoolkit_testkit::suite::{captured_config, Adapter, Configure, RunningApp, Server};
use apitoolkit_testkit::{ExampleError, WrapperError, RESPONSE_FIXTURE};
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

/// actix-web as a suite adapter.
struct Actix;

impl Adapter for Actix {
    const SDK_TYPE: SdkType = SdkType::RustActix;

    async fn spawn(configure: Configure) -> RunningApp {
        let (config, captured) = captured_config(configure);
        let apitoolkit = APIToolkit::new(config).expect("middleware");
        let shipper = apitoolkit.shipper().expect("enabled").clone();
        let server = HttpServer::new(move || App::new().wrap(apitoolkit.clone()).configure(routes))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind");
        let addr = server.addrs()[0];
        RunningApp::new(start(addr, server.run()), captured, shipper)
    }

    async fn spawn_bare() -> Server {
        let server = HttpServer::new(|| App::new().configure(routes))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind");
        start(server.addrs()[0], server.run())
    }

    fn run(scenario: impl Future<Output = ()> + 'static) {
        actix_web::rt::System::new().block_on(scenario);
    }
}

apitoolkit_testkit::adapter_suite!(Actix);

/// Runs a bound server on the current actix system; stopped when the `Server` drops.
fn start(addr: std::net::SocketAddr, server: actix_web::dev::Server) -> Server {
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Server::new(addr, move || drop(handle.stop(false)))
}

fn routes(cfg: &mut web::ServiceConfig) {
    let ok = || async { "ok" };
    cfg.route("/{slug}/test", web::post().to(slug))
        .route("/slow", web::get().to(slow))
        // Three levels: /parent, /parent/parent2, /parent/parent2/parent3.
        .service(
            web::scope("/parent")
                .route("/{slug}/test", web::get().to(ok))
                .service(
                    web::scope("/parent2")
                        .service(web::scope("/parent3").route("/{slug}/test", web::get().to(ok))),
                ),
        )
        .route("/e", web::get().to(|| async { "" }))
        .route("/echo", web::post().to(echo))
        .route(
            "/hello/{name}",
            web::get().to(|n: web::Path<String>| async move { format!("Hello, {n}!") }),
        )
        .route(
            "/json",
            web::post().to(|v: web::Json<Value>| async move { HttpResponse::Created().json(v.0) }),
        )
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
        )
        .route(
            "/head",
            web::head().to(|| async { HttpResponse::Ok().body("forty-two bytes, never sent") }),
        )
        .route("/fail", web::get().to(fail))
        .route("/free", web::get().to(free))
        .route("/msg-id", web::get().to(msg_id))
        .route("/panic", web::get().to(boom))
        .route("/stream", web::get().to(|| async { sse(Some(5)) }))
        .route("/endless", web::get().to(|| async { sse(None) }))
        .route("/upload", web::post().to(upload))
        .route("/ignore", web::post().to(|| async { "ignored" }))
        .route("/odd", web::get().to(odd))
        .route("/big", web::get().to(|| async { "x".repeat(5000) }))
        .route(
            "/q",
            web::get().to(|req: HttpRequest| async move { req.query_string().to_owned() }),
        );
    #[cfg(feature = "client")]
    cfg.route("/call", web::get().to(call));
}

async fn slug(_slug: web::Path<String>, body: String) -> HttpResponse {
    assert!(!body.is_empty());
    HttpResponse::Accepted()
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-secret", "top"))
        .insert_header(("x-val", "visible"))
        .body(RESPONSE_FIXTURE)
}

async fn slow() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    "done"
}

/// The whole request payload (no size limit, unlike the `Bytes` extractor).
async fn read_all(mut payload: web::Payload) -> Bytes {
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        buf.extend_from_slice(&chunk.expect("request payload"));
    }
    buf.freeze()
}

/// Echoes the request body with the request's content type and encoding.
async fn echo(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let body = read_all(payload).await;
    let mut res = HttpResponse::Ok();
    for name in ["content-type", "content-encoding"] {
        if let Some(v) = req.headers().get(name) {
            res.insert_header((name, v.clone()));
        }
    }
    res.body(body)
}

async fn fail(observer: Observer) -> HttpResponse {
    observer.report_error(&WrapperError(ExampleError));
    HttpResponse::InternalServerError().finish()
}

async fn free(req: HttpRequest) -> &'static str {
    report_error(&req, &ExampleError);
    "reported"
}

async fn msg_id(observer: Observer, req: HttpRequest) -> String {
    observer.report_error(&ExampleError);
    report_error(&req, &ExampleError);
    format!("{:?}", observer.msg_id())
}

async fn boom() -> &'static str {
    panic!("handler exploded")
}

fn ticks(n: Option<u32>) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::unfold(0u32, move |i| async move {
        if Some(i) == n {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        Some((Ok(Bytes::from(format!("data: tick {i}\n\n"))), i + 1))
    })
}

fn sse(n: Option<u32>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(ticks(n))
}

async fn upload(mut body: web::Payload) -> String {
    let (mut len, mut sum) = (0usize, 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("request payload");
        len += chunk.len();
        sum += chunk.iter().map(|b| u64::from(*b)).sum::<u64>();
    }
    format!("{len} {sum}")
}

async fn odd() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-odd", HeaderValue::from_bytes(b"caf\xe9").expect("value")))
        .body("ok")
}

/// Calls the URL in `x-target` through the observed client.
#[cfg(feature = "client")]
async fn call(observer: Observer, req: HttpRequest) -> HttpResponse {
    let target = req
        .headers()
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match observer.observe_request().get(&target).send().await {
        Ok(res) => {
            let status = res.status().as_u16().to_string();
            match res.error_for_status() {
                Ok(_) => HttpResponse::Ok().body(status),
                Err(err) => {
                    observer.report_error(&err);
                    HttpResponse::BadGateway().body(status)
                }
            }
        }
        Err(_) => HttpResponse::BadGateway().body("call failed"),
    }
}
