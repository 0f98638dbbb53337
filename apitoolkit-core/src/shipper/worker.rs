//! The worker thread: cuts batches from the queue, builds their redacted records, and
//! exports up to `max_concurrent_exports` of them at once (OTLP; JSON Lines and the
//! callback one at a time), on its own current-thread tokio runtime. With a spool
//! (`spooled.rs`), batches the collector cannot take go to disk and are sent again later.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{Id, JoinError, JoinSet, LocalSet};

use super::queue::{Batch, Next, Queue};
use super::retry::{deliver, Delivery};
use super::spool::BatchId;
use super::spooled::Spooled;
use super::stats::{Counters, Loss};
use crate::config::ShipperSettings;
use crate::export::{Exporter, PreparedBatch, Sender};
use crate::redact::shown_endpoints_in;
use crate::Config;

/// Spooled batches sent at once while live records flow (all slots at shutdown).
const MAX_REPLAYS: usize = 2;

/// What an export task was given.
#[derive(Debug)]
enum Job {
    /// A batch from the queue.
    Live(Batch),
    /// A batch from the spool.
    Replay { id: BatchId, records: u32 },
}

type Finished = Result<(Id, (Delivery, PreparedBatch)), JoinError>;

/// What ended a wait.
enum Woke {
    Finished(Finished),
    Work,
    Slot(OwnedSemaphorePermit),
    Timeout,
}

struct Worker {
    queue: Arc<Queue>,
    config: Config,
    exporter: Exporter,
    sender: Sender,
    /// Export requests allowed in flight.
    slots: Arc<Semaphore>,
    slot_count: usize,
    live_settings: Arc<ShipperSettings>,
    /// One attempt per replay: a failure pauses replays instead.
    replay_settings: Arc<ShipperSettings>,
    tasks: JoinSet<(Delivery, PreparedBatch)>,
    jobs: HashMap<Id, Job>,
    spool: Option<Spooled>,
    replays: usize,
    /// Records (and failed ones) of live batches in `jobs`.
    held: (usize, usize),
}

/// The thread body after a successful start.
pub(crate) fn run(queue: Arc<Queue>, config: Config, exporter: Exporter, rt: Runtime) {
    if config.debug() {
        tracing::info!(export = ?config.export(), "apitoolkit: shipper started");
    }
    let mut worker = Worker::new(queue, config, exporter);
    let local = LocalSet::new();
    local.block_on(&rt, worker.run());
}

impl Drop for Worker {
    /// Also when the thread unwinds: what is left is counted and waiters are released.
    fn drop(&mut self) {
        self.queue.worker_exited(self.held.0, self.held.1);
    }
}

impl Worker {
    fn new(queue: Arc<Queue>, config: Config, exporter: Exporter) -> Worker {
        let settings = config.shipper();
        let slot_count = if exporter.is_otlp() {
            settings.max_concurrent_exports.max(1)
        } else {
            1
        };
        let spool = match (&settings.spool_dir, exporter.is_otlp()) {
            (Some(dir), true) => Spooled::open(
                dir,
                settings.spool_max_bytes,
                settings.initial_backoff,
                &queue.counters,
            ),
            (Some(dir), false) => {
                tracing::warn!(
                    dir = %dir.display(),
                    "apitoolkit: the spool is only used with the otlp exporter; ignored"
                );
                None
            }
            (None, _) => None,
        };
        let replay_settings = ShipperSettings {
            max_attempts: 1,
            ..settings.clone()
        };
        Worker {
            sender: exporter.sender(),
            slots: Arc::new(Semaphore::new(slot_count)),
            slot_count,
            live_settings: Arc::new(settings.clone()),
            replay_settings: Arc::new(replay_settings),
            tasks: JoinSet::new(),
            jobs: HashMap::new(),
            spool,
            replays: 0,
            held: (0, 0),
            queue,
            config,
            exporter,
        }
    }

    async fn run(&mut self) {
        loop {
            // Count the exports that ended while batches kept being launched: their
            // records leave the queue's budget now, not one per later wait.
            while let Some(done) = self.tasks.try_join_next_with_id() {
                self.complete(done);
            }
            self.replay(false);
            match self.queue.next() {
                Next::Stop => break,
                Next::Due => match Arc::clone(&self.slots).try_acquire_owned() {
                    Ok(slot) => self.launch(slot),
                    Err(_) if self.spill() => {}
                    Err(_) => self.wait(None, true).await,
                },
                Next::Wait(timeout) => self.wait(timeout, false).await,
            }
        }
        self.finish().await;
    }

