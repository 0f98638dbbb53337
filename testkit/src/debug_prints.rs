//! Markers and checks of the adapters' `debug_prints` tests: an outer middleware's
//! `tracing::debug!(?response)` (or of the body, or the future) reaches the SDK's
//! wrappers and the record they carry; their `Debug` must show names, lengths and counts,
//! never one of these markers.

use std::time::Duration;

use apitoolkit_core::testing::{body_bytes, CapturedRecords};

/// A request header value.
pub const DEBUG_HEADER: &str = "MARKdbghdr01";
/// A query value.
pub const DEBUG_QUERY: &str = "MARKdbgquery02";
/// A path segment.
pub const DEBUG_PATH: &str = "MARKdbgpath03";
/// The request body.
pub const DEBUG_REQ_BODY: &str = "MARKdbgreqbody04";
/// Inside the response body.
pub const DEBUG_RES_BODY: &str = "MARKdbgresbody05";
/// A reported error's text.
pub const DEBUG_ERROR: &str = "MARKdbgerror06";
/// The API key.
pub const DEBUG_KEY: &str = "MARKdbgkey07";

/// Asserts that neither `{value:?}` nor `{value:#?}` shows a marker; returns the first.
pub fn assert_debug_clean(what: &str, value: &dyn std::fmt::Debug) -> String {
    let plain = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for text in [&plain, &pretty] {
        for marker in [
            DEBUG_HEADER,
            DEBUG_QUERY,
            DEBUG_PATH,
            DEBUG_REQ_BODY,
            DEBUG_RES_BODY,
            DEBUG_ERROR,
            DEBUG_KEY,
        ] {
            assert!(
                !text.contains(marker),
                "{what}: Debug shows {marker}: {text}"
            );
        }
    }
    plain
}

/// Waits for the record (5 s at most) and asserts it holds every value the `Debug`
/// output hid: the wrappers had the secrets the test looked for.
pub fn assert_record_holds_the_markers(captured: &CapturedRecords) {
    let record = captured
        .wait_for(1, Duration::from_secs(5))
        .pop()
        .expect("a record");
    assert_eq!(record.request_headers["x-visible"], [DEBUG_HEADER]);
    assert!(record.raw_url.contains(DEBUG_PATH));
    assert!(String::from_utf8_lossy(&body_bytes(&record.request_body)).contains(DEBUG_REQ_BODY));
    assert!(String::from_utf8_lossy(&body_bytes(&record.response_body)).contains(DEBUG_RES_BODY));
    assert!(record.errors[0].message.contains(DEBUG_ERROR));
}
