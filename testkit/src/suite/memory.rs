//! A 100 MB upload and a 100 MB download, generated on the fly and streamed on both
//! sides (never materialised): the bytes arrive intact, the record carries the
//! `[BODY_TOO_LARGE over N bytes]` placeholder, and the process's peak RSS grows by far
//! less than 100 MB (the copy is bounded by the cap). Not in
//! [`adapter_suite!`](crate::adapter_suite): it runs in a test binary of its own, so
//! that no other test's allocations move the high-water mark.

use std::convert::Infallible;

use futures_util::stream::{self, StreamExt};

use super::{client, digest_text, find, Adapter, LARGE_BODY_BYTES};
use crate::{assert_too_large, pattern_chunks, pattern_digest, vm_hwm_kib, Digest};

const CAP: usize = 1024 * 1024;

/// 100 MB each way stream through intact with a 1 MiB capture cap; the records hold the
/// too-large placeholder and peak RSS grows by less than 40 MiB.
pub async fn hundred_megabytes_each_way_stream_through_with_bounded_memory<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b.max_body_bytes(CAP))).await;
    let expected = digest_text(&pattern_digest(LARGE_BODY_BYTES));
    let before = vm_hwm_kib();

    let res = client()
        .post(app.url("/upload"))
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(stream::iter(
            pattern_chunks(LARGE_BODY_BYTES).map(Ok::<_, Infallible>),
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), expected, "upload arrived intact");

    let res = client().get(app.url("/download")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut d = Digest::default();
    let mut stream = res.bytes_stream();
    while let Some(chunk) = stream.next().await {
        d.update(&chunk.unwrap());
    }
    assert_eq!(digest_text(&d), expected, "download arrived intact");

    let records = app.records(2).await;
    let up = find(&records, None, "/upload");
    let down = find(&records, None, "/download");
    assert_too_large(&up.request_body, CAP);
    assert_too_large(&down.response_body, CAP);
    assert_eq!(up.status_code, 200);
    assert_eq!(down.status_code, 200);

    if let (Some(before), Some(after)) = (before, vm_hwm_kib()) {
        let growth_mib = after.saturating_sub(before) / 1024;
        eprintln!("peak RSS: {before} KiB before, {after} KiB after ({growth_mib} MiB growth)");
        assert!(
            growth_mib < 40,
            "peak RSS grew by {growth_mib} MiB for 2 x 100 MB bodies (cap 1 MiB)"
        );
    }
}
