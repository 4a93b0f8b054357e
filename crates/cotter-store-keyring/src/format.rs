//! How one record is laid out across keyring entries: a head entry and numbered chunks.
//!
//! # Entries
//!
//! The head lives in the entry named after the user (`alice`); when the record does not fit in
//! one entry the rest goes to chunk entries `alice#a1`, `alice#a2`, … or `alice#b1`, `alice#b2`,
//! …: two banks, used in turn, so a save writes its chunks into the bank the current head does
//! not point to and only then replaces the head. A save interrupted at any point leaves the old
//! head and its chunks intact.
//!
//! # Head, version 1 (little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `CKRS` |
//! | 4 | 1 | version, 1 |
//! | 5 | 1 | bank: 0 = `a`, 1 = `b` |
//! | 6 | 2 | number of parts, head included (≥ 1) |
//! | 8 | 4 | generation, +1 per save |
//! | 12 | 4 | length of the whole record |
//! | 16 | … | the first part of the record |
//!
//! # Chunk
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | generation of the head it belongs to |
//! | 4 | … | the next part of the record |
//!
//! The record itself is the [`cotter_store::codec`] record, with its own CRC.

#[cfg(test)]
mod tests;

use core::fmt;
use cotter_store::MAX_ENCODED_LEN;

/// First bytes of every head.
pub(crate) const MAGIC: [u8; 4] = *b"CKRS";
/// The head version this crate writes and reads.
pub(crate) const VERSION: u8 = 1;
/// Bytes of the head before the first part of the record.
pub(crate) const HEAD_LEN: usize = 16;
/// Bytes of a chunk before its part of the record.
pub(crate) const CHUNK_HEADER_LEN: usize = 4;

/// One of the two sets of chunk entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bank {
    /// Chunks `user#a1`, `user#a2`, …
    A,
    /// Chunks `user#b1`, `user#b2`, …
    B,
}

impl Bank {
    /// The other bank.
    pub(crate) const fn flip(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }

    const fn byte(self) -> u8 {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }

    const fn letter(self) -> char {
        match self {
            Self::A => 'a',
            Self::B => 'b',
        }
    }
}

/// The name of chunk `index` (from 1) of `bank` for `user`: `user#a1`.
pub(crate) fn chunk_name(user: &str, bank: Bank, index: u16) -> String {
    format!("{user}#{}{index}", bank.letter())
}

/// The decoded head of a stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// Where the chunks are.
    pub(crate) bank: Bank,
    /// Parts of the record, the head's own included.
    pub(crate) parts: u16,
    /// Save counter; every chunk repeats it.
    pub(crate) generation: u32,
    /// Length of the whole record.
    pub(crate) record_len: u32,
}

/// Why a head or chunk cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatError {
    /// Not a head at all: too short, bad magic, bank or lengths.
    BadHead,
    /// A head of a version this crate does not read.
    UnsupportedVersion(u8),
    /// A chunk shorter than its header.
    ShortChunk,
    /// A chunk written for another generation (a save interleaved with this load).
    StaleChunk,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadHead => f.write_str("not a session head"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported head version {v}"),
            Self::ShortChunk => f.write_str("chunk too short"),
            Self::StaleChunk => f.write_str("chunk from another save"),
        }
    }
}

impl Head {
    /// The head bytes, to be followed by the first part of the record.
    pub(crate) fn to_bytes(self) -> [u8; HEAD_LEN] {
        let mut out = [0u8; HEAD_LEN];
        out[..4].copy_from_slice(&MAGIC);
        out[4] = VERSION;
        out[5] = self.bank.byte();
        out[6..8].copy_from_slice(&self.parts.to_le_bytes());
        out[8..12].copy_from_slice(&self.generation.to_le_bytes());
        out[12..16].copy_from_slice(&self.record_len.to_le_bytes());
        out
    }

    /// Splits a head entry's secret into the head and the first part of the record. Any input
    /// is safe.
    pub(crate) fn parse(secret: &[u8]) -> Result<(Self, &[u8]), FormatError> {
        let (fixed, first) = secret.split_at_checked(HEAD_LEN).ok_or(FormatError::BadHead)?;
        if fixed[..4] != MAGIC {
            return Err(FormatError::BadHead);
        }
        if fixed[4] != VERSION {
            return Err(FormatError::UnsupportedVersion(fixed[4]));
        }
        let bank = match fixed[5] {
            0 => Bank::A,
            1 => Bank::B,
            _ => return Err(FormatError::BadHead),
        };
        let parts = u16::from_le_bytes([fixed[6], fixed[7]]);
        let generation = u32::from_le_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]);
        let record_len = u32::from_le_bytes([fixed[12], fixed[13], fixed[14], fixed[15]]);
        let len = usize::try_from(record_len).map_err(|_| FormatError::BadHead)?;
        let consistent = parts >= 1
            && len <= MAX_ENCODED_LEN
            && first.len() <= len
            && (parts > 1 || first.len() == len)
            && (parts == 1 || !first.is_empty());
        if !consistent {
            return Err(FormatError::BadHead);
        }
        Ok((Self { bank, parts, generation, record_len }, first))
    }
}

/// The chunk header for `generation`.
pub(crate) const fn chunk_header(generation: u32) -> [u8; CHUNK_HEADER_LEN] {
    generation.to_le_bytes()
}

/// The record bytes of a chunk that must belong to `generation`.
pub(crate) fn parse_chunk(secret: &[u8], generation: u32) -> Result<&[u8], FormatError> {
    let (header, data) =
        secret.split_at_checked(CHUNK_HEADER_LEN).ok_or(FormatError::ShortChunk)?;
    if header != chunk_header(generation) {
        return Err(FormatError::StaleChunk);
    }
    Ok(data)
}

/// How a record of `len` bytes is cut for entries of at most `chunk_size` bytes
/// (`chunk_size > HEAD_LEN.max(CHUNK_HEADER_LEN)`): the head's part, then each chunk's part.
pub(crate) fn split(record: &[u8], chunk_size: usize) -> (&[u8], impl Iterator<Item = &[u8]>) {
    let head_cap = chunk_size - HEAD_LEN;
    let (first, rest) = record.split_at(record.len().min(head_cap));
    (first, rest.chunks(chunk_size - CHUNK_HEADER_LEN))
}

/// The number of parts [`split`] makes.
pub(crate) const fn parts(len: usize, chunk_size: usize) -> usize {
    let head_cap = chunk_size - HEAD_LEN;
    if len <= head_cap { 1 } else { 1 + (len - head_cap).div_ceil(chunk_size - CHUNK_HEADER_LEN) }
}
