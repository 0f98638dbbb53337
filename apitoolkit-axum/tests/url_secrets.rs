//! Secrets carried by URLs, end to end through an axum app built on the public API: an
//! incoming `Referer`, URL-valued response headers, an outgoing call whose redirect points
//! to `myapp://cb?access_token=..` (reqwest names that URL in its error), and errors the
//! handler reports. No marker reaches any record; every request is answered and recorded.
#![cfg(feature = "client")]

mod support;

use apitoolkit_axum::Observer;
use apitoolkit_core::{SdkType, REDACTED};
use apitoolkit_testkit::assert_not_leaked;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use support::{client, TestApp};

const MARKERS: [&str; 7] = [
    "MkRedirTok1",
    "MkLinkSig2",
    "MkRefreshPw3",
    "MkRefererTk4",
    "MkFragTok5",
    "MkDbPass6",
    "MkDbQuery7",
];

/// Redirects to a custom scheme whose URL carries a token, with secret-bearing
/// URL-valued headers beside it.
async fn redirect() -> impl IntoResponse {
    (
        StatusCode::FOUND,
        [
            (
                header::LOCATION,
                "myapp://cb?access_token=MkRedirTok1&state=s",
            ),
            (header::LINK, "</next?sig=MkLinkSig2>; rel=\"next\""),
            (
                header::REFRESH,
                "0; url=https://ann:MkRefreshPw3@app.example/x",
            ),
        ],
    )
}

/// Calls the redirecting route (the redirect fails: reqwest does not follow custom
/// schemes) and reports both that error and one of its own.
async fn call(observer: Observer, headers: HeaderMap) -> StatusCode {
    let target = headers
        .get("x-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Err(err) = observer.observe_request().get(&target).send().await {
        observer.report_error(&err);
    }
    let db = std::io::Error::other(
        "connect to postgres://app:MkDbPass6@db.internal/?password=MkDbQuery7 failed",
    );
    observer.report_error(&db);
    StatusCode::BAD_GATEWAY
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_carried_by_a_url_reaches_a_record() {
    let routes = Router::new()
        .route("/redirect", get(redirect))
        .route("/call", get(call));
    let app = TestApp::spawn(routes, |b| b.debug(true)).await;
    let status = client()
        .get(app.url("/call"))
        .header("x-target", app.url("/redirect"))
        .header(
            "referer",
            "https://app.example/home?token=MkRefererTk4#access_token=MkFragTok5",
        )
        .send()
        .await
        .expect("answered")
        .status();
    assert_eq!(status, 502);

    // The incoming /call, the incoming /redirect, and the outgoing call.
    let records = app.records(3).await;
    let json = serde_json::to_vec(&records).unwrap();
    for marker in MARKERS {
        assert_not_leaked(&json, marker.as_bytes());
    }
    let incoming = records
        .iter()
        .find(|r| r.sdk_type == SdkType::RustAxum && r.raw_url == "/call")
        .expect("incoming record");
    assert_eq!(
        incoming.referer,
        format!("https://app.example/home?token={REDACTED}#access_token={REDACTED}")
    );
    assert_eq!(incoming.errors.len(), 3, "{:#?}", incoming.errors);
    let redirect = records
        .iter()
        .find(|r| r.raw_url == "/redirect" && r.sdk_type == SdkType::RustAxum)
        .expect("redirect record");
    assert_eq!(
        redirect.response_headers["location"],
        [format!("myapp://cb?access_token={REDACTED}&state=s")]
    );
    let outgoing = records
        .iter()
        .find(|r| r.sdk_type == SdkType::RustOutgoing)
        .expect("outgoing record");
    // What the outgoing record holds depends on how reqwest ends the call (an error
    // naming the redirect target, or the 302 itself); it is scrubbed either way.
    let text = format!("{:?} {:?}", outgoing.errors, outgoing.response_headers);
    assert!(text.contains(&format!("access_token={REDACTED}")), "{text}");
}
