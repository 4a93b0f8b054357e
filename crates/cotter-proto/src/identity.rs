//! Code exchange (`docs/protocol.md#code-exchange`): `POST /verify/get_identity?oauth_token=true`
//! request and response.

use core::fmt;

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

use crate::redact::Redacted;
use crate::{OAuthToken, UnixSeconds, User};

/// Body of `POST /verify/get_identity?oauth_token=true`:
/// `{"code_verifier":…,"authorization_code":…,"challenge_id":123,"redirect_url":…}`.
///
/// `redirect_url` must equal the one sent to the hosted page. `Debug` hides the verifier
/// and the code.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct GetIdentityRequest<'a> {
    /// The PKCE verifier ([`CodeVerifier::as_str`](crate::CodeVerifier::as_str)).
    pub code_verifier: &'a str,
    /// The `code` of the redirect.
    pub authorization_code: &'a str,
    /// The `challenge_id` of the redirect (a JSON integer).
    pub challenge_id: u64,
    /// The same `redirect_url` as in the hosted-page URL.
    pub redirect_url: &'a str,
}

impl fmt::Debug for GetIdentityRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetIdentityRequest")
            .field("code_verifier", &Redacted)
            .field("authorization_code", &Redacted)
            .field("challenge_id", &self.challenge_id)
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// Response of the code exchange (`docs/protocol.md#code-exchange`).
///
/// `user` and `oauth_token` are what every Cotter SDK reads and are required; `identifier`
/// and `token` (only iOS reads them) are optional here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct IdentityResponse<'a> {
    /// The verified identifier record.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<IdentifierInfo<'a>>,
    /// Cotter's legacy Ed25519-signed identity token.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub token: Option<IdentityToken<'a>>,
    /// The user.
    #[serde(borrow)]
    pub user: User<'a>,
    /// The tokens.
    #[serde(borrow)]
    pub oauth_token: OAuthToken<'a>,
}

/// The `identifier` object of the code-exchange response. Required members follow the iOS
/// SDK's decoder (`ID`, `created_at`, `identifier`, `identifier_type`, `public_key`,
/// `device_type`, `device_name`, `expiry`); times are RFC 3339 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct IdentifierInfo<'a> {
    /// Identifier record UUID (`"ID"`).
    #[serde(rename = "ID")]
    pub id: &'a str,
    /// RFC 3339 creation time.
    pub created_at: &'a str,
    /// RFC 3339 update time (Cotter spells it `update_at`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub update_at: Option<&'a str>,
    /// RFC 3339 deletion time; `null` when not deleted.
    #[serde(default, borrow)]
    pub deleted_at: Option<&'a str>,
    /// The email address or phone number.
    pub identifier: &'a str,
    /// `"EMAIL"` or `"PHONE"`.
    pub identifier_type: &'a str,
    /// Base64 public key of the verifying browser/device.
    pub public_key: &'a str,
    /// E.g. `"BROWSER"`.
    pub device_type: &'a str,
    /// E.g. a user agent.
    pub device_name: &'a str,
    /// RFC 3339 expiry.
    pub expiry: &'a str,
    /// RFC 3339 time.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
}

/// The `token` object of the code-exchange response: Cotter's Ed25519-signed identity token.
/// Required members follow the iOS SDK (`identifier`, `identifier_type`, `receiver`,
/// `expire_at`, `signature`). Build the signed text with
/// [`SignedMessage::identity_token`](crate::SignedMessage::identity_token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct IdentityToken<'a> {
    /// UUID of the identifier record.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub identifier_id: Option<&'a str>,
    /// Expiry, Unix seconds as a string.
    pub expire_at: UnixSeconds,
    /// The email address or phone number.
    pub identifier: &'a str,
    /// `"EMAIL"` or `"PHONE"`.
    pub identifier_type: &'a str,
    /// The API key ID the token was issued to.
    pub receiver: &'a str,
    /// Base64 Ed25519 signature over `identifier + identifier_type + receiver + expire_at`.
    pub signature: &'a str,
    /// Issue time, Unix seconds as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<UnixSeconds>,
}
