//! The in-test OTLP trace collector, over HTTP or gRPC (see the [crate docs](crate)).

mod behavior;
mod grpc;
mod server;
mod tally;
pub use behavior::{Behavior, Schedule};
use server::serve;
use tally::Log;

use std::collections::{BTreeMap, VecDeque};
use std::io::Read as _;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// The W3C `tracestate` carried by the span (`""` when none).
    pub trace_state: String,
    /// The span's flags: W3C trace flags in the low byte, `0x100` "knows whether the
    /// parent is remote", `0x200` "the parent is remote".
    pub flags: u32,
    /// Span name.
    pub name: String,
    /// String and integer attributes (integers as decimal text).
    pub attributes: BTreeMap<String, String>,
    /// The span status's code (`0` unset, `1` ok, `2` error).
    pub status_code: i32,
    /// The span status's message.
    pub status_message: String,
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
            trace_state: span.trace_state.clone(),
            flags: span.flags,
            name: span.name.clone(),
            attributes,
            status_code: span.status.as_ref().map_or(0, |s| s.code),
            status_message: span
                .status
                .as_ref()
                .map_or_else(String::new, |s| s.message.clone()),
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
    /// The status answered, `None` while unanswered (stalled or delayed); over gRPC, the
    /// HTTP status whose gRPC code was answered.
    pub answered: Option<u16>,
    /// The HTTP headers (over gRPC: the request metadata).
    pub headers: http::HeaderMap,
    /// The decoded export request.
    pub request: ExportTraceServiceRequest,
    /// The request's protobuf bytes, uncompressed.
    pub raw: Vec<u8>,
}

#[derive(Debug)]
struct Shared {
    /// The current behaviour and when it was set.
    behavior: Mutex<(Behavior, Instant)>,
    /// One-shot behaviours and when each was queued.
    script: Mutex<VecDeque<(Behavior, Instant)>>,
    log: Mutex<Log>,
    changed: Condvar,
    connections: AtomicUsize,
    /// Whether requests and accepted spans are kept (not only counted).
    retain: AtomicBool,
    /// Requests read and not yet answered (or dropped).
    in_flight: AtomicUsize,
    /// The highest `in_flight` seen.
    max_in_flight: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// The behaviour of the request whose body was just read: the next queued one, else
    /// the current one, resolved at this instant (for a schedule, the current phase).
    fn next_behavior(&self) -> Behavior {
        if let Some((b, set)) = lock(&self.script).pop_front() {
            return b.resolve(set.elapsed());
        }
        self.current_behavior()
    }

    /// The current behaviour resolved at this instant, ignoring queued ones.
    fn current_behavior(&self) -> Behavior {
        let guard = lock(&self.behavior);
        let (b, set) = &*guard;
        b.resolve(set.elapsed())
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

    /// A gRPC collector (`TraceService/Export`, gzip accepted) with this initial
    /// behaviour on 127.0.0.1:0. A status behaviour answers the gRPC code the gRPC spec
    /// maps that HTTP status to (503 `Unavailable`, 403 `PermissionDenied`, ...);
    /// `BlackHole` stalls like `Stall`.
    pub fn grpc_with_behavior(behavior: Behavior) -> Collector {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        Collector::spawn_with(listener, behavior, true)
    }

    /// A gRPC collector answering OK on `addr`. Panics if the address is taken.
    pub fn grpc_at(addr: SocketAddr) -> Collector {
        let listener = StdListener::bind(addr).expect("bind the collector's address");
        Collector::spawn_with(listener, Behavior::Ok, true)
    }

    /// A gRPC collector answering OK on 127.0.0.1:0.
    pub fn grpc() -> Collector {
        Collector::grpc_with_behavior(Behavior::Ok)
    }

    fn spawn(listener: StdListener, behavior: Behavior) -> Collector {
        Collector::spawn_with(listener, behavior, false)
    }

    fn spawn_with(listener: StdListener, behavior: Behavior, grpc: bool) -> Collector {
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let shared = Arc::new(Shared {
            behavior: Mutex::new((behavior, Instant::now())),
            script: Mutex::new(VecDeque::new()),
            log: Mutex::new(Log::default()),
            changed: Condvar::new(),
            connections: AtomicUsize::new(0),
            retain: AtomicBool::new(true),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
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
                if grpc {
                    rt.block_on(grpc::serve(listener, thread_shared, stop_rx));
                } else {
                    rt.block_on(serve(listener, thread_shared, stop_rx));
                }
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

    /// A collector on 127.0.0.1:0 cycling through [`Schedule::flapping`] (issue 21's
    /// 18-second cycle), starting now.
    pub fn flapping() -> Collector {
        Collector::with_behavior(Behavior::Schedule(Schedule::flapping()))
    }

    /// Sets how later requests (and new connections) are answered; a
    /// [`Behavior::Schedule`] starts its first phase now.
    pub fn set_behavior(&self, behavior: Behavior) {
        *lock(&self.shared.behavior) = (behavior, Instant::now());
    }

    /// Queues a one-shot behaviour: the next export request not served by an earlier
    /// queued one gets it; once the queue is empty, the current behaviour applies. A
    /// queued schedule is measured from when it was queued.
    pub fn push_next(&self, behavior: Behavior) {
        lock(&self.shared.script).push_back((behavior, Instant::now()));
    }

    /// Whether each request and accepted span is kept for [`requests`](Self::requests)
    /// and [`accepted_spans`](Self::accepted_spans) (the default) or only counted (a
    /// long-running collector under load: the counts and the distinct `msg_id`s are kept
    /// either way). Applies to requests read from now on.
    pub fn set_retain(&self, on: bool) {
        self.shared.retain.store(on, Ordering::SeqCst);
    }

    /// Export requests whose body was read and that were not answered yet (delayed or
    /// stalled; a dropped connection or a call given up by the client ends it).
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The highest [`in_flight`](Self::in_flight) seen since the collector started.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many TCP connections were accepted (black-holed ones included).
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every export request whose body was read, in arrival order (those read while
    /// [`set_retain`](Self::set_retain) was on).
    pub fn requests(&self) -> Vec<ExportRequest> {
        lock(&self.shared.log).requests.clone()
    }

    /// How many export requests had their body read.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).request_total
    }

    /// How many export requests were answered (with any status; a dropped connection
    /// is not an answer).
    pub fn answered_count(&self) -> usize {
        lock(&self.shared.log).answered_total
    }

    /// The spans of every request answered with a 2xx, in answer order (those read
    /// while [`set_retain`](Self::set_retain) was on).
    pub fn accepted_spans(&self) -> Vec<ReceivedSpan> {
        lock(&self.shared.log).accepted.clone()
    }

    /// How many spans were accepted (answered with a 2xx), duplicates included.
    pub fn accepted_span_count(&self) -> usize {
        lock(&self.shared.log).accepted_total
    }

    /// How many accepted spans were distinct: counted once per `apitoolkit.msg_id` (a
    /// batch retried after a timeout, or sent again from a spool, may arrive twice);
    /// spans without a `msg_id` are each counted.
    pub fn distinct_accepted_count(&self) -> usize {
        lock(&self.shared.log).distinct_total()
    }

    /// Blocks until at least `n` spans were accepted or `timeout` passed; returns the
    /// count. Blocks the calling thread: from async code use `spawn_blocking` or poll
    /// [`accepted_span_count`](Self::accepted_span_count).
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        while log.accepted_total < n {
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
        log.accepted_total
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

#[cfg(test)]
mod tests;
