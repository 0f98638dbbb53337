//! The "Incoming exchange" conformance cases of the APItoolkit SDK suites, for actix-web.

mod support;

use std::time::Duration;

use actix_web::{web, HttpResponse};
use apitoolkit_core::testing::{
    assert_uuid_v4, body_bytes, body_json, redacted_response_fixture, RESPONSE_FIXTURE,
    RESPONSE_FIXTURE_PATHS,
};
use apitoolkit_core::SdkType;
use support::{client, TestApp};

async fn slug_handler(_slug: web::Path<String>, body: String) -> HttpResponse {
    assert!(!body.is_empty());
    HttpResponse::Accepted()
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-secret", "top"))
        .insert_header(("x-val", "visible"))
        .body(RESPONSE_FIXTURE)
}

#[actix_web::test]
async fn post_with_params_headers_and_bodies_is_recorded_redacted() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/{slug}/test", web::post().to(slug_handler));
        },
        |b| {
            b.redact_response_body(RESPONSE_FIXTURE_PATHS)
                .redact_headers(["X-SECRET"])
        },
    )
    .await;
    let req_body = r#"{"status":"request","send":{"message":"hello world"}}"#;
    let res = client()
        .post(app.url("/slug-value/test?param1=abc&param2=123"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer abc123")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(req_body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.headers()["x-secret"],
        "top",
        "the client sees the real header"
    );
    assert_eq!(
        res.text().await.unwrap(),
        RESPONSE_FIXTURE,
        "the client sees the real body"
    );

    let r = app.record();
    assert_eq!(r.method, "POST");
    assert_eq!(r.url_path, "/{slug}/test");
    assert_eq!(r.raw_url, "/slug-value/test?param1=abc&param2=123");
    assert_eq!(r.path_params["slug"], "slug-value");
    assert_eq!(r.query_params["param1"], ["abc"]);
    assert_eq!(r.query_params["param2"], ["123"]);
    assert_eq!(r.status_code, 202);
    assert_eq!(r.request_headers["content-type"], ["application/json"]);
    assert_eq!(
        r.request_headers["content-length"],
        [req_body.len().to_string()]
    );
    assert_eq!(r.request_headers["authorization"], ["[CLIENT_REDACTED]"]);
    assert_eq!(
        r.request_headers["x-multi"],
        ["one", "two"],
        "repeated values kept in order"
    );
    assert_eq!(r.response_headers["x-secret"], ["[CLIENT_REDACTED]"]);
    assert_eq!(r.response_headers["x-val"], ["visible"]);
    assert_eq!(body_bytes(&r.request_body), req_body.as_bytes());
    assert_eq!(body_json(&r.response_body), redacted_response_fixture());
    assert!(r.duration > 0);
    assert_eq!(r.sdk_type, SdkType::RustActix);
    assert_uuid_v4(&r.msg_id);
    assert_eq!(r.parent_id, None);
    assert_eq!((r.proto_major, r.proto_minor), (1, 1));
    assert_eq!(r.host, app.addr.to_string());
    assert!(r.errors.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["sdk_type"], "RustActix");
    assert!(json["parent_id"].is_null());
    assert!(!json.to_string().contains("abc123"));
}

#[actix_web::test]
async fn slow_handler_duration_is_in_nanoseconds() {
    async fn slow() -> &'static str {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        "done"
    }
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/slow", web::get().to(slow));
        },
        |b| b,
    )
    .await;
    client()
        .get(app.url("/slow"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(app.record().duration > 500_000_000);
}

#[actix_web::test]
async fn nested_scopes_report_the_full_template() {
    async fn ok() -> &'static str {
        "ok"
    }
    let app =
        TestApp::spawn(
            |cfg| {
                // Three levels: /parent, /parent/parent2, /parent/parent2/parent3.
                cfg.service(
                    web::scope("/parent")
                        .route("/{slug}/test", web::get().to(ok))
                        .service(web::scope("/parent2").service(
                            web::scope("/parent3").route("/{slug}/test", web::get().to(ok)),
                        )),
                );
            },
            |b| b,
        )
        .await;
    let res = client()
        .get(app.url("/parent/s1/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first = app.records(1);
    assert_eq!(first[0].url_path, "/parent/{slug}/test");
    assert_eq!(first[0].path_params["slug"], "s1");
    assert_eq!(first[0].raw_url, "/parent/s1/test");
    let res = client()
        .get(app.url("/parent/parent2/parent3/s2/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let both = app.records(2);
    assert_eq!(both[1].url_path, "/parent/parent2/parent3/{slug}/test");
    assert_eq!(both[1].path_params["slug"], "s2");
}

#[actix_web::test]
async fn unmatched_request_is_recorded_with_empty_route() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/known", web::get().to(|| async { "ok" }));
        },
        |b| b,
    )
    .await;
    let res = client()
        .get(app.url("/unknown/path?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let r = app.record();
    assert_eq!(r.url_path, "");
    assert_eq!(r.status_code, 404);
    assert_eq!(r.raw_url, "/unknown/path?x=1");
    assert!(r.path_params.is_empty());
}

#[actix_web::test]
async fn empty_get_body_is_an_empty_string_not_null() {
    let app = TestApp::spawn(
        |cfg| {
            cfg.route("/e", web::get().to(|| async { "" }));
        },
        |b| b,
    )
    .await;
    client().get(app.url("/e")).send().await.unwrap();
    let r = app.record();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["request_body"], "");
    assert_eq!(json["response_body"], "");
}

#[actix_web::test]
async fn large_bodies_pass_intact_with_capture_on_and_off() {
    async fn echo(body: web::Bytes) -> web::Bytes {
        body
    }
    let payload: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    for capture in [true, false] {
        let app = TestApp::spawn(
            |cfg| {
                cfg.route("/echo", web::post().to(echo));
            },
            |b| {
                b.capture_request_body(capture)
                    .capture_response_body(capture)
            },
        )
        .await;
        let res = client()
            .post(app.url("/echo"))
            .header("content-type", "text/plain")
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.bytes().await.unwrap(), payload);
        let r = app.record();
        let expected: &[u8] = if capture { &payload } else { b"" };
        assert_eq!(body_bytes(&r.request_body), expected);
        assert_eq!(body_bytes(&r.response_body), expected);
    }
}

#[actix_web::test]
async fn url_path_is_the_route_that_served_the_request_when_guards_choose() {
    // Both patterns match `/v/anything`; the guard sends requests without the header to
    // the second. The record names the route that actually served the request.
    let app = TestApp::spawn(
        |cfg| {
            cfg.service(
                web::resource("/v/{version_two}")
                    .guard(actix_web::guard::Header("x-api", "2"))
                    .to(|| async { HttpResponse::Ok().body("two") }),
            )
            .service(web::resource("/v/{other}").to(|| async { HttpResponse::Ok().body("one") }));
        },
        |b| b,
    )
    .await;
    let plain = client().get(app.url("/v/abc")).send().await.unwrap();
    assert_eq!(plain.text().await.unwrap(), "one");
    let r = app.record();
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
    let r = app.records(2).remove(1);
    assert_eq!(r.url_path, "/v/{version_two}");
    assert_eq!(r.path_params["version_two"], "xyz");
}
