//! Opening a spool directory: creating it, and building the index from the files there.

use std::collections::VecDeque;
use std::fs::{self, DirBuilder, File};
use std::io::{self, Read as _};
use std::path::Path;

use super::format::{self, Header, HEADER_LEN};
use super::{Entry, Skipped, SpoolError};

/// Creates `dir` (and its missing parents) `0700` if it does not exist; an existing
/// directory keeps its mode (a warning is logged when others may read it).
pub(super) fn prepare_dir(dir: &Path) -> Result<(), SpoolError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {
            #[cfg(unix)]
            if std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o077 != 0 {
                tracing::warn!(
                    dir = %dir.display(),
                    "apitoolkit: the spool directory is open to other users; 0700 is advised"
                );
            }
            Ok(())
        }
        Ok(_) => Err(SpoolError::NotADirectory {
            path: dir.to_owned(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(|source| SpoolError::Create {
                path: dir.to_owned(),
                source,
            })
        }
        Err(source) => Err(SpoolError::Scan {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// The index of a directory just locked.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) index: VecDeque<Entry>,
    pub(super) next_seq: u64,
    pub(super) skipped: Skipped,
}

/// Lists `dir` once: removes half-written files (the lock is held, so no one is writing
/// them), reads the header of every spool file, counts the ones that fail (deleting the
/// damaged ones, leaving the unreadable ones), and ignores any other file.
pub(super) fn scan(dir: &Path) -> Result<Found, SpoolError> {
    let scan_error = |source| SpoolError::Scan {
        path: dir.to_owned(),
        source,
    };
    let mut index = Vec::new();
    let mut skipped = Skipped::default();
    let mut next_seq = 0;
    for item in fs::read_dir(dir).map_err(scan_error)? {
        let Ok(item) = item else { continue };
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = item.path();
        if format::is_temp_name(name) {
            let _ = fs::remove_file(&path);
            continue;
        }
        let Some(seq) = format::parse_name(name) else {
            continue;
        };
        next_seq = next_seq.max(seq.saturating_add(1));
        match read_header(&path) {
            Ok(h) => index.push(h.entry(seq)),
            Err(Bad::Damaged(declared)) => {
                tracing::warn!(file = name, "apitoolkit: skipped a damaged spool file");
                let _ = fs::remove_file(&path);
                skipped.add(declared.map(|h| h.entry(seq)).as_ref());
            }
            Err(Bad::Unreadable(e)) => {
                tracing::warn!(file = name, error = %e, "apitoolkit: skipped an unreadable spool file");
                skipped.add(None);
            }
        }
    }
    index.sort_unstable_by_key(|e: &Entry| e.seq);
    // Two files with one sequence number (only by copying files in by hand): the index
    // holds the first; the other stays on disk, outside the budget, until a restart.
    index.dedup_by_key(|e| e.seq);
    Ok(Found {
        index: index.into(),
        next_seq,
        skipped,
    })
}

/// Why a file found at open is left out of the index.
#[derive(Debug)]
enum Bad {
    /// Deleted: not a whole spool file of this version; with its header when only the
    /// length is wrong (a truncated file).
    Damaged(Option<Header>),
    /// Left on disk: could not be read now.
    Unreadable(io::Error),
}

/// Reads and checks a file's header and that the file is exactly as long as it says.
fn read_header(path: &Path) -> Result<Header, Bad> {
    let mut file = File::open(path).map_err(Bad::Unreadable)?;
    let mut head = [0u8; HEADER_LEN];
    file.read_exact(&mut head).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Bad::Damaged(None),
        _ => Bad::Unreadable(e),
    })?;
    let header = Header::decode(&head).map_err(|_| Bad::Damaged(None))?;
    match file.metadata() {
        Ok(m) if m.len() == header.file_len() => Ok(header),
        Ok(_) => Err(Bad::Damaged(Some(header))),
        Err(e) => Err(Bad::Unreadable(e)),
    }
}

impl Header {
    /// The index entry of the file with this header.
    fn entry(&self, seq: u64) -> Entry {
        Entry {
            seq,
            created_ms: self.created_ms,
            len: self.file_len(),
            records: self.records,
            failed: self.failed,
            out: false,
        }
    }
}
