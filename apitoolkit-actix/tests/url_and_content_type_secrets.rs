//! Secrets in the places an actix-web app receives and sends them beside the obvious
//! ones: a `text/json` body (actix's `web::Json` accepts it, so the body paths apply), a
//! `Referer` with a token in its query and fragment, URL-valued response headers, and an
//! error text that quotes a URL. No marker reaches the record; the app sees every byte.

mod support;

use actix_web::{web, HttpResponse};
use apitoolkit_actix::Observer;
use apitoolkit_core::REDACTED;
use apitoolkit_testkit::{assert_not_leaked, body_json};
use support::TestApp;

async fn login(observer: Observer, body: web::Json<serde_json::Value>) -> HttpResponse {
    // The handler gets the real body.
    assert_eq!(body["password"], "AcBodyPw1");
    let err = std::io::Error::other("sso at https://svc:AcErrPw2@sso.internal/cb?code=AcErrCode3");
    observer.report_error(&err);
    HttpResponse::Found()
        .insert_header(("location", "/home#access_token=AcLocTok4&token_type=bearer"))
        .insert_header(("content-location", "/login?X-Goog-Signature=AcSig5"))
        .finish()
}

#[actix_web::test]
async fn text_json_bodies_and_url_borne_secrets_never_reach_the_record() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/login", web::post().to(login));
        },
        |b| b.redact_request_body(["$.password"]).debug(true),
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
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
    assert_eq!(res.status(), 302);

    let record = app.record();
    let json = serde_json::to_vec(&record).unwrap();
    let body = body_json(&record.request_body);
    for marker in [
        "AcBodyPw1",
        "AcErrPw2",
        "AcErrCode3",
        "AcLocTok4",
        "AcSig5",
        "AcNextSig6",
        "AcRefTok7",
        "AcRefId8",
    ] {
        assert_not_leaked(&json, marker.as_bytes());
        assert_not_leaked(body.to_string().as_bytes(), marker.as_bytes());
    }
    assert_eq!(
        body,
        serde_json::json!({"user": "ann", "password": REDACTED})
    );
    assert_eq!(
        record.referer,
        format!("https://app.example/?token={REDACTED}#id_token={REDACTED}")
    );
    assert_eq!(
        record.response_headers["location"],
        [format!("/home#access_token={REDACTED}&token_type=bearer")]
    );
    assert_eq!(record.errors.len(), 1);
    assert!(
        record.errors[0]
            .message
            .contains(&format!("sso at https://sso.internal/cb?code={REDACTED}")),
        "{}",
        record.errors[0].message
    );
}
