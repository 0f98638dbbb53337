//! JSON body redaction: the compiled one-pass redactor against a serde_json round trip
//! and against the naive jsonpath-rust approach (parse the path on every call, query,
//! replace through the returned paths, re-serialize).
//!
//! Run: `cargo bench -p apitoolkit-benches --bench redaction -- --warm-up-time 1 --measurement-time 3`
//!
//! Latest numbers, and how they were measured: benches/README.md.

use apitoolkit_core::Redactor;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jsonpath_rust::JsonPath;
use serde_json::Value;
use std::hint::black_box;

#[path = "../fixtures/documents.rs"]
mod documents;
use documents::{document, unescaped_document, Rng, ABSENT_PATHS, PATHS};

fn serde_json_roundtrip(body: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(body).unwrap();
    serde_json::to_vec(&v).unwrap()
}

/// `$['a'][0]` → `/a/0` (names in these documents need no escaping).
fn pointer(path: &str) -> String {
    path.trim_start_matches('$')
        .replace("']['", "/")
        .replace("['", "/")
        .replace("']", "")
        .replace("][", "/")
        .replace(['[', ']'], "/")
        .replace("//", "/")
        .trim_end_matches('/')
        .to_owned()
}

fn naive_jsonpath_rust(body: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    for path in PATHS {
        let found: Vec<String> = v
            .query_with_path(path)
            .unwrap()
            .into_iter()
            .map(|r| r.path())
            .collect();
        for p in found {
            if let Some(node) = v.pointer_mut(&pointer(&p)) {
                *node = Value::String(apitoolkit_core::REDACTED.to_owned());
            }
        }
    }
    serde_json::to_vec(&v).unwrap()
}

fn bench(c: &mut Criterion) {
    let redactor = Redactor::new(PATHS).unwrap();
    for (label, size) in [("1KB", 1_000), ("100KB", 100_000), ("1MB", 1_000_000)] {
        let body = document(size);
        // Sanity: all three agree.
        let ours: Value = serde_json::from_slice(&redactor.redact(&body)).unwrap();
        let naive: Value = serde_json::from_slice(&naive_jsonpath_rust(&body)).unwrap();
        assert_eq!(ours, naive);
        let mut group = c.benchmark_group(format!("redaction/{label}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("ours_redact", body.len()),
            &body,
            |b, body| b.iter(|| redactor.redact(black_box(body)).len()),
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json_roundtrip", body.len()),
            &body,
            |b, body| b.iter(|| serde_json_roundtrip(black_box(body))),
        );
        group.sample_size(10);
        group.bench_with_input(
            BenchmarkId::new("naive_jsonpath_rust", body.len()),
            &body,
            |b, body| b.iter(|| naive_jsonpath_rust(black_box(body))),
        );
        group.finish();
    }
}

fn bench_absent_names(c: &mut Criterion) {
    let redactor = Redactor::new(ABSENT_PATHS).unwrap();
    let mut group = c.benchmark_group("redaction_names_absent");
    for (label, size) in [("1KB", 1_000), ("100KB", 100_000)] {
        let body = unescaped_document(size);
        assert!(!body.windows(2).any(|w| w == b"\\u"));
        assert_eq!(&*redactor.redact(&body), &body[..], "nothing to redact");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("ours_redact", label), &body, |b, body| {
            b.iter(|| redactor.redact(black_box(body)).len())
        });
    }
    group.finish();
}

