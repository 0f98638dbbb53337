//! Per-route settings (issue 19, docs/PROTOCOL.md §6): from code (`ConfigBuilder::route`)
//! and from the environment (`APITOOLKIT_ROUTES`, `APITOOLKIT_NO_BODY_ROUTES`), the first
//! matching entry winning, resolved against the global settings; invalid entries are
//! start-up errors naming the variable, the entry and the setting.

use std::time::Duration;

use apitoolkit_core::integration::{InFlight, RequestContext};
use apitoolkit_core::testing::{body_bytes, CapturedRecords};
use apitoolkit_core::{
    CapturedHeaders, ConfigBuilder, ConfigError, Exchange, RequestMessage, RouteSettings, SdkType,
    Shipper,
};
use http::{Method, Version};

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Serves one exchange through the public integration API as the adapters do: the
/// request body `req`, the response body `res`; returns its record.
fn serve(
    captured: &CapturedRecords,
    shipper: &Shipper,
    method: &str,
    path: &str,
    req: &[u8],
    res: &[u8],
) -> RequestMessage {
    captured.clear();
    let (ctx, _scope) = RequestContext::start(shipper.clone(), method, path, [], []);
    ctx.capture_request_chunk(req);
    let exchange = Exchange::with_id(
        ctx.msg_id(),
        SdkType::RustAxum,
        Method::from_bytes(method.as_bytes()).unwrap(),
        path.parse().unwrap(),
        Version::HTTP_11,
    );
    let mut inflight = InFlight::new(ctx, exchange);
    inflight.set_response(200, CapturedHeaders::new());
    inflight.capture_response_chunk(res);
    inflight.finish();
    shipper.flush(Duration::from_secs(5)).unwrap();
    let mut records = captured.wait_for(1, Duration::from_secs(5));
    assert_eq!(records.len(), 1);
    records.remove(0)
}

fn bodies(r: &RequestMessage) -> (String, String) {
    let text = |b: &str| String::from_utf8(body_bytes(b)).unwrap();
    (text(&r.request_body), text(&r.response_body))
}

