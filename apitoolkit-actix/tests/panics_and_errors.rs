//! Panics are recorded and resumed; reported errors and 5xx `actix_web::Error`s reach
//! the record.

mod support;

use std::error::Error;

use actix_web::{web, HttpRequest, HttpResponse};
use apitoolkit_actix::{report_error, Observer};
use apitoolkit_core::testing::{ExampleError, WrapperError};
use support::{client, serve_bare, TestApp};

async fn failing(observer: Observer) -> HttpResponse {
    observer.report_error(&WrapperError(ExampleError));
    HttpResponse::InternalServerError().finish()
}

async fn with_request(req: HttpRequest) -> &'static str {
    report_error(&req, &ExampleError);
    "reported"
}

#[actix_web::test]
async fn reported_errors_appear_in_the_record_with_their_root() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/fail", web::get().to(failing))
                .route("/free", web::get().to(with_request));
        },
        |b| b,
    )
    .await;
    let res = client().get(app.url("/fail")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    let r = &app.records(1)[0];
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
    let r = &app.records(2)[1];
    assert_eq!(r.errors[0].message, "Example Error value");
}

#[actix_web::test]
async fn handler_err_with_a_5xx_response_is_recorded_with_its_root_cause() {
    async fn boxed() -> Result<&'static str, actix_web::Error> {
        let err: Box<dyn Error + 'static> = Box::new(WrapperError(ExampleError));
        Err(err.into())
    }
    async fn internal() -> Result<&'static str, actix_web::Error> {
        Err(actix_web::error::ErrorServiceUnavailable("db down"))
    }
    async fn client_error() -> Result<&'static str, actix_web::Error> {
        Err(actix_web::error::ErrorBadRequest("bad input"))
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/boxed", web::get().to(boxed))
                .route("/internal", web::get().to(internal))
                .route("/bad", web::get().to(client_error));
        },
        |b| b,
    )
    .await;
    let res = client().get(app.url("/boxed")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.unwrap(),
        "wrapper from err2: Example Error value"
    );
    let r = app.records(1)[0].clone();
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    let e = &r.errors[0];
    assert_eq!(e.message, "wrapper from err2: Example Error value");
    assert_eq!(e.error_type, "WrapperError");
    assert_eq!(e.root_error_message, "Example Error value");
    assert_eq!(e.root_error_type, "ExampleError");
    assert_eq!(
        apitoolkit_core::testing::body_bytes(&r.response_body),
        b"wrapper from err2: Example Error value"
    );

    let res = client().get(app.url("/internal")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let r = app.records(2)[1].clone();
    assert_eq!(r.status_code, 503);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "db down");
    assert_eq!(r.errors[0].root_error_message, "db down");

    let res = client().get(app.url("/bad")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let r = app.records(3)[2].clone();
    assert_eq!(r.status_code, 400);
    assert!(
        r.errors.is_empty(),
        "4xx errors are the client's, not recorded"
    );
}

#[actix_web::test]
async fn observer_outside_the_middleware_is_a_no_op() {
    async fn handler(observer: Observer, req: HttpRequest) -> String {
        observer.report_error(&ExampleError);
        report_error(&req, &ExampleError);
        format!("{:?}", observer.msg_id())
    }
    let (addr, _server) = serve_bare(|cfg| {
        cfg.route("/", web::get().to(handler));
    });
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

#[actix_web::test]
async fn handler_panic_is_recorded_as_500_and_resumed() {
    async fn boom() -> &'static str {
        panic!("handler exploded")
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/panic", web::get().to(boom));
        },
        |b| b,
    )
    .await;
    // The panic is resumed, so actix drops the connection: the client sees an error,
    // exactly as it would without the middleware.
    let res = client().get(app.url("/panic")).send().await;
    assert!(res.is_err(), "the panic must propagate unchanged: {res:?}");
    let r = app.record();
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "handler exploded");
    assert_eq!(r.errors[0].error_type, "panic");
}
