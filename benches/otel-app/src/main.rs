//! The load test's comparison app (benches/load/run.sh, row `otel`): the quickstart's
//! load routes (`POST /users/{id}` echoing its JSON body with the id, `GET /hello/{name}`)
//! with the OpenTelemetry stack a Rust user would add instead of APItoolkit:
//! axum-tracing-opentelemetry's layer (a server span per request), tracing-opentelemetry,
//! and opentelemetry-otlp's batch exporter (HTTP/protobuf) to `OTEL_EXPORTER_OTLP_ENDPOINT`.
//! No bodies are recorded. Serves on 127.0.0.1:`PORT` until SIGINT, then flushes.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use opentelemetry::trace::TracerProvider;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

async fn hello(Path(name): Path<String>) -> String {
    format!("Hello, {name}!")
}

async fn create_user(Path(id): Path<u64>, Json(mut body): Json<Value>) -> (StatusCode, Json<Value>) {
    if let Value::Object(map) = &mut body {
        map.insert("id".into(), id.into());
    }
    (StatusCode::CREATED, Json(body))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:4318".to_owned());
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("otel-app")))
        .init();

    let app = Router::new()
        .route("/hello/{name}", get(hello))
        .route("/users/{id}", post(create_user))
        .layer(axum_tracing_opentelemetry::middleware::OtelAxumLayer::default());
    let port: u16 = std::env::var("PORT").map_or(Ok(8080), |p| p.parse())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    provider.shutdown()?;
    Ok(())
}
