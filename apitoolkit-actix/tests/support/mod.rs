//! actix-web as an adapter of `apitoolkit-testkit`'s suite: the scenario app with actix
//! handlers, served by an `HttpServer` (two worker threads, so two runtimes) from the
//! test's actix system; [`spawn_with`] and [`serve_bare`] serve other routes the same way
//! (for `actix_specifics.rs`). Shared by the test binaries that run suite scenarios.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use apitoolkit_actix::{report_error, APIToolkit, Observer};
use apitoolkit_core::SdkType;
use apitoolkit_testkit::suite::{
    captured_config, digest_text, Adapter, Configure, RunningApp, Server, LARGE_BODY_BYTES,
    LOGIN_PASSWORD, SSO_ERROR,
};
use apitoolkit_testkit::{
    pattern_chunks, ws_parse_client_frame, ws_server_text_frame, Digest, ExampleError,
    WrapperError, RESPONSE_FIXTURE, WS_ACCEPT, WS_KEY,
};
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

/// actix-web as a suite adapter.
pub struct Actix;

impl Adapter for Actix {
    const SDK_TYPE: SdkType = SdkType::RustActix;
    const UPGRADED_BYTES_ARE_THE_BODY: bool = true;

    async fn spawn(configure: Configure) -> RunningApp {
        spawn_with(routes, configure)
    }

    async fn spawn_bare() -> Server {
        serve_bare(routes)
    }

    fn run(scenario: impl Future<Output = ()> + 'static) {
        actix_web::rt::System::new().block_on(scenario);
    }
}

/// The routes of an app (the same function serves with and without the middleware).
pub type Routes = fn(&mut web::ServiceConfig);

/// Serves `routes` wrapped in the middleware built from [`captured_config`]`(configure)`.
pub fn spawn_with(routes: Routes, configure: Configure) -> RunningApp {
    let (config, captured) = captured_config(configure);
    let apitoolkit = APIToolkit::new(config).expect("middleware");
    let shipper = apitoolkit.shipper().expect("enabled").clone();
    let server = HttpServer::new(move || App::new().wrap(apitoolkit.clone()).configure(routes))
        .workers(2)
        .disable_signals()
        .shutdown_timeout(10)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    RunningApp::new(start(server.addrs()[0], server.run()), captured, shipper)
}

/// Serves `routes` without the middleware.
pub fn serve_bare(routes: Routes) -> Server {
    let server = HttpServer::new(move || App::new().configure(routes))
        .workers(2)
        .disable_signals()
        .shutdown_timeout(10)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    start(server.addrs()[0], server.run())
}

/// Runs a bound server on the current actix system; stopped when the `Server` drops, or
/// gracefully (`stop(true)`: in-flight requests finish, 10 s at most).
fn start(addr: std::net::SocketAddr, server: actix_web::dev::Server) -> Server {
    let handle = server.handle();
    let join = actix_web::rt::spawn(server);
    let stop = handle.clone();
    Server::new(addr, move || drop(stop.stop(false))).with_graceful_stop(move || async move {
        handle.stop(true).await;
        join.await
            .expect("server task")
            .expect("server stopped cleanly");
    })
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
            // actix-web derives `content-length` from the body, even for HEAD.
            web::head().to(HttpResponse::Ok),
        )
        .route("/fail", web::get().to(fail))
        .route("/free", web::get().to(free))
        .route("/msg-id", web::get().to(msg_id))
        .route("/annotated", web::post().to(annotated))
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
        )
        .route(
            "/leaf/{i}",
            web::get().to(|i: web::Path<usize>| async move { format!("leaf {i}") }),
        )
        .route("/cached", web::get().to(cached))
        .route("/ws", web::get().to(ws))
        .route("/download", web::get().to(download))
        .route("/redirect", web::get().to(redirect))
        .route("/login", web::post().to(login));
    #[cfg(feature = "client")]
    cfg.route("/call", web::get().to(call))
        .route("/call-and-report", web::get().to(call_and_report))
        .route("/work/{i}", web::get().to(work));
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

/// Applies the handler controls named in `x-do` (comma-separated), then echoes the body.
async fn annotated(observer: Observer, req: HttpRequest, body: String) -> String {
    let todo = req
        .headers()
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
    let mut digest = Digest::default();
    while let Some(chunk) = body.next().await {
        digest.update(&chunk.expect("request payload"));
    }
    digest_text(&digest)
}

