//! JSON Lines: one `serde_json` line per record (exactly [`RequestMessage`]'s
//! serialisation), written and flushed once per batch.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::Attempt;
use crate::exchange::Exchange;
use crate::payload::RequestMessage;
use crate::record::build_message;
use crate::{Config, ConfigError};

#[derive(Debug)]
enum Sink {
    Stdout,
    File(File),
}

/// Writes batches to stdout or to a file opened in append mode.
#[derive(Debug)]
pub(crate) struct JsonlExporter {
    sink: Sink,
    buf: Vec<u8>,
}

impl JsonlExporter {
    pub(crate) fn stdout() -> JsonlExporter {
        JsonlExporter {
            sink: Sink::Stdout,
            buf: Vec::new(),
        }
    }

    /// Opens (creating if needed) `path` for appending.
    pub(crate) fn file(path: &Path) -> Result<JsonlExporter, ConfigError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| ConfigError::InvalidValue {
                origin: "APITOOLKIT_EXPORT".into(),
                value: format!("file:{}", path.display()),
                expected: format!("a file that can be opened for appending ({e})"),
            })?;
        Ok(JsonlExporter {
            sink: Sink::File(file),
            buf: Vec::new(),
        })
    }

    /// Builds, serialises and drops each record in turn: one line per record. A record
    /// that cannot be serialised fails the batch (counted lost, as any failed export).
    pub(crate) fn lines(
        &mut self,
        exchanges: &[Box<Exchange>],
        config: &Config,
    ) -> Result<Vec<u8>, String> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        for ex in exchanges {
            let m = build_message(ex, config);
            let start = buf.len();
            if let Err(e) = write_record(&mut buf, &m) {
                self.reclaim(buf);
                return Err(format!("serialising a record: {e}"));
            }
            if config.debug() {
                let line = String::from_utf8_lossy(&buf[start..]);
                tracing::debug!(payload = %line, "apitoolkit: record");
            }
            buf.push(b'\n');
        }
        Ok(buf)
    }

    /// Appends the lines and flushes.
    pub(crate) fn write(&mut self, lines: &[u8]) -> Attempt {
        let result = match &mut self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(lines).and_then(|()| out.flush())
            }
            Sink::File(f) => f.write_all(lines).and_then(|()| f.flush()),
        };
        match result {
            Ok(()) => Attempt::Done,
            Err(e) => Attempt::Permanent(format!("writing JSON lines: {e}")),
        }
    }

    /// Keeps the buffer of a delivered batch for the next one, unless a burst made it
    /// big (it is not held forever).
    pub(crate) fn reclaim(&mut self, lines: Vec<u8>) {
        if lines.capacity() <= 4 * 1024 * 1024 {
            self.buf = lines;
        }
    }
}

/// Writes `m` exactly as `serde_json::to_writer(m)` would, but copies the two base64
/// bodies verbatim when they hold nothing to escape (base64 never does), after a
/// vectorised check: the bodies are most of the bytes, and serde_json's escape scan goes
/// byte by byte. Any other text goes through serde_json.
fn write_record(out: &mut Vec<u8>, m: &RequestMessage) -> serde_json::Result<()> {
    fn key(out: &mut Vec<u8>, first: bool, name: &str) {
        if !first {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    }
    fn field<T: serde::Serialize + ?Sized>(
        out: &mut Vec<u8>,
        name: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        key(out, false, name);
        serde_json::to_writer(&mut *out, value)
    }
    fn body(out: &mut Vec<u8>, name: &str, b64: &str) -> serde_json::Result<()> {
        // serde_json escapes only `"`, `\` and control characters. The fold (no early
        // exit) lets the compiler check 32 bytes per instruction.
        let needs_escape = b64.bytes().fold(false, |seen, b| {
            seen | (b < 0x20) | (b == b'"') | (b == b'\\')
        });
        if needs_escape {
            return field(out, name, b64);
        }
        key(out, false, name);
        out.reserve(b64.len() + 2);
        out.push(b'"');
        out.extend_from_slice(b64.as_bytes());
        out.push(b'"');
        Ok(())
    }
    out.push(b'{');
    key(out, true, "timestamp");
    serde_json::to_writer(&mut *out, &m.timestamp)?;
    field(out, "duration", &m.duration)?;
    field(out, "host", &m.host)?;
    field(out, "method", &m.method)?;
    field(out, "url_path", &m.url_path)?;
    field(out, "raw_url", &m.raw_url)?;
    field(out, "path_params", &m.path_params)?;
    field(out, "query_params", &m.query_params)?;
    field(out, "proto_major", &m.proto_major)?;
    field(out, "proto_minor", &m.proto_minor)?;
    field(out, "status_code", &m.status_code)?;
    field(out, "referer", &m.referer)?;
    field(out, "request_headers", &m.request_headers)?;
    field(out, "response_headers", &m.response_headers)?;
    body(out, "request_body", &m.request_body)?;
    body(out, "response_body", &m.response_body)?;
    field(out, "project_id", &m.project_id)?;
    field(out, "sdk_type", &m.sdk_type)?;
    field(out, "service_version", &m.service_version)?;
    field(out, "tags", &m.tags)?;
    field(out, "msg_id", &m.msg_id)?;
    field(out, "parent_id", &m.parent_id)?;
    field(out, "errors", &m.errors)?;
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::write_record;
    use crate::payload::{ErrorEntry, RequestMessage, SdkType};

    fn message(body: &str) -> RequestMessage {
        RequestMessage {
            timestamp: "2026-06-19T10:15:30.123456789Z".into(),
            duration: 1_530_000,
            host: "api.example.com".into(),
            method: "POST".into(),
            url_path: "/users/{id}".into(),
            raw_url: "/users/42?q=\"quoted\"&u=\u{e9}".into(),
            path_params: [("id".to_owned(), "42".to_owned())].into(),
            query_params: [("q".to_owned(), vec!["a\nb".to_owned(), "\u{1}".to_owned()])].into(),
            proto_major: 1,
            proto_minor: 1,
            status_code: 201,
            referer: String::new(),
            request_headers: [("x-a".to_owned(), vec!["1".to_owned()])].into(),
            response_headers: Default::default(),
            request_body: body.into(),
            response_body: "eyJpZCI6NDJ9".into(),
            project_id: String::new(),
            sdk_type: SdkType::RustAxum,
            service_version: Some("v2".into()),
            tags: vec!["env:prod".into()],
            msg_id: "8d3b0c2e-5a2f-4c1e-9d61-0f3c2b7a9e11".into(),
            parent_id: None,
            errors: vec![ErrorEntry::from_message("E", "bad \"thing\"")],
        }
    }

    #[test]
    fn output_is_byte_identical_to_serde_json() {
        // A real base64 body, a body field that is not base64 (a hand-built record) with
        // characters to escape, and one with non-ASCII text and nothing to escape.
        for body in [
            "eyJuYW1lIjoiQW5uIn0=",
            "not \"base64\" \u{7f}\n",
            "back\\slash",
            "caf\u{e9} +/= \u{1f600}",
        ] {
            let m = message(body);
            let mut ours = Vec::new();
            write_record(&mut ours, &m).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&m).unwrap()
            );
        }
    }
}
