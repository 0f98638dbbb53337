//! Feature `opentelemetry`: the app's own OpenTelemetry spans and the exchange's span are
//! one trace, with a real `tracing-opentelemetry` subscriber and the SDK's in-memory span
//! exporter. The app's spans started in the handler are children of ours; ours is the
//! child of the app's span current when the request arrives (the OTLP span's parent).
//! Requests go through `actix_web::test` on the test's own thread (where the subscriber
//! is the default).
#![cfg(feature = "opentelemetry")]

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use apitoolkit_actix::APIToolkit;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{Config, RequestMessage};
use apitoolkit_testkit::{fast_settings, otlp_to, wait_for, Collector, ReceivedSpan};
use opentelemetry::trace::{
    FutureExt, Span as _, SpanContext, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider, SpanData};
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

/// The app behind the middleware: `/work` starts a `tracing` span and a span of the
/// OpenTelemetry API.
async fn app(
    tracer: SdkTracer,
    apitoolkit: APIToolkit,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let handler = move || {
        let tracer = tracer.clone();
        async move {
            actix_web::rt::task::yield_now().await;
            tracing::info_span!("app.tracing").in_scope(|| {});
            let mut direct = tracer.start("app.direct");
            direct.end();
            "done"
        }
    };
    test::init_service(
        App::new()
            .wrap(apitoolkit)
            .route("/work", web::get().to(handler)),
    )
    .await
}

async fn call<S, B>(app: &S, req: TestRequest)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, "done");
}

fn captured() -> (APIToolkit, CapturedRecords) {
    let captured = CapturedRecords::new();
    let config = captured.config_builder().build().expect("config");
    (APIToolkit::new(config).expect("middleware"), captured)
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
#[actix_web::test]
async fn spans_the_handler_starts_are_children_of_ours() {
    let otel = AppOtel::install();
    let (apitoolkit, captured) = captured();
    let app = app(otel.tracer.clone(), apitoolkit).await;
    call(&app, TestRequest::get().uri("/work")).await;
    let record = one_record(&captured);
    assert_child_of(&otel.span("app.tracing"), &record);
    assert_child_of(&otel.span("app.direct"), &record);
    assert!(!Context::current().has_active_span());
}

/// A `traceparent` and no current span: our span joins the caller's trace, and the
/// handler's spans are our children in that trace.
#[actix_web::test]
async fn without_a_current_span_the_traceparent_is_honoured() {
    let otel = AppOtel::install();
    let (apitoolkit, captured) = captured();
    let app = app(otel.tracer.clone(), apitoolkit).await;
    let req = TestRequest::get()
        .uri("/work")
        .insert_header(("traceparent", format!("00-{TRACE}-{CALLER}-01")));
    call(&app, req).await;
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

fn otlp(collector: &Collector) -> APIToolkit {
    let config = otlp_to(collector.endpoint(), fast_settings())(Config::builder())
        .build()
        .expect("config");
    APIToolkit::new(config).expect("middleware")
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

/// The app's server span (OpenTelemetry API) is current around the middleware, and the
/// request also has a `traceparent` of another trace: our span is the server span's
/// child (the nearer parent wins), and the handler's spans are ours.
#[actix_web::test]
async fn our_span_is_the_child_of_the_current_otel_span() {
    let otel = AppOtel::install();
    let collector = Collector::start();
    let app = app(otel.tracer.clone(), otlp(&collector)).await;
    let server = otel.tracer.start("app.server");
    let server_sc = server.span_context().clone();
    let cx = Context::current_with_span(server);
    let req = TestRequest::get()
        .uri("/work")
        .insert_header(("traceparent", format!("00-{TRACE}-{CALLER}-01")));
    call(&app, req).with_context(cx.clone()).await;
    cx.span().end();
    let spans = collected(&collector, 1).await;
    assert_eq!(spans.len(), 1);
    assert_chain(&otel, &server_sc, &spans[0]);
    assert_eq!(otel.span("app.server").span_context, server_sc);
}

/// The app's server span is a `tracing` span (through `tracing-opentelemetry`) the
/// request is instrumented with: our span is its child, the handler's spans ours.
#[actix_web::test]
async fn our_span_is_the_child_of_the_current_tracing_span() {
    let otel = AppOtel::install();
    let collector = Collector::start();
    let app = app(otel.tracer.clone(), otlp(&collector)).await;
    let server = tracing::info_span!("app.server");
    call(&app, TestRequest::get().uri("/work"))
        .instrument(server)
        .await;
    let server_sc = otel.span("app.server").span_context;
    let spans = collected(&collector, 1).await;
    assert_eq!(spans.len(), 1);
    assert_chain(&otel, &server_sc, &spans[0]);
}
