//! Delivery guarantees of the shipper with the callback exporter: exact counts on
//! flush/shutdown/guard drop, queue overflow accounting, a panicking callback, flush
//! from inside tokio runtimes, and concurrent producers.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use apitoolkit_core::{
    CapturedBody, Config, RequestMessage, Shipper, ShipperSettings, ShipperStats,
};
use apitoolkit_testkit::{small, wait_until};
use bytes::Bytes;

const LONG: Duration = Duration::from_secs(30);

fn accounted(s: &ShipperStats) -> u64 {
    s.exported
        + s.dropped_queue_full
        + s.dropped_export_failed
        + s.dropped_too_large
        + s.dropped_shutdown
}

/// A shipper whose callback counts records; returns the count.
fn counting(s: ShipperSettings) -> (Shipper, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&seen);
    let config = Config::builder()
        .shipper(s)
        .on_batch(move |b: &[RequestMessage]| {
            s2.fetch_add(b.len(), Ordering::SeqCst);
        })
        .build_with_env(|_| None)
        .expect("config");
    (Shipper::start(config).expect("start"), seen)
}

/// A shipper whose callback blocks until `release` is dropped; `entered` gets a message
/// each time the callback starts.
fn blocking(
    s: ShipperSettings,
) -> (
    Shipper,
    mpsc::Receiver<()>,
    mpsc::Sender<()>,
    Arc<AtomicUsize>,
) {
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    let release_rx = Mutex::new(release_rx);
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&seen);
    let config = Config::builder()
        .shipper(s)
        .on_batch(move |b: &[RequestMessage]| {
            if let Ok(tx) = entered_tx.lock() {
                let _ = tx.send(());
            }
            if let Ok(rx) = release_rx.lock() {
                let _ = rx.recv();
            }
            s2.fetch_add(b.len(), Ordering::SeqCst);
        })
        .build_with_env(|_| None)
        .expect("config");
    (
        Shipper::start(config).expect("start"),
        entered_rx,
        release_tx,
        seen,
    )
}

fn settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.batch_interval = Duration::from_millis(5);
    s
}

