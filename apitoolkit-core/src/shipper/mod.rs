//! The background shipper (docs/PROTOCOL.md §8): a bounded queue filled from the
//! request path, and a named worker thread that batches, redacts and exports records.
//!
//! * [`Shipper::enqueue`] never waits for the exporter: when the queue is full (items or
//!   approximate bytes) the record is dropped and counted, a successful exchange before a
//!   failed one (`queue/`).
//! * The worker thread (`apitoolkit-shipper`, `worker.rs`) runs its own current-thread
//!   tokio runtime, so the shipper works under any host runtime, several of them (actix),
//!   or none. It keeps up to `max_concurrent_exports` OTLP requests in flight.
//! * Batches go out at `batch_max_records` records (more while a backlog waits),
//!   `batch_max_bytes` bytes, `batch_interval` after their first record, or on
//!   flush/shutdown. Failed exports are retried with jittered exponential back-off
//!   (honouring `Retry-After`) up to `max_attempts` (`retry.rs`), then spooled
//!   (`spooled.rs`, `spool/`) or counted lost.
//! * [`Shipper::flush`] / [`Shipper::shutdown`] wait for everything enqueued before the
//!   call to be exported, spooled or counted lost, up to a timeout; a pending deadline
//!   also cuts retries short. Shutdown then replays what it can of the spool until the
//!   same deadline. Dropping the last handle shuts down with a 5 s timeout.
//!
//! Handled records (exported, spooled or counted lost) are freed by later enqueues, on
//! the request threads that allocated them, rather than by the worker (cross-thread
//! frees made the allocator's locks contend); at most 4 MiB of them wait, and the worker
//! frees them itself once no record has arrived for a batch interval.
//!
//! Losses are logged with `tracing::warn!` once per burst; [`Shipper::stats`] has the
//! counts, and shutdown logs them at `info` level. With `debug` on, every built
//! (redacted) record is logged at `debug` level and lifecycle events at `info` level. The
//! API key never appears in logs, `Debug` output or spool files.

// Records travel by pointer (`Box<Exchange>`) from the request path through the queue,
// the worker's batches and back to the request path to be freed: an exchange is a few
// hundred bytes, and each move of it would otherwise be a copy, some of them under the
// queue's lock.
#![allow(clippy::vec_box)]

mod guard;
mod queue;
mod retired;
pub(crate) mod retry;
mod spool;
mod spooled;
mod stats;
mod worker;

use std::fmt;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

pub use guard::ShipperGuard;
pub use stats::ShipperStats;

use crate::error::{ShutdownError, StartError};
use crate::export::Exporter;
use crate::{Config, Exchange};
use queue::Queue;

/// Name of the worker thread.
pub(crate) const THREAD_NAME: &str = "apitoolkit-shipper";

/// Time allowed to the final flush when the last handle is dropped without a shutdown.
const DROP_TIMEOUT: Duration = Duration::from_secs(5);

/// Extra time allowed to the worker to exit after the flush deadline of a shutdown.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// Handle to the background shipper. Cheap to clone (an `Arc`), `Send + Sync`.
///
/// ```
/// use std::time::Duration;
/// use apitoolkit_core::{Config, Shipper};
///
/// let config = Config::builder().on_batch(|batch| println!("{} records", batch.len())).build()?;
/// let shipper = Shipper::start(config)?;
/// // shipper.enqueue(exchange) from the request path...
/// shipper.shutdown(Duration::from_secs(5))?; // flushes, then stops
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Shipper {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    queue: Arc<Queue>,
    worker: Mutex<Option<JoinHandle<()>>>,
    worker_id: ThreadId,
}

