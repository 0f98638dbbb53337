//! The spool's contract: what is stored comes back byte for byte, oldest first, also
//! after a reopen; limits and damaged files are counted, never panics.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::format::{self, Header, HEADER_LEN};
use super::lock::LOCK_NAME;
use super::{Skipped, Spool, SpoolDrop, SpoolError};

/// A unique directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "apitoolkit-spool-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        TempDir(path)
    }
    /// The spool directory (not created yet).
    fn spool(&self) -> PathBuf {
        self.0.join("spool")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const MIB: u64 = 1 << 20;

/// The spool files in `dir`, oldest first.
fn spool_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "spool"))
        .collect();
    files.sort();
    files
}

/// Hands out, removes and returns every payload left, oldest first.
fn drain(spool: &mut Spool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(b) = spool.next_batch() {
        spool.remove(b.id()).unwrap();
        out.push(b.into_payload());
    }
    out
}

#[test]
fn a_stored_batch_comes_back_byte_for_byte_with_its_counts() {
    let tmp = TempDir::new("roundtrip");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    assert_eq!((spool.dir(), spool.budget()), (&*tmp.spool(), MIB));
    let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    let before = std::time::SystemTime::now();
    spool.store(&payload, 512, 3).unwrap();
    assert_eq!((spool.len(), spool.records()), (1, 512));
    assert_eq!(spool.bytes(), (HEADER_LEN + payload.len()) as u64);

    let batch = spool.next_batch().unwrap();
    assert_eq!(batch.payload(), &payload[..]);
    assert_eq!((batch.records(), batch.failed()), (512, 3));
    let drift = before.duration_since(batch.created()).unwrap_or_default();
    assert!(drift.as_millis() <= 1, "created time is the store time");
    spool.remove(batch.id()).unwrap();
    assert!(spool.is_empty());
    assert_eq!((spool.bytes(), spool.records()), (0, 0));
    assert!(spool_files(&tmp.spool()).is_empty());
}

#[test]
fn batches_come_back_oldest_first_across_a_restart() {
    let tmp = TempDir::new("restart");
    {
        let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
        for i in 0..12u8 {
            spool.store(&[i; 100], 1, 0).unwrap();
        }
        let first = spool.next_batch().unwrap();
        spool.remove(first.id()).unwrap();
    }
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    assert_eq!((spool.len(), spool.records()), (11, 11));
    assert_eq!(spool.bytes(), 11 * (HEADER_LEN as u64 + 100));
    spool.store(&[99; 100], 1, 0).unwrap();
    let order: Vec<u8> = drain(&mut spool).iter().map(|p| p[0]).collect();
    assert_eq!(order, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99]);
}

#[test]
fn a_full_budget_refuses_the_batch_and_frees_up_after_a_send() {
    let tmp = TempDir::new("budget");
    let file = HEADER_LEN as u64 + 1000;
    let mut spool = Spool::open(tmp.spool(), 2 * file + 10).unwrap();
    spool.store(&[1; 1000], 10, 0).unwrap();
    spool.store(&[2; 1000], 10, 0).unwrap();
    match spool.store(&[3; 1000], 10, 0) {
        Err(SpoolDrop::BudgetFull { needed, free, .. }) => assert_eq!((needed, free), (file, 10)),
        other => panic!("expected BudgetFull, got {other:?}"),
    }
    assert_eq!((spool.len(), spool.bytes()), (2, 2 * file));
    assert_eq!(spool_files(&tmp.spool()).len(), 2, "nothing left on disk");

    let oldest = spool.next_batch().unwrap();
    spool.remove(oldest.id()).unwrap();
    spool.store(&[3; 1000], 10, 0).unwrap();
    let order: Vec<u8> = drain(&mut spool).iter().map(|p| p[0]).collect();
    assert_eq!(order, [2, 3]);
}

#[test]
fn a_batch_larger_than_the_budget_is_refused() {
    let tmp = TempDir::new("too-large");
    let mut spool = Spool::open(tmp.spool(), 100).unwrap();
    assert!(matches!(
        spool.store(&[0; 100], 1, 0),
        Err(SpoolDrop::BudgetFull { .. })
    ));
    assert!(spool.is_empty());
}

#[test]
fn a_failed_write_is_a_refusal_not_a_panic() {
    let tmp = TempDir::new("write-fails");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    fs::remove_dir_all(tmp.spool()).unwrap();
    assert!(matches!(
        spool.store(b"lost", 1, 0),
        Err(SpoolDrop::Write(_))
    ));
    assert_eq!((spool.len(), spool.bytes(), spool.records()), (0, 0, 0));
}

/// Rewrites the header of `file` through `edit`, keeping its checksum valid.
fn rewrite_header(file: &Path, edit: impl FnOnce(&mut [u8])) {
    let mut data = fs::read(file).unwrap();
    edit(&mut data[..HEADER_LEN]);
    let crc = crc32fast::hash(&data[..44]);
    data[44..48].copy_from_slice(&crc.to_le_bytes());
    fs::write(file, data).unwrap();
}

