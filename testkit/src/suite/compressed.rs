//! Compressed bodies (docs/PROTOCOL.md §4): the app and the client see the compressed
//! bytes; the record holds the decoded body, redacted, and names the codings removed.
//! `/echo` answers with the request's own `content-encoding`, so one exchange covers a
//! compressed request and a compressed response.

use apitoolkit_core::testing::body_bytes;
use apitoolkit_core::ConfigBuilder;

use super::{find, Adapter};
use crate::{
    assert_not_leaked, gzip, BAD_INPUT_REQUEST_PATHS, BAD_INPUT_RESPONSE_PATHS, COMPRESSED_CASES,
};

fn with_paths(b: ConfigBuilder) -> ConfigBuilder {
    b.redact_request_body(BAD_INPUT_REQUEST_PATHS)
        .redact_response_body(BAD_INPUT_RESPONSE_PATHS)
}

/// A client that never asks for nor decodes compression: the test sends and checks the
/// compressed bytes itself.
fn raw_client() -> reqwest::Client {
    super::client_builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .build()
        .expect("client")
}

/// gzip, deflate, br, zstd and `gzip, br` request bodies, echoed compressed: the client
/// gets the compressed bytes, the record the decoded, redacted JSON both ways, the
/// `content-encoding` header as sent, and the codings in `*_body_encoding`.
pub async fn compressed_bodies_are_decoded_and_redacted_both_ways<A: Adapter>() {
    let app = A::spawn(Box::new(with_paths)).await;
    let plain = br#"{"user":{"password":"SECRETzipped42","name":"Ann"},"token":"SECRETziptok7"}"#;
    for (i, (encoding, _, encode)) in COMPRESSED_CASES.into_iter().enumerate() {
        let zipped = encode(plain);
        let res = raw_client()
            .post(app.url(&format!("/echo?case={i}")))
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(zipped.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{encoding}");
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert_eq!(
            &res.bytes().await.unwrap()[..],
            &zipped[..],
            "{encoding}: the client sees the compressed bytes (and the app got them too)"
        );
    }
    let records = app.records(COMPRESSED_CASES.len()).await;
    for (i, (encoding, decoded, _)) in COMPRESSED_CASES.into_iter().enumerate() {
        let r = find(&records, None, &format!("/echo?case={i}"));
        let request: serde_json::Value =
            serde_json::from_slice(&body_bytes(&r.request_body)).unwrap();
        let response: serde_json::Value =
            serde_json::from_slice(&body_bytes(&r.response_body)).unwrap();
        assert_eq!(
            request,
            serde_json::json!({"user":{"password":"[CLIENT_REDACTED]","name":"Ann"},"token":"SECRETziptok7"}),
            "{encoding}: request paths applied to the decoded JSON"
        );
        assert_eq!(
            response,
            serde_json::json!({"user":{"password":"[CLIENT_REDACTED]","name":"Ann"},"token":"[CLIENT_REDACTED]"}),
            "{encoding}: response paths applied to the decoded JSON"
        );
        assert_eq!(r.request_body_encoding, decoded);
        assert_eq!(r.response_body_encoding, decoded);
        assert_eq!(r.request_headers["content-encoding"], [encoding]);
        assert_eq!(r.response_headers["content-encoding"], [encoding]);
        let json = serde_json::to_vec(r).unwrap();
        assert_not_leaked(&json, b"SECRETzipped42");
        assert_not_leaked(&body_bytes(&r.response_body), b"SECRETziptok7");
    }
}

/// A gzip bomb uploaded (200 members of 256 KiB of zeros: 50 MiB decoded, about 50 KB
/// sent) passes to the app untouched; the record holds the placeholder, not 50 MiB.
pub async fn a_compressed_bomb_ships_the_placeholder<A: Adapter>() {
    let app = A::spawn(Box::new(|b| with_paths(b).max_body_bytes(1 << 20))).await;
    let bomb = gzip(&vec![0u8; 256 << 10]).repeat(200);
    let res = raw_client()
        .post(app.url("/upload"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(bomb.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let r = app.record().await;
    assert_eq!(
        String::from_utf8_lossy(&body_bytes(&r.request_body)),
        "[DECODED_BODY_TOO_LARGE over 1048576 bytes]"
    );
    assert_eq!(r.request_body_encoding, "");
}
