//! Arbitrary bytes into an `Exchange` (header names/values, URI, query, bodies,
//! content-type and content-encoding: whatever parses) and through
//! `record::build_message` with body paths configured, then serialised: never panics;
//! the record is JSON and its bodies are valid base64.
#![no_main]

use std::sync::OnceLock;

use apitoolkit_core::record::build_message;
use apitoolkit_core::Config;
use apitoolkit_core::SdkType;
use apitoolkit_core::{CapturedBody, Exchange};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, Version};
use libfuzzer_sys::fuzz_target;

fn config() -> &'static Config {
    static C: OnceLock<Config> = OnceLock::new();
    C.get_or_init(|| {
        Config::builder()
            .redact_request_body(["$.a", "$..password", "$.items[*].token", "$[1:3]"])
            .redact_response_body(["$..b", "$.c[0,2]", "$..[?@.k == 1]"])
            .redact_headers(["x-secret"])
            .redact_query_params(["q"])
            .export(apitoolkit_core::Export::Callback(std::sync::Arc::new(
                |_| {},
            )))
            .build_with_env(|_| None)
            .expect("config")
    })
}

const CONTENT_TYPES: [&str; 8] = [
    "application/json",
    "application/vnd.x+json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
    "",
];

/// Splits `data` on the 0xFF byte into at most `n` fields.
fn fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0xFF).collect()
}

fn headers(raw: &[u8], ct: Option<&[u8]>, enc: Option<&[u8]>) -> HeaderMap {
    let mut map = HeaderMap::new();
    // Pairs separated by 0xFE, name and value by the first ':'.
    for pair in raw.split(|b| *b == 0xFE) {
        let (name, value) = match pair.iter().position(|b| *b == b':') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            map.append(n, v);
        }
    }
    if let Some(Ok(v)) = ct.map(HeaderValue::from_bytes) {
        map.insert(http::header::CONTENT_TYPE, v);
    }
    if let Some(Ok(v)) = enc.map(HeaderValue::from_bytes) {
        map.insert(http::header::CONTENT_ENCODING, v);
    }
    map
}

fn body(raw: &[u8], selector: u8) -> CapturedBody {
    match selector % 8 {
        0 => CapturedBody::Empty,
        1 => CapturedBody::NotCaptured,
        2 => CapturedBody::TooLarge { cap: raw.len() },
        _ => CapturedBody::Complete(Bytes::copy_from_slice(raw)),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let f = fields(rest, 9);
    let get = |i: usize| f.get(i).copied().unwrap_or(b"");
    // Fields: 0 path, 1 query, 2 request headers, 3 response headers, 4 request body,
    // 5 response body, 6 explicit content-type, 7 content-encoding, 8 route.
    let mut target = get(0).to_vec();
    if !target.starts_with(b"/") {
        target.insert(0, b'/');
    }
    if !get(1).is_empty() {
        target.push(b'?');
        target.extend_from_slice(get(1));
    }
    let uri = Uri::try_from(target.as_slice()).unwrap_or_else(|_| Uri::from_static("/"));
    let method = if sel & 1 == 0 {
        Method::POST
    } else {
        Method::GET
    };
    let mut ex = Exchange::new(SdkType::RustCustom, method, uri, Version::HTTP_11);
    let ct_table = CONTENT_TYPES[usize::from(sel >> 5)].as_bytes();
    let ct = if get(6).is_empty() { ct_table } else { get(6) };
    let enc = (sel & 2 != 0).then(|| get(7));
    ex.request_headers = headers(get(2), Some(ct), enc).into();
    ex.response_headers = headers(get(3), (sel & 4 != 0).then_some(ct), enc).into();
    ex.request_body = body(get(4), sel >> 2);
    ex.response_body = body(get(5), sel >> 1);
    if let Ok(route) = std::str::from_utf8(get(8)) {
        if !route.is_empty() {
            ex.route = Some(route.to_owned());
        }
    }
    ex.status = u16::from(sel) + 100;

    let msg = build_message(&ex, config());
    let json = serde_json::to_string(&msg).expect("record serialises");
    let _: serde_json::Value = serde_json::from_str(&json).expect("record is JSON");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    b64.decode(&msg.request_body)
        .expect("request body is base64");
    b64.decode(&msg.response_body)
        .expect("response body is base64");
});
