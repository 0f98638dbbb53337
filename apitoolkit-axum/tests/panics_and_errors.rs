//! Panics are recorded and resumed; reported errors reach the record.

mod support;

use apitoolkit_axum::{report_error, Observer};
use apitoolkit_core::testing::{ExampleError, WrapperError};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use support::{client, TestApp};

#[tokio::test]
async fn reported_errors_appear_in_the_record_with_their_root() {
    async fn failing(observer: Observer) -> StatusCode {
        observer.report_error(&WrapperError(ExampleError));
        StatusCode::INTERNAL_SERVER_ERROR
    }
    async fn with_request(req: Request) -> &'static str {
        report_error(req.extensions(), &ExampleError);
        "reported"
    }
    let routes = Router::new()
        .route("/fail", get(failing))
        .route("/free", get(with_request));
    let app = TestApp::spawn(routes, |b| b).await;
    assert_eq!(
        client()
            .get(app.url("/fail"))
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    let r = &app.records(1).await[0];
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    let e = &r.errors[0];
    assert_eq!(e.message, "wrapper from err2: Example Error value");
    assert_eq!(e.root_error_message, "Example Error value");
    assert_eq!(e.error_type, "WrapperError");
    assert_eq!(e.root_error_type, "ExampleError");
    assert!(!e.when.is_empty());
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 6, "all six fields: {json}");

    client().get(app.url("/free")).send().await.unwrap();
    let r = &app.records(2).await[1];
    assert_eq!(r.errors[0].message, "Example Error value");
}

#[tokio::test]
async fn observer_outside_the_layer_is_a_no_op() {
    async fn handler(observer: Observer) -> String {
        observer.report_error(&ExampleError);
        format!("{:?}", observer.msg_id())
    }
    let (addr, _server) = support::serve(Router::new().route("/", get(handler))).await;
    let text = client()
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "None");
}

#[tokio::test]
async fn handler_panic_is_recorded_as_500_and_resumed() {
    async fn boom() -> &'static str {
        panic!("handler exploded")
    }
    let app = TestApp::spawn(Router::new().route("/panic", get(boom)), |b| b).await;
    // The panic is resumed, so hyper drops the connection: the client sees an error,
    // exactly as it would without the layer.
    let res = client().get(app.url("/panic")).send().await;
    assert!(res.is_err(), "the panic must propagate unchanged: {res:?}");
    let r = app.record().await;
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "handler exploded");
    assert_eq!(r.errors[0].error_type, "panic");
}
