//! Shared helpers of the shipper/exporter tests: hand-built exchanges and in-test OTLP
//! receivers (gRPC and HTTP) on 127.0.0.1, each on its own thread and runtime so tests
//! need no runtime of their own.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::convert::Infallible;
use std::io::Read;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use apitoolkit_core::payload::{ErrorEntry, SdkType};
use apitoolkit_core::{CapturedBody, Exchange};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::{BodyExt, Full};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use tokio::sync::oneshot;

/// An incoming request with secrets in a header, a body field and reported errors.
pub fn incoming() -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustAxum,
        Method::POST,
        Uri::from_static("/users/42?verbose=true&tag=a&tag=b"),
        Version::HTTP_11,
    );
    ex.route = Some("/users/{id}".into());
    ex.path_params = vec![("id".into(), "42".into())];
    ex.status = 500;
    ex.duration = Duration::from_micros(1530);
    let h = &mut ex.request_headers;
    h.append("host", "api.example.com".as_bytes());
    h.append("content-type", "application/json".as_bytes());
    h.append("authorization", "Bearer SECRET-TOKEN-123".as_bytes());
    h.append("x-trace", "t-1".as_bytes());
    ex.response_headers
        .append("content-type", "application/json".as_bytes());
    ex.request_body = CapturedBody::Complete(Bytes::from_static(
        br#"{"name":"Ann","password":"hunter2-SECRET-PW"}"#,
    ));
    ex.response_body = CapturedBody::Complete(Bytes::from_static(br#"{"id":42}"#));
    ex.errors.push(ErrorEntry {
        when: "2026-06-19T10:15:30.123456789Z".into(),
        error_type: "std::io::Error".into(),
        root_error_type: "std::io::Error".into(),
        message: "disk on fire".into(),
        root_error_message: "disk on fire".into(),
        stack_trace: "at main.rs:1".into(),
    });
    ex
}

/// An outgoing call made while serving `parent`.
pub fn outgoing(parent: &Exchange) -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustOutgoing,
        Method::GET,
        Uri::from_static("http://upstream.example:8080/items?id=7"),
        Version::HTTP_11,
    );
    ex.parent_id = Some(parent.msg_id);
    ex.status = 200;
    ex.duration = Duration::from_micros(200);
    ex.response_body = CapturedBody::Complete(Bytes::from_static(b"[1,2,3]"));
    ex
}

/// A small exchange for volume tests.
pub fn small(i: usize) -> Exchange {
    let uri: Uri = format!("/items/{i}")
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let mut ex = Exchange::new(SdkType::RustCustom, Method::GET, uri, Version::HTTP_11);
    ex.status = 200;
    ex
}

/// Polls `cond` until true or `timeout`.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// One export request as a receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request path (HTTP) or gRPC method path.
    pub path: String,
    /// HTTP headers or gRPC metadata (as headers).
    pub headers: HeaderMap,
    /// The decoded request.
    pub request: ExportTraceServiceRequest,
    /// The uncompressed protobuf bytes.
    pub raw: Vec<u8>,
}

impl Received {
    pub fn span_count(&self) -> usize {
        self.request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }
}

/// A receiver running on its own thread and runtime until dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn spans(&self) -> usize {
        self.requests().iter().map(Received::span_count).sum()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("receiver runtime")
}

/// What the gRPC receiver answers to its n-th export (0-based): `Ok`, or this status
/// code (the request is recorded either way).
pub type GrpcPlan = Arc<dyn Fn(usize) -> Result<(), tonic::Code> + Send + Sync>;

struct GrpcService {
    received: Arc<Mutex<Vec<Received>>>,
    plan: GrpcPlan,
}

#[tonic::async_trait]
impl TraceService for GrpcService {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        let request = request.into_inner();
        let raw = request.encode_to_vec();
        let n = match self.received.lock() {
            Ok(mut r) => {
                r.push(Received {
                    path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export".into(),
                    headers,
                    request,
                    raw,
                });
                r.len() - 1
            }
            Err(_) => 0,
        };
        match (self.plan)(n) {
            Ok(()) => Ok(tonic::Response::new(ExportTraceServiceResponse::default())),
            Err(code) => Err(tonic::Status::new(code, "scripted by the test")),
        }
    }
}

