//! The worker's side of the spool (docs/PROTOCOL.md §8, "The spool"): which batches go to
//! disk, when they are sent again, and how that is counted.
//!
//! * A batch goes to the spool when its retryable attempts are exhausted or a
//!   flush/shutdown deadline cut them short, and when the queue is three quarters full
//!   while every export slot is busy (spilled without being sent). Permanent refusals
//!   (4xx) are not kept: they would be refused again.
//! * Spooled batches are sent again oldest first, one attempt each, while the queue is
//!   at most half full and a slot is free. A replay that fails pauses replays, with
//!   back-off, until it is tried again or a live export succeeds (the collector is back).
//! * At shutdown, after the queue is flushed, the worker replays until the shutdown
//!   deadline with every slot and leaves the rest on disk for the next run.

use std::path::Path;
use std::time::{Duration, Instant};

use super::retry::Backoff;
use super::spool::{BatchId, Spool, SpooledBatch};
use super::stats::{Counters, Loss};

/// Longest pause between replay probes while the collector fails.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// The spool as the worker uses it.
#[derive(Debug)]
pub(crate) struct Spooled {
    spool: Spool,
    /// No replay before this (a replay failed: the collector is still down).
    paused_until: Option<Instant>,
    backoff: Backoff,
    initial: Duration,
}

impl Spooled {
    /// Opens the spool directory; a spool that cannot be opened is logged and the shipper
    /// runs without one (in memory, as without `APITOOLKIT_SPOOL_DIR`).
    pub(crate) fn open(
        dir: &Path,
        budget: u64,
        initial: Duration,
        counters: &Counters,
    ) -> Option<Spooled> {
        match Spool::open(dir, budget) {
            Ok(spool) => {
                if !spool.is_empty() {
                    tracing::info!(
                        dir = %dir.display(),
                        records = spool.records(),
                        "apitoolkit: found spooled records; sending them"
                    );
                }
                let mut s = Spooled {
                    spool,
                    paused_until: None,
                    backoff: Backoff::new(initial, MAX_PAUSE),
                    initial,
                };
                s.update(counters);
                Some(s)
            }
            Err(e) => {
                tracing::warn!(
                    dir = %dir.display(),
                    error = %e,
                    "apitoolkit: the spool cannot be used; records stay in memory only"
                );
                None
            }
        }
    }

    /// Stores a batch's payload; counts its records `spooled`, or dropped when the spool
    /// refuses it (budget or disk full, a write error).
    pub(crate) fn store(&mut self, payload: &[u8], records: usize, failed: usize, c: &Counters) {
        let (n, f) = (records as u64, failed as u64);
        let stored = match (u32::try_from(records), u32::try_from(failed)) {
            (Ok(r), Ok(fl)) => self.spool.store(payload, r, fl).map_err(|e| e.to_string()),
            _ => Err("batch too large for the spool".to_owned()),
        };
        match stored {
            Ok(()) => Counters::add(&c.spooled, n),
            Err(reason) => {
                tracing::debug!(%reason, records, "apitoolkit: the spool refused a batch");
                c.lose(Loss::SpoolFull, n, f);
            }
        }
        self.update(c);
    }

    /// Whether a replay may start now.
    pub(crate) fn ready(&self, now: Instant) -> bool {
        !self.spool.is_empty() && self.paused_until.is_none_or(|t| now >= t)
    }

    /// When a paused spool with batches should be tried again.
    pub(crate) fn wake_at(&self) -> Option<Instant> {
        self.paused_until.filter(|_| !self.spool.is_empty())
    }

    /// Whether batches are left on disk.
    pub(crate) fn is_empty(&self) -> bool {
        self.spool.is_empty()
    }

    /// The oldest batch not being sent yet; damaged files met on the way are counted.
    pub(crate) fn next(&mut self, c: &Counters) -> Option<SpooledBatch> {
        let batch = self.spool.next_batch();
        self.update(c);
        batch
    }

    /// A replayed batch was delivered: deleted, counted, and replays go on.
    pub(crate) fn delivered(&mut self, id: BatchId, records: u32, c: &Counters) {
        if let Err(e) = self.spool.remove(id) {
            tracing::warn!(error = %e, "apitoolkit: a sent spool file could not be deleted");
        }
        Counters::add(&c.replayed, u64::from(records));
        self.collector_answered();
        self.update(c);
    }

    /// The collector refused a replayed batch for good: deleted and counted.
    pub(crate) fn refused(&mut self, id: BatchId, records: u32, c: &Counters) {
        let _ = self.spool.remove(id);
        Counters::add(&c.dropped_replay, u64::from(records));
        self.update(c);
    }

    /// A replay failed in a way that may pass later: the batch stays (still the oldest)
    /// and replays pause.
    pub(crate) fn failed(&mut self, id: BatchId, now: Instant) {
        self.spool.release(id);
        self.paused_until = Some(now + self.backoff.next_delay());
    }

    /// A live export succeeded: the collector is back, replays resume.
    pub(crate) fn collector_answered(&mut self) {
        self.paused_until = None;
        self.backoff = Backoff::new(self.initial, MAX_PAUSE);
    }

    /// Publishes the gauge and the skipped files.
    fn update(&mut self, c: &Counters) {
        let skipped = self.spool.take_skipped();
        Counters::add(&c.spool_corrupt, skipped.files);
        Counters::add(&c.dropped_replay, skipped.records);
        c.spool_pending
            .store(self.spool.records(), std::sync::atomic::Ordering::Relaxed);
    }
}
