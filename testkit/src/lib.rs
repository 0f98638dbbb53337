//! Dev-only helpers of the APItoolkit SDK's test suites (never published).
//!
//! [`Collector`] is an OTLP/HTTP trace collector on `127.0.0.1:0`, running on its own
//! thread and tokio runtime (so tests under any runtime, or none, can use it). It
//! decodes gzip + `ExportTraceServiceRequest` bodies, and its answer is controllable at
//! runtime ([`Behavior`]): 200, any status, 429 with `Retry-After`, a slow answer, an
//! HTTP-level stall, or a TCP-level black hole. One-shot behaviours can be queued
//! ([`Collector::push_next`]) before falling back to the current one.
//!
//! ```
//! use apitoolkit_testkit::{Behavior, Collector};
//!
//! let collector = Collector::start();
//! collector.push_next(Behavior::Status(500)); // the next export gets a 500
//! assert_eq!(collector.accepted_span_count(), 0);
//! collector.set_behavior(Behavior::Stall); // later ones are never answered
//! # let _ = collector.endpoint();
//! ```

mod shipper;
pub use shipper::{accounted, fast_settings, otlp_to, wait_for};

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::io::Read as _;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use tokio::sync::oneshot;

/// How the collector answers an export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// Answer 200 right away (the spans are accepted).
    Ok,
    /// Answer this status right away (2xx statuses accept the spans).
    Status(u16),
    /// Answer 429 with this `Retry-After` header value.
    TooManyRequests {
        /// The `Retry-After` value (delay-seconds or an HTTP date).
        retry_after: String,
    },
    /// Answer 200 after this delay (the spans are accepted when the answer is sent).
    Delay(Duration),
    /// Read the request, never answer (until the collector is dropped).
    Stall,
    /// Accept new TCP connections and never read from them; requests on connections
    /// already open are stalled as with [`Behavior::Stall`].
    BlackHole,
}

/// One span as the collector decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSpan {
    /// Trace id (16 bytes).
    pub trace_id: Vec<u8>,
    /// Span id (8 bytes).
    pub span_id: Vec<u8>,
    /// Parent span id (empty for a root span).
    pub parent_span_id: Vec<u8>,
    /// Span kind (`2` server, `3` client).
    pub kind: i32,
    /// Span name.
    pub name: String,
    /// String and integer attributes (integers as decimal text).
    pub attributes: BTreeMap<String, String>,
}

impl ReceivedSpan {
    /// An attribute's value, `""` when absent.
    pub fn attr(&self, key: &str) -> &str {
        self.attributes.get(key).map_or("", String::as_str)
    }

    /// `apitoolkit.msg_id`.
    pub fn msg_id(&self) -> &str {
        self.attr("apitoolkit.msg_id")
    }

    /// `apitoolkit.parent_id` (`""` for an incoming record).
    pub fn parent_id(&self) -> &str {
        self.attr("apitoolkit.parent_id")
    }

    /// `apitoolkit.sdk_type`.
    pub fn sdk_type(&self) -> &str {
        self.attr("apitoolkit.sdk_type")
    }

    /// `http.target` (the record's `raw_url`).
    pub fn target(&self) -> &str {
        self.attr("http.target")
    }

    fn from_proto(span: &Span) -> ReceivedSpan {
        let attributes = span
            .attributes
            .iter()
            .filter_map(|kv| {
                let value = match kv.value.as_ref()?.value.as_ref()? {
                    AnyValue::StringValue(s) => s.clone(),
                    AnyValue::IntValue(i) => i.to_string(),
                    AnyValue::BoolValue(b) => b.to_string(),
                    _ => return None,
                };
                Some((kv.key.clone(), value))
            })
            .collect();
        ReceivedSpan {
            trace_id: span.trace_id.clone(),
            span_id: span.span_id.clone(),
            parent_span_id: span.parent_span_id.clone(),
            kind: span.kind,
            name: span.name.clone(),
            attributes,
        }
    }
}

/// One export request as the collector saw it.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// When its body had been read.
    pub arrived: Instant,
    /// Request path (`/v1/traces`).
    pub path: String,
    /// Spans in the request.
    pub spans: usize,
    /// The status answered, `None` while unanswered (stalled or delayed).
    pub answered: Option<u16>,
}

#[derive(Debug)]
struct Log {
    requests: Vec<ExportRequest>,
    accepted: Vec<ReceivedSpan>,
}

#[derive(Debug)]
struct Shared {
    behavior: Mutex<Behavior>,
    script: Mutex<VecDeque<Behavior>>,
    log: Mutex<Log>,
    changed: Condvar,
    connections: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn next_behavior(&self) -> Behavior {
        if let Some(b) = lock(&self.script).pop_front() {
            return b;
        }
        lock(&self.behavior).clone()
    }

    fn answer(&self, index: usize, status: u16, spans: Vec<ReceivedSpan>) {
        let mut log = lock(&self.log);
        if let Some(r) = log.requests.get_mut(index) {
            r.answered = Some(status);
        }
        if (200..300).contains(&status) {
            log.accepted.extend(spans);
        }
        drop(log);
        self.changed.notify_all();
    }
}

