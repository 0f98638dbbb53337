//! The traffic policy's settings from the environment and from code (issue 19):
//! `APITOOLKIT_EXCLUDE` (a JSON array or comma-separated), user agents, the health-check
//! preset, `APITOOLKIT_SAMPLE_RATE`, `APITOOLKIT_SAMPLE_KEEP_STATUS`, `APITOOLKIT_SLOW_MS`;
//! invalid values are start-up errors naming the variable or setter.

use std::time::Duration;

use apitoolkit_core::{Config, ConfigBuilder, ConfigError};

fn with_env(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ConfigBuilder::default()
        .build_with_env(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

fn origin(err: ConfigError) -> String {
    match err {
        ConfigError::InvalidValue { origin, .. } => origin,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn exclusions_from_the_environment_as_json_or_commas() {
    let c = with_env(&[("APITOOLKIT_EXCLUDE", r#"["/hello/{name}", "GET /health"]"#)]).unwrap();
    assert!(c.excludes("GET", "/hello/ann", None));
    assert!(c.excludes("GET", "/health", None));
    assert!(!c.excludes("POST", "/health", None));
    assert!(!c.excludes("GET", "/hello", None));
    let c = with_env(&[("APITOOLKIT_EXCLUDE", "/users/*, /internal/**")]).unwrap();
    assert!(c.excludes("GET", "/users/7", None));
    assert!(!c.excludes("GET", "/users/7/posts", None));
    assert!(c.excludes("GET", "/internal/a/b", None));
    let c = with_env(&[("APITOOLKIT_EXCLUDE_USER_AGENTS", "kube-probe,Pingdom")]).unwrap();
    assert!(c.excludes("GET", "/", Some(b"kube-probe/1.29")));
    assert!(c.excludes("GET", "/", Some(b"Pingdom.com_bot")));
    assert!(!c.excludes("GET", "/", Some(b"curl/8")));
}

#[test]
fn the_health_check_preset_is_opt_in() {
    let off = with_env(&[]).unwrap();
    assert!(!off.excludes("GET", "/healthz", None));
    assert!(!off.excludes("GET", "/", Some(b"kube-probe/1.29")));
    let on = with_env(&[("APITOOLKIT_EXCLUDE_HEALTH_CHECKS", "true")]).unwrap();
    assert!(on.excludes("GET", "/healthz", None));
    assert!(on.excludes("GET", "/metrics", None));
    assert!(on.excludes("GET", "/api", Some(b"kube-probe/1.29")));
    assert!(!on.excludes("GET", "/api", None));
    let code = Config::builder()
        .exclude_health_checks(true)
        .build_with_env(|_| None)
        .unwrap();
    assert!(code.excludes("GET", "/ready", None));
}

#[test]
fn code_wins_over_the_environment() {
    let vars = |name: &str| (name == "APITOOLKIT_EXCLUDE").then(|| "/a".to_owned());
    let c = Config::builder()
        .exclude(["/b"])
        .build_with_env(vars)
        .unwrap();
    assert!(c.excludes("GET", "/b", None));
    assert!(!c.excludes("GET", "/a", None));
}

#[test]
fn invalid_settings_name_their_variable_or_setter() {
    let cases: [(&str, &str); 9] = [
        ("APITOOLKIT_EXCLUDE", "health"),
        ("APITOOLKIT_EXCLUDE", r#"["/users/a*"]"#),
        ("APITOOLKIT_EXCLUDE", "get /x"),
        ("APITOOLKIT_SAMPLE_RATE", "1.5"),
        ("APITOOLKIT_SAMPLE_RATE", "-0.1"),
        ("APITOOLKIT_SAMPLE_RATE", "often"),
        ("APITOOLKIT_SAMPLE_KEEP_STATUS", "200"),
        ("APITOOLKIT_SLOW_MS", "0"),
        ("APITOOLKIT_EXCLUDE_HEALTH_CHECKS", "maybe"),
    ];
    for (var, value) in cases {
        let err = with_env(&[(var, value)]).expect_err(value);
        assert_eq!(origin(err), var, "{var}={value}");
    }
    let code = [
        (
            Config::builder().sample_rate(2.0),
            "ConfigBuilder::sample_rate",
        ),
        (
            Config::builder().sample_keep_status(600),
            "ConfigBuilder::sample_keep_status",
        ),
        (
            Config::builder().slow_threshold(Duration::ZERO),
            "ConfigBuilder::slow_threshold",
        ),
        (
            Config::builder().exclude(["nope"]),
            "ConfigBuilder::exclude",
        ),
    ];
    for (builder, setter) in code {
        assert_eq!(
            origin(builder.build_with_env(|_| None).unwrap_err()),
            setter
        );
    }
    assert!(with_env(&[
        ("APITOOLKIT_SAMPLE_RATE", "0.25"),
        ("APITOOLKIT_SAMPLE_KEEP_STATUS", "400"),
        ("APITOOLKIT_SLOW_MS", "750"),
    ])
    .is_ok());
}
