//! Test inputs shared by the record writers' property tests.

use proptest::prelude::*;

/// A header value made of parts the fast paths and the full path treat differently:
/// printable ASCII, a bearer token, a URL with userinfo and a token parameter, credential
/// literals, UTF-8 and non-UTF-8 bytes, JSON escapes.
pub(crate) fn header_value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            "[ -~]{0,8}".prop_map(String::into_bytes),
            Just(b"Bearer abc.def".to_vec()),
            Just(b"https://u:p@h/?token=1".to_vec()),
            Just(b"AKIAABCDEFGHIJKLMNOP".to_vec()),
            Just(b"ghp_".to_vec()),
            Just(b"caf\xc3\xa9".to_vec()),
            Just(b"\xe9\"\\\t".to_vec()),
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}
