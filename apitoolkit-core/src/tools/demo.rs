//! The quickstarts' `--demo` output: each record as a readable block
//! ([`record::readable`](crate::record::readable)), then where the records would go.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::Export;
use crate::model::RequestMessage;
use crate::record::readable;
use crate::ConfigBuilder;

/// Shown after the blocks: the records went nowhere, and how to send them.
pub const WHERE_RECORDS_GO: &str = "\
These records were not sent anywhere. To ship them to APItoolkit, set
APITOOLKIT_KEY=<your API key> (OTLP to https://otelcol.apitoolkit.io:4317). For the raw
JSON Lines on stdout instead of these blocks, set APITOOLKIT_EXPORT=stdout (or
APITOOLKIT_EXPORT=file:PATH to append them to a file).
";

/// Collects the demo's records to print them as readable blocks, unless the environment
/// chose an exporter (`APITOOLKIT_EXPORT`, or `APITOOLKIT_KEY` for OTLP): then the
/// configuration is left alone and the records go there (`APITOOLKIT_EXPORT=stdout`
/// still prints raw JSON Lines).
#[derive(Debug, Clone)]
pub struct DemoOutput {
    records: Option<Arc<Mutex<Vec<RequestMessage>>>>,
}

impl DemoOutput {
    /// Decides from the process environment.
    pub fn from_env() -> DemoOutput {
        DemoOutput::with_env(|name| std::env::var(name).ok())
    }

    /// Decides from `env` (a blank value counts as unset, as for the configuration).
    pub fn with_env(env: impl Fn(&str) -> Option<String>) -> DemoOutput {
        let set = |name: &str| env(name).is_some_and(|v| !v.trim().is_empty());
        let chosen = set("APITOOLKIT_EXPORT") || set("APITOOLKIT_KEY");
        DemoOutput {
            records: (!chosen).then(Arc::default),
        }
    }

    /// Whether the records are printed as readable blocks.
    pub fn is_readable(&self) -> bool {
        self.records.is_some()
    }

    /// Makes the configuration hand the records to this output when it is readable.
    pub fn configure(&self, builder: ConfigBuilder) -> ConfigBuilder {
        match &self.records {
            None => builder,
            Some(records) => {
                let records = Arc::clone(records);
                builder.export(Export::Callback(Arc::new(
                    move |batch: &[RequestMessage]| {
                        records
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .extend_from_slice(batch);
                    },
                )))
            }
        }
    }

    /// The records received so far.
    pub fn records(&self) -> Vec<RequestMessage> {
        self.records.as_ref().map_or_else(Vec::new, |r| {
            r.lock().unwrap_or_else(PoisonError::into_inner).clone()
        })
    }

    /// Writes the records received so far as blocks, then [`WHERE_RECORDS_GO`]. Writes
    /// nothing when the environment chose an exporter.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if !self.is_readable() {
            return Ok(());
        }
        let records = self.records();
        out.write_all(readable::blocks(&records).as_bytes())?;
        writeln!(
            out,
            "{} records, as they would be shipped (redacted; bodies decoded).",
            records.len()
        )?;
        out.write_all(WHERE_RECORDS_GO.as_bytes())?;
        out.flush()
    }
}
