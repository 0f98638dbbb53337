//! Route templates: deriving `path_params` from a template and a concrete path, in the
//! syntaxes of axum (`/users/{id}`, `/files/{*rest}`) and actix-web (`/users/{id}`,
//! `/users/{id:\d+}`, `/files/{tail}*`, `/files/{tail:.*}`).

use std::borrow::Cow;

/// One path parameter: name, value.
pub(crate) type Param<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Path parameters in route order: the first one inline (most routes have at most one),
/// any others in a list, so that a record of such a route allocates nothing for them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Params<'a> {
    first: Option<Param<'a>>,
    /// Empty unless `first` is set.
    rest: Vec<Param<'a>>,
}

impl<'a> Params<'a> {
    /// Adds a parameter after the others.
    pub(crate) fn push(&mut self, param: Param<'a>) {
        match self.first {
            None => self.first = Some(param),
            Some(_) => self.rest.push(param),
        }
    }

    /// Whether there is none.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The parameter when there is exactly one.
    pub(crate) fn only(&self) -> Option<&Param<'a>> {
        self.first.as_ref().filter(|_| self.rest.is_empty())
    }

    /// The parameters in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Param<'a>> {
        self.first.iter().chain(&self.rest)
    }

    /// The parameters in order, to change their values.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Param<'a>> {
        self.first.iter_mut().chain(&mut self.rest)
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = Param<'a>;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<Param<'a>>, std::vec::IntoIter<Param<'a>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

impl<'a> FromIterator<Param<'a>> for Params<'a> {
    fn from_iter<I: IntoIterator<Item = Param<'a>>>(iter: I) -> Self {
        let mut params = Params::default();
        for param in iter {
            params.push(param);
        }
        params
    }
}

/// Matches `path` against `template` segment by segment and returns the captured
/// parameters in template order, percent-decoded (borrowed from `template` and `path`
/// unless a value had escapes; names always borrowed, as the record's fields take them).
/// Returns an empty list when the path does not fit the
/// template. Byte searches only: every delimiter is ASCII, so every split is on a
/// character boundary.
pub(crate) fn path_params<'a>(template: &'a str, path: &'a str) -> Params<'a> {
    let mut out = Params::default();
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
                return Params::default();
            }
            p_rest = rest;
            continue;
        };
        let Some(close) = t.bytes().rposition(|b| b == b'}') else {
            return Params::default();
        };
        if close < open {
            // `}` before the first `{`: `&t[open + 1..close]` would be out of order.
            return Params::default();
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
            return Params::default();
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
    // Without a `%` the decoded text is `s` itself.
    if find(s, b'%').is_none() {
        return Cow::Borrowed(s);
    }
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
    fn params_keep_their_order_inline_or_not() {
        let mut params = super::Params::default();
        assert!(params.is_empty() && params.only().is_none());
        params.push(("a".into(), "1".into()));
        assert_eq!(params.only(), Some(&("a".into(), "1".into())));
        params.push(("b".into(), "2".into()));
        params.push(("c".into(), "3".into()));
        assert!(params.only().is_none() && !params.is_empty());
        for (_, v) in params.iter_mut() {
            *v = v.to_uppercase().into();
        }
        let names: Vec<_> = params.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        let all: Vec<_> = params.into_iter().map(|(_, v)| v.into_owned()).collect();
        assert_eq!(all, ["1", "2", "3"]);
        assert_eq!(
            pp("/{a}/{b}", "/x%2/y%zz"),
            [("a".into(), "x%2".into()), ("b".into(), "y%zz".into())]
        );
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