    /// Cuts the due batch, prepares it and starts its export on `slot`.
    fn launch(&mut self, slot: OwnedSemaphorePermit) {
        let Some(batch) = self.queue.cut() else {
            return;
        };
        let keep_spans = self.spool.is_some();
        let (exporter, config) = (&mut self.exporter, &self.config);
        let prepared = catch_unwind(AssertUnwindSafe(|| {
            exporter.prepare(&batch.records, config, keep_spans)
        }));
        let Ok(prepared) = prepared else {
            Counters::add(&self.queue.counters.failed_exports, 1);
            self.lose(&batch);
            self.queue.mark_handled(batch);
            return;
        };
        self.held.0 += batch.len();
        self.held.1 += batch.failed;
        let settings = Arc::clone(&self.live_settings);
        self.spawn(prepared, settings, slot, Job::Live(batch));
    }

    fn spawn(
        &mut self,
        prepared: PreparedBatch,
        settings: Arc<ShipperSettings>,
        slot: OwnedSemaphorePermit,
        job: Job,
    ) {
        let (sender, queue, slots) = (
            self.sender.clone(),
            Arc::clone(&self.queue),
            Arc::clone(&self.slots),
        );
        let debug = self.config.debug();
        let spooled = self.spool.is_some();
        let task = self.tasks.spawn_local(async move {
            let delivery = deliver(
                &sender,
                &prepared,
                &queue,
                (&settings, spooled),
                debug,
                &slots,
                Some(slot),
            )
            .await;
            (delivery, prepared)
        });
        self.jobs.insert(task.id(), job);
    }

    /// With a spool, while every slot is busy and the queue is three quarters full: writes
    /// the next batch to disk instead of waiting. Returns whether it did.
    fn spill(&mut self) -> bool {
        self.spool.is_some() && self.queue.under_pressure() && self.spill_next()
    }

    /// Writes the waiting records to the spool (as many as one batch's bytes allow).
    /// Returns false when none waits.
    fn spill_next(&mut self) -> bool {
        let Some(batch) = self.queue.cut_for_spool() else {
            return false;
        };
        let (exporter, config) = (&mut self.exporter, &self.config);
        let payload = catch_unwind(AssertUnwindSafe(|| {
            exporter.spool_payload(&batch.records, config)
        }));
        match (payload, &mut self.spool) {
            (Ok(Some(payload)), Some(spool)) => {
                spool.store(&payload, batch.len(), batch.failed, &self.queue.counters);
                self.exporter.reclaim_payload(payload);
            }
            _ => self.lose(&batch),
        }
        self.queue.mark_handled(batch);
        true
    }

