//! Traffic policy through the adapters (issue 19): excluded routes and user agents leave
//! no record and are served as without the SDK; sampling keeps a fraction of the
//! successes and every failure, each kept record saying at which rate.

use std::time::Duration;

use super::{client, Adapter};

/// `/hello/{name}` and `/users/*` excluded, and a probe's user agent: those requests are
/// answered as usual and leave no record; the others are recorded.
pub async fn excluded_routes_and_user_agents_leave_no_record<A: Adapter>() {
    let app = A::spawn(Box::new(|b| {
        b.exclude(["/hello/{name}", "/users/*", "POST /echo"])
            .exclude_user_agents(["probe-bot"])
    }))
    .await;
    let c = client();
    let hello = c.get(app.url("/hello/ann")).send().await.expect("hello");
    assert_eq!(hello.text().await.expect("body"), "Hello, ann!");
    // `/users/7` is excluded; the others are not (404s are recorded as usual).
    for path in ["/users/7", "/users/7/posts", "/users", "/headers"] {
        let res = c.get(app.url(path)).send().await.expect("request");
        let _ = res.bytes().await;
    }
    let echo = c
        .post(app.url("/echo"))
        .body("not recorded")
        .send()
        .await
        .expect("echo");
    assert_eq!(echo.text().await.expect("body"), "not recorded");
    let probe = c
        .get(app.url("/empty"))
        .header("user-agent", "Probe-Bot/2.1")
        .send()
        .await
        .expect("probe");
    assert_eq!(probe.status(), 204);
    // A last request that is recorded, so that every earlier record has arrived.
    let _ = c
        .get(app.url("/e"))
        .send()
        .await
        .expect("last")
        .bytes()
        .await;
    let records = app.records(4).await;
    let mut urls: Vec<&str> = records.iter().map(|r| r.raw_url.as_str()).collect();
    urls.sort_unstable();
    assert_eq!(
        urls,
        ["/e", "/headers", "/users", "/users/7/posts"],
        "{records:#?}"
    );
}

/// `sample_rate(0.1)` with a fixed seed: of 300 successful requests about a tenth are
/// recorded (at rate 0.1), all 30 failing ones are (at rate 1), and the stats count the
/// rest as sampled out.
pub async fn sampling_keeps_a_tenth_of_the_successes_and_every_failure<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b.sample_rate(0.1).sample_seed(7))).await;
    let c = client();
    for i in 0..330 {
        let path = if i % 11 == 10 { "/fail" } else { "/e" };
        let res = c.get(app.url(path)).send().await.expect("request");
        let _ = res.bytes().await;
    }
    // Every request is accounted for once recorded or sampled out.
    let accounted = || app.captured.records().len() + app.shipper.stats().sampled_out as usize;
    assert!(
        crate::wait_for(Duration::from_secs(10), || accounted() >= 330).await,
        "{} of 330 accounted for",
        accounted()
    );
    let records = app.captured.records();
    let failed: Vec<_> = records.iter().filter(|r| r.raw_url == "/fail").collect();
    let ok: Vec<_> = records.iter().filter(|r| r.raw_url == "/e").collect();
    assert_eq!(failed.len(), 30, "every failure kept");
    assert!(failed
        .iter()
        .all(|r| r.sample_rate == 1.0 && r.status_code == 500));
    assert!(
        (10..=60).contains(&ok.len()),
        "about a tenth of 300 successes: {}",
        ok.len()
    );
    assert!(ok.iter().all(|r| r.sample_rate == 0.1));
    assert_eq!(
        app.shipper.stats().sampled_out as usize,
        300 - ok.len(),
        "the others counted as sampled out"
    );
}

