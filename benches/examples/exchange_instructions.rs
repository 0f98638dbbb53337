//! Instructions per recorded exchange (issue 17): the load test's POST exchange
//! (`benches/load/post_1k.lua` against the axum quickstart, fixture
//! `fixtures/post_1k.rs`) through each stage the SDK runs for it, N times. Run under
//! `valgrind --tool=callgrind` at two values of N and divide the difference by the
//! difference of the N (`benches/instructions.sh`); compare builds, not seconds.
//!
//! ```text
//! exchange_instructions request N          # request path + a real shipper behind it
//! exchange_instructions shipper jsonl N    # the worker's encoding of a batch, per record
//! exchange_instructions shipper otlp-http N
//! exchange_instructions shipper otlp-grpc N
//! exchange_instructions shipper otlp-grpc-none N
//! ```
//!
//! - `request`: what `apitoolkit-axum`'s layer runs per request, without a server: the
//!   exclusion check, `RequestContext::start`, the detached copy of the target, the
//!   `Exchange`, the request headers' copy, the request body read through core's
//!   `TeeBody` into the context (under the panic guard and the request scope, as the
//!   inner future is polled), the response head, the response body through a `TeeBody`
//!   into the `InFlight`, whose end finishes the record and enqueues it into a started
//!   `Shipper`'s queue. The shipper's worker exports JSON Lines to `/dev/null`; the
//!   main thread waits for it every 256 requests (`flush`), so the queue never fills and
//!   each enqueue frees records the worker handed back, as in a server's steady state.
//!   With `SPLIT=1`, `instructions.sh` counts each thread on its own: thread 1 is the
//!   request path, thread 2 the shipper's worker (queue, batches, record build and
//!   JSON Lines write).
//! - `shipper ENCODER`: what the worker runs per record of a batch of 512 before
//!   sending it (`tools::encode::BatchEncoder`, the exporter's own `prepare`): record
//!   build and redaction of both bodies, and the encoding: JSON Lines; OTLP spans framed
//!   into one request per batch and gzip-compressed (`otlp-http`); the same request
//!   gzip-compressed as one framed gRPC message (`otlp-grpc`; both at level 1, once per
//!   batch); the gRPC message uncompressed (`otlp-grpc-none`,
//!   `OTEL_EXPORTER_OTLP_COMPRESSION=none`). Nothing is sent. Use N multiple of 512 (1024 and 11264).
//!   The records of a batch differ in their ids and start times, as a server's do.

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use apitoolkit_core::integration::TeeBody;
use apitoolkit_core::integration::{grpc_route, GuardedFuture, InFlight, RequestContext};
use apitoolkit_core::tools::encode::BatchEncoder;
use apitoolkit_core::{
    CapturedHeaders, Config, Exchange, Export, OtlpCompression, OtlpProtocol, OtlpSettings,
    SdkType, Shipper, TraceContext,
};
use bytes::Bytes;
use http::header::{HeaderName, USER_AGENT};
use http::{HeaderMap, Method, Uri, Version};
use http_body_util::{BodyExt, Full};

#[path = "../fixtures/post_1k.rs"]
mod fixture;
use fixture::{BODY_PATHS, ROUTE, TARGET};

/// The layer's names of the trace context headers (constants: a `&str` lookup parses).
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Records per batch in `shipper` mode (the default `batch_max_records`).
const BATCH: usize = 512;

/// Requests between two flushes in `request` mode.
const FLUSH_EVERY: usize = 256;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| -> usize { args.get(i).and_then(|a| a.parse().ok()).unwrap_or(10_000) };
    let total = match args.first().map(String::as_str) {
        Some("request") => request(n(1)),
        Some("shipper") => shipper(args.get(1).map_or("jsonl", String::as_str), n(2)),
        _ => {
            eprintln!(
                "usage: exchange_instructions request N | shipper jsonl|otlp-http|otlp-grpc|otlp-grpc-none N"
            );
            std::process::exit(2);
        }
    };
    // What the run produced: bytes echoed (`request`) or sent (`shipper`), per record.
    eprintln!("{} bytes per record", total / n(args.len() - 1).max(1));
}

/// The quickstart's configuration for the bench: its body paths on both bodies, the
/// environment ignored.
fn config(export: Export) -> Config {
    Config::builder()
        .api_key("bench-key")
        .redact_request_body(BODY_PATHS)
        .redact_response_body(BODY_PATHS)
        .export(export)
        .build_with_env(|_| None)
        .expect("config")
}

/// Inputs of one request, made once.
struct Request {
    target: Uri,
    headers: HeaderMap,
    body: Bytes,
    response_headers: HeaderMap,
    response_body: Bytes,
}

/// `n` requests through the layer's steps into a started shipper; returns the bytes
/// echoed.
fn request(n: usize) -> usize {
    let shipper = Shipper::start(config(Export::File(PathBuf::from("/dev/null")))).expect("start");
    let req = Request {
        target: Uri::from_static(TARGET),
        headers: fixture::request_headers(),
        body: fixture::request_body(),
        response_headers: fixture::response_headers(),
        response_body: fixture::response_body(),
    };
    let mut cx = Context::from_waker(Waker::noop());
    let mut total = 0;
    for i in 0..n {
        total += one_request(&shipper, &req, &mut cx);
        if (i + 1) % FLUSH_EVERY == 0 {
            shipper.flush(Duration::from_secs(60)).expect("flush");
        }
    }
    shipper.shutdown(Duration::from_secs(60)).expect("shutdown");
    total
}

