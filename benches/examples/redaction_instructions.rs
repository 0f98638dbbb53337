//! Instructions per redacted document: `Redactor::redact` of one of the redaction
//! bench's documents, N times. Run under `valgrind --tool=callgrind` at two values of N
//! and divide the difference of the totals by the difference of the N (what
//! `benches/instructions.sh` does); compare builds, not seconds.
//!
//! `cargo run --release -p apitoolkit-benches --example redaction_instructions -- CASE N`
//! with CASE one of `1KB`, `100KB` (the five paths of `benches/redaction.rs`),
//! `absent_1KB`, `absent_100KB` (the names-absent bench), or `body_1KB`, `body_100KB`
//! (the same documents through `redact_body`, as shipped: the paths, then the credential
//! scan), `body_1KB_off`, `body_100KB_off` (`redact_body` with the credential scan turned
//! off), `body_nopaths_1KB`, `body_nopaths_100KB` (`redact_body` without any path: the
//! credential scan alone) and `gzip_1KB`, `gzip_100KB` (through `redact_body` gzip-compressed with
//! `content-encoding: gzip`: the difference to `body_` is the decoding). Prints the
//! document's length.

use apitoolkit_core::redact::redact_body;
use apitoolkit_core::{CapturedBody, CapturedHeaders, Redactor};

#[path = "../fixtures/documents.rs"]
mod documents;
use documents::{document, unescaped_document, ABSENT_PATHS, PATHS};

/// No body path: what shipping a JSON body costs when nothing is configured for it (with
/// `body_`: the credential scan only).
const NO_PATHS: [&str; 0] = [];

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "1KB".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let size = case
        .trim_start_matches("body_")
        .trim_start_matches("gzip_")
        .trim_end_matches("_off");
    let (redactor, body) = match size {
        "1KB" => (Redactor::new(PATHS), document(1_000)),
        "100KB" => (Redactor::new(PATHS), document(100_000)),
        "absent_1KB" => (Redactor::new(ABSENT_PATHS), unescaped_document(1_000)),
        "absent_100KB" => (Redactor::new(ABSENT_PATHS), unescaped_document(100_000)),
        "nopaths_1KB" => (Redactor::new(NO_PATHS), document(1_000)),
        "nopaths_100KB" => (Redactor::new(NO_PATHS), document(100_000)),
        other => panic!(
            "unknown case {other:?}: [body_|gzip_](1KB|100KB|nopaths_1KB|nopaths_100KB)[_off], \
             absent_1KB or absent_100KB"
        ),
    };
    let redactor = redactor
        .expect("paths")
        .with_credentials(!case.ends_with("_off"));
    if n == 0 {
        // `CASE 0`: the document itself, to look at.
        use std::io::Write as _;
        std::io::stdout().write_all(&body).expect("stdout");
        return;
    }
    let mut total = 0;
    if case.starts_with("body_") || case.starts_with("gzip_") {
        let mut headers = CapturedHeaders::new();
        headers.append("content-type", b"application/json");
        let captured = if case.starts_with("gzip_") {
            headers.append("content-encoding", b"gzip");
            gzip(&body)
        } else {
            body.clone()
        };
        let captured = CapturedBody::Complete(captured.into());
        for _ in 0..n {
            let shipped = redact_body(
                std::hint::black_box(&captured),
                &headers,
                &redactor,
                1 << 20,
            );
            total += shipped.bytes.len();
        }
    } else {
        for _ in 0..n {
            total += redactor.redact(std::hint::black_box(&body)).len();
        }
    }
    std::hint::black_box(total);
    eprintln!("{case}: {} bytes", body.len());
}

/// `data` gzip-compressed at the default level, as a server's compression layer would.
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}
