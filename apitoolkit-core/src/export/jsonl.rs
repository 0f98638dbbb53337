//! JSON Lines: one `serde_json` line per record (exactly [`RequestMessage`]'s
//! serialisation), written and flushed once per batch.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::Attempt;
use crate::payload::RequestMessage;
use crate::ConfigError;

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

    pub(crate) fn export(&mut self, records: &[RequestMessage]) -> Attempt {
        self.buf.clear();
        for r in records {
            if let Err(e) = serde_json::to_writer(&mut self.buf, r) {
                return Attempt::Permanent(format!("serialising a record: {e}"));
            }
            self.buf.push(b'\n');
        }
        let result = match &mut self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(&self.buf).and_then(|()| out.flush())
            }
            Sink::File(f) => f.write_all(&self.buf).and_then(|()| f.flush()),
        };
        // Keep a big buffer from one burst from being held forever.
        if self.buf.capacity() > 4 * 1024 * 1024 {
            self.buf = Vec::new();
        }
        match result {
            Ok(()) => Attempt::Done,
            Err(e) => Attempt::Permanent(format!("writing JSON lines: {e}")),
        }
    }
}
