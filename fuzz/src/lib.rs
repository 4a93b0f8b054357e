//! The checks behind the fuzz targets of cotter-rs, one module per target.
//!
//! Each target in `fuzz_targets/` is one line that hands libFuzzer's input to a function here,
//! so the logic is ordinary, formatted, linted Rust. Every function panics (a crash to
//! libFuzzer) when the code under test panics or breaks one of the properties it checks; any
//! other outcome, errors included, is a pass.

pub mod es256_compact;
pub mod flash_ops;
pub mod http1_response;
pub mod jwk;
pub mod jwt;
pub mod proto_decode;
pub mod redirect_query;
pub mod store_decode;

/// Bytes read off the front of a fuzz input, with defaults once it runs out.
#[derive(Debug)]
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// Reads `data` from its start.
    #[must_use]
    pub const fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next byte, or 0 at the end.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes as a little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// The next eight bytes as a little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// Up to `n` next bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Whether every byte was read.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// What is left.
    #[must_use]
    pub const fn rest(&self) -> &'a [u8] {
        self.data
    }
}

/// Splits `data` at the first `0xFF` byte, which never occurs in UTF-8 text: `(before, after)`,
/// `after` empty when there is none.
#[must_use]
pub fn split_ff(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
