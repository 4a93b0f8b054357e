//! The versioned binary record that every persistent store writes: [`encode`] and [`decode`].
//!
//! # Format, version 1
//!
//! All integers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic, [`MAGIC`] (`CTSR`) |
//! | 4 | 1 | version, [`VERSION`] (1) |
//! | 5 | 1 | flags: bit 0 = a device key follows; other bits are reserved and zero |
//! | 6 | 4 | total length of the record in bytes, CRC included |
//! | 10 | 8 | `expires_at`, Unix seconds |
//! | 18 | 2 + n | `access_token`: a `u16` length `n`, then `n` bytes of UTF-8 |
//! | … | 2 + n | `id_token`, then `refresh_token`, `token_type`, `auth_method`, `user_id`, each the same way |
//! | … | 32 | the device key, only when flag bit 0 is set |
//! | len − 4 | 4 | CRC-32/ISO-HDLC of every byte before it |
//!
//! Every future version keeps the first ten bytes and the trailing CRC, so a reader can always
//! tell a damaged record ([`ErrorKind::Corrupt`]) from one it is too old to read
//! ([`ErrorKind::UnsupportedVersion`]): the CRC is checked before the version.
//!
//! # Limits
//!
//! Each string field is at most [`MAX_FIELD_LEN`] (8 KiB) bytes; a record is therefore at most
//! [`MAX_ENCODED_LEN`] bytes. The three Cotter tokens of a real session take about 2 KiB.
//!
//! [`ErrorKind::Corrupt`]: crate::ErrorKind::Corrupt
//! [`ErrorKind::UnsupportedVersion`]: crate::ErrorKind::UnsupportedVersion

mod error;
#[cfg(test)]
mod tests;

pub use error::{DecodeError, EncodeError, Field};

use crate::crc::{Crc32, crc32};
use crate::session::{DEVICE_KEY_LEN, Session};

/// The first four bytes of every record.
pub const MAGIC: [u8; 4] = *b"CTSR";
/// The version this crate writes, and the only one it reads.
pub const VERSION: u8 = 1;
/// The longest string field in bytes (8 KiB).
pub const MAX_FIELD_LEN: usize = 8 * 1024;
/// Flag bit 0: a device key follows the string fields.
const FLAG_DEVICE_KEY: u8 = 0x01;
/// Bytes before the first string field.
const FIXED_HEADER_LEN: usize = 18;
/// Bytes of the trailing CRC.
const CRC_LEN: usize = 4;
/// Bytes every version starts with: magic, version, flags, total length.
const FRAME_HEADER_LEN: usize = 10;
/// Number of length-prefixed string fields.
const FIELD_COUNT: usize = 6;
/// The shortest version-1 record: all strings empty, no device key.
pub const MIN_ENCODED_LEN: usize = FIXED_HEADER_LEN + 2 * FIELD_COUNT + CRC_LEN;
/// The longest version-1 record: every string [`MAX_FIELD_LEN`] bytes and a device key.
pub const MAX_ENCODED_LEN: usize =
    FIXED_HEADER_LEN + FIELD_COUNT * (2 + MAX_FIELD_LEN) + DEVICE_KEY_LEN + CRC_LEN;

/// The string fields of `session` in record order.
fn fields<'a>(session: &Session<'a>) -> [(Field, &'a str); FIELD_COUNT] {
    [
        (Field::AccessToken, session.access_token),
        (Field::IdToken, session.id_token),
        (Field::RefreshToken, session.refresh_token),
        (Field::TokenType, session.token_type),
        (Field::AuthMethod, session.auth_method),
        (Field::UserId, session.user_id),
    ]
}

/// The exact number of bytes [`encode`] writes for `session`.
///
/// # Errors
///
/// [`EncodeError::FieldTooLong`] when a string is longer than [`MAX_FIELD_LEN`].
pub fn encoded_len(session: &Session<'_>) -> Result<usize, EncodeError> {
    let mut len = FIXED_HEADER_LEN + CRC_LEN;
    for (field, value) in fields(session) {
        if value.len() > MAX_FIELD_LEN {
            return Err(EncodeError::FieldTooLong { field, len: value.len() });
        }
        len += 2 + value.len();
    }
    if session.device_key.is_some() {
        len += DEVICE_KEY_LEN;
    }
    Ok(len)
}

/// Encodes `session` into the start of `out` and returns the number of bytes written.
///
/// # Errors
///
/// [`EncodeError::FieldTooLong`] when a string is longer than [`MAX_FIELD_LEN`];
/// [`EncodeError::BufferTooSmall`] when `out` is shorter than [`encoded_len`]. Nothing is
/// written in either case.
///
/// ```
/// use cotter_store::{Session, decode, encode, encoded_len};
///
/// let session = Session::new("access", "id", "refresh", 1_700_000_000).with_auth_method("OTP");
/// let mut buf = [0u8; 128];
/// let len = encode(&session, &mut buf)?;
/// assert_eq!(len, encoded_len(&session)?);
/// assert_eq!(decode(&buf[..len])?, session);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn encode(session: &Session<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let needed = encoded_len(session)?;
    let Some(out) = out.get_mut(..needed) else {
        return Err(EncodeError::BufferTooSmall { needed });
    };
    let mut at = 0;
    encode_with(session, |chunk: &[u8]| {
        // `encode_with` emits exactly `needed` bytes, so this slice is always in bounds.
        let dst =
            out.get_mut(at..at + chunk.len()).ok_or(EncodeError::BufferTooSmall { needed })?;
        dst.copy_from_slice(chunk);
        at += chunk.len();
        Ok(())
    })
}