impl fmt::Debug for Shipper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shipper")
            .field("export", self.inner.config.export())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Shipper {
    /// Starts the worker thread (named `apitoolkit-shipper`) for this config's exporter.
    ///
    /// Fails when the exporter cannot be set up: a file that cannot be opened for
    /// appending, a malformed OTLP endpoint or header. An unreachable collector is not an
    /// error here (gRPC connects lazily); its failures are retried and counted.
    pub fn start(config: Config) -> Result<Shipper, StartError> {
        let queue = Arc::new(Queue::new(config.shipper()));
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), StartError>>(1);
        let worker_queue = Arc::clone(&queue);
        let worker_config = config.clone();
        let handle = thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        worker_queue.worker_exited(0, 0);
                        let _ = ready_tx.send(Err(StartError::Runtime(e)));
                        return;
                    }
                };
                let exporter = {
                    let _context = rt.enter();
                    Exporter::from_config(&worker_config)
                };
                match exporter {
                    Ok(exporter) => {
                        let _ = ready_tx.send(Ok(()));
                        worker::run(worker_queue, worker_config, exporter, rt);
                    }
                    Err(e) => {
                        worker_queue.worker_exited(0, 0);
                        let _ = ready_tx.send(Err(StartError::Config(e)));
                    }
                }
            })
            .map_err(StartError::Thread)?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = handle.join();
                return Err(e);
            }
            Err(_) => {
                let _ = handle.join();
                return Err(StartError::WorkerLost);
            }
        }
        Ok(Shipper {
            inner: Arc::new(Inner {
                worker_id: handle.thread().id(),
                config,
                queue,
                worker: Mutex::new(Some(handle)),
            }),
        })
    }

    /// The configuration the shipper was started with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Queues a record for export. Never blocks on the exporter and never panics: when
    /// the queue is full (items or approximate bytes, see [`Exchange::approx_size`]), after
    /// shutdown, or when the record alone exceeds the byte budget, it is dropped and
    /// counted. Redaction happens later, on the worker.
    #[inline]
    pub fn enqueue(&self, exchange: Exchange) {
        self.inner.queue.push(Box::new(exchange));
    }

    /// As [`enqueue`](Self::enqueue), for an exchange already on the heap: the queue
    /// holds records by pointer, so nothing is copied.
    #[inline]
    pub fn enqueue_boxed(&self, exchange: Box<Exchange>) {
        self.inner.queue.push(exchange);
    }

    /// Blocks until everything enqueued before the call is exported or counted lost, or
    /// `timeout` passes. When the timeout passes, retries of those records are cut short
    /// and they are counted lost.
    ///
    /// Does not need (or use) the caller's async runtime: safe to call from inside a
    /// tokio runtime of any flavour, from a `Drop`, or from a plain thread. It does block
    /// the calling thread.
    ///
    /// # Errors
    /// [`ShutdownError::Timeout`] when not everything was handled in time;
    /// [`ShutdownError::AlreadyShutDown`] after [`shutdown`](Self::shutdown).
    pub fn flush(&self, timeout: Duration) -> Result<(), ShutdownError> {
        if self.inner.queue.is_closed() {
            return Err(ShutdownError::AlreadyShutDown);
        }
        let done = if thread::current().id() == self.inner.worker_id {
            // Called from the exporter itself (e.g. a callback): it cannot wait for itself.
            self.inner.queue.idle()
        } else {
            self.inner.queue.flush_until(deadline_after(timeout))
        };
        done.then_some(()).ok_or(ShutdownError::Timeout(timeout))
    }

    /// Flushes (see [`flush`](Self::flush)), then stops and joins the worker. Records
    /// enqueued afterwards are dropped and counted as `dropped_shutdown`.
    ///
    /// # Errors
    /// [`ShutdownError::Timeout`] when not everything was handled, or the worker did not
    /// stop, in time; [`ShutdownError::AlreadyShutDown`] when shutdown had already begun
    /// (a second call, a guard, the last handle dropped).
    pub fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        self.inner.shutdown(timeout)
    }

    /// Counts an exchange the sampling coin left out (docs/PROTOCOL.md §6).
    pub(crate) fn sampled_out(&self) {
        stats::Counters::add(&self.inner.queue.counters.sampled_out, 1);
    }

    /// Counts an exchange a handler skipped (docs/PROTOCOL.md §6).
    pub(crate) fn skipped(&self) {
        stats::Counters::add(&self.inner.queue.counters.skipped, 1);
    }

    /// Current counters.
    pub fn stats(&self) -> ShipperStats {
        self.inner.queue.stats()
    }

    /// A guard that shuts the shipper down (flushing, 5 s timeout by default) when
    /// dropped. Bind it to a name: `let _guard = shipper.guard();`, never `let _ = ...`.
    pub fn guard(&self) -> ShipperGuard {
        ShipperGuard::new(self.clone())
    }
}