/// An OTLP/HTTP trace collector on 127.0.0.1, on its own thread and runtime until
/// dropped. See the [crate docs](crate).
#[derive(Debug)]
pub struct Collector {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// An address on 127.0.0.1 on which nothing listens (connections are refused), e.g. for
/// a collector that is down and comes up later with [`Collector::start_at`].
pub fn unused_addr() -> SocketAddr {
    let listener = StdListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address")
}

/// The `http://` endpoint of an address.
pub fn endpoint_of(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl Collector {
    /// A collector answering 200 on 127.0.0.1:0.
    pub fn start() -> Collector {
        Collector::with_behavior(Behavior::Ok)
    }

    /// A collector with this initial behaviour on 127.0.0.1:0.
    pub fn with_behavior(behavior: Behavior) -> Collector {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        Collector::spawn(listener, behavior)
    }

    /// A collector answering 200 on `addr` (e.g. from [`unused_addr`]: the collector
    /// "comes back up"). Panics if the address is taken.
    pub fn start_at(addr: SocketAddr) -> Collector {
        let listener = StdListener::bind(addr).expect("bind the collector's address");
        Collector::spawn(listener, Behavior::Ok)
    }

    fn spawn(listener: StdListener, behavior: Behavior) -> Collector {
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let shared = Arc::new(Shared {
            behavior: Mutex::new(behavior),
            script: Mutex::new(VecDeque::new()),
            log: Mutex::new(Log {
                requests: Vec::new(),
                accepted: Vec::new(),
            }),
            changed: Condvar::new(),
            connections: AtomicUsize::new(0),
        });
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("testkit-collector".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("collector runtime");
                rt.block_on(serve(listener, thread_shared, stop_rx));
                rt.shutdown_background();
            })
            .expect("collector thread");
        Collector {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The address the collector listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the OTLP endpoint to configure (`/v1/traces` is appended
    /// by the exporter).
    pub fn endpoint(&self) -> String {
        endpoint_of(self.addr)
    }

    /// Sets how later requests (and new connections) are answered.
    pub fn set_behavior(&self, behavior: Behavior) {
        *lock(&self.shared.behavior) = behavior;
    }

    /// Queues a one-shot behaviour: the next export request not served by an earlier
    /// queued one gets it; once the queue is empty, the current behaviour applies.
    pub fn push_next(&self, behavior: Behavior) {
        lock(&self.shared.script).push_back(behavior);
    }

    /// How many TCP connections were accepted (black-holed ones included).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every export request whose body was read, in arrival order.
    pub fn requests(&self) -> Vec<ExportRequest> {
        lock(&self.shared.log).requests.clone()
    }

    /// How many export requests had their body read.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).requests.len()
    }

    /// How many export requests were answered (with any status).
    pub fn answered_count(&self) -> usize {
        lock(&self.shared.log)
            .requests
            .iter()
            .filter(|r| r.answered.is_some())
            .count()
    }

    /// The spans of every request answered with a 2xx, in answer order.
    pub fn accepted_spans(&self) -> Vec<ReceivedSpan> {
        lock(&self.shared.log).accepted.clone()
    }

    /// How many spans were accepted (answered with a 2xx).
    pub fn accepted_span_count(&self) -> usize {
        lock(&self.shared.log).accepted.len()
    }

    /// Blocks until at least `n` spans were accepted or `timeout` passed; returns the
    /// count. Blocks the calling thread: from async code use `spawn_blocking` or poll
    /// [`accepted_span_count`](Self::accepted_span_count).
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        while log.accepted.len() < n {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            log = self
                .shared
                .changed
                .wait_timeout(log, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        log.accepted.len()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(listener: StdListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let mut black_holed = Vec::new();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            conn = listener.accept() => match conn {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if *lock(&shared.behavior) == Behavior::BlackHole {
            // Keep the connection open, never read from it.
            black_holed.push(stream);
            continue;
        }
        let shared = Arc::clone(&shared);
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            handle(Arc::clone(&shared), req)
        });
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

fn decode(body: &[u8], gzip: bool) -> Vec<ReceivedSpan> {
    let raw = if gzip {
        let mut out = Vec::new();
        if flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .is_err()
        {
            return Vec::new();
        }
        out
    } else {
        body.to_vec()
    };
    let request = ExportTraceServiceRequest::decode(&raw[..]).unwrap_or_default();
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(ReceivedSpan::from_proto)
        .collect()
}

fn respond(status: u16, headers: &[(&'static str, String)]) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(*name, v);
        }
    }
    resp
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let gzip = parts
        .headers
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let spans = decode(&body, gzip);
    let behavior = shared.next_behavior();
    let index = {
        let mut log = lock(&shared.log);
        log.requests.push(ExportRequest {
            arrived: Instant::now(),
            path: parts.uri.path().to_owned(),
            spans: spans.len(),
            answered: None,
        });
        log.requests.len() - 1
    };
    shared.changed.notify_all();
    let (status, headers) = match behavior {
        Behavior::Ok => (200, Vec::new()),
        Behavior::Status(s) => (s, Vec::new()),
        Behavior::TooManyRequests { retry_after } => (429, vec![("retry-after", retry_after)]),
        Behavior::Delay(d) => {
            tokio::time::sleep(d).await;
            (200, Vec::new())
        }
        Behavior::Stall | Behavior::BlackHole => {
            std::future::pending::<()>().await;
            (200, Vec::new())
        }
    };
    shared.answer(index, status, spans);
    Ok(respond(status, &headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviours_switch_and_queue() {
        let c = Collector::start();
        c.push_next(Behavior::Status(500));
        assert_eq!(c.shared.next_behavior(), Behavior::Status(500));
        assert_eq!(c.shared.next_behavior(), Behavior::Ok);
        c.set_behavior(Behavior::Stall);
        assert_eq!(c.shared.next_behavior(), Behavior::Stall);
        assert_eq!(c.request_count(), 0);
        assert_eq!(c.wait_for_spans(1, Duration::from_millis(10)), 0);
    }

    #[test]
    fn unused_addr_refuses() {
        let addr = unused_addr();
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
