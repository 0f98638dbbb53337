//! The queue's limits, batches, eviction, flush watermark, retirement and closing, driven
//! without a worker thread.

use super::*;
use crate::model::SdkType;
use http::{Method, Uri, Version};

fn ex() -> Box<Exchange> {
    Box::new(Exchange::new(
        SdkType::RustCustom,
        Method::GET,
        Uri::from_static("/x"),
        Version::HTTP_11,
    ))
}

fn failed() -> Box<Exchange> {
    let mut e = ex();
    e.status = 503;
    e
}

fn sizes(q: &Queue) -> Vec<usize> {
    std::iter::from_fn(|| {
        let b = q.cut()?;
        let n = b.len();
        q.mark_handled(b);
        Some(n)
    })
    .collect()
}

#[test]
fn batches_respect_record_and_byte_limits() {
    let s = ShipperSettings {
        batch_max_records: 3,
        batch_max_bytes: ex().approx_size() * 2,
        batch_interval: Duration::ZERO,
        ..Default::default()
    };
    let q = Queue::new(&s);
    for _ in 0..5 {
        q.push(ex());
    }
    assert_eq!(q.next(), Next::Due);
    assert_eq!(sizes(&q), [2, 2, 1]);
    assert!(q.idle());
}

#[test]
fn batches_grow_with_the_backlog_up_to_the_byte_limit() {
    let s = ShipperSettings {
        batch_max_records: 4,
        ..Default::default()
    };
    let q = Queue::new(&s);
    for _ in 0..50 {
        q.push(ex());
    }
    // 50 waiting: 32 (8 x 4), then the 18 left (more than 4 still wait), then nothing.
    assert_eq!(sizes(&q), [32, 18]);
    for _ in 0..3 {
        q.push(ex());
    }
    assert_eq!(sizes(&q), [3]);

    let s = ShipperSettings {
        batch_max_records: 4,
        batch_max_bytes: ex().approx_size() * 10,
        ..Default::default()
    };
    let q = Queue::new(&s);
    for _ in 0..50 {
        q.push(ex());
    }
    assert_eq!(sizes(&q), [10, 10, 10, 10, 10]);
}

#[test]
fn records_in_batches_count_against_the_limit() {
    let s = ShipperSettings {
        queue_max_items: 2,
        batch_interval: Duration::ZERO,
        ..Default::default()
    };
    let q = Queue::new(&s);
    q.push(ex());
    q.push(ex());
    let batch = q.cut().unwrap();
    q.push(ex());
    assert_eq!(q.stats().dropped_queue_full, 1);
    q.mark_handled(batch);
    q.push(ex());
    assert_eq!(q.stats().dropped_queue_full, 1);
}

#[test]
fn a_full_queue_drops_successes_before_failures() {
    let s = ShipperSettings {
        queue_max_items: 3,
        ..Default::default()
    };
    let q = Queue::new(&s);
    q.push(ex());
    q.push(failed());
    q.push(ex());
    // Full: a success is refused, a failure takes the newest success's place.
    q.push(ex());
    q.push(failed());
    q.push(failed());
    // Only failures wait now: another failure is refused.
    q.push(failed());
    let st = q.stats();
    assert_eq!(st.enqueued, 7);
    assert_eq!(st.dropped_queue_full, 4);
    assert_eq!((st.dropped_ok, st.dropped_failed), (3, 1));
    let batch = q.cut().unwrap();
    assert_eq!(batch.len(), 3);
    assert_eq!(batch.failed, 3);
    assert!(batch.records.iter().all(|e| e.status == 503));
}

#[test]
fn a_flush_waits_for_every_earlier_batch_whatever_order_they_finish_in() {
    let q = Queue::new(&ShipperSettings {
        batch_max_records: 2,
        ..Default::default()
    });
    q.push(ex());
    q.push(ex());
    let first = q.cut().unwrap();
    q.push(ex());
    q.push(ex());
    let second = q.cut().unwrap();
    let deadline = Instant::now() + Duration::from_millis(50);
    q.mark_handled(second);
    // The first batch is still out: the flush times out, and sees the deadline.
    assert!(!q.flush_until(deadline));
    assert!(!q.idle());
    q.mark_handled(first);
    assert!(q.idle());
    assert!(q.flush_until(Instant::now() + Duration::from_secs(1)));
    assert_eq!(q.deadline(), None);
}

#[test]
fn next_says_when_a_batch_is_due() {
    let q = Queue::new(&ShipperSettings {
        batch_max_records: 3,
        batch_interval: Duration::from_secs(60),
        ..Default::default()
    });
    assert_eq!(q.next(), Next::Wait(None));
    q.push(ex());
    assert!(matches!(q.next(), Next::Wait(Some(_))));
    q.push(ex());
    q.push(ex());
    assert_eq!(q.next(), Next::Due);
    q.stop(Instant::now());
    assert_eq!(q.next(), Next::Stop);
}

#[test]
fn retired_records_are_freed_by_pushes_or_after_an_idle_interval() {
    let q = Queue::new(&ShipperSettings::default());
    let retire = || {
        let batch = q.cut().unwrap();
        q.mark_handled(batch);
    };
    for _ in 0..3 {
        q.push(ex());
    }
    retire();
    assert!(!q.lock().retired.is_empty());
    q.push(ex()); // frees two
    assert!(!q.lock().retired.is_empty());
    q.push(ex()); // frees the last one
    assert!(q.lock().retired.is_empty());

    // Retired again, and then no request comes: the worker's idle tick frees them.
    retire();
    assert!(!q.lock().retired.is_empty());
    assert!(matches!(q.next(), Next::Wait(Some(_))));
    q.idle_tick();
    assert!(q.lock().retired.is_empty());
}

#[test]
fn full_queue_and_closed_queue_drop() {
    let s = ShipperSettings {
        queue_max_items: 2,
        ..Default::default()
    };
    let q = Queue::new(&s);
    for _ in 0..3 {
        q.push(ex());
    }
    assert!(q.close());
    assert!(!q.close());
    q.push(ex());
    let st = q.stats();
    assert_eq!(
        (st.enqueued, st.dropped_queue_full, st.dropped_shutdown),
        (4, 1, 1)
    );
}

#[test]
fn pressure_and_calm() {
    let q = Queue::new(&ShipperSettings {
        queue_max_items: 8,
        ..Default::default()
    });
    for _ in 0..4 {
        q.push(ex());
    }
    assert!(q.calm() && !q.under_pressure());
    for _ in 0..2 {
        q.push(ex());
    }
    assert!(!q.calm() && q.under_pressure());
}
