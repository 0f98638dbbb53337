//! Counters of the shipper, readable by the host, and the "once per burst" loss logger.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A snapshot of the shipper's counters (see [`Shipper::stats`](crate::Shipper::stats)).
///
/// Every call to [`Shipper::enqueue`](crate::Shipper::enqueue) is counted in `enqueued`,
/// and every record ends in exactly one of `exported` or the `dropped_*` counters, so once
/// the shipper is idle (after a successful flush or a shutdown):
/// `enqueued == exported + dropped_queue_full + dropped_export_failed + dropped_too_large
/// + dropped_shutdown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipperStats {
    /// Calls to `enqueue` (accepted or not).
    pub enqueued: u64,
    /// Records delivered to the exporter successfully.
    pub exported: u64,
    /// Records dropped because the queue was full (items or bytes).
    pub dropped_queue_full: u64,
    /// Records lost because their batch could not be exported (attempts exhausted, a
    /// permanent error, a panicking callback, or a flush/shutdown deadline cutting retries).
    pub dropped_export_failed: u64,
    /// Records larger than the batch or queue byte budget on their own.
    pub dropped_too_large: u64,
    /// Records enqueued after shutdown began, or still queued when the worker stopped.
    pub dropped_shutdown: u64,
    /// Export attempts that were retried.
    pub retries: u64,
    /// Export attempts that failed (retried or not).
    pub failed_exports: u64,
}

/// Why records were lost (for the log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loss {
    QueueFull,
    ExportFailed,
    TooLarge,
    Shutdown,
}

impl Loss {
    fn as_str(self) -> &'static str {
        match self {
            Loss::QueueFull => "queue full",
            Loss::ExportFailed => "export failed",
            Loss::TooLarge => "record larger than the byte budget",
            Loss::Shutdown => "shipper shut down",
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
            retries: AtomicU64::new(0),
            failed_exports: AtomicU64::new(0),
            last_loss_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` lost records and logs a warning if this starts a new burst of losses.
    pub(crate) fn lose(&self, reason: Loss, n: u64) {
        if n == 0 {
            return;
        }
        let counter = match reason {
            Loss::QueueFull => &self.dropped_queue_full,
            Loss::ExportFailed => &self.dropped_export_failed,
            Loss::TooLarge => &self.dropped_too_large,
            Loss::Shutdown => &self.dropped_shutdown,
        };
        counter.fetch_add(n, Ordering::Relaxed);
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
        ShipperStats {
            enqueued: accepted + get(&self.rejected),
            exported: get(&self.exported),
            dropped_queue_full: get(&self.dropped_queue_full),
            dropped_export_failed: get(&self.dropped_export_failed),
            dropped_too_large: get(&self.dropped_too_large),
            dropped_shutdown: get(&self.dropped_shutdown),
            retries: get(&self.retries),
            failed_exports: get(&self.failed_exports),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_are_counted_by_reason() {
        let c = Counters::new();
        c.lose(Loss::QueueFull, 2);
        c.lose(Loss::QueueFull, 1);
        c.lose(Loss::Shutdown, 4);
        c.lose(Loss::TooLarge, 0);
        let s = c.snapshot(0);
        assert_eq!(s.dropped_queue_full, 3);
        assert_eq!(s.dropped_shutdown, 4);
        assert_eq!(s.dropped_too_large, 0);
    }
}
