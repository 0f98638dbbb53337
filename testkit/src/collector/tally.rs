//! What the collector counts: requests, answers, accepted and distinct spans, and the
//! requests in flight.

use std::collections::HashSet;

use super::*;

/// The collector's log and counters (behind `Shared::log`).
#[derive(Debug, Default)]
pub(super) struct Log {
    /// Requests read while retaining.
    pub(super) requests: Vec<ExportRequest>,
    /// Spans accepted while retaining, in answer order.
    pub(super) accepted: Vec<ReceivedSpan>,
    /// Requests whose body was read.
    pub(super) request_total: usize,
    /// Requests answered with any status.
    pub(super) answered_total: usize,
    /// Spans accepted, duplicates included.
    pub(super) accepted_total: usize,
    /// The `msg_id`s of the accepted spans.
    distinct: HashSet<String>,
    /// Accepted spans without a `msg_id`.
    anonymous: usize,
}

impl Log {
    /// Counts accepted spans (keeping them when `retain`).
    fn accept(&mut self, spans: Vec<ReceivedSpan>, retain: bool) {
        self.accepted_total += spans.len();
        for span in &spans {
            match span.msg_id() {
                "" => self.anonymous += 1,
                id if !self.distinct.contains(id) => {
                    self.distinct.insert(id.to_owned());
                }
                _ => {}
            }
        }
        if retain {
            self.accepted.extend(spans);
        }
    }

    /// Accepted spans counted once per `msg_id`, plus those without one.
    pub(super) fn distinct_total(&self) -> usize {
        self.distinct.len() + self.anonymous
    }
}

/// A request read and not yet answered: counted in `in_flight` until dropped.
pub(super) struct InFlight<'a> {
    shared: &'a Shared,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shared {
    /// Counts a request whose body was read as in flight until the guard is dropped.
    pub(super) fn begin(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight { shared: self }
    }

    /// Whether requests and spans are kept (not only counted).
    pub(super) fn retaining(&self) -> bool {
        self.retain.load(Ordering::SeqCst)
    }

    /// Logs the answer to request `index` (`None`: the connection was dropped) and
    /// counts its spans as accepted when the status is a 2xx.
    pub(super) fn answer(&self, index: usize, status: Option<u16>, spans: Vec<ReceivedSpan>) {
        let retain = self.retaining();
        let mut log = lock(&self.log);
        if let Some(r) = log.requests.get_mut(index) {
            r.answered = status;
        }
        if let Some(status) = status {
            log.answered_total += 1;
            if (200..300).contains(&status) {
                log.accept(spans, retain);
            }
        }
        drop(log);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(msg_id: &str) -> ReceivedSpan {
        let mut attributes = BTreeMap::new();
        if !msg_id.is_empty() {
            attributes.insert("apitoolkit.msg_id".to_owned(), msg_id.to_owned());
        }
        ReceivedSpan {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            parent_span_id: Vec::new(),
            kind: 2,
            trace_state: String::new(),
            flags: 0x101,
            name: "span".into(),
            attributes,
            status_code: 0,
            status_message: String::new(),
        }
    }

    #[test]
    fn distinct_spans_are_counted_once_per_msg_id() {
        let mut log = Log::default();
        log.accept(vec![span("a"), span("b"), span("")], true);
        log.accept(vec![span("a"), span(""), span("c")], false);
        assert_eq!(log.accepted_total, 6);
        assert_eq!(log.distinct_total(), 5, "a, b, c and two without an id");
        assert_eq!(log.accepted.len(), 3, "only the retained batch is kept");
    }

    #[test]
    fn in_flight_counts_until_the_guard_drops() {
        let c = Collector::start();
        let shared = &c.shared;
        let first = shared.begin();
        let second = shared.begin();
        assert_eq!(c.in_flight(), 2);
        drop(first);
        assert_eq!(c.in_flight(), 1);
        drop(second);
        let third = shared.begin();
        assert_eq!((c.in_flight(), c.max_in_flight()), (1, 2));
        drop(third);
        assert_eq!(c.in_flight(), 0);
    }

    #[test]
    fn answers_are_counted_and_drops_are_not() {
        let c = Collector::start();
        c.shared
            .answer(usize::MAX, Some(200), vec![span("x"), span("x")]);
        c.shared.answer(usize::MAX, Some(503), vec![span("y")]);
        c.shared.answer(usize::MAX, None, vec![span("z")]);
        assert_eq!(c.answered_count(), 2);
        assert_eq!(c.accepted_span_count(), 2);
        assert_eq!(c.distinct_accepted_count(), 1);
    }
}
