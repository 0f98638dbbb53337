//! Counters of the shipper, readable by the host, and the "once per burst" loss logger.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A snapshot of the shipper's counters (see [`Shipper::stats`](crate::Shipper::stats)).
///
/// Every call to [`Shipper::enqueue`](crate::Shipper::enqueue) is counted in `enqueued`,
/// and every record ends in exactly one of `exported`, `spooled` or the `dropped_*`
/// counters by reason, so once the shipper is idle (after a successful flush or a
/// shutdown):
/// `enqueued == exported + spooled + dropped_queue_full + dropped_export_failed +
/// dropped_too_large + dropped_shutdown + dropped_spool_full`.
///
/// Records written to the spool are sent later (`replayed`, also by a later run of the
/// app) or are still on disk (`spool_pending`); for a spool that started empty,
/// `spooled == replayed + spool_pending + dropped_replay` once idle.
/// `dropped_ok + dropped_failed` is the sum of the `dropped_*` counters by reason, split
/// by kind: a "failed" exchange has status >= 500 or reported errors (panics included),
/// and is dropped only when no successful one can be dropped instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipperStats {
    /// Calls to `enqueue` (accepted or not).
    pub enqueued: u64,
    /// Records delivered to the exporter successfully (from memory; see `replayed`).
    pub exported: u64,
    /// Records dropped because the queue was full (items or bytes).
    pub dropped_queue_full: u64,
    /// Records lost because their batch could not be exported (attempts exhausted, a
    /// permanent error, a panicking callback, or a flush/shutdown deadline cutting
    /// retries) and no spool could take them.
    pub dropped_export_failed: u64,
    /// Records larger than the batch or queue byte budget on their own.
    pub dropped_too_large: u64,
    /// Records enqueued after shutdown began, or still queued when the worker stopped.
    pub dropped_shutdown: u64,
    /// Records the spool refused (its byte budget full, the disk full, a write error).
    pub dropped_spool_full: u64,
    /// Of the dropped records (every reason above), the successful exchanges.
    pub dropped_ok: u64,
    /// Of the dropped records (every reason above), the failed exchanges (status >= 500,
    /// reported errors, panics).
    pub dropped_failed: u64,
    /// Records written to the on-disk spool (`APITOOLKIT_SPOOL_DIR`) to be sent later.
    pub spooled: u64,
    /// Records sent from the spool (written by this run or an earlier one).
    pub replayed: u64,
    /// Records read from the spool that the collector refused for good (a 4xx).
    pub dropped_replay: u64,
    /// Spool files skipped because they were corrupt or unreadable.
    pub spool_corrupt: u64,
    /// Records in the spool's files now (a gauge, not a counter).
    pub spool_pending: u64,
    /// Export attempts that were retried.
    pub retries: u64,
    /// Export attempts that failed (retried or not).
    pub failed_exports: u64,
    /// The most export requests that were in flight at once.
    pub max_in_flight_exports: u64,
    /// Successful exchanges the sampling coin left out (`APITOOLKIT_SAMPLE_RATE`): never
    /// enqueued, so not in `enqueued`.
    pub sampled_out: u64,
    /// Exchanges a handler left out (`skip()`): never enqueued, so not in `enqueued`.
    pub skipped: u64,
}

/// Why records were lost (for the log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loss {
    QueueFull,
    ExportFailed,
    TooLarge,
    Shutdown,
    SpoolFull,
}

impl Loss {
    fn as_str(self) -> &'static str {
        match self {
            Loss::QueueFull => "queue full",
            Loss::ExportFailed => "export failed",
            Loss::TooLarge => "record larger than the byte budget",
            Loss::Shutdown => "shipper shut down",
            Loss::SpoolFull => "spool full or not writable",
        }
    }
}

/// A burst of losses ends after this long without any.
const QUIET_PERIOD: Duration = Duration::from_secs(10);

/// The live counters, shared by the handles and the worker.
#[derive(Debug)]
pub(crate) struct Counters {
    /// Records refused by `enqueue` (the accepted ones are counted by the queue).
    pub(crate) rejected: AtomicU64,
    pub(crate) exported: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_export_failed: AtomicU64,
    dropped_too_large: AtomicU64,
    dropped_shutdown: AtomicU64,
    dropped_spool_full: AtomicU64,
    dropped_failed: AtomicU64,
    pub(crate) spooled: AtomicU64,
    pub(crate) replayed: AtomicU64,
    pub(crate) dropped_replay: AtomicU64,
    pub(crate) spool_corrupt: AtomicU64,
    pub(crate) spool_pending: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    pub(crate) sampled_out: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) failed_exports: AtomicU64,
    /// Milliseconds since `epoch` of the last loss, plus one (0: none yet).
    last_loss_ms: AtomicU64,
    epoch: Instant,
}