/// Encodes `session` as a sequence of byte chunks handed to `sink`, in order, without a buffer
/// for the whole record; returns the record's length.
///
/// This is for stores that write in pieces (a flash page at a time). The chunks concatenated
/// are exactly what [`encode`] writes; they total [`encoded_len`] bytes, the last chunk being
/// the four CRC bytes.
///
/// # Errors
///
/// [`EncodeError::FieldTooLong`] (converted into `E`) before anything reaches `sink`, or the
/// first error `sink` returns.
pub fn encode_with<E, S>(session: &Session<'_>, mut sink: S) -> Result<usize, E>
where
    E: From<EncodeError>,
    S: FnMut(&[u8]) -> Result<(), E>,
{
    let len = encoded_len(session)?;
    let total = u32::try_from(len).map_err(|_| EncodeError::BufferTooSmall { needed: len })?;
    let mut crc = Crc32::new();
    let mut emit = |bytes: &[u8]| -> Result<(), E> {
        crc.update(bytes);
        sink(bytes)
    };
    let flags = if session.device_key.is_some() { FLAG_DEVICE_KEY } else { 0 };
    let mut header = [0u8; FIXED_HEADER_LEN];
    header[..4].copy_from_slice(&MAGIC);
    header[4] = VERSION;
    header[5] = flags;
    header[6..10].copy_from_slice(&total.to_le_bytes());
    header[10..18].copy_from_slice(&session.expires_at.to_le_bytes());
    emit(&header)?;
    for (field, value) in fields(session) {
        let n = u16::try_from(value.len())
            .map_err(|_| EncodeError::FieldTooLong { field, len: value.len() })?;
        emit(&n.to_le_bytes())?;
        emit(value.as_bytes())?;
    }
    if let Some(key) = session.device_key {
        emit(key)?;
    }
    let crc = crc.finish();
    sink(&crc.to_le_bytes())?;
    Ok(len)
}

/// Reads fields off a record, front to back.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.at.checked_add(n).ok_or(DecodeError::FieldOverrun)?;
        let out = self.bytes.get(self.at..end).ok_or(DecodeError::FieldOverrun)?;
        self.at = end;
        Ok(out)
    }

    fn string(&mut self, field: Field) -> Result<&'a str, DecodeError> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        if len > MAX_FIELD_LEN {
            return Err(DecodeError::FieldTooLong { field, len });
        }
        core::str::from_utf8(self.take(len)?).map_err(|_| DecodeError::InvalidUtf8 { field })
    }
}

/// Reads a little-endian `u32` at `at`; the caller has checked the bounds.
fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Decodes a record that fills `bytes` exactly; the session borrows from `bytes`.
///
/// Checks, in order: the magic, the declared length against `bytes.len()`, the CRC, then the
/// version and flags, then every field. Any input is safe: the worst outcome is an error.
///
/// # Errors
///
/// A [`DecodeError`] whose [`kind`](DecodeError::kind) is
/// [`ErrorKind::UnsupportedVersion`](crate::ErrorKind::UnsupportedVersion) for an intact
/// record of another version (or with unknown flags) and
/// [`ErrorKind::Corrupt`](crate::ErrorKind::Corrupt) for everything else, trailing bytes
/// included.
pub fn decode(bytes: &[u8]) -> Result<Session<'_>, DecodeError> {
    if bytes.len() < FRAME_HEADER_LEN + CRC_LEN {
        return Err(DecodeError::Truncated { len: bytes.len() });
    }
    if bytes[..4] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    let declared = le_u32(bytes, 6).ok_or(DecodeError::Truncated { len: bytes.len() })?;
    let declared = usize::try_from(declared).unwrap_or(usize::MAX);
    if declared > bytes.len() || declared < FRAME_HEADER_LEN + CRC_LEN {
        return Err(DecodeError::Truncated { len: bytes.len() });
    }
    if declared < bytes.len() {
        return Err(DecodeError::TrailingBytes { len: bytes.len(), record_len: declared });
    }
    let body_len = bytes.len() - CRC_LEN;
    let stored = le_u32(bytes, body_len).ok_or(DecodeError::Truncated { len: bytes.len() })?;
    if crc32(&bytes[..body_len]) != stored {
        return Err(DecodeError::CrcMismatch);
    }
    if bytes[4] != VERSION {
        return Err(DecodeError::UnsupportedVersion(bytes[4]));
    }
    let flags = bytes[5];
    if flags & !FLAG_DEVICE_KEY != 0 {
        return Err(DecodeError::UnknownFlags(flags));
    }
    let mut r = Reader { bytes: &bytes[..body_len], at: FRAME_HEADER_LEN };
    let expires = r.take(8)?;
    let mut exp = [0u8; 8];
    exp.copy_from_slice(expires);
    let access_token = r.string(Field::AccessToken)?;
    let id_token = r.string(Field::IdToken)?;
    let refresh_token = r.string(Field::RefreshToken)?;
    let token_type = r.string(Field::TokenType)?;
    let auth_method = r.string(Field::AuthMethod)?;
    let user_id = r.string(Field::UserId)?;
    let device_key = if flags & FLAG_DEVICE_KEY != 0 {
        let key: &[u8; DEVICE_KEY_LEN] =
            r.take(DEVICE_KEY_LEN)?.try_into().map_err(|_| DecodeError::FieldOverrun)?;
        Some(key)
    } else {
        None
    };
    if r.at != body_len {
        return Err(DecodeError::TrailingBytes { len: bytes.len(), record_len: r.at + CRC_LEN });
    }
    Ok(Session {
        access_token,
        id_token,
        refresh_token,
        expires_at: u64::from_le_bytes(exp),
        token_type,
        auth_method,
        user_id,
        device_key,
    })
}