async fn download() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/octet-stream")
        .streaming(stream::iter(
            pattern_chunks(LARGE_BODY_BYTES).map(Ok::<_, Infallible>),
        ))
}

async fn cached(req: HttpRequest) -> HttpResponse {
    if req
        .headers()
        .get("if-none-match")
        .is_some_and(|v| v == "\"v1\"")
    {
        HttpResponse::NotModified()
            .insert_header(("etag", "\"v1\""))
            .finish()
    } else {
        HttpResponse::Ok()
            .insert_header(("etag", "\"v1\""))
            .body("fresh")
    }
}

/// A websocket handshake answered by hand (101 with the upgrade headers); then each
/// text frame read from the raw connection is answered by a text frame `echo: {text}`.
async fn ws(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    if req.headers().get("sec-websocket-key").map(|v| v.as_bytes()) != Some(WS_KEY.as_bytes()) {
        return HttpResponse::BadRequest().finish();
    }
    let echoes = stream::unfold((payload, Vec::new()), |(mut payload, mut buf)| async move {
        loop {
            if let Some((opcode, text, used)) = ws_parse_client_frame(&buf) {
                buf.drain(..used);
                if opcode == 1 {
                    let reply = format!("echo: {}", String::from_utf8_lossy(&text));
                    let frame = Bytes::from(ws_server_text_frame(&reply));
                    return Some((Ok::<_, Infallible>(frame), (payload, buf)));
                }
                continue;
            }
            match payload.next().await {
                Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    });
    HttpResponse::SwitchingProtocols()
        .upgrade("websocket")
        .insert_header(("sec-websocket-accept", WS_ACCEPT))
        .streaming(echoes)
}

/// Redirects to a custom scheme whose URL carries a token, with secret-bearing
/// URL-valued headers beside it.
async fn redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", "myapp://cb?access_token=MkRedirTok1&state=s"))
        .insert_header(("link", "</next?sig=MkLinkSig2>; rel=\"next\""))
        .insert_header(("refresh", "0; url=https://ann:MkRefreshPw3@app.example/x"))
        .finish()
}

/// `web::Json` accepts `text/json`.
async fn login(observer: Observer, body: web::Json<Value>) -> HttpResponse {
    if body["password"] != LOGIN_PASSWORD {
        return HttpResponse::BadRequest().finish();
    }
    observer.report_error(&std::io::Error::other(SSO_ERROR));
    HttpResponse::Found()
        .insert_header(("location", "/home#access_token=AcLocTok4&token_type=bearer"))
        .insert_header(("content-location", "/login?X-Goog-Signature=AcSig5"))
        .finish()
}

async fn odd() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-odd", HeaderValue::from_bytes(b"caf\xe9").expect("value")))
        .body("ok")
}

/// The request's `x-target` header (empty when absent).
#[cfg(feature = "client")]
fn x_target(req: &HttpRequest) -> String {
    req.headers()
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Calls the URL in `x-target` through the observed client.
#[cfg(feature = "client")]
async fn call(observer: Observer, req: HttpRequest) -> HttpResponse {
    let target = x_target(&req);
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

/// Calls the URL in `x-target`, reports the call's error if it fails (reqwest does not
/// follow custom schemes), then `suite::DB_ERROR`.
#[cfg(feature = "client")]
async fn call_and_report(observer: Observer, req: HttpRequest) -> HttpResponse {
    let target = x_target(&req);
    if let Err(err) = observer.observe_request().get(&target).send().await {
        observer.report_error(&err);
    }
    observer.report_error(&std::io::Error::other(apitoolkit_testkit::suite::DB_ERROR));
    HttpResponse::BadGateway().finish()
}

/// `/work/{i}` calls `/leaf/{i}` of the same app through the observed client.
#[cfg(feature = "client")]
async fn work(observer: Observer, req: HttpRequest, i: web::Path<usize>) -> HttpResponse {
    let host = req.connection_info().host().to_owned();
    let res = observer
        .observe_request()
        .get(format!("http://{host}/leaf/{i}"))
        .send()
        .await
        .expect("outgoing call");
    let leaf = res.text().await.expect("leaf body");
    HttpResponse::Ok().body(format!("work {i}: {leaf}"))
}
