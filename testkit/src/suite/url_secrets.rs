//! Secrets carried by URLs, and content types as frameworks read them, end to end: an
//! incoming `Referer` with a token in its query and fragment, URL-valued response headers
//! (`location`, `link`, `refresh`, `content-location`), an outgoing call whose redirect
//! points to `myapp://cb?access_token=..` (reqwest names that URL in its error), errors
//! the handler reports that quote URLs, and a `text/json` body (actix's `web::Json`
//! accepts it; whatever reads it, the body paths apply). No marker reaches any record;
//! every request is answered and recorded.

use apitoolkit_core::{SdkType, REDACTED};

use super::{client, find, Adapter};
use crate::{assert_not_leaked, body_json};

const MARKERS: [&str; 15] = [
    "MkRedirTok1",
    "MkLinkSig2",
    "MkRefreshPw3",
    "MkRefererTk4",
    "MkFragTok5",
    "MkDbPass6",
    "MkDbQuery7",
    "AcBodyPw1",
    "AcErrPw2",
    "AcErrCode3",
    "AcLocTok4",
    "AcSig5",
    "AcNextSig6",
    "AcRefTok7",
    "AcRefId8",
];

/// An outgoing call redirected to a secret-bearing custom-scheme URL, a `Referer` with
/// tokens, URL-valued response headers, reported errors quoting URLs, and a `text/json`
/// login body: every secret is scrubbed from every record.
pub async fn no_secret_carried_by_a_url_or_a_text_json_body_reaches_a_record<A: Adapter>() {
    let app = A::spawn(Box::new(|b| {
        b.redact_request_body(["$.password"]).debug(true)
    }))
    .await;
    let status = client()
        .get(app.url("/call-and-report"))
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

    let no_redirects = super::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .post(app.url("/login?next=%2Fhome%3Fsig%3DAcNextSig6"))
        .header("content-type", "text/json")
        .header(
            "referer",
            "https://app.example/?token=AcRefTok7#id_token=AcRefId8",
        )
        .body(r#"{"user":"ann","password":"AcBodyPw1"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 302, "the handler got the real body");

    // The incoming /call-and-report, the incoming /redirect, the outgoing call, /login.
    let records = app.records(4).await;
    // Give a straggler a moment to show up, so "one record per exchange" means something.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(app.captured.records().len(), 4, "one record per exchange");
    let json = serde_json::to_vec(&records).unwrap();
    for marker in MARKERS {
        assert_not_leaked(&json, marker.as_bytes());
    }
    let incoming = find(&records, Some(A::SDK_TYPE), "/call-and-report");
    assert_eq!(
        incoming.referer,
        format!("https://app.example/home?token={REDACTED}#access_token={REDACTED}")
    );
    assert_eq!(incoming.errors.len(), 3, "{:#?}", incoming.errors);
    let redirect = find(&records, Some(A::SDK_TYPE), "/redirect");
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

    let login = records
        .iter()
        .find(|r| r.sdk_type == A::SDK_TYPE && r.raw_url.starts_with("/login?"))
        .expect("login record");
    let body = body_json(&login.request_body);
    for marker in MARKERS {
        assert_not_leaked(body.to_string().as_bytes(), marker.as_bytes());
    }
    assert_eq!(
        body,
        serde_json::json!({"user": "ann", "password": REDACTED})
    );
    assert_eq!(
        login.referer,
        format!("https://app.example/?token={REDACTED}#id_token={REDACTED}")
    );
    assert_eq!(
        login.response_headers["location"],
        [format!("/home#access_token={REDACTED}&token_type=bearer")]
    );
    assert_eq!(login.errors.len(), 1);
    assert!(
        login.errors[0]
            .message
            .contains(&format!("sso at https://sso.internal/cb?code={REDACTED}")),
        "{}",
        login.errors[0].message
    );
}
