//! `observe_request(&RequestContext)`, as the web adapters call it: records carry the
//! request's `msg_id` as `parent_id`, and transport errors are reported on the request.

use std::time::Duration;

use apitoolkit_client::{observe_request, OutgoingClient};
use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::testing::CapturedRecords;
use apitoolkit_core::{SdkType, Shipper};

fn shipper() -> (CapturedRecords, Shipper) {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .build_with_env(|_| None)
        .expect("config");
    (captured, Shipper::start(config).expect("shipper"))
}

fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_carry_the_request_msg_id_and_errors_reach_the_request() {
    let (captured, shipper) = shipper();
    let ctx = RequestContext::new(shipper);
    let port = refused_port();
    let err = observe_request(&ctx)
        .get(format!("http://127.0.0.1:{port}/a"))
        .send()
        .await
        .expect_err("nothing listens");

    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.sdk_type, SdkType::RustOutgoing);
    assert_eq!(r.parent_id, Some(ctx.msg_id().to_string()));
    assert_eq!(r.status_code, 503);

    let reported = ctx.take_errors();
    assert_eq!(reported.len(), 1, "{reported:#?}");
    assert_eq!(reported[0].message, r.errors[0].message);
    assert_eq!(
        reported[0].message,
        err.to_string(),
        "no secrets here, so unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builder_links_to_a_parent_when_asked() {
    let (captured, shipper) = shipper();
    let ctx = RequestContext::new(shipper.clone());
    let client = OutgoingClient::builder(shipper).parent(&ctx).build();
    let _ = client
        .get(format!("http://127.0.0.1:{}/b", refused_port()))
        .send()
        .await;
    let records = captured.wait_for(1, Duration::from_secs(10));
    assert_eq!(records[0].parent_id, Some(ctx.msg_id().to_string()));
    assert_eq!(ctx.take_errors().len(), 1);
}