/// `POST /annotated` with handler controls: tags and attributes (the user id among them)
/// reach the record, a reserved key is refused, `skip()` leaves no record (counted), and
/// `disable_body_capture()` ships both bodies as `""`; the app sees its body either way.
pub async fn handler_controls_tag_identify_skip_and_stop_body_capture<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b.tags(["env:test"]))).await;
    let c = client();
    for (todo, body) in [
        ("tag,attr,user,reserved", "first"),
        ("skip", "second"),
        ("nobody", "third"),
    ] {
        let res = c
            .post(app.url(&format!("/annotated?n={body}")))
            .header("x-do", todo)
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(
            res.text().await.expect("body"),
            body,
            "the app's answer is unchanged"
        );
    }
    let _ = c
        .get(app.url("/e"))
        .send()
        .await
        .expect("last")
        .bytes()
        .await;
    let records = app.records(3).await;
    assert_eq!(records.len(), 3, "{records:#?}");
    let first = super::find(&records, None, "/annotated?n=first");
    assert_eq!(first.tags, ["env:test", "checkout"]);
    assert_eq!(
        first.attributes.get("plan").map(String::as_str),
        Some("pro")
    );
    assert_eq!(
        first.attributes.get("user.id").map(String::as_str),
        Some("cust_42")
    );
    assert!(!first.attributes.contains_key("http.route"));
    assert_eq!(first.url_path, "/annotated");
    assert_eq!(crate::body_bytes(&first.request_body), b"first");
    assert!(!records.iter().any(|r| r.raw_url == "/annotated?n=second"));
    assert_eq!(app.shipper.stats().skipped, 1);
    let third = super::find(&records, None, "/annotated?n=third");
    assert_eq!(
        (third.request_body.as_str(), third.response_body.as_str()),
        ("", "")
    );
    assert!(third.attributes.is_empty());
}

/// Per-route settings: `POST /json` redacts `$.card` on top of the global `$.token`,
/// `/echo` caps bodies at 8 bytes, `POST /upload` copies no body, `/hello/{name}` no
/// response body; other routes keep the global settings. The app's answers are
/// unchanged.
pub async fn per_route_settings_override_capture_cap_and_redaction<A: Adapter>() {
    use apitoolkit_core::RouteSettings;
    let app = A::spawn(Box::new(|b| {
        b.redact_request_body(["$.token"])
            .route(
                "POST /json",
                RouteSettings::new()
                    .redact_request_body(["$.card"])
                    .redact_response_body(["$.card"]),
            )
            .route("/echo", RouteSettings::new().max_body_bytes(8))
            .route("POST /upload", RouteSettings::new().capture_bodies(false))
            .route(
                "/hello/{name}",
                RouteSettings::new().capture_response_body(false),
            )
    }))
    .await;
    let c = client();
    let doc = r#"{"token":"RtTok1","card":"RtCard2","keep":"k"}"#;
    let json = c
        .post(app.url("/json"))
        .header("content-type", "application/json")
        .body(doc)
        .send()
        .await
        .expect("json");
    assert_eq!(json.status(), 201);
    let answer: serde_json::Value =
        serde_json::from_str(&json.text().await.expect("json answer")).expect("json");
    assert_eq!(answer["card"], "RtCard2", "the app's answer is unchanged");
    for (path, body) in [
        ("/echo", "0123456789abcdef"),
        ("/upload", "uploaded"),
        ("/annotated", r#"{"token":"RtTok3","card":"RtCard4"}"#),
    ] {
        let res = c
            .post(app.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert!(res.status().is_success(), "{path}");
        let text = res.text().await.expect("body");
        if path != "/upload" {
            assert_eq!(text, body, "{path}: the app's answer is unchanged");
        }
    }
    let hello = c.get(app.url("/hello/ann")).send().await.expect("hello");
    assert_eq!(hello.text().await.expect("body"), "Hello, ann!");
    let records = app.records(5).await;
    let body = |r: &apitoolkit_core::RequestMessage, request: bool| {
        String::from_utf8(crate::body_bytes(if request {
            &r.request_body
        } else {
            &r.response_body
        }))
        .expect("utf-8")
    };
    let json = super::find(&records, None, "/json");
    let (req, res) = (body(json, true), body(json, false));
    assert!(!req.contains("RtTok1") && !req.contains("RtCard2"), "{req}");
    assert!(req.contains(r#""keep":"k""#), "{req}");
    assert!(!res.contains("RtCard2"), "{res}");
    assert!(
        res.contains("RtTok1"),
        "global paths are per direction: {res}"
    );
    let echo = super::find(&records, None, "/echo");
    assert_eq!(body(echo, true), "[BODY_TOO_LARGE over 8 bytes]");
    assert_eq!(body(echo, false), "[BODY_TOO_LARGE over 8 bytes]");
    let upload = super::find(&records, None, "/upload");
    assert_eq!(
        (body(upload, true), body(upload, false)),
        (String::new(), String::new())
    );
    let hello = super::find(&records, None, "/hello/ann");
    assert_eq!(body(hello, false), "");
    // A route without an entry keeps the global settings.
    let other = super::find(&records, None, "/annotated");
    let req = body(other, true);
    assert!(!req.contains("RtTok3") && req.contains("RtCard4"), "{req}");
}
