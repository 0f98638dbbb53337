//! The `redact` and `config` tools (examples of this crate) and the readable record
//! blocks, run through their `run` functions with a given environment.

use std::collections::HashMap;

use apitoolkit_core::record::readable;
use apitoolkit_core::testing::assert_not_leaked;
use apitoolkit_core::tools::{config, demo, redact};

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

/// Runs the redact tool on `input`; returns (status, stdout, stderr).
fn redact_run(args: &[&str], vars: &[(&str, &str)], input: &str) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let env = env_of(vars);
    let code = redact::run(&args, &env, &mut input.as_bytes(), &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn config_run(args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let env = env_of(vars);
    let code = config::run(&args, &env, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

const BODY: &str =
    r#"{"user":"ann","password":"hunter2-secret","card":{"number":"4242424242424242"}}"#;

#[test]
fn redact_applies_the_paths_to_a_body_and_decodes_it() {
    let (code, out, err) = redact_run(&["--paths", "$.password,$..number"], &[], BODY);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("POST / -> 200 OK"), "{out}");
    assert!(out.contains("\"user\": \"ann\""), "{out}");
    assert!(out.contains("\"password\": \"[CLIENT_REDACTED]\""), "{out}");
    assert!(out.contains("\"number\": \"[CLIENT_REDACTED]\""), "{out}");
    assert_not_leaked(out.as_bytes(), b"hunter2-secret");
    assert_not_leaked(out.as_bytes(), b"4242424242424242");
}

#[test]
fn redact_falls_back_to_the_environment_and_a_json_array() {
    let vars = [("APITOOLKIT_REDACT_REQ_BODY", r#"["$.password"]"#)];
    let (code, out, _) = redact_run(&[], &vars, BODY);
    assert_eq!(code, 0);
    assert!(out.contains("\"password\": \"[CLIENT_REDACTED]\""), "{out}");
    assert!(out.contains("4242424242424242"), "not listed: shipped");
    // The option replaces the variable.
    let (_, out, _) = redact_run(&["--paths=[\"$..number\"]"], &vars, BODY);
    assert!(out.contains("hunter2-secret"), "{out}");
    assert_not_leaked(out.as_bytes(), b"4242424242424242");
}

#[test]
fn redact_reads_a_raw_request_with_headers_query_and_form() {
    let request = "POST /login?token=tok-abcdef123&lang=en HTTP/1.1\r\n\
                   Host: api.test\r\n\
                   Authorization: Bearer bearer-secret-1\r\n\
                   X-Secret: header-secret-2\r\n\
                   Content-Type: application/x-www-form-urlencoded\r\n\
                   \r\n\
                   user=ann&password=form-secret-3";
    let (code, out, err) = redact_run(
        &["--paths", "$.password", "--headers", "x-secret"],
        &[],
        request,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("POST /login -> 200 OK"), "{out}");
    assert!(out.contains("authorization: [CLIENT_REDACTED]"), "{out}");
    assert!(out.contains("x-secret: [CLIENT_REDACTED]"), "{out}");
    assert!(out.contains("token=[CLIENT_REDACTED]"), "{out}");
    assert!(out.contains("lang=en"), "{out}");
    assert!(out.contains("\"user\": \"ann\""), "{out}");
    for secret in [
        "bearer-secret-1",
        "header-secret-2",
        "form-secret-3",
        "tok-abcdef123",
    ] {
        assert_not_leaked(out.as_bytes(), secret.as_bytes());
    }
}

#[test]
fn redact_response_side_and_json_output() {
    let vars = [("APITOOLKIT_REDACT_RES_BODY", r#"["$.token"]"#)];
    let response =
        "HTTP/1.1 201 Created\ncontent-type: application/json\n\n{\"token\":\"resp-secret-4\"}";
    let (code, out, _) = redact_run(&["--json"], &vars, response);
    assert_eq!(code, 0);
    let record: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(record["status_code"], 201);
    let body = apitoolkit_core::testing::body_json(record["response_body"].as_str().unwrap());
    assert_eq!(body["token"], "[CLIENT_REDACTED]");
    assert_not_leaked(out.as_bytes(), b"resp-secret-4");
}

#[test]
fn redact_shows_binary_and_text_bodies() {
    let (_, out, _) = redact_run(&["--content-type", "text/plain"], &[], "just text");
    assert!(out.contains("just text"), "{out}");
    let (_, out, _) = redact_run(
        &["--content-type", "application/octet-stream"],
        &[],
        "a\u{0}b",
    );
    assert!(out.contains("<3 bytes binary>"), "{out}");
}

#[test]
fn redact_an_invalid_path_prints_its_position_and_fails() {
    let (code, out, err) = redact_run(&["--paths", r#"["$.ok", "$.a[?"]"#], &[], BODY);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.starts_with("--paths: invalid JSONPath `$.a[?` at position "),
        "{err}"
    );
    let caret_line = err.lines().last().unwrap();
    let position: usize = err
        .split("at position ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(caret_line, format!("  {}^", " ".repeat(position)));
    // From the environment, it is the app's own error.
    let vars = [("APITOOLKIT_REDACT_REQ_BODY", r#"["$.a["]"#)];
    let (code, _, err) = redact_run(&[], &vars, BODY);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("APITOOLKIT_REDACT_REQ_BODY: invalid JSONPath `$.a[` at position 4"),
        "{err}"
    );
}

#[test]
fn redact_usage_errors() {
    let (code, _, err) = redact_run(&["--bogus"], &[], "");
    assert_eq!(code, 2);
    assert!(err.contains("unknown option --bogus"), "{err}");
    let (code, _, err) = redact_run(&["--paths"], &[], "");
    assert_eq!(code, 2);
    assert!(err.contains("--paths needs a value"), "{err}");
    let (code, out, _) = redact_run(&["--help"], &[], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("usage: redact"));
    let (code, _, err) = redact_run(&["/no/such/file"], &[], "");
    assert_eq!(code, 3);
    assert!(err.contains("cannot read /no/such/file"), "{err}");
}

#[test]
fn config_prints_every_setting_with_its_source_and_masks_the_key() {
    let vars = [
        ("APITOOLKIT_KEY", "key-abcdefghijklmnop"),
        ("APITOOLKIT_SAMPLE_RATE", "0.25"),
        ("APITOOLKIT_REDACT_REQ_BODY", r#"["$.password"]"#),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-team=hdr-secret-5"),
    ];
    let (code, out, err) = config_run(&[], &vars);
    assert_eq!(code, 0, "{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("APITOOLKIT_KEY"), "env key-…");
    assert_eq!(line("APITOOLKIT_SAMPLE_RATE"), "env 0.25");
    assert_eq!(line("APITOOLKIT_REDACT_REQ_BODY"), "env [\"$.password\"]");
    assert_eq!(line("APITOOLKIT_DEBUG"), "default false");
    assert_eq!(line("APITOOLKIT_EXPORT"), "default otlp");
    assert_eq!(line("OTEL_EXPORTER_OTLP_HEADERS"), "env [\"x-team=…\"]");
    assert_eq!(line("APITOOLKIT_MAX_CONCURRENT_EXPORTS"), "default 4");
    assert_not_leaked(out.as_bytes(), b"abcdefghijklmnop");
    assert_not_leaked(out.as_bytes(), b"hdr-secret-5");
    // Every variable the configuration reads is listed.
    let read = std::sync::Mutex::new(Vec::new());
    apitoolkit_core::Config::builder()
        .build_with_env(|name| {
            read.lock().unwrap().push(name.to_owned());
            None
        })
        .unwrap();
    let read = read.into_inner().unwrap();
    assert!(read.len() > 20, "{read:?}");
    for var in read {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(&var)),
            "{var} missing from {out}"
        );
    }
}

#[test]
fn config_without_a_key_exports_to_stdout() {
    let (code, out, _) = config_run(&[], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("(none: only local exporters run)"), "{out}");
    assert!(out.contains("stdout (JSON Lines)"), "{out}");
    assert!(out.contains("(unused: the exporter is not otlp)"), "{out}");
}

#[test]
fn config_fails_with_the_apps_own_error() {
    for vars in [
        [("APITOOLKIT_SAMPLE_RATE", "2")],
        [("APITOOLKIT_REDACT_RES_BODY", r#"["$..["]"#)],
        [("APITOOLKIT_EXPORT", "kafka")],
    ] {
        let (code, out, err) = config_run(&[], &vars);
        let expected = apitoolkit_core::Config::builder()
            .build_with_env(env_of(&vars))
            .unwrap_err();
        assert_eq!(code, 1);
        assert!(out.is_empty());
        assert_eq!(err, format!("{expected}\n"));
    }
    let (code, _, _) = config_run(&["--bogus"], &[]);
    assert_eq!(code, 2);
}

#[test]
fn demo_output_is_readable_unless_an_exporter_is_chosen() {
    assert!(demo::DemoOutput::with_env(env_of(&[])).is_readable());
    assert!(demo::DemoOutput::with_env(env_of(&[("APITOOLKIT_EXPORT", " ")])).is_readable());
    assert!(!demo::DemoOutput::with_env(env_of(&[("APITOOLKIT_EXPORT", "stdout")])).is_readable());
    assert!(!demo::DemoOutput::with_env(env_of(&[("APITOOLKIT_KEY", "k")])).is_readable());
    let mut out = Vec::new();
    demo::DemoOutput::with_env(env_of(&[("APITOOLKIT_EXPORT", "stdout")]))
        .write(&mut out)
        .unwrap();
    assert!(out.is_empty());
}

#[test]
fn blocks_nest_outgoing_calls_under_their_request() {
    let record = |id: &str, parent: Option<&str>, route: &str| {
        serde_json::from_value::<apitoolkit_core::RequestMessage>(serde_json::json!({
            "timestamp": "2026-01-01T00:00:00.000000000Z", "duration": 1_500_000u64,
            "host": "h", "method": "GET", "url_path": route, "raw_url": route,
            "path_params": {}, "query_params": {}, "proto_major": 1, "proto_minor": 1,
            "status_code": 200, "referer": "", "request_headers": {}, "response_headers": {},
            "request_body": "", "response_body": "", "project_id": "",
            "sdk_type": if parent.is_some() { "RustOutgoing" } else { "RustAxum" },
            "service_version": null, "tags": [], "msg_id": id, "parent_id": parent,
            "trace_id": "0".repeat(32), "span_id": "0".repeat(16), "sample_rate": 1.0,
            "attributes": {}, "errors": []
        }))
        .unwrap()
    };
    let records = [
        record("c", Some("p"), "/child"),
        record("p", None, "/parent"),
        record("o", Some("elsewhere"), "/orphan"),
    ];
    let text = readable::blocks(&records);
    let parent = text
        .find("GET /parent -> 200 OK (1.50 ms, RustAxum)")
        .unwrap();
    let child = text.find("    GET /child -> 200 OK").unwrap();
    let orphan = text.find("\nGET /orphan").unwrap();
    assert!(parent < child && child < orphan, "{text}");
    assert!(
        text.contains("  outgoing call made by this request:"),
        "{text}"
    );
    assert!(text.contains("  parent: elsewhere"), "{text}");
}
