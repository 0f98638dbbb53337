//! [`CapturedHeaders`]: a copy of a request's or response's header fields, packed into
//! one buffer.
//!
//! Capturing headers happens on the request path, and the copy is freed there too (see
//! the shipper's retired records), so it is kept to one allocation: cloning an
//! `http::HeaderMap` costs two allocations plus a reference count per value, and keeps the
//! server's read buffer alive (the values point into it) until the record is freed.

use std::borrow::Cow;
use std::fmt;

use http::HeaderMap;

/// Bytes each field takes besides its name and value (their lengths), for
/// [`CapturedHeaders::with_capacity`].
pub(crate) const FIELD_OVERHEAD: usize = 8;

/// Header fields in arrival order, names in lower case (unless added with
/// [`append_already_lowercase`](Self::append_already_lowercase) in another case),
/// values as raw bytes.
///
/// ```
/// use apitoolkit_core::CapturedHeaders;
///
/// let mut map = http::HeaderMap::new();
/// map.insert("content-type", "application/json".parse().unwrap());
/// map.append("x-tag", "a".parse().unwrap());
/// map.append("x-tag", "b".parse().unwrap());
/// let mut headers = CapturedHeaders::from(&map);
/// headers.append("X-Extra", b"\xff opaque");
///
/// assert_eq!(headers.get("Content-Type"), Some(&b"application/json"[..]));
/// assert_eq!(headers.get_all("x-tag").collect::<Vec<_>>(), [b"a", b"b"]);
/// assert_eq!(headers.iter().last(), Some(("x-extra", &b"\xff opaque"[..])));
/// assert_eq!(headers.len(), 4);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CapturedHeaders {
    /// Per field: name length and value length (`u32` LE each), then name, then value.
    buf: Vec<u8>,
}

impl CapturedHeaders {
    /// No fields.
    pub const fn new() -> CapturedHeaders {
        CapturedHeaders { buf: Vec::new() }
    }

    /// No fields, with room for `fields` fields whose names and values take `bytes`
    /// bytes in all before it reallocates.
    pub fn with_capacity(fields: usize, bytes: usize) -> CapturedHeaders {
        CapturedHeaders {
            buf: Vec::with_capacity(fields.saturating_mul(FIELD_OVERHEAD).saturating_add(bytes)),
        }
    }

    /// Adds a field after the others. The name is stored in lower case. A name or value
    /// longer than 4 GiB is cut there.
    pub fn append(&mut self, name: &str, value: &[u8]) {
        let name = truncate_str(name);
        let start = self.buf.len() + FIELD_OVERHEAD;
        self.push(name.as_bytes(), value);
        if let Some(stored) = self.buf.get_mut(start..start + name.len()) {
            stored.make_ascii_lowercase();
        }
    }

    /// As [`append`](Self::append) for a name that is already in lower case, as
    /// `http::HeaderName::as_str` (and actix-web's) always is; other names are stored as
    /// given (lookups still ignore case).
    pub fn append_already_lowercase(&mut self, name: &str, value: &[u8]) {
        self.push(truncate_str(name).as_bytes(), value);
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        let value = &value[..value.len().min(u32::MAX as usize)];
        let mut prefix = [0u8; FIELD_OVERHEAD];
        prefix[..4].copy_from_slice(&(name.len() as u32).to_le_bytes());
        prefix[4..].copy_from_slice(&(value.len() as u32).to_le_bytes());
        self.buf.reserve(FIELD_OVERHEAD + name.len() + value.len());
        self.buf.extend_from_slice(&prefix);
        self.buf.extend_from_slice(name);
        self.buf.extend_from_slice(value);
    }

    /// The fields in order: `(name, value)`.
    pub fn iter(&self) -> Iter<'_> {
        Iter { rest: &self.buf }
    }

    /// The first value of `name` (compared without regard to ASCII case).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).next()
    }

    /// The fields as the record's text: names as `&str`, values `Ok(&str)` when they
    /// are UTF-8 and `Err(bytes)` otherwise. One UTF-8 check of the whole buffer stands
    /// for the checks of every name and value when it passes and the fields fall on
    /// character boundaries (always for ASCII fields under 128 bytes, whose length
    /// prefixes are ASCII too); otherwise each field is checked on its own.
    pub(crate) fn text_iter(&self) -> TextIter<'_> {
        TextIter {
            buf: &self.buf,
            whole: std::str::from_utf8(&self.buf).ok(),
            at: 0,
        }
    }

    /// The fields as stored, `(name, value)` bytes, without a UTF-8 check (names are
    /// always UTF-8: written from a `&str`).
    pub(crate) fn raw_iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        RawIter { rest: &self.buf }
    }

    /// Every value of `name` in order (compared without regard to ASCII case).
    pub fn get_all<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        let name = name.as_bytes();
        RawIter { rest: &self.buf }
            .filter(move |(n, _)| same_name(n, name))
            .map(|(_, v)| v)
    }

    /// Number of fields (a repeated name counts once per value).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Heap bytes held, for the shipper's byte budget.
    pub(crate) fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// The fields as an `http::HeaderMap`, skipping any that `http` rejects as invalid.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.len());
        for (name, value) in self {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        map
    }
}

