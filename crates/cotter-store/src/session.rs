//! [`Session`]: the record a token store keeps, borrowed from a caller buffer.

use core::fmt;

/// Length in bytes of a trusted-device private key (a P-256 scalar, big-endian).
pub const DEVICE_KEY_LEN: usize = 32;

/// One signed-in session: the three tokens Cotter issues, their expiry and who they belong to.
///
/// Every string borrows from somewhere else: from the server's response when saving, from the
/// caller's buffer when [`loading`](crate::TokenStore::load). Nothing here allocates.
///
/// `Debug` never prints a token or the key, only their lengths. `PartialEq` compares secrets in
/// variable time; use it in tests, not to check a token an attacker sent.
///
/// ```
/// use cotter_store::Session;
///
/// let session = Session::new("eyJhbGciOi…access", "eyJhbGciOi…id", "94:qv2SAJN5u2u", 1_598_132_692)
///     .with_auth_method("OTP")
///     .with_user_id("9e7a7a8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f");
/// let shown = format!("{session:?}");
/// assert!(!shown.contains("qv2SAJN5u2u"));
/// assert!(shown.contains("OTP"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[doc(alias = "TokenSet")]
pub struct Session<'a> {
    /// The access token (a JWT), sent as `Authorization: Bearer …`.
    pub access_token: &'a str,
    /// The ID token (a JWT).
    pub id_token: &'a str,
    /// The refresh token (opaque, e.g. `94:qv2SAJN5u2u…`); may be empty.
    pub refresh_token: &'a str,
    /// When the access token expires, in Unix seconds.
    pub expires_at: u64,
    /// The token type, `Bearer` for every Cotter response.
    pub token_type: &'a str,
    /// How the user signed in (`OTP`, `MAGIC_LINK`, `TRUSTED_DEVICE`, …); may be empty.
    pub auth_method: &'a str,
    /// The Cotter user ID (a UUID); may be empty when unknown.
    pub user_id: &'a str,
    /// The trusted-device private key: a P-256 scalar as 32 big-endian bytes.
    pub device_key: Option<&'a [u8; DEVICE_KEY_LEN]>,
}

impl<'a> Session<'a> {
    /// A session with the given tokens and expiry, token type `Bearer`, no auth method, no user
    /// ID and no device key.
    #[must_use]
    pub const fn new(
        access_token: &'a str,
        id_token: &'a str,
        refresh_token: &'a str,
        expires_at: u64,
    ) -> Self {
        Self {
            access_token,
            id_token,
            refresh_token,
            expires_at,
            token_type: "Bearer",
            auth_method: "",
            user_id: "",
            device_key: None,
        }
    }

    /// The same session with `token_type` set.
    #[must_use]
    pub const fn with_token_type(mut self, token_type: &'a str) -> Self {
        self.token_type = token_type;
        self
    }

    /// The same session with `auth_method` set.
    #[must_use]
    pub const fn with_auth_method(mut self, auth_method: &'a str) -> Self {
        self.auth_method = auth_method;
        self
    }

    /// The same session with `user_id` set.
    #[must_use]
    pub const fn with_user_id(mut self, user_id: &'a str) -> Self {
        self.user_id = user_id;
        self
    }

    /// The same session with a trusted-device private key.
    #[must_use]
    pub const fn with_device_key(mut self, key: &'a [u8; DEVICE_KEY_LEN]) -> Self {
        self.device_key = Some(key);
        self
    }
}

/// Shows a secret as its length only.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

impl fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &Redacted(self.access_token.len()))
            .field("id_token", &Redacted(self.id_token.len()))
            .field("refresh_token", &Redacted(self.refresh_token.len()))
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("auth_method", &self.auth_method)
            .field("user_id", &self.user_id)
            .field("device_key", &self.device_key.map(|k| Redacted(k.len())))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn debug_redacts_tokens_and_key() {
        let key = [0xA5u8; DEVICE_KEY_LEN];
        let s = Session::new("access-secret", "id-secret", "refresh-secret", 42)
            .with_user_id("user-1")
            .with_device_key(&key);
        let shown = format!("{s:?}");
        for secret in ["access-secret", "id-secret", "refresh-secret", "165", "a5", "A5"] {
            assert!(!shown.contains(secret), "{shown} shows {secret}");
        }
        assert!(shown.contains("<redacted, 13 bytes>"), "{shown}");
        assert!(shown.contains("<redacted, 32 bytes>"), "{shown}");
        assert!(shown.contains("user-1") && shown.contains("42"), "{shown}");
    }

    #[test]
    fn builder_sets_fields() {
        let key = [1u8; DEVICE_KEY_LEN];
        let s = Session::new("a", "i", "r", 7)
            .with_token_type("bearer")
            .with_auth_method("MAGIC_LINK")
            .with_user_id("u")
            .with_device_key(&key);
        assert_eq!(s.token_type, "bearer");
        assert_eq!(s.auth_method, "MAGIC_LINK");
        assert_eq!(s.user_id, "u");
        assert_eq!(s.device_key, Some(&key));
        assert_eq!(Session::new("a", "i", "r", 7).token_type, "Bearer");
    }
}
