//! What the record keeps of the request target: an absolute URI without credentials or
//! fragment, and error messages with every URL in them scrubbed.

use apitoolkit_core::integration::scrub_error;
use apitoolkit_core::{ErrorEntry, RedactionRules};
use http::Uri;
use reqwest::Url;

/// The target as recorded: scheme, host, port, path and query; no `user:password@`, no
/// `#fragment` (neither is sent on the wire).
pub(crate) fn target_uri(url: &Url) -> Uri {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_fragment(None);
    Uri::try_from(clean.as_str()).unwrap_or_else(|_| {
        // `Url` accepts a few forms `http::Uri` does not; keep at least the path.
        Uri::try_from(url.path()).unwrap_or_default()
    })
}

/// An error entry as it may be attached to a record: every URL in its texts scrubbed
/// with `rules` (reqwest names the request's URL, and redirect targets, in its errors).
/// The parent request's record would scrub it with its own rules; this applies the
/// call's. Core cuts the texts to their limits when the entry is attached.
pub(crate) fn mask_entry(mut entry: ErrorEntry, rules: &RedactionRules) -> ErrorEntry {
    scrub_error(&mut entry, rules);
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_fragment_are_dropped() {
        let url = Url::parse("http://u:p@example.com:8080/a/b?x=1#frag").unwrap();
        assert_eq!(target_uri(&url), "http://example.com:8080/a/b?x=1");
    }

    #[test]
    fn secrets_in_error_messages_are_masked() {
        let url = Url::parse("http://u:pw@example.com/a?token=abc&x=1").unwrap();
        let entry =
            ErrorEntry::from_message("Error", format!("error sending request for url ({url})"));
        let entry = mask_entry(entry, &RedactionRules::default());
        assert!(!entry.message.contains("abc"), "{}", entry.message);
        assert!(!entry.message.contains("pw"), "{}", entry.message);
        assert!(
            entry.message.contains("http://example.com/a?token="),
            "{}",
            entry.message
        );
        assert!(entry.message.contains("x=1"), "{}", entry.message);
    }
}
