//! URLs wherever a record ships them (docs/PROTOCOL.md §4): URL-valued headers, the top-level `host`
//! and `referer`, `raw_url`, error texts; and the bounds on errors per record. Each test
//! checks the record (JSON) and the OTLP span bytes the exporter writes.

use std::time::Duration;

use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::record::{
    build_message, span_bytes, MAX_ERRORS_PER_RECORD, MAX_ERROR_MESSAGE_BYTES,
};
use apitoolkit_core::testing::{assert_not_leaked, CapturedRecords};
use apitoolkit_core::{Config, ErrorEntry, Exchange, SdkType, Shipper, REDACTED};
use http::{Method, Uri, Version};

fn config(extra_headers: &[&str]) -> Config {
    Config::builder()
        .redact_headers(extra_headers.iter().copied())
        .redact_query_params(["session"])
        .disabled(true)
        .build_with_env(|_| None)
        .unwrap()
}

fn exchange(uri: &str) -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustCustom,
        Method::GET,
        uri.parse::<Uri>().unwrap(),
        Version::HTTP_11,
    );
    ex.status = 302;
    ex
}

/// The record's JSON and span bytes hold none of `secrets`.
fn assert_shipped_clean(ex: &Exchange, config: &Config, secrets: &[&str]) {
    let json = serde_json::to_vec(&build_message(ex, config)).unwrap();
    let span = span_bytes(ex, config);
    for s in secrets {
        assert_not_leaked(&json, s.as_bytes());
        assert_not_leaked(&span, s.as_bytes());
    }
}

#[test]
fn url_valued_headers_lose_userinfo_and_named_parameters_in_requests_and_responses() {
    let config = config(&[]);
    let mut ex = exchange("/login");
    let values = [
        (
            "referer",
            "https://ann:PWreferer@app.example/p?token=TKreferer&page=2",
        ),
        (
            "location",
            "https://app.example/cb#access_token=TKfragment&token_type=bearer",
        ),
        (
            "content-location",
            "/docs?X-Amz-Signature=SIGcontent&X-Amz-Date=20260101",
        ),
        ("refresh", "5; url=/next?Session=SESSrefresh"),
        (
            "link",
            "</p?sig=SIGlink>; rel=\"next\", </q?page=3>; rel=\"last\"",
        ),
        (
            "x-original-url",
            "/x?next=https%3A%2F%2Fsso.example%2Fcb%3Fcode%3DCODEnested",
        ),
    ];
    for (name, value) in values {
        ex.request_headers.append(name, value.as_bytes());
        ex.response_headers.append(name, value.as_bytes());
    }
    let secrets = [
        "PWreferer",
        "TKreferer",
        "TKfragment",
        "SIGcontent",
        "SESSrefresh",
        "SIGlink",
        "CODEnested",
    ];
    assert_shipped_clean(&ex, &config, &secrets);

    let msg = build_message(&ex, &config);
    for headers in [&msg.request_headers, &msg.response_headers] {
        assert_eq!(
            headers["referer"],
            [format!("https://app.example/p?token={REDACTED}&page=2")]
        );
        assert_eq!(
            headers["location"],
            [format!(
                "https://app.example/cb#access_token={REDACTED}&token_type=bearer"
            )]
        );
        assert_eq!(
            headers["link"],
            [format!(
                "</p?sig={REDACTED}>; rel=\"next\", </q?page=3>; rel=\"last\""
            )]
        );
        assert_eq!(
            headers["refresh"],
            [format!("5; url=/next?Session={REDACTED}")]
        );
    }
    assert_eq!(
        msg.referer,
        format!("https://app.example/p?token={REDACTED}&page=2")
    );
}

#[test]
fn host_and_referer_fields_are_redacted_when_their_headers_are() {
    let config = config(&["HOST", "Referer"]);
    let mut ex = exchange("/a");
    ex.request_headers
        .append("host", b"HOSTsecret.internal:8443");
    ex.request_headers
        .append("referer", b"https://REFsecret.example/page");
    assert_shipped_clean(&ex, &config, &["HOSTsecret", "REFsecret"]);
    let msg = build_message(&ex, &config);
    assert_eq!(
        (msg.host.as_str(), msg.referer.as_str()),
        (REDACTED, REDACTED)
    );
    assert_eq!(msg.request_headers["host"], [REDACTED]);

    // An absolute-form target carries the host in the URI: the same rule applies.
    let ex = exchange("http://user:PWabs@HOSTabs.example/a?x=1");
    assert_shipped_clean(&ex, &config, &["HOSTabs", "PWabs"]);
}

#[test]
fn absolute_form_targets_ship_no_userinfo() {
    let config = config(&[]);
    let ex = exchange("http://ann:PWuserinfo@api.example:8080/a?token=TKabs&x=1");
    assert_shipped_clean(&ex, &config, &["PWuserinfo", "TKabs", "ann:"]);
    let msg = build_message(&ex, &config);
    assert_eq!(msg.host, "api.example:8080");
    assert_eq!(msg.raw_url, format!("/a?token={REDACTED}&x=1"));
}

