//! Sampling that keeps what matters (`APITOOLKIT_SAMPLE_RATE`): a coin per request,
//! weighted by the rate, decides whether a *successful* exchange is recorded; failures
//! (status at or above the keep status, reported errors, panics) and slow exchanges are
//! always recorded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::capture::exchange::Exchange;

/// The sampler of one configuration.
#[derive(Debug)]
pub(crate) struct Sampler {
    rate: f64,
    /// A coin below this keeps the exchange (`rate` of 2^64).
    threshold: u64,
    keep_status: u16,
    slow: Option<Duration>,
    state: AtomicU64,
}

impl Sampler {
    pub(crate) fn new(rate: f64, keep_status: u16, slow: Option<Duration>, seed: u64) -> Sampler {
        let rate = rate.clamp(0.0, 1.0);
        Sampler {
            rate,
            // `as` saturates: a rate of 1.0 gives u64::MAX (and `always` covers it).
            threshold: (rate * 18_446_744_073_709_551_616.0) as u64,
            keep_status,
            slow,
            state: AtomicU64::new(seed),
        }
    }

    /// The configured rate.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// Whether every exchange is recorded (no coin needed).
    pub(crate) fn always(&self) -> bool {
        self.rate >= 1.0
    }

    /// Draws the coin of one request: whether its exchange is recorded even if it
    /// succeeds. Lock-free: a splitmix64 step over a shared counter.
    pub(crate) fn coin(&self) -> bool {
        if self.always() {
            return true;
        }
        let mut z = self
            .state
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        z < self.threshold
    }

    /// Whether the exchange is recorded whatever its coin: a status at or above the keep
    /// status, reported errors (a panic included), or slower than the slow threshold.
    pub(crate) fn keeps(&self, ex: &Exchange) -> bool {
        ex.status >= self.keep_status
            || !ex.errors.is_empty()
            || self.slow.is_some_and(|s| ex.duration >= s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorEntry, SdkType};
    use http::{Method, Uri, Version};

    fn ex(status: u16) -> Exchange {
        let mut e = Exchange::new(
            SdkType::RustCustom,
            Method::GET,
            Uri::from_static("/"),
            Version::HTTP_11,
        );
        e.status = status;
        e
    }

    #[test]
    fn the_rate_holds_over_many_coins_with_a_fixed_seed() {
        for (rate, lo, hi) in [(0.1, 900, 1100), (0.5, 4850, 5150), (0.01, 70, 130)] {
            let s = Sampler::new(rate, 500, None, 42);
            let kept = (0..10_000).filter(|_| s.coin()).count();
            assert!((lo..=hi).contains(&kept), "rate {rate}: {kept} of 10 000");
        }
        let s = Sampler::new(0.1, 500, None, 7);
        let a: Vec<bool> = (0..50).map(|_| s.coin()).collect();
        let s = Sampler::new(0.1, 500, None, 7);
        let b: Vec<bool> = (0..50).map(|_| s.coin()).collect();
        assert_eq!(a, b, "the same seed draws the same coins");
        assert!((0..1000).all(|_| Sampler::new(1.0, 500, None, 1).coin()));
        let none = Sampler::new(0.0, 500, None, 1);
        assert!((0..1000).all(|_| !none.coin()));
    }

    #[test]
    fn failures_errors_and_slow_exchanges_are_always_kept() {
        let s = Sampler::new(0.0, 500, Some(Duration::from_millis(200)), 1);
        assert!(s.keeps(&ex(500)));
        assert!(s.keeps(&ex(503)));
        assert!(!s.keeps(&ex(404)));
        assert!(!s.keeps(&ex(200)));
        let mut e = ex(200);
        e.errors.push(ErrorEntry::from_message("E", "boom"));
        assert!(s.keeps(&e));
        let mut slow = ex(200);
        slow.duration = Duration::from_millis(250);
        assert!(s.keeps(&slow));
        let from_400 = Sampler::new(0.0, 400, None, 1);
        assert!(from_400.keeps(&ex(404)));
        assert!(!from_400.keeps(&ex(302)));
    }
}
