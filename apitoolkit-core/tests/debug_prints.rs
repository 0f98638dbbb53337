//! `Debug` (`{:?}` and `{:#?}`) of every public type that can hold captured data or the
//! API key prints names, lengths and counts: never a header value, a query value, the
//! path, a body byte, an error text, the key, an OTLP header value, or the userinfo or
//! query of the OTLP endpoint. Each secret is a unique marker; the prints are searched
//! for every marker, and for the names and lengths that show something was printed.

use std::time::Duration;

use apitoolkit_core::integration::{BodyCapture, InFlight, RequestContext};
use apitoolkit_core::CapturedHeaders;
use apitoolkit_core::{
    CapturedBody, Config, ConfigBuilder, Exchange, Export, OtlpProtocol, OtlpSettings, Shipper,
    ShipperSettings,
};
use apitoolkit_core::{ErrorEntry, SdkType};
use bytes::Bytes;
use http::{Method, Uri, Version};

const HEADER: &str = "MARKhdrvalue01";
const RES_HEADER: &str = "MARKreshdr02";
const QUERY: &str = "MARKqueryval03";
const PATH: &str = "MARKpathseg04";
const REQ_BODY: &str = "MARKreqbody05";
const RES_BODY: &str = "MARKresbody06";
const ERROR: &str = "MARKerrortext07";
const KEY: &str = "MARKapikey08";
const OTLP_HEADER: &str = "MARKotlphdr09";
const USERINFO: &str = "MARKuserinfo10";
const ENDPOINT_QUERY: &str = "MARKendq11";
const FRAGMENT: &str = "MARKfrag12";
const CHUNK: &str = "MARKchunk13";

const MARKERS: [&str; 13] = [
    HEADER,
    RES_HEADER,
    QUERY,
    PATH,
    REQ_BODY,
    RES_BODY,
    ERROR,
    KEY,
    OTLP_HEADER,
    USERINFO,
    ENDPOINT_QUERY,
    FRAGMENT,
    CHUNK,
];

/// Both `Debug` forms of `value` hold no marker; returns the `{:?}` form.
fn assert_clean(what: &str, value: &dyn std::fmt::Debug) -> String {
    let plain = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for text in [&plain, &pretty] {
        for marker in MARKERS {
            assert!(
                !text.contains(marker),
                "{what}: Debug shows {marker}: {text}"
            );
        }
    }
    plain
}

fn endpoint() -> String {
    format!("http://svc:{USERINFO}@127.0.0.1:9/otlp?token={ENDPOINT_QUERY}#{FRAGMENT}")
}

fn headers(value: &str) -> CapturedHeaders {
    let mut h = CapturedHeaders::new();
    h.append("authorization", format!("Bearer {value}").as_bytes());
    h.append("content-type", b"application/json");
    h.append("x-custom", value.as_bytes());
    h.append("x-opaque", &[b"\xff", value.as_bytes()].concat());
    h
}

