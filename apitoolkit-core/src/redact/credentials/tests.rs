//! One test per format: a match, look-alikes, boundaries, inside JSON with escapes, at
//! the start and end of the text.

use std::borrow::Cow;

use super::{mask_body, mask_text, Scope};
use crate::redact::REDACTED;

const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
const JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const GITHUB: &str = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const SLACK: &str = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const GOOGLE: &str = "AIzaSyA1234567890abcdefghijklmnopqrstuv";

fn text(s: &str) -> String {
    mask_text(Cow::Borrowed(s), Scope::Text).into_owned()
}

fn header(s: &str) -> String {
    mask_text(Cow::Borrowed(s), Scope::Header).into_owned()
}

fn body(s: &str) -> String {
    String::from_utf8(mask_body(Cow::Borrowed(s.as_bytes())).into_owned()).unwrap()
}

/// Masked alone, at the start, at the end, amid prose and inside a JSON string after an
/// escape; JSON stays valid.
fn found_everywhere(credential: &str) {
    let r = REDACTED;
    assert_eq!(text(credential), r, "{credential}");
    assert_eq!(text(&format!("{credential} tail")), format!("{r} tail"));
    assert_eq!(text(&format!("head:{credential}")), format!("head:{r}"));
    assert_eq!(text(&format!("a ({credential}), b")), format!("a ({r}), b"));
    let json =
        format!(r#"{{"k":"line\n{credential}\t","u":"\u00e9{credential}","p":"%2F{credential}"}}"#);
    let out = body(&json);
    assert!(!out.contains(credential), "{out}");
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(parsed["k"], format!("line\n{r}\t"));
    assert_eq!(parsed["u"], format!("\u{e9}{r}"));
    assert_eq!(parsed["p"], format!("%2F{r}"));
}

fn left_alone(look_alike: &str) {
    assert_eq!(text(look_alike), look_alike);
    assert!(matches!(
        mask_text(Cow::Borrowed(look_alike), Scope::Header),
        Cow::Borrowed(_)
    ));
    assert!(matches!(
        mask_body(Cow::Borrowed(look_alike.as_bytes())),
        Cow::Borrowed(_)
    ));
}

#[test]
fn aws_access_key_ids() {
    for prefix in ["AKIA", "ASIA", "ABIA", "ACCA"] {
        found_everywhere(&format!("{prefix}{}", &AWS[4..]));
    }
    left_alone("AKIAIOSFODNN7EXAMPL"); // 15 after the prefix
    left_alone("AKIAIOSFODNN7EXAMPLEX"); // 17
    left_alone("AKIAIOSFODNN7EXAMPLe"); // lower case inside
    left_alone("xAKIAIOSFODNN7EXAMPLE"); // not at a word start
    left_alone("AKIAIOSFODNN7EXAMPLEa");
    left_alone("\\\\nAKIAIOSFODNN7EXAMPLE"); // an escaped backslash, then a letter
}

#[test]
fn jwts() {
    found_everywhere(JWT);
    // An empty signature (`alg: none`) is still a token.
    found_everywhere("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
    left_alone("eyJhbGciOiJIUzI1NiJ9"); // one segment
    left_alone("eyJhbGciOiJIUzI1NiJ9.abc.def"); // payload not JSON
    left_alone("eyJ.eyJ.x"); // too short
    left_alone("keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig");
}

#[test]
fn github_tokens() {
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        found_everywhere(&format!("{prefix}{}", &GITHUB[4..]));
    }
    found_everywhere(&format!("github_pat_{}", "A1_b".repeat(20) + "Zz"));
    left_alone(&GITHUB[..GITHUB.len() - 1]); // 35
    left_alone(&format!("{GITHUB}x")); // 37
    left_alone(&format!("{GITHUB}_"));
    left_alone("ghp_short and github_pat_short");
    left_alone(&format!("github_pat_{}", "A1_b".repeat(20) + "Z")); // 81
}

#[test]
fn gitlab_tokens() {
    for prefix in ["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glagent-"] {
        found_everywhere(&format!("{prefix}xY1_-aBcDeFgHiJkLmNoP"));
    }
    // Longer (newer) tokens too.
    found_everywhere("glpat-xY1_-aBcDeFgHiJkLmNoPqRsTuVwXyZ");
    left_alone("glpat-xY1_-aBcDeFgHiJkLmN"); // 19
    left_alone("glpatx-xY1_-aBcDeFgHiJkLmNoP");
}

#[test]
fn stripe_keys() {
    for prefix in ["sk_live_", "sk_test_", "rk_live_", "rk_test_"] {
        found_everywhere(&format!("{prefix}{}", &STRIPE[8..]));
    }
    found_everywhere(&format!("{STRIPE}{}", "a".repeat(75)));
    left_alone("sk_live_short");
    left_alone("skeleton sk_ sk_live_ risk_live_4eC39HqLyjWDarjtT1zdp7dc");
    left_alone(&STRIPE[..STRIPE.len() - 1]); // 23
    left_alone("pk_live_4eC39HqLyjWDarjtT1zdp7dc"); // publishable keys are public
}

#[test]
fn slack_tokens_and_webhooks() {
    for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"] {
        found_everywhere(&format!("{prefix}{}", &SLACK[5..]));
    }
    found_everywhere("xapp-1-A0123456789-1234567890123-abcdef0123456789");
    assert_eq!(text(&format!("{SLACK}- x")), format!("{REDACTED}- x"));
    left_alone("xoxb-12345");
    // The shortest credential of the text formats: 15 bytes.
    assert_eq!(text("xoxb-1234567890"), REDACTED);
    assert_eq!(header("xoxb-1234567890"), REDACTED);
    assert_eq!(header("Basic x"), format!("Basic {REDACTED}"));
    left_alone("xoxo- hugs");
    let hook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
    assert_eq!(
        text(&format!("post to {hook}.")),
        format!("post to https://hooks.slack.com/services/{REDACTED}.")
    );
    let escaped =
        r#"{"url":"https:\/\/hooks.slack.com\/services\/T00000000\/B00000000\/XXXXXXXX"}"#;
    let out = body(escaped);
    assert_eq!(
        out,
        format!(r#"{{"url":"https:\/\/hooks.slack.com\/services\/{REDACTED}"}}"#)
    );
    assert_eq!(
        text("https%3A%2F%2Fhooks.slack.com%2Fworkflows%2FT0000%2FA0000%2F1234"),
        format!("https%3A%2F%2Fhooks.slack.com%2Fworkflows%2F{REDACTED}")
    );
    left_alone("see https://hooks.slack.com/ and hooks.slack.com/services/T0");
}

#[test]
fn google_api_keys() {
    found_everywhere(GOOGLE);
    found_everywhere("AIza-_A1234567890abcdefghijklmnopqrstuv");
    left_alone(&GOOGLE[..GOOGLE.len() - 1]); // 34
    left_alone(&format!("{GOOGLE}x"));
    left_alone("AIzaSy");
}

const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";

#[test]
fn pem_private_keys() {
    for label in [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
    ] {
        let block = format!("-----BEGIN {label}-----\n{PEM_BODY}\n-----END {label}-----");
        assert_eq!(
            text(&format!("key:\n{block}\nrest")),
            format!("key:\n{REDACTED}\nrest")
        );
        // Inside JSON, with `\n` escapes.
        let json = serde_json::json!({ "pem": format!("{block}\n"), "next": "x" }).to_string();
        let out = body(&json);
        assert!(!out.contains("MIIE") && !out.contains("BKcw"), "{out}");
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed["pem"], format!("{REDACTED}\n"));
        assert_eq!(parsed["next"], "x");
    }
    // No END line: masked to the end of the JSON string, or of the text.
    let cut = r#"{"pem":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIO\\","n":1}"#;
    let out = body(cut);
    assert_eq!(out, format!(r#"{{"pem":"{REDACTED}\\","n":1}}"#));
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
    let out = body(r#"{"pem":"-----BEGIN PRIVATE KEY-----\nMII\"x"}"#);
    assert_eq!(out, format!(r#"{{"pem":"{REDACTED}\"x"}}"#));
    assert_eq!(text("-----BEGIN PRIVATE KEY-----\nMIIE"), REDACTED);
    // An END line in another JSON string is not this block's.
    let two = r#"["-----BEGIN PRIVATE KEY-----MII", {"e":"-----END PRIVATE KEY-----"}]"#;
    let out = body(two);
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
    assert_eq!(
        out,
        format!(r#"["{REDACTED}", {{"e":"-----END PRIVATE KEY-----"}}]"#)
    );
    left_alone("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    left_alone("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----");
    left_alone("-----BEGIN PRIVATE KEY");
}

#[test]
fn bearer_and_basic_in_header_values_only() {
    let r = REDACTED;
    assert_eq!(header("Bearer abc.def-ghi"), format!("Bearer {r}"));
    assert_eq!(header("bearer  abc=="), format!("bearer  {r}"));
    assert_eq!(header("BASIC dXNlcjpwYXNz"), format!("BASIC {r}"));
    assert_eq!(header("Basic dXNlcjpwYXNz, x"), format!("Basic {r}, x"));
    assert_eq!(header("token Bearer xyz"), format!("token Bearer {r}"));
    assert_eq!(header(&format!("Bearer {JWT}")), format!("Bearer {r}"));
    // Auth parameters (WWW-Authenticate) are not credentials.
    for stays in [
        r#"Bearer realm="api", error="invalid_token""#,
        "Basic realm = x",
        "Bearer realm=api",
        "Bearer",
        "Bearer ",
        "Bearers abc",
        "xBearer abc",
        "bearer: abc",
    ] {
        assert_eq!(header(stays), stays);
    }
    // Other texts keep prose such as "Basic usage".
    assert_eq!(text("Basic usage"), "Basic usage");
    // The case-insensitive header search still wants the other literals exact.
    assert_eq!(header("akiaiosfodnn7example"), "akiaiosfodnn7example");
    assert_eq!(header(&format!("x {AWS}")), format!("x {r}"));
}

#[test]
fn several_credentials_and_no_copy_without_one() {
    let all = format!("{AWS} {JWT} {GITHUB} {STRIPE} {SLACK} {GOOGLE}");
    let out = text(&all);
    assert_eq!(out, [REDACTED; 6].join(" "));
    assert_eq!(text(&out), out, "masking is idempotent");
    let clean = "the skeleton key of AKIA and eyJ, ghp_, xox-";
    assert!(matches!(
        mask_text(Cow::Borrowed(clean), Scope::Text),
        Cow::Borrowed(_)
    ));
    let owned: Cow<'_, [u8]> = Cow::Owned(clean.as_bytes().to_vec());
    assert!(matches!(mask_body(owned), Cow::Owned(_)));
    assert_eq!(text(""), "");
}
