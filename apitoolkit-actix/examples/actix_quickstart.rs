//! The APItoolkit actix-web quickstart.
//!
//! ```text
//! cargo run -p apitoolkit-actix --example actix_quickstart            # serve on 127.0.0.1:${PORT:-8080}
//! cargo run -p apitoolkit-actix --example actix_quickstart -- --demo  # serve, call each route once, print the records, exit
//! ```
//!
//! Configured from the environment (`APITOOLKIT_*`, and a `.env` file if present). Without
//! `APITOOLKIT_KEY` the records are printed to stdout as JSON Lines;
//! `APITOOLKIT_EXPORT=file:PATH` writes them to a file instead. With `--demo` and
//! neither variable set, each record is printed as a readable block instead (bodies
//! decoded, redacted values as `[CLIENT_REDACTED]`); `APITOOLKIT_EXPORT=stdout` gives the
//! raw JSON Lines. With
//! `APITOOLKIT_DISABLED=true` the same routes are served with no middleware at all.
//! SIGINT/SIGTERM stop the server gracefully (actix handles both), then the records are
//! flushed.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use apitoolkit_actix::{observe_request, APIToolkit, Observer};
use apitoolkit_core::tools::demo::DemoOutput;
use apitoolkit_core::Config;
use bytes::Bytes;
use futures_util::stream;
use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The content type of the plain-text responses. Without one a body counts as JSON for
/// redaction, and a body that is not JSON ships as `[UNPARSEABLE_BODY n bytes]`.
const TEXT: &str = "text/plain; charset=utf-8";

/// This server's own base URL, for `/outgoing`.
static SELF_BASE: OnceLock<String> = OnceLock::new();

async fn hello(name: web::Path<String>) -> String {
    format!("Hello, {name}!")
}

async fn create_user(id: web::Path<u64>, body: web::Json<Value>) -> HttpResponse {
    let mut body = body.into_inner();
    if let Value::Object(map) = &mut body {
        map.insert("id".into(), id.into_inner().into());
    }
    HttpResponse::Created().json(body)
}

/// Calls this server's `/hello/outgoing` with a recorded client: the outgoing record's
/// `parent_id` is this request's `msg_id`.
async fn outgoing(req: HttpRequest) -> HttpResponse {
    let base = SELF_BASE
        .get()
        .map_or("http://127.0.0.1:8080", String::as_str);
    match observe_request(&req)
        .get(format!("{base}/hello/outgoing"))
        .send()
        .await
    {
        Ok(res) => {
            let text = res.text().await.unwrap_or_default();
            HttpResponse::Ok()
                .content_type(TEXT)
                .body(format!("upstream said: {text}"))
        }
        Err(err) => HttpResponse::BadGateway()
            .content_type(TEXT)
            .body(err.to_string()),
    }
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

async fn error(observer: Observer) -> HttpResponse {
    let err = PaymentDeclined(std::io::Error::other("card issuer unreachable"));
    observer.report_error(&err);
    HttpResponse::InternalServerError()
        .content_type(TEXT)
        .body("something went wrong")
}

async fn sse() -> HttpResponse {
    let events = stream::unfold(0u32, |n| async move {
        if n == 5 {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let event = Bytes::from(format!("data: tick {n}\n\n"));
        Some((Ok::<_, std::convert::Infallible>(event), n + 1))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(events)
}

async fn panic_route() -> &'static str {
    panic!("the /panic route panics on purpose")
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/hello/{name}", web::get().to(hello))
        .route("/users/{id}", web::post().to(create_user))
        .route("/outgoing", web::get().to(outgoing))
        .route("/error", web::get().to(error))
        .route("/stream", web::get().to(sse))
        .route("/panic", web::get().to(panic_route));
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
    let r = client.get(format!("{base}/outgoing")).send().await?;
    eprintln!("GET /outgoing -> {} {:?}", r.status(), r.text().await?);
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
    let r = client.get(format!("{base}/no/such/route")).send().await?;
    eprintln!("GET /no/such/route -> {}", r.status());
    Ok(())
}

/// Binds the app built by `$factory` and returns the bound address and the server.
macro_rules! bind {
    ($factory:expr, $port:expr, $demo:expr) => {{
        let mut server = HttpServer::new($factory).bind(("127.0.0.1", $port))?;
        if $demo {
            server = server.workers(2).disable_signals();
        }
        (server.addrs()[0], server.run())
    }};
}

#[actix_web::main]
async fn main() -> Result<(), BoxError> {
    let _ = dotenvy::dotenv();
    let demo = std::env::args()
        .any(|a| a == "--demo")
        .then(DemoOutput::from_env);
    run(demo, &mut std::io::stdout()).await
}

/// Serves until SIGINT/SIGTERM; with `demo`, serves on a free port, calls each route
/// once, stops and writes the records to `out` (when `demo` prints them readable).
pub(crate) async fn run(demo: Option<DemoOutput>, out: &mut dyn Write) -> Result<(), BoxError> {
    let config = config(demo.as_ref())?;
    // Built once (this starts the shipper thread), cloned into each worker's app.
    let apitoolkit = (!config.disabled())
        .then(|| APIToolkit::new(config))
        .transpose()?;

    let port: u16 = match (demo.is_some(), std::env::var("PORT")) {
        (true, _) => 0,
        (false, Ok(p)) => p.parse()?,
        (false, Err(_)) => 8080,
    };
    let (addr, server) = match &apitoolkit {
        Some(apitoolkit) => {
            let apitoolkit = apitoolkit.clone();
            bind!(
                move || App::new().wrap(apitoolkit.clone()).configure(routes),
                port,
                demo.is_some()
            )
        }
        None => bind!(|| App::new().configure(routes), port, demo.is_some()),
    };
    let _ = SELF_BASE.set(format!("http://{addr}"));
    eprintln!(
        "quickstart listening on http://{addr} (APItoolkit {})",
        if apitoolkit.is_some() {
            "on"
        } else {
            "disabled"
        }
    );

    // Outside demo mode actix stops gracefully on SIGINT/SIGTERM and `server` resolves.
    let handle = server.handle();
    let server = actix_web::rt::spawn(server);
    if demo.is_some() {
        demo_requests(&format!("http://{addr}")).await?;
        handle.stop(true).await;
    }
    server.await??;

    if let Some(shipper) = apitoolkit.as_ref().and_then(APIToolkit::shipper) {
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
