//! How records and the key travel: the JSON Lines file is private to its owner, a key
//! about to cross plain `http://` is warned about once, and the OTLP endpoint appears in
//! logs, `Debug` prints and errors without its userinfo, query or fragment.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apitoolkit_core::SdkType;
use apitoolkit_core::{Config, Exchange, Export, OtlpProtocol, Shipper, ShipperSettings};
use http::{Method, Uri, Version};

const KEY: &str = "SECRETKEYhygiene0123456789";
const PASSWORD: &str = "SECRETPW";
const QUERY: &str = "SECRETQ";
const FRAGMENT: &str = "SECRETFRAG";

// ------------------------------------------------------------------ captured logs

use apitoolkit_testkit::capture_logs as logs;

fn log_text() -> String {
    String::from_utf8_lossy(&apitoolkit_testkit::captured_log_bytes()).into_owned()
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [KEY, PASSWORD, QUERY, FRAGMENT] {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

// ------------------------------------------------------------------ helpers

/// A port on which nothing listens.
fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn fast_settings() -> ShipperSettings {
    let mut s = ShipperSettings::default();
    s.batch_interval = Duration::from_millis(5);
    s.max_attempts = 2;
    s.initial_backoff = Duration::from_millis(5);
    s.max_backoff = Duration::from_millis(20);
    s.export_timeout = Duration::from_millis(500);
    s
}

fn record() -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustCustom,
        Method::GET,
        Uri::from_static("/x"),
        Version::HTTP_11,
    );
    ex.status = 200;
    ex
}

fn otlp_config(endpoint: &str, protocol: OtlpProtocol, debug: bool) -> Config {
    Config::builder()
        .api_key(KEY)
        .debug(debug)
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .shipper(fast_settings())
        .build_with_env(|_| None)
        .expect("config")
}

fn temp_file(tag: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "apitoolkit-hygiene-{tag}-{}-{nanos}.jsonl",
        std::process::id()
    ))
}

// ------------------------------------------------------------------ the file

#[cfg(unix)]
#[test]
fn json_lines_file_is_created_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let path = temp_file("mode");
    let config = Config::builder()
        .export(Export::File(path.clone()))
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(record());
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let mode = std::fs::metadata(&path)
        .expect("created")
        .permissions()
        .mode();
    let _ = std::fs::remove_file(&path);
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[cfg(unix)]
#[test]
fn an_existing_json_lines_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;

    let path = temp_file("existing");
    std::fs::write(&path, b"").expect("create");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let config = Config::builder()
        .export(Export::File(path.clone()))
        .build_with_env(|_| None)
        .expect("config");
    let shipper = Shipper::start(config).expect("start");
    shipper.enqueue(record());
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let mode = std::fs::metadata(&path)
        .expect("exists")
        .permissions()
        .mode();
    let lines = std::fs::read_to_string(&path)
        .expect("read")
        .lines()
        .count();
    let _ = std::fs::remove_file(&path);
    assert_eq!(mode & 0o777, 0o640, "mode {mode:o}");
    assert_eq!(lines, 1, "appended to");
}

// ------------------------------------------------------------------ plain http

/// Lines of the log that carry the plain-http warning for this path.
fn warnings_for(text: &str, path: &str) -> usize {
    text.lines()
        .filter(|l| l.contains("plain http://") && l.contains(path))
        .count()
}

#[test]
fn a_key_sent_over_plain_http_is_warned_about_once_without_the_key() {
    logs();
    let port = dead_port();
    for (protocol, path) in [
        (OtlpProtocol::Grpc, "/warn-once-grpc"),
        (OtlpProtocol::HttpProtobuf, "/warn-once-http"),
    ] {
        let config = otlp_config(&format!("http://127.0.0.1:{port}{path}"), protocol, false);
        let shipper = Shipper::start(config).expect("start");
        for _ in 0..3 {
            shipper.enqueue(record());
        }
        let _ = shipper.flush(Duration::from_secs(5));
        let _ = shipper.shutdown(Duration::from_secs(2));
        let text = log_text();
        assert_eq!(warnings_for(&text, path), 1, "one warning: {text}");
        assert!(text.contains("WARN"), "{text}");
        assert_no_secret("logs", &text);
    }
}

#[test]
fn an_https_endpoint_is_not_warned_about() {
    logs();
    for (protocol, path) in [
        (OtlpProtocol::Grpc, "/no-warn-grpc"),
        (OtlpProtocol::HttpProtobuf, "/no-warn-http"),
    ] {
        let config = otlp_config(&format!("https://127.0.0.1:9{path}"), protocol, false);
        let shipper = Shipper::start(config).expect("start");
        let _ = shipper.shutdown(Duration::from_secs(1));
        assert_eq!(warnings_for(&log_text(), path), 0);
    }
}

// ------------------------------------------------------------------ endpoint secrets

/// A shipper with `debug` on, exporting to a dead endpoint whose URL carries a password,
/// a query and a fragment: its lifecycle, retry and loss logs, its `Debug` and its
/// configuration's show none of them.
#[test]
fn endpoint_userinfo_and_query_never_reach_logs_or_debug_prints() {
    logs();
    let port = dead_port();
    let endpoint = format!("http://user:{PASSWORD}@127.0.0.1:{port}/x?k={QUERY}#{FRAGMENT}");
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let config = otlp_config(&endpoint, protocol, true);
        assert_no_secret("Config Debug", &format!("{config:?} {config:#?}"));
        let shipper = Shipper::start(config).expect("start");
        shipper.enqueue(record());
        let _ = shipper.flush(Duration::from_secs(5));
        assert_no_secret("Shipper Debug", &format!("{shipper:?} {shipper:#?}"));
        let _ = shipper.shutdown(Duration::from_secs(2));
    }
    let text = log_text();
    assert!(text.contains("shipper started"), "{text}");
    assert!(
        text.contains("export failed") && text.contains("batch lost"),
        "the failures were logged: {text}"
    );
    assert!(text.contains(&format!("127.0.0.1:{port}/x")), "{text}");
    assert_no_secret("logs", &text);
}

#[test]
fn invalid_endpoint_errors_show_no_userinfo_or_query() {
    let endpoints = [
        format!("http://user:{PASSWORD}@[::1/x?k={QUERY}#{FRAGMENT}"),
        format!("http://user:{PASSWORD}@127.0.0.1:1 /x?k={QUERY}"),
        format!("user:{PASSWORD}@127.0.0.1/x?k={QUERY}"),
    ];
    for endpoint in &endpoints {
        let from_env = Config::builder()
            .api_key(KEY)
            .build_with_env(|name| {
                (name == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| endpoint.clone())
            })
            .expect_err("invalid endpoint");
        let from_code = Config::builder()
            .api_key(KEY)
            .otlp_endpoint(endpoint)
            .build_with_env(|_| None)
            .expect_err("invalid endpoint");
        for err in [from_env, from_code] {
            assert!(err.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
            assert_no_secret("ConfigError", &format!("{err} {err:?} {err:#?}"));
        }
    }
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let config = otlp_config(
            &format!("ftp://user:{PASSWORD}@127.0.0.1:9/x?k={QUERY}"),
            protocol,
            false,
        );
        let err = Shipper::start(config).expect_err("unsupported scheme");
        assert_no_secret("start error", &format!("{err} {err:?}"));
    }
}
