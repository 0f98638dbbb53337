//! How the collector answers: the behaviours, schedules of them, and what a behaviour
//! amounts to when a request's body has been read.

use std::time::Duration;

/// How the collector answers an export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// Answer 200 right away (the spans are accepted).
    Ok,
    /// Answer this status right away (2xx statuses accept the spans).
    Status(u16),
    /// Answer 429 with this `Retry-After` header value.
    TooManyRequests {
        /// The `Retry-After` value (delay-seconds or an HTTP date).
        retry_after: String,
    },
    /// Answer this status with this `Retry-After` header value.
    RetryAfter {
        /// The status (e.g. 503).
        status: u16,
        /// The `Retry-After` value (delay-seconds or an HTTP date).
        retry_after: String,
    },
    /// Answer 200 after this delay (the spans are accepted when the answer is sent).
    Delay(Duration),
    /// Read the request, never answer (until the collector is dropped).
    Stall,
    /// Accept new TCP connections and never read from them; requests on connections
    /// already open are stalled as with [`Behavior::Stall`].
    BlackHole,
    /// Read the request's body, then close the connection without any answer (the
    /// spans are not accepted). Over gRPC, where one HTTP/2 connection carries every
    /// call, the call is answered `Unavailable` instead (logged as answered 503).
    DropConnection,
    /// Cycle through phases, measured from when the schedule was set (see [`Schedule`]).
    Schedule(Schedule),
}

/// A cycle of behaviours, each for a duration, measured from when it was set
/// ([`Collector::set_behavior`](super::Collector::set_behavior), or
/// [`Collector::push_next`](super::Collector::push_next)). A request gets the phase
/// current when its body has been read; after the last phase the cycle starts again.
/// For TCP-level behaviours ([`Behavior::BlackHole`]) the phase is the one current when
/// the connection is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    phases: Vec<(Duration, Behavior)>,
    cycle: Duration,
}

impl Schedule {
    /// A schedule of these phases, in order. Phases of zero duration are never current.
    /// Panics when the phases last zero in total.
    pub fn new(phases: impl IntoIterator<Item = (Duration, Behavior)>) -> Schedule {
        let phases: Vec<(Duration, Behavior)> = phases.into_iter().collect();
        let cycle = phases.iter().map(|(d, _)| *d).sum();
        assert!(
            cycle > Duration::ZERO,
            "a schedule needs a phase longer than zero"
        );
        Schedule { phases, cycle }
    }

    /// The flapping collector of issue 21, an 18-second cycle of 3-second phases: 200;
    /// 503; 429 with `Retry-After: 1`; connection dropped; 200 after 2 s; 200.
    pub fn flapping() -> Schedule {
        Schedule::flapping_with(Duration::from_secs(3), Duration::from_secs(2))
    }

    /// The [`flapping`](Self::flapping) cycle with phases of `phase` each and `delay`
    /// before the slow phase's answers (for fast tests).
    pub fn flapping_with(phase: Duration, delay: Duration) -> Schedule {
        Schedule::new([
            (phase, Behavior::Ok),
            (phase, Behavior::Status(503)),
            (
                phase,
                Behavior::TooManyRequests {
                    retry_after: "1".into(),
                },
            ),
            (phase, Behavior::DropConnection),
            (phase, Behavior::Delay(delay)),
            (phase, Behavior::Ok),
        ])
    }

    /// The phases, in order.
    pub fn phases(&self) -> &[(Duration, Behavior)] {
        &self.phases
    }

    /// The length of one cycle (the sum of the phases).
    pub fn cycle(&self) -> Duration {
        self.cycle
    }

    /// The behaviour `elapsed` after the schedule was set (a nested schedule is resolved
    /// with the time since its phase began).
    pub fn at(&self, elapsed: Duration) -> Behavior {
        let cycle = self.cycle.as_nanos();
        let mut offset = elapsed.as_nanos() % cycle;
        for (length, behavior) in &self.phases {
            let length = length.as_nanos();
            if offset < length {
                let into = Duration::from_nanos(u64::try_from(offset).unwrap_or(u64::MAX));
                return behavior.resolve(into);
            }
            offset -= length;
        }
        // Unreachable: the offset is below the sum of the lengths.
        self.phases
            .last()
            .map_or(Behavior::Ok, |(_, b)| b.resolve(Duration::ZERO))
    }
}

