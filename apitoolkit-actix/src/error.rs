//! Error entries from `actix_web::Error` (a handler's `Err`, or an error response).

use std::error::Error as StdError;

use actix_web::error::{
    JsonPayloadError, PathError, PayloadError, QueryPayloadError, UrlencodedError,
};
use apitoolkit_core::ErrorEntry;

/// The error entry of an `actix_web::Error`: `message` is its `Display`. When the
/// underlying [`ResponseError`](actix_web::ResponseError) is a known `std::error::Error`
/// (a boxed `dyn Error`, `io::Error`, actix's extractor errors, ...), the root cause is
/// found by walking `source()`; otherwise the error is its own root. The type name is read
/// from the error's `Debug` (its leading identifier).
pub(crate) fn entry(err: &actix_web::Error) -> ErrorEntry {
    match as_std_error(err) {
        Some(std) => ErrorEntry::from_dyn_error(std),
        None => {
            let cause = err.as_response_error();
            ErrorEntry::from_message(debug_type_name(&format!("{cause:?}")), cause.to_string())
        }
    }
}

fn as_std_error(err: &actix_web::Error) -> Option<&(dyn StdError + 'static)> {
    if let Some(e) = err.as_error::<Box<dyn StdError + 'static>>() {
        return Some(e.as_ref());
    }
    macro_rules! try_types {
        ($($t:ty),*) => {$(
            if let Some(e) = err.as_error::<$t>() {
                return Some(e);
            }
        )*};
    }
    try_types!(
        std::io::Error,
        std::str::Utf8Error,
        JsonPayloadError,
        PathError,
        QueryPayloadError,
        UrlencodedError,
        PayloadError,
        actix_web::error::BlockingError
    );
    None
}

/// The leading identifier of a `Debug` rendering (`Foo { .. }`, `Foo(..)` → `Foo`).
fn debug_type_name(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    if name.is_empty() {
        "Error".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("inner")
        }
    }
    impl StdError for Inner {}

    #[derive(Debug)]
    struct Outer(Inner);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "outer: {}", self.0)
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn boxed_std_errors_keep_their_chain() {
        let boxed: Box<dyn StdError + 'static> = Box::new(Outer(Inner));
        let e = entry(&actix_web::Error::from(boxed));
        assert_eq!(e.message, "outer: inner");
        assert_eq!(e.error_type, "Outer");
        assert_eq!(e.root_error_message, "inner");
        assert_eq!(e.root_error_type, "Inner");
    }

    #[test]
    fn other_response_errors_are_their_own_root() {
        let e = entry(&actix_web::error::ErrorInternalServerError("db down"));
        assert_eq!(e.message, "db down");
        assert_eq!(e.root_error_message, "db down");
        assert!(!e.error_type.is_empty());
    }
}
