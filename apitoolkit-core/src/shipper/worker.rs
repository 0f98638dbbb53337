//! The worker thread: takes batches from the queue, builds the redacted records, and
//! exports them on its own current-thread tokio runtime.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::queue::Queue;
use super::retry::{deliver, Delivery};
use super::stats::{Counters, Loss};
use crate::capture::exchange::Exchange;
use crate::export::Exporter;
use crate::redact::shown_endpoints_in;
use crate::Config;

/// Marks the worker gone when dropped, also when the thread unwinds.
struct ExitGuard<'a> {
    queue: &'a Queue,
    /// Records taken from the queue and not handled yet.
    held: usize,
}

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.queue.worker_exited(self.held);
    }
}

/// The thread body after a successful start.
pub(crate) fn run(queue: Arc<Queue>, config: Config, mut exporter: Exporter, rt: Runtime) {
    let mut exit = ExitGuard {
        queue: &queue,
        held: 0,
    };
    if config.debug() {
        tracing::info!(export = ?config.export(), "apitoolkit: shipper started");
    }
    let mut held: VecDeque<Box<Exchange>> = VecDeque::new();
    loop {
        if held.is_empty() && !queue.take(&mut held) {
            break;
        }
        let (batch, bytes) = queue.cut(&mut held);
        let n = batch.len();
        exit.held = n + held.len();
        let result = catch_unwind(AssertUnwindSafe(|| {
            process(&queue, &config, &mut exporter, &rt, &batch)
        }));
        match result {
            Ok(Delivery::Exported) => Counters::add(&queue.counters.exported, n as u64),
            Ok(Delivery::Lost(reason)) => {
                if config.debug() {
                    // A transport error may quote the endpoint: shown without
                    // userinfo or query. `Export`'s `Debug` shows it so too.
                    let reason = shown_endpoints_in(&reason);
                    tracing::info!(records = n, %reason, "apitoolkit: batch lost");
                }
                queue.counters.lose(Loss::ExportFailed, n as u64);
            }
            Err(_) => {
                Counters::add(&queue.counters.failed_exports, 1);
                queue.counters.lose(Loss::ExportFailed, n as u64);
            }
        }
        queue.mark_handled(batch, bytes);
        exit.held = held.len();
    }
    if config.debug() {
        tracing::info!(stats = ?queue.stats(), "apitoolkit: shipper stopped");
    }
}

fn process(
    queue: &Queue,
    config: &Config,
    exporter: &mut Exporter,
    rt: &Runtime,
    batch: &[Box<Exchange>],
) -> Delivery {
    let prepared = exporter.prepare(batch, config);
    let delivery = rt.block_on(deliver(
        exporter,
        &prepared,
        queue,
        config.shipper(),
        config.debug(),
    ));
    exporter.reclaim(prepared);
    delivery
}
