//! What the record keeps of the request target: an absolute URI without credentials or
//! fragment, and error messages with the same URL masked.

use apitoolkit_core::redact::redact_query;
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

/// The URL as it may appear in a record: no credentials, no fragment, redacted query
/// parameters masked.
pub(crate) fn masked_url(url: &Url, rules: &RedactionRules) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_fragment(None);
    if let Some(query) = clean.query().map(str::to_owned) {
        let (_, masked) = redact_query(&query, rules);
        clean.set_query(Some(&masked));
    }
    clean.to_string()
}

/// Replaces the URL in an error entry's messages (reqwest puts it there) by its masked
/// form, so that credentials and secret query values never leave the process.
pub(crate) fn mask_entry(mut entry: ErrorEntry, url: &Url, rules: &RedactionRules) -> ErrorEntry {
    let raw = url.as_str();
    if entry.message.contains(raw) || entry.root_error_message.contains(raw) {
        let masked = masked_url(url, rules);
        entry.message = entry.message.replace(raw, &masked);
        entry.root_error_message = entry.root_error_message.replace(raw, &masked);
    }
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
        let entry = mask_entry(entry, &url, &RedactionRules::default());
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
