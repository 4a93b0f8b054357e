//! Base64 in the three spellings the protocol uses, and a lenient decoder for device public keys.

use base64ct::{Base64, Base64Unpadded, Base64UrlUnpadded, Encoding as _};
use std::string::String;
use std::vec::Vec;

/// Standard alphabet with padding (identity and event signatures, device keys).
pub(crate) fn std_encode(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// URL-safe alphabet without padding (JWS segments, PKCE, JWK coordinates).
pub(crate) fn url_encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes URL-safe base64 without padding (what [`url_encode`] makes).
pub(crate) fn url_decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Decodes base64 the way the Cotter SDKs sent it: either alphabet, padding optional, line breaks and
/// spaces ignored, and a space read as `+` (a raw `+` in a query string arrives as a space).
///
/// Returns `None` for anything that is not base64 after that normalisation.
pub(crate) fn lenient_decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim();
    let mut normalized = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        match c {
            '-' | ' ' => normalized.push('+'),
            '_' => normalized.push('/'),
            '\n' | '\r' | '\t' | '=' => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => normalized.push(c),
            _ => return None,
        }
    }
    Base64Unpadded::decode_vec(&normalized).ok()
}

/// Decodes standard base64 after removing ASCII whitespace (iOS and Android wrap keys at 64/76 columns).
pub(crate) fn std_decode_wrapped(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Base64::decode_vec(&compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_accepts_every_sdk_spelling() {
        let bytes: Vec<u8> = (0u8..=40).map(|b| b.wrapping_mul(37)).collect();
        let std = std_encode(&bytes);
        let url = url_encode(&bytes);
        let url_padded = std.replace('+', "-").replace('/', "_");
        let query_mangled = std.replace('+', " ");
        for spelling in [&std, &url, &url_padded, &query_mangled] {
            assert_eq!(lenient_decode(spelling).as_deref(), Some(&bytes[..]), "{spelling}");
        }
        assert_eq!(lenient_decode("not base64 *"), None);
    }

    #[test]
    fn wrapped_keys_decode() {
        let bytes = [7u8; 91];
        let std = std_encode(&bytes);
        let wrapped = format!("{}\n{}\n", &std[..64], &std[64..]);
        assert_eq!(std_decode_wrapped(&wrapped).as_deref(), Some(&bytes[..]));
    }
}
