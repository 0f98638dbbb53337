//! Credentials found by their shape (docs/PROTOCOL.md §4), end to end: an AWS access key
//! id, a JWT and a Stripe key in a JSON body (echoed back in the response), a GitHub and
//! a Slack token and a `Bearer` credential in custom headers, an AWS key id in the query.
//! Only the default configuration: no header name, parameter name or body path names
//! them. None reaches the record; the look-alikes beside them and the JSON stay.

use apitoolkit_core::testing::{assert_not_leaked, body_json};
use apitoolkit_core::REDACTED;

use super::{client, Adapter};

const AWS_KEY: &str = "AKIAZ7Q2MX4LCRED1234";
const AWS_QUERY: &str = "ASIAQ3V5RTY7CRED5678";
const JWT: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjcmVkLXN1aXRlIn0.Zm9vYmFyYmF6cXV4Y3JlZHN1aXRl";
const STRIPE: &str = "sk_live_51CredSuiteStripeKeyAbCdEfGh";
const GITHUB: &str = "ghp_CredSuiteGitHubTokenAbCdEfGhIjKlMn01";
const SLACK: &str = "xoxb-261234567890-1234567890123-CredSuiteSlackToken0";
const BEARER: &str = "opaque.CredSuiteBearer_0123456789";

/// A JSON body with an AWS key id, a JWT and a Stripe key under names no rule redacts,
/// GitHub, Slack and `Bearer` tokens in custom headers, an AWS key id in the query:
/// none leaves, in the request or in the echoed response.
pub async fn credentials_found_by_their_shape_never_reach_a_record<A: Adapter>() {
    let app = A::spawn(Box::new(|b| b)).await;
    let body = serde_json::json!({
        "aws": { "access_key_id": AWS_KEY, "region": "eu-west-1" },
        "session": format!("line one\n{JWT}"),
        "billing": [STRIPE, "sk_test_short"],
        "note": "the skeleton key AKIA123 stays",
    });
    let res = client()
        .post(app.url(&format!("/json?aws={AWS_QUERY}&q=visible")))
        .header("content-type", "application/json")
        .header("x-github-token", GITHUB)
        .header("x-slack", format!("{SLACK}, team=T1"))
        .header("x-upstream-authorization", format!("Bearer {BEARER}"))
        .body(body.to_string())
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 201);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&res.bytes().await.unwrap()).unwrap(),
        body,
        "the client sees the real answer"
    );

    let r = app.record().await;
    let json = serde_json::to_vec(&r).unwrap();
    let req = body_json(&r.request_body);
    let res = body_json(&r.response_body);
    let bodies = format!("{req} {res}");
    for secret in [AWS_KEY, AWS_QUERY, JWT, STRIPE, GITHUB, SLACK, BEARER] {
        assert_not_leaked(&json, secret.as_bytes());
        assert_not_leaked(bodies.as_bytes(), secret.as_bytes());
    }
    let expected = serde_json::json!({
        "aws": { "access_key_id": REDACTED, "region": "eu-west-1" },
        "session": format!("line one\n{REDACTED}"),
        "billing": [REDACTED, "sk_test_short"],
        "note": "the skeleton key AKIA123 stays",
    });
    assert_eq!(req, expected);
    assert_eq!(res, expected);
    assert_eq!(r.request_headers["x-github-token"], [REDACTED]);
    assert_eq!(
        r.request_headers["x-slack"],
        [format!("{REDACTED}, team=T1")]
    );
    assert_eq!(
        r.request_headers["x-upstream-authorization"],
        [format!("Bearer {REDACTED}")]
    );
    assert_eq!(r.query_params["aws"], [REDACTED]);
    assert_eq!(r.query_params["q"], ["visible"]);
    assert!(
        r.raw_url.starts_with("/json?aws=") && r.raw_url.ends_with("&q=visible"),
        "{}",
        r.raw_url
    );
}
