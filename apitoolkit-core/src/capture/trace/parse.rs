//! Parsing `traceparent` and `tracestate` as W3C Trace Context level 1 says (§3.2, §3.3),
//! including the forward-compatibility rules for versions above `00`.

/// A valid `traceparent`: the caller's trace id, span id and trace flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Traceparent {
    /// The trace id (not all zeros).
    pub(crate) trace_id: [u8; 16],
    /// The caller's span id, our parent (not all zeros).
    pub(crate) span_id: [u8; 8],
    /// The trace flags (for a version above `00`, only the sampled bit is kept).
    pub(crate) flags: u8,
}

/// Parses one `traceparent` value; `None` when it is invalid: not
/// `version-traceid-parentid-flags` in lower-case hex with those lengths, version `ff`,
/// an all-zero id, or (version `00`) anything after the flags. A higher version may
/// carry more fields after a `-`; they are ignored. Spaces and tabs around the value are
/// allowed.
pub(crate) fn parse_traceparent(value: &[u8]) -> Option<Traceparent> {
    let v = trim_ows(value);
    if v.len() < 55 || v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return None;
    }
    let version = hex_byte(&v[0..2])?;
    if version == 0xff {
        return None;
    }
    let mut trace_id = [0u8; 16];
    hex_into(&v[3..35], &mut trace_id)?;
    let mut span_id = [0u8; 8];
    hex_into(&v[36..52], &mut span_id)?;
    let flags = hex_byte(&v[53..55])?;
    let rest_ok = match version {
        0 => v.len() == 55,
        _ => v.len() == 55 || v[55] == b'-',
    };
    if !rest_ok || trace_id == [0; 16] || span_id == [0; 8] {
        return None;
    }
    Some(Traceparent {
        trace_id,
        span_id,
        flags: if version == 0 { flags } else { flags & 0x01 },
    })
}

/// Most list members a `tracestate` may hold.
const MAX_MEMBERS: usize = 32;

/// Parses the `tracestate` values (every header occurrence, joined as one list): the
/// members, trimmed and joined by `,`, or `None` when the list is empty or invalid (a
/// malformed key or value, a duplicated key, more than 32 members), which drops it.
pub(crate) fn parse_tracestate<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    let mut members: Vec<&[u8]> = Vec::new();
    for value in values {
        for member in value.split(|&b| b == b',') {
            let member = trim_ows(member);
            if member.is_empty() {
                continue;
            }
            let eq = member.iter().position(|&b| b == b'=')?;
            let (key, val) = (&member[..eq], &member[eq + 1..]);
            if !valid_key(key) || !valid_value(val) {
                return None;
            }
            if members
                .iter()
                .any(|m| m.starts_with(key) && m.get(key.len()) == Some(&b'='))
            {
                return None;
            }
            members.push(member);
            if members.len() > MAX_MEMBERS {
                return None;
            }
        }
    }
    if members.is_empty() {
        return None;
    }
    let joined = members.join(&b","[..]);
    String::from_utf8(joined).ok()
}

fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |e| e + 1);
    &v[start..end]
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    Some(hex_digit(two[0])? << 4 | hex_digit(two[1])?)
}

fn hex_into(text: &[u8], out: &mut [u8]) -> Option<()> {
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *o = hex_byte(pair)?;
    }
    Some(())
}

/// `simple-key` (`lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/")`) or
/// `multi-tenant-key` (`tenant-id "@" system-id`).
fn valid_key(key: &[u8]) -> bool {
    let rest = |s: &[u8]| {
        s.iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/".contains(&b))
    };
    match key.iter().position(|&b| b == b'@') {
        None => {
            key.len() <= 256 && key.first().is_some_and(u8::is_ascii_lowercase) && rest(&key[1..])
        }
        Some(at) => {
            let (tenant, system) = (&key[..at], &key[at + 1..]);
            (1..=241).contains(&tenant.len())
                && tenant
                    .first()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && rest(&tenant[1..])
                && (1..=14).contains(&system.len())
                && system.first().is_some_and(u8::is_ascii_lowercase)
                && rest(&system[1..])
        }
    }
}

/// `0*255(chr) nblk-chr`: printable ASCII without `,` and `=`, spaces inside only.
fn valid_value(value: &[u8]) -> bool {
    let nblk = |b: u8| (0x21..=0x7e).contains(&b) && b != b',' && b != b'=';
    (1..=256).contains(&value.len())
        && value.last().is_some_and(|&b| nblk(b))
        && value.iter().all(|&b| b == b' ' || nblk(b))
}
