//! JSON Lines: one line per record (exactly `serde_json` of its
//! [`RequestMessage`](crate::RequestMessage), written by [`write_json`] without building
//! it), written and flushed once per batch.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use super::Attempt;
use crate::capture::exchange::Exchange;
use crate::record::write_json;
use crate::{Config, ConfigError};

#[derive(Debug)]
enum Sink {
    Stdout,
    File(File),
}

/// Writes batches to stdout or to a file opened in append mode.
/// Where the lines go; clones write to the same place, one batch at a time.
#[derive(Debug, Clone)]
pub(crate) struct JsonlSink(Arc<Mutex<Sink>>);

#[derive(Debug)]
pub(crate) struct JsonlExporter {
    sink: JsonlSink,
    buf: Vec<u8>,
}

impl JsonlExporter {
    pub(crate) fn stdout() -> JsonlExporter {
        JsonlExporter {
            sink: JsonlSink(Arc::new(Mutex::new(Sink::Stdout))),
            buf: Vec::new(),
        }
    }

    /// Opens (creating if needed) `path` for appending. On unix a created file gets
    /// mode `0600`, as the spool's files: the records hold request data. An existing
    /// file keeps its mode (the mode of `open` applies only to a file it creates).
    pub(crate) fn file(path: &Path) -> Result<JsonlExporter, ConfigError> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| ConfigError::InvalidValue {
            origin: "APITOOLKIT_EXPORT".into(),
            value: format!("file:{}", path.display()),
            expected: format!("a file that can be opened for appending ({e})"),
        })?;
        Ok(JsonlExporter {
            sink: JsonlSink(Arc::new(Mutex::new(Sink::File(file)))),
            buf: Vec::new(),
        })
    }

    /// Writes each record in turn: one line per record. A record that cannot be
    /// serialised fails the batch (counted lost, as any failed export).
    pub(crate) fn lines(
        &mut self,
        exchanges: &[Box<Exchange>],
        config: &Config,
    ) -> Result<Vec<u8>, String> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        for ex in exchanges {
            let start = buf.len();
            if let Err(e) = write_json(ex, config, &mut buf) {
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

    /// The sink the lines are written to.
    pub(crate) fn sink(&self) -> JsonlSink {
        self.sink.clone()
    }

    /// Keeps the buffer of a delivered batch for the next one, unless a burst made it
    /// big (it is not held forever).
    pub(crate) fn reclaim(&mut self, lines: Vec<u8>) {
        if lines.capacity() <= 4 * 1024 * 1024 {
            self.buf = lines;
        }
    }
}

impl JsonlSink {
    /// Appends a batch's lines and flushes (a write error is permanent: the batch is not retried).
    pub(crate) fn write(&self, lines: &[u8]) -> Attempt {
        let mut sink = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let result = match &mut *sink {
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
}
