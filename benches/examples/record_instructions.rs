//! Instructions per record on the shipper's side: `write_json` (the JSON Lines
//! exporter's path) of the shipper bench's exchange, N times. Run under
//! `valgrind --tool=callgrind` and divide by N; compare builds, not seconds.

use apitoolkit_core::record::write_json;
use apitoolkit_core::Config;

#[path = "../fixtures/exchange.rs"]
mod fixture;
use fixture::{exchange, BODY_PATHS};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let config = Config::builder()
        .disabled(true)
        .redact_request_body(BODY_PATHS)
        .build()
        .expect("config");
    let ex = exchange();
    let mut out = Vec::with_capacity(4096);
    let mut total = 0;
    for _ in 0..n {
        out.clear();
        write_json(&ex, &config, &mut out).expect("record");
        total += out.len();
    }
    std::hint::black_box(total);
}
