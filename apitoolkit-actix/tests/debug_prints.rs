//! An outer middleware's `tracing::debug!(?res)` (or of the body, or the future) reaches
//! the SDK's wrappers and the record they carry: their `Debug` shows names, lengths and
//! counts, never a request header value, query value, path, body byte, error text or
//! the API key, though the record they hold has all of them (the shipped record shows
//! the unredacted ones arrived).

use actix_web::body::MessageBody;
use actix_web::dev::{fn_service, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{test, web, App, HttpRequest, HttpResponse};
use apitoolkit_actix::{report_error, APIToolkit};
use apitoolkit_testkit::{
    assert_debug_clean as assert_clean, assert_record_holds_the_markers, CapturedRecords,
    DEBUG_ERROR as ERROR, DEBUG_HEADER as HEADER, DEBUG_KEY as KEY, DEBUG_PATH as PATH,
    DEBUG_QUERY as QUERY, DEBUG_REQ_BODY as REQ_BODY, DEBUG_RES_BODY as RES_BODY,
};
use bytes::Bytes;

fn middleware() -> (APIToolkit, CapturedRecords) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .api_key(KEY)
        .build()
        .expect("config");
    (APIToolkit::new(config).expect("middleware"), captured)
}

fn request() -> test::TestRequest {
    test::TestRequest::post()
        .uri(&format!("/users/{PATH}?token={QUERY}&q={QUERY}"))
        .insert_header(("authorization", format!("Bearer {HEADER}")))
        .insert_header(("x-visible", HEADER))
        .set_payload(REQ_BODY)
}

/// Reads the request body (so it is captured), reports an error, and answers with a
/// body whose own `Debug` (a `BoxBody` of bytes) would print it.
async fn handler(req: HttpRequest, body: Bytes) -> HttpResponse {
    assert_eq!(body, REQ_BODY.as_bytes());
    report_error(&req, &std::io::Error::other(ERROR));
    HttpResponse::Ok().body(format!("{{\"echo\":\"{RES_BODY}\"}}"))
}

#[actix_web::test]
async fn service_responses_and_their_bodies_show_no_captured_value() {
    let (apitoolkit, captured) = middleware();
    assert_clean("APIToolkit", &apitoolkit);
    let app = test::init_service(
        App::new()
            .wrap(apitoolkit)
            .route("/users/{id}", web::post().to(handler)),
    )
    .await;
    let res = test::call_service(&app, request().to_request()).await;
    assert_clean("ServiceResponse", &res);
    let text = assert_clean("ResponseBody", res.response().body());
    assert!(text.contains("x-visible: "), "{text}");
    assert!(text.contains("/users/{id}"), "{text}");
    let body = test::read_body(res).await;
    assert!(body.ends_with(format!("{RES_BODY}\"}}").as_bytes()));
    assert_record_holds_the_markers(&captured);
}

#[actix_web::test]
async fn the_response_future_shows_no_captured_value() {
    let (apitoolkit, captured) = middleware();
    let inner = fn_service(|req: ServiceRequest| async move {
        let (http_req, mut payload) = req.into_parts();
        let body = <Bytes as actix_web::FromRequest>::from_request(&http_req, &mut payload)
            .await
            .expect("body");
        let res = handler(http_req.clone(), body).await;
        Ok::<_, actix_web::Error>(ServiceResponse::new(http_req, res))
    });
    let service = apitoolkit.new_transform(inner).await.expect("middleware");
    assert_clean("APIToolkitMiddleware", &service);
    let future = service.call(request().to_srv_request());
    let text = assert_clean("ResponseFuture", &future);
    assert!(text.contains("authorization: "), "{text}");
    let res = future.await.expect("response");
    assert_clean("ServiceResponse", &res);
    assert_clean("ResponseBody", res.response().body());
    let body = res.into_body().try_into_bytes().expect("bytes");
    assert!(body.ends_with(format!("{RES_BODY}\"}}").as_bytes()));
    assert_record_holds_the_markers(&captured);
}
