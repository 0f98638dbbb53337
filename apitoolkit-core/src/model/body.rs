//! [`CapturedBody`]: what was captured of one body, the data every stage after capture
//! reads (redaction, the record).

use std::fmt;

use bytes::Bytes;

/// What was captured of one body. Its `Debug` shows the length, never the bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum CapturedBody {
    /// The body was empty, or capture was turned off.
    #[default]
    Empty,
    /// The whole body (at most the configured cap).
    Complete(Bytes),
    /// The body was larger than the cap; only its size so far is known.
    TooLarge {
        /// The cap in force.
        cap: usize,
    },
    /// The body could not be captured (e.g. a streaming request body of an outgoing call).
    NotCaptured,
}

impl CapturedBody {
    /// Approximate heap size, for the shipper's byte budget.
    pub fn size(&self) -> usize {
        match self {
            CapturedBody::Complete(b) => b.len(),
            _ => 0,
        }
    }
}

impl fmt::Debug for CapturedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapturedBody::Empty => f.write_str("Empty"),
            CapturedBody::Complete(b) => f
                .debug_tuple("Complete")
                .field(&format_args!("{} bytes", b.len()))
                .finish(),
            CapturedBody::TooLarge { cap } => f.debug_struct("TooLarge").field("cap", cap).finish(),
            CapturedBody::NotCaptured => f.write_str("NotCaptured"),
        }
    }
}
