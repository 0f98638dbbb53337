//! Records the worker is done with (exported or counted lost), waiting to be freed by the
//! request path.
//!
//! An exchange's memory (header copies, body copies) is allocated by the thread that
//! served the request. If the worker freed it, every free would be a cross-thread free:
//! with glibc's allocator the worker then takes the request thread's arena lock for each
//! one, and the two threads contend on it (measured: a futex wake-up every few requests,
//! about 1.5 µs per request in `benches/capture_overhead.rs`). So the worker hands the
//! batches it has handled back to the queue, and each enqueue takes up to
//! [`PER_PUSH`] of them and drops them on the request thread, outside the queue's lock,
//! where the frees go to that thread's own cache and its next allocations reuse them.
//!
//! The backlog is bounded ([`MAX_BYTES`], [`MAX_ITEMS`]): beyond it, or when no request
//! arrives to take them (the queue stays empty for a batch interval), the worker frees the
//! records itself.

use crate::capture::exchange::Exchange;

/// Most approximate bytes of retired records kept for the request path to free.
pub(crate) const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most retired records kept for the request path to free.
pub(crate) const MAX_ITEMS: usize = 4096;
/// Retired records an enqueue frees (more than the one it adds, so the backlog drains).
pub(crate) const PER_PUSH: usize = 2;

/// Handled batches not freed yet, each with its approximate bytes.
#[derive(Debug, Default)]
pub(crate) struct Retired {
    batches: Vec<(Vec<Box<Exchange>>, usize)>,
    items: usize,
    bytes: usize,
}

impl Retired {
    /// Keeps `batch` for the request path to free; gives it back when over the bounds.
    pub(crate) fn add(
        &mut self,
        batch: Vec<Box<Exchange>>,
        bytes: usize,
    ) -> Option<Vec<Box<Exchange>>> {
        if batch.is_empty()
            || self.items + batch.len() > MAX_ITEMS
            || self.bytes.saturating_add(bytes) > MAX_BYTES
        {
            return Some(batch);
        }
        self.items += batch.len();
        self.bytes += bytes;
        self.batches.push((batch, bytes));
        None
    }

    /// Takes up to [`PER_PUSH`] records (and an emptied batch vector) to be dropped by
    /// the caller once it has released the lock.
    #[inline]
    pub(crate) fn take_some(&mut self) -> Taken {
        let mut taken = Taken::default();
        let Some((batch, bytes)) = self.batches.last_mut() else {
            return taken;
        };
        for slot in taken.records.iter_mut() {
            *slot = batch.pop();
        }
        let n = taken.records.iter().flatten().count();
        self.items -= n;
        if batch.is_empty() {
            self.bytes -= *bytes;
            taken.emptied = self.batches.pop().map(|(v, _)| v);
        }
        taken
    }

    /// Takes everything (the worker frees it when the request path is idle).
    pub(crate) fn take_all(&mut self) -> Vec<(Vec<Box<Exchange>>, usize)> {
        self.items = 0;
        self.bytes = 0;
        std::mem::take(&mut self.batches)
    }

    /// Whether nothing is waiting to be freed.
    pub(crate) fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

/// Records taken from [`Retired`]; dropping this frees them.
#[derive(Debug, Default)]
pub(crate) struct Taken {
    records: [Option<Box<Exchange>>; PER_PUSH],
    emptied: Option<Vec<Box<Exchange>>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SdkType;
    use http::{Method, Uri, Version};

    fn batch(n: usize) -> Vec<Box<Exchange>> {
        let ex = Exchange::new(
            SdkType::RustCustom,
            Method::GET,
            Uri::from_static("/"),
            Version::HTTP_11,
        );
        vec![Box::new(ex); n]
    }

    #[test]
    fn drains_a_few_records_at_a_time() {
        let mut r = Retired::default();
        assert!(r.add(batch(3), 300).is_none());
        let first = r.take_some();
        assert_eq!(first.records.iter().flatten().count(), 2);
        assert!(first.emptied.is_none());
        let second = r.take_some();
        assert_eq!(second.records.iter().flatten().count(), 1);
        assert!(second.emptied.is_some());
        assert!(r.is_empty());
        assert_eq!((r.items, r.bytes), (0, 0));
        assert_eq!(r.take_some().records.iter().flatten().count(), 0);
    }

    #[test]
    fn gives_back_what_would_exceed_the_bounds() {
        let mut r = Retired::default();
        assert!(r.add(batch(1), MAX_BYTES + 1).is_some());
        assert!(r.add(batch(MAX_ITEMS + 1), 1).is_some());
        assert!(r.add(Vec::new(), 0).is_some());
        assert!(r.add(batch(2), 10).is_none());
        assert_eq!(r.take_all().len(), 1);
        assert!(r.is_empty());
    }
}
