//! The spool settings: `APITOOLKIT_SPOOL_DIR` / `APITOOLKIT_SPOOL_MAX_BYTES`, the builder
//! methods that win over them, and errors that name the setting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use apitoolkit_core::config::DEFAULT_SPOOL_MAX_BYTES;
use apitoolkit_core::{Config, ConfigError, ShipperSettings};

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn origin_of(e: ConfigError) -> String {
    match e {
        ConfigError::InvalidValue { origin, .. } => origin,
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn without_a_spool_dir_records_stay_in_memory() {
    let c = Config::builder().build_with_env(env(&[])).unwrap();
    assert_eq!(c.shipper().spool_dir, None);
    assert_eq!(c.shipper().spool_max_bytes, DEFAULT_SPOOL_MAX_BYTES);
    assert_eq!(DEFAULT_SPOOL_MAX_BYTES, 256 * 1024 * 1024);
    let blank = Config::builder()
        .build_with_env(env(&[
            ("APITOOLKIT_SPOOL_DIR", "  "),
            ("APITOOLKIT_SPOOL_MAX_BYTES", ""),
        ]))
        .unwrap();
    assert_eq!(blank.shipper().spool_dir, None, "blank counts as unset");
    assert_eq!(blank.shipper().spool_max_bytes, DEFAULT_SPOOL_MAX_BYTES);
}

#[test]
fn the_spool_variables_are_read() {
    let c = Config::builder()
        .build_with_env(env(&[
            ("APITOOLKIT_SPOOL_DIR", "/var/spool/apitoolkit"),
            ("APITOOLKIT_SPOOL_MAX_BYTES", "1048576"),
        ]))
        .unwrap();
    assert_eq!(
        c.shipper().spool_dir.as_deref(),
        Some(Path::new("/var/spool/apitoolkit"))
    );
    assert_eq!(c.shipper().spool_max_bytes, 1_048_576);
}

#[test]
fn the_budget_accepts_byte_units() {
    let cases = [
        ("512", 512),
        ("64MiB", 64 << 20),
        ("64 mib", 64 << 20),
        ("1GB", 1_000_000_000),
        ("2GiB", 2 << 30),
        ("10KB", 10_000),
        ("10KiB", 10 << 10),
        ("100B", 100),
    ];
    for (value, bytes) in cases {
        let c = Config::builder()
            .build_with_env(env(&[("APITOOLKIT_SPOOL_MAX_BYTES", value)]))
            .unwrap();
        assert_eq!(c.shipper().spool_max_bytes, bytes, "{value}");
    }
}

#[test]
fn a_bad_budget_is_an_error_naming_the_variable() {
    for value in [
        "0",
        "0MiB",
        "lots",
        "-5",
        "12 parsecs",
        "1.5GB",
        "MiB",
        "99999999999GiB",
    ] {
        let e = Config::builder()
            .build_with_env(env(&[("APITOOLKIT_SPOOL_MAX_BYTES", value)]))
            .unwrap_err();
        assert!(e.to_string().contains(value), "{e}");
        assert_eq!(origin_of(e), "APITOOLKIT_SPOOL_MAX_BYTES", "{value}");
    }
}

#[test]
fn the_builder_wins_over_the_variables() {
    let c = Config::builder()
        .spool_dir("/code/spool")
        .spool_max_bytes(4096)
        .build_with_env(env(&[
            ("APITOOLKIT_SPOOL_DIR", "/env/spool"),
            ("APITOOLKIT_SPOOL_MAX_BYTES", "junk"),
        ]))
        .unwrap();
    assert_eq!(c.shipper().spool_dir, Some(PathBuf::from("/code/spool")));
    assert_eq!(c.shipper().spool_max_bytes, 4096);
}

#[test]
fn shipper_settings_set_in_code_win_over_the_variables() {
    let mut s = ShipperSettings::default();
    s.spool_dir = Some(PathBuf::from("/settings/spool"));
    s.spool_max_bytes = 1 << 20;
    let c = Config::builder()
        .shipper(s)
        .build_with_env(env(&[
            ("APITOOLKIT_SPOOL_DIR", "/env/spool"),
            ("APITOOLKIT_SPOOL_MAX_BYTES", "5"),
        ]))
        .unwrap();
    assert_eq!(
        c.shipper().spool_dir,
        Some(PathBuf::from("/settings/spool"))
    );
    assert_eq!(c.shipper().spool_max_bytes, 1 << 20);

    // Settings left at their defaults (tuning something else) keep the variables.
    let mut s = ShipperSettings::default();
    s.queue_max_items = 100;
    let c = Config::builder()
        .shipper(s)
        .build_with_env(env(&[
            ("APITOOLKIT_SPOOL_DIR", "/env/spool"),
            ("APITOOLKIT_SPOOL_MAX_BYTES", "5"),
        ]))
        .unwrap();
    assert_eq!(c.shipper().spool_dir, Some(PathBuf::from("/env/spool")));
    assert_eq!(c.shipper().spool_max_bytes, 5);
    assert_eq!(c.shipper().queue_max_items, 100);
}

#[test]
fn an_empty_directory_or_zero_budget_set_in_code_is_an_error_naming_the_setter() {
    let e = Config::builder().spool_dir("").build_with_env(env(&[]));
    assert_eq!(origin_of(e.unwrap_err()), "ConfigBuilder::spool_dir");
    let e = Config::builder()
        .spool_max_bytes(0)
        .build_with_env(env(&[]));
    assert_eq!(origin_of(e.unwrap_err()), "ConfigBuilder::spool_max_bytes");

    let mut s = ShipperSettings::default();
    s.spool_dir = Some(PathBuf::new());
    let e = Config::builder().shipper(s).build_with_env(env(&[]));
    assert_eq!(origin_of(e.unwrap_err()), "ShipperSettings::spool_dir");
    let mut s = ShipperSettings::default();
    s.spool_max_bytes = 0;
    let e = Config::builder().shipper(s).build_with_env(env(&[]));
    assert_eq!(
        origin_of(e.unwrap_err()),
        "ShipperSettings::spool_max_bytes"
    );
}