/// One request, step by step as `apitoolkit-axum`'s `APIToolkitService::call`,
/// `ResponseFuture::poll` and the response body do it.
fn one_request(shipper: &Shipper, req: &Request, cx: &mut Context<'_>) -> usize {
    let method = Method::POST;
    let path = req.target.path();
    let ua = req.headers.get(USER_AGENT).map(|v| v.as_bytes());
    if shipper.config().excludes(method.as_str(), path, ua) {
        return 0;
    }
    let values = |name| req.headers.get_all(name).iter().map(|v| v.as_bytes());
    let (ctx, otel) = RequestContext::start(
        shipper.clone(),
        method.as_str(),
        path,
        values(&TRACEPARENT),
        values(&TRACESTATE),
    );
    // The layer's `detached` copy of the target.
    let uri = match req.target.path_and_query() {
        Some(target) => Uri::try_from(target.as_str()).unwrap_or_else(|_| req.target.clone()),
        None => req.target.clone(),
    };
    let mut exchange = Exchange::with_id(
        ctx.msg_id(),
        SdkType::RustAxum,
        method,
        uri,
        Version::HTTP_11,
    );
    exchange.route = match grpc_route(&req.headers, exchange.uri.path()) {
        Some(m) => Some(m.to_owned()),
        None => Some(ROUTE.to_owned()),
    };
    exchange.request_headers = CapturedHeaders::from(&req.headers);
    // The clone the layer puts in the request's extensions.
    let extension = ctx.clone();
    let mut body = TeeBody::new(Full::new(req.body.clone()), ctx.clone());
    let inflight = InFlight::new(ctx, exchange);

    // The inner future: the handler reads the whole request body (`Json` extractor).
    let handler = async {
        let mut read = 0;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                read += data.len();
            }
        }
        read
    };
    let mut future = pin!(GuardedFuture::new(handler, Some(inflight)));
    let (read, inflight) = loop {
        if let Poll::Ready(out) = otel.run(|| future.as_mut().poll(cx)) {
            break out;
        }
    };
    drop(extension);
    let Some(mut inflight) = inflight else {
        return 0;
    };
    inflight.set_response(201, CapturedHeaders::from(&req.response_headers));

    // The response body as the server writes it; its end enqueues the record.
    let mut response = TeeBody::new(Full::new(req.response_body.clone()), inflight);
    let mut written = 0;
    loop {
        match pin!(response.frame()).poll(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    written += data.len();
                }
            }
            Poll::Ready(_) => break,
            Poll::Pending => {}
        }
    }
    read + written
}

/// `n` records of the exchange through the exporter's batch encoding; returns the
/// bytes that would be sent.
fn shipper(encoder: &str, n: usize) -> usize {
    let export = match encoder {
        "jsonl" => Export::File(PathBuf::from("/dev/null")),
        "otlp-http" => Export::Otlp(OtlpSettings::new(
            "http://127.0.0.1:4318",
            OtlpProtocol::HttpProtobuf,
        )),
        "otlp-grpc" => Export::Otlp(OtlpSettings::new(
            "http://127.0.0.1:4317",
            OtlpProtocol::Grpc,
        )),
        "otlp-grpc-none" => {
            let mut s = OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc);
            s.compression = OtlpCompression::None;
            Export::Otlp(s)
        }
        other => {
            eprintln!("unknown encoder {other}: jsonl, otlp-http, otlp-grpc or otlp-grpc-none");
            std::process::exit(2);
        }
    };
    let mut encoder = BatchEncoder::new(config(export)).expect("encoder");
    // Records of one batch differ as a server's do (ids, trace ids, start times), which
    // matters to gzip; their bodies are the load test's, the same in every request.
    let exchange = fixture::exchange();
    let batch: Vec<Box<Exchange>> = (0..BATCH)
        .map(|i| {
            let mut ex = exchange.clone();
            // Fixed from run to run, so that gzip does the same work in every run.
            ex.msg_id = uuid::Uuid::from_u128(mix(i as u64));
            ex.trace = Some(TraceContext::root(ex.msg_id));
            ex.started_at = UNIX_EPOCH
                + Duration::from_secs(1_780_000_000)
                + Duration::from_micros(37 * i as u64);
            Box::new(ex)
        })
        .collect();
    let mut total = 0;
    let mut done = 0;
    while done < n {
        let len = (n - done).min(BATCH);
        encoder.encode(&batch[..len], |bytes| total += bytes.len());
        done += len;
    }
    total
}

/// 128 well-mixed bits from `i` (splitmix64, twice).
fn mix(i: u64) -> u128 {
    let step = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (u128::from(step(2 * i)) << 64) | u128::from(step(2 * i + 1))
}
