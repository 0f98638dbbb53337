//! One process per spool directory: a lock file (`spool.lock`, `0600`) holding the owner's
//! pid and, on Linux, its start time; and a registry of the directories this process has
//! open, so two spools of one process never share a directory either.
//!
//! A lock file left by a process that is gone is taken over: on Linux the pid is looked
//! up in `/proc` and its start time compared (so a reused pid is not mistaken for the
//! owner); a lock naming this process's own pid is a previous life of it (a restarted
//! container is often pid 1 again). Elsewhere liveness cannot be checked without
//! `unsafe`, so an existing lock is taken over. Sharing one directory between hosts or
//! pid namespaces is not supported and not reliably detected.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::SpoolError;

/// Name of the lock file in the spool directory.
pub(super) const LOCK_NAME: &str = "spool.lock";

/// Canonical paths of the spool directories open in this process.
static OPEN_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Holds a spool directory for this process; released (file removed) on drop.
#[derive(Debug)]
pub(super) struct DirLock {
    key: PathBuf,
    file: PathBuf,
    /// Whether this lock wrote the file (and so removes it).
    owns_file: bool,
}

impl DirLock {
    /// Takes the directory for this process, or says who holds it.
    pub(super) fn acquire(dir: &Path) -> Result<DirLock, SpoolError> {
        let scan = |source| SpoolError::Scan {
            path: dir.to_owned(),
            source,
        };
        let key = fs::canonicalize(dir).map_err(scan)?;
        {
            let mut open = OPEN_DIRS.lock().unwrap_or_else(PoisonError::into_inner);
            if open.contains(&key) {
                return Err(SpoolError::Locked {
                    path: dir.to_owned(),
                    pid: std::process::id(),
                });
            }
            open.push(key.clone());
        }
        // From here on, dropping `lock` unregisters the directory.
        let mut lock = DirLock {
            key,
            file: dir.join(LOCK_NAME),
            owns_file: false,
        };
        let me = format!(
            "{} {}\n",
            std::process::id(),
            start_time("self").unwrap_or(0)
        );
        let mut holder = 0;
        for _ in 0..3 {
            match create_private(&lock.file) {
                Ok(mut f) => {
                    lock.owns_file = true;
                    f.write_all(me.as_bytes())
                        .and_then(|()| f.sync_all())
                        .map_err(|source| SpoolError::NotWritable {
                            path: dir.to_owned(),
                            source,
                        })?;
                    return Ok(lock);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let content = fs::read_to_string(&lock.file).unwrap_or_default();
                    if let Some(pid) = live_holder(&content) {
                        return Err(SpoolError::Locked {
                            path: dir.to_owned(),
                            pid,
                        });
                    }
                    holder = content
                        .split_whitespace()
                        .next()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0);
                    match fs::remove_file(&lock.file) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(source) => {
                            return Err(SpoolError::NotWritable {
                                path: dir.to_owned(),
                                source,
                            })
                        }
                    }
                }
                Err(source) => {
                    return Err(SpoolError::NotWritable {
                        path: dir.to_owned(),
                        source,
                    })
                }
            }
        }
        // Another process kept creating the lock while we removed stale ones.
        Err(SpoolError::Locked {
            path: dir.to_owned(),
            pid: holder,
        })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if self.owns_file {
            let _ = fs::remove_file(&self.file);
        }
        let mut open = OPEN_DIRS.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|k| k != &self.key);
    }
}

/// Creates a new file that only the owner may read or write (`0600` on unix, set at
/// creation); fails if it exists.
pub(super) fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The pid in a lock file's `content` if that process is alive and is not this one.
fn live_holder(content: &str) -> Option<u32> {
    let mut fields = content.split_whitespace();
    let pid: u32 = fields.next()?.parse().ok()?;
    let started: u64 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    if pid == std::process::id() {
        return None;
    }
    if cfg!(target_os = "linux") {
        // Gone, or a different process under a reused pid: stale.
        let now = start_time(&pid.to_string())?;
        (started == 0 || now == started).then_some(pid)
    } else {
        None
    }
}

/// The start time (clock ticks after boot) of `/proc/<pid>`; `None` if there is no such
/// process or no `/proc`.
pub(super) fn start_time(pid: &str) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses; the start time is
    // field 22, the 20th after the comm's closing parenthesis.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(19)?.parse().ok()
}
