//! Retries of one batch: jittered exponential back-off, `Retry-After`, bounded attempts,
//! and flush/shutdown deadlines that cut the waiting short.

use std::collections::hash_map::RandomState;
use std::future::{poll_fn, Future as _};
use std::hash::{BuildHasher, Hasher};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::queue::Queue;
use super::stats::Counters;
use crate::config::ShipperSettings;
use crate::export::{Attempt, Exporter, PreparedBatch};
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
    Lost(String),
}

/// Sends one prepared batch, retrying as the settings allow.
pub(crate) async fn deliver(
    exporter: &mut Exporter,
    prepared: &PreparedBatch,
    queue: &Queue,
    settings: &ShipperSettings,
    debug: bool,
) -> Delivery {
    let counters = &queue.counters;
    let mut backoff = Backoff::new(settings.initial_backoff, settings.max_backoff);
    let attempts = settings.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        let mut timeout = settings.export_timeout;
        if let Some(deadline) = queue.deadline() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery::Lost("flush or shutdown deadline passed".into());
            }
            timeout = timeout.min(left);
        }
        let Some(outcome) = attempt_until_deadline(exporter, prepared, timeout, queue).await else {
            // A flush or shutdown arrived during the attempt and its deadline passed.
            Counters::add(&counters.failed_exports, 1);
            return Delivery::Lost("flush or shutdown deadline passed during an export".into());
        };
        let (after, reason) = match outcome {
            Attempt::Done => return Delivery::Exported,
            Attempt::Permanent(reason) => {
                Counters::add(&counters.failed_exports, 1);
                return Delivery::Lost(reason);
            }
            Attempt::Retryable { after, reason } => (after, reason),
        };
        Counters::add(&counters.failed_exports, 1);
        if attempt >= attempts {
            return Delivery::Lost(format!("{reason} (after {attempt} attempts)"));
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
        let until = Instant::now() + delay;
        loop {
            let now = Instant::now();
            if now >= until {
                break;
            }
            let mut wait = until - now;
            if let Some(deadline) = queue.deadline() {
                if now >= deadline {
                    return Delivery::Lost(format!("{reason} (flush or shutdown deadline passed)"));
                }
                wait = wait.min(deadline - now);
            }
            // Woken early by a flush or shutdown, to re-check the deadline.
            let _ = tokio::time::timeout(wait, queue.wake.notified()).await;
        }
    }
}

/// One export attempt, cut short (`None`) when a flush or shutdown deadline passes
/// while it is in flight: a deadline may arrive after the attempt started (its
/// `timeout` did not know it), and a stuck collector must not hold a flush or a
/// shutdown past its deadline with records neither exported nor counted lost.
async fn attempt_until_deadline(
    exporter: &mut Exporter,
    prepared: &PreparedBatch,
    timeout: Duration,
    queue: &Queue,
) -> Option<Attempt> {
    let mut export = pin!(exporter.export(prepared, timeout));
    loop {
        let deadline = queue.deadline();
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        // Woken by a flush or shutdown arriving (to learn its deadline), or by the
        // deadline itself.
        let mut woken = pin!(queue.wake.notified());
        let mut expiry = deadline.map(|d| Box::pin(tokio::time::sleep_until(d.into())));
        let step = poll_fn(|cx| {
            if let Poll::Ready(outcome) = export.as_mut().poll(cx) {
                return Poll::Ready(Some(outcome));
            }
            let expired = expiry
                .as_mut()
                .is_some_and(|e| e.as_mut().poll(cx).is_ready());
            if expired || woken.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        if step.is_some() {
            return step;
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