    /// Starts replays of spooled batches: while live records flow, at most
    /// [`MAX_REPLAYS`] and only while the queue is calm; when `stopping`, on every slot.
    fn replay(&mut self, stopping: bool) {
        let limit = if stopping {
            self.slot_count
        } else {
            MAX_REPLAYS
        };
        while self.replays < limit {
            let Some(spool) = &mut self.spool else {
                return;
            };
            if !spool.ready(Instant::now()) || (!stopping && !self.queue.calm()) {
                return;
            }
            let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
                return;
            };
            let Some(batch) = spool.next(&self.queue.counters) else {
                return;
            };
            let Some(prepared) = self.exporter.prepare_spooled(batch.payload()) else {
                return;
            };
            let job = Job::Replay {
                id: batch.id(),
                records: batch.records(),
            };
            let settings = Arc::clone(&self.replay_settings);
            self.spawn(prepared, settings, slot, job);
            self.replays += 1;
        }
    }

    /// Waits for work (at most `timeout`), a finished export, a replay to retry, or, with
    /// `need_slot`, a free export slot (then launches the due batch).
    async fn wait(&mut self, timeout: Option<Duration>, need_slot: bool) {
        let now = Instant::now();
        let replay_at = self.spool.as_ref().and_then(Spooled::wake_at);
        let until = [timeout.map(|d| now + d), replay_at]
            .into_iter()
            .flatten()
            .min();
        let woke = {
            let sleep = async move {
                match until {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            };
            let slots = Arc::clone(&self.slots);
            let slot = async move {
                if need_slot {
                    slots.acquire_owned().await.ok()
                } else {
                    std::future::pending().await
                }
            };
            let has_tasks = !self.tasks.is_empty();
            tokio::select! {
                Some(done) = self.tasks.join_next_with_id(), if has_tasks => Woke::Finished(done),
                () = self.queue.work.notified() => Woke::Work,
                Some(slot) = slot => Woke::Slot(slot),
                () = sleep => Woke::Timeout,
            }
        };
        match woke {
            Woke::Finished(done) => self.complete(done),
            Woke::Work => {}
            Woke::Slot(slot) => self.launch(slot),
            Woke::Timeout => {
                if timeout.is_some() && !need_slot {
                    self.queue.idle_tick();
                }
            }
        }
    }

    /// Counts a finished export: exported, spooled, or lost.
    fn complete(&mut self, done: Finished) {
        let (id, outcome) = match done {
            Ok((id, outcome)) => (id, Some(outcome)),
            Err(e) => (e.id(), None),
        };
        let Some(job) = self.jobs.remove(&id) else {
            return;
        };
        let counters = &self.queue.counters;
        match job {
            Job::Live(batch) => {
                self.held.0 -= batch.len();
                self.held.1 -= batch.failed;
                match outcome {
                    Some((Delivery::Exported, prepared)) => {
                        Counters::add(&counters.exported, batch.len() as u64);
                        if let Some(spool) = &mut self.spool {
                            spool.collector_answered();
                        }
                        self.exporter.reclaim(prepared);
                    }
                    Some((Delivery::Lost { reason, retryable }, prepared)) => {
                        let spool = match (retryable, &mut self.spool, &prepared) {
                            (true, Some(spool), PreparedBatch::Otlp(_, Some(spans))) => {
                                Some((spool, spans))
                            }
                            _ => None,
                        };
                        if self.config.debug() {
                            // A transport error may quote the endpoint: shown without
                            // userinfo or query. `Export`'s `Debug` shows it so too.
                            let reason = shown_endpoints_in(&reason);
                            let what = if spool.is_some() {
                                "apitoolkit: batch not delivered; spooled"
                            } else {
                                "apitoolkit: batch lost"
                            };
                            tracing::info!(records = batch.len(), %reason, "{what}");
                        }
                        match spool {
                            Some((spool, spans)) => {
                                spool.store(spans, batch.len(), batch.failed, counters);
                            }
                            None => self.lose(&batch),
                        }
                    }
                    None => {
                        // The export task panicked.
                        Counters::add(&counters.failed_exports, 1);
                        self.lose(&batch);
                    }
                }
                self.queue.mark_handled(batch);
            }
            Job::Replay { id, records } => {
                self.replays -= 1;
                let Some(spool) = &mut self.spool else {
                    return;
                };
                match outcome {
                    Some((Delivery::Exported, _)) => spool.delivered(id, records, counters),
                    Some((
                        Delivery::Lost {
                            retryable: false, ..
                        },
                        _,
                    )) => spool.refused(id, records, counters),
                    _ => spool.failed(id, Instant::now()),
                }
            }
        }
    }

    fn lose(&self, batch: &Batch) {
        self.queue
            .counters
            .lose(Loss::ExportFailed, batch.len() as u64, batch.failed as u64);
    }

    /// After a stop: lets the exports in flight end (delivered, or cut by the deadline
    /// and spooled), spools what is still queued, then replays the spool on every slot
    /// until the stop deadline, leaving the rest on disk.
    async fn finish(&mut self) {
        while let Some(done) = self.tasks.join_next_with_id().await {
            self.complete(done);
        }
        // Records still queued (a flush that ran out of time) go to disk, not lost.
        if self.spool.is_some() {
            while self.spill_next() {}
        }
        let deadline = self.queue.stop_deadline().unwrap_or_else(Instant::now);
        loop {
            if Instant::now() < deadline {
                self.replay(true);
            }
            if let Some(done) = self.tasks.join_next_with_id().await {
                self.complete(done);
                continue;
            }
            match self.spool.as_ref().and_then(Spooled::wake_at) {
                Some(at) if at < deadline => tokio::time::sleep_until(at.into()).await,
                _ => break,
            }
        }
        if let Some(spool) = &self.spool {
            if !spool.is_empty() {
                tracing::info!(
                    records = self.queue.stats().spool_pending,
                    "apitoolkit: spooled records left on disk for the next run"
                );
            }
        }
    }
}
