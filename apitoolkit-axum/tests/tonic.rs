//! The layer on a tonic gRPC server (`tonic::transport::Server::builder().layer(..)`),
//! called by a tonic client over HTTP/2 on 127.0.0.1:0, with the hand-written
//! `grpc.health.v1.Health` service of `examples/grpc/health.rs`: a record per call, whose
//! route is the full method, whose gRPC status comes from the trailers (or the head of a
//! trailers-only answer), a non-OK status an error entry and an Error span, and whose
//! bodies are the gRPC frames as sent.

use std::net::SocketAddr;
use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::testing::{body_bytes, CapturedRecords};
use apitoolkit_core::RequestMessage;
use apitoolkit_testkit::{fast_settings, otlp_to, Collector};
use tokio::sync::oneshot;

#[path = "../examples/grpc/health.rs"]
mod health;

use health::{HealthCheckResponse, HealthClient, CHECK, NOT_SERVING, SERVING, WATCH};

/// A tonic server with `layer` around the health service; stops when the sender drops.
async fn serve(layer: APIToolkitLayer) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(layer)
            .add_service(health::HealthServer)
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    (addr, stop)
}

async fn client(addr: SocketAddr) -> HealthClient<tonic::transport::Channel> {
    HealthClient::connect(format!("http://{addr}"))
        .await
        .expect("connect")
}

fn captured() -> (CapturedRecords, APIToolkitLayer) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .build_with_env(|_| None)
        .expect("config");
    (captured, APIToolkitLayer::new(config).expect("layer"))
}

fn one(captured: &CapturedRecords) -> RequestMessage {
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1, "{records:#?}");
    records[0].clone()
}

/// A gRPC length-prefixed message: flag 0 (not compressed), big-endian length, bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    out.extend_from_slice(message);
    out
}

fn request(service: &str) -> Vec<u8> {
    // HealthCheckRequest { service }: field 1, length-delimited.
    let mut m = vec![0x0a, u8::try_from(service.len()).unwrap()];
    m.extend_from_slice(service.as_bytes());
    frame(&m)
}

fn response(status: i32) -> Vec<u8> {
    // HealthCheckResponse { status }: field 1, varint.
    frame(&[0x08, u8::try_from(status).unwrap()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unary_call_records_the_method_the_ok_status_and_the_framed_bodies() {
    let (captured, layer) = captured();
    let (addr, _stop) = serve(layer).await;
    let answer = client(addr).await.check("shop").await.expect("OK");
    assert_eq!(answer, HealthCheckResponse { status: SERVING });

    let r = one(&captured);
    assert_eq!(r.method, "POST");
    assert_eq!(r.url_path, CHECK);
    assert_eq!(r.raw_url, CHECK);
    assert_eq!((r.proto_major, r.proto_minor), (2, 0));
    assert_eq!(r.status_code, 200);
    assert_eq!(r.attributes["rpc.grpc.status_code"], "0");
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert_eq!(r.request_headers["content-type"], ["application/grpc"]);
    assert_eq!(r.response_headers["content-type"], ["application/grpc"]);
    assert_eq!(body_bytes(&r.request_body), request("shop"));
    assert_eq!(body_bytes(&r.response_body), response(SERVING));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trailers_only_error_is_an_error_entry_with_the_grpc_status() {
    let (captured, layer) = captured();
    let (addr, _stop) = serve(layer).await;
    let status = client(addr)
        .await
        .check("nope")
        .await
        .expect_err("unknown service");
    assert_eq!(status.code(), tonic::Code::NotFound);

    let r = one(&captured);
    assert_eq!(r.url_path, CHECK);
    assert_eq!(r.status_code, 200, "gRPC answers errors with HTTP 200");
    assert_eq!(r.response_headers["grpc-status"], ["5"]);
    assert_eq!(r.attributes["rpc.grpc.status_code"], "5");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    assert_eq!(r.errors[0].error_type, "GrpcStatus");
    assert_eq!(r.errors[0].message, "NOT_FOUND (5): unknown service nope");
    assert_eq!(body_bytes(&r.request_body), request("nope"));
    assert_eq!(r.response_body, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stream_records_every_frame_and_the_status_of_its_trailers() {
    let (captured, layer) = captured();
    let (addr, _stop) = serve(layer).await;
    let (updates, end) = client(addr).await.watch("shop").await.expect("stream");
    assert_eq!(updates.len(), 3);
    assert!(end.is_ok(), "{end:?}");

    let r = one(&captured);
    assert_eq!(r.url_path, WATCH);
    assert_eq!(r.attributes["rpc.grpc.status_code"], "0");
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    assert!(
        !r.response_headers.contains_key("grpc-status"),
        "the status came in the trailers"
    );
    let expected: Vec<u8> = [SERVING, NOT_SERVING, SERVING]
        .into_iter()
        .flat_map(response)
        .collect();
    assert_eq!(body_bytes(&r.response_body), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ending_with_an_error_status_in_its_trailers_is_a_failed_record() {
    let (captured, layer) = captured();
    let (addr, _stop) = serve(layer).await;
    let (updates, end) = client(addr).await.watch("legacy").await.expect("stream");
    assert_eq!(
        updates,
        [HealthCheckResponse {
            status: NOT_SERVING
        }]
    );
    assert_eq!(
        end.expect_err("UNAVAILABLE").code(),
        tonic::Code::Unavailable
    );

    let r = one(&captured);
    assert_eq!(r.url_path, WATCH);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.attributes["rpc.grpc.status_code"], "14");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    assert_eq!(
        r.errors[0].message,
        "UNAVAILABLE (14): legacy is shutting down"
    );
    assert_eq!(body_bytes(&r.response_body), response(NOT_SERVING));
}

/// Over OTLP: the span carries `rpc.grpc.status_code` as an int and its status is Error
/// for a non-OK call, unset for an OK one (HTTP 200 both times).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_span_of_a_failed_call_has_the_error_status() {
    let collector = Collector::start();
    let config = otlp_to(collector.endpoint(), fast_settings())(apitoolkit_core::Config::builder())
        .build_with_env(|_| None)
        .expect("config");
    let layer = APIToolkitLayer::new(config).expect("layer");
    let shipper = layer.shipper().expect("enabled").clone();
    let (addr, _stop) = serve(layer).await;
    let mut client = client(addr).await;
    client.check("shop").await.expect("OK");
    let (_, end) = client.watch("legacy").await.expect("stream");
    assert!(end.is_err(), "UNAVAILABLE");
    let flushed = tokio::task::spawn_blocking(move || shipper.flush(Duration::from_secs(10)))
        .await
        .expect("flush");
    assert!(flushed.is_ok());

    let spans = collector.accepted_spans();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let span = |route: &str| {
        spans
            .iter()
            .find(|s| s.attr("http.route") == route)
            .unwrap_or_else(|| panic!("no span for {route}: {spans:#?}"))
    };
    let (ok, failed) = (span(CHECK), span(WATCH));
    assert_eq!(ok.attr("rpc.grpc.status_code"), "0");
    assert_eq!(ok.attr("http.response.status_code"), "200");
    assert_eq!(ok.status_code, 0, "unset");
    assert_eq!(failed.attr("rpc.grpc.status_code"), "14");
    assert_eq!(failed.attr("http.response.status_code"), "200");
    assert_eq!(failed.status_code, 2, "error");
    assert_eq!(
        failed.status_message,
        "UNAVAILABLE (14): legacy is shutting down"
    );
}
