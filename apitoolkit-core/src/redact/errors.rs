//! Error entries as shipped: every text an entry carries goes through the URL scrubber
//! (and the credential scan).

use std::borrow::Cow;

use super::{scrub_urls, RedactionRules};
use crate::model::ErrorEntry;

/// Scrubs every text of `entry` in place (types, messages, root cause, stack trace) with
/// the URL scrubber of every shipped text (docs/PROTOCOL.md §4): userinfo removed from
/// URLs, named query and fragment parameters masked, credentials found by their shape
/// masked (unless `rules` turn that off). Returns whether anything changed.
///
/// The shipper does this for every record; call it yourself before an entry goes
/// anywhere else (a log line, another record with other rules).
///
/// ```
/// use apitoolkit_core::integration::scrub_error;
/// use apitoolkit_core::{ErrorEntry, RedactionRules};
///
/// let mut entry = ErrorEntry::from_message("Redirect", "to myapp://cb?access_token=abc");
/// assert!(scrub_error(&mut entry, &RedactionRules::default()));
/// assert_eq!(entry.message, "to myapp://cb?access_token=[CLIENT_REDACTED]");
/// ```
pub fn scrub_error(entry: &mut ErrorEntry, rules: &RedactionRules) -> bool {
    let mut changed = false;
    for text in [
        &mut entry.error_type,
        &mut entry.root_error_type,
        &mut entry.message,
        &mut entry.root_error_message,
        &mut entry.stack_trace,
    ] {
        if let Cow::Owned(scrubbed) = scrub_urls(text, rules) {
            *text = scrubbed;
            changed = true;
        }
    }
    changed
}

/// The errors of a record as shipped: borrowed when no text had anything to hide.
pub(crate) fn scrub_errors<'e>(
    errors: &'e [ErrorEntry],
    rules: &RedactionRules,
) -> Cow<'e, [ErrorEntry]> {
    let mut out: Option<Vec<ErrorEntry>> = None;
    for (i, entry) in errors.iter().enumerate() {
        let mut copy = entry.clone();
        if scrub_error(&mut copy, rules) {
            out.get_or_insert_with(|| errors[..i].to_vec()).push(copy);
        } else if let Some(out) = out.as_mut() {
            out.push(copy);
        }
    }
    out.map_or(Cow::Borrowed(errors), Cow::Owned)
}
