//! Route templates: deriving `path_params` from a template and a concrete path, in the
//! syntaxes of axum (`/users/{id}`, `/files/{*rest}`) and actix-web (`/users/{id}`,
//! `/users/{id:\d+}`, `/files/{tail}*`, `/files/{tail:.*}`).

use std::borrow::Cow;

/// Matches `path` against `template` segment by segment and returns the captured
/// parameters in template order, percent-decoded (borrowed from `template` and `path`
/// unless a value had escapes; names always borrowed, as the record's fields take them).
/// Returns an empty list when the path does not fit the
/// template. Byte searches only: every delimiter is ASCII, so every split is on a
/// character boundary.
pub(crate) fn path_params<'a>(
    template: &'a str,
    path: &'a str,
) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let mut out = Vec::new();
    let mut t_rest = template.trim_start_matches('/');
    let mut p_rest = path.trim_start_matches('/');
    let mut t_done = false;
    loop {
        if t_done {
            return out;
        }
        let t = match find(t_rest, b'/') {
            Some(i) => {
                let t = &t_rest[..i];
                t_rest = &t_rest[i + 1..];
                t
            }
            None => {
                t_done = true;
                t_rest
            }
        };
        let (p, rest) = match find(p_rest, b'/') {
            Some(i) => (&p_rest[..i], &p_rest[i + 1..]),
            None => (p_rest, ""),
        };
        let Some(open) = find(t, b'{') else {
            if t != p {
                return Vec::new();
            }
            p_rest = rest;
            continue;
        };
        let Some(close) = t.bytes().rposition(|b| b == b'}') else {
            return Vec::new();
        };
        if close < open {
            // `}` before the first `{`: `&t[open + 1..close]` would be out of order.
            return Vec::new();
        }
        let (prefix, suffix) = (&t[..open], &t[close + 1..]);
        let inner = &t[open + 1..close];
        let (name, pattern) = match find(inner, b':') {
            Some(i) => (&inner[..i], &inner[i + 1..]),
            None => (inner, ""),
        };
        let catch_all =
            name.starts_with('*') || suffix == "*" || pattern == ".*" || pattern == ".+";
        let name = name.trim_start_matches('*');
        if catch_all {
            out.push((
                Cow::Borrowed(name),
                decode(p_rest.strip_prefix(prefix).unwrap_or(p_rest)),
            ));
            return out;
        }
        let Some(value) = p.strip_prefix(prefix).and_then(|v| v.strip_suffix(suffix)) else {
            return Vec::new();
        };
        out.push((Cow::Borrowed(name), decode(value)));
        p_rest = rest;
    }
}

/// The first `byte` (ASCII) of `s`: a plain loop, cheaper than `memchr`'s set-up on
/// segments of a few bytes.
fn find(s: &str, byte: u8) -> Option<usize> {
    s.bytes().position(|b| b == byte)
}

fn decode(s: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::path_params;

    fn pp(t: &str, p: &str) -> Vec<(String, String)> {
        path_params(t, p)
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn axum_and_actix_templates() {
        assert_eq!(pp("/users/{id}", "/users/42"), [("id".into(), "42".into())]);
        assert_eq!(
            pp("/{slug}/test", "/slug-value/test"),
            [("slug".into(), "slug-value".into())]
        );
        assert_eq!(
            pp("/a/{x}/b/{y}", "/a/1/b/two%20words"),
            [("x".into(), "1".into()), ("y".into(), "two words".into())]
        );
        assert_eq!(
            pp("/users/{id:\\d+}", "/users/7"),
            [("id".into(), "7".into())]
        );
        assert_eq!(
            pp("/files/{*rest}", "/files/a/b.txt"),
            [("rest".into(), "a/b.txt".into())]
        );
        assert_eq!(
            pp("/files/{tail}*", "/files/a/b"),
            [("tail".into(), "a/b".into())]
        );
        assert_eq!(
            pp("/f/{name}.txt", "/f/report.txt"),
            [("name".into(), "report".into())]
        );
        assert!(pp("/users", "/users").is_empty());
        assert!(pp("/a}{b", "/x").is_empty(), "a `}}` before the only `{{`");
        assert_eq!(
            pp("/{a}//{b}/", "/1//2%2F3/"),
            [("a".into(), "1".into()), ("b".into(), "2/3".into())]
        );
        assert!(pp("/users/{id}", "/other/1").is_empty());
    }
}
