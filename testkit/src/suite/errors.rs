//! Panics are recorded and resumed; reported errors reach the record.

use super::{client, Adapter};

/// Errors reported through the `Observer` or the free `report_error` are in the record,
/// with their root cause and all six fields.
pub async fn reported_errors_appear_in_the_record_with_their_root<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client().get(app.url("/fail")).send().await.unwrap();
    assert_eq!(res.status(), 500);
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
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "Example Error value");
}

/// Without the SDK, the `Observer` has no `msg_id` and reporting is a no-op (with it,
/// the same handler sees its request's id).
pub async fn observer_outside_the_sdk_is_a_no_op<A: Adapter>() {
    let bare = A::spawn_bare().await;
    let text = client()
        .get(bare.url("/msg-id"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "None");

    let app = A::spawn(Box::new(|b| b)).await;
    let text = client()
        .get(app.url("/msg-id"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = app.record().await;
    assert_eq!(text, format!("Some({})", r.msg_id));
    assert_eq!(r.errors.len(), 2, "the Observer's and the free function's");
}

/// A panicking handler is recorded as a 500 with the panic message, and the panic is
/// resumed (the client sees the connection dropped, as without the SDK).
pub async fn handler_panic_is_recorded_as_500_and_resumed<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let res = client().get(app.url("/panic")).send().await;
    assert!(res.is_err(), "the panic must propagate unchanged: {res:?}");
    let r = app.record().await;
    assert_eq!(r.status_code, 500);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].message, "handler exploded");
    assert_eq!(r.errors[0].error_type, "panic");
}
