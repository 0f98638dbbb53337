//! An outer layer's `tracing::debug!(?response)` (or `?future`, `?body`) reaches the
//! SDK's wrappers and the record they carry: their `Debug` shows names, lengths and
//! counts, never a request header value, query value, path, body byte, error text or
//! the API key, though the record they hold has all of them (the shipped record shows
//! the unredacted ones arrived).

use apitoolkit_axum::{APIToolkitLayer, Observer, RequestBody};
use apitoolkit_testkit::{
    assert_debug_clean as assert_clean, assert_record_holds_the_markers, CapturedRecords,
    DEBUG_ERROR as ERROR, DEBUG_HEADER as HEADER, DEBUG_KEY as KEY, DEBUG_PATH as PATH,
    DEBUG_QUERY as QUERY, DEBUG_REQ_BODY as REQ_BODY, DEBUG_RES_BODY as RES_BODY,
};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service, ServiceExt};

/// Reads the whole request body (so it is captured), reports an error, and answers
/// with a body whose own `Debug` would print its bytes.
async fn handler(req: Request<RequestBody<Full<Bytes>>>) -> Result<Response<Full<Bytes>>, String> {
    let observer = Observer::from_extensions(req.extensions());
    let body = req.into_body().collect().await.map_err(|e| e.to_string())?;
    assert_eq!(body.to_bytes(), REQ_BODY.as_bytes());
    observer.report_error(&std::io::Error::other(ERROR));
    Ok(Response::new(Full::new(Bytes::from(format!(
        "{{\"echo\":\"{RES_BODY}\"}}"
    )))))
}

#[tokio::test]
async fn wrapped_futures_bodies_and_responses_show_no_captured_value() {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .api_key(KEY)
        .build()
        .expect("config");
    let layer = APIToolkitLayer::new(config).expect("layer");
    assert_clean("APIToolkitLayer", &layer);
    let mut service = layer.layer(tower::service_fn(handler));
    let request = Request::post(format!("/users/{PATH}?token={QUERY}&q={QUERY}"))
        .header("authorization", format!("Bearer {HEADER}"))
        .header("x-visible", HEADER)
        .body(Full::new(Bytes::from(REQ_BODY)))
        .expect("request");

    let service = service.ready().await.expect("ready");
    let future = service.call(request);
    let text = assert_clean("ResponseFuture", &future);
    assert!(text.contains("x-visible: "), "{text}");

    let response = future.await.expect("response");
    let text = assert_clean("Response<ResponseBody>", &response);
    assert!(text.contains("finished: false"), "{text}");
    let mut body = response.into_body();
    let frame = body.frame().await.expect("a frame").expect("data");
    assert!(frame.is_data());
    let text = assert_clean("ResponseBody after a chunk", &body);
    assert!(
        text.contains("errors: 1") || text.contains("finished: true"),
        "{text}"
    );
    drop(body);

    assert_record_holds_the_markers(&captured);
}

#[tokio::test]
async fn the_layer_service_and_observer_show_no_key() {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .api_key(KEY)
        .build()
        .expect("config");
    let layer = APIToolkitLayer::new(config).expect("layer");
    let service = layer.layer(tower::service_fn(handler));
    assert_clean("APIToolkitService", &service);
    let response = service
        .oneshot(
            Request::post(format!("/p/{PATH}?q={QUERY}"))
                .header("x-visible", HEADER)
                .body(Full::new(Bytes::from(REQ_BODY)))
                .expect("request"),
        )
        .await
        .expect("response");
    let mut body = response.into_body();
    while body.frame().await.is_some() {}
    assert_clean("ResponseBody at the end", &body);
    assert_clean(
        "Observer",
        &Observer::from_extensions(&http::Extensions::new()),
    );
}
