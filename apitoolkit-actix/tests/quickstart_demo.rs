//! `cargo run -p apitoolkit-actix --example actix_quickstart -- --demo`, run in-process: the
//! example's own code serves, calls each route once and prints readable blocks.

use apitoolkit_core::testing::assert_not_leaked;
use apitoolkit_core::tools::demo::DemoOutput;

#[path = "../examples/actix_quickstart.rs"]
#[allow(dead_code)] // its `main`
mod quickstart;

#[actix_web::test]
async fn demo_prints_readable_redacted_blocks() {
    let demo = DemoOutput::with_env(|_| None);
    let mut out = Vec::new();
    quickstart::run(Some(demo), &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    check_demo_output(&text);
}

fn check_demo_output(text: &str) {
    for expected in [
        // method, route template, status, duration
        "GET /hello/{name} -> 200 OK (",
        "POST /users/{id} -> 201 Created (",
        "GET /error -> 500 Internal Server Error (",
        "GET /stream -> 200 OK (",
        "GET (no route matched) -> 404 Not Found (",
        "upstream said: Hello, outgoing!",
        // headers, redacted values as placeholders
        "    authorization: [CLIENT_REDACTED]",
        "  query params: lang=en, token=[CLIENT_REDACTED]",
        // bodies decoded: JSON re-indented, text as is
        "    \"name\": \"Ann\",",
        "    \"password\": \"[CLIENT_REDACTED]\",",
        "      \"number\": \"[CLIENT_REDACTED]\"",
        "    Hello, world!",
        "data: tick 4",
        // errors
        "  error: PaymentDeclined: payment declined: card issuer unreachable",
        // the outgoing call, under the request that made it
        "GET /outgoing -> 200 OK (",
        "  outgoing call made by this request:\n    GET ",
        // where the records would go
        "APITOOLKIT_KEY=<your API key>",
        "APITOOLKIT_EXPORT=stdout",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    for secret in ["s3cret-token", "hunter2", "4242424242424242", "abc123"] {
        assert_not_leaked(text.as_bytes(), secret.as_bytes());
    }
    assert!(
        !text.contains("\"request_body\""),
        "no raw JSON Lines:\n{text}"
    );
}
