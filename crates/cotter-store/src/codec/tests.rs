//! Unit tests of the record codec: layout, limits and every rejection path.

extern crate std;

use super::*;
use crate::ErrorKind;
use std::vec;
use std::vec::Vec;

fn sample() -> Session<'static> {
    Session::new("acc", "idt", "ref", 0x0102_0304_0506_0708)
        .with_auth_method("OTP")
        .with_user_id("u1")
}

fn encoded(session: &Session<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; encoded_len(session).unwrap()];
    let n = encode(session, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

/// Rewrites the trailing CRC after a test edited the body.
fn reseal(buf: &mut [u8]) {
    let n = buf.len() - 4;
    let crc = crc32(&buf[..n]);
    buf[n..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn layout_is_as_documented() {
    let buf = encoded(&sample());
    let mut expected = Vec::new();
    expected.extend_from_slice(b"CTSR");
    expected.push(1);
    expected.push(0);
    expected.extend_from_slice(&(buf.len() as u32).to_le_bytes());
    expected.extend_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1]);
    for s in ["acc", "idt", "ref", "Bearer", "OTP", "u1"] {
        expected.extend_from_slice(&(s.len() as u16).to_le_bytes());
        expected.extend_from_slice(s.as_bytes());
    }
    let crc = crc32(&expected);
    expected.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(buf, expected);
}

#[test]
fn round_trip_with_and_without_key() {
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    for s in [sample(), sample().with_device_key(&key), Session::new("", "", "", 0)] {
        let buf = encoded(&s);
        assert_eq!(decode(&buf).unwrap(), s);
    }
    assert_eq!(encoded(&Session::new("", "", "", 0).with_token_type("")).len(), MIN_ENCODED_LEN);
}

#[test]
fn key_sets_flag_and_adds_32_bytes() {
    let key = [9u8; 32];
    let plain = encoded(&sample());
    let keyed = encoded(&sample().with_device_key(&key));
    assert_eq!(keyed.len(), plain.len() + 32);
    assert_eq!(keyed[5], 1);
}

#[test]
fn max_sizes() {
    let big = "x".repeat(MAX_FIELD_LEN);
    let key = [0u8; 32];
    let s = Session {
        access_token: &big,
        id_token: &big,
        refresh_token: &big,
        expires_at: u64::MAX,
        token_type: &big,
        auth_method: &big,
        user_id: &big,
        device_key: Some(&key),
    };
    assert_eq!(encoded_len(&s), Ok(MAX_ENCODED_LEN));
    assert_eq!(decode(&encoded(&s)).unwrap(), s);

    let too_big = "x".repeat(MAX_FIELD_LEN + 1);
    let s = Session::new("a", "b", &too_big, 0);
    let err = encoded_len(&s).unwrap_err();
    assert_eq!(
        err,
        EncodeError::FieldTooLong { field: Field::RefreshToken, len: MAX_FIELD_LEN + 1 }
    );
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(encode(&s, &mut [0u8; 64]), Err(err));
}

#[test]
fn short_output_buffer_is_refused_untouched() {
    let s = sample();
    let needed = encoded_len(&s).unwrap();
    let mut buf = vec![0xEEu8; needed - 1];
    let err = encode(&s, &mut buf).unwrap_err();
    assert_eq!(err, EncodeError::BufferTooSmall { needed });
    assert_eq!(err.kind(), ErrorKind::BufferTooSmall);
    assert!(buf.iter().all(|&b| b == 0xEE));
}

#[test]
fn encode_with_emits_the_same_bytes() {
    let s = sample();
    let mut chunks = Vec::new();
    let n = encode_with(&s, |c: &[u8]| {
        chunks.extend_from_slice(c);
        Ok::<(), EncodeError>(())
    })
    .unwrap();
    assert_eq!(n, chunks.len());
    assert_eq!(chunks, encoded(&s));
}

#[test]
fn encode_with_stops_at_the_first_sink_error() {
    let mut calls = 0;
    let err = encode_with(&sample(), |_: &[u8]| {
        calls += 1;
        if calls == 3 { Err(EncodeError::BufferTooSmall { needed: 0 }) } else { Ok(()) }
    });
    assert!(err.is_err());
    assert_eq!(calls, 3);
}

#[test]
fn rejections() {
    let good = encoded(&sample());
    assert_eq!(decode(&[]), Err(DecodeError::Truncated { len: 0 }));
    assert_eq!(decode(&good[..13]), Err(DecodeError::Truncated { len: 13 }));
    assert_eq!(
        decode(&good[..good.len() - 1]),
        Err(DecodeError::Truncated { len: good.len() - 1 })
    );

    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        decode(&long),
        Err(DecodeError::TrailingBytes { len: good.len() + 1, record_len: good.len() })
    );

    let mut bad = good.clone();
    bad[0] = b'X';
    assert_eq!(decode(&bad), Err(DecodeError::BadMagic));

    let mut bad = good.clone();
    let last = bad.len() - 6;
    bad[last] ^= 0x01;
    assert_eq!(decode(&bad), Err(DecodeError::CrcMismatch));
    assert_eq!(DecodeError::CrcMismatch.kind(), ErrorKind::Corrupt);
}

