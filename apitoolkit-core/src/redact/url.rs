//! The URL scrubber: one function for every place a URL can be shipped (header values,
//! the top-level `referer`, `raw_url`, outgoing URLs, error texts).
//!
//! It works on text that *holds* URLs, not only on a URL alone, because URLs reach the
//! record inside other text: a `Refresh` header (`0; url=/next?token=..`), a `Link`
//! header (`</a?sig=..>; rel=next`), a redirect target quoted in a reqwest error
//! (`for url (myapp://cb?access_token=..)`). What it does:
//!
//! - **Userinfo** (`scheme://user:pass@host`, also `//user@host`) is removed.
//! - **Parameters named in the query list** (compared case-insensitively after percent
//!   and `+` decoding) have their value replaced by `[CLIENT_REDACTED]` wherever a
//!   `name=value` pair starts: after `?` (query), `#` (fragment, `#access_token=..`),
//!   `&`, `;`, whitespace, an opening bracket or quote, or at the start of the text. A
//!   masked value runs to the next `&`, `#`, whitespace, quote, `<`, `>` or backtick, so
//!   a value is masked too far rather than not far enough.
//! - **Encoded URLs inside values** (`redirect_uri=https%3A%2F%2Fx%2Fcb%3Ftoken%3D..`) are
//!   decoded and scrubbed in turn, up to [`MAX_NESTING`] levels deep; a value still encoded
//!   past that depth is masked whole (fail closed).
//!
//! Text with no `=` and no `@` is returned as it is, without a copy.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::credentials::{mask_text, untouched, Scope, QUICK};
use super::{RedactionRules, REDACTED};

/// How many levels of percent-encoded URLs inside parameter values are decoded and
/// scrubbed; a value still encoded beyond that is masked whole.
pub(crate) const MAX_NESTING: usize = 4;

/// Characters left as they are when a scrubbed value is percent-encoded again.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Returns `text` with userinfo removed from every URL in it and the value of every
/// parameter named in `rules`' query list masked:
///
/// - userinfo (`scheme://user:pass@`, `//user@`) is removed;
/// - a `name=value` pair whose name is in the query list (case-insensitive, after percent
///   and `+` decoding; `auth[token]` matches by its parts) gets `[CLIENT_REDACTED]` as its
///   value wherever the pair starts: after `?`, `#` (fragments), `&`, `;`, whitespace, an
///   opening bracket or quote, or at the start of the text; the masked value runs to the
///   next `&`, `#`, whitespace, quote, `<`, `>` or backtick (too far rather than too short);
/// - percent-encoded URLs inside values are decoded and scrubbed in turn, up to
///   [`MAX_NESTING`] levels; a value still encoded past that is masked whole.
///
/// Then, unless `rules` turn it off, every credential found by its shape is masked
/// (`credentials/`). Text with nothing to hide is returned as it is, without a copy.
pub(crate) fn scrub_urls<'t>(text: &'t str, rules: &RedactionRules) -> Cow<'t, str> {
    scrub_text(text, rules, Scope::Text)
}

/// [`scrub_urls`] for the given scope (header values also look for `Bearer`/`Basic`).
pub(crate) fn scrub_text<'t>(text: &'t str, rules: &RedactionRules, scope: Scope) -> Cow<'t, str> {
    // Most shipped texts are short and hold nothing: one pass says so.
    if text.len() < QUICK && untouched(text.as_bytes(), scope, rules.redacts_credentials()) {
        return Cow::Borrowed(text);
    }
    scrub_text_fully(text, rules, scope)
}

/// [`scrub_text`] without the one-pass test for texts with nothing to scrub.
fn scrub_text_fully<'t>(text: &'t str, rules: &RedactionRules, scope: Scope) -> Cow<'t, str> {
    let scrubbed = scrub(text, rules, 0);
    if rules.redacts_credentials() {
        mask_text(scrubbed, scope)
    } else {
        scrubbed
    }
}

/// The host as shipped: without any `userinfo@` in front of it.
pub(crate) fn strip_userinfo(host: &str) -> &str {
    host.rsplit_once('@').map_or(host, |(_, h)| h)
}

