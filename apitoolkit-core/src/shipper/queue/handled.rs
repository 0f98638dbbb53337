//! Which batches are handled: a watermark over the batches' sequence numbers.
//!
//! Batches are cut from the queue in order and numbered by their records (a batch of `n`
//! records cut after `k` records holds numbers `k..k+n`), but they finish in any order
//! (several are exported at once). `upto` is the first number not handled yet: every
//! record numbered below it is exported, spooled or counted lost, which is what a flush
//! waits for.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(super) struct Handled {
    /// Every number below is handled.
    upto: u64,
    /// Handled ranges above `upto`: start -> end.
    ahead: BTreeMap<u64, u64>,
}

impl Handled {
    /// The first number not handled yet.
    pub(super) fn upto(&self) -> u64 {
        self.upto
    }

    /// Marks `start..end` handled.
    pub(super) fn complete(&mut self, start: u64, end: u64) {
        if start > self.upto {
            self.ahead.insert(start, end);
            return;
        }
        self.upto = self.upto.max(end);
        while let Some(end) = self.ahead.remove(&self.upto) {
            self.upto = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_waits_for_the_oldest_batch() {
        let mut h = Handled::default();
        h.complete(10, 20);
        h.complete(20, 25);
        assert_eq!(h.upto(), 0);
        h.complete(0, 10);
        assert_eq!(h.upto(), 25);
        h.complete(30, 31);
        h.complete(25, 30);
        assert_eq!(h.upto(), 31);
    }
}
