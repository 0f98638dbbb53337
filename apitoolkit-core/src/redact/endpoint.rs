//! Our own endpoints (the OTLP collector) as they may appear in logs, `Debug` prints and
//! errors: without userinfo, query or fragment. Unlike [`scrub_urls`](super::scrub_urls),
//! which masks named parameters in the URLs a record ships, this drops everything that
//! may carry a credential: an endpoint's query is never needed to tell which one it is.

/// An endpoint as it may appear in a log line, a `Debug` print or an error: without
/// userinfo (`user:password@`), query or fragment, which may carry credentials.
///
/// A URL is shown as `scheme://host[:port]/path`. Text that does not parse as one, or
/// has an `@` past its authority, is cut failing closed: everything between `://` (or
/// the start) and the last `@` goes, then everything from the first `?` or `#`.
pub(crate) fn shown_endpoint(endpoint: &str) -> String {
    let text = endpoint.trim();
    if let Ok(uri) = text.parse::<::http::Uri>() {
        if let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) {
            // An `@` outside the authority may end a userinfo the parser cut short
            // (a password holding `/` or `?`): then the text is cut instead.
            let outside = uri.authority().map_or(0, |a| a.as_str().len()) + scheme.len() + 3;
            if !text.get(outside..).unwrap_or("@").contains('@') {
                let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
                let after_scheme = text.split_once("://").map_or("", |(_, r)| r);
                let path = if after_scheme.contains('/') {
                    uri.path()
                } else {
                    ""
                };
                return format!("{scheme}://{host}{port}{path}");
            }
        }
    }
    let (scheme, rest) = match text.find("://") {
        Some(i) => text.split_at(i + 3),
        None => ("", text),
    };
    let rest = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    let rest = rest.find(['?', '#']).map_or(rest, |end| &rest[..end]);
    format!("{scheme}{rest}")
}

/// The endpoint the transports connect to: without userinfo, which neither transport
/// sends as credentials (use `OTEL_EXPORTER_OTLP_HEADERS` for an `authorization`
/// header), and which would otherwise go into `Host`/`:authority` and into the HTTP
/// client's own trace logs.
pub(crate) fn without_userinfo(endpoint: &str) -> String {
    let text = endpoint.trim();
    let Some(i) = text.find("://") else {
        return text.to_owned();
    };
    let (scheme, rest) = text.split_at(i + 3);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// `text` with every URL in it (`scheme://...` up to a blank or a quote) shown as
/// [`shown_endpoint`] shows it: for transport errors, which may quote the URL they
/// failed on.
pub(crate) fn shown_endpoints_in(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let ends_url = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |j| j + 1);
        let end = rest[i..].find(ends_url).map_or(rest.len(), |j| i + j);
        // Punctuation closing the URL in prose (`(url): ...`) is kept after it.
        let url = rest[start..end].trim_end_matches([')', ']', '}', ',', '.', ';', ':']);
        out.push_str(&rest[..start]);
        out.push_str(&shown_endpoint(url));
        out.push_str(&rest[start + url.len()..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_shown_without_userinfo_query_or_fragment() {
        let cases = [
            (
                "https://otelcol.apitoolkit.io:4317",
                "https://otelcol.apitoolkit.io:4317",
            ),
            ("http://u:pw@127.0.0.1:9/x?k=q#f", "http://127.0.0.1:9/x"),
            (" http://u:pw@h/?k=q ", "http://h/"),
            ("http://h:1?next=/a@b", "http://b"),
            ("http://h:1/x?next=/a", "http://h:1/x"),
            ("http://[::1]:4318/otlp", "http://[::1]:4318/otlp"),
            ("http://u:p/w@host/x?k=q", "http://host/x"),
            ("http://u:p?w@host/x", "http://host/x"),
            ("http://u:pw@[::1/x?k=q", "http://[::1/x"),
            ("u:pw@host/x?k=q", "host/x"),
            ("not a url ?k=q", "not a url "),
        ];
        for (endpoint, shown) in cases {
            assert_eq!(shown_endpoint(endpoint), shown, "{endpoint}");
        }
    }

    #[test]
    fn urls_inside_error_texts_are_scrubbed() {
        assert_eq!(
            shown_endpoints_in(
                "error sending request for url (http://u:pw@h:1/v1/traces?k=q): refused"
            ),
            "error sending request for url (http://h:1/v1/traces): refused"
        );
        assert_eq!(
            shown_endpoints_in("a \"https://x@h/p#frag\" and grpc+tls://u:p@g:1 end"),
            "a \"https://h/p\" and grpc+tls://g:1 end"
        );
        assert_eq!(shown_endpoints_in("no url here"), "no url here");
    }

    #[test]
    fn transports_get_the_endpoint_without_userinfo() {
        assert_eq!(
            without_userinfo("http://u:pw@h:1/x?k=q"),
            "http://h:1/x?k=q"
        );
        assert_eq!(without_userinfo("http://h:1/a@b"), "http://h:1/a@b");
        assert_eq!(without_userinfo("https://h"), "https://h");
    }
}
