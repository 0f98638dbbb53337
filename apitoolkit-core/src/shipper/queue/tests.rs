//! The queue's limits, retirement and closing, driven without a worker thread.

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
    let mut held = VecDeque::new();
    assert!(q.take(&mut held));
    assert_eq!(held.len(), 5);
    let sizes: Vec<usize> = std::iter::from_fn(|| {
        let (b, _) = q.cut(&mut held);
        (!b.is_empty()).then_some(b.len())
    })
    .collect();
    assert_eq!(sizes, [2, 2, 1]);
}

#[test]
fn records_held_by_the_worker_count_against_the_limit() {
    let s = ShipperSettings {
        queue_max_items: 2,
        batch_interval: Duration::ZERO,
        ..Default::default()
    };
    let q = Queue::new(&s);
    q.push(ex());
    q.push(ex());
    let mut held = VecDeque::new();
    assert!(q.take(&mut held));
    q.push(ex());
    assert_eq!(q.stats().dropped_queue_full, 1);
    let (batch, bytes) = q.cut(&mut held);
    q.mark_handled(batch, bytes);
    q.push(ex());
    assert_eq!(q.stats().dropped_queue_full, 1);
}

#[test]
fn retired_records_are_freed_by_pushes_or_after_an_idle_interval() {
    let s = ShipperSettings {
        batch_interval: Duration::from_millis(20),
        ..Default::default()
    };
    let q = std::sync::Arc::new(Queue::new(&s));
    let mut held = VecDeque::new();
    let retire = |held: &mut VecDeque<Box<Exchange>>| {
        assert!(q.take(held));
        let (batch, bytes) = q.cut(held);
        q.mark_handled(batch, bytes);
    };
    for _ in 0..3 {
        q.push(ex());
    }
    retire(&mut held);
    assert!(!q.lock().retired.is_empty());
    q.push(ex()); // frees two
    assert!(!q.lock().retired.is_empty());
    q.push(ex()); // frees the last one
    assert!(q.lock().retired.is_empty());

    // Retired again, and then no request comes: the waiting worker frees them.
    retire(&mut held);
    assert!(!q.lock().retired.is_empty());
    let worker = {
        let q = std::sync::Arc::clone(&q);
        std::thread::spawn(move || q.take(&mut VecDeque::new()))
    };
    let start = Instant::now();
    while !q.lock().retired.is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(q.lock().retired.is_empty());
    q.stop();
    assert!(!worker.join().unwrap());
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
