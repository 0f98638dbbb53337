//! Hand-built exchanges for the shipper and exporter tests: an incoming request with
//! secrets and reported errors, an outgoing call made while serving it, small ones for
//! volume.

use std::time::Duration;

use apitoolkit_core::{CapturedBody, ErrorEntry, Exchange, SdkType};
use bytes::Bytes;
use http::{Method, Uri, Version};

/// An incoming request with secrets in a header, a body field and reported errors.
pub fn incoming() -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustAxum,
        Method::POST,
        Uri::from_static("/users/42?verbose=true&tag=a&tag=b"),
        Version::HTTP_11,
    );
    ex.route = Some("/users/{id}".into());
    ex.path_params = vec![("id".into(), "42".into())];
    ex.status = 500;
    ex.duration = Duration::from_micros(1530);
    let h = &mut ex.request_headers;
    h.append("host", "api.example.com".as_bytes());
    h.append("content-type", "application/json".as_bytes());
    h.append("authorization", "Bearer SECRET-TOKEN-123".as_bytes());
    h.append("x-trace", "t-1".as_bytes());
    ex.response_headers
        .append("content-type", "application/json".as_bytes());
    ex.request_body = CapturedBody::Complete(Bytes::from_static(
        br#"{"name":"Ann","password":"hunter2-SECRET-PW"}"#,
    ));
    ex.response_body = CapturedBody::Complete(Bytes::from_static(br#"{"id":42}"#));
    ex.errors.push(ErrorEntry {
        when: "2026-06-19T10:15:30.123456789Z".into(),
        error_type: "std::io::Error".into(),
        root_error_type: "std::io::Error".into(),
        message: "disk on fire".into(),
        root_error_message: "disk on fire".into(),
        stack_trace: "at main.rs:1".into(),
    });
    ex
}

/// An outgoing call made while serving `parent`.
pub fn outgoing(parent: &Exchange) -> Exchange {
    let mut ex = Exchange::new(
        SdkType::RustOutgoing,
        Method::GET,
        Uri::from_static("http://upstream.example:8080/items?id=7"),
        Version::HTTP_11,
    );
    ex.parent_id = Some(parent.msg_id);
    ex.status = 200;
    ex.duration = Duration::from_micros(200);
    ex.response_body = CapturedBody::Complete(Bytes::from_static(b"[1,2,3]"));
    ex
}

/// A small exchange for volume tests.
pub fn small(i: usize) -> Exchange {
    let uri: Uri = format!("/items/{i}")
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let mut ex = Exchange::new(SdkType::RustCustom, Method::GET, uri, Version::HTTP_11);
    ex.status = 200;
    ex
}
