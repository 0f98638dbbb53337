//! `cargo run -p apitoolkit-core --example config`: the effective configuration read from
//! the environment, every setting with its value and where it came from ([`run`]).

use std::io::Write;

use super::list;
use crate::config::{Export, OtlpCompression, OtlpProtocol, DEFAULT_OTLP_ENDPOINT};
use crate::redact::{shown_endpoint, DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY_PARAMS};
use crate::Config;

/// The tool's help, printed by `--help` and after a usage error.
pub const USAGE: &str = "\
usage: config

Prints the configuration the SDK runs with when built from the environment
(Config::from_env, as APIToolkitLayer::from_env and APIToolkit::from_env do): every
setting, its value and where it came from (env or default). The API key shows its first
4 characters only. A .env file is not read: export its variables first.

exit status: 0 valid, 1 invalid (the app's error is printed), 2 usage error.
";

/// Runs the tool: `args` without the program name, variables read through `env`.
/// Prints the settings and returns 0, or prints the configuration error exactly as the
/// app would get it (its `Display`) and returns 1.
pub fn run(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if let Some(arg) = args.first() {
        if arg == "-h" || arg == "--help" {
            return write_or(stdout, USAGE, 0);
        }
        let text = format!("config: unexpected argument {arg}\n\n{USAGE}");
        return write_or(stderr, &text, 2);
    }
    match Config::builder().build_with_env(env) {
        Ok(config) => write_or(stdout, &report(&config, env), 0),
        Err(e) => write_or(stderr, &format!("{e}\n"), 1),
    }
}

fn write_or(out: &mut dyn Write, text: &str, code: i32) -> i32 {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(_) => 3,
    }
}

/// `abcd…` for a key longer than 8 characters, `…` for a shorter one.
fn masked(key: &str) -> String {
    let prefix: String = if key.chars().count() > 8 {
        key.chars().take(4).collect()
    } else {
        String::new()
    };
    format!("{prefix}…")
}

fn json_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|s| serde_json::Value::from(s.as_ref()).to_string())
        .collect();
    format!("[{}]", items.join(", "))
}

