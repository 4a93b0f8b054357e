//! `store_decode`: the session record codec of `cotter-store`.
//!
//! The first byte picks the mode: even, the rest is decoded as it is; odd, the rest becomes the
//! body of a frame with the right magic, length and CRC (so the fuzzer reaches the field
//! parser without having to find a CRC). A record that decodes must be exactly what `encode`
//! writes for the decoded session: the format has one encoding per session.

use cotter_store::codec::MAGIC;
use cotter_store::crc::crc32;
use cotter_store::{DecodeError, ErrorKind, decode, encode, encoded_len};

/// `MAGIC`, `version`, `flags`, the total length, `body`, the CRC.
fn frame(version: u8, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut rec = MAGIC.to_vec();
    rec.push(version);
    rec.push(flags);
    let total = u32::try_from(10 + body.len() + 4).unwrap_or(u32::MAX);
    rec.extend_from_slice(&total.to_le_bytes());
    rec.extend_from_slice(body);
    let crc = crc32(&rec);
    rec.extend_from_slice(&crc.to_le_bytes());
    rec
}

fn check(record: &[u8], framed: bool) {
    match decode(record) {
        Ok(session) => {
            let len = encoded_len(&session).expect("a decoded session encodes");
            assert_eq!(len, record.len());
            let mut out = vec![0u8; len];
            assert_eq!(encode(&session, &mut out), Ok(len));
            assert_eq!(out, record, "decode accepted a non-canonical record");
            let shown = format!("{session:?}");
            assert!(!shown.is_empty());
        }
        Err(e) => {
            let _ = e.to_string();
            let version_or_flags =
                matches!(e, DecodeError::UnsupportedVersion(_) | DecodeError::UnknownFlags(_));
            assert_eq!(e.kind() == ErrorKind::UnsupportedVersion, version_or_flags, "{e:?}");
            if framed {
                assert!(!matches!(e, DecodeError::BadMagic | DecodeError::CrcMismatch), "{e:?}");
            }
        }
    }
}

/// The fuzz target.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 0 {
        check(rest, false);
    } else {
        let [version, flags, body @ ..] = rest else { return };
        // Mostly version 1, so that the fields are read.
        let version = if *version >= 0xF0 { *version } else { 1 };
        check(&frame(version, *flags, body), true);
    }
}
