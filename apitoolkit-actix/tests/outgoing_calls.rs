//! The "Outgoing calls" conformance cases, made from actix handlers through
//! `observe_request` / `Observer::observe_request`.
#![cfg(feature = "client")]

mod support;

use actix_web::{web, HttpRequest, HttpResponse};
use apitoolkit_actix::{observe_request, report_error, Observer};
use apitoolkit_core::{RequestMessage, SdkType};
use support::{client, serve_bare, TestApp};

/// Calls the URL given in `x-target` and answers with the status it got, reporting a
/// 4xx/5xx answer as an error; 502 when the call failed.
async fn call(req: HttpRequest) -> HttpResponse {
    let target = req
        .headers()
        .get("x-target")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    match observe_request(&req).get(&target).send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            if let Err(err) = res.error_for_status() {
                report_error(&req, &err);
            }
            HttpResponse::Ok().body(status.to_string())
        }
        Err(_) => HttpResponse::BadGateway().body("call failed"),
    }
}

async fn call_with_observer(observer: Observer, req: HttpRequest) -> HttpResponse {
    let target = req
        .headers()
        .get("x-target")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let res = observer
        .observe_request()
        .get(&target)
        .send()
        .await
        .unwrap();
    HttpResponse::Ok().body(res.status().as_u16().to_string())
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/call", web::get().to(call))
        .route("/observer", web::get().to(call_with_observer));
}

fn target_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/todos/{id}",
        web::get().to(|| async { r#"{"done":true}"# }),
    );
}

/// The outgoing and the incoming record among `records`.
fn split(records: &[RequestMessage]) -> (&RequestMessage, &RequestMessage) {
    let out = records
        .iter()
        .find(|r| r.sdk_type == SdkType::RustOutgoing)
        .expect("an outgoing record");
    let inc = records
        .iter()
        .find(|r| r.sdk_type == SdkType::RustActix)
        .expect("an incoming record");
    (out, inc)
}

#[actix_web::test]
async fn outgoing_call_is_linked_to_the_incoming_request() {
    let app = TestApp::spawn(routes, |b| b).await;
    let (target, _server) = serve_bare(target_routes);
    for path in ["/call", "/observer"] {
        app.captured.clear();
        let res = client()
            .get(app.url(path))
            .header("x-target", format!("http://{target}/todos/7?full=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.text().await.unwrap(), "200");
        let records = app.records(2);
        let (out, inc) = split(&records);
        assert_eq!(
            out.parent_id.as_deref(),
            Some(inc.msg_id.as_str()),
            "{path}"
        );
        assert_eq!(out.status_code, 200);
        assert_eq!(out.raw_url, "/todos/7?full=1");
        assert_eq!(out.host, target.to_string());
        assert_eq!(out.method, "GET");
        assert_eq!(inc.url_path, path);
        assert!(inc.errors.is_empty());
    }
}

#[actix_web::test]
async fn outgoing_404_is_recorded_and_reported_error_reaches_the_incoming_record() {
    let app = TestApp::spawn(routes, |b| b).await;
    let (target, _server) = serve_bare(target_routes);
    let res = client()
        .get(app.url("/call"))
        .header("x-target", format!("http://{target}/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "404");
    let records = app.records(2);
    let (out, inc) = split(&records);
    assert_eq!(out.status_code, 404);
    assert_eq!(out.parent_id.as_deref(), Some(inc.msg_id.as_str()));
    assert_eq!(inc.errors.len(), 1);
    assert!(inc.errors[0].message.contains("404"), "{:?}", inc.errors[0]);
}

#[actix_web::test]
async fn connection_refused_is_a_503_with_the_error_on_both_records() {
    let app = TestApp::spawn(routes, |b| b).await;
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let res = client()
        .get(app.url("/call"))
        .header("x-target", format!("http://127.0.0.1:{port}/todos/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    let records = app.records(2);
    let (out, inc) = split(&records);
    assert_eq!(out.status_code, 503);
    assert_eq!(out.parent_id.as_deref(), Some(inc.msg_id.as_str()));
    assert!(
        !out.errors.is_empty(),
        "the outgoing record carries the error"
    );
    assert_eq!(inc.status_code, 502);
    assert!(
        !inc.errors.is_empty(),
        "the error is also attached to the incoming record"
    );
    assert_eq!(inc.errors[0].message, out.errors[0].message);
}