#[test]
fn future_version_is_unsupported_not_corrupt() {
    let mut buf = encoded(&sample());
    buf[4] = 2;
    reseal(&mut buf);
    let err = decode(&buf).unwrap_err();
    assert_eq!(err, DecodeError::UnsupportedVersion(2));
    assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);

    // A future version may be longer or shorter; only the frame is read before the version.
    let mut v9 = Vec::new();
    v9.extend_from_slice(b"CTSR");
    v9.extend_from_slice(&[9, 0xFF]);
    v9.extend_from_slice(&18u32.to_le_bytes());
    v9.extend_from_slice(&[0; 8]);
    reseal(&mut v9);
    assert_eq!(decode(&v9), Err(DecodeError::UnsupportedVersion(9)));
}

#[test]
fn unknown_flags_are_unsupported() {
    let mut buf = encoded(&sample());
    buf[5] = 0x80;
    reseal(&mut buf);
    assert_eq!(decode(&buf), Err(DecodeError::UnknownFlags(0x80)));
    assert_eq!(DecodeError::UnknownFlags(0x80).kind(), ErrorKind::UnsupportedVersion);
}

#[test]
fn resealed_damage_inside_fields_is_corrupt() {
    let good = encoded(&sample());
    // A length prefix pointing past the end.
    let mut bad = good.clone();
    bad[18] = 0xFF;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(DecodeError::FieldOverrun));
    // A length prefix over the limit (with enough bytes behind it to be read).
    let mut bad = vec![0u8; MIN_ENCODED_LEN + MAX_FIELD_LEN + 1];
    bad[..4].copy_from_slice(b"CTSR");
    bad[4] = 1;
    let total = bad.len() as u32;
    bad[6..10].copy_from_slice(&total.to_le_bytes());
    bad[18..20].copy_from_slice(&((MAX_FIELD_LEN + 1) as u16).to_le_bytes());
    reseal(&mut bad);
    assert_eq!(
        decode(&bad),
        Err(DecodeError::FieldTooLong { field: Field::AccessToken, len: MAX_FIELD_LEN + 1 })
    );
    // Invalid UTF-8 in the id token ("idt" starts at 18 + 2 + 3 + 2).
    let mut bad = good.clone();
    bad[25] = 0xC3;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(DecodeError::InvalidUtf8 { field: Field::IdToken }));
    // A declared length larger than the fields, with the CRC at the end.
    let mut bad = good.clone();
    let n = bad.len();
    bad.insert(n - 4, 0);
    let total = bad.len() as u32;
    bad[6..10].copy_from_slice(&total.to_le_bytes());
    reseal(&mut bad);
    assert_eq!(
        decode(&bad),
        Err(DecodeError::TrailingBytes { len: good.len() + 1, record_len: good.len() })
    );
    // A key flag without a key.
    let mut bad = good;
    bad[5] = 1;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(DecodeError::FieldOverrun));
}

#[test]
fn every_error_displays_lowercase() {
    use std::string::ToString;
    let errors: [&dyn core::error::Error; 4] = [
        &DecodeError::CrcMismatch,
        &DecodeError::InvalidUtf8 { field: Field::UserId },
        &EncodeError::BufferTooSmall { needed: 3 },
        &EncodeError::FieldTooLong { field: Field::AccessToken, len: 9000 },
    ];
    for e in errors {
        let s = e.to_string();
        assert!(s.chars().next().unwrap().is_lowercase() && !s.ends_with('.'), "{s}");
    }
}