impl Counters {
    pub(crate) fn new() -> Counters {
        Counters {
            rejected: AtomicU64::new(0),
            exported: AtomicU64::new(0),
            dropped_queue_full: AtomicU64::new(0),
            dropped_export_failed: AtomicU64::new(0),
            dropped_too_large: AtomicU64::new(0),
            dropped_shutdown: AtomicU64::new(0),
            dropped_spool_full: AtomicU64::new(0),
            dropped_failed: AtomicU64::new(0),
            spooled: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            dropped_replay: AtomicU64::new(0),
            spool_corrupt: AtomicU64::new(0),
            spool_pending: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            sampled_out: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            failed_exports: AtomicU64::new(0),
            last_loss_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// An export request starts; returns the guard that ends it (for
    /// `max_in_flight_exports`).
    pub(crate) fn start_export(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    /// Counts `n` lost records, `failed` of them failed exchanges, and logs a warning if
    /// this starts a new burst of losses.
    pub(crate) fn lose(&self, reason: Loss, n: u64, failed: u64) {
        if n == 0 {
            return;
        }
        let counter = match reason {
            Loss::QueueFull => &self.dropped_queue_full,
            Loss::ExportFailed => &self.dropped_export_failed,
            Loss::TooLarge => &self.dropped_too_large,
            Loss::Shutdown => &self.dropped_shutdown,
            Loss::SpoolFull => &self.dropped_spool_full,
        };
        counter.fetch_add(n, Ordering::Relaxed);
        self.dropped_failed
            .fetch_add(failed.min(n), Ordering::Relaxed);
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let last = self.last_loss_ms.swap(now, Ordering::Relaxed);
        let quiet = u64::try_from(QUIET_PERIOD.as_millis()).unwrap_or(u64::MAX);
        if last == 0 || now.saturating_sub(last) >= quiet {
            tracing::warn!(
                reason = reason.as_str(),
                records = n,
                "apitoolkit: dropping records; further losses in this burst are only counted \
                 (see Shipper::stats)"
            );
        }
    }

    /// The counters, given how many records the queue accepted.
    pub(crate) fn snapshot(&self, accepted: u64) -> ShipperStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let dropped = get(&self.dropped_queue_full)
            + get(&self.dropped_export_failed)
            + get(&self.dropped_too_large)
            + get(&self.dropped_shutdown)
            + get(&self.dropped_spool_full);
        let dropped_failed = get(&self.dropped_failed);
        ShipperStats {
            enqueued: accepted + get(&self.rejected),
            exported: get(&self.exported),
            dropped_queue_full: get(&self.dropped_queue_full),
            dropped_export_failed: get(&self.dropped_export_failed),
            dropped_too_large: get(&self.dropped_too_large),
            dropped_shutdown: get(&self.dropped_shutdown),
            dropped_spool_full: get(&self.dropped_spool_full),
            dropped_ok: dropped.saturating_sub(dropped_failed),
            dropped_failed,
            spooled: get(&self.spooled),
            replayed: get(&self.replayed),
            dropped_replay: get(&self.dropped_replay),
            spool_corrupt: get(&self.spool_corrupt),
            spool_pending: get(&self.spool_pending),
            retries: get(&self.retries),
            failed_exports: get(&self.failed_exports),
            max_in_flight_exports: get(&self.max_in_flight),
            sampled_out: get(&self.sampled_out),
            skipped: get(&self.skipped),
        }
    }
}

/// One export request in flight; ends when dropped.
#[derive(Debug)]
pub(crate) struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_counted_by_reason() {
        let c = Counters::new();
        c.lose(Loss::QueueFull, 2, 1);
        c.lose(Loss::QueueFull, 1, 0);
        c.lose(Loss::Shutdown, 4, 0);
        c.lose(Loss::TooLarge, 0, 0);
        c.lose(Loss::SpoolFull, 3, 3);
        let s = c.snapshot(0);
        assert_eq!(s.dropped_queue_full, 3);
        assert_eq!(s.dropped_shutdown, 4);
        assert_eq!(s.dropped_too_large, 0);
        assert_eq!(s.dropped_spool_full, 3);
        assert_eq!((s.dropped_ok, s.dropped_failed), (6, 4));
    }

    #[test]
    fn in_flight_exports_keep_their_maximum() {
        let c = Counters::new();
        let a = c.start_export();
        let b = c.start_export();
        drop(a);
        let _c = c.start_export();
        drop(b);
        assert_eq!(c.snapshot(0).max_in_flight_exports, 2);
    }
}