/// A header value as the record's text: the value itself when it is UTF-8 (checked with
/// `str::from_utf8`, faster than the lossy decoder on valid input), else decoded
/// lossily (`U+FFFD` for each invalid sequence).
pub(crate) fn value_text(value: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

/// Whether two header names are equal without regard to ASCII case: compared as bytes
/// first (stored names and the names looked up are mostly both lower case), a byte
/// loop only when they differ.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (a == b || a.eq_ignore_ascii_case(b))
}

fn truncate_str(s: &str) -> &str {
    let mut end = s.len().min(u32::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl From<&HeaderMap> for CapturedHeaders {
    fn from(map: &HeaderMap) -> CapturedHeaders {
        let size = map.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
        let mut headers = CapturedHeaders::with_capacity(map.len(), size);
        for (name, value) in map {
            headers.append_already_lowercase(name.as_str(), value.as_bytes());
        }
        headers
    }
}

impl From<HeaderMap> for CapturedHeaders {
    fn from(map: HeaderMap) -> CapturedHeaders {
        CapturedHeaders::from(&map)
    }
}

impl<'a> IntoIterator for &'a CapturedHeaders {
    type Item = (&'a str, &'a [u8]);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Header names with the lengths of their values (`[content-type: 16 bytes, ...]`),
/// never a value: values may hold credentials.
impl fmt::Debug for CapturedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        DebugList(self.iter()).fmt(f)
    }
}

/// `name: n bytes`, for the `Debug` of [`CapturedHeaders`] and [`Iter`].
struct DebugField<'a>(&'a str, usize);

impl fmt::Debug for DebugField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} bytes", self.0, self.1)
    }
}

/// Iterator over the fields of [`CapturedHeaders`]. Its `Debug` shows the fields left
/// as [`CapturedHeaders`] does: names and value lengths.
#[derive(Clone)]
pub struct Iter<'a> {
    rest: &'a [u8],
}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Iter")
            .field(&DebugList(self.clone()))
            .finish()
    }
}

/// The fields an [`Iter`] has left, as a list of [`DebugField`]s.
struct DebugList<'a>(Iter<'a>);

impl fmt::Debug for DebugList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.clone().map(|(n, v)| DebugField(n, v.len())))
            .finish()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<(&'a str, &'a [u8])> {
        let (name, value) = split_field(&mut self.rest)?;
        // Always valid: names are only ever written from `&str` (ASCII lower-casing keeps it so).
        Some((std::str::from_utf8(name).unwrap_or_default(), value))
    }
}

/// A header value as the record's text: `Ok` when it is UTF-8, else its bytes.
pub(crate) type TextValue<'a> = Result<&'a str, &'a [u8]>;

/// Iterator of [`CapturedHeaders::text_iter`].
pub(crate) struct TextIter<'a> {
    buf: &'a [u8],
    /// The whole buffer, when it is UTF-8.
    whole: Option<&'a str>,
    /// Where the next field starts in `buf`.
    at: usize,
}

impl<'a> Iterator for TextIter<'a> {
    type Item = (&'a str, TextValue<'a>);

    fn next(&mut self) -> Option<(&'a str, TextValue<'a>)> {
        let mut rest = self.buf.get(self.at..)?;
        let left = rest.len();
        let (name, value) = split_field(&mut rest)?;
        let name_at = self.at + FIELD_OVERHEAD;
        let value_at = name_at + name.len();
        self.at += left - rest.len();
        if let Some(whole) = self.whole {
            // `get` is `None` off a character boundary: then the field is checked alone.
            if let (Some(n), Some(v)) = (whole.get(name_at..value_at), whole.get(value_at..self.at))
            {
                return Some((n, Ok(v)));
            }
        }
        // Names are only ever written from `&str`.
        let name = std::str::from_utf8(name).unwrap_or_default();
        Some((name, std::str::from_utf8(value).map_err(|_| value)))
    }
}

/// Fields as bytes, for lookups (no UTF-8 check of each name).
struct RawIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RawIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        split_field(&mut self.rest)
    }
}

