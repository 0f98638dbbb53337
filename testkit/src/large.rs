//! Large deterministic bodies that are never materialised, and a chunking-independent
//! digest to compare them.

/// Size of each chunk of [`pattern_chunks`].
pub const PATTERN_CHUNK: usize = 64 * 1024;

/// A deterministic body of `total` bytes as chunks of [`PATTERN_CHUNK`] bytes, generated
/// lazily (zero-copy slices of one shared 64 KiB block): never materialised.
pub fn pattern_chunks(total: u64) -> impl Iterator<Item = bytes::Bytes> + Send + 'static {
    let base: bytes::Bytes = (0..PATTERN_CHUNK + 251)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    let chunk = PATTERN_CHUNK as u64;
    (0..total.div_ceil(chunk)).map(move |i| {
        let len = usize::try_from(chunk.min(total - i * chunk)).unwrap_or(PATTERN_CHUNK);
        let start = usize::try_from(i.wrapping_mul(7) % 251).unwrap_or(0);
        base.slice(start..start + len)
    })
}

/// The digest of the whole of [`pattern_chunks`]`(total)`.
pub fn pattern_digest(total: u64) -> Digest {
    let mut d = Digest::default();
    for c in pattern_chunks(total) {
        d.update(&c);
    }
    d
}

/// Length and a 64-bit hash of a byte stream, independent of how it was chunked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// Bytes seen.
    pub len: u64,
    hash: u64,
    pending: [u8; 8],
    npending: usize,
}

impl Default for Digest {
    fn default() -> Digest {
        Digest {
            len: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            pending: [0; 8],
            npending: 0,
        }
    }
}

impl Digest {
    fn word(&mut self, w: u64) {
        self.hash = (self.hash ^ w)
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(29);
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.npending > 0 {
            let take = (8 - self.npending).min(data.len());
            self.pending[self.npending..self.npending + take].copy_from_slice(&data[..take]);
            self.npending += take;
            data = &data[take..];
            if self.npending < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.pending));
            self.npending = 0;
        }
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            self.word(u64::from_le_bytes(a));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.npending = rest.len();
    }

    /// The final (length, hash).
    pub fn finish(&self) -> (u64, u64) {
        let mut h = self.hash;
        for b in &self.pending[..self.npending] {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        (self.len, h)
    }
}
