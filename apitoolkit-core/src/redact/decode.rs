//! Compressed bodies decoded before redaction (docs/PROTOCOL.md §4): the codings of
//! `Content-Encoding`, bounded in output, layers and work.
//!
//! `gzip` (`x-gzip`), `deflate` (zlib per RFC 9110, raw deflate accepted as browsers
//! do), `br` and `zstd`, stacked as listed (`gzip, br` was gzip applied first, so it is
//! decoded right to left; several header lines concatenate). Each layer writes at most
//! `cap + 1` bytes, so a bomb costs the work of `cap` bytes of output and ships a
//! placeholder; a corrupt or truncated stream ships a placeholder too. A coding this
//! module does not know leaves the body as it was captured.

use std::cell::RefCell;
use std::io::Read;

use flate2::{Decompress, FlushDecompress, Status};
use http::header::CONTENT_ENCODING;

use crate::model::headers::CapturedHeaders;

/// At most this many stacked codings are decoded; more ship a placeholder.
pub(crate) const MAX_CODINGS: usize = 4;

/// The largest zstd window accepted: 8 MiB, the limit RFC 8878 sets for the HTTP
/// `zstd` coding (and so what browsers accept).
const ZSTD_MAX_WINDOW: u64 = 8 << 20;

/// A content coding this module decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// `gzip` or `x-gzip` (RFC 1952; concatenated members are one body).
    Gzip,
    /// `deflate`: zlib (RFC 1950), or raw deflate (RFC 1951) without a zlib header.
    Deflate,
    /// `br` (RFC 7932).
    Brotli,
    /// `zstd` (RFC 8878; concatenated and skippable frames included).
    Zstd,
}

impl Coding {
    /// The coding a `Content-Encoding` token names (any case), if decoded here.
    pub(crate) fn from_token(token: &[u8]) -> Option<Coding> {
        let is = |name: &str| token.eq_ignore_ascii_case(name.as_bytes());
        if is("gzip") || is("x-gzip") {
            Some(Coding::Gzip)
        } else if is("deflate") {
            Some(Coding::Deflate)
        } else if is("br") {
            Some(Coding::Brotli)
        } else if is("zstd") {
            Some(Coding::Zstd)
        } else {
            None
        }
    }

    /// Its canonical name (`x-gzip` is `gzip`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }
}

/// What the `Content-Encoding` header lines say about a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Codings {
    /// No coding, or only `identity` (and empty list elements).
    Identity,
    /// Codings all decoded here, in the order they were applied (header order).
    Known(Vec<Coding>),
    /// Some coding this module does not decode: the body stays as captured.
    Unknown,
}

impl Codings {
    /// Reads every `Content-Encoding` line in order, as one comma-separated list:
    /// elements trimmed of spaces and tabs, compared case-insensitively, `identity` and
    /// empty elements skipped.
    pub(crate) fn of(headers: &CapturedHeaders) -> Codings {
        let mut found = Vec::new();
        for line in headers.get_all(CONTENT_ENCODING.as_str()) {
            for token in line.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.is_empty() || token.eq_ignore_ascii_case(b"identity") {
                    continue;
                }
                match Coding::from_token(token) {
                    Some(coding) => found.push(coding),
                    None => return Codings::Unknown,
                }
            }
        }
        if found.is_empty() {
            Codings::Identity
        } else {
            Codings::Known(found)
        }
    }
}

/// The codings as the record names them: canonical names joined by `", "`, in the
/// order they were applied (`"gzip, br"`).
pub(crate) fn codings_text(codings: &[Coding]) -> String {
    let mut text = String::new();
    for (i, coding) in codings.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(coding.name());
    }
    text
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A layer would write more than the cap (the cap is given).
    TooLarge(usize),
    /// A layer is corrupt or truncated (its coding is given).
    Corrupt(Coding),
    /// More than [`MAX_CODINGS`] stacked codings.
    TooManyCodings,
}

impl DecodeError {
    /// The placeholder shipped instead of the body: `[DECODED_BODY_TOO_LARGE over N
    /// bytes]`, or `[UNDECODABLE_BODY <codings> N bytes]` with the failing coding (the
    /// whole list when there are too many) and the captured length.
    pub(crate) fn placeholder(&self, codings: &[Coding], captured_len: usize) -> Vec<u8> {
        match self {
            DecodeError::TooLarge(cap) => format!("[DECODED_BODY_TOO_LARGE over {cap} bytes]"),
            DecodeError::Corrupt(coding) => {
                format!("[UNDECODABLE_BODY {} {captured_len} bytes]", coding.name())
            }
            DecodeError::TooManyCodings => format!(
                "[UNDECODABLE_BODY {} {captured_len} bytes]",
                codings_text(codings)
            ),
        }
        .into_bytes()
    }
}