fn scrub<'t>(text: &'t str, rules: &RedactionRules, depth: usize) -> Cow<'t, str> {
    if !may_hold_secrets(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let without_userinfo = remove_userinfo(text);
    match mask_params(&without_userinfo, rules, depth) {
        Some(masked) => Cow::Owned(masked),
        None => without_userinfo,
    }
}

/// Whether `text` has an `=` or an `@`: without either there is nothing to scrub.
fn may_hold_secrets(text: &[u8]) -> bool {
    memchr::memchr2(b'=', b'@', text).is_some()
}

/// Removes `user[:pass]@` after every `//`.
fn remove_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = memchr::memmem::find(&bytes[at..], b"//") {
        let start = at + found + 2;
        let end = bytes[start..]
            .iter()
            .position(|&b| ends_authority(b))
            .map_or(bytes.len(), |n| start + n);
        if let Some(last_at) = memchr::memrchr(b'@', &bytes[start..end]) {
            out.push_str(&text[copied..start]);
            copied = start + last_at + 1;
        }
        at = end.max(start);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn ends_authority(b: u8) -> bool {
    matches!(
        b,
        b'/' | b'?' | b'#' | b'\\' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'(' | b')'
    ) || b.is_ascii_whitespace()
}

/// Where a `name=value` pair may start: right after one of these (or at the start).
fn starts_pair_after(b: u8) -> bool {
    matches!(
        b,
        b'?' | b'&' | b'#' | b';' | b',' | b'(' | b'{' | b'"' | b'\'' | b'<' | b'|'
    ) || b.is_ascii_whitespace()
}

/// What a parameter name cannot contain (brackets it can: `auth[token]=..`).
fn ends_name(b: u8) -> bool {
    b == b'=' || starts_pair_after(b) || matches!(b, b')' | b'}' | b'>' | b'/' | b'`')
}

/// What ends a parameter value.
fn ends_value(b: u8) -> bool {
    matches!(b, b'&' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`') || b.is_ascii_whitespace()
}

/// The text with every named parameter's value masked, or `None` when nothing changed.
/// Linear in the text: the ends of values and the next `%` are found by cursors that
/// only move forward.
fn mask_params(text: &str, rules: &RedactionRules, depth: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let next_at = |from: usize, hit: fn(u8) -> bool| {
        bytes[from..]
            .iter()
            .position(|&b| hit(b))
            .map_or(bytes.len(), |n| from + n)
    };
    let mut out = String::new();
    let mut copied = 0;
    let (mut value_end, mut percent) = (0, 0);
    let mut eq_from = 0;
    while let Some(found) = memchr::memchr(b'=', &bytes[eq_from..]) {
        let eq = eq_from + found;
        eq_from = eq + 1;
        let name_start = bytes[..eq]
            .iter()
            .rposition(|&b| ends_name(b))
            .map_or(0, |p| p + 1);
        let starts_pair = name_start == 0 || starts_pair_after(bytes[name_start - 1]);
        if name_start == eq || name_start < copied || !starts_pair {
            continue;
        }
        let value_start = eq + 1;
        if value_end < value_start {
            value_end = next_at(value_start, ends_value);
        }
        if percent < value_start {
            percent = next_at(value_start, |b| b == b'%');
        }
        // A closing parenthesis that closes one opened before the pair is not the
        // value's (`for url (..?token=x)`).
        let mut end = value_end;
        if text[value_start..end].ends_with(')') && !text[value_start..end].contains('(') {
            end -= 1;
        }
        let value = &text[value_start..end];
        let replacement = if rules.is_query_param_redacted(&decode(&text[name_start..eq])) {
            if value == REDACTED {
                continue;
            }
            Cow::Borrowed(REDACTED)
        } else if percent < end {
            // The whole value is decoded and scrubbed at once: nothing inside it is
            // looked at again.
            eq_from = end;
            match scrub_encoded(value, rules, depth) {
                Some(scrubbed) => Cow::Owned(scrubbed),
                None => continue,
            }
        } else {
            continue;
        };
        out.push_str(&text[copied..value_start]);
        out.push_str(&replacement);
        copied = end;
        eq_from = end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// A percent-encoded value with the URLs inside it scrubbed and encoded again, or `None`
/// when there was nothing to change.
fn scrub_encoded(value: &str, rules: &RedactionRules, depth: usize) -> Option<String> {
    let decoded = decode(value);
    if decoded == value {
        return None;
    }
    if depth + 1 >= MAX_NESTING {
        return may_hold_secrets(decoded.as_bytes()).then(|| REDACTED.to_owned());
    }
    match scrub(&decoded, rules, depth + 1) {
        Cow::Borrowed(_) => None,
        Cow::Owned(scrubbed) => Some(utf8_percent_encode(&scrubbed, KEEP).to_string()),
    }
}

/// Form decoding of a name or value: `+` is a space, `%XX` a byte, lossy UTF-8.
pub(crate) fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['+', '%']) {
        return Cow::Borrowed(s);
    }
    let plus_as_space = s.replace('+', " ");
    Cow::Owned(
        percent_decode_str(&plus_as_space)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// A text the one-pass test leaves alone is one the full scrubber and credential
        /// scan leave alone too, for both scopes, with and without the credential scan.
        #[test]
        fn texts_passed_over_are_left_alone_by_the_full_path(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-zA-Z0-9 ./:;,_-]{0,6}",
                    Just("=".to_owned()),
                    Just("@".to_owned()),
                    Just("Bearer ".to_owned()),
                    Just("basic ".to_owned()),
                    Just("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.".to_owned()),
                    Just("AKIAABCDEFGHIJKLMNOP".to_owned()),
                    Just("ghp_".to_owned()),
                    Just("xoxb-1234567890".to_owned()),
                    Just("-----BEGIN ".to_owned()),
                    Just("hooks.slack.com/services/".to_owned()),
                    Just("sk_live_".to_owned()),
                ],
                0..8,
            )
        ) {
            let text: String = parts.concat();
            for credentials in [true, false] {
                let rules = RedactionRules::builder()
                    .redact_credentials(credentials)
                    .build()
                    .unwrap();
                for scope in [Scope::Text, Scope::Header] {
                    let full = scrub_text_fully(&text, &rules, scope);
                    if untouched(text.as_bytes(), scope, credentials) {
                        prop_assert!(matches!(full, Cow::Borrowed(_)), "{:?} {:?}", text, scope);
                    }
                    prop_assert_eq!(scrub_text(&text, &rules, scope), full);
                }
            }
        }
    }

    use super::*;

    #[test]
    fn redirect_errors_fragments_and_plain_text() {
        let rules = RedactionRules::default();
        assert_eq!(
            scrub_urls(
                "error following redirect for url (myapp://u:pw@cb?access_token=abc&x=1)",
                &rules
            ),
            "error following redirect for url (myapp://cb?access_token=[CLIENT_REDACTED]&x=1)",
        );
        assert_eq!(
            scrub_urls("/cb#id_token=abc&state=s", &rules),
            "/cb#id_token=[CLIENT_REDACTED]&state=s"
        );
        assert!(matches!(
            scrub_urls("no url here", &rules),
            Cow::Borrowed("no url here")
        ));
    }

    fn scrubbed(text: &str) -> String {
        let rules = RedactionRules::builder()
            .query_params(["custom"])
            .build()
            .unwrap();
        scrub_urls(text, &rules).into_owned()
    }

    #[test]
    fn userinfo_is_removed_from_every_url() {
        assert_eq!(
            scrubbed("https://ann:pw@example.com:8443/a?x=1"),
            "https://example.com:8443/a?x=1"
        );
        assert_eq!(scrubbed("//ann@cdn.example/x"), "//cdn.example/x");
        assert_eq!(
            scrubbed("a http://u:p@x b ftp://v:q@y/ c"),
            "a http://x b ftp://y/ c"
        );
        assert_eq!(scrubbed("http://u:p@ss@host/"), "http://host/");
        assert_eq!(scrubbed("mail ann@example.com"), "mail ann@example.com");
    }

    #[test]
    fn named_parameters_are_masked_in_queries_fragments_and_text() {
        assert_eq!(
            scrubbed("/cb?Access_Token=abc&x=1"),
            "/cb?Access_Token=[CLIENT_REDACTED]&x=1"
        );
        assert_eq!(
            scrubbed("/cb#access_token=abc&token_type=bearer"),
            "/cb#access_token=[CLIENT_REDACTED]&token_type=bearer"
        );
        assert_eq!(
            scrubbed("0; url=/n?custom=v"),
            "0; url=/n?custom=[CLIENT_REDACTED]"
        );
        assert_eq!(
            scrubbed("</p?sig=abc>; rel=\"next\", </q?a=1>"),
            "</p?sig=[CLIENT_REDACTED]>; rel=\"next\", </q?a=1>"
        );
        assert_eq!(
            scrubbed("for url (http://h/p?token=abc)"),
            "for url (http://h/p?token=[CLIENT_REDACTED])"
        );
        assert_eq!(scrubbed("password=hunter2"), "password=[CLIENT_REDACTED]");
        assert_eq!(
            scrubbed("/p?acc%65ss_token=abc&tok+en=x"),
            "/p?acc%65ss_token=[CLIENT_REDACTED]&tok+en=x"
        );
        assert_eq!(scrubbed("/p?a=1&b=2"), "/p?a=1&b=2");
        assert_eq!(scrubbed("/p?xtoken=1&token_x=2"), "/p?xtoken=1&token_x=2");
        assert_eq!(scrubbed("/p?token="), "/p?token=[CLIENT_REDACTED]");
        assert_eq!(
            scrubbed("/p?auth[token]=a&token[]=b&user%5Bpassword%5D=c&list[]=d"),
            "/p?auth[token]=[CLIENT_REDACTED]&token[]=[CLIENT_REDACTED]\
             &user%5Bpassword%5D=[CLIENT_REDACTED]&list[]=d"
        );
        assert_eq!(scrubbed("see [token=abc]"), "see [token=[CLIENT_REDACTED]");
    }

    #[test]
    fn encoded_urls_inside_values_are_scrubbed() {
        let out = scrubbed("/login?next=https%3A%2F%2Fx%2Fcb%3Ftoken%3Dabc%26y%3D1");
        assert!(!out.contains("abc"), "{out}");
        assert!(
            out.starts_with("/login?next=https%3A%2F%2Fx%2Fcb%3Ftoken%3D"),
            "{out}"
        );
        assert!(out.ends_with("%26y%3D1"), "{out}");
        let out = scrubbed("/r?u=https%3A%2F%2Fann%3Apw%40h%2F");
        assert!(!out.contains("pw"), "{out}");
        // Encoded more times than the scrubber decodes: masked whole.
        let mut deep = "t=1&token=abc".to_owned();
        for _ in 0..MAX_NESTING + 1 {
            deep = format!("/x?n={}", utf8_percent_encode(&deep, KEEP));
        }
        let out = scrubbed(&deep);
        assert!(
            !out.contains("abc") && out.contains("CLIENT_REDACTED"),
            "{out}"
        );
        assert_eq!(
            scrubbed("/p?q=a%20b"),
            "/p?q=a%20b",
            "clean encoded values stay"
        );
    }

    #[test]
    fn scrubbing_is_idempotent_and_borrows_clean_text() {
        for text in [
            "/cb?token=abc#access_token=d",
            "https://u:p@h/x?sig=1&a=b",
            "plain",
        ] {
            let once = scrubbed(text);
            assert_eq!(scrubbed(&once), once);
        }
        let rules = RedactionRules::default();
        assert!(matches!(scrub_urls("/a/b?x=1", &rules), Cow::Borrowed(_)));
        assert!(matches!(
            scrub_urls("/a?token=[CLIENT_REDACTED]", &rules),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn host_loses_userinfo() {
        assert_eq!(strip_userinfo("u:p@example.com:80"), "example.com:80");
        assert_eq!(strip_userinfo("example.com"), "example.com");
    }
}
