//! Which bodies the redaction paths apply to, by `Content-Type`, as the frameworks read
//! them (docs/PROTOCOL.md §4), through the public `redact_body` / `BodyKind` API. Every secret is a
//! unique marker, so a failure names the input that leaked.

use apitoolkit_core::redact::{redact_body, unparseable_placeholder, BodyKind};
use apitoolkit_core::{CapturedBody, CapturedHeaders, Redactor};
use bytes::Bytes;
use serde_json::{json, Value};

fn headers(content_type: Option<&str>) -> CapturedHeaders {
    let mut h = CapturedHeaders::new();
    if let Some(ct) = content_type {
        h.append("Content-Type", ct.as_bytes());
    }
    h
}

/// The shipped bytes for `body` declared as `content_type`, redacted with `paths`.
fn shipped(content_type: Option<&str>, body: &[u8], paths: &[&str]) -> Vec<u8> {
    let redactor = Redactor::new(paths).unwrap();
    let body = CapturedBody::Complete(Bytes::copy_from_slice(body));
    redact_body(&body, &headers(content_type), &redactor, 1 << 20)
        .bytes
        .into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{e}: {}", text(bytes)))
}

fn assert_absent(out: &[u8], secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text(out).contains(secret),
            "{secret} leaked: {}",
            text(out)
        );
    }
}

