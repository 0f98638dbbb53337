//! The on-disk spool through the shipper (issue 21): an outage goes to disk and is sent
//! when the collector answers again, also after a restart; a full budget, damaged files
//! and queue pressure are counted; the files never hold the API key.

use std::time::Duration;

use apitoolkit_core::{Config, OtlpProtocol, Shipper, ShipperSettings, ShipperStats};
use apitoolkit_testkit::{
    accounted, endpoint_of, small, unused_addr, wait_until, Behavior, Collector, Schedule,
    ScratchDir,
};

const KEY: &str = "spool-test-key-7f3a9c";

fn settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.batch_interval = Duration::from_millis(10);
    s.batch_max_records = 10;
    s.max_attempts = 2;
    s.initial_backoff = Duration::from_millis(10);
    s.max_backoff = Duration::from_millis(50);
    s.export_timeout = Duration::from_secs(2);
    s
}

fn shipper(endpoint: String, dir: &ScratchDir, s: ShipperSettings) -> Shipper {
    let config = Config::builder()
        .api_key(KEY)
        .otlp_endpoint(endpoint)
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .shipper(s)
        .spool_dir(dir.path())
        .build_with_env(|_| None)
        .expect("config");
    Shipper::start(config).expect("start")
}

fn spool_files(dir: &ScratchDir) -> Vec<String> {
    dir.files()
        .into_iter()
        .filter(|f| f.ends_with(".spool"))
        .collect()
}

/// Every record of this run delivered, on disk or counted.
fn assert_identity(s: &ShipperStats) {
    assert_eq!(accounted(s), s.enqueued, "{s:?}");
}

#[test]
fn an_outage_goes_to_the_spool_and_is_sent_when_the_collector_answers() {
    let dir = ScratchDir::new("outage");
    let collector = Collector::with_behavior(Behavior::Status(503));
    let shipper = shipper(collector.endpoint(), &dir, settings());
    for i in 0..50 {
        shipper.enqueue(small(i));
    }
    assert!(
        wait_until(Duration::from_secs(20), || shipper.stats().spooled == 50),
        "{:?}",
        shipper.stats()
    );
    let s = shipper.stats();
    assert_eq!((s.exported, s.dropped_export_failed), (0, 0), "{s:?}");
    assert_eq!(s.spool_pending, 50, "{s:?}");
    assert!(!spool_files(&dir).is_empty());

    collector.set_behavior(Behavior::Ok);
    // A live batch succeeds: replays resume at once.
    shipper.enqueue(small(50));
    assert!(
        wait_until(Duration::from_secs(20), || shipper.stats().replayed == 50),
        "{:?}",
        shipper.stats()
    );
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let s = shipper.stats();
    assert_eq!(
        (s.exported, s.replayed, s.spool_pending),
        (1, 50, 0),
        "{s:?}"
    );
    assert_identity(&s);
    assert_eq!(
        collector.distinct_accepted_count(),
        51,
        "every record arrived"
    );
    assert!(spool_files(&dir).is_empty(), "{:?}", dir.files());
    // Replayed requests carry the key and the resource, as live ones do.
    for r in collector.requests() {
        assert_eq!(r.headers.get("x-api-key").unwrap(), KEY);
        assert!(!r.request.resource_spans[0]
            .resource
            .as_ref()
            .unwrap()
            .attributes
            .is_empty());
    }
}

