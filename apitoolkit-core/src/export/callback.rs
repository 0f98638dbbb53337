//! The in-process callback exporter: each batch is handed to a closure. A panic in the
//! closure is caught and counted as a failed export; the worker carries on.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::Attempt;
use crate::config::BatchCallback;
use crate::model::RequestMessage;

#[derive(Clone)]
pub(crate) struct CallbackExporter {
    callback: BatchCallback,
}

impl fmt::Debug for CallbackExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackExporter(..)")
    }
}

impl CallbackExporter {
    pub(crate) fn new(callback: BatchCallback) -> CallbackExporter {
        CallbackExporter { callback }
    }

    pub(crate) fn export(&self, records: &[RequestMessage]) -> Attempt {
        let cb = &self.callback;
        match catch_unwind(AssertUnwindSafe(|| cb(records))) {
            Ok(()) => Attempt::Done,
            Err(_) => Attempt::Permanent("the batch callback panicked".into()),
        }
    }
}
