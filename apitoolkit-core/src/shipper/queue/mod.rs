//! The bounded queue between the request path and the worker thread.
//!
//! A `Mutex<VecDeque>` held for a few instructions per enqueue. The worker takes the
//! whole pending buffer in O(1) (swapping in its own emptied one, so there is no
//! allocation in the steady state) and cuts it into batches outside the lock. Records
//! the worker holds still count against the item and byte limits until they are handled.
//! A sequence number per accepted record makes `flush` exact: it waits until the worker
//! has handled (exported or counted lost) every record accepted before the call.
//! Handled records go to [`Retired`] so that the request path frees them (see there).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::retired::Retired;
use super::stats::{Counters, Loss, ShipperStats};
use crate::capture::exchange::Exchange;
use crate::config::ShipperSettings;

#[derive(Debug)]
struct State {
    /// Accepted records the worker has not taken yet.
    buf: VecDeque<Box<Exchange>>,
    /// Approximate bytes in `buf`.
    buf_bytes: usize,
    /// Records accepted and not yet handled (in `buf` or held by the worker).
    items: usize,
    /// Approximate bytes of those records.
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
    /// The worker is blocked in `take` and needs a notification to see new work.
    worker_waiting: bool,
    /// Handled records waiting to be freed by the request path.
    retired: Retired,
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
    pub(crate) batch_records: usize,
    pub(crate) batch_bytes: usize,
    batch_interval: Duration,
}

impl Queue {
    pub(crate) fn new(s: &ShipperSettings) -> Queue {
        let max_items = s.queue_max_items.max(1);
        Queue {
            state: Mutex::new(State {
                buf: VecDeque::with_capacity(max_items.min(1024)),
                buf_bytes: 0,
                items: 0,
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
                retired: Retired::default(),
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

    fn reject(&self, reason: Loss) {
        Counters::add(&self.counters.rejected, 1);
        self.counters.lose(reason, 1);
    }

    /// The request-path half: never waits for the worker, only for the brief lock.
    #[inline]
    pub(crate) fn push(&self, ex: Box<Exchange>) {
        let size = ex.approx_size();
        if size > self.too_large {
            self.reject(Loss::TooLarge);
            return;
        }
        let mut s = self.lock();
        if s.closed {
            drop(s);
            self.reject(Loss::Shutdown);
            return;
        }
        if s.items >= self.max_items || s.bytes.saturating_add(size) > self.max_bytes {
            drop(s);
            self.reject(Loss::QueueFull);
            return;
        }
        let was_empty = s.buf.is_empty();
        if was_empty {
            s.first_at = Some(Instant::now());
        }
        s.buf.push_back(ex);
        s.buf_bytes += size;
        s.bytes += size;
        s.items += 1;
        s.pushed += 1;
        let wake = s.worker_waiting
            && (was_empty || s.buf.len() >= self.batch_records || s.buf_bytes >= self.batch_bytes);
        if wake {
            s.worker_waiting = false;
        }
        let retired = s.retired.take_some();
        drop(s);
        if wake {
            self.work.notify_one();
        }
        drop(retired);
    }

    /// The worker's wait: once a batch is due, swaps the pending records into `into`
    /// (which must be empty) and returns true; returns false once asked to stop.
    pub(crate) fn take(&self, into: &mut VecDeque<Box<Exchange>>) -> bool {
        let mut s = self.lock();
        loop {
            if s.stop {
                return false;
            }
            if !s.buf.is_empty() {
                let taken = s.pushed - s.buf.len() as u64;
                let due = s.first_at.map(|t| t + self.batch_interval);
                let now = Instant::now();
                if s.flush_target > taken
                    || s.closed
                    || s.buf.len() >= self.batch_records
                    || s.buf_bytes >= self.batch_bytes
                    || due.is_none_or(|d| now >= d)
                {
                    std::mem::swap(&mut s.buf, into);
                    s.buf_bytes = 0;
                    s.first_at = None;
                    return true;
                }
                s.worker_waiting = true;
                let wait = due.map_or(self.batch_interval, |d| d - now);
                s = self
                    .work
                    .wait_timeout(s, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            } else if !s.retired.is_empty() {
                // Nothing queued: give requests one batch interval to come and free
                // these, then free what is left here (the process may have gone quiet).
                s.worker_waiting = true;
                let (guard, waited) = self
                    .work
                    .wait_timeout(s, self.batch_interval)
                    .unwrap_or_else(PoisonError::into_inner);
                s = guard;
                if waited.timed_out() && s.buf.is_empty() && !s.stop {
                    let retired = s.retired.take_all();
                    drop(s);
                    drop(retired);
                    s = self.lock();
                }
            } else {
                s.worker_waiting = true;
                s = self.work.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
            s.worker_waiting = false;
        }
    }

    /// Cuts the next batch (by records and bytes) off the front of the worker's records.
    /// Returns the batch and its approximate bytes.
    pub(crate) fn cut(&self, from: &mut VecDeque<Box<Exchange>>) -> (Vec<Box<Exchange>>, usize) {
        let mut batch = Vec::with_capacity(from.len().min(self.batch_records));
        let mut bytes = 0usize;
        while batch.len() < self.batch_records {
            let Some(size) = from.front().map(|ex| ex.approx_size()) else {
                break;
            };
            if !batch.is_empty() && bytes.saturating_add(size) > self.batch_bytes {
                break;
            }
            if let Some(ex) = from.pop_front() {
                bytes += size;
                batch.push(ex);
            }
        }
        (batch, bytes)
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

    /// The worker finished with `batch` (exported or counted lost), of `bytes` approximate
    /// bytes. The records are kept for the request path to free (see [`Retired`]).
    pub(crate) fn mark_handled(&self, batch: Vec<Box<Exchange>>, bytes: usize) {
        let n = batch.len();
        let mut s = self.lock();
        s.handled += n as u64;
        s.items = s.items.saturating_sub(n);
        s.bytes = s.bytes.saturating_sub(bytes);
        if s.handled >= s.flush_target {
            s.flush_deadline = None;
        }
        let refused = s.retired.add(batch, bytes);
        drop(s);
        self.done.notify_all();
        drop(refused);
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

    /// Whether shutdown has begun.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Asks the worker to stop once it is done with the records it holds.
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

    /// The counters.
    pub(crate) fn stats(&self) -> ShipperStats {
        let pushed = self.lock().pushed;
        self.counters.snapshot(pushed)
    }

    /// Run by the worker as it exits (also when it panicked): whatever is still queued,
    /// and `held` records the worker still had, are counted lost, and waiters released.
    pub(crate) fn worker_exited(&self, held: usize) {
        let mut s = self.lock();
        let left = s.buf.len() + held;
        s.buf.clear();
        s.buf_bytes = 0;
        s.items = 0;
        s.bytes = 0;
        s.first_at = None;
        s.handled += left as u64;
        s.closed = true;
        s.exited = true;
        let retired = s.retired.take_all();
        drop(s);
        drop(retired);
        self.counters.lose(Loss::Shutdown, left as u64);
        self.done.notify_all();
    }
}

#[cfg(test)]
mod tests;