/// One line per setting: name, value, `env` or `default`.
fn report(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> String {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let raw =
        |name: &str, default: &str| var(name).map_or(default.to_owned(), |v| v.trim().to_owned());
    let extras = |name: &str| {
        var(name)
            .and_then(|v| list::parse(&v).ok())
            .unwrap_or_default()
    };
    let otlp = match config.export() {
        Export::Otlp(s) => Some(s),
        _ => None,
    };
    let unused = |value: String| match otlp {
        Some(_) => value,
        None => format!("{value} (unused: the exporter is not otlp)"),
    };
    let shipper = config.shipper();
    let rows: Vec<(&str, String)> = vec![
        (
            "APITOOLKIT_KEY",
            config
                .api_key()
                .map_or("(none: only local exporters run)".into(), masked),
        ),
        ("APITOOLKIT_DEBUG", config.debug().to_string()),
        ("APITOOLKIT_TAGS", json_list(config.tags())),
        (
            "APITOOLKIT_SERVICE_VERSION",
            config.service_version().unwrap_or("(none)").to_owned(),
        ),
        (
            "APITOOLKIT_SERVICE_NAME",
            match var("APITOOLKIT_SERVICE_NAME") {
                Some(_) => config.service_name().to_owned(),
                None => "(the binary's name)".to_owned(),
            },
        ),
        (
            "APITOOLKIT_REDACT_HEADERS",
            format!(
                "{} + defaults {}",
                json_list(extras("APITOOLKIT_REDACT_HEADERS")),
                json_list(DEFAULT_REDACTED_HEADERS)
            ),
        ),
        (
            "APITOOLKIT_REDACT_REQ_BODY",
            json_list(config.redaction().request_body().paths()),
        ),
        (
            "APITOOLKIT_REDACT_RES_BODY",
            json_list(config.redaction().response_body().paths()),
        ),
        (
            "APITOOLKIT_REDACT_QUERY_PARAMS",
            format!(
                "{} + {} default names (SECURITY.md)",
                json_list(extras("APITOOLKIT_REDACT_QUERY_PARAMS")),
                DEFAULT_REDACTED_QUERY_PARAMS.len()
            ),
        ),
        (
            "APITOOLKIT_REDACT_CREDENTIALS",
            config.redaction().redacts_credentials().to_string(),
        ),
        (
            "APITOOLKIT_CAPTURE_REQUEST_BODY",
            config.capture_request_body().to_string(),
        ),
        (
            "APITOOLKIT_CAPTURE_RESPONSE_BODY",
            config.capture_response_body().to_string(),
        ),
        (
            "APITOOLKIT_MAX_BODY_BYTES",
            config.max_body_bytes().to_string(),
        ),
        ("APITOOLKIT_DISABLED", config.disabled().to_string()),
        ("APITOOLKIT_EXCLUDE", raw("APITOOLKIT_EXCLUDE", "(none)")),
        (
            "APITOOLKIT_EXCLUDE_USER_AGENTS",
            raw("APITOOLKIT_EXCLUDE_USER_AGENTS", "(none)"),
        ),
        (
            "APITOOLKIT_EXCLUDE_HEALTH_CHECKS",
            raw("APITOOLKIT_EXCLUDE_HEALTH_CHECKS", "false"),
        ),
        (
            "APITOOLKIT_SAMPLE_RATE",
            raw("APITOOLKIT_SAMPLE_RATE", "1.0"),
        ),
        (
            "APITOOLKIT_SAMPLE_KEEP_STATUS",
            raw("APITOOLKIT_SAMPLE_KEEP_STATUS", "500"),
        ),
        ("APITOOLKIT_SLOW_MS", raw("APITOOLKIT_SLOW_MS", "(none)")),
        ("APITOOLKIT_ROUTES", raw("APITOOLKIT_ROUTES", "(none)")),
        (
            "APITOOLKIT_NO_BODY_ROUTES",
            raw("APITOOLKIT_NO_BODY_ROUTES", "(none)"),
        ),
        (
            "APITOOLKIT_EXPORT",
            match config.export() {
                Export::Otlp(_) => "otlp".to_owned(),
                Export::Stdout => "stdout (JSON Lines)".to_owned(),
                Export::File(path) => format!("file:{} (JSON Lines)", path.display()),
                _ => "a callback".to_owned(),
            },
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            unused(match otlp {
                Some(s) => shown_endpoint(&s.endpoint),
                None => raw("OTEL_EXPORTER_OTLP_ENDPOINT", DEFAULT_OTLP_ENDPOINT),
            }),
        ),
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            unused(match otlp.map(|s| s.protocol) {
                Some(OtlpProtocol::Grpc) => "grpc".to_owned(),
                Some(OtlpProtocol::HttpProtobuf) => "http/protobuf".to_owned(),
                None => raw("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            }),
        ),
        (
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            unused(match otlp.map(|s| s.compression) {
                Some(OtlpCompression::None) => "none".to_owned(),
                Some(_) => "gzip".to_owned(),
                None => raw("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            }),
        ),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            unused(match otlp {
                Some(s) => json_list(s.headers.iter().map(|(n, _)| format!("{n}=…"))),
                None => "[]".to_owned(),
            }),
        ),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            unused(raw(
                "OTEL_EXPORTER_OTLP_CERTIFICATE",
                "(the bundled public roots)",
            )),
        ),
        (
            "APITOOLKIT_SPOOL_DIR",
            shipper
                .spool_dir
                .as_ref()
                .map_or("(none: in memory only)".to_owned(), |d| {
                    d.display().to_string()
                }),
        ),
        (
            "APITOOLKIT_SPOOL_MAX_BYTES",
            shipper.spool_max_bytes.to_string(),
        ),
        (
            "APITOOLKIT_MAX_CONCURRENT_EXPORTS",
            shipper.max_concurrent_exports.to_string(),
        ),
    ];
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from("APItoolkit configuration from the environment:\n");
    for (name, value) in rows {
        let source = if var(name).is_some() {
            "env"
        } else {
            "default"
        };
        out.push_str(&format!("  {name:<width$}  {source:<7}  {value}\n"));
    }
    out
}
