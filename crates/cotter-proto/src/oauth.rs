//! OAuth token set (`oauth_token`, `docs/protocol.md#code-exchange`) and the refresh request
//! (`docs/protocol.md#refresh`).

use core::fmt;

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

use crate::AuthMethod;
use crate::redact::{Redacted, redact_opt};

/// The token set Cotter returns as `oauth_token` (code exchange, enrolment, events) and, with
/// no wrapper, from `POST /token/<API_KEY_ID>` (refresh).
///
/// `refresh_token` is optional: older servers omitted it on refresh. Use
/// [`rotated_refresh_token`](Self::rotated_refresh_token) to apply the rotation rule.
/// `Debug` hides the three tokens.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct OAuthToken<'a> {
    /// ES256 JWT access token.
    pub access_token: &'a str,
    /// The login method (`"OTP"`, `"MAGIC_LINK"`, `"TRUSTED_DEVICE"`, …); kept on refresh.
    pub auth_method: &'a str,
    /// Lifetime of the access token in seconds (3600).
    pub expires_in: u64,
    /// ES256 JWT ID token.
    pub id_token: &'a str,
    /// Opaque `"<id>:<secret>"` refresh token; may be absent or empty on refresh.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
    /// `"Bearer"`.
    pub token_type: &'a str,
}

impl<'a> OAuthToken<'a> {
    /// The refresh token to store after this response, per the rotation rule
    /// (`docs/protocol.md#rotation`): the new one when the response carries a non-empty one,
    /// otherwise `None` (keep the old one).
    #[must_use]
    pub fn rotated_refresh_token(&self) -> Option<&'a str> {
        self.refresh_token.filter(|t| !t.is_empty())
    }

    /// The login method, when it is one this crate knows.
    #[must_use]
    pub fn method(&self) -> Option<AuthMethod> {
        AuthMethod::parse(self.auth_method)
    }

    /// True when `token_type` is `Bearer` (compared case-insensitively, RFC 6749 §7.1).
    #[must_use]
    pub fn is_bearer(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("bearer")
    }
}

impl fmt::Debug for OAuthToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthToken")
            .field("access_token", &Redacted)
            .field("auth_method", &self.auth_method)
            .field("expires_in", &self.expires_in)
            .field("id_token", &Redacted)
            .field("refresh_token", &redact_opt(self.refresh_token))
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// The `grant_type` of a refresh request.
pub const GRANT_TYPE_REFRESH_TOKEN: &str = "refresh_token";

/// Body of `POST /token/<API_KEY_ID>` (and legacy `POST /token`), `docs/protocol.md#refresh`:
/// `{"grant_type":"refresh_token","refresh_token":"…"}`.
///
/// `Debug` hides the refresh token.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct RefreshRequest<'a> {
    /// Always [`GRANT_TYPE_REFRESH_TOKEN`] when built with [`RefreshRequest::new`].
    pub grant_type: &'a str,
    /// The stored refresh token. Cotter's JS SDK omits it and relies on a cookie; a native
    /// client always sends it.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<&'a str>,
}

impl<'a> RefreshRequest<'a> {
    /// A refresh request carrying `refresh_token`.
    #[must_use]
    pub const fn new(refresh_token: &'a str) -> Self {
        Self { grant_type: GRANT_TYPE_REFRESH_TOKEN, refresh_token: Some(refresh_token) }
    }
}

impl fmt::Debug for RefreshRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("grant_type", &self.grant_type)
            .field("refresh_token", &redact_opt(self.refresh_token))
            .finish()
    }
}