impl Behavior {
    /// What this behaviour amounts to `elapsed` after it was set: itself, or for a
    /// schedule, the current phase's behaviour.
    pub(super) fn resolve(&self, elapsed: Duration) -> Behavior {
        match self {
            Behavior::Schedule(s) => s.at(elapsed),
            other => other.clone(),
        }
    }
}

/// What the collector does once a request's body was read and its behaviour resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// Answer this status with these headers.
    Status(u16, Vec<(&'static str, String)>),
    /// Close the connection without answering.
    Drop,
}

/// Waits as `behavior` says, then gives the answer.
pub(super) async fn outcome(behavior: Behavior) -> Answer {
    match behavior {
        Behavior::Ok => Answer::Status(200, Vec::new()),
        Behavior::Status(s) => Answer::Status(s, Vec::new()),
        Behavior::TooManyRequests { retry_after } => {
            Answer::Status(429, vec![("retry-after", retry_after)])
        }
        Behavior::RetryAfter {
            status,
            retry_after,
        } => Answer::Status(status, vec![("retry-after", retry_after)]),
        Behavior::Delay(d) => {
            tokio::time::sleep(d).await;
            Answer::Status(200, Vec::new())
        }
        Behavior::Stall | Behavior::BlackHole => {
            std::future::pending::<()>().await;
            Answer::Drop
        }
        Behavior::DropConnection => Answer::Drop,
        // Resolved before; a schedule left unresolved answers as its first phase.
        Behavior::Schedule(s) => Box::pin(outcome(s.at(Duration::ZERO))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_schedule_cycles_through_its_phases() {
        let s = Schedule::new([
            (10 * MS, Behavior::Ok),
            (Duration::ZERO, Behavior::Stall),
            (20 * MS, Behavior::Status(503)),
        ]);
        assert_eq!(s.cycle(), 30 * MS);
        assert_eq!(s.at(Duration::ZERO), Behavior::Ok);
        assert_eq!(s.at(9 * MS), Behavior::Ok);
        assert_eq!(s.at(10 * MS), Behavior::Status(503));
        assert_eq!(s.at(29 * MS), Behavior::Status(503));
        assert_eq!(s.at(30 * MS), Behavior::Ok);
        assert_eq!(s.at(95 * MS), Behavior::Ok);
        assert_eq!(s.at(105 * MS), Behavior::Status(503));
    }

    #[test]
    fn nested_schedules_resolve_with_the_time_into_their_phase() {
        let inner = Schedule::new([(2 * MS, Behavior::Ok), (2 * MS, Behavior::Stall)]);
        let s = Schedule::new([
            (10 * MS, Behavior::DropConnection),
            (10 * MS, Behavior::Schedule(inner)),
        ]);
        assert_eq!(s.at(11 * MS), Behavior::Ok);
        assert_eq!(s.at(13 * MS), Behavior::Stall);
        assert_eq!(s.at(14 * MS), Behavior::Ok);
        assert_eq!(
            Behavior::Schedule(s).resolve(5 * MS),
            Behavior::DropConnection
        );
    }

    #[test]
    fn flapping_is_the_issue_cycle() {
        let s = Schedule::flapping();
        assert_eq!(s.cycle(), Duration::from_secs(18));
        let at = |secs: u64| s.at(Duration::from_secs(secs) + MS);
        assert_eq!(at(0), Behavior::Ok);
        assert_eq!(at(3), Behavior::Status(503));
        assert_eq!(
            at(6),
            Behavior::TooManyRequests {
                retry_after: "1".into()
            }
        );
        assert_eq!(at(9), Behavior::DropConnection);
        assert_eq!(at(12), Behavior::Delay(Duration::from_secs(2)));
        assert_eq!(at(15), Behavior::Ok);
        assert_eq!(at(18), Behavior::Ok);
        assert_eq!(at(21), Behavior::Status(503));
    }

    #[test]
    #[should_panic(expected = "longer than zero")]
    fn an_empty_schedule_is_refused() {
        let _ = Schedule::new([(Duration::ZERO, Behavior::Ok)]);
    }

    #[tokio::test]
    async fn outcomes() {
        assert_eq!(
            outcome(Behavior::DropConnection).await,
            Answer::Drop,
            "drop answers nothing"
        );
        assert_eq!(
            outcome(Behavior::RetryAfter {
                status: 503,
                retry_after: "2".into()
            })
            .await,
            Answer::Status(503, vec![("retry-after", "2".into())])
        );
        assert_eq!(
            outcome(Behavior::Delay(MS)).await,
            Answer::Status(200, Vec::new())
        );
    }
}
