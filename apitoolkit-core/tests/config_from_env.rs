//! Configuration: env fallback, builder precedence, clear start-up errors.

use std::collections::HashMap;

use apitoolkit_core::{Config, ConfigError, Export, OtlpCompression, OtlpProtocol};

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn every_variable_is_read() {
    let c = Config::builder()
        .build_with_env(env(&[
            ("APITOOLKIT_KEY", "key-123"),
            ("APITOOLKIT_DEBUG", "true"),
            ("APITOOLKIT_TAGS", "env:prod, team:api"),
            ("APITOOLKIT_SERVICE_VERSION", "v2.0"),
            ("APITOOLKIT_SERVICE_NAME", "billing"),
            ("APITOOLKIT_REDACT_HEADERS", r#"["X-Secret"]"#),
            ("APITOOLKIT_REDACT_REQ_BODY", r#"["$.password"]"#),
            ("APITOOLKIT_REDACT_RES_BODY", r#"["$..token"]"#),
            ("APITOOLKIT_REDACT_QUERY_PARAMS", "session"),
            ("APITOOLKIT_CAPTURE_REQUEST_BODY", "false"),
            ("APITOOLKIT_CAPTURE_RESPONSE_BODY", "0"),
            ("APITOOLKIT_MAX_BODY_BYTES", "2048"),
            ("APITOOLKIT_DISABLED", "false"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%20b"),
        ]))
        .unwrap();
    assert_eq!(c.api_key(), Some("key-123"));
    assert!(c.debug());
    assert_eq!(c.tags(), ["env:prod", "team:api"]);
    assert_eq!(c.service_version(), Some("v2.0"));
    assert_eq!(c.service_name(), "billing");
    assert!(c.redaction().is_header_redacted("x-secret"));
    assert!(
        c.redaction().is_header_redacted("Authorization"),
        "defaults kept"
    );
    assert!(c.redaction().is_query_param_redacted("SESSION"));
    assert!(
        c.redaction().is_query_param_redacted("token"),
        "defaults kept"
    );
    assert_eq!(
        c.redaction().request_body().paths().collect::<Vec<_>>(),
        ["$.password"]
    );
    assert_eq!(
        c.redaction().response_body().paths().collect::<Vec<_>>(),
        ["$..token"]
    );
    assert!(!c.capture_request_body());
    assert!(!c.capture_response_body());
    assert_eq!(c.max_body_bytes(), 2048);
    assert!(!c.disabled());
    match c.export() {
        Export::Otlp(o) => {
            assert_eq!(o.endpoint, "http://127.0.0.1:4318");
            assert_eq!(o.protocol, OtlpProtocol::HttpProtobuf);
            assert_eq!(o.headers, [("x-tenant".to_owned(), "a b".to_owned())]);
        }
        other => panic!("expected otlp, got {other:?}"),
    }
}

#[test]
fn defaults_without_any_variable() {
    let c = Config::builder().build_with_env(env(&[])).unwrap();
    assert_eq!(c.api_key(), None);
    assert!(!c.debug());
    assert!(c.tags().is_empty());
    assert!(c.capture_request_body() && c.capture_response_body());
    assert_eq!(c.max_body_bytes(), 1024 * 1024);
    assert!(matches!(c.export(), Export::Stdout), "stdout without a key");
    for h in [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
    ] {
        assert!(
            c.redaction().is_header_redacted(h),
            "{h} redacted by default"
        );
    }
    assert!(!c.service_name().is_empty());
}

#[test]
fn a_key_selects_otlp_to_apitoolkit_by_default() {
    let c = Config::builder()
        .build_with_env(env(&[("APITOOLKIT_KEY", "k")]))
        .unwrap();
    match c.export() {
        Export::Otlp(o) => {
            assert_eq!(o.endpoint, "https://otelcol.apitoolkit.io:4317");
            assert_eq!(o.protocol, OtlpProtocol::Grpc);
        }
        other => panic!("expected otlp, got {other:?}"),
    }
}

#[test]
fn builder_wins_over_env() {
    let c = Config::builder()
        .tags(["code"])
        .debug(false)
        .max_body_bytes(10)
        .redact_request_body(["$.code"])
        .build_with_env(env(&[
            ("APITOOLKIT_TAGS", "env"),
            ("APITOOLKIT_DEBUG", "true"),
            ("APITOOLKIT_MAX_BODY_BYTES", "99"),
            ("APITOOLKIT_REDACT_REQ_BODY", "[\"$.env\"]"),
            ("APITOOLKIT_EXPORT", "file:/tmp/x.jsonl"),
        ]))
        .unwrap();
    assert_eq!(c.tags(), ["code"]);
    assert!(!c.debug());
    assert_eq!(c.max_body_bytes(), 10);
    assert_eq!(
        c.redaction().request_body().paths().collect::<Vec<_>>(),
        ["$.code"]
    );
    assert!(matches!(c.export(), Export::File(p) if p.to_str() == Some("/tmp/x.jsonl")));
}

#[test]
fn header_opt_out_drops_the_defaults() {
    let c = Config::builder()
        .default_redacted_headers(false)
        .redact_headers(["x-only"])
        .build_with_env(env(&[]))
        .unwrap();
    assert!(!c.redaction().is_header_redacted("authorization"));
    assert!(c.redaction().is_header_redacted("X-Only"));
}

#[test]
fn invalid_path_names_variable_path_and_position() {
    let err = Config::builder()
        .build_with_env(env(&[(
            "APITOOLKIT_REDACT_RES_BODY",
            r#"["$.ok", "$.a["]"#,
        )]))
        .unwrap_err();
    match &err {
        ConfigError::InvalidPath {
            origin,
            path,
            position,
            ..
        } => {
            assert_eq!(origin, "APITOOLKIT_REDACT_RES_BODY");
            assert_eq!(path, "$.a[");
            assert!(*position <= path.len());
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("APITOOLKIT_REDACT_RES_BODY") && msg.contains("$.a["),
        "{msg}"
    );
}

#[test]
fn malformed_values_are_clear_errors() {
    let cases = [
        ("APITOOLKIT_REDACT_REQ_BODY", "$.password"),
        ("APITOOLKIT_REDACT_HEADERS", "[\"unterminated"),
        ("APITOOLKIT_DEBUG", "maybe"),
        ("APITOOLKIT_REDACT_CREDENTIALS", "sometimes"),
        ("APITOOLKIT_MAX_BODY_BYTES", "1MB"),
        ("APITOOLKIT_EXPORT", "kafka"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
    ];
    for (name, value) in cases {
        let err = Config::builder()
            .build_with_env(env(&[("APITOOLKIT_KEY", "k"), (name, value)]))
            .expect_err(name);
        let msg = err.to_string();
        assert!(msg.contains(name), "{name}: {msg}");
        assert!(msg.contains(value), "{name}: {msg}");
    }
}

#[test]
fn credentials_by_shape_are_on_unless_turned_off_and_code_wins() {
    let on = Config::builder().build_with_env(env(&[])).unwrap();
    assert!(on.redaction().redacts_credentials());
    assert!(on.redaction().request_body().redacts_credentials());
    let off = Config::builder()
        .build_with_env(env(&[("APITOOLKIT_REDACT_CREDENTIALS", "false")]))
        .unwrap();
    assert!(!off.redaction().redacts_credentials());
    assert!(!off.redaction().response_body().redacts_credentials());
    let code = Config::builder()
        .redact_credentials(true)
        .build_with_env(env(&[("APITOOLKIT_REDACT_CREDENTIALS", "false")]))
        .unwrap();
    assert!(code.redaction().redacts_credentials());
}

#[test]
fn otlp_without_a_key_is_refused() {
    let err = Config::builder()
        .build_with_env(env(&[("APITOOLKIT_EXPORT", "otlp")]))
        .unwrap_err();
    assert!(err.to_string().contains("APITOOLKIT_KEY"), "{err}");
}

#[test]
fn debug_output_never_shows_the_api_key_or_otlp_header_values() {
    let c = Config::builder()
        .api_key("super-secret-key")
        .build_with_env(env(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20hidden",
        )]))
        .unwrap();
    let dbg = format!("{c:?} {c:#?}");
    assert!(!dbg.contains("super-secret-key"), "{dbg}");
    assert!(!dbg.contains("hidden"), "{dbg}");
    let err = Config::builder()
        .build_with_env(env(&[
            ("APITOOLKIT_KEY", "super-secret-key"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
        ]))
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("novalue"));
}

#[test]
fn otlp_compression_is_gzip_unless_turned_off_and_code_wins() {
    let compression = |c: &Config| match c.export() {
        Export::Otlp(s) => s.compression,
        other => panic!("{other:?}"),
    };
    let key = ("APITOOLKIT_KEY", "k");
    let default = Config::builder().build_with_env(env(&[key])).unwrap();
    assert_eq!(compression(&default), OtlpCompression::Gzip);
    for (value, want) in [
        ("gzip", OtlpCompression::Gzip),
        ("none", OtlpCompression::None),
        (" none ", OtlpCompression::None),
    ] {
        let c = Config::builder()
            .build_with_env(env(&[key, ("OTEL_EXPORTER_OTLP_COMPRESSION", value)]))
            .unwrap();
        assert_eq!(compression(&c), want, "{value:?}");
    }
    let code = Config::builder()
        .otlp_compression(OtlpCompression::Gzip)
        .build_with_env(env(&[key, ("OTEL_EXPORTER_OTLP_COMPRESSION", "none")]))
        .unwrap();
    assert_eq!(compression(&code), OtlpCompression::Gzip);
}
