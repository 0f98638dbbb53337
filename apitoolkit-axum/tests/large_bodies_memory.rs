//! A 100 MB upload and a 100 MB download, generated on the fly and streamed on both
//! sides (never materialised): the bytes arrive intact, the record carries the
//! `[BODY_TOO_LARGE over N bytes]` placeholder, and the process's peak RSS grows by far
//! less than 100 MB (the copy is bounded by the cap). Its own test binary, so that no
//! other test's allocations move the high-water mark.

mod support;

use std::convert::Infallible;

use apitoolkit_testkit::{assert_too_large, pattern_chunks, pattern_digest, vm_hwm_kib, Digest};
use axum::body::Body;
use axum::routing::{get, post};
use axum::Router;
use futures_util::stream::{self, StreamExt};
use support::{client, TestApp};

const TOTAL: u64 = 100 * 1024 * 1024;
const CAP: usize = 1024 * 1024;

fn digest_text(d: &Digest) -> String {
    let (len, hash) = d.finish();
    format!("{len} {hash:016x}")
}

async fn upload(body: Body) -> String {
    let mut d = Digest::default();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        d.update(&chunk.expect("request body"));
    }
    digest_text(&d)
}

async fn download() -> Body {
    Body::from_stream(stream::iter(pattern_chunks(TOTAL).map(Ok::<_, Infallible>)))
}

#[tokio::test]
async fn hundred_megabytes_each_way_stream_through_with_bounded_memory() {
    let routes = Router::new()
        .route("/upload", post(upload))
        .route("/download", get(download));
    let app = TestApp::spawn(routes, |b| b.max_body_bytes(CAP)).await;
    let expected = digest_text(&pattern_digest(TOTAL));
    let before = vm_hwm_kib();

    let res = client()
        .post(app.url("/upload"))
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(stream::iter(
            pattern_chunks(TOTAL).map(Ok::<_, Infallible>),
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
    let up = records.iter().find(|r| r.raw_url == "/upload").unwrap();
    let down = records.iter().find(|r| r.raw_url == "/download").unwrap();
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
