//! JSON shapes the emulator sends, with Cotter's field names and casing (`docs/protocol.md#endpoints`
//! and `#the-user-object`).

use core::fmt;
use serde::Serialize;
use std::string::String;
use std::vec::Vec;

/// The `oauth_token` object (also the whole refresh response).
#[derive(Clone, Serialize, serde::Deserialize)]
pub(crate) struct OAuthToken {
    pub(crate) access_token: String,
    pub(crate) auth_method: String,
    pub(crate) expires_in: u64,
    pub(crate) id_token: String,
    pub(crate) refresh_token: String,
    pub(crate) token_type: String,
}

impl fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthToken")
            .field("auth_method", &self.auth_method)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Cotter's User object. Both `updated_at` (docs) and `update_at` (iOS decoder) are sent.
#[derive(Debug, Serialize)]
pub(crate) struct UserJson {
    #[serde(rename = "ID")]
    pub(crate) id: String,
    pub(crate) client_user_id: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) update_at: String,
    pub(crate) deleted_at: &'static str,
    pub(crate) default_method: Option<&'static str>,
    pub(crate) enrolled: Vec<&'static str>,
    pub(crate) identifier: String,
    pub(crate) identifiers: Option<Vec<String>>,
    pub(crate) issuer: String,
}

/// A User plus `oauth_token` (device enrolment, `docs/protocol.md#enrolment-and-status`).
#[derive(Debug, Serialize)]
pub(crate) struct UserWithToken {
    #[serde(flatten)]
    pub(crate) user: UserJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) oauth_token: Option<OAuthToken>,
}

/// The `identifier` object of the get_identity response.
#[derive(Debug, Serialize)]
pub(crate) struct IdentifierJson {
    #[serde(rename = "ID")]
    pub(crate) id: String,
    pub(crate) created_at: String,
    pub(crate) update_at: String,
    pub(crate) deleted_at: Option<String>,
    pub(crate) identifier: String,
    pub(crate) identifier_type: String,
    pub(crate) public_key: String,
    pub(crate) device_type: &'static str,
    pub(crate) device_name: &'static str,
    pub(crate) expiry: String,
    pub(crate) timestamp: String,
}

/// The `token` object of the get_identity response (Ed25519-signed by the emulator's identity key).
#[derive(Debug, Serialize)]
pub(crate) struct IdentityTokenJson {
    pub(crate) identifier_id: String,
    pub(crate) expire_at: String,
    pub(crate) identifier: String,
    pub(crate) identifier_type: String,
    pub(crate) receiver: String,
    pub(crate) signature: String,
    pub(crate) timestamp: String,
}

/// The get_identity response.
#[derive(Debug, Serialize)]
pub(crate) struct IdentityResponse {
    pub(crate) identifier: IdentifierJson,
    pub(crate) token: IdentityTokenJson,
    pub(crate) user: UserJson,
    pub(crate) oauth_token: OAuthToken,
}

/// An Event (`docs/protocol.md#events`), with both Go-style and snake-case timestamps as the SDKs read
/// either.
#[derive(Debug, Serialize)]
pub(crate) struct EventJson {
    #[serde(rename = "ID")]
    pub(crate) id: u64,
    #[serde(rename = "CreatedAt")]
    pub(crate) created_at_go: String,
    #[serde(rename = "UpdatedAt")]
    pub(crate) updated_at_go: String,
    #[serde(rename = "DeletedAt")]
    pub(crate) deleted_at_go: Option<String>,
    pub(crate) created_at: String,
    pub(crate) user_id: String,
    pub(crate) client_user_id: String,
    pub(crate) issuer: String,
    pub(crate) event: String,
    pub(crate) ip: String,
    pub(crate) location: String,
    pub(crate) timestamp: String,
    pub(crate) method: String,
    pub(crate) new: bool,
    pub(crate) approved: bool,
    pub(crate) signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) oauth_token: Option<OAuthToken>,
}

/// `{"method": "TRUSTED_DEVICE", "enrolled": bool}`.
#[derive(Debug, Serialize)]
pub(crate) struct EnrolledJson {
    pub(crate) method: &'static str,
    pub(crate) enrolled: bool,
}

/// One message in the development outbox.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub(crate) struct OutboxEntry {
    pub(crate) identifier: String,
    pub(crate) otp: Option<String>,
    pub(crate) magic_link: Option<String>,
    pub(crate) created_at: String,
}