/// Removes `codings` (as applied, so the last first) from `body`, every layer's output
/// bounded by `cap` bytes.
///
/// # Errors
/// [`DecodeError`] when there are too many layers, a layer's output would pass `cap`,
/// or a layer is corrupt or truncated.
pub(crate) fn decode(body: &[u8], codings: &[Coding], cap: usize) -> Result<Vec<u8>, DecodeError> {
    if codings.len() > MAX_CODINGS {
        return Err(DecodeError::TooManyCodings);
    }
    let mut layers = codings.iter().rev();
    let Some(&outer) = layers.next() else {
        return Ok(body.to_vec());
    };
    let mut out = decode_one(body, outer, cap)?;
    for &coding in layers {
        out = decode_one(&out, coding, cap)?;
    }
    Ok(out)
}

/// One layer, at most `cap` bytes of output.
fn decode_one(input: &[u8], coding: Coding, cap: usize) -> Result<Vec<u8>, DecodeError> {
    let result = match coding {
        Coding::Gzip => gunzip(input, cap),
        Coding::Deflate => inflate(input, has_zlib_header(input), cap),
        Coding::Brotli => read_capped(
            brotli_decompressor::Decompressor::new(input, 4096),
            input.len(),
            cap,
        ),
        Coding::Zstd => unzstd(input, cap),
    };
    result.map_err(|failure| match failure {
        Failure::TooLarge => DecodeError::TooLarge(cap),
        Failure::Corrupt => DecodeError::Corrupt(coding),
    })
}

/// How one layer failed.
enum Failure {
    TooLarge,
    Corrupt,
}

/// Reads a decoder of `input_len` bytes to its end through `take(cap + 1)`: the work
/// stops one byte past the cap.
fn read_capped(reader: impl Read, input_len: usize, cap: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(first_capacity(input_len, cap));
    read_more(reader, cap, &mut out)?;
    Ok(out)
}

/// The output buffer's first size: four times the input (JSON compresses about that
/// well), at least 1 KiB, at most one byte past the cap; it grows as needed.
fn first_capacity(input_len: usize, cap: usize) -> usize {
    input_len
        .saturating_mul(4)
        .max(1024)
        .min(cap.saturating_add(1))
}

/// Appends what `reader` gives to `out`, `out` at most `cap` bytes long in the end.
fn read_more(reader: impl Read, cap: usize, out: &mut Vec<u8>) -> Result<(), Failure> {
    let room = cap.saturating_add(1).saturating_sub(out.len()) as u64;
    reader
        .take(room)
        .read_to_end(out)
        .map_err(|_| Failure::Corrupt)?;
    if out.len() > cap {
        return Err(Failure::TooLarge);
    }
    Ok(())
}

/// Whether `input` opens with a zlib header (RFC 1950: method 8, window at most 32 KiB,
/// check bits right); `deflate` bodies without one are read as raw deflate.
fn has_zlib_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

thread_local! {
    /// One inflater per thread (the shipper's worker), reset for each stream: a new one
    /// allocates and clears about 43 KB of state (half the instructions of decoding a
    /// 1 KB gzip body).
    static INFLATER: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's inflater (`f` resets it for each stream it starts).
fn with_inflater<T>(f: impl FnOnce(&mut Decompress) -> T) -> T {
    INFLATER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => f(slot.get_or_insert_with(|| Decompress::new(false))),
        // Not reached (nothing decodes inside `f`); a fresh inflater is always right.
        Err(_) => f(&mut Decompress::new(false)),
    })
}

/// Inflates a zlib or raw deflate stream, which must end (a stream cut short, or bytes
/// after its end, are corrupt), writing at most `cap` bytes.
fn inflate(input: &[u8], zlib: bool, cap: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(first_capacity(input.len(), cap));
    let used = with_inflater(|state| {
        state.reset(zlib);
        inflate_into(state, input, cap, &mut out)
    })?;
    if used == input.len() {
        Ok(out)
    } else {
        Err(Failure::Corrupt)
    }
}

