//! Error entries (docs/PROTOCOL.md §2 `errors`, §7 `report_error`) built from any error or panic.

use std::any::Any;
use std::error::Error;

use crate::model::{rfc3339, ErrorEntry};

/// Most errors one record keeps; later reports are counted, and the record ends with one
/// more entry (type `apitoolkit::ErrorsDropped`) saying how many were left out.
pub const MAX_ERRORS_PER_RECORD: usize = 32;
/// Longest type name kept, in bytes.
pub const MAX_ERROR_TYPE_BYTES: usize = 256;
/// Longest message (and root-cause message) kept, in bytes.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 8 * 1024;
/// Longest stack trace kept, in bytes.
pub const MAX_STACK_TRACE_BYTES: usize = 32 * 1024;

impl ErrorEntry {
    /// Builds the six-field entry from an error: its type name and message, the type name
    /// and message of the root found by walking `source()`, the time now, and the
    /// backtrace of the reporting call when the host enabled backtraces
    /// (`RUST_BACKTRACE`/`RUST_LIB_BACKTRACE`, see [`std::backtrace::Backtrace::capture`]),
    /// else `""`.
    ///
    /// The outer type name is the static type `E`; the root's type is erased behind
    /// `dyn Error`, so it is read from its `Debug` (the leading identifier), which names
    /// the type for every derived `Debug`.
    pub fn from_error<E: Error + ?Sized>(err: &E) -> ErrorEntry {
        let error_type = short_type_name(std::any::type_name::<E>());
        Self::from_dyn(err, error_type)
    }

    /// As [`from_error`](Self::from_error) for a `dyn Error` whose static type is erased;
    /// the outer type is read from its `Debug`.
    pub fn from_dyn_error(err: &(dyn Error + 'static)) -> ErrorEntry {
        let error_type = debug_type_name(err);
        Self::from_dyn(err, error_type)
    }

    fn from_dyn<E: Error + ?Sized>(err: &E, error_type: String) -> ErrorEntry {
        let message = err.to_string();
        let mut root: Option<&(dyn Error + 'static)> = err.source();
        let mut depth = 0;
        while let Some(next) = root.and_then(Error::source) {
            root = Some(next);
            depth += 1;
            if depth > 64 {
                break; // a cyclic chain must not hang the host
            }
        }
        let (root_error_type, root_error_message) = match root {
            Some(r) => (debug_type_name(r), r.to_string()),
            None => (error_type.clone(), message.clone()),
        };
        ErrorEntry {
            when: rfc3339(time::OffsetDateTime::now_utc()),
            error_type,
            root_error_type,
            message,
            root_error_message,
            stack_trace: captured_backtrace(),
        }
    }

    /// An entry from a type name and a message alone (for errors that are not
    /// `std::error::Error` values, such as a service error known only by its `Display`).
    pub fn from_message(error_type: impl Into<String>, message: impl Into<String>) -> ErrorEntry {
        let error_type = error_type.into();
        let message = message.into();
        ErrorEntry {
            when: rfc3339(time::OffsetDateTime::now_utc()),
            root_error_type: error_type.clone(),
            error_type,
            root_error_message: message.clone(),
            message,
            stack_trace: String::new(),
        }
    }

    /// Builds an entry from a panic payload (as given by `catch_unwind`), with the
    /// backtrace text when one was captured by the caller.
    pub fn from_panic(payload: &(dyn Any + Send), backtrace: Option<String>) -> ErrorEntry {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        };
        ErrorEntry {
            when: rfc3339(time::OffsetDateTime::now_utc()),
            error_type: "panic".to_owned(),
            root_error_type: "panic".to_owned(),
            root_error_message: message.clone(),
            message,
            stack_trace: backtrace.unwrap_or_default(),
        }
    }
}

impl ErrorEntry {
    /// The entry with each text cut to its limit ([`MAX_ERROR_TYPE_BYTES`],
    /// [`MAX_ERROR_MESSAGE_BYTES`], [`MAX_STACK_TRACE_BYTES`]) at a character boundary,
    /// a cut text ending in `…[truncated]`. Every entry attached to a record goes
    /// through this, so a huge message cannot grow the queue's memory.
    #[must_use]
    pub(crate) fn bounded(mut self) -> ErrorEntry {
        truncate(&mut self.when, MAX_ERROR_TYPE_BYTES);
        truncate(&mut self.error_type, MAX_ERROR_TYPE_BYTES);
        truncate(&mut self.root_error_type, MAX_ERROR_TYPE_BYTES);
        truncate(&mut self.message, MAX_ERROR_MESSAGE_BYTES);
        truncate(&mut self.root_error_message, MAX_ERROR_MESSAGE_BYTES);
        truncate(&mut self.stack_trace, MAX_STACK_TRACE_BYTES);
        self
    }

