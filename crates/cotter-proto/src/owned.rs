//! Owned (`String`-based) variants of the response types, for callers with a heap
//! (feature `alloc`). Get one with `to_owned()` on the borrowed type; they also implement
//! serde themselves (with the same member names), e.g. for `serde_json`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

use crate::redact::{Redacted, redact_opt};
use crate::{
    ApiError, Event, IdentifierInfo, IdentityResponse, IdentityToken, OAuthToken, UnixSeconds, User,
};

fn own(text: Option<&str>) -> Option<String> {
    text.map(ToString::to_string)
}

/// Owned [`OAuthToken`]. `Debug` hides the tokens.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct OAuthTokenOwned {
    /// See [`OAuthToken::access_token`].
    pub access_token: String,
    /// See [`OAuthToken::auth_method`].
    pub auth_method: String,
    /// See [`OAuthToken::expires_in`].
    pub expires_in: u64,
    /// See [`OAuthToken::id_token`].
    pub id_token: String,
    /// See [`OAuthToken::refresh_token`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// See [`OAuthToken::token_type`].
    pub token_type: String,
}

impl OAuthToken<'_> {
    /// Copies into an [`OAuthTokenOwned`].
    #[must_use]
    pub fn to_owned(&self) -> OAuthTokenOwned {
        OAuthTokenOwned {
            access_token: self.access_token.into(),
            auth_method: self.auth_method.into(),
            expires_in: self.expires_in,
            id_token: self.id_token.into(),
            refresh_token: own(self.refresh_token),
            token_type: self.token_type.into(),
        }
    }
}

impl fmt::Debug for OAuthTokenOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokenOwned")
            .field("access_token", &Redacted)
            .field("auth_method", &self.auth_method)
            .field("expires_in", &self.expires_in)
            .field("id_token", &Redacted)
            .field("refresh_token", &redact_opt(self.refresh_token.as_ref()))
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// Owned [`User`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
#[allow(missing_docs, reason = "members mirror `User`, documented there")]
pub struct UserOwned {
    #[serde(rename = "ID")]
    pub id: String,
    pub client_user_id: String,
    pub issuer: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub default_method: Option<String>,
    #[serde(default)]
    pub enrolled: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_token: Option<OAuthTokenOwned>,
}

impl User<'_> {
    /// Copies into a [`UserOwned`].
    #[must_use]
    pub fn to_owned(&self) -> UserOwned {
        let list = |l: &Option<crate::StrList<'_>>| {
            l.as_ref().map(|items| items.iter().map(|s| String::from(*s)).collect())
        };
        UserOwned {
            id: self.id.into(),
            client_user_id: self.client_user_id.into(),
            issuer: self.issuer.into(),
            created_at: self.created_at.into(),
            update_at: own(self.update_at),
            updated_at: own(self.updated_at),
            deleted_at: own(self.deleted_at),
            default_method: own(self.default_method),
            enrolled: list(&self.enrolled),
            identifier: own(self.identifier),
            identifiers: list(&self.identifiers),
            oauth_token: self.oauth_token.as_ref().map(OAuthToken::to_owned),
        }
    }
}

/// Owned [`Event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
#[allow(missing_docs, reason = "members mirror `Event`, documented there")]
pub struct EventOwned {
    #[serde(rename = "ID")]
    pub id: u64,
    #[serde(rename = "CreatedAt", default, skip_serializing_if = "Option::is_none")]
    pub created_at_pascal: Option<String>,
    #[serde(rename = "UpdatedAt", default, skip_serializing_if = "Option::is_none")]
    pub updated_at_pascal: Option<String>,
    #[serde(rename = "DeletedAt", default, skip_serializing_if = "Option::is_none")]
    pub deleted_at_pascal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub client_user_id: String,
    pub issuer: String,
    pub event: String,
    pub ip: String,
    pub location: String,
    pub timestamp: UnixSeconds,
    pub method: String,
    pub new: bool,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_token: Option<OAuthTokenOwned>,
}

