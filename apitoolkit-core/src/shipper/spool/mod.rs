//! The on-disk spool for collector outages (docs/PROTOCOL.md §8, "The spool"): batches
//! that cannot be delivered while the queue is full go to files in `APITOOLKIT_SPOOL_DIR`,
//! within a byte budget, and are sent again oldest first when the collector answers,
//! also after a restart of the app.
//!
//! * One file per batch (`format.rs`): a 48-byte header (magic, format version, record
//!   and failed-record counts, creation time, payload length, CRC-32 of the payload and
//!   of the header) and the payload, opaque bytes. The worker stores the OTLP spans of a
//!   batch *without* the resource, so the API key is never written to disk; it adds the
//!   resource back when it sends the batch.
//! * Files are written to a hidden temporary name in the same directory with mode
//!   `0600` (set at creation), synced, then renamed, and the directory synced: a crash
//!   leaves either the whole file or a temporary one, which the next [`Spool::open`]
//!   removes. Names carry a sequence number that only grows, so name order is age order.
//! * [`Spool::open`] creates the directory (`0700`) if needed, takes the lock file
//!   (`lock.rs`: one process per directory) and reads every file's header once into an
//!   in-memory index (`scan.rs`). After that no call lists the directory: [`Spool::store`]
//!   writes one file, [`Spool::next_batch`] reads one (or skips corrupt ones),
//!   [`Spool::remove`] deletes one.
//! * A file that is truncated, corrupt or of another format version is deleted and
//!   counted ([`Spool::take_skipped`]), never sent and never a panic. One that cannot be
//!   read (permissions, an I/O error) is counted and passed over the same way but left
//!   on disk, for a later run to try again.
//! * The budget counts whole files (header included). A batch that does not fit, or whose
//!   write fails (a full disk included), is refused with a [`SpoolDrop`] naming the
//!   reason; the caller counts its records dropped. Files already on disk are kept even
//!   when a lowered budget is exceeded at open; new batches wait until replay frees room.
//! * Replays can overlap: [`Spool::next_batch`] hands out the oldest batch not already
//!   handed out; after the send, [`Spool::remove`] deletes it, or [`Spool::release`]
//!   puts it back (it stays the oldest).
//!
//! Every call is synchronous `std::fs` work on the caller's thread (the shipper's worker),
//! a few system calls per batch.

mod error;
mod format;
mod lock;
mod scan;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub(crate) use error::{SpoolDrop, SpoolError};
use format::{Header, Invalid, HEADER_LEN};
use lock::DirLock;

/// The spool of one directory, held by one process (see the module docs).
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    budget: u64,
    /// Files on disk, oldest (lowest sequence) first.
    index: VecDeque<Entry>,
    /// Bytes of the files in `index`.
    bytes: u64,
    /// Records of the files in `index`.
    records: u64,
    next_seq: u64,
    corrupt_skipped: u64,
    skipped: Skipped,
    _lock: DirLock,
}

/// What the index knows of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    seq: u64,
    created_ms: u64,
    len: u64,
    records: u32,
    failed: u32,
    /// Handed out by `next_batch` and not yet removed or released.
    out: bool,
}

impl Entry {
    fn name(&self) -> String {
        format::file_name(self.seq, self.created_ms)
    }
}

/// Identifies a batch handed out by [`Spool::next_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchId(u64);

/// A batch read back from the spool, checked against its checksums.
#[derive(Debug)]
pub(crate) struct SpooledBatch {
    id: BatchId,
    payload: Vec<u8>,
    records: u32,
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests
    failed: u32,
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests
    created: SystemTime,
}