    /// The entry that stands for `count` errors left out of a record past
    /// [`MAX_ERRORS_PER_RECORD`].
    pub(crate) fn dropped(count: usize) -> ErrorEntry {
        ErrorEntry::from_message(
            "apitoolkit::ErrorsDropped",
            format!(
                "{count} more errors were reported for this exchange and not recorded \
                 (at most {MAX_ERRORS_PER_RECORD} are kept)"
            ),
        )
    }

    /// Heap bytes held by the texts, for the shipper's byte budget.
    pub(crate) fn heap_size(&self) -> usize {
        self.when.capacity()
            + self.error_type.capacity()
            + self.root_error_type.capacity()
            + self.message.capacity()
            + self.root_error_message.capacity()
            + self.stack_trace.capacity()
    }
}

const TRUNCATED: &str = "…[truncated]";

fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max - TRUNCATED.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(TRUNCATED);
    text.shrink_to_fit();
}

fn captured_backtrace() -> String {
    let bt = std::backtrace::Backtrace::capture();
    if bt.status() == std::backtrace::BacktraceStatus::Captured {
        bt.to_string()
    } else {
        String::new()
    }
}

/// `my_crate::errors::MyError<T>` → `MyError<T>`.
fn short_type_name(full: &str) -> String {
    let base = full.split('<').next().unwrap_or(full);
    let short = base.rsplit("::").next().unwrap_or(base);
    format!("{short}{}", &full[base.len()..])
}

/// The leading identifier of an error's `Debug` (`Custom { kind: .. }` → `Custom`).
fn debug_type_name(err: &(dyn Error + 'static)) -> String {
    let dbg = format!("{err:?}");
    let name: String = dbg
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    if name.is_empty() {
        "Error".to_owned()
    } else {
        short_type_name(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ExampleError;
    impl std::fmt::Display for ExampleError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Example Error value")
        }
    }
    impl Error for ExampleError {}

    #[derive(Debug)]
    struct WrapperError {
        inner: ExampleError,
    }
    impl std::fmt::Display for WrapperError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "wrapper from err2: {}", self.inner)
        }
    }
    impl Error for WrapperError {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.inner)
        }
    }

    #[test]
    fn two_level_chain_gives_outer_and_root() {
        let err = WrapperError {
            inner: ExampleError,
        };
        let e = ErrorEntry::from_error(&err);
        assert_eq!(e.message, "wrapper from err2: Example Error value");
        assert_eq!(e.root_error_message, "Example Error value");
        assert_eq!(e.error_type, "WrapperError");
        assert_eq!(e.root_error_type, "ExampleError");
        assert!(time::OffsetDateTime::parse(
            &e.when,
            &time::format_description::well_known::Rfc3339
        )
        .is_ok());
        let json = serde_json::to_value(&e).unwrap();
        for key in [
            "when",
            "error_type",
            "root_error_type",
            "message",
            "root_error_message",
            "stack_trace",
        ] {
            assert!(json[key].is_string(), "{key} missing or not a string");
        }
    }

    #[test]
    fn single_error_is_its_own_root() {
        let e = ErrorEntry::from_dyn_error(&ExampleError);
        assert_eq!(e.error_type, "ExampleError");
        assert_eq!(e.root_error_type, "ExampleError");
        assert_eq!(e.root_error_message, "Example Error value");
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_ERROR_MESSAGE_BYTES);
        let mut e = ErrorEntry::from_message("T".repeat(1000), long.clone());
        e.stack_trace = "x".repeat(MAX_STACK_TRACE_BYTES + 1);
        let e = e.bounded();
        assert_eq!(e.error_type.len(), MAX_ERROR_TYPE_BYTES);
        assert!(e.message.len() <= MAX_ERROR_MESSAGE_BYTES && e.message.ends_with(TRUNCATED));
        assert!(long.starts_with(e.message.trim_end_matches(TRUNCATED)));
        assert_eq!(e.stack_trace.len(), MAX_STACK_TRACE_BYTES);
        let short = ErrorEntry::from_message("T", "short");
        assert_eq!(short.clone().bounded(), short);
        assert!(short.heap_size() >= 2 * "short".len());
    }

    #[test]
    fn panic_payloads_give_their_message() {
        let e = ErrorEntry::from_panic(&"boom", None);
        assert_eq!(e.message, "boom");
        let e = ErrorEntry::from_panic(&String::from("formatted 42"), Some("bt".into()));
        assert_eq!(e.message, "formatted 42");
        assert_eq!(e.stack_trace, "bt");
    }
}
