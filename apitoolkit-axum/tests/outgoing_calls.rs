//! The "Outgoing calls" conformance cases through an axum app: calls made in a handler
//! with `Observer::observe_request()` are recorded and linked to the incoming request.
#![cfg(feature = "client")]

mod support;

use apitoolkit_axum::Observer;
use apitoolkit_core::{RequestMessage, SdkType};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use support::{client, TestApp};

/// Calls the URL in `x-target` through the observed client; a 4xx/5xx answer is
/// reported as an error on this request.
async fn call(observer: Observer, headers: HeaderMap) -> (StatusCode, String) {
    let target = headers
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match observer.observe_request().get(&target).send().await {
        Ok(res) => match res.error_for_status() {
            Ok(res) => (StatusCode::OK, res.text().await.unwrap_or_default()),
            Err(err) => {
                observer.report_error(&err);
                (StatusCode::BAD_GATEWAY, err.to_string())
            }
        },
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()),
    }
}

fn routes() -> Router {
    Router::new()
        .route("/call", get(call))
        .route("/hello/{name}", get(|| async { "Hello, outgoing!" }))
}

async fn spawn() -> TestApp {
    TestApp::spawn(routes(), |b| b).await
}

/// Sends `GET /call` asking the handler to call `target`; returns the status.
async fn call_through(app: &TestApp, target: &str) -> reqwest::StatusCode {
    client()
        .get(app.url("/call"))
        .header("x-target", target)
        .send()
        .await
        .expect("call")
        .status()
}

fn find<'a>(records: &'a [RequestMessage], sdk: SdkType, raw_url: &str) -> &'a RequestMessage {
    records
        .iter()
        .find(|r| r.sdk_type == sdk && r.raw_url == raw_url)
        .unwrap_or_else(|| panic!("no {sdk:?} record for {raw_url}: {records:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outgoing_call_in_a_handler_is_linked_to_the_incoming_record() {
    let app = spawn().await;
    let status = call_through(&app, &app.url("/hello/outgoing?x=1")).await;
    assert_eq!(status, 200);

    // The incoming /call, the incoming /hello/outgoing it caused, and the outgoing call.
    let records = app.records(3).await;
    let incoming = find(&records, SdkType::RustAxum, "/call");
    let outgoing = find(&records, SdkType::RustOutgoing, "/hello/outgoing?x=1");
    assert_eq!(
        outgoing.parent_id.as_deref(),
        Some(incoming.msg_id.as_str())
    );
    assert_eq!(incoming.parent_id, None);
    assert_eq!(outgoing.host, app.addr.to_string());
    assert_eq!(outgoing.method, "GET");
    assert_eq!(outgoing.status_code, 200);
    assert_eq!(outgoing.url_path, "/hello/outgoing");
    assert_eq!(outgoing.query_params["x"], ["1"]);
    assert!(outgoing.errors.is_empty());
    assert!(incoming.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_answer_is_recorded_and_its_reported_error_lands_on_the_incoming_record() {
    let app = spawn().await;
    let status = call_through(&app, &app.url("/no/such/route")).await;
    assert_eq!(status, 502);

    let records = app.records(3).await;
    let incoming = find(&records, SdkType::RustAxum, "/call");
    let outgoing = find(&records, SdkType::RustOutgoing, "/no/such/route");
    assert_eq!(outgoing.status_code, 404);
    assert_eq!(
        outgoing.parent_id.as_deref(),
        Some(incoming.msg_id.as_str())
    );
    assert!(
        outgoing.errors.is_empty(),
        "a 404 answer is not a transport error"
    );
    assert_eq!(incoming.errors.len(), 1, "{:#?}", incoming.errors);
    assert!(
        incoming.errors[0].message.contains("404"),
        "{:#?}",
        incoming.errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_recorded_as_503_and_attached_to_the_incoming_record() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }; // dropped: nothing listens there any more
    let app = spawn().await;
    let status = call_through(&app, &format!("http://127.0.0.1:{port}/todos/1")).await;
    assert_eq!(status, 502);

    let records = app.records(2).await;
    let incoming = find(&records, SdkType::RustAxum, "/call");
    let outgoing = find(&records, SdkType::RustOutgoing, "/todos/1");
    assert_eq!(outgoing.status_code, 503);
    assert_eq!(outgoing.host, format!("127.0.0.1:{port}"));
    assert_eq!(
        outgoing.parent_id.as_deref(),
        Some(incoming.msg_id.as_str())
    );
    assert_eq!(outgoing.errors.len(), 1, "{:#?}", outgoing.errors);
    assert_eq!(incoming.errors.len(), 1, "{:#?}", incoming.errors);
    let (out_err, in_err) = (&outgoing.errors[0], &incoming.errors[0]);
    assert_eq!(out_err.error_type, "reqwest::Error");
    assert!(
        out_err.message.contains("error sending request"),
        "{out_err:#?}"
    );
    assert_eq!(in_err.message, out_err.message);
    assert_eq!(in_err.root_error_message, out_err.root_error_message);
}
