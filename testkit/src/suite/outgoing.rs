//! The "Outgoing calls" conformance cases: calls made in a handler through
//! `Observer::observe_request()` are recorded and linked to the incoming request.

use super::{client, find, Adapter, RunningApp};
use apitoolkit_core::SdkType;

/// Sends `GET /call` asking the handler to call `target`; returns the status and body.
async fn call_through(app: &RunningApp, target: &str) -> (u16, String) {
    let res = client()
        .get(app.url("/call"))
        .header("x-target", target)
        .send()
        .await
        .expect("call");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// A successful call is an outgoing record whose `parent_id` is the incoming record's
/// `msg_id`.
pub async fn an_outgoing_call_in_a_handler_is_linked_to_the_incoming_record<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let target = A::spawn_bare().await;
    let answer = call_through(&app, &target.url("/hello/outgoing?x=1")).await;
    assert_eq!(answer, (200, "200".to_owned()));

    let records = app.records(2).await;
    let incoming = find(&records, Some(A::SDK_TYPE), "/call");
    let outgoing = find(&records, Some(SdkType::RustOutgoing), "/hello/outgoing?x=1");
    assert_eq!(
        outgoing.parent_id.as_deref(),
        Some(incoming.msg_id.as_str())
    );
    assert_eq!(incoming.parent_id, None);
    assert_eq!(incoming.url_path, "/call");
    assert_eq!(outgoing.host, target.addr.to_string());
    assert_eq!(outgoing.method, "GET");
    assert_eq!(outgoing.status_code, 200);
    assert_eq!(outgoing.url_path, "/hello/outgoing");
    assert_eq!(outgoing.query_params["x"], ["1"]);
    assert!(outgoing.errors.is_empty());
    assert!(incoming.errors.is_empty());
}

/// A 404 answer is an outgoing record with status 404 and no error; the error the
/// handler reports for it lands on the incoming record.
pub async fn a_404_answer_is_recorded_and_its_reported_error_lands_on_the_incoming_record<
    A: Adapter,
>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let target = A::spawn_bare().await;
    let answer = call_through(&app, &target.url("/no/such/route")).await;
    assert_eq!(answer, (502, "404".to_owned()));

    let records = app.records(2).await;
    let incoming = find(&records, Some(A::SDK_TYPE), "/call");
    let outgoing = find(&records, Some(SdkType::RustOutgoing), "/no/such/route");
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

/// A refused connection is an outgoing record with status 503 and the error, which is
/// also attached to the incoming record.
pub async fn connection_refused_is_recorded_as_503_and_attached_to_the_incoming_record<
    A: Adapter,
>() {
    let port = crate::unused_addr().port(); // nothing listens there
    let app = A::spawn(Box::new(|b| b)).await;
    let answer = call_through(&app, &format!("http://127.0.0.1:{port}/todos/1")).await;
    assert_eq!(answer, (502, "call failed".to_owned()));

    let records = app.records(2).await;
    let incoming = find(&records, Some(A::SDK_TYPE), "/call");
    let outgoing = find(&records, Some(SdkType::RustOutgoing), "/todos/1");
    assert_eq!(outgoing.status_code, 503);
    assert_eq!(outgoing.host, format!("127.0.0.1:{port}"));
    assert_eq!(
        outgoing.parent_id.as_deref(),
        Some(incoming.msg_id.as_str())
    );
    assert_eq!(incoming.status_code, 502);
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