/// A multipart upload of about `size` bytes: a few text fields, then one file part of
/// pseudo-random bytes (which, being a file, is skipped, not parsed).
fn multipart_upload(boundary: &str, size: usize) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut body = Vec::with_capacity(size + 1024);
    for (name, value) in [("user", "ann"), ("password", "hunter2"), ("note", "hello")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    while body.len() < size {
        body.extend_from_slice(&rng.next().to_le_bytes());
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// Multipart bodies through `redact_body`: a 1 MB upload with a browser-style boundary,
/// and a 60 000-byte boundary over 900 KB of dashes (RFC 2046 caps a boundary at 70
/// characters, so it is the placeholder at once; before the check and the memmem
/// search it took seconds).
fn bench_multipart(c: &mut Criterion) {
    use apitoolkit_core::redact::redact_body;
    use apitoolkit_core::{CapturedBody, CapturedHeaders};

    let redactor = Redactor::new(["$.password"]).unwrap();
    let mut group = c.benchmark_group("redaction_multipart");
    let browser = "----WebKitFormBoundaryvm5A9tzU1ONaGP5B";
    let huge = format!("{}x", "-".repeat(59_999));
    let pathological = format!("{}\r\n--{huge}--", "-".repeat(900_000)).into_bytes();
    for (label, boundary, body) in [
        (
            "1MB_upload",
            browser.to_owned(),
            multipart_upload(browser, 1_000_000),
        ),
        ("60000B_boundary", huge.clone(), pathological),
    ] {
        let mut headers = CapturedHeaders::new();
        headers.append(
            "content-type",
            format!("multipart/form-data; boundary={boundary}").as_bytes(),
        );
        let body = CapturedBody::Complete(bytes::Bytes::from(body));
        let out = redact_body(&body, &headers, &redactor, 1 << 20).bytes;
        assert!(out.len() < 200, "{}", String::from_utf8_lossy(&out));
        if let CapturedBody::Complete(b) = &body {
            group.throughput(Throughput::Bytes(b.len() as u64));
        }
        group.bench_with_input(BenchmarkId::new("redact_body", label), &body, |b, body| {
            b.iter(|| {
                redact_body(black_box(body), &headers, &redactor, 1 << 20)
                    .bytes
                    .len()
            })
        });
    }
    group.finish();
}

/// A gzip-compressed 1 KB JSON body through `redact_body` (decoded, then redacted with
/// the five paths), against the same body uncompressed: the decoding's cost.
fn bench_compressed(c: &mut Criterion) {
    use apitoolkit_core::redact::redact_body;
    use apitoolkit_core::{CapturedBody, CapturedHeaders};

    let redactor = Redactor::new(PATHS).unwrap();
    let plain = document(1_000);
    let gzipped = gzip(&plain);
    let mut group = c.benchmark_group("redaction_compressed");
    group.throughput(Throughput::Bytes(plain.len() as u64));
    for (label, encoding, body) in [
        ("identity_1KB", None, plain.clone()),
        ("gzip_1KB", Some("gzip"), gzipped),
    ] {
        let mut headers = CapturedHeaders::new();
        headers.append("content-type", b"application/json");
        if let Some(encoding) = encoding {
            headers.append("content-encoding", encoding.as_bytes());
        }
        let body = CapturedBody::Complete(bytes::Bytes::from(body));
        let out = redact_body(&body, &headers, &redactor, 1 << 20);
        assert_eq!(out.bytes, redactor.redact(&plain), "{label}");
        group.bench_with_input(BenchmarkId::new("redact_body", label), &body, |b, body| {
            b.iter(|| {
                redact_body(black_box(body), &headers, &redactor, 1 << 20)
                    .bytes
                    .len()
            })
        });
    }
    group.finish();
}

/// `data` gzip-compressed at the default level, as a server's compression layer would.
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// JSON documents as shipped (`redact_body`: the paths, then the scan for credentials
/// found by their shape), with the scan on (the default) and off: what the scan costs a
/// body that has no credential.
fn bench_shipped(c: &mut Criterion) {
    use apitoolkit_core::redact::redact_body;
    use apitoolkit_core::{CapturedBody, CapturedHeaders};

    let mut headers = CapturedHeaders::new();
    headers.append("content-type", b"application/json");
    let mut group = c.benchmark_group("redaction_shipped");
    for (label, size) in [("1KB", 1_000), ("100KB", 100_000)] {
        let doc = document(size);
        group.throughput(Throughput::Bytes(doc.len() as u64));
        let body = CapturedBody::Complete(bytes::Bytes::from(doc));
        for on in [true, false] {
            let redactor = Redactor::new(PATHS).unwrap().with_credentials(on);
            let name = if on {
                "credentials_on"
            } else {
                "credentials_off"
            };
            group.bench_with_input(BenchmarkId::new(name, label), &body, |b, body| {
                b.iter(|| {
                    redact_body(black_box(body), &headers, &redactor, 1 << 20)
                        .bytes
                        .len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    bench,
    bench_absent_names,
    bench_multipart,
    bench_compressed,
    bench_shipped
);
criterion_main!(benches);