#[test]
fn damaged_files_are_skipped_deleted_and_counted() {
    let tmp = TempDir::new("corrupt");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    for i in 0..7u8 {
        spool.store(&[i; 64], 10, i.min(2).into()).unwrap();
    }
    let f = spool_files(&tmp.spool());
    // 0: payload bit flip
    let mut data = fs::read(&f[0]).unwrap();
    data[HEADER_LEN + 5] ^= 0x40;
    fs::write(&f[0], data).unwrap();
    // 1: truncated payload
    let data = fs::read(&f[1]).unwrap();
    fs::write(&f[1], &data[..data.len() - 1]).unwrap();
    // 2: bad magic
    rewrite_header(&f[2], |h| h[0] = b'X');
    // 3: another format version
    rewrite_header(&f[3], |h| h[8..12].copy_from_slice(&2u32.to_le_bytes()));
    // 4: header bytes changed without fixing the checksum
    let mut data = fs::read(&f[4]).unwrap();
    data[12] ^= 1;
    fs::write(&f[4], data).unwrap();
    // 5: shorter than a header
    fs::write(&f[5], b"ATKSPOOL").unwrap();
    // 6 is intact.

    let batch = spool.next_batch().unwrap();
    assert_eq!(batch.payload(), &[6; 64]);
    assert_eq!(spool.corrupt_skipped(), 6);
    // Each file's records were indexed from the header written by `store`.
    let skipped = spool.take_skipped();
    assert_eq!(skipped.files, 6);
    assert_eq!((skipped.records, skipped.failed), (60, 9));
    assert_eq!(spool.take_skipped(), Skipped::default());
    assert_eq!((spool.len(), spool.records()), (1, 10));
    assert_eq!(spool_files(&tmp.spool()).len(), 1, "damaged files deleted");
}

#[test]
fn damaged_files_found_at_open_are_skipped_and_counted() {
    let tmp = TempDir::new("corrupt-open");
    {
        let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
        for i in 0..4u8 {
            spool.store(&[i; 64], 5, 1).unwrap();
        }
    }
    let f = spool_files(&tmp.spool());
    let data = fs::read(&f[0]).unwrap();
    fs::write(&f[0], &data[..data.len() - 10]).unwrap(); // truncated: header readable
    rewrite_header(&f[1], |h| h[0] = b'X'); // not a spool file: header unreadable
    fs::write(&f[2], b"").unwrap(); // empty
                                    // A payload bit flip is only seen when the batch is read.
    let mut data = fs::read(&f[3]).unwrap();
    data[HEADER_LEN] ^= 1;
    fs::write(&f[3], data).unwrap();

    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    assert_eq!((spool.len(), spool.corrupt_skipped()), (1, 3));
    let at_open = spool.take_skipped();
    assert_eq!((at_open.files, at_open.records, at_open.failed), (3, 5, 1));
    assert!(spool.next_batch().is_none());
    assert_eq!(spool.corrupt_skipped(), 4);
    assert_eq!((spool.len(), spool.bytes()), (0, 0));
    assert!(spool_files(&tmp.spool()).is_empty());
}

#[test]
fn an_unreadable_file_is_skipped_and_counted_but_left_on_disk() {
    let tmp = TempDir::new("unreadable");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    spool.store(b"first", 1, 0).unwrap();
    spool.store(b"second", 1, 0).unwrap();
    // Reading a directory fails with an I/O error, as an unreadable file would.
    let first = spool_files(&tmp.spool()).remove(0);
    fs::remove_file(&first).unwrap();
    fs::create_dir(&first).unwrap();

    assert_eq!(spool.next_batch().unwrap().payload(), b"second");
    assert_eq!(spool.take_skipped().files, 1);
    assert!(first.is_dir(), "left for a later run");
    assert_eq!(spool.len(), 1);
    drop(spool);

    let spool = Spool::open(tmp.spool(), MIB).unwrap();
    assert_eq!((spool.len(), spool.corrupt_skipped()), (1, 1));
    assert!(first.is_dir());
}

#[test]
fn files_left_half_written_by_a_crash_are_removed_at_open() {
    let tmp = TempDir::new("crash");
    {
        let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
        spool.store(b"kept", 1, 0).unwrap();
    }
    let temp = tmp.spool().join(format::temp_name(7));
    fs::write(&temp, b"half a batch").unwrap();
    let other = tmp.spool().join("notes.txt");
    fs::write(&other, b"not ours").unwrap();

    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    assert!(!temp.exists(), "temporary file removed");
    assert!(other.exists(), "unrelated files are left alone");
    assert_eq!((spool.len(), spool.corrupt_skipped()), (1, 0));
    assert_eq!(drain(&mut spool), [b"kept".to_vec()]);
}

