//! Base64 encoding for the wire: standard with padding (device keys and signatures,
//! `docs/protocol.md#device-keys`) and URL-safe without padding (PKCE, `state`, path segments).
//!
//! One routine serves both alphabets (the alphabet is a value, not a type parameter), so a
//! microcontroller carries one encoder instead of one per alphabet. Like `base64ct`, it has
//! no table look-ups and no branches on the data: PKCE verifiers and `state` are secrets.

/// Which base64 flavour to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    /// RFC 4648 §4: `A–Z a–z 0–9 + /`, padded with `=` to a multiple of four characters.
    Standard,
    /// RFC 4648 §5: `A–Z a–z 0–9 - _`, no padding.
    UrlUnpadded,
}

/// The output buffer is smaller than [`encoded_len`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall;

/// Characters that encoding `len` bytes produces.
#[must_use]
pub const fn encoded_len(len: usize, alphabet: Alphabet) -> usize {
    match alphabet {
        Alphabet::Standard => len.div_ceil(3) * 4,
        Alphabet::UrlUnpadded => (len * 4).div_ceil(3),
    }
}

/// The character for a 6-bit value, computed without branches or look-ups: `A` + `v`, moved
/// into the next range by masks that are all-ones exactly when `v` is past a boundary.
const fn char_for(v: u8, alphabet: Alphabet) -> u8 {
    let v = v as i16;
    // Past 25: 'a' - 'A' - 26 = 6. Past 51: '0' - 'a' - 26 = -75. Past 61 and 62: to the two
    // alphabet-specific characters ('+' '/' or '-' '_').
    let (last_but_one, last) = match alphabet {
        Alphabet::Standard => (-15, 3),
        Alphabet::UrlUnpadded => (-13, 49),
    };
    let mut c = v + b'A' as i16;
    c += ((25 - v) >> 8) & 6;
    c -= ((51 - v) >> 8) & 75;
    c += ((61 - v) >> 8) & last_but_one;
    c += ((62 - v) >> 8) & last;
    c as u8
}

/// Encodes `input` into the start of `out` and returns the text.
///
/// # Errors
/// [`BufferTooSmall`] when `out` is shorter than [`encoded_len`].
pub fn encode<'o>(
    input: &[u8],
    out: &'o mut [u8],
    alphabet: Alphabet,
) -> Result<&'o str, BufferTooSmall> {
    let len = encoded_len(input.len(), alphabet);
    let out = out.get_mut(..len).ok_or(BufferTooSmall)?;
    let mut chars = out.iter_mut();
    for group in input.chunks(3) {
        let byte = |i: usize| group.get(i).copied().unwrap_or(0);
        let b = [byte(0), byte(1), byte(2)];
        let sextets = [
            b[0] >> 2,
            ((b[0] & 3) << 4) | (b[1] >> 4),
            ((b[1] & 15) << 2) | (b[2] >> 6),
            b[2] & 63,
        ];
        // One byte gives two characters, two give three, three give four; the rest is padding.
        for (i, &s) in sextets.iter().enumerate() {
            let Some(c) = chars.next() else { break };
            *c = if i <= group.len() { char_for(s, alphabet) } else { b'=' };
        }
    }
    // Only ASCII was written.
    core::str::from_utf8(out).map_err(|_| BufferTooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64, Base64UrlUnpadded, Encoding};
    use proptest::prelude::*;
    use std::vec;

    fn ours(input: &[u8], alphabet: Alphabet) -> std::string::String {
        let mut buf = vec![0u8; encoded_len(input.len(), alphabet)];
        encode(input, &mut buf, alphabet).expect("fits").into()
    }

    #[test]
    fn every_sextet_and_rfc4648_vectors() {
        let standard = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for v in 0..64u8 {
            assert_eq!(char_for(v, Alphabet::Standard), standard[usize::from(v)]);
            assert_eq!(char_for(v, Alphabet::UrlUnpadded), url[usize::from(v)]);
        }
        // RFC 4648 §10.
        for (input, padded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(ours(input.as_bytes(), Alphabet::Standard), padded);
            assert_eq!(ours(input.as_bytes(), Alphabet::UrlUnpadded), padded.trim_end_matches('='));
        }
    }

    #[test]
    fn short_buffer_is_an_error() {
        let mut buf = [0u8; 3];
        assert_eq!(encode(b"foo", &mut buf, Alphabet::Standard), Err(BufferTooSmall));
        assert_eq!(encode(b"fo", &mut buf, Alphabet::UrlUnpadded).map(str::len), Ok(3));
    }

    proptest! {
        #[test]
        fn agrees_with_base64ct(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(ours(&input, Alphabet::Standard), Base64::encode_string(&input));
            prop_assert_eq!(
                ours(&input, Alphabet::UrlUnpadded),
                Base64UrlUnpadded::encode_string(&input)
            );
        }
    }
}