impl Inner {
    fn shutdown(&self, timeout: Duration) -> Result<(), ShutdownError> {
        let deadline = deadline_after(timeout);
        if !self.queue.close() {
            return Err(ShutdownError::AlreadyShutDown);
        }
        if self.config.debug() {
            tracing::info!("apitoolkit: shipper shutting down");
        }
        let flushed = self.queue.flush_until(deadline);
        self.queue.stop(deadline);
        if thread::current().id() == self.worker_id {
            // Called from the exporter itself (e.g. a callback): it cannot wait for itself.
            return Err(ShutdownError::Timeout(timeout));
        }
        let exited = self.queue.wait_exited(deadline + EXIT_GRACE);
        let handle = self
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            if exited {
                let _ = handle.join();
            } else {
                tracing::warn!(
                    "apitoolkit: the shipper's worker did not stop in time; detaching it"
                );
            }
        }
        let stats = self.queue.stats();
        tracing::info!(
            exported = stats.exported,
            spooled = stats.spooled,
            replayed = stats.replayed,
            spool_pending = stats.spool_pending,
            dropped_queue_full = stats.dropped_queue_full,
            dropped_export_failed = stats.dropped_export_failed,
            dropped_too_large = stats.dropped_too_large,
            dropped_shutdown = stats.dropped_shutdown,
            dropped_spool_full = stats.dropped_spool_full,
            dropped_ok = stats.dropped_ok,
            dropped_failed = stats.dropped_failed,
            retries = stats.retries,
            "apitoolkit: shipper stopped"
        );
        (flushed && exited && self.queue.idle())
            .then_some(())
            .ok_or(ShutdownError::Timeout(timeout))
    }
}

/// `timeout` from now, or a day when that overflows.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(86_400))
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.shutdown(DROP_TIMEOUT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SdkType;
    use http::{Method, Uri, Version};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handle_is_send_sync() {
        assert_send_sync::<Shipper>();
        assert_send_sync::<ShipperGuard>();
    }

    #[test]
    fn flush_and_shutdown_deliver_everything() {
        let seen = Arc::new(AtomicUsize::new(0));
        let s2 = Arc::clone(&seen);
        let config = Config::builder()
            .on_batch(move |b| {
                s2.fetch_add(b.len(), Ordering::SeqCst);
            })
            .build_with_env(|_| None)
            .expect("config");
        let shipper = Shipper::start(config).expect("start");
        let ex = Exchange::new(
            SdkType::RustCustom,
            Method::GET,
            Uri::from_static("/"),
            Version::HTTP_11,
        );
        for _ in 0..10 {
            shipper.enqueue(ex.clone());
        }
        assert_eq!(shipper.flush(Duration::from_secs(10)), Ok(()));
        assert_eq!(seen.load(Ordering::SeqCst), 10);
        shipper.enqueue(ex.clone());
        assert_eq!(shipper.shutdown(Duration::from_secs(10)), Ok(()));
        // A second shutdown, and a flush after it, say so; nothing else happens.
        assert_eq!(
            shipper.shutdown(Duration::from_secs(10)),
            Err(ShutdownError::AlreadyShutDown)
        );
        assert_eq!(
            shipper.flush(Duration::from_secs(10)),
            Err(ShutdownError::AlreadyShutDown)
        );
        shipper.enqueue(ex);
        let st = shipper.stats();
        assert_eq!((st.enqueued, st.exported, st.dropped_shutdown), (12, 11, 1));
    }
}
