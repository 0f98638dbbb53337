//! [`RecordingBody`]: the response body handed back to the caller, teed into the record.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};

use apitoolkit_core::ErrorEntry;
use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::recording::Recording;

pin_project! {
    /// The original response body, unchanged, with a copy of each chunk kept for the
    /// record (up to the cap). The record is finished when the body ends, fails, or is
    /// dropped unread.
    #[derive(Debug)]
    pub(crate) struct RecordingBody {
        #[pin]
        inner: reqwest::Body,
        recording: Option<Recording>,
    }
}

impl RecordingBody {
    pub(crate) fn new(inner: reqwest::Body, recording: Recording) -> Self {
        RecordingBody {
            inner,
            recording: Some(recording),
        }
    }
}

/// Calls `f` with every contiguous slice of `data`, without consuming it.
fn for_each_slice<D: Buf>(data: &D, mut f: impl FnMut(&[u8])) {
    let chunk = data.chunk();
    if chunk.len() == data.remaining() {
        f(chunk);
        return;
    }
    let mut slices = [IoSlice::new(&[]); 64];
    let n = data.chunks_vectored(&mut slices);
    for s in &slices[..n] {
        f(s);
    }
}

impl Body for RecordingBody {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let mut inner = this.inner;
        let polled = inner.as_mut().poll_frame(cx);
        let Some(recording) = this.recording.as_mut() else {
            return polled;
        };
        match &polled {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    for_each_slice(data, |s| recording.capture_response_chunk(s));
                }
                if inner.is_end_stream() {
                    recording.finish();
                }
            }
            Poll::Ready(Some(Err(err))) => {
                recording.push_error(body_error_entry(err));
                recording.finish();
            }
            Poll::Ready(None) => recording.finish(),
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The entry of a body error, without the URL reqwest appends to its message (the URL
/// may carry secrets; the record has it, masked, in `raw_url`).
fn body_error_entry(err: &reqwest::Error) -> ErrorEntry {
    let mut entry = ErrorEntry::from_error(err);
    entry.error_type = "reqwest::Error".to_owned();
    if let Some(url) = err.url() {
        let suffix = format!(" for url ({url})");
        entry.message = entry.message.replace(&suffix, "");
        entry.root_error_message = entry.root_error_message.replace(&suffix, "");
    }
    entry
}
