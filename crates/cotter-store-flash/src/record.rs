//! The record header on flash, and how records are ordered.
//!
//! A record is three parts, each starting on a `WRITE_SIZE` boundary and padded with `0xFF`:
//!
//! | part | bytes | content |
//! |---|---|---|
//! | header | 16 | magic `C0 7E`, kind, format 1, sequence number (`u32` LE), payload length (`u32` LE), CRC-32 of the previous 12 bytes |
//! | payload | length | a `cotter-store` record (session) or nothing (tombstone) |
//! | commit | 4 | CRC-32 of the 16 header bytes and the payload, written last |
//!
//! The header CRC lets a scan trust the length and skip a record whose payload was torn; the
//! commit word, programmed only after the header and payload read back correctly, is what
//! makes a record count. A half-programmed commit word does not match the CRC.

use cotter_store::MAX_ENCODED_LEN;
use cotter_store::crc::crc32;

/// Bytes of a record header.
pub(crate) const HEADER_LEN: usize = 16;
/// Bytes of the commit word.
pub(crate) const COMMIT_LEN: usize = 4;
/// The first two header bytes.
const MAGIC: [u8; 2] = [0xC0, 0x7E];
/// The header format this crate writes.
const FORMAT: u8 = 1;

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An encoded session.
    Session,
    /// "No session": written by `clear` so that older records stay dead.
    Tombstone,
}

impl Kind {
    const fn byte(self) -> u8 {
        match self {
            Self::Session => 0x5E,
            Self::Tombstone => 0x7B,
        }
    }

    const fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x5E => Some(Self::Session),
            0x7B => Some(Self::Tombstone),
            _ => None,
        }
    }
}

/// A record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kind: Kind,
    /// Sequence number: the record with the newest one (in serial-number order) wins.
    pub(crate) seq: u32,
    /// Payload length in bytes.
    pub(crate) len: u32,
}

impl Header {
    /// The 16 bytes written to flash.
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..2].copy_from_slice(&MAGIC);
        out[2] = self.kind.byte();
        out[3] = FORMAT;
        out[4..8].copy_from_slice(&self.seq.to_le_bytes());
        out[8..12].copy_from_slice(&self.len.to_le_bytes());
        let crc = crc32(&out[..12]);
        out[12..].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Parses 16 bytes read from flash; `None` for anything that is not a header this crate
    /// wrote (blank, torn, random or from another format), so [`Self::encode`] of the result
    /// gives back exactly `bytes`.
    pub(crate) fn parse(bytes: &[u8; HEADER_LEN]) -> Option<Self> {
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        if bytes[..2] != MAGIC || bytes[3] != FORMAT || crc32(&bytes[..12]) != word(12) {
            return None;
        }
        let kind = Kind::from_byte(bytes[2])?;
        let len = word(8);
        let len_ok = match kind {
            Kind::Session => usize::try_from(len).is_ok_and(|l| l <= MAX_ENCODED_LEN),
            Kind::Tombstone => len == 0,
        };
        len_ok.then_some(Self { kind, seq: word(4), len })
    }
}

/// Whether sequence number `a` is newer than `b` (serial-number arithmetic, RFC 1982 style).
///
/// The records present on flash at any time span far fewer than 2³¹ sequence numbers (a record
/// takes at least 20 bytes), so the comparison is a total order over them and the counter may
/// wrap.
pub(crate) const fn newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let h = Header { kind: Kind::Session, seq: 0xDEAD_BEEF, len: 2048 };
        let bytes = h.encode();
        assert_eq!(Header::parse(&bytes), Some(h));
        for bit in 0..HEADER_LEN * 8 {
            let mut bad = bytes;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(Header::parse(&bad), None, "bit {bit}");
        }
        assert_eq!(Header::parse(&[0xFF; HEADER_LEN]), None);
        assert_eq!(Header::parse(&[0; HEADER_LEN]), None);
    }

    #[test]
    fn tombstones_have_no_payload_and_sessions_a_bounded_one() {
        let t = Header { kind: Kind::Tombstone, seq: 1, len: 0 };
        assert_eq!(Header::parse(&t.encode()), Some(t));
        assert_eq!(Header::parse(&Header { len: 4, ..t }.encode()), None);
        let big = Header { kind: Kind::Session, seq: 1, len: MAX_ENCODED_LEN as u32 + 1 };
        assert_eq!(Header::parse(&big.encode()), None);
    }

    #[test]
    fn serial_order_wraps() {
        assert!(newer(2, 1));
        assert!(!newer(1, 2));
        assert!(!newer(5, 5));
        assert!(newer(0, u32::MAX));
        assert!(newer(3, u32::MAX - 3));
        assert!(!newer(u32::MAX, 0));
    }
}