/// Decodes every member of a gzip body (RFC 1952: concatenated members are one body),
/// at most `cap` bytes in all. Each member's header is checked (method, reserved flags,
/// header CRC), its deflate stream must end, and its CRC-32 and length must match;
/// anything after the last member is corrupt.
fn gunzip(input: &[u8], cap: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(first_capacity(input.len(), cap));
    let mut rest = input;
    with_inflater(|state| loop {
        let body = after_gzip_header(rest).ok_or(Failure::Corrupt)?;
        state.reset(false);
        let start = out.len();
        let used = inflate_into(state, body, cap, &mut out)?;
        let trailer = body.get(used..used + 8).ok_or(Failure::Corrupt)?;
        let member = &out[start..];
        let crc = crc32fast::hash(member).to_le_bytes();
        let size = (member.len() as u32).to_le_bytes();
        if trailer[..4] != crc || trailer[4..] != size {
            return Err(Failure::Corrupt);
        }
        rest = &body[used + 8..];
        if rest.is_empty() {
            return Ok(out);
        }
    })
}

/// The bytes after the gzip member header at the start of `b`, or `None` when there is
/// no valid header (what flate2's header parser refuses: wrong magic or method, a
/// reserved flag, a header CRC that does not match, a header cut short).
fn after_gzip_header(b: &[u8]) -> Option<&[u8]> {
    const FHCRC: u8 = 1 << 1;
    const FEXTRA: u8 = 1 << 2;
    const FNAME: u8 = 1 << 3;
    const FCOMMENT: u8 = 1 << 4;
    const FRESERVED: u8 = 0xe0;
    let fixed = b.get(..10)?;
    let flags = fixed[3];
    if fixed[..3] != [0x1f, 0x8b, 8] || flags & FRESERVED != 0 {
        return None;
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = b.get(at..at + 2)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            at += b.get(at..)?.iter().position(|&c| c == 0)? + 1;
        }
    }
    if flags & FHCRC != 0 {
        let stored = b.get(at..at + 2)?;
        let header = b.get(..at)?;
        if crc32fast::hash(header) as u16 != u16::from_le_bytes([stored[0], stored[1]]) {
            return None;
        }
        at += 2;
    }
    b.get(at..)
}

/// Inflates one stream from the start of `input` into `out` (at most `cap` bytes in
/// all) until it ends; returns the input bytes it used. A stream cut short is corrupt.
fn inflate_into(
    state: &mut Decompress,
    input: &[u8],
    cap: usize,
    out: &mut Vec<u8>,
) -> Result<usize, Failure> {
    let limit = cap.saturating_add(1);
    let base = state.total_in();
    loop {
        if out.len() == out.capacity() {
            if out.len() > cap {
                return Err(Failure::TooLarge);
            }
            let more = out.len().max(4096).min(limit - out.len());
            out.reserve_exact(more);
        }
        let used = usize::try_from(state.total_in() - base).map_err(|_| Failure::Corrupt)?;
        let (in_before, out_before) = (state.total_in(), out.len());
        let status = state
            .decompress_vec(&input[used..], out, FlushDecompress::None)
            .map_err(|_| Failure::Corrupt)?;
        if out.len() > cap {
            return Err(Failure::TooLarge);
        }
        match status {
            Status::StreamEnd => {
                return usize::try_from(state.total_in() - base).map_err(|_| Failure::Corrupt)
            }
            // No progress with room to write: the input ended before the stream did.
            Status::Ok | Status::BufError
                if state.total_in() == in_before
                    && out.len() == out_before
                    && out.len() < out.capacity() =>
            {
                return Err(Failure::Corrupt)
            }
            Status::Ok | Status::BufError => {}
        }
    }
}

/// Decodes every zstd frame of `input` (skippable frames skipped), at most `cap` bytes.
fn unzstd(mut input: &[u8], cap: usize) -> Result<Vec<u8>, Failure> {
    use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
    use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

    let mut frames = FrameDecoder::new();
    frames.set_max_window_size(ZSTD_MAX_WINDOW);
    let mut out = Vec::with_capacity(first_capacity(input.len(), cap));
    loop {
        match StreamingDecoder::new_with_decoder(&mut input, &mut frames) {
            Ok(mut frame) => {
                read_more(&mut frame, cap, &mut out)?;
                if !frame.decoder.is_finished() {
                    return Err(Failure::Corrupt);
                }
            }
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                let length = usize::try_from(length).map_err(|_| Failure::Corrupt)?;
                input = input.get(length..).ok_or(Failure::Corrupt)?;
            }
            Err(_) => return Err(Failure::Corrupt),
        }
        if input.is_empty() {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests;
