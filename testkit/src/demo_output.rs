//! The quickstarts' `--demo` output, checked alike for both adapters.

use apitoolkit_core::testing::assert_not_leaked;

/// Checks the output of a quickstart's `--demo` (`apitoolkit_core::tools::demo`): a
/// readable block per route (method, template, status), redacted values as placeholders,
/// decoded bodies, the error, the outgoing call under its parent, where the records would
/// go; no secret and no raw JSON Lines. `extra` lines are expected too.
pub fn assert_quickstart_demo_output(text: &str, extra: &[&str]) {
    for expected in [
        // method, route template, status, duration
        "GET /hello/{name} -> 200 OK (",
        "POST /users/{id} -> 201 Created (",
        "GET /error -> 500 Internal Server Error (",
        "GET /stream -> 200 OK (",
        "GET (no route matched) -> 404 Not Found (",
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
    ]
    .iter()
    .chain(extra)
    {
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
