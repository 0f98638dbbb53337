//! Raw HTTP/1.1 and websocket helpers (RFC 6455 handshake and short frames).

/// The `Sec-WebSocket-Key` of RFC 6455's example handshake.
pub const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// The `Sec-WebSocket-Accept` a server must answer to [`WS_KEY`].
pub const WS_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The raw HTTP/1.1 upgrade request for `path` with [`WS_KEY`].
pub fn ws_upgrade_request(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nhost: test\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-key: {WS_KEY}\r\nsec-websocket-version: 13\r\n\r\n"
    )
}

/// A masked client text frame (FIN set) carrying `text` (< 126 bytes).
pub fn ws_client_text_frame(text: &str) -> Vec<u8> {
    assert!(text.len() < 126, "short frames only");
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut f = vec![0x81, 0x80 | text.len() as u8];
    f.extend_from_slice(&mask);
    f.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Parses one unmasked server frame with a payload < 126 bytes at the start of `buf`:
/// `(opcode, payload, frame length)`, or `None` when `buf` does not hold a whole frame yet.
pub fn ws_parse_server_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, rest) = buf.split_first()?;
    let (&b1, rest) = rest.split_first()?;
    assert_eq!(b1 & 0x80, 0, "server frames are not masked");
    let len = usize::from(b1 & 0x7f);
    assert!(len < 126, "short frames only");
    let payload = rest.get(..len)?;
    Some((b0 & 0x0f, payload.to_vec(), 2 + len))
}

/// Parses one masked client frame with a payload < 126 bytes at the start of `buf`:
/// `(opcode, unmasked payload, frame length)`, or `None` when `buf` does not hold a
/// whole frame yet.
pub fn ws_parse_client_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, rest) = buf.split_first()?;
    let (&b1, rest) = rest.split_first()?;
    assert_eq!(b1 & 0x80, 0x80, "client frames are masked");
    let len = usize::from(b1 & 0x7f);
    assert!(len < 126, "short frames only");
    let mask = rest.get(..4)?;
    let payload = rest.get(4..4 + len)?;
    let payload = payload
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    Some((b0 & 0x0f, payload, 6 + len))
}

/// An unmasked server text frame (FIN set) carrying `text` (< 126 bytes).
pub fn ws_server_text_frame(text: &str) -> Vec<u8> {
    assert!(text.len() < 126, "short frames only");
    let mut f = vec![0x81, text.len() as u8];
    f.extend_from_slice(text.as_bytes());
    f
}

/// A parsed response head: status, lower-cased `(name, value)` headers, head length.
pub type ResponseHead = (u16, Vec<(String, String)>, usize);

/// Splits a raw HTTP/1.1 response head (up to `\r\n\r\n`) into the status code and the
/// lower-cased headers; `None` until the head is complete. Also returns the head length.
pub fn parse_response_head(buf: &[u8]) -> Option<ResponseHead> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((status, headers, end))
}
