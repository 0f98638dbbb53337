//! Capture overhead, in process: the same axum app driven with
//! `tower::ServiceExt::oneshot`, bare and with `APIToolkitLayer` (body capture on,
//! 3 body paths, a callback exporter that discards batches).
//!
//! Each group also has an `added (interleaved)` bench: blocks of requests alternate
//! between the bare app and the instrumented one, and the difference of the two totals
//! is reported, so drift of the machine between the `bare` and `with_*` runs cancels out.
//!
//! Run: `cargo bench -p apitoolkit-benches --bench capture_overhead`
//!
//! Latest numbers: see benches/README.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::{Config, ConfigBuilder, RouteSettings};
use axum::body::Body;
use axum::extract::Path;
use axum::routing::post;
use axum::{Json, Router};
use criterion::{criterion_group, criterion_main, Criterion};
use http::Request;
use serde_json::Value;
use tower::ServiceExt;

/// A ~1 KB JSON document.
fn body_1k() -> String {
    let items: Vec<Value> = (0..12)
        .map(|i| {
            serde_json::json!({"id": i, "name": format!("item-{i}"), "price": 9.99, "password": "hunter2"})
        })
        .collect();
    let doc =
        serde_json::json!({"user": {"email": "ann@example.com", "token": "abc"}, "items": items});
    serde_json::to_string(&doc).unwrap_or_default()
}

async fn echo(Path((_org, _id)): Path<(String, u64)>, Json(v): Json<Value>) -> Json<Value> {
    Json(v)
}

fn app() -> Router {
    Router::new().route("/orgs/{org}/users/{id}", post(echo))
}

fn layer() -> APIToolkitLayer {
    layer_with(|b| b)
}