impl SpooledBatch {
    /// What to pass to [`Spool::remove`] or [`Spool::release`].
    pub(crate) fn id(&self) -> BatchId {
        self.id
    }
    /// The payload, as given to [`Spool::store`].
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }
    /// The payload, owned.
    #[cfg(test)]
    pub(crate) fn into_payload(self) -> Vec<u8> {
        self.payload
    }
    /// Records in the batch.
    pub(crate) fn records(&self) -> u32 {
        self.records
    }
    /// Of which "failed" exchanges.
    #[cfg(test)]
    pub(crate) fn failed(&self) -> u32 {
        self.failed
    }
    /// When the batch was stored (millisecond precision).
    #[cfg(test)]
    pub(crate) fn created(&self) -> SystemTime {
        self.created
    }
}

/// Files skipped as corrupt, truncated, unreadable or of another format version, and the
/// records and failed records their headers declared (when the header was readable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// Files deleted (or, if they could not be deleted, left and forgotten).
    pub(crate) files: u64,
    /// Records known to be lost with them.
    pub(crate) records: u64,
    /// Of which "failed" exchanges.
    pub(crate) failed: u64,
}

impl Spool {
    /// Opens (creating it `0700` if missing) the spool directory `dir` with a byte budget,
    /// takes its lock, removes files left half-written by a crash and indexes the batches
    /// already there; files found corrupt are deleted and counted in
    /// [`take_skipped`](Self::take_skipped).
    pub(crate) fn open(dir: impl Into<PathBuf>, budget: u64) -> Result<Spool, SpoolError> {
        let dir = dir.into();
        scan::prepare_dir(&dir)?;
        let lock = DirLock::acquire(&dir)?;
        let found = scan::scan(&dir)?;
        Ok(Spool {
            budget,
            bytes: found.index.iter().map(|e| e.len).sum(),
            records: found.index.iter().map(|e| u64::from(e.records)).sum(),
            next_seq: found.next_seq,
            index: found.index,
            corrupt_skipped: found.skipped.files,
            skipped: found.skipped,
            dir,
            _lock: lock,
        })
    }

