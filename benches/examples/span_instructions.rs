//! Instructions per OTLP span on the shipper's side: `span_bytes` (the protobuf the
//! OTLP exporter writes, before batching and compression) of the shipper bench's
//! exchange, N times. Run under `valgrind --tool=callgrind` at two values of N and divide
//! the difference by the difference of the N (`benches/instructions.sh span_instructions
//! "" 1000 11000`); compare builds, not seconds.

use apitoolkit_core::record::span_bytes;
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
    let mut total = 0;
    for _ in 0..n {
        total += span_bytes(&ex, &config).len();
    }
    std::hint::black_box(total);
}
