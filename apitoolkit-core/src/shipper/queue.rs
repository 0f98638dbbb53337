//! The bounded queue between the request path and the worker thread.
//!
//! A `Mutex<VecDeque>` held for a few instructions per enqueue (no allocation once the
//! two buffers have grown: the worker swaps batches out of the front), with a sequence
//! number per accepted record. Sequence numbers make `flush` exact: it waits until the
//! worker has handled (exported or counted lost) every record accepted before the call.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::stats::{Counters, Loss};
use crate::config::ShipperSettings;
use crate::exchange::Exchange;

#[derive(Debug)]
struct State {
    buf: VecDeque<(usize, Exchange)>,
    /// Approximate bytes in `buf`.
    bytes: usize,
    /// When the oldest record in `buf` arrived.
    first_at: Option<Instant>,
    /// Records accepted so far (sequence number of the last one).
    pushed: u64,
    /// Records the worker has finished with (exported or counted lost), in queue order.
    handled: u64,
    /// Highest `pushed` value a pending flush waits for.
    flush_target: u64,
    /// Latest deadline of the pending flushes.
    flush_deadline: Option<Instant>,
    /// Shutdown began: no more records are accepted.
    closed: bool,
    /// The worker must stop once idle.
    stop: bool,
    /// The worker thread has finished.
    exited: bool,
    /// The worker is blocked in `next_batch` and needs a notification to see new work.
    worker_waiting: bool,
}

/// A batch taken by the worker.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) exchanges: Vec<Exchange>,
}

/// The shared queue and its signals.
#[derive(Debug)]
pub(crate) struct Queue {
    state: Mutex<State>,
    /// The worker waits on it for work.
    work: Condvar,
    /// Flushers and shutdown wait on it for progress.
    done: Condvar,
    /// Interrupts the worker's retry back-off when a flush or shutdown arrives.
    pub(crate) wake: Notify,
    pub(crate) counters: Counters,
    max_items: usize,
    max_bytes: usize,
    too_large: usize,
    batch_records: usize,
    batch_bytes: usize,
    batch_interval: Duration,
}

