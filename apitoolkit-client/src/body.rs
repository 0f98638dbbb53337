//! [`RecordingBody`]: the response body handed back to the caller, teed into the record
//! by core's [`TeeBody`] (the SDK's one body tee).

use apitoolkit_core::integration::TeeBody;

use crate::recording::Recording;

/// The original response body, unchanged, with a copy of each chunk kept for the
/// record (up to the cap). The record is finished when the body ends, fails, or is
/// dropped unread.
pub(crate) type RecordingBody = TeeBody<reqwest::Body, Recording>;