#[test]
fn handed_out_batches_are_not_handed_out_twice_until_released() {
    let tmp = TempDir::new("inflight");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    for i in 0..3u8 {
        spool.store(&[i], 1, 0).unwrap();
    }
    let a = spool.next_batch().unwrap();
    let b = spool.next_batch().unwrap();
    assert_eq!((a.payload(), b.payload()), (&[0][..], &[1][..]));
    spool.release(a.id());
    spool.remove(b.id()).unwrap();
    let order: Vec<u8> = drain(&mut spool).iter().map(|p| p[0]).collect();
    assert_eq!(order, [0, 2], "a released batch is the oldest again");
}

#[test]
fn a_reopened_spool_continues_the_sequence_after_the_newest_file() {
    let tmp = TempDir::new("sequence");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    spool.store(b"a", 1, 0).unwrap();
    spool.store(b"b", 1, 0).unwrap();
    drop(spool);
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    spool.store(b"c", 1, 0).unwrap();
    let names: Vec<Option<u64>> = spool_files(&tmp.spool())
        .iter()
        .map(|p| format::parse_name(p.file_name().unwrap().to_str().unwrap()))
        .collect();
    assert_eq!(names, [Some(0), Some(1), Some(2)]);
}

#[test]
fn a_header_round_trips_and_rejects_a_failed_count_above_the_records() {
    let now = std::time::SystemTime::now();
    let h = Header::new(b"payload", 9, 4, now);
    assert_eq!(Header::decode(&h.encode()), Ok(h));
    assert_eq!(
        Header::new(b"", 2, 5, now).failed,
        2,
        "clamped when written"
    );
    let mut bad = h.encode();
    bad[16..20].copy_from_slice(&10u32.to_le_bytes());
    let crc = crc32fast::hash(&bad[..44]);
    bad[44..48].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(Header::decode(&bad), Err(format::Invalid::Counts));
}

#[test]
fn a_path_that_is_a_file_is_refused() {
    let tmp = TempDir::new("not-a-dir");
    fs::create_dir_all(&tmp.0).unwrap();
    fs::write(tmp.spool(), b"").unwrap();
    assert!(matches!(
        Spool::open(tmp.spool(), MIB),
        Err(SpoolError::NotADirectory { .. })
    ));
}

#[test]
fn one_directory_is_open_once_per_process() {
    let tmp = TempDir::new("twice");
    let spool = Spool::open(tmp.spool(), MIB).unwrap();
    match Spool::open(tmp.spool(), MIB) {
        Err(SpoolError::Locked { pid, .. }) => assert_eq!(pid, std::process::id()),
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(spool);
    assert!(!tmp.spool().join(LOCK_NAME).exists(), "lock released");
    Spool::open(tmp.spool(), MIB).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn a_live_process_holding_the_directory_keeps_it_and_a_dead_one_does_not() {
    use std::process::Command;
    let tmp = TempDir::new("other-process");
    fs::create_dir_all(tmp.spool()).unwrap();
    let lock = tmp.spool().join(LOCK_NAME);

    let mut live = Command::new("sleep").arg("60").spawn().unwrap();
    let started = super::lock::start_time(&live.id().to_string()).unwrap();
    fs::write(&lock, format!("{} {started}\n", live.id())).unwrap();
    let refused = Spool::open(tmp.spool(), MIB);
    // The same pid with another start time is a reused pid: stale.
    fs::write(&lock, format!("{} {}\n", live.id(), started + 1)).unwrap();
    let reused = Spool::open(tmp.spool(), MIB).map(drop);
    live.kill().unwrap();
    live.wait().unwrap();
    match refused {
        Err(SpoolError::Locked { pid, .. }) => assert_eq!(pid, live.id()),
        other => panic!("expected Locked, got {other:?}"),
    }
    reused.unwrap();

    let mut dead = Command::new("true").spawn().unwrap();
    dead.wait().unwrap();
    fs::write(&lock, format!("{} 1\n", dead.id())).unwrap();
    let spool = Spool::open(tmp.spool(), MIB).unwrap();
    let content = fs::read_to_string(&lock).unwrap();
    assert!(content.starts_with(&format!("{} ", std::process::id())));
    drop(spool);
}

#[cfg(unix)]
#[test]
fn the_directory_is_0700_and_every_file_0600_from_creation() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = TempDir::new("modes");
    let mut spool = Spool::open(tmp.spool(), MIB).unwrap();
    spool.store(b"secret-free but private", 1, 0).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&tmp.spool()), 0o700);
    assert_eq!(mode(&tmp.spool().join(LOCK_NAME)), 0o600);
    for f in spool_files(&tmp.spool()) {
        assert_eq!(mode(&f), 0o600);
    }
}