#[test]
fn a_restart_sends_what_the_last_run_left_on_disk_and_the_files_hold_no_key() {
    let dir = ScratchDir::new("restart");
    let addr = unused_addr();
    let first = shipper(endpoint_of(addr), &dir, settings());
    for i in 0..30 {
        first.enqueue(small(i));
    }
    // The collector is down for the whole run: everything is left on disk.
    let _ = first.shutdown(Duration::from_secs(3));
    let s = first.stats();
    assert_eq!((s.spooled, s.spool_pending), (30, 30), "{s:?}");
    assert_identity(&s);
    let files = spool_files(&dir);
    assert!(!files.is_empty());
    for f in &files {
        let bytes = std::fs::read(dir.path().join(f)).unwrap();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the API key is in {f}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    drop(first);

    // The next run, with the collector up: the spool is sent without any new record.
    let collector = Collector::start_at(addr);
    let second = shipper(endpoint_of(addr), &dir, settings());
    assert!(
        wait_until(Duration::from_secs(20), || second.stats().replayed == 30),
        "{:?}",
        second.stats()
    );
    assert!(second.shutdown(Duration::from_secs(10)).is_ok());
    assert_eq!(collector.accepted_span_count(), 30);
    assert_eq!(second.stats().spool_pending, 0);
    assert!(spool_files(&dir).is_empty());
}

#[test]
fn a_full_budget_drops_and_counts() {
    let dir = ScratchDir::new("budget");
    let collector = Collector::with_behavior(Behavior::Status(503));
    let config = Config::builder()
        .api_key(KEY)
        .otlp_endpoint(collector.endpoint())
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .shipper(settings())
        .spool_dir(dir.path())
        .spool_max_bytes(64)
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    for i in 0..5 {
        let mut ex = small(i);
        if i < 2 {
            ex.status = 500;
        }
        shipper.enqueue(ex);
    }
    assert!(shipper.flush(Duration::from_secs(20)).is_ok());
    let s = shipper.stats();
    assert_eq!((s.spooled, s.dropped_spool_full), (0, 5), "{s:?}");
    assert_eq!((s.dropped_ok, s.dropped_failed), (3, 2), "{s:?}");
    assert_identity(&s);
    assert!(spool_files(&dir).is_empty());
}

#[test]
fn damaged_files_are_skipped_and_counted() {
    let dir = ScratchDir::new("damaged");
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::write(
        dir.path().join("00000000000000000001-0000000000001.spool"),
        b"not a spool file at all, but long enough to have a header of 48 bytes......",
    )
    .unwrap();
    let collector = Collector::start();
    let shipper = shipper(collector.endpoint(), &dir, settings());
    assert!(
        wait_until(Duration::from_secs(10), || shipper.stats().spool_corrupt
            == 1),
        "{:?}",
        shipper.stats()
    );
    shipper.enqueue(small(1));
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    assert_eq!(collector.accepted_span_count(), 1);
    assert!(spool_files(&dir).is_empty(), "{:?}", dir.files());
}

#[test]
fn a_queue_under_pressure_spills_to_disk_instead_of_dropping() {
    let dir = ScratchDir::new("pressure");
    // Every export hangs until its timeout: the one slot stays busy.
    let collector = Collector::with_behavior(Behavior::Stall);
    let mut s = settings();
    s.queue_max_items = 40;
    s.export_timeout = Duration::from_millis(500);
    s.max_attempts = 1;
    let config = Config::builder()
        .api_key(KEY)
        .otlp_endpoint(collector.endpoint())
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .shipper(s)
        .max_concurrent_exports(1)
        .spool_dir(dir.path())
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    // Rounds of 10: each time the queue reaches three quarters (30), the worker writes
    // the waiting records to disk instead of waiting for its stalled export slot.
    for round in 0..20 {
        for i in 0..10 {
            shipper.enqueue(small(round * 10 + i));
        }
        assert!(
            wait_until(Duration::from_secs(10), || {
                let s = shipper.stats();
                s.enqueued - accounted(&s) <= 30
            }),
            "{:?}",
            shipper.stats()
        );
    }
    let s = shipper.stats();
    assert!(s.spooled >= 100, "spilled while the slot was busy: {s:?}");
    collector.set_behavior(Behavior::Ok);
    shipper.enqueue(small(200));
    assert!(
        wait_until(Duration::from_secs(30), || {
            let s = shipper.stats();
            s.spool_pending == 0 && s.replayed == s.spooled
        }),
        "{:?}",
        shipper.stats()
    );
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let s = shipper.stats();
    assert_identity(&s);
    assert_eq!(s.dropped_queue_full, 0, "{s:?}");
    assert_eq!(collector.distinct_accepted_count(), 201, "{s:?}");
}

/// The flapping collector, its cycle shortened to 1.2 s (200 ms phases: OK, 503,
/// 429 with `Retry-After: 1`, dropped connections, answers after 150 ms, OK), for three
/// cycles at 2 000 records/s into a queue of one second: with a spool, every record
/// arrives by the end of a graceful shutdown, and the books balance.
#[test]
fn a_flapping_collector_gets_every_record_by_the_end_of_shutdown() {
    let dir = ScratchDir::new("flapping");
    let collector = Collector::with_behavior(Behavior::Schedule(Schedule::flapping_with(
        Duration::from_millis(200),
        Duration::from_millis(150),
    )));
    let mut s = settings();
    s.max_attempts = 3;
    s.queue_max_items = 2000;
    s.max_backoff = Duration::from_secs(1);
    let shipper = shipper(collector.endpoint(), &dir, s);
    let mut n = 0;
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(3600) {
        for _ in 0..20 {
            shipper.enqueue(small(n));
            n += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        shipper.shutdown(Duration::from_secs(60)).is_ok(),
        "{:?}",
        shipper.stats()
    );
    let s = shipper.stats();
    assert_identity(&s);
    assert_eq!(s.enqueued, n as u64);
    assert_eq!(s.dropped_queue_full + s.dropped_export_failed, 0, "{s:?}");
    assert_eq!((s.spool_pending, s.replayed), (0, s.spooled), "{s:?}");
    assert_eq!(collector.distinct_accepted_count(), n, "{s:?}");
}