impl Queue {
    pub(crate) fn new(s: &ShipperSettings) -> Queue {
        let max_items = s.queue_max_items.max(1);
        Queue {
            state: Mutex::new(State {
                buf: VecDeque::with_capacity(max_items.min(1024)),
                bytes: 0,
                first_at: None,
                pushed: 0,
                handled: 0,
                flush_target: 0,
                flush_deadline: None,
                closed: false,
                stop: false,
                exited: false,
                worker_waiting: false,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            wake: Notify::new(),
            counters: Counters::new(),
            max_items,
            max_bytes: s.queue_max_bytes,
            too_large: s.queue_max_bytes.min(s.batch_max_bytes),
            batch_records: s.batch_max_records.max(1),
            batch_bytes: s.batch_max_bytes,
            batch_interval: s.batch_interval,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The request-path half: never waits for the worker, only for the brief lock.
    pub(crate) fn push(&self, ex: Exchange) {
        Counters::add(&self.counters.enqueued, 1);
        let size = ex.approx_size();
        if size > self.too_large {
            self.counters.lose(Loss::TooLarge, 1);
            return;
        }
        let mut s = self.lock();
        if s.closed {
            drop(s);
            self.counters.lose(Loss::Shutdown, 1);
            return;
        }
        if s.buf.len() >= self.max_items || s.bytes + size > self.max_bytes {
            drop(s);
            self.counters.lose(Loss::QueueFull, 1);
            return;
        }
        let was_empty = s.buf.is_empty();
        if was_empty {
            s.first_at = Some(Instant::now());
        }
        s.buf.push_back((size, ex));
        s.bytes += size;
        s.pushed += 1;
        let wake = s.worker_waiting
            && (was_empty || s.buf.len() >= self.batch_records || s.bytes >= self.batch_bytes);
        if wake {
            s.worker_waiting = false;
        }
        drop(s);
        if wake {
            self.work.notify_one();
        }
    }

    /// The worker's wait: the next batch, or `None` once asked to stop.
    pub(crate) fn next_batch(&self) -> Option<Batch> {
        let mut s = self.lock();
        loop {
            if s.stop {
                return None;
            }
            if !s.buf.is_empty() {
                let taken = s.pushed - s.buf.len() as u64;
                let due = s.first_at.map(|t| t + self.batch_interval);
                let now = Instant::now();
                if s.flush_target > taken
                    || s.closed
                    || s.buf.len() >= self.batch_records
                    || s.bytes >= self.batch_bytes
                    || due.is_none_or(|d| now >= d)
                {
                    return Some(self.take(&mut s));
                }
                s.worker_waiting = true;
                let wait = due.map_or(self.batch_interval, |d| d - now);
                s = self
                    .work
                    .wait_timeout(s, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            } else {
                s.worker_waiting = true;
                s = self.work.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
            s.worker_waiting = false;
        }
    }

    fn take(&self, s: &mut State) -> Batch {
        let mut exchanges = Vec::with_capacity(s.buf.len().min(self.batch_records));
        let mut bytes = 0usize;
        while exchanges.len() < self.batch_records {
            match s.buf.front() {
                Some((size, _)) if exchanges.is_empty() || bytes + size <= self.batch_bytes => {}
                _ => break,
            }
            if let Some((size, ex)) = s.buf.pop_front() {
                bytes += size;
                exchanges.push(ex);
            }
        }
        s.bytes -= bytes;
        if s.buf.is_empty() {
            s.first_at = None;
        }
        Batch { exchanges }
    }

    /// The deadline the worker must respect while a flush (or shutdown) is pending.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let s = self.lock();
        if s.flush_target > s.handled {
            s.flush_deadline
        } else {
            None
        }
    }

    /// The worker finished with `n` more records.
    pub(crate) fn mark_handled(&self, n: usize) {
        let mut s = self.lock();
        s.handled += n as u64;
        if s.handled >= s.flush_target {
            s.flush_deadline = None;
        }
        drop(s);
        self.done.notify_all();
    }

    /// Waits until every record accepted before the call is handled, or `deadline`.
    pub(crate) fn flush_until(&self, deadline: Instant) -> bool {
        let mut s = self.lock();
        let target = s.pushed;
        if s.handled >= target {
            return true;
        }
        if s.exited {
            return false;
        }
        s.flush_target = s.flush_target.max(target);
        s.flush_deadline = Some(s.flush_deadline.map_or(deadline, |d| d.max(deadline)));
        s.worker_waiting = false;
        self.work.notify_one();
        self.wake.notify_one();
        loop {
            if s.handled >= target {
                return true;
            }
            let now = Instant::now();
            if s.exited || now >= deadline {
                return false;
            }
            s = self
                .done
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Stops accepting records. Returns false if shutdown had already begun.
    pub(crate) fn close(&self) -> bool {
        let mut s = self.lock();
        !std::mem::replace(&mut s.closed, true)
    }

    /// Asks the worker to stop once it is done with its current batch.
    pub(crate) fn stop(&self) {
        let mut s = self.lock();
        s.stop = true;
        s.worker_waiting = false;
        drop(s);
        self.work.notify_one();
        self.wake.notify_one();
    }

    /// Waits until the worker thread has finished, or `deadline`.
    pub(crate) fn wait_exited(&self, deadline: Instant) -> bool {
        let mut s = self.lock();
        loop {
            let now = Instant::now();
            if s.exited {
                return true;
            }
            if now >= deadline {
                return false;
            }
            s = self
                .done
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Whether every accepted record has been handled.
    pub(crate) fn idle(&self) -> bool {
        let s = self.lock();
        s.handled >= s.pushed
    }

    /// Run by the worker as it exits (also when it panicked): whatever is still queued is
    /// counted lost, and waiters are released.
    pub(crate) fn worker_exited(&self) {
        let mut s = self.lock();
        let left = s.buf.len();
        s.buf.clear();
        s.bytes = 0;
        s.first_at = None;
        s.handled += left as u64;
        s.closed = true;
        s.exited = true;
        drop(s);
        self.counters.lose(Loss::Shutdown, left as u64);
        self.done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::SdkType;
    use http::{Method, Uri, Version};

    fn ex() -> Exchange {
        Exchange::new(
            SdkType::RustCustom,
            Method::GET,
            Uri::from_static("/x"),
            Version::HTTP_11,
        )
    }

    #[test]
    fn batches_respect_record_and_byte_limits() {
        let mut s = ShipperSettings::default();
        s.batch_max_records = 3;
        s.batch_max_bytes = ex().approx_size() * 2;
        s.batch_interval = Duration::ZERO;
        let q = Queue::new(&s);
        for _ in 0..5 {
            q.push(ex());
        }
        assert_eq!(q.next_batch().map(|b| b.exchanges.len()), Some(2));
        assert_eq!(q.next_batch().map(|b| b.exchanges.len()), Some(2));
        assert_eq!(q.next_batch().map(|b| b.exchanges.len()), Some(1));
    }

    #[test]
    fn full_queue_and_closed_queue_drop() {
        let mut s = ShipperSettings::default();
        s.queue_max_items = 2;
        let q = Queue::new(&s);
        for _ in 0..3 {
            q.push(ex());
        }
        assert!(q.close());
        assert!(!q.close());
        q.push(ex());
        let st = q.counters.snapshot();
        assert_eq!((st.enqueued, st.dropped_queue_full, st.dropped_shutdown), (4, 1, 1));
    }
}
