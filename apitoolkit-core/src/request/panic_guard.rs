//! The panic guard every adapter puts around the code it does not own (the inner
//! service's `call`, the inner future's `poll`): a panic there is recorded on the
//! in-flight record (status 500 and an error entry), the record is finished (so it is
//! shipped although the stack unwinds past the adapter), and the panic goes on
//! unchanged for the framework to handle. [`GuardedFuture`] applies it to every poll
//! of a response future and hands the record back with the output.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::request::inflight::InFlight;

impl InFlight {
    /// Runs `f`; if it panics, records the panic ([`record_panic`](Self::record_panic)),
    /// finishes the record and resumes the panic.
    ///
    /// `f` is treated as unwind safe: after a panic the only state this touches is the
    /// record, which is finished at once and never used again.
    #[inline]
    pub fn guard<R>(&mut self, f: impl FnOnce() -> R) -> R {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(payload) => {
                self.record_panic(&*payload);
                self.finish();
                resume_unwind(payload)
            }
        }
    }
}

pin_project! {
    /// A response future polled under its record's panic guard ([`InFlight::guard`]);
    /// its output comes with the record, for the adapter to add the response to.
    /// Without a record (monitoring off) it only forwards.
    ///
    /// Its `Debug` names the inner future's type without printing it and shows the
    /// record as [`InFlight`]'s `Debug` does: names, lengths and counts, never a
    /// captured value.
    pub struct GuardedFuture<F> {
        #[pin]
        inner: F,
        inflight: Option<InFlight>,
    }
}

impl<F> GuardedFuture<F> {
    /// `inner`, guarded by `inflight` when there is one.
    pub fn new(inner: F, inflight: Option<InFlight>) -> Self {
        GuardedFuture { inner, inflight }
    }
}

impl<F: Future> Future for GuardedFuture<F> {
    type Output = (F::Output, Option<InFlight>);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let polled = match this.inflight {
            None => inner.poll(cx),
            Some(inflight) => inflight.guard(|| inner.poll(cx)),
        };
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(output) => Poll::Ready((output, this.inflight.take())),
        }
    }
}

impl<F> fmt::Debug for GuardedFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedFuture")
            .field("inner", &format_args!("{}", std::any::type_name::<F>()))
            .field("inflight", &self.inflight)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::integration::{InFlight, RequestContext};
    use crate::{Config, Exchange, SdkType, Shipper};

    #[test]
    fn a_panic_is_recorded_finished_and_resumed() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let config = Config::builder()
            .on_batch(move |batch| {
                let mut seen = sink.lock().unwrap();
                seen.extend(batch.iter().map(|m| (m.status_code, m.errors.len())));
            })
            .build_with_env(|_| None)
            .expect("config");
        let shipper = Shipper::start(config).expect("start");
        let exchange = Exchange::new(
            SdkType::RustCustom,
            http::Method::GET,
            "/boom".parse().unwrap(),
            http::Version::HTTP_11,
        );
        let mut inflight = InFlight::new(RequestContext::new(shipper.clone()), exchange);
        assert_eq!(inflight.guard(|| 7), 7);
        assert!(!inflight.is_finished());
        let unwound = catch_unwind(AssertUnwindSafe(|| inflight.guard(|| panic!("boom"))));
        assert_eq!(unwound.unwrap_err().downcast_ref::<&str>(), Some(&"boom"));
        assert!(inflight.is_finished());
        drop(inflight);
        assert_eq!(shipper.shutdown(Duration::from_secs(5)), Ok(()));
        assert_eq!(*seen.lock().unwrap(), [(500, 1)]);
    }
}
