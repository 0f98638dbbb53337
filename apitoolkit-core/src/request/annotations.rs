//! What a handler says about its request (docs/PROTOCOL.md §6, "From handlers"): tags,
//! attributes, the user, skipping the record, and turning body capture off. Bounded, so
//! that a handler that annotates in a loop cannot grow memory.

/// Most tags a request adds.
pub const MAX_REQUEST_TAGS: usize = 32;
/// Most attributes a request sets (the user id included).
pub const MAX_REQUEST_ATTRIBUTES: usize = 32;
/// Longest tag, attribute key or value kept, in bytes (longer ones are cut on a
/// character boundary).
pub const MAX_ANNOTATION_BYTES: usize = 1024;

/// Attribute keys the record's own fields use: refused.
const RESERVED: [&str; 3] = ["http.", "apitoolkit.", "net."];

/// The annotations of one request.
#[derive(Debug, Default)]
pub(crate) struct Annotations {
    pub(crate) tags: Vec<String>,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) skip: bool,
}

impl Annotations {
    pub(crate) fn add_tag(&mut self, tag: &str) {
        if self.tags.len() < MAX_REQUEST_TAGS && !tag.is_empty() {
            self.tags.push(cut(tag).to_owned());
        }
    }

    /// Sets `key` (replacing an earlier value); returns false when the key is empty or
    /// reserved, or the limit is reached.
    pub(crate) fn set_attribute(&mut self, key: &str, value: &str) -> bool {
        let key = cut(key);
        if key.is_empty() || RESERVED.iter().any(|r| key.starts_with(r)) {
            return false;
        }
        let value = cut(value).to_owned();
        if let Some(slot) = self.attributes.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
            return true;
        }
        if self.attributes.len() >= MAX_REQUEST_ATTRIBUTES {
            return false;
        }
        self.attributes.push((key.to_owned(), value));
        true
    }
}

fn cut(s: &str) -> &str {
    if s.len() <= MAX_ANNOTATION_BYTES {
        return s;
    }
    let mut end = MAX_ANNOTATION_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_reserved() {
        let mut a = Annotations::default();
        for i in 0..100 {
            a.add_tag(&format!("t{i}"));
            a.set_attribute(&format!("k{i}"), "v");
        }
        assert_eq!((a.tags.len(), a.attributes.len()), (32, 32));
        let mut a = Annotations::default();
        assert!(!a.set_attribute("http.route", "x"));
        assert!(!a.set_attribute("apitoolkit.msg_id", "x"));
        assert!(!a.set_attribute("", "x"));
        assert!(a.set_attribute("plan", "free"));
        assert!(a.set_attribute("plan", "pro"));
        assert_eq!(a.attributes, [("plan".to_owned(), "pro".to_owned())]);
        a.add_tag(&"é".repeat(600));
        assert!(a.tags[0].len() <= MAX_ANNOTATION_BYTES);
    }
}
