//! Why a spool could not be opened, and why a batch was not stored.

use std::io;
use std::path::PathBuf;

/// Why [`Spool::open`](super::Spool::open) failed. The integrator logs it and runs without
/// a spool (records then stay in memory, as without `APITOOLKIT_SPOOL_DIR`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpoolError {
    /// The directory is missing and could not be created.
    #[error("apitoolkit: spool directory {}: could not create it: {source}", path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The path exists and is not a directory.
    #[error("apitoolkit: spool directory {}: not a directory", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// No file can be created in the directory.
    #[error("apitoolkit: spool directory {}: not writable: {source}", path.display())]
    NotWritable {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Another live process (or another spool of this one) uses the directory.
    #[error(
        "apitoolkit: spool directory {}: in use by process {pid} (spool.lock); \
         give each process its own spool directory",
        path.display()
    )]
    Locked {
        /// The directory.
        path: PathBuf,
        /// The process holding it (0 if unknown).
        pid: u32,
    },
    /// The directory could not be listed.
    #[error("apitoolkit: spool directory {}: could not read it: {source}", path.display())]
    Scan {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

/// Why [`Spool::store`](super::Spool::store) refused a batch: the caller counts its
/// records dropped (`dropped_spool_full`), the reason says which limit was hit.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpoolDrop {
    /// Storing the batch would exceed the byte budget.
    #[error("spool budget full: {needed} bytes needed, {free} of {budget} free")]
    BudgetFull {
        /// Size of the file the batch needs (header included).
        needed: u64,
        /// Bytes left in the budget.
        free: u64,
        /// The budget.
        budget: u64,
    },
    /// The file system is full (or the user's quota is).
    #[error("spool disk full: {0}")]
    DiskFull(#[source] io::Error),
    /// Any other failure to write, sync or rename the file.
    #[error("spool write failed: {0}")]
    Write(#[source] io::Error),
}

impl SpoolDrop {
    /// A write error, told apart when the disk or quota is full.
    pub(super) fn from_io(e: io::Error) -> SpoolDrop {
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => SpoolDrop::DiskFull(e),
            _ => SpoolDrop::Write(e),
        }
    }
}