impl Event<'_> {
    /// Copies into an [`EventOwned`].
    #[must_use]
    pub fn to_owned(&self) -> EventOwned {
        EventOwned {
            id: self.id,
            created_at_pascal: own(self.created_at_pascal),
            updated_at_pascal: own(self.updated_at_pascal),
            deleted_at_pascal: own(self.deleted_at_pascal),
            created_at: own(self.created_at),
            updated_at: own(self.updated_at),
            deleted_at: own(self.deleted_at),
            user_id: own(self.user_id),
            client_user_id: self.client_user_id.into(),
            issuer: self.issuer.into(),
            event: self.event.into(),
            ip: self.ip.into(),
            location: self.location.into(),
            timestamp: self.timestamp,
            method: self.method.into(),
            new: self.new,
            approved: self.approved,
            signature: own(self.signature),
            oauth_token: self.oauth_token.as_ref().map(OAuthToken::to_owned),
        }
    }
}

/// Owned [`IdentifierInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
#[allow(missing_docs, reason = "members mirror `IdentifierInfo`, documented there")]
pub struct IdentifierInfoOwned {
    #[serde(rename = "ID")]
    pub id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    pub identifier: String,
    pub identifier_type: String,
    pub public_key: String,
    pub device_type: String,
    pub device_name: String,
    pub expiry: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl IdentifierInfo<'_> {
    /// Copies into an [`IdentifierInfoOwned`].
    #[must_use]
    pub fn to_owned(&self) -> IdentifierInfoOwned {
        IdentifierInfoOwned {
            id: self.id.into(),
            created_at: self.created_at.into(),
            update_at: own(self.update_at),
            deleted_at: own(self.deleted_at),
            identifier: self.identifier.into(),
            identifier_type: self.identifier_type.into(),
            public_key: self.public_key.into(),
            device_type: self.device_type.into(),
            device_name: self.device_name.into(),
            expiry: self.expiry.into(),
            timestamp: own(self.timestamp),
        }
    }
}

/// Owned [`IdentityToken`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
#[allow(missing_docs, reason = "members mirror `IdentityToken`, documented there")]
pub struct IdentityTokenOwned {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_id: Option<String>,
    pub expire_at: UnixSeconds,
    pub identifier: String,
    pub identifier_type: String,
    pub receiver: String,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<UnixSeconds>,
}

impl IdentityToken<'_> {
    /// Copies into an [`IdentityTokenOwned`].
    #[must_use]
    pub fn to_owned(&self) -> IdentityTokenOwned {
        IdentityTokenOwned {
            identifier_id: own(self.identifier_id),
            expire_at: self.expire_at,
            identifier: self.identifier.into(),
            identifier_type: self.identifier_type.into(),
            receiver: self.receiver.into(),
            signature: self.signature.into(),
            timestamp: self.timestamp,
        }
    }
}

/// Owned [`IdentityResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
#[allow(missing_docs, reason = "members mirror `IdentityResponse`, documented there")]
pub struct IdentityResponseOwned {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<IdentifierInfoOwned>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<IdentityTokenOwned>,
    pub user: UserOwned,
    pub oauth_token: OAuthTokenOwned,
}

impl IdentityResponse<'_> {
    /// Copies into an [`IdentityResponseOwned`].
    #[must_use]
    pub fn to_owned(&self) -> IdentityResponseOwned {
        IdentityResponseOwned {
            identifier: self.identifier.as_ref().map(IdentifierInfo::to_owned),
            token: self.token.as_ref().map(IdentityToken::to_owned),
            user: self.user.to_owned(),
            oauth_token: self.oauth_token.to_owned(),
        }
    }
}

/// Owned [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct ApiErrorOwned {
    /// See [`ApiError::msg`].
    #[serde(default)]
    pub msg: String,
    /// See [`ApiError::type`](ApiError).
    #[serde(default, rename = "type")]
    pub r#type: String,
}

impl ApiError<'_> {
    /// Copies into an [`ApiErrorOwned`].
    #[must_use]
    pub fn to_owned(&self) -> ApiErrorOwned {
        ApiErrorOwned { msg: self.msg.into(), r#type: self.r#type.into() }
    }
}

impl ApiErrorOwned {
    /// See [`ApiError::is_invalid_grant`].
    #[must_use]
    pub fn is_invalid_grant(&self) -> bool {
        crate::api_error::contains(&self.msg, "not valid")
    }
}

#[cfg(test)]
mod tests;
