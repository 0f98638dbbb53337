//! The bounded queue between the request path and the worker thread.
//!
//! A `Mutex<VecDeque>` held for a few instructions per enqueue. Records wait here until
//! the worker has a free export slot; then it cuts a batch off the front ([`Queue::cut`]):
//! `batch_max_records` records, or more when a backlog waits (up to
//! [`GROWTH`] times as many, always within `batch_max_bytes`). Records in batches still
//! count against the item and byte limits until they are handled.
//!
//! Batches are numbered by their records in cut order and may finish in any order (the
//! worker exports several at once); [`handled::Handled`] keeps the watermark a flush waits
//! for: every record accepted before the flush exported, spooled or counted lost.
//!
//! When the queue is full, a failed exchange (status >= 500, errors) takes the place of
//! the newest successful one still waiting; a successful exchange is refused.
//! Handled records go to [`Retired`] so that the request path frees them (see there).

mod handled;

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use super::retired::Retired;
use super::stats::{Counters, Loss, ShipperStats};
use crate::capture::exchange::Exchange;
use crate::config::ShipperSettings;
use handled::Handled;

/// How much larger than `batch_max_records` a batch may grow while a backlog waits.
pub(crate) const GROWTH: usize = 8;

#[derive(Debug)]
struct State {
    /// Accepted records not cut into a batch yet.
    buf: VecDeque<Box<Exchange>>,
    /// Approximate bytes in `buf`.
    buf_bytes: usize,
    /// Records accepted and not yet handled (in `buf` or in batches).
    items: usize,
    /// Approximate bytes of those records.
    bytes: usize,
    /// When the oldest record in `buf` arrived (or earlier).
    first_at: Option<Instant>,
    /// Records accepted so far.
    pushed: u64,
    /// Records cut into batches so far (the next batch's first number).
    taken: u64,
    /// Which batches are handled.
    handled: Handled,
    /// The watermark a pending flush waits for.
    flush_target: u64,
    /// Latest deadline of the pending flushes.
    flush_deadline: Option<Instant>,
    /// Shutdown began: no more records are accepted.
    closed: bool,
    /// The worker must stop (after replaying what it can of the spool until this).
    stop: Option<Instant>,
    /// The worker thread has finished.
    exited: bool,
    /// The worker waits for work and needs a notification to see new records.
    worker_waiting: bool,
    /// Handled records waiting to be freed by the request path.
    retired: Retired,
}

/// A batch cut from the queue: its records (in queue order) and what the queue must know
/// when it is handled.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) records: Vec<Box<Exchange>>,
    /// Approximate bytes of the records.
    bytes: usize,
    /// The number of its first record.
    seq: u64,
    /// How many of the records are failed exchanges.
    pub(crate) failed: usize,
}

impl Batch {
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

/// What the worker should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// A batch is due: cut it.
    Due,
    /// Nothing is due: wait for a notification on [`Queue::work`], at most this long.
    Wait(Option<Duration>),
    /// Stop.
    Stop,
}

