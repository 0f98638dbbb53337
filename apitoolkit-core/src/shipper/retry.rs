//! Retries of one batch: jittered exponential back-off, `Retry-After`, bounded attempts,
//! export slots held only while sending, and flush/shutdown deadlines that cut the
//! waiting short.

use std::collections::hash_map::RandomState;
use std::future::{poll_fn, Future};
use std::hash::{BuildHasher, Hasher};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::queue::Queue;
use super::stats::Counters;
use crate::config::ShipperSettings;
use crate::export::{Attempt, PreparedBatch, Sender};
use crate::redact::shown_endpoints_in;

/// Exponential back-off: `initial`, doubling, capped at `max`, each delay jittered to a
/// uniformly random value in `[delay/2, delay]` ("equal jitter").
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
    rng: u64,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Backoff {
        let seed = RandomState::new().build_hasher().finish() | 1;
        Backoff {
            next: initial.min(max),
            max,
            rng: seed,
        }
    }

    /// The un-jittered delay of the next retry.
    #[cfg(test)]
    pub(crate) fn peek(&self) -> Duration {
        self.next
    }

    /// The next (jittered) delay.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = base.saturating_mul(2).min(self.max);
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let frac = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        base / 2 + base.mul_f64(frac / 2.0)
    }
}

/// Outcome of delivering one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    Exported,
    Lost {
        reason: String,
        /// The collector may take the batch later (retryable failures, deadlines): the
        /// spool may keep it. Permanent refusals are not kept.
        retryable: bool,
    },
}

impl Delivery {
    fn lost(reason: impl Into<String>, retryable: bool) -> Delivery {
        Delivery::Lost {
            reason: reason.into(),
            retryable,
        }
    }
}

/// Sends one prepared batch, retrying as the settings allow. Each attempt holds one of
/// the export `slots` (the first one may come with the call); the back-off between
/// attempts does not, so a batch waiting for its retry does not hold up the others.
/// With `spooled` (a spool takes what is not delivered), a failed batch does not wait in
/// memory for its retry while the queue is pressing: it gives up at once, to be spooled.
pub(crate) async fn deliver(
    sender: &Sender,
    prepared: &PreparedBatch,
    queue: &Queue,
    (settings, spooled): (&ShipperSettings, bool),
    debug: bool,
    slots: &Arc<Semaphore>,
    mut permit: Option<OwnedSemaphorePermit>,
) -> Delivery {
    const DEADLINE: &str = "flush or shutdown deadline passed";
    let counters = &queue.counters;
    let mut wake = queue.wake.subscribe();
    let mut backoff = Backoff::new(settings.initial_backoff, settings.max_backoff);
    let attempts = settings.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        let slot = match permit.take() {
            Some(p) => p,
            None => match until_deadline(Arc::clone(slots).acquire_owned(), queue, &mut wake).await
            {
                Some(Ok(p)) => p,
                Some(Err(_)) => return Delivery::lost("the shipper stopped", true),
                None => return Delivery::lost(DEADLINE, true),
            },
        };
        let mut timeout = settings.export_timeout;
        if let Some(deadline) = queue.deadline() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery::lost(DEADLINE, true);
            }
            timeout = timeout.min(left);
        }
        let send = async {
            let _in_flight = counters.start_export();
            sender.export(prepared, timeout).await
        };
        let outcome = until_deadline(send, queue, &mut wake).await;
        drop(slot);
        let Some(outcome) = outcome else {
            // A flush or shutdown arrived during the attempt and its deadline passed.
            Counters::add(&counters.failed_exports, 1);
            return Delivery::lost(format!("{DEADLINE} during an export"), true);
        };
        let (after, reason) = match outcome {
            Attempt::Done => return Delivery::Exported,
            Attempt::Permanent(reason) => {
                Counters::add(&counters.failed_exports, 1);
                return Delivery::lost(reason, false);
            }
            Attempt::Retryable { after, reason } => (after, reason),
        };
        Counters::add(&counters.failed_exports, 1);
        if attempt >= attempts {
            return Delivery::lost(format!("{reason} (after {attempt} attempts)"), true);
        }
        if spooled && queue.pressing() {
            return Delivery::lost(format!("{reason} (queue pressing: not retried)"), true);
        }
        let delay = match after {
            Some(a) => a.min(settings.max_backoff),
            None => backoff.next_delay(),
        };
        if debug {
            // A transport error may quote the endpoint: shown without userinfo or query.
            let reason = shown_endpoints_in(&reason);
            tracing::debug!(attempt, ?delay, %reason, "apitoolkit: export failed, retrying");
        }
        Counters::add(&counters.retries, 1);
        attempt += 1;
        if until_deadline(tokio::time::sleep(delay), queue, &mut wake)
            .await
            .is_none()
        {
            return Delivery::lost(format!("{reason} ({DEADLINE})"), true);
        }
    }
}

/// Runs `fut` to completion, or gives up (`None`) once a flush or shutdown deadline
/// passes: a deadline may arrive after `fut` started (woken through `wake`), and a stuck
/// collector must not hold a flush or a shutdown past its deadline with records neither
/// exported nor counted.
pub(crate) async fn until_deadline<F: Future>(
    fut: F,
    queue: &Queue,
    wake: &mut watch::Receiver<u64>,
) -> Option<F::Output> {
    let mut fut = pin!(fut);
    loop {
        wake.borrow_and_update();
        let deadline = queue.deadline();
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let mut expiry = deadline.map(|d| Box::pin(tokio::time::sleep_until(d.into())));
        let mut changed = pin!(wake.changed());
        let step = poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(Some(out)));
            }
            if expiry
                .as_mut()
                .is_some_and(|e| e.as_mut().poll(cx).is_ready())
            {
                return Poll::Ready(Some(None));
            }
            // A flush or shutdown arrived: re-read the deadline.
            if changed.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        if let Some(result) = step {
            return result;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
        let expected = [100u64, 200, 400, 500, 500];
        for ms in expected {
            assert_eq!(b.peek(), Duration::from_millis(ms));
            let d = b.next_delay();
            assert!(
                d >= Duration::from_millis(ms) / 2,
                "{d:?} < half of {ms} ms"
            );
            assert!(d <= Duration::from_millis(ms), "{d:?} > {ms} ms");
        }
    }

    #[test]
    fn initial_above_max_is_capped() {
        let mut b = Backoff::new(Duration::from_secs(10), Duration::from_secs(1));
        assert!(b.next_delay() <= Duration::from_secs(1));
    }
}
