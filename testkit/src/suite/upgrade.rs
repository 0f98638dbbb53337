//! A websocket upgrade through the SDK: the handshake and the frames after it pass
//! untouched; the exchange is recorded as a 101, its body empty or, where the framework
//! streams the frames as the 101's body, exactly those frames
//! ([`Adapter::UPGRADED_BYTES_ARE_THE_BODY`]).

use apitoolkit_core::testing::body_bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Adapter;
use crate::{
    parse_response_head, ws_client_text_frame, ws_parse_server_frame, ws_upgrade_request, WS_ACCEPT,
};

/// The upgrade is answered with 101 and the right `sec-websocket-accept`; text frames
/// go both ways after it; the record is a 101 `GET /ws` whose response body is empty (or
/// exactly the frames the server sent, see [`Adapter::UPGRADED_BYTES_ARE_THE_BODY`]).
pub async fn websocket_upgrade_passes_through_untouched<A: Adapter>() {
    let app = A::spawn(Box::new(|b| {
        b.redact_request_body(crate::BAD_INPUT_REQUEST_PATHS)
            .redact_response_body(crate::BAD_INPUT_RESPONSE_PATHS)
    }))
    .await;
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    conn.write_all(ws_upgrade_request("/ws").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (status, headers, head_len) = loop {
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(n > 0, "server closed during the handshake");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head) = parse_response_head(&buf) {
            break head;
        }
    };
    assert_eq!(status, 101);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("sec-websocket-accept"), Some(WS_ACCEPT));
    assert_eq!(
        header("upgrade").map(str::to_ascii_lowercase).as_deref(),
        Some("websocket")
    );
    buf.drain(..head_len);

    let mut from_server = Vec::new();
    for text in ["hello", "second frame"] {
        conn.write_all(&ws_client_text_frame(text)).await.unwrap();
        let (opcode, payload, used) = loop {
            if let Some(frame) = ws_parse_server_frame(&buf) {
                break frame;
            }
            let n = conn.read(&mut chunk).await.unwrap();
            assert!(n > 0, "server closed the websocket");
            buf.extend_from_slice(&chunk[..n]);
        };
        from_server.extend(buf.drain(..used));
        assert_eq!(opcode, 1, "a text frame");
        assert_eq!(payload, format!("echo: {text}").as_bytes());
    }
    drop(conn);
    let r = app.record().await;
    assert_eq!(r.status_code, 101);
    assert_eq!(r.method, "GET");
    assert_eq!(r.url_path, "/ws");
    if A::UPGRADED_BYTES_ARE_THE_BODY {
        assert_eq!(body_bytes(&r.response_body), from_server);
    } else {
        assert_eq!(r.response_body, "");
    }
    assert_eq!(r.request_headers["upgrade"], ["websocket"]);
}
