//! JSON Lines export to a file: each line parses back into exactly the record that
//! `record::build_message` builds for the same exchange; the file is appended to.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apitoolkit_core::record::build_message;
use apitoolkit_core::{Config, ConfigError, Export, RequestMessage, Shipper, StartError};
use apitoolkit_testkit::{incoming, outgoing, small};

fn temp_file(tag: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "apitoolkit-jsonl-{tag}-{}-{nanos}.jsonl",
        std::process::id()
    ))
}

fn config(path: &std::path::Path) -> Config {
    Config::builder()
        .service_version("v1")
        .tags(["env:test"])
        .redact_request_body(["$.password"])
        .export(Export::File(path.to_path_buf()))
        .build_with_env(|_| None)
        .expect("config")
}

fn read(path: &std::path::Path) -> Vec<RequestMessage> {
    std::fs::read_to_string(path)
        .expect("read output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a RequestMessage"))
        .collect()
}

#[test]
fn file_lines_parse_back_into_the_same_records() {
    let path = temp_file("roundtrip");
    let config = config(&path);
    let inc = incoming();
    let exchanges = vec![inc.clone(), outgoing(&inc), small(1), small(2)];
    let shipper = Shipper::start(config.clone()).expect("start");
    for ex in &exchanges {
        shipper.enqueue(ex.clone());
    }
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let expected: Vec<RequestMessage> = exchanges
        .iter()
        .map(|e| build_message(e, &config))
        .collect();
    assert_eq!(read(&path), expected);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.ends_with('\n'));
    assert!(!text.contains("SECRET-TOKEN-123"));

    // A second shipper appends.
    let shipper = Shipper::start(config.clone()).expect("start");
    let more = small(3);
    shipper.enqueue(more.clone());
    assert!(shipper.shutdown(Duration::from_secs(10)).is_ok());
    let all = read(&path);
    assert_eq!(all.len(), 5);
    assert_eq!(all[..4], expected[..]);
    assert_eq!(all[4], build_message(&more, &config));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn unopenable_file_is_a_start_error() {
    let path = temp_file("missing-dir").join("nested").join("out.jsonl");
    match Shipper::start(config(&path)) {
        Err(StartError::Config(ConfigError::InvalidValue { origin, .. })) => {
            assert_eq!(origin, "APITOOLKIT_EXPORT")
        }
        other => panic!("expected an InvalidValue error, got {other:?}"),
    }
}