/// The shared queue and its signals.
#[derive(Debug)]
pub(crate) struct Queue {
    state: Mutex<State>,
    /// Wakes the worker: records arrived while it waited, the queue is under pressure, a
    /// flush or a stop arrived.
    pub(crate) work: Notify,
    /// Flushers and shutdown wait on it for progress.
    done: Condvar,
    /// Bumped when a flush or a stop arrives: exports waiting for a retry re-check the
    /// deadline.
    pub(crate) wake: watch::Sender<u64>,
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
                buf_bytes: 0,
                items: 0,
                bytes: 0,
                first_at: None,
                pushed: 0,
                taken: 0,
                handled: Handled::default(),
                flush_target: 0,
                flush_deadline: None,
                closed: false,
                stop: None,
                exited: false,
                worker_waiting: false,
                retired: Retired::default(),
            }),
            work: Notify::new(),
            done: Condvar::new(),
            wake: watch::Sender::new(0),
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

    fn reject(&self, reason: Loss, failed: bool) {
        Counters::add(&self.counters.rejected, 1);
        self.counters.lose(reason, 1, u64::from(failed));
    }

    /// Items at which the queue is under pressure: the worker is woken to spill to the
    /// spool while its export slots are busy.
    fn pressure_mark(&self) -> usize {
        (self.max_items - self.max_items / 4).max(1)
    }

    /// The request-path half: never waits for the worker, only for the brief lock.
    #[inline]
    pub(crate) fn push(&self, ex: Box<Exchange>) {
        let size = ex.approx_size();
        if size > self.too_large {
            self.reject(Loss::TooLarge, ex.is_failure());
            return;
        }
        let mut s = self.lock();
        if s.closed {
            drop(s);
            self.reject(Loss::Shutdown, ex.is_failure());
            return;
        }
        let mut evicted = Vec::new();
        if s.items >= self.max_items || s.bytes.saturating_add(size) > self.max_bytes {
            match ex
                .is_failure()
                .then(|| self.evict_ok(&mut s, size))
                .flatten()
            {
                Some(removed) => evicted = removed,
                None => {
                    drop(s);
                    self.reject(Loss::QueueFull, ex.is_failure());
                    return;
                }
            }
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
        let due = was_empty || s.buf.len() >= self.batch_records || s.buf_bytes >= self.batch_bytes;
        let wake = (s.worker_waiting && due) || s.items == self.pressure_mark();
        if wake {
            s.worker_waiting = false;
        }
        let retired = s.retired.take_some();
        drop(s);
        if wake {
            self.work.notify_one();
        }
        if !evicted.is_empty() {
            self.counters.lose(Loss::QueueFull, evicted.len() as u64, 0);
        }
        drop(evicted);
        drop(retired);
    }

    /// Makes room for a failed exchange of `size` bytes by removing the newest successful
    /// records still waiting. Returns them; `None` (and nothing removed) when there is not
    /// enough room to make.
    fn evict_ok(&self, s: &mut State, size: usize) -> Option<Vec<Box<Exchange>>> {
        let fits = |items: usize, bytes: usize| {
            items < self.max_items && bytes.saturating_add(size) <= self.max_bytes
        };
        let (mut items, mut bytes) = (s.items, s.bytes);
        let mut picks = Vec::new();
        for (i, e) in s.buf.iter().enumerate().rev() {
            if fits(items, bytes) {
                break;
            }
            if !e.is_failure() {
                picks.push(i);
                items -= 1;
                bytes = bytes.saturating_sub(e.approx_size());
            }
        }
        if !fits(items, bytes) {
            return None;
        }
        // `picks` is in descending order: each removal leaves the earlier indices valid.
        let mut evicted = Vec::with_capacity(picks.len());
        for i in picks {
            if let Some(ex) = s.buf.remove(i) {
                let size = ex.approx_size();
                s.buf_bytes -= size;
                s.bytes -= size;
                s.items -= 1;
                // A pending flush counted this record; it no longer waits for it.
                if s.flush_target > s.taken + i as u64 {
                    s.flush_target -= 1;
                }
                evicted.push(ex);
            }
        }
        if s.buf.is_empty() {
            s.first_at = None;
        }
        Some(evicted)
    }

    /// The worker's question: is a batch due, must it wait (how long), or stop?
    pub(crate) fn next(&self) -> Next {
        let mut s = self.lock();
        if s.stop.is_some() {
            return Next::Stop;
        }
        s.worker_waiting = false;
        if !s.buf.is_empty() {
            let due = s.first_at.map(|t| t + self.batch_interval);
            let now = Instant::now();
            if s.flush_target > s.taken
                || s.closed
                || s.buf.len() >= self.batch_records
                || s.buf_bytes >= self.batch_bytes
                || due.is_none_or(|d| now >= d)
            {
                return Next::Due;
            }
            s.worker_waiting = true;
            return Next::Wait(due.map(|d| d - now));
        }
        s.worker_waiting = true;
        if s.retired.is_empty() {
            Next::Wait(None)
        } else {
            // Nothing queued: give requests one batch interval to come and free these,
            // then the worker frees them ([`Queue::idle_tick`]).
            Next::Wait(Some(self.batch_interval))
        }
    }

    /// Run by the worker when a wait for work timed out: frees the retired records if no
    /// record arrived meanwhile (the process may have gone quiet).
    pub(crate) fn idle_tick(&self) {
        let mut s = self.lock();
        if s.buf.is_empty() && s.stop.is_none() {
            let retired = s.retired.take_all();
            drop(s);
            drop(retired);
        }
    }

    /// Cuts the next batch off the front of the waiting records: `batch_max_records`, or
    /// up to [`GROWTH`] times as many while more wait, within `batch_max_bytes` (a single
    /// record always fits). `None` when nothing waits.
    pub(crate) fn cut(&self) -> Option<Batch> {
        self.cut_up_to(None)
    }

    /// As [`cut`](Self::cut), for the spool: every waiting record that fits in
    /// `batch_max_bytes` (fewer, larger files).
    pub(crate) fn cut_for_spool(&self) -> Option<Batch> {
        self.cut_up_to(Some(usize::MAX))
    }

    fn cut_up_to(&self, records: Option<usize>) -> Option<Batch> {
        let mut s = self.lock();
        let waiting = s.buf.len();
        if waiting == 0 {
            return None;
        }
        let limit = if let Some(n) = records {
            n
        } else if waiting > self.batch_records {
            waiting.min(self.batch_records.saturating_mul(GROWTH))
        } else {
            self.batch_records
        };
        let mut records = Vec::with_capacity(limit.min(waiting));
        let mut bytes = 0usize;
        let mut failed = 0usize;
        while records.len() < limit {
            let Some(size) = s.buf.front().map(|ex| ex.approx_size()) else {
                break;
            };
            if !records.is_empty() && bytes.saturating_add(size) > self.batch_bytes {
                break;
            }
            if let Some(ex) = s.buf.pop_front() {
                bytes += size;
                failed += usize::from(ex.is_failure());
                records.push(ex);
            }
        }
        s.buf_bytes -= bytes;
        if s.buf.is_empty() {
            s.first_at = None;
        }
        let seq = s.taken;
        s.taken += records.len() as u64;
        Some(Batch {
            records,
            bytes,
            seq,
            failed,
        })
    }

    /// Whether the queue is three quarters full (items or bytes): time to spill batches
    /// to the spool rather than wait for an export slot.
    pub(crate) fn under_pressure(&self) -> bool {
        let s = self.lock();
        !s.buf.is_empty()
            && (s.items >= self.pressure_mark() || s.bytes >= self.max_bytes - self.max_bytes / 4)
    }

    /// Whether three quarters of the queue's budget (items or bytes) are taken, waiting or
    /// in batches: a batch that failed should make room (go to the spool) rather than
    /// wait in memory for its retry.
    pub(crate) fn pressing(&self) -> bool {
        let s = self.lock();
        s.items >= self.pressure_mark() || s.bytes >= self.max_bytes - self.max_bytes / 4
    }

    /// Whether the queue is at most half full: live records are not pressing, the spool
    /// may be replayed.
    pub(crate) fn calm(&self) -> bool {
        let s = self.lock();
        s.items <= self.max_items / 2 && s.bytes <= self.max_bytes / 2
    }

    /// The deadline the worker must respect while a flush (or shutdown) is pending.
    /// (The earlier of a pending flush's deadline and a stop's.)
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let s = self.lock();
        let flush = if s.flush_target > s.handled.upto() {
            s.flush_deadline
        } else {
            None
        };
        match (flush, s.stop) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The worker is done with `batch` (exported, spooled or counted lost). The records are
    /// kept for the request path to free (see [`Retired`]).
    pub(crate) fn mark_handled(&self, batch: Batch) {
        let n = batch.records.len();
        let mut s = self.lock();
        s.handled.complete(batch.seq, batch.seq + n as u64);
        s.items = s.items.saturating_sub(n);
        s.bytes = s.bytes.saturating_sub(batch.bytes);
        if s.handled.upto() >= s.flush_target {
            s.flush_deadline = None;
        }
        let refused = s.retired.add(batch.records, batch.bytes);
        drop(s);
        self.done.notify_all();
        drop(refused);
    }

    fn wake_worker(&self) {
        self.work.notify_one();
        self.wake
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Waits until every record accepted before the call is handled, or `deadline`.
    pub(crate) fn flush_until(&self, deadline: Instant) -> bool {
        let mut s = self.lock();
        let target = s.taken + s.buf.len() as u64;
        if s.handled.upto() >= target {
            return true;
        }
        if s.exited {
            return false;
        }
        s.flush_target = s.flush_target.max(target);
        s.flush_deadline = Some(s.flush_deadline.map_or(deadline, |d| d.max(deadline)));
        s.worker_waiting = false;
        drop(s);
        self.wake_worker();
        let mut s = self.lock();
        loop {
            // Evictions may have lowered the target since.
            if s.handled.upto() >= target.min(s.flush_target) {
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

    /// Asks the worker to stop: it finishes the batches it holds, replays what it can of
    /// the spool until `deadline`, and exits.
    pub(crate) fn stop(&self, deadline: Instant) {
        let mut s = self.lock();
        s.stop = Some(deadline);
        s.worker_waiting = false;
        drop(s);
        self.wake_worker();
    }

    /// The deadline of a requested stop.
    pub(crate) fn stop_deadline(&self) -> Option<Instant> {
        self.lock().stop
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
        s.buf.is_empty() && s.handled.upto() >= s.taken
    }

    /// The counters.
    pub(crate) fn stats(&self) -> ShipperStats {
        let pushed = self.lock().pushed;
        self.counters.snapshot(pushed)
    }

    /// Run by the worker as it exits (also when it panicked): whatever is still queued,
    /// and `held` records (`held_failed` of them failed) of batches the worker still had,
    /// are counted lost, and waiters released.
    pub(crate) fn worker_exited(&self, held: usize, held_failed: usize) {
        let mut s = self.lock();
        let left = s.buf.len() + held;
        let failed = s.buf.iter().filter(|e| e.is_failure()).count() + held_failed;
        s.buf.clear();
        s.buf_bytes = 0;
        s.items = 0;
        s.bytes = 0;
        s.first_at = None;
        let end = s.taken.max(s.flush_target);
        s.handled.complete(0, end);
        s.closed = true;
        s.exited = true;
        let retired = s.retired.take_all();
        drop(s);
        drop(retired);
        self.counters
            .lose(Loss::Shutdown, left as u64, failed as u64);
        self.done.notify_all();
    }
}

#[cfg(test)]
mod tests;
