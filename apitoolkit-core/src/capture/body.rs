//! Copying a body while it streams, up to the cap (docs/PROTOCOL.md §6).

use std::fmt;

use bytes::Bytes;

use crate::model::CapturedBody;

/// Accumulates a copy of a body's chunks up to `cap` bytes. Past the cap the copy is
/// dropped at once (memory stays bounded) and only the fact is kept.
///
/// Its `Debug` shows how many bytes were copied, never the bytes.
pub struct BodyCapture {
    /// A plain `Vec` (simpler growth than `BytesMut`; `Bytes::from` takes it without a
    /// copy).
    buf: Vec<u8>,
    cap: usize,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Capturing,
    TooLarge,
    Off,
}

impl BodyCapture {
    /// A capture of at most `cap` bytes; `enabled == false` records nothing.
    pub fn new(cap: usize, enabled: bool) -> BodyCapture {
        BodyCapture {
            buf: Vec::new(),
            cap,
            state: if enabled {
                State::Capturing
            } else {
                State::Off
            },
        }
    }

    /// Copies a chunk (or notes that the body outgrew the cap).
    #[inline]
    pub fn push(&mut self, chunk: &[u8]) {
        if self.state != State::Capturing || chunk.is_empty() {
            return;
        }
        if self.buf.len() + chunk.len() > self.cap {
            self.state = State::TooLarge;
            self.buf = Vec::new();
            return;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Takes what was captured so far, leaving the capture empty and finished.
    pub fn take(&mut self) -> CapturedBody {
        let state = std::mem::replace(&mut self.state, State::Off);
        match state {
            State::Off => CapturedBody::Empty,
            State::TooLarge => CapturedBody::TooLarge { cap: self.cap },
            State::Capturing if self.buf.is_empty() => CapturedBody::Empty,
            State::Capturing => CapturedBody::Complete(Bytes::from(std::mem::take(&mut self.buf))),
        }
    }
}

impl fmt::Debug for BodyCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyCapture")
            .field("captured", &format_args!("{} bytes", self.buf.len()))
            .field("cap", &self.cap)
            .field("state", &self.state)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_chunks_up_to_the_cap() {
        let mut c = BodyCapture::new(10, true);
        c.push(b"hello ");
        c.push(b"word");
        assert_eq!(
            c.take(),
            CapturedBody::Complete(Bytes::from_static(b"hello word"))
        );
    }

    #[test]
    fn over_the_cap_drops_the_copy() {
        let mut c = BodyCapture::new(10, true);
        c.push(b"hello ");
        c.push(b"world!");
        c.push(b"more");
        assert_eq!(c.take(), CapturedBody::TooLarge { cap: 10 });
    }

    #[test]
    fn disabled_and_empty_capture_nothing() {
        let mut c = BodyCapture::new(10, false);
        c.push(b"x");
        assert_eq!(c.take(), CapturedBody::Empty);
        assert_eq!(BodyCapture::new(10, true).take(), CapturedBody::Empty);
    }
}
