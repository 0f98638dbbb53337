//! A record owns copies of what it keeps. hyper parses the request target and header
//! values as slices of the connection's read buffer; a record waiting in the shipper's
//! queue that kept such a slice would keep the whole buffer alive, outside the queue's
//! byte budget.

use std::time::Duration;

use apitoolkit_axum::APIToolkitLayer;
use apitoolkit_core::ShipperSettings;
use apitoolkit_testkit::CapturedRecords;
use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::{HeaderValue, Request, Uri};
use tower::ServiceExt;

#[tokio::test]
async fn a_queued_record_holds_no_slice_of_the_request() {
    // As hyper builds a request: target, header value and body are slices of one buffer.
    let read_buffer = Bytes::from(format!(
        "/items/7?q=1 x-tag: abc {{\"a\":1}} {}",
        " ".repeat(64 * 1024)
    ));
    let target = Uri::from_maybe_shared(read_buffer.slice(0..12)).unwrap();
    let tag = HeaderValue::from_maybe_shared(read_buffer.slice(20..23)).unwrap();
    let body = read_buffer.slice(24..31);

    let captured = CapturedRecords::new();
    let mut settings = ShipperSettings::default();
    settings.batch_interval = Duration::from_secs(3600);
    let config = captured
        .config_builder()
        .redact_request_body(["$.a"])
        .shipper(settings)
        .build()
        .unwrap();
    let layer = APIToolkitLayer::new(config).unwrap();
    let app = Router::new()
        .route("/items/{id}", post(|b: Bytes| async move { b }))
        .layer(layer.clone());
    let req = Request::post(target)
        .header("x-tag", tag)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    let echoed = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(echoed, "{\"a\":1}");
    drop(echoed); // the echo is the request body itself: a slice of the buffer

    let shipper = layer.shipper().unwrap();
    assert_eq!(
        shipper.stats().enqueued,
        1,
        "the record is finished and queued"
    );
    assert!(captured.records().is_empty(), "and not exported yet");
    assert!(
        read_buffer.is_unique(),
        "the queued record keeps the request's read buffer alive"
    );

    assert!(shipper.flush(Duration::from_secs(10)).is_ok());
    let records = captured.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].raw_url, "/items/7?q=1");
    assert_eq!(records[0].request_headers["x-tag"], ["abc"]);
    let _ = shipper.shutdown(Duration::from_secs(5));
}