#[test]
fn queue_overflow_drops_and_counts() {
    let mut s = settings();
    s.queue_max_items = 4;
    s.batch_max_records = 1;
    let (shipper, entered, release, seen) = blocking(s);
    shipper.enqueue(small(0));
    entered.recv_timeout(LONG).expect("callback entered");
    // The worker is blocked in the callback with one record, which still counts against
    // the limit of 4: 3 more fit, 7 are dropped.
    for i in 1..=10 {
        shipper.enqueue(small(i));
    }
    let s = shipper.stats();
    assert_eq!((s.enqueued, s.dropped_queue_full), (11, 7), "{s:?}");
    drop(release);
    assert!(shipper.flush(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 4);
    let s = shipper.stats();
    assert_eq!(s.exported, 4);
    assert_eq!(accounted(&s), s.enqueued);
}

#[test]
fn byte_budget_and_too_large_records() {
    let one = small(0).approx_size();
    let mut s = settings();
    s.queue_max_bytes = one * 3 + one / 2;
    s.batch_max_bytes = one * 3 + one / 2;
    s.batch_max_records = 1;
    let (shipper, entered, release, seen) = blocking(s);
    shipper.enqueue(small(0));
    entered.recv_timeout(LONG).expect("callback entered");
    for i in 1..=5 {
        shipper.enqueue(small(i));
    }
    let mut big = small(99);
    big.request_body = CapturedBody::Complete(Bytes::from(vec![b'x'; one * 4]));
    shipper.enqueue(big);
    let s = shipper.stats();
    // 3.5 records' worth of bytes: the one in the callback and 2 more fit.
    assert_eq!((s.dropped_queue_full, s.dropped_too_large), (3, 1), "{s:?}");
    drop(release);
    assert!(shipper.shutdown(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 3);
    let s = shipper.stats();
    assert_eq!((s.enqueued, s.exported), (7, 3));
    assert_eq!(accounted(&s), s.enqueued);
}

#[test]
fn flush_and_shutdown_deliver_exact_counts() {
    let mut s = settings();
    s.batch_max_records = 64;
    s.batch_interval = Duration::from_secs(3600);
    let (shipper, seen) = counting(s);
    for i in 0..1000 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.flush(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 1000);
    for i in 0..37 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.shutdown(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 1037);
    shipper.enqueue(small(0));
    assert_eq!(
        shipper.shutdown(LONG),
        Err(apitoolkit_core::ShutdownError::AlreadyShutDown),
        "a second shutdown does nothing and says so"
    );
    let s = shipper.stats();
    assert_eq!(
        (s.enqueued, s.exported, s.dropped_shutdown),
        (1038, 1037, 1)
    );
}

#[test]
fn batch_interval_sends_without_flush() {
    let (shipper, seen) = counting(settings());
    shipper.enqueue(small(1));
    assert!(wait_until(LONG, || seen.load(Ordering::SeqCst) == 1));
}

#[test]
fn worker_thread_is_named() {
    let name = Arc::new(Mutex::new(None));
    let n2 = Arc::clone(&name);
    let config = Config::builder()
        .on_batch(move |_| {
            if let Ok(mut n) = n2.lock() {
                *n = thread::current().name().map(str::to_owned);
            }
        })
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(small(1));
    assert!(shipper.flush(LONG).is_ok());
    assert_eq!(
        name.lock().ok().and_then(|n| n.clone()).as_deref(),
        Some("apitoolkit-shipper")
    );
}

#[test]
fn dropping_the_guard_flushes() {
    let (shipper, seen) = counting(settings());
    {
        let _guard = shipper.guard();
        for i in 0..10 {
            shipper.enqueue(small(i));
        }
    }
    assert_eq!(seen.load(Ordering::SeqCst), 10);
    shipper.enqueue(small(11));
    assert_eq!(shipper.stats().dropped_shutdown, 1);
}

#[test]
fn dropping_the_last_handle_flushes() {
    let (shipper, seen) = counting(settings());
    for i in 0..10 {
        shipper.enqueue(small(i));
    }
    drop(shipper);
    assert_eq!(seen.load(Ordering::SeqCst), 10);
}

#[test]
fn let_underscore_guard_shuts_down_at_once() {
    let (shipper, seen) = counting(settings());
    #[allow(let_underscore_drop, clippy::let_underscore_must_use)]
    let _ = shipper.guard();
    shipper.enqueue(small(1));
    assert_eq!(shipper.stats().dropped_shutdown, 1);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[test]
fn panicking_callback_is_counted_and_the_shipper_continues() {
    let panicked = Arc::new(AtomicBool::new(false));
    let p2 = Arc::clone(&panicked);
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&seen);
    let config = Config::builder()
        .shipper(settings())
        .on_batch(move |b: &[RequestMessage]| {
            if !p2.swap(true, Ordering::SeqCst) {
                panic!("callback failure (expected by the test)");
            }
            s2.fetch_add(b.len(), Ordering::SeqCst);
        })
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(small(1));
    assert!(shipper.flush(LONG).is_ok());
    let s = shipper.stats();
    assert_eq!(
        (s.dropped_export_failed, s.failed_exports, s.retries),
        (1, 1, 0),
        "{s:?}"
    );
    shipper.enqueue(small(2));
    shipper.enqueue(small(3));
    assert!(shipper.flush(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert_eq!(shipper.stats().exported, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn flush_inside_a_current_thread_runtime() {
    let (shipper, seen) = counting(settings());
    for i in 0..100 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.flush(LONG).is_ok());
    assert_eq!(seen.load(Ordering::SeqCst), 100);
    shipper.enqueue(small(0));
    drop(shipper); // shuts down (and joins) from inside the runtime
    assert_eq!(seen.load(Ordering::SeqCst), 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_inside_a_multi_thread_runtime_with_otlp() {
    let receiver = apitoolkit_testkit::Collector::start();
    let config = Config::builder()
        .api_key("k")
        .otlp_endpoint(receiver.endpoint())
        .otlp_protocol(apitoolkit_core::OtlpProtocol::HttpProtobuf)
        .shipper(settings())
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    for i in 0..50 {
        shipper.enqueue(small(i));
    }
    assert!(shipper.flush(LONG).is_ok(), "{:?}", shipper.stats());
    assert_eq!(receiver.accepted_span_count(), 50);
    assert!(shipper.shutdown(LONG).is_ok());
}

#[test]
fn concurrent_producers_flush_and_shutdown() {
    let mut s = settings();
    s.queue_max_items = 500;
    s.batch_max_records = 32;
    let (shipper, seen) = counting(s);
    let producers: Vec<_> = (0..4)
        .map(|t| {
            let shipper = shipper.clone();
            thread::spawn(move || {
                for i in 0..2000 {
                    shipper.enqueue(small(t * 10_000 + i));
                }
            })
        })
        .collect();
    for _ in 0..5 {
        let _ = shipper.flush(LONG);
    }
    let flusher = {
        let shipper = shipper.clone();
        thread::spawn(move || shipper.flush(LONG).is_ok())
    };
    assert!(shipper.shutdown(LONG).is_ok());
    for p in producers {
        p.join().expect("producer");
    }
    let _ = flusher.join().expect("flusher");
    let s = shipper.stats();
    assert_eq!(s.enqueued, 8000);
    assert_eq!(accounted(&s), s.enqueued, "{s:?}");
    assert_eq!(s.exported, seen.load(Ordering::SeqCst) as u64);
}
