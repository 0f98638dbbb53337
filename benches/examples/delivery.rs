//! Delivery throughput against a distant collector: the shipper, through its public API
//! only, exports OTLP/HTTP (protobuf, gzip) to testkit's collector answering every
//! export after a round trip of 50 ms, then 250 ms. The producer keeps at most half the
//! queue waiting (it never overflows it: what is measured is how fast the shipper
//! delivers, not how much it drops), then the shipper is shut down. Prints, per round
//! trip: records delivered per second (distinct spans at the collector over the time
//! from the first enqueue to the end of the shutdown), the most export requests the
//! collector saw in flight at once, and the shipper's stats.
//!
//! Run: `cargo run --release -p apitoolkit-benches --example delivery [-- RECORDS [RTT_MS...]]`
//! (default 20 000 records, round trips 50 and 250 ms).

use std::time::{Duration, Instant};

use apitoolkit_core::{Config, OtlpProtocol, Shipper, ShipperSettings, ShipperStats};
use apitoolkit_testkit::{Behavior, Collector};

#[path = "../fixtures/exchange.rs"]
mod fixture;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Records the stats account for (exported or dropped, by any reason this version has).
fn accounted(s: &ShipperStats) -> u64 {
    s.exported
        + s.dropped_queue_full
        + s.dropped_export_failed
        + s.dropped_too_large
        + s.dropped_shutdown
}

struct Run {
    rtt: Duration,
    records: usize,
    elapsed: Duration,
    distinct: usize,
    max_in_flight: usize,
    requests: usize,
    stats: ShipperStats,
    all_handled: bool,
}

fn run(rtt: Duration, records: usize) -> Result<Run, BoxError> {
    let collector = Collector::with_behavior(Behavior::Delay(rtt));
    collector.set_retain(false);
    let settings = ShipperSettings::default();
    let backlog = (settings.queue_max_items / 2) as u64;
    let config = Config::builder()
        .api_key("delivery-bench")
        .otlp_endpoint(collector.endpoint())
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .redact_request_body(fixture::BODY_PATHS)
        .shipper(settings)
        .build()?;
    let shipper = Shipper::start(config)?;
    let template = fixture::exchange();
    let started = Instant::now();
    for i in 0..records {
        // Keep the queue at most half full.
        if i % 64 == 0 {
            loop {
                let s = shipper.stats();
                if s.enqueued.saturating_sub(accounted(&s)) < backlog {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let mut exchange = template.clone();
        exchange.msg_id = uuid::Uuid::new_v4();
        shipper.enqueue(exchange);
    }
    let all_handled = shipper.shutdown(Duration::from_secs(120)).is_ok();
    let elapsed = started.elapsed();
    Ok(Run {
        rtt,
        records,
        elapsed,
        distinct: collector.distinct_accepted_count(),
        max_in_flight: collector.max_in_flight(),
        requests: collector.request_count(),
        stats: shipper.stats(),
        all_handled,
    })
}

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let rtts: Vec<u64> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    let rtts = if rtts.is_empty() { vec![50, 250] } else { rtts };
    eprintln!(
        "{:>6} {:>8} {:>9} {:>10} {:>9} {:>13} {:>8}",
        "rtt", "records", "delivered", "records/s", "requests", "max_in_flight", "seconds"
    );
    let mut runs = Vec::new();
    for rtt in rtts {
        let r = run(Duration::from_millis(rtt), records)?;
        eprintln!(
            "{:>4}ms {:>8} {:>9} {:>10.0} {:>9} {:>13} {:>8.2}",
            r.rtt.as_millis(),
            r.records,
            r.distinct,
            r.distinct as f64 / r.elapsed.as_secs_f64(),
            r.requests,
            r.max_in_flight,
            r.elapsed.as_secs_f64()
        );
        runs.push(r);
    }
    for r in &runs {
        eprintln!(
            "rtt {} ms: all records handled = {}, stats = {:?}",
            r.rtt.as_millis(),
            r.all_handled,
            r.stats
        );
    }
    Ok(())
}
