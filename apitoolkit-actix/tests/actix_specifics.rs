//! What only actix-web has: guards choosing between routes, handlers returning
//! `actix_web::Error`, and the free `observe_request(&HttpRequest)`. (Everything both
//! adapters do is in the shared suite, `tests/suite.rs`.)

mod support;

use std::error::Error;

use actix_web::{web, HttpResponse};
use apitoolkit_testkit::suite::client;
use apitoolkit_testkit::{body_bytes, ExampleError, WrapperError};
use support::spawn_with;

#[actix_web::test]
async fn url_path_is_the_route_that_served_the_request_when_guards_choose() {
    // Both patterns match `/v/anything`; the guard sends requests without the header to
    // the second. The record names the route that actually served the request.
    let app = spawn_with(
        |cfg| {
            cfg.service(
                web::resource("/v/{version_two}")
                    .guard(actix_web::guard::Header("x-api", "2"))
                    .to(|| async { HttpResponse::Ok().body("two") }),
            )
            .service(web::resource("/v/{other}").to(|| async { HttpResponse::Ok().body("one") }));
        },
        Box::new(|b| b),
    );
    let plain = client().get(app.url("/v/abc")).send().await.unwrap();
    assert_eq!(plain.text().await.unwrap(), "one");
    let r = app.record().await;
    assert_eq!(r.url_path, "/v/{other}");
    assert_eq!(r.path_params["other"], "abc");
    assert_eq!(r.path_params.len(), 1);

    let guarded = client()
        .get(app.url("/v/xyz"))
        .header("x-api", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(guarded.text().await.unwrap(), "two");
    let r = app.records(2).await.remove(1);
    assert_eq!(r.url_path, "/v/{version_two}");
    assert_eq!(r.path_params["version_two"], "xyz");
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
    let app = spawn_with(
        |cfg| {
            cfg.route("/boxed", web::get().to(boxed))
                .route("/internal", web::get().to(internal))
                .route("/bad", web::get().to(client_error));
        },
        Box::new(|b| b),
    );
    let res = client().get(app.url("/boxed")).send().await.unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.unwrap(),
        "wrapper from err2: Example Error value"
    );
    let r = app.records(1).await[0].clone();
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    let e = &r.errors[0];
    assert_eq!(e.message, "wrapper from err2: Example Error value");
    assert_eq!(e.error_type, "WrapperError");
    assert_eq!(e.root_error_message, "Example Error value");
    assert_eq!(e.root_error_type, "ExampleError");
    assert_eq!(
        body_bytes(&r.response_body),
        b"wrapper from err2: Example Error value"
    );

    let res = client().get(app.url("/internal")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let r = app.records(2).await[1].clone();
    assert_eq!(r.status_code, 503);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "db down");
    assert_eq!(r.errors[0].root_error_message, "db down");

    let res = client().get(app.url("/bad")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let r = app.records(3).await[2].clone();
    assert_eq!(r.status_code, 400);
    assert!(
        r.errors.is_empty(),
        "4xx errors are the client's, not recorded"
    );
}

/// Calls the URL in `x-target` through the free `observe_request(&req)`; reports a
/// 4xx/5xx answer through the free `report_error`.
#[cfg(feature = "client")]
async fn call_free(req: actix_web::HttpRequest) -> HttpResponse {
    let target = req
        .headers()
        .get("x-target")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let res = apitoolkit_actix::observe_request(&req)
        .get(&target)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if let Err(err) = res.error_for_status() {
        apitoolkit_actix::report_error(&req, &err);
    }
    HttpResponse::Ok().body(status.to_string())
}

#[cfg(feature = "client")]
#[actix_web::test]
async fn outgoing_call_through_the_free_observe_request_is_linked_to_the_incoming_request() {
    use apitoolkit_core::SdkType;
    let app = spawn_with(
        |cfg| {
            cfg.route("/call-free", web::get().to(call_free));
        },
        Box::new(|b| b),
    );
    let target_server = support::serve_bare(|cfg| {
        cfg.route(
            "/todos/{id}",
            web::get().to(|| async { r#"{"done":true}"# }),
        );
    });
    let target = target_server.addr;
    for (path, status) in [("/todos/7?full=1", "200"), ("/nothing-here", "404")] {
        app.captured.clear();
        let res = client()
            .get(app.url("/call-free"))
            .header("x-target", format!("http://{target}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.text().await.unwrap(), status);
        let records = app.records(2).await;
        let out = records
            .iter()
            .find(|r| r.sdk_type == SdkType::RustOutgoing)
            .expect("an outgoing record");
        let inc = records
            .iter()
            .find(|r| r.sdk_type == SdkType::RustActix)
            .expect("an incoming record");
        assert_eq!(out.parent_id.as_deref(), Some(inc.msg_id.as_str()));
        assert_eq!(out.status_code.to_string(), status);
        assert_eq!(out.raw_url, path);
        assert_eq!(out.host, target.to_string());
        assert_eq!(out.method, "GET");
        assert_eq!(inc.url_path, "/call-free");
        if status == "200" {
            assert!(inc.errors.is_empty());
        } else {
            assert_eq!(inc.errors.len(), 1);
            assert!(inc.errors[0].message.contains("404"), "{:?}", inc.errors[0]);
        }
    }
}
