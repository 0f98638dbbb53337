//! One spool file: a fixed 48-byte header, then the batch's payload, as written by
//! [`Header::encode`] and checked by [`Header::decode`]; and the names of spool files.
//!
//! ```text
//! offset size field
//!      0    8 magic "ATKSPOOL"
//!      8    4 format version (1), little-endian like every number below
//!     12    4 records in the batch
//!     16    4 of which "failed" exchanges (status >= 500, reported errors, panics)
//!     20    4 reserved, 0
//!     24    8 creation time, milliseconds since the Unix epoch
//!     32    8 payload length in bytes
//!     40    4 CRC-32 of the payload
//!     44    4 CRC-32 of bytes 0..44 (the header above)
//!     48    . payload
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// First bytes of every spool file.
pub(super) const MAGIC: [u8; 8] = *b"ATKSPOOL";
/// The format written; files of any other version are skipped.
pub(super) const VERSION: u32 = 1;
/// Bytes before the payload.
pub(super) const HEADER_LEN: usize = 48;

/// Suffix of a complete spool file.
const SUFFIX: &str = ".spool";
/// Suffix of a file being written (renamed to its final name once synced).
const TEMP_SUFFIX: &str = ".tmp";

/// The fields of a spool file's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) records: u32,
    pub(super) failed: u32,
    pub(super) created_ms: u64,
    pub(super) payload_len: u64,
    pub(super) payload_crc: u32,
}

/// Why a file is not a usable spool file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Invalid {
    /// Shorter than a header.
    Short,
    /// Not a spool file.
    Magic,
    /// Written by another format version.
    Version(u32),
    /// The header does not match its checksum.
    HeaderChecksum,
    /// More failed records than records.
    Counts,
    /// The file is not exactly header + payload long (truncated or padded).
    Length,
    /// The payload does not match its checksum.
    PayloadChecksum,
}

impl Header {
    /// The header of a new file holding `payload`.
    pub(super) fn new(payload: &[u8], records: u32, failed: u32, created: SystemTime) -> Header {
        Header {
            records,
            failed: failed.min(records),
            created_ms: created
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            payload_len: payload.len() as u64,
            payload_crc: crc32fast::hash(payload),
        }
    }

    /// The creation time.
    pub(super) fn created(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.created_ms)
    }

    /// Size of the whole file.
    pub(super) fn file_len(&self) -> u64 {
        HEADER_LEN as u64 + self.payload_len
    }

    pub(super) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..12].copy_from_slice(&VERSION.to_le_bytes());
        h[12..16].copy_from_slice(&self.records.to_le_bytes());
        h[16..20].copy_from_slice(&self.failed.to_le_bytes());
        h[24..32].copy_from_slice(&self.created_ms.to_le_bytes());
        h[32..40].copy_from_slice(&self.payload_len.to_le_bytes());
        h[40..44].copy_from_slice(&self.payload_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[..44]);
        h[44..48].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// Checks and reads a header (the first [`HEADER_LEN`] bytes of a file).
    pub(super) fn decode(h: &[u8]) -> Result<Header, Invalid> {
        let h: &[u8; HEADER_LEN] = h
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(Invalid::Short)?;
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
        if h[0..8] != MAGIC {
            return Err(Invalid::Magic);
        }
        match u32_at(8) {
            VERSION => {}
            other => return Err(Invalid::Version(other)),
        }
        if crc32fast::hash(&h[..44]) != u32_at(44) {
            return Err(Invalid::HeaderChecksum);
        }
        let header = Header {
            records: u32_at(12),
            failed: u32_at(16),
            created_ms: u64_at(24),
            payload_len: u64_at(32),
            payload_crc: u32_at(40),
        };
        if header.failed > header.records {
            return Err(Invalid::Counts);
        }
        Ok(header)
    }

    /// Checks a payload read from the file against the header.
    pub(super) fn verify(&self, payload: &[u8]) -> Result<(), Invalid> {
        if payload.len() as u64 != self.payload_len {
            return Err(Invalid::Length);
        }
        if crc32fast::hash(payload) != self.payload_crc {
            return Err(Invalid::PayloadChecksum);
        }
        Ok(())
    }
}

/// `<sequence, 20 digits>-<creation ms, 13 digits>.spool`: names sort by sequence, which
/// only grows (a reopened spool continues after the highest one on disk), so the oldest
/// batch sorts first, also after a restart.
pub(super) fn file_name(seq: u64, created_ms: u64) -> String {
    format!("{seq:020}-{created_ms:013}{SUFFIX}")
}

/// The sequence number of a spool file's name; `None` for any other name.
pub(super) fn parse_name(name: &str) -> Option<u64> {
    let (seq, ms) = name.strip_suffix(SUFFIX)?.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if seq.len() != 20 || !digits(seq) || !digits(ms) {
        return None;
    }
    seq.parse().ok()
}

/// The name a file is written under before its rename: hidden, never a spool file name.
pub(super) fn temp_name(seq: u64) -> String {
    format!(".{seq:020}{TEMP_SUFFIX}")
}

/// Whether `name` is a file left half-written (by a crash, or a failed write).
pub(super) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}
