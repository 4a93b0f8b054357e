//! ES256 JWS compact serialization with Cotter's exact header and claim layout
//! (`docs/protocol.md#tokens`).

use super::keys::JwtKey;
use crate::util::b64;
use p256::ecdsa::Signature;
use p256::ecdsa::signature::Signer as _;
use serde::Serialize;
use std::string::String;

/// Cotter's `iss`.
pub(crate) const ISSUER: &str = "https://www.cotter.app";

/// Access-token claims, in the order real Cotter tokens list them.
#[derive(Debug, Serialize)]
pub(crate) struct AccessClaims<'a> {
    pub(crate) client_user_id: &'a str,
    pub(crate) authentication_method: &'a str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) scope: &'static str,
    pub(crate) aud: &'a str,
    pub(crate) exp: u64,
    pub(crate) jti: &'a str,
    pub(crate) iat: u64,
    pub(crate) iss: &'static str,
    pub(crate) sub: &'a str,
}

/// ID-token claims, in the order real Cotter tokens list them (`auth_time` is a string).
#[derive(Debug, Serialize)]
pub(crate) struct IdClaims<'a> {
    pub(crate) client_user_id: &'a str,
    pub(crate) auth_time: String,
    pub(crate) identifier: &'a str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) aud: &'a str,
    pub(crate) exp: u64,
    pub(crate) jti: &'a str,
    pub(crate) iat: u64,
    pub(crate) iss: &'static str,
    pub(crate) sub: &'a str,
}

/// Signs `claims` as `{"alg":"ES256","kid":…,"typ":"JWT"}` with a raw `r||s` signature.
pub(crate) fn sign<C: Serialize>(key: &JwtKey, claims: &C) -> String {
    let kid = serde_json::to_string(&key.kid).unwrap_or_else(|_| String::from("\"\""));
    let header = format!("{{\"alg\":\"ES256\",\"kid\":{kid},\"typ\":\"JWT\"}}");
    // Serializing a struct of strings and integers cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let mut token = b64::url_encode(header.as_bytes());
    token.push('.');
    token.push_str(&b64::url_encode(&payload));
    let signature: Signature = key.key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&b64::url_encode(&signature.to_bytes()));
    token
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::Keys;
    use crate::util::rng::Csprng;
    use base64ct::{Base64UrlUnpadded, Encoding as _};
    use p256::ecdsa::signature::Verifier as _;

    #[test]
    fn header_claims_and_signature() {
        let keys = Keys::generate(&mut Csprng::from_seed(3), "SPACE_JWT_PUBLIC:K".into());
        let claims = AccessClaims {
            client_user_id: "u",
            authentication_method: "OTP",
            kind: "client_access_token",
            scope: "access",
            aud: "key",
            exp: 3700,
            jti: "j",
            iat: 100,
            iss: ISSUER,
            sub: "u",
        };
        let token = sign(keys.current(), &claims);
        let parts: std::vec::Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = Base64UrlUnpadded::decode_vec(parts[0]).expect("b64");
        assert_eq!(header, br#"{"alg":"ES256","kid":"SPACE_JWT_PUBLIC:K","typ":"JWT"}"#);
        let payload =
            String::from_utf8(Base64UrlUnpadded::decode_vec(parts[1]).expect("b64")).expect("utf8");
        assert_eq!(
            payload,
            r#"{"client_user_id":"u","authentication_method":"OTP","type":"client_access_token","scope":"access","aud":"key","exp":3700,"jti":"j","iat":100,"iss":"https://www.cotter.app","sub":"u"}"#
        );
        let sig = Base64UrlUnpadded::decode_vec(parts[2]).expect("b64");
        assert_eq!(sig.len(), 64);
        let sig = Signature::from_slice(&sig).expect("sig");
        let signed = &token[..parts[0].len() + 1 + parts[1].len()];
        assert!(keys.current().key.verifying_key().verify(signed.as_bytes(), &sig).is_ok());
    }
}
