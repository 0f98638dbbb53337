//! The tools' list arguments: a JSON array of strings, or items separated by commas
//! (commas inside brackets, parentheses or quotes do not separate, so
//! `$['a','b'],$.c` is two paths).

/// Parses a list argument; `Err` says why it is not a JSON array of strings.
pub(super) fn parse(value: &str) -> Result<Vec<String>, String> {
    let trimmed = value.trim();
    if trimmed.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(trimmed)
            .map_err(|e| format!("not a JSON array of strings ({e})"));
    }
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in trimmed.char_indices() {
        if let Some(q) = quote {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, c) if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&trimmed[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&trimmed[start..]);
    Ok(items
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn json_arrays_and_comma_lists() {
        assert_eq!(parse(r#"["$.a", "$.b"]"#).unwrap(), ["$.a", "$.b"]);
        assert_eq!(
            parse("$['a','b'], $.c ,,$[?(@.x == 'y,z')]").unwrap(),
            ["$['a','b']", "$.c", "$[?(@.x == 'y,z')]"]
        );
        assert_eq!(parse("x-secret").unwrap(), ["x-secret"]);
        assert!(parse("[1, 2]").is_err());
    }
}
