//! The APItoolkit layer on a tonic gRPC server.
//!
//! ```text
//! cargo run -p apitoolkit-axum --example tonic            # serve gRPC on 127.0.0.1:${PORT:-50051}
//! cargo run -p apitoolkit-axum --example tonic -- --demo  # serve, call itself, print the records, exit
//! ```
//!
//! The service is `grpc.health.v1.Health` (written by hand in `grpc/health.rs`: no protoc).
//! `--demo` makes four calls with a tonic client: `Check("shop")` (OK),
//! `Check("nope")` (NOT_FOUND, a trailers-only answer), `Watch("shop")` (three streamed
//! updates, OK) and `Watch("legacy")` (one update, then UNAVAILABLE in the trailers).
//! Each is one record: `url_path` is the full method (`/grpc.health.v1.Health/Check`),
//! `attributes` holds `rpc.grpc.status_code`, a non-OK status is an error entry (and an
//! Error span over OTLP), and the bodies are the gRPC frames as sent (base64).
//!
//! Configured from the environment (`APITOOLKIT_*`); without `APITOOLKIT_KEY` the records
//! are printed to stdout as JSON Lines.

use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::Config;

#[path = "grpc/health.rs"]
mod health;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn demo_calls(endpoint: String) -> Result<(), BoxError> {
    let mut client = health::HealthClient::connect(endpoint).await?;
    eprintln!("Check(shop)    -> {:?}", client.check("shop").await);
    eprintln!("Check(nope)    -> {:?}", client.check("nope").await);
    eprintln!("Watch(shop)    -> {:?}", client.watch("shop").await);
    eprintln!("Watch(legacy)  -> {:?}", client.watch("legacy").await);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let demo = std::env::args().any(|a| a == "--demo");
    let layer = APIToolkitLayer::new(Config::builder().build()?)?;

    let port = match (demo, std::env::var("PORT")) {
        (true, _) => 0,
        (false, Ok(p)) => p.parse()?,
        (false, Err(_)) => 50051,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    eprintln!("tonic example: gRPC on http://{addr}");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            // Our layer around every gRPC service of the server.
            .layer(layer.clone())
            .add_service(health::HealthServer)
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = stop_rx => {} }
                },
            ),
    );

    if demo {
        demo_calls(format!("http://{addr}")).await?;
        let _ = stop_tx.send(());
    }
    server.await??;

    if let Some(shipper) = layer.shipper() {
        let delivered = shipper.shutdown(Duration::from_secs(10)).is_ok();
        eprintln!("shutdown: all records handled = {delivered}");
    }
    Ok(())
}
