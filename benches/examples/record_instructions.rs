//! Instructions per record on the shipper's side: `write_json` (the JSON Lines
//! exporter's path) of the shipper bench's exchange, N times. Run under
//! `valgrind --tool=callgrind` and divide by N; compare builds, not seconds.

use std::time::Duration;

use apitoolkit_core::record::write_json;
use apitoolkit_core::{CapturedBody, Config, Exchange, SdkType};
use bytes::Bytes;
use http::{Method, Uri, Version};

/// A ~1 KB JSON body with the fields the configured paths redact.
fn body() -> Bytes {
    let items: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            serde_json::json!({
                "id": i, "sku": format!("SKU-{i:06}"), "secret": "s3cr3t-value",
                "qty": i * 3, "note": "lorem ipsum dolor sit amet"
            })
        })
        .collect();
    let v = serde_json::json!({
        "user": {"name": "Ann Example", "email": "ann@example.com",
                 "card": {"number": "4111111111111111", "exp": "12/29"}},
        "password": "hunter2hunter2",
        "items": items,
        "meta": {"request_id": "9f1c2a7e-0d7b-4f55-a7e2-3d7d7c2f0b11", "client": "bench"}
    });
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

/// A realistic exchange: ~1 KB request body, 8 request headers.
fn exchange() -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustCustom,
        Method::POST,
        Uri::from_static("/api/v1/orders/42?expand=items&page=2"),
        Version::HTTP_11,
    );
    ex.route = Some("/api/v1/orders/{id}".into());
    ex.status = 201;
    ex.duration = Duration::from_micros(850);
    let h = &mut ex.request_headers;
    for (k, v) in [
        ("host", "api.example.com"),
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("authorization", "Bearer abc.def.ghi"),
        ("user-agent", "bench/1.0"),
        ("x-request-id", "req-123456"),
        ("accept-encoding", "gzip, br"),
        ("cookie", "session=abcdef0123456789"),
    ] {
        h.append(k, v.as_bytes());
    }
    ex.response_headers
        .append("content-type", "application/json".as_bytes());
    ex.request_body = CapturedBody::Complete(body());
    ex.response_body = CapturedBody::Complete(Bytes::from_static(br#"{"id":42,"ok":true}"#));
    ex
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let config = Config::builder()
        .disabled(true)
        .redact_request_body(["$.password", "$.user.card.number", "$.items[*].secret"])
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