/// A gRPC OTLP trace receiver (accepting gzip) on 127.0.0.1:0, answering OK.
pub fn grpc_receiver() -> Receiver {
    grpc_receiver_with(Arc::new(|_| Ok(())))
}

/// A gRPC OTLP trace receiver (accepting gzip) on 127.0.0.1:0 answering per `plan`.
pub fn grpc_receiver_with(plan: GrpcPlan) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::new()));
    let svc = GrpcService {
        received: Arc::clone(&received),
        plan,
    };
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        runtime().block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            let incoming = tonic::transport::server::TcpIncoming::from(listener);
            let server = TraceServiceServer::new(svc)
                .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
            let _ = tonic::transport::Server::builder()
                .add_service(server)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stop_rx.await;
                })
                .await;
        });
    });
    let addr = addr_rx.recv().expect("receiver address");
    Receiver {
        addr,
        received,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

/// What the HTTP receiver answers to its n-th request (0-based): status and headers, or
/// `None` to never answer (a black hole at the HTTP level).
pub type Plan =
    Arc<dyn Fn(usize) -> Option<(StatusCode, Vec<(&'static str, String)>)> + Send + Sync>;

/// An OTLP/HTTP receiver on 127.0.0.1:0 answering per `plan`; it records every request
/// (successful or not).
pub fn http_receiver(plan: Plan) -> Receiver {
    let received = Arc::new(Mutex::new(Vec::new()));
    let rec = Arc::clone(&received);
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        runtime().block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            loop {
                let (stream, _) = tokio::select! {
                    _ = &mut stop_rx => break,
                    conn = listener.accept() => match conn { Ok(c) => c, Err(_) => continue },
                };
                let rec = Arc::clone(&rec);
                let plan = Arc::clone(&plan);
                let count = Arc::clone(&count);
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let rec = Arc::clone(&rec);
                        let plan = Arc::clone(&plan);
                        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let raw = if parts
                                .headers
                                .get("content-encoding")
                                .is_some_and(|v| v == "gzip")
                            {
                                let mut out = Vec::new();
                                let _ =
                                    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out);
                                out
                            } else {
                                body.to_vec()
                            };
                            let request =
                                ExportTraceServiceRequest::decode(&raw[..]).unwrap_or_default();
                            if let Ok(mut r) = rec.lock() {
                                r.push(Received {
                                    path: parts.uri.path().to_owned(),
                                    headers: parts.headers,
                                    request,
                                    raw,
                                });
                            }
                            let Some((status, headers)) = plan(n) else {
                                tokio::time::sleep(Duration::from_secs(3600)).await;
                                return Ok(Response::new(Full::new(Bytes::new())));
                            };
                            let mut resp = Response::new(Full::new(Bytes::new()));
                            *resp.status_mut() = status;
                            for (k, v) in headers {
                                if let Ok(v) = HeaderValue::from_str(&v) {
                                    resp.headers_mut().insert(k, v);
                                }
                            }
                            Ok::<_, Infallible>(resp)
                        }
                    });
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
    });
    let addr = addr_rx.recv().expect("receiver address");
    Receiver {
        addr,
        received,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

/// An HTTP receiver answering 200 to everything.
pub fn http_ok_receiver() -> Receiver {
    http_receiver(Arc::new(|_| Some((StatusCode::OK, Vec::new()))))
}

/// Accepts TCP connections and never answers; holds them until dropped.
pub struct BlackHole {
    pub addr: SocketAddr,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl BlackHole {
    pub fn start() -> BlackHole {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let conns = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&conns);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Ok(mut c) = keep.lock() {
                    c.push(stream);
                }
            }
        });
        BlackHole { addr, conns }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.conns.lock().map_or(0, |c| c.len())
    }
}

/// Shipper settings for export tests against a live receiver: two attempts, a short
/// back-off, a 5 s export timeout.
pub fn export_settings() -> apitoolkit_core::ShipperSettings {
    let mut s = apitoolkit_core::ShipperSettings::default();
    s.max_attempts = 2;
    s.initial_backoff = Duration::from_millis(10);
    s.export_timeout = Duration::from_secs(5);
    s
}

/// An address on which nothing listens (connection refused). On 127.0.0.3, where no
/// test binds: a port freed on 127.0.0.1 can be taken at once by another test's server
/// (seen when `flush_deadline_cuts_retries_short` reached a live receiver).
pub fn dead_endpoint() -> String {
    let listener = StdListener::bind("127.0.0.3:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}