#[test]
fn encoded_urls_in_query_values_are_scrubbed_in_map_and_raw_url() {
    let config = config(&[]);
    let ex = exchange("/login?next=https%3A%2F%2Fann%3APWnext%40sso.example%2Fcb%3Fid_token%3DIDnext%26a%3D1&page=2");
    assert_shipped_clean(&ex, &config, &["PWnext", "IDnext"]);
    let msg = build_message(&ex, &config);
    assert_eq!(
        msg.query_params["next"],
        [format!("https://sso.example/cb?id_token={REDACTED}&a=1")]
    );
    assert_eq!(msg.query_params["page"], ["2"]);
}

#[test]
fn error_texts_are_scrubbed_wherever_the_url_sits() {
    let config = config(&[]);
    let mut ex = exchange("/a");
    ex.status = 500;
    ex.errors = vec![
        ErrorEntry {
            root_error_message: "redirect to myapp://cb?access_token=TKrdr77x".into(),
            stack_trace: "at https://u:PWstack@h/x?Session=SESSstack\n".into(),
            ..ErrorEntry::from_message(
                "reqwest::Error",
                "error following redirect for url (http://h/p?refresh_token=RTmessage)",
            )
        },
        ErrorEntry::from_message(
            "Custom",
            "login failed: password=PWplain, see /l#key=KEYfrag",
        ),
    ];
    let secrets = [
        "TKrdr77x",
        "PWstack",
        "SESSstack",
        "RTmessage",
        "PWplain",
        "KEYfrag",
    ];
    assert_shipped_clean(&ex, &config, &secrets);
    let msg = build_message(&ex, &config);
    assert_eq!(
        msg.errors[0].message,
        format!("error following redirect for url (http://h/p?refresh_token={REDACTED})")
    );
}

/// An error reported through the public API (as `report_error` does) reaches the record
/// scrubbed, and a handler that reports in a loop keeps a bounded record that says how
/// many errors it left out.
#[test]
fn reported_errors_are_scrubbed_capped_and_counted() {
    let captured = CapturedRecords::new();
    let shipper =
        Shipper::start(captured.config_builder().build_with_env(|_| None).unwrap()).unwrap();
    let ctx = RequestContext::new(shipper.clone());
    let io = std::io::Error::other("connect to https://u:PWio@db.example/?password=PWquery");
    ctx.report_error(&io);
    let huge = "x".repeat(10 * MAX_ERROR_MESSAGE_BYTES);
    for _ in 0..MAX_ERRORS_PER_RECORD + 9 {
        ctx.report_entry(ErrorEntry::from_message("Loop", huge.clone()));
    }
    let mut ex = exchange("/loop");
    ex.msg_id = ctx.msg_id();
    ex.errors = ctx.take_errors();
    assert!(
        ex.approx_size() > MAX_ERRORS_PER_RECORD * MAX_ERROR_MESSAGE_BYTES / 2,
        "errors count in the record's size"
    );
    shipper.enqueue(ex);
    let msg = captured.wait_for(1, Duration::from_secs(5)).remove(0);
    assert!(shipper.shutdown(Duration::from_secs(5)).is_ok());

    assert_eq!(msg.errors.len(), MAX_ERRORS_PER_RECORD + 1);
    assert!(msg.errors[0]
        .message
        .contains(&format!("password={REDACTED}")));
    let json = serde_json::to_vec(&msg).unwrap();
    assert_not_leaked(&json, b"PWio");
    assert_not_leaked(&json, b"PWquery");
    assert!(msg.errors[1..MAX_ERRORS_PER_RECORD]
        .iter()
        .all(|e| e.message.len() <= MAX_ERROR_MESSAGE_BYTES));
    let last = msg.errors.last().unwrap();
    assert_eq!(last.error_type, "apitoolkit::ErrorsDropped");
    assert!(
        last.message.starts_with("10 more errors"),
        "{}",
        last.message
    );
}

#[test]
fn clean_urls_are_shipped_unchanged() {
    let config = config(&[]);
    let mut ex = exchange("/search?q=a%20b&page=2&sort=-date");
    let link = "</search?q=a%20b&page=3>; rel=\"next\"";
    ex.request_headers
        .append("referer", b"https://app.example/home?tab=1#top");
    ex.response_headers.append("link", link.as_bytes());
    ex.response_headers
        .append("location", b"https://ann@example.com/");
    let msg = build_message(&ex, &config);
    assert_eq!(msg.raw_url, "/search?q=a%20b&page=2&sort=-date");
    assert_eq!(msg.referer, "https://app.example/home?tab=1#top");
    assert_eq!(msg.response_headers["link"], [link]);
    // Userinfo is removed even without a password.
    assert_eq!(msg.response_headers["location"], ["https://example.com/"]);
}

#[test]
fn bracketed_parameter_names_match_by_their_parts() {
    let config = config(&[]);
    let ex = exchange("/a?auth%5Btoken%5D=BRtok1&user[password]=BRpw2&token[]=BRarr3&ids[]=7");
    assert_shipped_clean(&ex, &config, &["BRtok1", "BRpw2", "BRarr3"]);
    let msg = build_message(&ex, &config);
    assert_eq!(msg.query_params["auth[token]"], [REDACTED]);
    assert_eq!(msg.query_params["ids[]"], ["7"]);
}
