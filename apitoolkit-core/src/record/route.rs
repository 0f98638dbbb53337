//! Route templates: deriving `path_params` from a template and a concrete path, in the
//! syntaxes of axum (`/users/{id}`, `/files/{*rest}`) and actix-web (`/users/{id}`,
//! `/users/{id:\d+}`, `/files/{tail}*`, `/files/{tail:.*}`).

/// Matches `path` against `template` segment by segment and returns the captured
/// parameters in template order, percent-decoded. Returns an empty list when the path
/// does not fit the template.
pub(crate) fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut t_segs = template.trim_start_matches('/').split('/');
    let mut p_rest = path.trim_start_matches('/');
    loop {
        let Some(t) = t_segs.next() else {
            return out;
        };
        let (p, rest) = p_rest.split_once('/').unwrap_or((p_rest, ""));
        let Some(open) = t.find('{') else {
            if t != p {
                return Vec::new();
            }
            p_rest = rest;
            continue;
        };
        let Some(close) = t.rfind('}') else {
            return Vec::new();
        };
        let (prefix, suffix) = (&t[..open], &t[close + 1..]);
        let inner = &t[open + 1..close];
        let (name, pattern) = inner.split_once(':').unwrap_or((inner, ""));
        let catch_all =
            name.starts_with('*') || suffix == "*" || pattern == ".*" || pattern == ".+";
        let name = name.trim_start_matches('*');
        if catch_all {
            out.push((
                name.to_owned(),
                decode(p_rest.strip_prefix(prefix).unwrap_or(p_rest)),
            ));
            return out;
        }
        let Some(value) = p.strip_prefix(prefix).and_then(|v| v.strip_suffix(suffix)) else {
            return Vec::new();
        };
        out.push((name.to_owned(), decode(value)));
        p_rest = rest;
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::path_params;

    fn pp(t: &str, p: &str) -> Vec<(String, String)> {
        path_params(t, p)
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
        assert!(pp("/users/{id}", "/other/1").is_empty());
    }
}
