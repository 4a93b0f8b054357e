//! The Cotter user object (`docs/protocol.md#the-user-object`) and the create-user request.

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

use crate::{AuthMethod, OAuthToken};

/// How many entries of `enrolled` / `identifiers` a [`User`] holds; a longer array is a
/// decoding error ([`JsonErrorKind::InvalidValue`](crate::JsonErrorKind::InvalidValue)).
pub const MAX_LIST: usize = 16;

/// A fixed-capacity list of borrowed strings (`enrolled`, `identifiers`).
pub type StrList<'a> = heapless::Vec<&'a str, MAX_LIST>;

/// The UUID Cotter (per Flutter/RN) may answer for an identifier with no user.
pub const NIL_USER_ID: &str = "00000000-0000-0000-0000-000000000000";

/// A Cotter user, as returned by the user endpoints, inside the code-exchange response, and —
/// with `oauth_token` — by trusted-device enrolment and `POST /user/create?oauth_token=true`
/// (`docs/protocol.md#users`, `#code-exchange`, `#enrolment-and-status` of the same file).
///
/// Required members follow the iOS SDK's decoder (`ID`, `created_at`, `issuer`,
/// `client_user_id`); the rest may be absent or `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct User<'a> {
    /// Cotter user UUID (`"ID"`).
    #[serde(rename = "ID")]
    pub id: &'a str,
    /// The application's user ID (deprecated: equals `ID` for users created since 2020).
    pub client_user_id: &'a str,
    /// The API key ID the user belongs to.
    pub issuer: &'a str,
    /// RFC 3339 creation time.
    pub created_at: &'a str,
    /// RFC 3339 update time as the iOS SDK spells it (`update_at`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub update_at: Option<&'a str>,
    /// RFC 3339 update time as the user API docs spell it (`updated_at`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<&'a str>,
    /// RFC 3339 deletion time (`"0001-01-01T00:00:00Z"` when not deleted), or `null`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<&'a str>,
    /// `null` or e.g. `"TRUSTED_DEVICE"`.
    #[serde(default, borrow)]
    pub default_method: Option<&'a str>,
    /// Enrolled methods (e.g. `["TRUSTED_DEVICE"]`), or `null`.
    #[serde(default, borrow)]
    pub enrolled: Option<StrList<'a>>,
    /// The email address, phone number or username.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<&'a str>,
    /// All identifiers, or `null`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<StrList<'a>>,
    /// Tokens, on responses that carry them at the top level of the user (enrolment, create
    /// with `?oauth_token=true`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub oauth_token: Option<OAuthToken<'a>>,
}

impl<'a> User<'a> {
    /// Whether this is a real user: `ID` non-empty and not the nil UUID (the Flutter/RN rule
    /// for "user exists").
    #[must_use]
    pub fn exists(&self) -> bool {
        !self.id.is_empty() && self.id != NIL_USER_ID
    }

    /// The update time under either spelling (`update_at` first).
    #[must_use]
    pub fn updated(&self) -> Option<&'a str> {
        self.update_at.or(self.updated_at)
    }

    /// Whether `method` is in `enrolled`.
    #[must_use]
    pub fn is_enrolled(&self, method: AuthMethod) -> bool {
        self.enrolled.as_ref().is_some_and(|list| list.iter().any(|m| *m == method.as_str()))
    }
}

/// Body of `POST /user/create`: `{"identifier":"<email/phone/username>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct CreateUserRequest<'a> {
    /// The new user's email address, phone number or username.
    pub identifier: &'a str,
}