#[test]
fn json_paths_apply_to_every_json_media_type() {
    for (i, ct) in [
        Some("text/json"),
        Some("Text/JSON; charset=utf-8"),
        Some("application/anything+json"),
        Some("application/vnd.api+JSON ; version=2"),
        Some("vendor/json"),
        Some("application/json"),
        Some(""),
        Some("  "),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let secret = format!("json-secret-{i}");
        let body = format!(r#"{{"user":"ann","password":"{secret}"}}"#);
        let out = shipped(ct, body.as_bytes(), &["$.password"]);
        assert_eq!(
            text(&out),
            r#"{"user":"ann","password":"[CLIENT_REDACTED]"}"#,
            "{ct:?}"
        );
        assert_eq!(BodyKind::of(&headers(ct)), BodyKind::Json, "{ct:?}");
    }
}

#[test]
fn near_json_media_types_are_not_json() {
    for ct in ["application/jsonx", "application/json-seq", "text/jsonl"] {
        assert_eq!(BodyKind::of(&headers(Some(ct))), BodyKind::Other, "{ct}");
    }
}

fn part(boundary: &str, head: &str, data: &str) -> String {
    format!("--{boundary}\r\n{head}\r\n\r\n{data}\r\n")
}

#[test]
fn multipart_mixed_and_related_fields_are_redacted_and_files_replaced() {
    for subtype in ["mixed", "related", "alternative", "form-data", "x-custom"] {
        let b = "frontier";
        let body = [
            part(b, "Content-Disposition: form-data; name=\"user\"", "ann"),
            part(
                b,
                "Content-Disposition: form-data; name=\"password\"",
                &format!("mp-field-secret-{subtype}"),
            ),
            part(
                b,
                "Content-Disposition: form-data; name=\"doc\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf",
                &format!("mp-file-secret-{subtype}"),
            ),
            part(b, "Content-Type: text/plain", &format!("mp-unnamed-secret-{subtype}")),
            format!("--{b}--\r\n"),
        ]
        .concat();
        let ct = format!("multipart/{subtype}; type=\"text/plain\"; Boundary=\"{b}\"");
        let out = shipped(Some(&ct), body.as_bytes(), &["$.password"]);
        assert_eq!(
            as_json(&out),
            json!({
                "user": "ann",
                "password": "[CLIENT_REDACTED]",
                "doc": "[application/pdf_FILE]",
                "[part 3]": "[text/plain_FILE]",
            }),
            "{subtype}"
        );
    }
}

#[test]
fn parts_with_filename_star_or_a_bare_filename_are_files() {
    for (i, disposition) in [
        "form-data; name=\"up\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt",
        "form-data; name=\"up\"; FILENAME*=\"x.txt\"",
        "form-data; name=\"up\"; filename*0=\"x\"; filename*1=\".txt\"",
        "form-data; name=\"up\"; filename",
        "form-data; name=\"up\"; FileName=\"\"",
        "form-data; name=\"up\"; x=\"y;z\"; filename=a.txt",
        "form-data; name=\"up\";\r\n\tfilename=\"folded.txt\"",
    ]
    .into_iter()
    .enumerate()
    {
        let secret = format!("file-star-secret-{i}");
        let body = part(
            "b1",
            &format!("Content-Disposition: {disposition}"),
            &secret,
        ) + "--b1--";
        let out = shipped(
            Some("multipart/form-data; boundary=b1"),
            body.as_bytes(),
            &[],
        );
        assert_eq!(
            as_json(&out),
            json!({"up": "[application/octet-stream_FILE]"}),
            "{disposition}"
        );
        assert_absent(&out, &[&secret]);
    }
}

#[test]
fn a_part_typed_as_json_without_a_filename_is_a_file() {
    let body = part(
        "b2",
        "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json",
        r#"{"password":"json-part-secret"}"#,
    ) + "--b2--";
    let out = shipped(
        Some("multipart/form-data; boundary=b2"),
        body.as_bytes(),
        &["$..password"],
    );
    assert_eq!(as_json(&out), json!({"meta": "[application/json_FILE]"}));
    assert_absent(&out, &["json-part-secret"]);
}

#[test]
fn part_header_names_and_parameters_match_in_any_case() {
    for (i, (disposition, ctype)) in [
        (
            "content-disposition: form-data; name=\"f\"; filename=\"a\"",
            "content-type: image/png",
        ),
        (
            "CONTENT-DISPOSITION: FORM-DATA; NAME=\"f\"; FILENAME=\"a\"",
            "CONTENT-TYPE: image/png",
        ),
        (
            "Content-disposition :form-data;name=f;Filename=a",
            "Content-type:image/png",
        ),
        (
            "content-disposition: form-data; name=\"f\"",
            "cOnTeNt-TyPe: image/png",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let secret = format!("case-secret-{i}");
        let head = format!("{disposition}\r\n{ctype}");
        let body = part("b3", &head, &secret) + "--b3--";
        let out = shipped(
            Some("MULTIPART/FORM-DATA; BOUNDARY=b3"),
            body.as_bytes(),
            &[],
        );
        assert_eq!(as_json(&out), json!({"f": "[image/png_FILE]"}), "{head}");
        assert_absent(&out, &[&secret]);
    }
    let body = part(
        "b3",
        "CONTENT-DISPOSITION: Form-Data; NAME=\"token\"",
        "case-field-secret",
    ) + "--b3--";
    let out = shipped(
        Some("multipart/form-data; boundary=b3"),
        body.as_bytes(),
        &["$.token"],
    );
    assert_eq!(as_json(&out), json!({"token": "[CLIENT_REDACTED]"}));
}

#[test]
fn folded_or_oddly_spaced_part_headers_never_turn_a_file_into_a_field() {
    for (i, head) in [
        "Content-Disposition: form-data; name=up\r\n filename",
        "Content-Disposition: form-data; name=\"up\"\r\n\tfilename=\"x\"",
        "Content-Disposition: form-data;\r\n name=up;\r\n filename*=UTF-8''x",
        "Content-Disposition:\tform-data;\tname=up;\tfilename=x",
        "Content-Disposition : form-data ; name = up ; filename = x",
        "Content-Disposition: form-data; name=up\r\nContent-Type :\timage/png",
        "Content-Disposition: form-data; name=up\r\nContent-Type:\r\n image/png",
        "Content-Disposition: form-data; name=up\nContent-Type: image/png",
        "Content-Disposition: form-data; name=up\rContent-Type: image/png",
        "Content-Disposition: form-data; name=up; \u{a0}filename=x",
    ]
    .into_iter()
    .enumerate()
    {
        let secret = format!("folded-secret-{i}");
        let body = part("b6", head, &secret) + "--b6--";
        let out = shipped(
            Some("multipart/form-data; boundary=b6"),
            body.as_bytes(),
            &[],
        );
        assert_absent(&out, &[&secret]);
        let out = text(&out);
        assert!(
            out.contains("_FILE]\"") || out.starts_with("[UNPARSEABLE_BODY"),
            "{head:?}: {out}"
        );
    }
}

#[test]
fn malformed_multipart_is_the_placeholder_with_or_without_paths() {
    let head = "Content-Disposition: form-data; name=\"a\"";
    for (i, (ct, body)) in [
        (
            "multipart/form-data; boundary=b4",
            format!("--b4\r\n{head}\r\n\r\nmalformed-secret-0"),
        ),
        (
            "multipart/form-data; boundary=b4",
            format!("--b4\r\n{head}\r\nmalformed-secret-1\r\n--b4--"),
        ),
        (
            "multipart/form-data",
            format!("--b4\r\n{head}\r\n\r\nmalformed-secret-2\r\n--b4--"),
        ),
        (
            "multipart/mixed; boundary=\"b4",
            format!("--b4\r\n{head}\r\n\r\nmalformed-secret-3\r\n--b4--"),
        ),
        (
            "multipart/form-data; boundary=b4",
            format!("--b4\n{head}\n\nmalformed-secret-4\n--b4--"),
        ),
        (
            "multipart/form-data; boundary=b4",
            format!("--b4\r\n{head}\rContent-Type: image/png\r\n\r\nmalformed-secret-5\r\n--b4--"),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        for paths in [&[][..], &["$.a"][..]] {
            let out = shipped(Some(ct), body.as_bytes(), paths);
            assert_eq!(
                out,
                unparseable_placeholder(body.len()),
                "case {i} {paths:?}"
            );
            assert_absent(&out, &[&format!("malformed-secret-{i}")]);
        }
    }
}

#[test]
fn urlencoded_bodies_that_are_not_forms_are_the_placeholder_when_paths_are_configured() {
    for (i, body) in [
        r#"{"password":"nonform-secret-0"}"#,
        "\r\n  [\"nonform-secret-1\"]",
        "%7B%22password%22%3A%22nonform-secret-2%22%7D",
        "a=1&\"password\"=nonform-secret-3",
    ]
    .into_iter()
    .enumerate()
    {
        let ct = Some("application/x-www-form-urlencoded; charset=utf-8");
        let out = shipped(ct, body.as_bytes(), &["$.password"]);
        assert_eq!(out, unparseable_placeholder(body.len()), "{body}");
        assert_absent(&out, &[&format!("nonform-secret-{i}")]);
        // Without paths nothing is configured to redact: shipped as captured.
        assert_eq!(shipped(ct, body.as_bytes(), &[]), body.as_bytes());
    }
    let out = shipped(
        Some("application/x-www-form-urlencoded"),
        b"user=ann&password=form-secret",
        &["$.password"],
    );
    assert_eq!(
        as_json(&out),
        json!({"user": "ann", "password": "[CLIENT_REDACTED]"})
    );
}

#[test]
fn a_boundary_longer_than_rfc_2046_allows_is_the_placeholder() {
    let b = "q".repeat(71);
    let body = part(
        &b,
        "Content-Disposition: form-data; name=\"a\"",
        "long-boundary-secret",
    ) + &format!("--{b}--");
    let out = shipped(
        Some(&format!("multipart/form-data; boundary={b}")),
        body.as_bytes(),
        &[],
    );
    assert_eq!(out, unparseable_placeholder(body.len()));
    let b = "q".repeat(70);
    let body = part(&b, "Content-Disposition: form-data; name=\"a\"", "v") + &format!("--{b}--");
    let out = shipped(
        Some(&format!("multipart/form-data; boundary={b}")),
        body.as_bytes(),
        &[],
    );
    assert_eq!(
        as_json(&out),
        json!({"a": "v"}),
        "70 characters are allowed"
    );
}

#[test]
fn a_60_000_byte_boundary_with_a_900_kb_body_finishes_with_the_placeholder() {
    // Dashes then `x`: a naive search for `--boundary` in the dashes matches ~60 000
    // bytes at each of ~840 000 positions before failing.
    let b = format!("{}x", "-".repeat(59_999));
    let filler = "-".repeat(900_000);
    let body = format!("{filler}\r\n--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhuge-boundary-secret\r\n--{b}--");
    let out = shipped(
        Some(&format!("multipart/form-data; boundary=\"{b}\"")),
        body.as_bytes(),
        &[],
    );
    assert_eq!(out, unparseable_placeholder(body.len()));
}

#[test]
fn bodies_of_an_unknown_coding_and_the_new_kinds_are_the_encoding_placeholder() {
    let redactor = Redactor::new(["$.password"]).unwrap();
    for ct in [
        "text/json",
        "application/x+json",
        "multipart/mixed; boundary=b5",
    ] {
        let mut h = headers(Some(ct));
        h.append("Content-Encoding", b"compress");
        let bytes = b"\x1f\x9dencoded-secret";
        let body = CapturedBody::Complete(Bytes::from_static(bytes));
        let out = redact_body(&body, &h, &redactor, 1 << 20);
        let expected = format!("[ENCODED_BODY compress {} bytes]", bytes.len());
        assert_eq!(text(&out.bytes), expected, "{ct}");
        assert_eq!(out.decoded, "", "{ct}");
        // A known coding that does not decode is the decoder's placeholder.
        let mut h = headers(Some(ct));
        h.append("Content-Encoding", b"gzip");
        let out = redact_body(&body, &h, &redactor, 1 << 20);
        let expected = format!("[UNDECODABLE_BODY gzip {} bytes]", bytes.len());
        assert_eq!(text(&out.bytes), expected, "{ct}");
    }
}