/// Takes the field at the front of `rest`: `(name, value)`.
fn split_field<'a>(rest: &mut &'a [u8]) -> Option<(&'a [u8], &'a [u8])> {
    let (prefix, after) = rest.split_first_chunk::<FIELD_OVERHEAD>()?;
    let (n, v) = prefix.split_at(4);
    let n = u32::from_le_bytes(n.try_into().ok()?) as usize;
    let v = u32::from_le_bytes(v.try_into().ok()?) as usize;
    let (name, after) = after.split_at_checked(n)?;
    let (value, after) = after.split_at_checked(v)?;
    *rest = after;
    Some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn keeps_order_repeats_case_and_opaque_bytes() {
        let mut map = HeaderMap::new();
        map.append("x-multi", HeaderValue::from_static("one"));
        map.append("content-type", HeaderValue::from_static("text/plain"));
        map.append("x-multi", HeaderValue::from_static("two"));
        map.append("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let mut h = CapturedHeaders::from(&map);
        assert_eq!(h.heap_size(), h.buf.len(), "sized exactly");
        h.append("X-Ünïcode-Name", b"");
        let fields: Vec<_> = h.iter().collect();
        assert_eq!(
            fields,
            [
                ("x-multi", &b"one"[..]),
                ("x-multi", b"two"),
                ("content-type", b"text/plain"),
                ("x-odd", b"caf\xe9"),
                ("x-Ünïcode-name", b""),
            ]
        );
        assert_eq!(h.get("CONTENT-TYPE"), Some(&b"text/plain"[..]));
        let mut as_given = CapturedHeaders::new();
        as_given.append_already_lowercase("X-Given", b"1");
        assert_eq!(as_given.iter().next(), Some(("X-Given", &b"1"[..])));
        assert_eq!(as_given.get("x-given"), Some(&b"1"[..]));
        assert_eq!(h.get("absent"), None);
        assert_eq!(h.len(), 5);
        assert_eq!(h.to_header_map().len(), 4, "the invalid name is skipped");
        assert_eq!(
            CapturedHeaders::from(h.to_header_map())
                .get_all("x-multi")
                .count(),
            2
        );
    }

    proptest::proptest! {
        /// Whatever the names and bytes, the copy yields exactly the map's fields, in the
        /// map's order, and lookups agree with the map's.
        #[test]
        fn copy_matches_the_map(
            fields in proptest::collection::vec(
                ("[a-zA-Z][a-zA-Z0-9-]{0,20}", proptest::collection::vec(0x20u8..=0xff, 0..40)),
                0..24,
            )
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in &fields {
                let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
                if let Ok(value) = HeaderValue::from_bytes(value) {
                    map.append(name, value);
                }
            }
            let copy = CapturedHeaders::from(&map);
            let ours: Vec<_> = copy.iter().collect();
            let theirs: Vec<_> = map.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
            proptest::prop_assert_eq!(ours, theirs);
            for name in map.keys() {
                let ours: Vec<_> = copy.get_all(&name.as_str().to_ascii_uppercase()).collect();
                let theirs: Vec<_> = map.get_all(name).iter().map(|v| v.as_bytes()).collect();
                proptest::prop_assert_eq!(ours, theirs);
            }
            proptest::prop_assert_eq!(copy.to_header_map(), map);
        }
    }

    #[test]
    fn text_fields_are_the_fields_with_their_values_checked() {
        let mut h = CapturedHeaders::new();
        h.append("a", b"plain");
        h.append("b", b"caf\xc3\xa9");
        h.append("x-long", &[b'v'; 200]);
        h.append("x-\u{e9}", b"\xc3");
        h.append("c", b"\xa9 split");
        h.append("d", b"");
        type Owned = Vec<(String, Result<String, Vec<u8>>)>;
        fn expect(h: &CapturedHeaders) -> Owned {
            h.iter()
                .map(|(n, v)| {
                    let v = std::str::from_utf8(v)
                        .map(str::to_owned)
                        .map_err(|_| v.to_vec());
                    (n.to_owned(), v)
                })
                .collect()
        }
        fn text(h: &CapturedHeaders) -> Owned {
            h.text_iter()
                .map(|(n, v)| (n.to_owned(), v.map(str::to_owned).map_err(<[u8]>::to_vec)))
                .collect()
        }
        // The whole buffer is not UTF-8 (a 200-byte length prefix; a value ending in a
        // lead byte followed by the next field): each field checked alone.
        assert_eq!(text(&h), expect(&h));
        let mut ascii = CapturedHeaders::new();
        ascii.append("host", b"example.com");
        ascii.append("x-e", "\u{e9}t\u{e9}".as_bytes());
        assert!(std::str::from_utf8(&ascii.buf).is_ok());
        assert_eq!(text(&ascii), expect(&ascii));
        // Valid as a whole, but a field's end splits a character: `get` refuses it.
        let mut split = CapturedHeaders::new();
        split.append("x", b"\xc3");
        split.buf.push(0xa9);
        assert_eq!(text(&split), [("x".to_owned(), Err(vec![0xc3]))]);
    }

    #[test]
    fn empty_has_no_fields_and_no_allocation() {
        let h = CapturedHeaders::from(&HeaderMap::new());
        assert!(h.is_empty());
        assert_eq!((h.len(), h.heap_size()), (0, 0));
        assert_eq!(format!("{h:?}"), "[]");
    }
}