/// An exchange carrying every kind of captured secret.
fn exchange(uri: &str) -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustAxum,
        Method::POST,
        uri.parse::<Uri>().expect("uri"),
        Version::HTTP_11,
    );
    ex.route = Some("/users/{id}".into());
    ex.path_params = vec![("id".into(), PATH.into())];
    ex.status = 500;
    ex.request_headers = headers(HEADER);
    ex.response_headers = headers(RES_HEADER);
    ex.request_body =
        CapturedBody::Complete(Bytes::from(format!(r#"{{"password":"{REQ_BODY}"}}"#)));
    ex.response_body = CapturedBody::Complete(Bytes::from(RES_BODY));
    ex.errors = vec![ErrorEntry::from_message("BadThing", ERROR)];
    ex
}

fn incoming_uri() -> String {
    format!("/users/{PATH}?token={QUERY}&q={QUERY}")
}

fn outgoing_uri() -> String {
    format!("https://u:{USERINFO}@api.example.com/{PATH}?sig={QUERY}")
}

fn builder() -> ConfigBuilder {
    Config::builder()
        .api_key(KEY)
        .otlp_endpoint(endpoint())
        .otlp_certificate(format!("-----BEGIN CERTIFICATE-----\n{KEY}\n").into_bytes())
}

fn otlp_env(name: &str) -> Option<String> {
    match name {
        "OTEL_EXPORTER_OTLP_HEADERS" => {
            Some(format!("x-tenant={OTLP_HEADER},x-other={OTLP_HEADER}"))
        }
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some(endpoint()),
        _ => None,
    }
}

/// An OTLP configuration with the key, header values from the environment and an
/// endpoint with userinfo, query and fragment.
fn otlp_config(protocol: OtlpProtocol) -> Config {
    let mut settings = ShipperSettings::default();
    settings.max_attempts = 1;
    settings.export_timeout = Duration::from_millis(200);
    Config::builder()
        .api_key(KEY)
        .otlp_protocol(protocol)
        .shipper(settings)
        .build_with_env(otlp_env)
        .expect("config")
}

#[test]
fn exchanges_show_names_and_lengths_not_values() {
    for uri in [incoming_uri(), outgoing_uri()] {
        let ex = exchange(&uri);
        let text = assert_clean("Exchange", &ex);
        for shown in [
            "POST",
            "/users/{id}",
            "authorization: ",
            "content-type: 16 bytes",
            "errors: 1",
        ] {
            assert!(text.contains(shown), "Exchange Debug shows {shown}: {text}");
        }
        assert!(
            text.contains(&format!("Complete({} bytes)", RES_BODY.len())),
            "{text}"
        );
    }
}

#[test]
fn captured_parts_show_lengths_not_bytes() {
    let body = CapturedBody::Complete(Bytes::from(REQ_BODY));
    assert_eq!(
        assert_clean("CapturedBody", &body),
        format!("Complete({} bytes)", REQ_BODY.len())
    );
    let h = headers(HEADER);
    let text = assert_clean("CapturedHeaders", &h);
    assert!(text.starts_with("[authorization: "), "{text}");
    let iter = h.iter();
    let text = assert_clean("headers::Iter", &iter);
    assert!(text.contains("x-custom: "), "{text}");
    let mut capture = BodyCapture::new(1024, true);
    capture.push(CHUNK.as_bytes());
    let text = assert_clean("BodyCapture", &capture);
    assert!(text.contains(&format!("{} bytes", CHUNK.len())), "{text}");
}

#[test]
fn configuration_never_shows_the_key_header_values_or_endpoint_secrets() {
    let b = builder()
        .otlp_protocol(OtlpProtocol::HttpProtobuf)
        .export(Export::Otlp(OtlpSettings::new(
            endpoint(),
            OtlpProtocol::Grpc,
        )));
    let text = assert_clean("ConfigBuilder", &b);
    assert!(text.contains(r#"api_key: Some("[REDACTED]")"#), "{text}");
    assert!(text.contains("127.0.0.1:9/otlp"), "{text}");
    assert!(!format!("{:?}", Config::builder()).contains("[REDACTED]"));

    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let config = otlp_config(protocol);
        let text = assert_clean("Config", &config);
        assert!(text.contains("x-tenant"), "header names are shown: {text}");
        assert!(text.contains("http://127.0.0.1:9/otlp"), "{text}");
        let export = config.export();
        assert_clean("Export", export);
        let Export::Otlp(settings) = export else {
            panic!("otlp export expected");
        };
        assert_clean("OtlpSettings", settings);

        let shipper = Shipper::start(config).expect("start");
        assert_clean("Shipper", &shipper);
        let guard = shipper.guard().with_timeout(Duration::from_millis(100));
        assert_clean("ShipperGuard", &guard);
        drop(guard);
        let _ = shipper.shutdown(Duration::from_millis(100));
    }
}

#[test]
fn in_flight_records_and_contexts_show_no_captured_value() {
    let config = Config::builder()
        .api_key(KEY)
        .on_batch(|_| {})
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    let ctx = RequestContext::new(shipper.clone());
    ctx.capture_request_chunk(REQ_BODY.as_bytes());
    ctx.report_error(&std::io::Error::other(ERROR));
    assert_clean("RequestContext", &ctx);

    let mut inflight = InFlight::new(ctx, exchange(&incoming_uri()));
    inflight.set_response(200, headers(RES_HEADER));
    inflight.capture_response_chunk(CHUNK.as_bytes());
    let text = assert_clean("InFlight", &inflight);
    assert!(text.contains("finished: false"), "{text}");
    inflight.finish();
    let text = assert_clean("finished InFlight", &inflight);
    assert!(text.contains("finished: true"), "{text}");
    drop(inflight);
    assert!(shipper.shutdown(Duration::from_secs(5)).is_ok());
}

#[test]
fn endpoint_errors_show_no_userinfo_or_query() {
    let bad = [
        format!("http://svc:{USERINFO}@[::1/x?k={ENDPOINT_QUERY}#{FRAGMENT}"),
        format!("svc:{USERINFO}@no-scheme/x?k={ENDPOINT_QUERY}"),
        format!("http://svc:{USERINFO}@ho st/x?k={ENDPOINT_QUERY}"),
    ];
    for endpoint in bad {
        let err = Config::builder()
            .api_key(KEY)
            .otlp_endpoint(endpoint)
            .build_with_env(|_| None)
            .expect_err("invalid endpoint");
        assert_clean("ConfigError", &err);
        assert_clean("ConfigError Display", &err.to_string());
        assert!(
            err.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
            "{err}"
        );
    }
    // Parsed at build time, refused when the exporter starts.
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let config = Config::builder()
            .api_key(KEY)
            .otlp_endpoint(format!(
                "ftp://svc:{USERINFO}@127.0.0.1:9/x?k={ENDPOINT_QUERY}"
            ))
            .otlp_protocol(protocol)
            .build_with_env(|_| None)
            .expect("parses");
        let err = Shipper::start(config).expect_err("unsupported scheme");
        assert_clean("start ConfigError", &err);
        assert_clean("start ConfigError Display", &err.to_string());
    }
}
