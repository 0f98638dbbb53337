//! The shipper: the request-path cost of `Shipper::enqueue`, and the sustained throughput
//! of the worker through the JSON Lines file exporter (redaction with three body paths,
//! base64, serialisation, write) and through OTLP (HTTP/protobuf and gRPC) to a loopback
//! collector (spans, protobuf, gzip, transport).
//!
//! Run: `cargo bench -p apitoolkit-benches --bench shipper -- --warm-up-time 1 --measurement-time 3`
//!
//! Latest numbers, and how they were measured: benches/README.md.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apitoolkit_core::{Config, Export, Shipper, ShipperSettings};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

#[path = "../fixtures/exchange.rs"]
mod fixture;
use fixture::{exchange, BODY_PATHS};

fn enqueue(c: &mut Criterion) {
    // Default queue (8192 records), batches of up to 4096. Once 2048 records are pending
    // the queue is flushed (untimed, in the setup), so the queue neither overflows (which
    // would measure the cheap drop path) nor grows without bound (page faults), and the
    // worker (whose per-record work is `build_message`, measured below) does not compete
    // for the two cores during the timed runs: this is the cost paid on the request path.
    // Timed runs of 64 enqueues keep the prepared exchanges in cache, as a just-built
    // exchange is in a server.
    let mut s = ShipperSettings::default();
    s.batch_max_records = 4096;
    let config = Config::builder()
        .shipper(s)
        .on_batch(|batch| {
            black_box(batch.len());
        })
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    let ex = exchange();
    let settle = || {
        let st = shipper.stats();
        if st.enqueued - st.exported >= 2048 {
            let _ = shipper.flush(Duration::from_secs(60));
        }
    };
    // What the adapters call: their in-flight record is already boxed.
    c.bench_function("enqueue_boxed", |b| {
        b.iter_batched(
            || {
                settle();
                Box::new(ex.clone())
            },
            |ex| shipper.enqueue_boxed(ex),
            BatchSize::NumIterations(64),
        )
    });
    // By value (e.g. a hand-built exchange): includes moving it to the heap.
    c.bench_function("enqueue", |b| {
        b.iter_batched(
            || {
                settle();
                ex.clone()
            },
            |ex| shipper.enqueue(ex),
            BatchSize::NumIterations(64),
        )
    });
    let _ = shipper.shutdown(Duration::from_secs(60));
    let st = shipper.stats();
    assert_eq!(st.dropped_queue_full, 0, "{st:?}");

    c.bench_function("exchange_clone (setup cost, for reference)", |b| {
        b.iter(|| black_box(ex.clone()))
    });
    c.bench_function("approx_size (part of enqueue, for reference)", |b| {
        b.iter(|| black_box(&ex).approx_size())
    });
    let config = Config::builder()
        .redact_request_body(BODY_PATHS)
        .build_with_env(|_| None)
        .expect("config");
    c.bench_function("build_message (worker side, for reference)", |b| {
        b.iter(|| apitoolkit_core::record::build_message(black_box(&ex), &config))
    });
}

fn temp_file() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "apitoolkit-bench-{}-{nanos}.jsonl",
        std::process::id()
    ))
}

/// Records per timed run of the end-to-end benches.
const N: usize = 10_000;

/// Sustained throughput of a shipper exporting to `export`: each timed run enqueues `N`
/// records and flushes. `before_run` runs untimed before each.
fn end_to_end(c: &mut Criterion, group: &str, export: Export, before_run: impl Fn()) {
    let mut s = ShipperSettings::default();
    s.queue_max_items = N * 2;
    s.queue_max_bytes = usize::MAX / 2;
    let config = Config::builder()
        .api_key("bench-key")
        .shipper(s)
        .redact_request_body(BODY_PATHS)
        .export(export)
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    let ex = exchange();
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.bench_function("10k records, 1 KB bodies, 3 body paths", |b| {
        b.iter_batched(
            || {
                before_run();
                vec![ex.clone(); N]
            },
            |batch| {
                for ex in batch {
                    shipper.enqueue(ex);
                }
                assert!(shipper.flush(Duration::from_secs(120)).is_ok());
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    let _ = shipper.shutdown(Duration::from_secs(60));
    let st = shipper.stats();
    assert_eq!(st.exported, st.enqueued, "{st:?}");
}

fn end_to_end_jsonl_file(c: &mut Criterion) {
    let path = temp_file();
    end_to_end(
        c,
        "end_to_end_jsonl_file",
        Export::File(path.clone()),
        || {
            // Start each run with an empty file: the runs would otherwise grow it to
            // gigabytes and measure the page cache taking fresh memory.
            if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path) {
                let _ = f.set_len(0);
            }
        },
    );
    let _ = std::fs::remove_file(&path);
}

/// Runs `serve` on a listener on 127.0.0.1:0, on its own thread and runtime, for the
/// rest of the process; returns the listener's address.
fn spawn_sink<F, Fut>(serve: F) -> std::net::SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("sink runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            serve(listener).await;
        });
    });
    addr
}

/// An OTLP/HTTP sink that reads each request body and answers 200 without decoding it:
/// the bench measures the SDK's side.
fn otlp_http_sink() -> std::net::SocketAddr {
    use http_body_util::BodyExt as _;
    spawn_sink(|listener| async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |req: http::Request<hyper::body::Incoming>| async move {
                        let _ = req.into_body().collect().await;
                        Ok::<_, std::convert::Infallible>(http::Response::new(
                            http_body_util::Empty::<Bytes>::new(),
                        ))
                    },
                );
                let io = hyper_util::rt::TokioIo::new(tcp);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    })
}

/// An OTLP/gRPC sink: tonic's generated server, which decodes each request (that
/// decoding shares the two cores too).
fn otlp_grpc_sink() -> std::net::SocketAddr {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
        TraceService, TraceServiceServer,
    };
    use opentelemetry_proto::tonic::collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
    };
    struct Sink;
    #[tonic::async_trait]
    impl TraceService for Sink {
        async fn export(
            &self,
            _request: tonic::Request<ExportTraceServiceRequest>,
        ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
            Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
        }
    }
    spawn_sink(|listener| async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let service = TraceServiceServer::new(Sink)
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        let _ = tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming)
            .await;
    })
}

/// OTLP to a loopback sink: records to spans, protobuf, gzip, then the transport.
fn end_to_end_otlp(
    c: &mut Criterion,
    group: &str,
    sink: std::net::SocketAddr,
    protocol: apitoolkit_core::OtlpProtocol,
) {
    let settings = apitoolkit_core::OtlpSettings::new(format!("http://{sink}"), protocol);
    end_to_end(c, group, Export::Otlp(settings), || {});
}

/// OTLP/HTTP, POST of the gzip-compressed request.
fn end_to_end_otlp_http(c: &mut Criterion) {
    let sink = otlp_http_sink();
    end_to_end_otlp(
        c,
        "end_to_end_otlp_http",
        sink,
        apitoolkit_core::OtlpProtocol::HttpProtobuf,
    );
}

/// OTLP/gRPC, the default transport (tonic compresses).
fn end_to_end_otlp_grpc(c: &mut Criterion) {
    let sink = otlp_grpc_sink();
    end_to_end_otlp(
        c,
        "end_to_end_otlp_grpc",
        sink,
        apitoolkit_core::OtlpProtocol::Grpc,
    );
}

criterion_group!(
    benches,
    enqueue,
    end_to_end_jsonl_file,
    end_to_end_otlp_http,
    end_to_end_otlp_grpc
);
criterion_main!(benches);