/// The bench's layer, its configuration changed by `configure` (traffic policy cases).
fn layer_with(configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> APIToolkitLayer {
    let config = configure(Config::builder())
        .redact_request_body(["$.user.token", "$.items[*].password", "$..email"])
        .on_batch(|batch| {
            black_box(batch.len());
        })
        .build()
        .unwrap_or_else(|e| panic!("config: {e}"));
    APIToolkitLayer::new(config).unwrap_or_else(|e| panic!("layer: {e}"))
}

fn request(body: &str) -> Request<Body> {
    Request::post("/orgs/acme/users/42?verbose=true")
        .header("content-type", "application/json")
        .header("authorization", "Bearer abc")
        .header("user-agent", "bench")
        .header("accept", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap_or_else(|e| panic!("request: {e}"))
}

async fn serve_one(app: Router, body: &str) -> usize {
    let res = app
        .oneshot(request(body))
        .await
        .unwrap_or_else(|e| match e {});
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    bytes.len()
}

/// Requests served in a row by one app before switching to the other.
const BLOCK: u64 = 64;

/// Serves `iters` requests with each app, alternating in blocks of [`BLOCK`]; returns the
/// instrumented app's total minus the bare app's, at least 1 ns (criterion rejects a
/// zero sample, which a noisy sample of few iterations can otherwise give).
fn added_time(iters: u64, mut bare: impl FnMut(), mut with: impl FnMut()) -> Duration {
    let (mut bare_total, mut with_total) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < iters {
        let n = BLOCK.min(iters - done);
        let t = Instant::now();
        (0..n).for_each(|_| bare());
        bare_total += t.elapsed();
        let t = Instant::now();
        (0..n).for_each(|_| with());
        with_total += t.elapsed();
        done += n;
    }
    with_total
        .saturating_sub(bare_total)
        .max(Duration::from_nanos(1))
}

fn axum_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let body = body_1k();
    let bare = app();
    let layer = layer();
    let with = app().layer(layer.clone());

    let mut group = c.benchmark_group("axum_json_echo_1k");
    group.bench_function("bare", |b| {
        b.iter(|| rt.block_on(serve_one(bare.clone(), &body)));
    });
    group.bench_function("with_layer", |b| {
        b.iter(|| rt.block_on(serve_one(with.clone(), &body)));
    });
    group.bench_function("added (interleaved)", |b| {
        b.iter_custom(|iters| {
            added_time(
                iters,
                || {
                    black_box(rt.block_on(serve_one(bare.clone(), &body)));
                },
                || {
                    black_box(rt.block_on(serve_one(with.clone(), &body)));
                },
            )
        });
    });
    // Traffic policy: a request whose route is excluded (passed straight through), and a
    // success the sampling coin leaves out (captured, then dropped unrecorded).
    let excluded = app().layer(layer_with(|b| b.exclude(["POST /orgs/*/users/**"])));
    group.bench_function("with_layer, route excluded", |b| {
        b.iter(|| rt.block_on(serve_one(excluded.clone(), &body)));
    });
    let sampled = app().layer(layer_with(|b| b.sample_rate(0.0)));
    group.bench_function("with_layer, success sampled out", |b| {
        b.iter(|| rt.block_on(serve_one(sampled.clone(), &body)));
    });
    // Per-route settings: eight entries none of which matches (every one is tried), and
    // a matching entry that turns body capture off.
    let unmatched = app().layer(layer_with(|mut b| {
        for i in 0..8 {
            b = b.route(
                format!("/other{i}/{{id}}/**"),
                RouteSettings::new().max_body_bytes(64),
            );
        }
        b
    }));
    group.bench_function("with_layer, 8 route entries, none matching", |b| {
        b.iter(|| rt.block_on(serve_one(unmatched.clone(), &body)));
    });
    let no_bodies = app().layer(layer_with(|b| {
        b.route(
            "POST /orgs/*/users/**",
            RouteSettings::new().capture_bodies(false),
        )
    }));
    group.bench_function("with_layer, route without body capture", |b| {
        b.iter(|| rt.block_on(serve_one(no_bodies.clone(), &body)));
    });
    group.finish();
    if let Some(s) = layer.shipper() {
        let _ = s.shutdown(std::time::Duration::from_secs(5));
        eprintln!("shipper stats: {:?}", s.stats());
    }
}

fn actix_app_config(cfg: &mut actix_web::web::ServiceConfig) {
    async fn echo(
        _path: actix_web::web::Path<(String, u64)>,
        body: actix_web::web::Json<Value>,
    ) -> actix_web::web::Json<Value> {
        body
    }
    cfg.route("/orgs/{org}/users/{id}", actix_web::web::post().to(echo));
}

fn actix_request(body: &str) -> actix_http::Request {
    actix_web::test::TestRequest::post()
        .uri("/orgs/acme/users/42?verbose=true")
        .insert_header(("content-type", "application/json"))
        .insert_header(("authorization", "Bearer abc"))
        .insert_header(("user-agent", "bench"))
        .insert_header(("accept", "application/json"))
        .set_payload(body.to_owned())
        .to_request()
}

fn actix_overhead(c: &mut Criterion) {
    use actix_web::{test, App};
    let sys = actix_web::rt::System::new();
    let body = body_1k();
    let config = Config::builder()
        .redact_request_body(["$.user.token", "$.items[*].password", "$..email"])
        .on_batch(|batch| {
            black_box(batch.len());
        })
        .build()
        .unwrap_or_else(|e| panic!("config: {e}"));
    let apitoolkit =
        apitoolkit_actix::APIToolkit::new(config).unwrap_or_else(|e| panic!("middleware: {e}"));
    let bare = sys.block_on(test::init_service(App::new().configure(actix_app_config)));
    let with = sys.block_on(test::init_service(
        App::new()
            .wrap(apitoolkit.clone())
            .configure(actix_app_config),
    ));

    let mut group = c.benchmark_group("actix_json_echo_1k");
    group.bench_function("bare", |b| {
        b.iter(|| {
            sys.block_on(test::call_and_read_body(&bare, actix_request(&body)))
                .len()
        });
    });
    group.bench_function("with_middleware", |b| {
        b.iter(|| {
            sys.block_on(test::call_and_read_body(&with, actix_request(&body)))
                .len()
        });
    });
    group.bench_function("added (interleaved)", |b| {
        b.iter_custom(|iters| {
            added_time(
                iters,
                || {
                    black_box(sys.block_on(test::call_and_read_body(&bare, actix_request(&body))));
                },
                || {
                    black_box(sys.block_on(test::call_and_read_body(&with, actix_request(&body))));
                },
            )
        });
    });
    group.finish();
    if let Some(s) = apitoolkit.shipper() {
        let _ = s.shutdown(std::time::Duration::from_secs(5));
        eprintln!("shipper stats: {:?}", s.stats());
    }
}

criterion_group!(benches, axum_overhead, actix_overhead);
criterion_main!(benches);
