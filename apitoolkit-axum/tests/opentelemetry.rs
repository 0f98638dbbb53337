//! Feature `opentelemetry`: the app's own OpenTelemetry spans and the exchange's span are
//! one trace, with a real `tracing-opentelemetry` subscriber and the SDK's in-memory span
//! exporter. The app's spans started in the handler are children of ours; ours is the
//! child of the app's span current when the request arrives (the OTLP span's parent).
#![cfg(feature = "opentelemetry")]

use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{Config, RequestMessage};
use apitoolkit_testkit::{fast_settings, otlp_to, wait_for, Collector, ReceivedSpan};
use axum::body::Body;
use axum::routing::get;
use axum::Router;
use http::Request;
use http_body_util::BodyExt;
use opentelemetry::trace::{
    FutureExt, Span as _, SpanContext, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider, SpanData};
use tower::ServiceExt;
use tracing::subscriber::DefaultGuard;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

const WAIT: Duration = Duration::from_secs(15);
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "00f067aa0ba902b7";

/// The app's OpenTelemetry: an SDK tracer exporting to memory, and a
/// `tracing-opentelemetry` subscriber (default context activation) on this thread.
struct AppOtel {
    exporter: InMemorySpanExporter,
    tracer: SdkTracer,
    _provider: SdkTracerProvider,
    _subscriber: DefaultGuard,
}

impl AppOtel {
    fn install() -> AppOtel {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("app");
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(tracer.clone()));
        AppOtel {
            exporter,
            tracer,
            _provider: provider,
            _subscriber: tracing::subscriber::set_default(subscriber),
        }
    }

    /// The finished span named `name`.
    fn span(&self, name: &str) -> SpanData {
        let spans = self.exporter.get_finished_spans().expect("spans");
        spans
            .iter()
            .find(|s| s.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no span {name}: {spans:#?}"))
    }
}

/// The app: `/work` starts a `tracing` span and a span of the OpenTelemetry API.
fn app(tracer: SdkTracer, layer: APIToolkitLayer) -> Router {
    let handler = move || {
        let tracer = tracer.clone();
        async move {
            tokio::task::yield_now().await;
            tracing::info_span!("app.tracing").in_scope(|| {});
            let mut direct = tracer.start("app.direct");
            direct.end();
            "done"
        }
    };
    Router::new().route("/work", get(handler)).layer(layer)
}

async fn call(app: Router, req: Request<Body>) {
    let res = app.oneshot(req).await.expect("response");
    assert_eq!(res.status(), 200);
    res.into_body().collect().await.expect("body");
}

fn get_work() -> Request<Body> {
    Request::get("/work").body(Body::empty()).expect("request")
}

fn captured_layer() -> (APIToolkitLayer, CapturedRecords) {
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().expect("config");
    (APIToolkitLayer::new(config).expect("layer"), captured)
}

fn one_record(captured: &CapturedRecords) -> RequestMessage {
    let records = captured.wait_for(1, WAIT);
    assert_eq!(records.len(), 1, "{records:#?}");
    records.into_iter().next().expect("record")
}

fn assert_child_of(span: &SpanData, record: &RequestMessage) {
    assert_eq!(
        span.span_context.trace_id().to_string(),
        record.trace_id,
        "{} in our trace",
        span.name
    );
    assert_eq!(
        span.parent_span_id.to_string(),
        record.span_id,
        "{} is our child",
        span.name
    );
    assert!(
        !span.parent_span_is_remote,
        "our span is in the app's process"
    );
}

/// No OpenTelemetry span current and no `traceparent`: our span starts the trace, and
/// the spans the handler starts (`tracing` and OpenTelemetry API) are its children.
#[tokio::test]
async fn spans_the_handler_starts_are_children_of_ours() {
    let otel = AppOtel::install();
    let (layer, captured) = captured_layer();
    call(app(otel.tracer.clone(), layer), get_work()).await;
    let record = one_record(&captured);
    assert_child_of(&otel.span("app.tracing"), &record);
    assert_child_of(&otel.span("app.direct"), &record);
    // Outside the request, nothing of ours is current.
    assert!(!Context::current().has_active_span());
}

/// A `traceparent` and no current span: our span joins the caller's trace, and the
/// handler's spans are our children in that trace.
#[tokio::test]
async fn without_a_current_span_the_traceparent_is_honoured() {
    let otel = AppOtel::install();
    let (layer, captured) = captured_layer();
    let req = Request::get("/work")
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .body(Body::empty())
        .expect("request");
    call(app(otel.tracer.clone(), layer), req).await;
    let record = one_record(&captured);
    assert_eq!(record.trace_id, TRACE);
    assert_child_of(&otel.span("app.tracing"), &record);
    assert_child_of(&otel.span("app.direct"), &record);
}

/// The spans our collector received, waiting for `n`.
async fn collected(collector: &Collector, n: usize) -> Vec<ReceivedSpan> {
    assert!(
        wait_for(WAIT, || collector.accepted_span_count() >= n).await,
        "expected {n} spans"
    );
    collector.accepted_spans()
}

fn otlp_layer(collector: &Collector) -> APIToolkitLayer {
    let config = otlp_to(collector.endpoint(), fast_settings())(Config::builder())
        .build()
        .expect("config");
    APIToolkitLayer::new(config).expect("layer")
}

/// Checks the chain server -> ours -> the handler's spans: our OTLP span is in the
/// server span's trace with it as (local) parent, and the handler's spans are ours.
fn assert_chain(otel: &AppOtel, server: &SpanContext, ours: &ReceivedSpan) {
    assert_eq!(ours.trace_id, server.trace_id().to_bytes());
    assert_eq!(ours.parent_span_id, server.span_id().to_bytes());
    assert_eq!(ours.flags, 0x101, "sampled, parent known to be local");
    for name in ["app.tracing", "app.direct"] {
        let span = otel.span(name);
        assert_eq!(span.span_context.trace_id(), server.trace_id());
        assert_eq!(
            span.parent_span_id.to_bytes()[..],
            ours.span_id[..],
            "{name}"
        );
    }
}

/// The app's server span (OpenTelemetry API) is current around our layer, and the
/// request also has a `traceparent` of another trace: our span is the server span's
/// child (the nearer parent wins), and the handler's spans are ours.
#[tokio::test]
async fn our_span_is_the_child_of_the_current_otel_span() {
    let otel = AppOtel::install();
    let collector = Collector::start();
    let app = app(otel.tracer.clone(), otlp_layer(&collector));
    let server = otel.tracer.start("app.server");
    let server_sc = server.span_context().clone();
    let cx = Context::current_with_span(server);
    let req = Request::get("/work")
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .body(Body::empty())
        .expect("request");
    call(app, req).with_context(cx.clone()).await;
    cx.span().end();
    let spans = collected(&collector, 1).await;
    assert_eq!(spans.len(), 1);
    assert_chain(&otel, &server_sc, &spans[0]);
    assert_eq!(otel.span("app.server").span_context, server_sc);
}

/// The app's server span is a `tracing` span (through `tracing-opentelemetry`) the
/// request is instrumented with: our span is its child, the handler's spans ours.
#[tokio::test]
async fn our_span_is_the_child_of_the_current_tracing_span() {
    let otel = AppOtel::install();
    let collector = Collector::start();
    let app = app(otel.tracer.clone(), otlp_layer(&collector));
    let server = tracing::info_span!("app.server");
    call(app, get_work()).instrument(server).await;
    let server_sc = otel.span("app.server").span_context;
    let spans = collected(&collector, 1).await;
    assert_eq!(spans.len(), 1);
    assert_chain(&otel, &server_sc, &spans[0]);
}