#[test]
fn environment_entries_apply_in_the_order_written_over_the_global_settings() {
    let captured = CapturedRecords::new();
    let env = env_of(&[
        ("APITOOLKIT_REDACT_REQ_BODY", r#"["$.token"]"#),
        (
            "APITOOLKIT_ROUTES",
            r#"{"POST /login": {"redact_request_body": ["$.otp"], "max_body_bytes": 64},
                "/login": {"capture_response_body": false},
                "/files/**": {"max_body_bytes": 4}}"#,
        ),
        ("APITOOLKIT_NO_BODY_ROUTES", "/upload/*, GET /raw"),
    ]);
    let shipper = Shipper::start(captured.config_builder().build_with_env(env).unwrap()).unwrap();
    let doc = br#"{"token":"EnvTok1","otp":"EnvOtp2","user":"ann"}"#;

    // POST /login: the first entry (its own paths on top of the global ones).
    let login = serve(
        &captured,
        &shipper,
        "POST",
        "/login",
        doc,
        b"{\"otp\":\"o\"}",
    );
    let (req, res) = bodies(&login);
    assert!(
        !req.contains("EnvTok1") && !req.contains("EnvOtp2"),
        "{req}"
    );
    assert!(req.contains("ann"));
    assert_eq!(res, r#"{"otp":"o"}"#, "response paths unchanged");
    // GET /login: the second entry only (the first names POST).
    let get = serve(&captured, &shipper, "GET", "/login", doc, b"secret page");
    let (req, res) = bodies(&get);
    assert!(!req.contains("EnvTok1") && req.contains("EnvOtp2"), "{req}");
    assert_eq!(res, "");
    // The cap of `/files/**`.
    let file = serve(&captured, &shipper, "PUT", "/files/a/b", b"12345", b"1234");
    assert_eq!(
        bodies(&file),
        (
            "[BODY_TOO_LARGE over 4 bytes]".to_owned(),
            "1234".to_owned()
        )
    );
    // The flat list: no bodies at all.
    for (method, path) in [("POST", "/upload/7"), ("GET", "/raw")] {
        let r = serve(&captured, &shipper, method, path, doc, b"answer");
        assert_eq!(bodies(&r), (String::new(), String::new()), "{path}");
    }
    // No entry: the global settings.
    let other = serve(&captured, &shipper, "POST", "/raw", doc, b"answer");
    let (req, res) = bodies(&other);
    assert!(!req.contains("EnvTok1") && req.contains("EnvOtp2"), "{req}");
    assert_eq!(res, "answer");
}

#[test]
fn a_route_can_turn_capture_on_where_it_is_off_globally() {
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .capture_request_body(false)
        .capture_response_body(false)
        .route("/orders/{id}", RouteSettings::new().capture_bodies(true))
        .build_with_env(|_| None)
        .unwrap();
    let shipper = Shipper::start(config).unwrap();
    let on = serve(&captured, &shipper, "GET", "/orders/9", b"in", b"out");
    assert_eq!(bodies(&on), ("in".to_owned(), "out".to_owned()));
    let off = serve(&captured, &shipper, "GET", "/orders", b"in", b"out");
    assert_eq!(bodies(&off), (String::new(), String::new()));
    let (ctx, _) = RequestContext::start(shipper.clone(), "GET", "/orders", [], []);
    assert!(!ctx.captures_request_body());
    let (ctx, _) = RequestContext::start(shipper.clone(), "GET", "/orders/1", [], []);
    assert!(ctx.captures_request_body());
}

#[test]
fn routes_in_code_replace_both_variables() {
    let env = env_of(&[
        ("APITOOLKIT_ROUTES", r#"{"/a": {"capture_bodies": false}}"#),
        ("APITOOLKIT_NO_BODY_ROUTES", "/b"),
    ]);
    let config = ConfigBuilder::default()
        .route("/c", RouteSettings::new().capture_bodies(false))
        .build_with_env(env)
        .unwrap();
    let shipper = Shipper::start(config).unwrap();
    let captures = |path: &str| {
        let (ctx, _) = RequestContext::start(shipper.clone(), "GET", path, [], []);
        ctx.captures_request_body()
    };
    assert!(captures("/a"));
    assert!(captures("/b"));
    assert!(!captures("/c"));
}

fn origin(err: ConfigError) -> String {
    match err {
        ConfigError::InvalidValue { origin, .. }
        | ConfigError::InvalidPath { origin, .. }
        | ConfigError::MalformedList { origin, .. } => origin,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn invalid_entries_name_the_variable_the_entry_and_the_setting() {
    for (var, value, named) in [
        ("APITOOLKIT_ROUTES", "not json", "APITOOLKIT_ROUTES"),
        ("APITOOLKIT_ROUTES", r#"["/a"]"#, "APITOOLKIT_ROUTES"),
        (
            "APITOOLKIT_ROUTES",
            r#"{"/a": {"capture_body": false}}"#,
            "APITOOLKIT_ROUTES",
        ),
        (
            "APITOOLKIT_ROUTES",
            r#"{"/a": {"max_body_bytes": -1}}"#,
            "APITOOLKIT_ROUTES",
        ),
        ("APITOOLKIT_ROUTES", r#"{"a/b": {}}"#, "APITOOLKIT_ROUTES"),
        (
            "APITOOLKIT_ROUTES",
            r#"{"POST /x": {"redact_request_body": ["$.ok", "$[?bad"]}}"#,
            r#"APITOOLKIT_ROUTES["POST /x"].redact_request_body"#,
        ),
        (
            "APITOOLKIT_ROUTES",
            r#"{"/x": {"redact_response_body": ["$.a["]}}"#,
            r#"APITOOLKIT_ROUTES["/x"].redact_response_body"#,
        ),
        (
            "APITOOLKIT_NO_BODY_ROUTES",
            "/ok, /users/a*",
            "APITOOLKIT_NO_BODY_ROUTES",
        ),
        (
            "APITOOLKIT_NO_BODY_ROUTES",
            r#"["/x""#,
            "APITOOLKIT_NO_BODY_ROUTES",
        ),
    ] {
        let err = ConfigBuilder::default()
            .build_with_env(env_of(&[(var, value)]))
            .expect_err(value);
        assert_eq!(origin(err), named, "{var}={value}");
    }
    let err = ConfigBuilder::default()
        .route("/x/{id", RouteSettings::new())
        .build_with_env(|_| None)
        .unwrap_err();
    assert_eq!(origin(err), "ConfigBuilder::route");
    let err = ConfigBuilder::default()
        .route("/x", RouteSettings::new().redact_request_body(["$..["]))
        .build_with_env(|_| None)
        .unwrap_err();
    assert_eq!(
        origin(err),
        r#"ConfigBuilder::route["/x"].redact_request_body"#
    );
}

#[test]
fn the_config_debug_lists_the_entries_without_their_paths() {
    let config = ConfigBuilder::default()
        .route(
            "POST /login",
            RouteSettings::new().redact_request_body(["$.otp"]),
        )
        .build_with_env(|_| None)
        .unwrap();
    let shown = format!("{config:?}");
    assert!(shown.contains("POST /login"), "{shown}");
    assert!(shown.contains("own_redaction: true"), "{shown}");
}

#[test]
fn a_routes_cap_also_bounds_its_decoded_bodies() {
    use std::io::Write;
    let captured = CapturedRecords::new();
    let config = captured
        .config_builder()
        .max_body_bytes(64)
        .route("/big", RouteSettings::new().max_body_bytes(4096))
        .route("/small", RouteSettings::new().max_body_bytes(100))
        .build_with_env(|_| None)
        .unwrap();
    let shipper = Shipper::start(config).unwrap();
    let plain = format!("{{\"text\":\"{}\"}}", "a".repeat(200));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(plain.as_bytes()).unwrap();
    let zipped = gz.finish().unwrap();
    assert!(zipped.len() < 64, "{} bytes compressed", zipped.len());
    let serve_gzip = |path: &str| {
        captured.clear();
        let (ctx, _scope) = RequestContext::start(shipper.clone(), "POST", path, [], []);
        ctx.capture_request_chunk(&zipped);
        let mut exchange = Exchange::with_id(
            ctx.msg_id(),
            SdkType::RustAxum,
            Method::POST,
            path.parse().unwrap(),
            Version::HTTP_11,
        );
        exchange.request_headers.append("content-encoding", b"gzip");
        let mut inflight = InFlight::new(ctx, exchange);
        inflight.set_response(204, CapturedHeaders::new());
        inflight.finish();
        shipper.flush(Duration::from_secs(5)).unwrap();
        let records = captured.wait_for(1, Duration::from_secs(5));
        bodies(&records[0]).0
    };
    assert_eq!(serve_gzip("/big"), plain, "decoded within the route's cap");
    assert_eq!(
        serve_gzip("/small"),
        "[DECODED_BODY_TOO_LARGE over 100 bytes]"
    );
    assert_eq!(
        serve_gzip("/other"),
        "[DECODED_BODY_TOO_LARGE over 64 bytes]"
    );
}