    /// Writes one batch to a new file: `payload` (opaque bytes, which must not hold the API
    /// key), its number of `records` and how many of them are `failed` exchanges.
    ///
    /// Refused, with nothing left on disk, when the file would exceed the budget or the
    /// write fails: the caller counts the records dropped.
    pub(crate) fn store(
        &mut self,
        payload: &[u8],
        records: u32,
        failed: u32,
    ) -> Result<(), SpoolDrop> {
        let header = Header::new(payload, records, failed, SystemTime::now());
        let needed = header.file_len();
        let free = self.budget.saturating_sub(self.bytes);
        if needed > free {
            return Err(SpoolDrop::BudgetFull {
                needed,
                free,
                budget: self.budget,
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let temp = self.dir.join(format::temp_name(seq));
        let entry = Entry {
            seq,
            created_ms: header.created_ms,
            len: needed,
            records: header.records,
            failed: header.failed,
            out: false,
        };
        let written = lock::create_private(&temp).and_then(|mut f| {
            f.write_all(&header.encode())?;
            f.write_all(payload)?;
            f.sync_all()?;
            fs::rename(&temp, self.dir.join(entry.name()))
        });
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(SpoolDrop::from_io(e));
        }
        sync_dir(&self.dir);
        self.bytes += needed;
        self.records += u64::from(entry.records);
        self.index.push_back(entry);
        Ok(())
    }

    /// Reads and checks the oldest batch not already handed out. Files that fail are
    /// counted and passed over: deleted when damaged (corrupt, truncated, another
    /// version), left on disk when unreadable. `None` when no batch is left to hand out.
    pub(crate) fn next_batch(&mut self) -> Option<SpooledBatch> {
        loop {
            let i = self.index.iter().position(|e| !e.out)?;
            let entry = self.index[i];
            match read_file(&self.dir.join(entry.name())) {
                Ok((header, payload)) => {
                    self.index[i].out = true;
                    return Some(SpooledBatch {
                        id: BatchId(entry.seq),
                        payload,
                        records: header.records,
                        failed: header.failed,
                        created: header.created(),
                    });
                }
                Err(reason) => {
                    tracing::warn!(
                        file = %entry.name(),
                        %reason,
                        "apitoolkit: skipped a damaged spool file"
                    );
                    self.forget(i);
                    // A damaged file goes; one that could not be read (permissions, an
                    // I/O error) stays for the next run, which may read it.
                    if matches!(reason, ReadError::Invalid(_)) {
                        let _ = fs::remove_file(self.dir.join(entry.name()));
                    }
                    self.corrupt_skipped += 1;
                    self.skipped.add(Some(&entry));
                }
            }
        }
    }

    /// Deletes a batch once it was delivered. An error means the file could not be deleted
    /// (it would be sent again after a restart); the batch leaves the index either way.
    pub(crate) fn remove(&mut self, id: BatchId) -> io::Result<()> {
        let Some(i) = self.position(id) else {
            return Ok(());
        };
        let Some(entry) = self.forget(i) else {
            return Ok(());
        };
        match fs::remove_file(self.dir.join(entry.name())) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Puts a handed-out batch back (its send failed): the next
    /// [`next_batch`](Self::next_batch) hands it out again, before younger ones.
    pub(crate) fn release(&mut self, id: BatchId) {
        if let Some(i) = self.position(id) {
            self.index[i].out = false;
        }
    }

    /// Batches (files) in the spool, handed out or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
    /// Whether the spool holds no batch.
    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
    /// Records in the spool's batches.
    pub(crate) fn records(&self) -> u64 {
        self.records
    }
    /// Bytes of the spool's files (headers included), as counted against the budget.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
    /// The byte budget.
    #[cfg(test)]
    pub(crate) fn budget(&self) -> u64 {
        self.budget
    }
    /// The directory.
    #[cfg(test)]
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
    /// Files skipped since the spool was opened (at open included).
    #[cfg(test)]
    pub(crate) fn corrupt_skipped(&self) -> u64 {
        self.corrupt_skipped
    }
    /// What was skipped since the last call (or since open), for the shipper's counters.
    pub(crate) fn take_skipped(&mut self) -> Skipped {
        std::mem::take(&mut self.skipped)
    }

    fn position(&self, id: BatchId) -> Option<usize> {
        self.index.binary_search_by_key(&id.0, |e| e.seq).ok()
    }

    /// Drops entry `i` from the index and the totals.
    fn forget(&mut self, i: usize) -> Option<Entry> {
        let entry = self.index.remove(i)?;
        self.bytes -= entry.len;
        self.records -= u64::from(entry.records);
        Some(entry)
    }
}

impl Skipped {
    /// Counts one skipped file, with what its header declared if it was readable.
    fn add(&mut self, entry: Option<&Entry>) {
        self.files += 1;
        if let Some(e) = entry {
            self.records += u64::from(e.records);
            self.failed += u64::from(e.failed);
        }
    }
}

/// Reads one spool file whole and checks it.
fn read_file(path: &Path) -> Result<(Header, Vec<u8>), ReadError> {
    let mut file = File::open(path)?;
    let mut head = [0u8; HEADER_LEN];
    file.read_exact(&mut head).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => ReadError::Invalid(Invalid::Short),
        _ => ReadError::Io(e),
    })?;
    let header = Header::decode(&head)?;
    if file.metadata()?.len() != header.file_len() {
        return Err(ReadError::Invalid(Invalid::Length));
    }
    let len = usize::try_from(header.payload_len).map_err(|_| Invalid::Length)?;
    let mut payload = Vec::with_capacity(len);
    file.take(header.payload_len).read_to_end(&mut payload)?;
    header.verify(&payload)?;
    Ok((header, payload))
}

/// Why a file could not be used (for the log line).
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("{0}")]
    Io(io::Error),
    #[error("{0:?}")]
    Invalid(Invalid),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl From<Invalid> for ReadError {
    fn from(e: Invalid) -> Self {
        ReadError::Invalid(e)
    }
}

/// Makes a rename in `dir` durable; best effort (a failure only weakens crash safety).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
