//! Events of "Sign in with Device" (`docs/protocol.md#events`): the event object and the
//! create, create-pending and respond bodies.

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

use crate::{OAuthToken, UnixSeconds};

/// An event (`docs/protocol.md#events`), returned by create, create-pending, get, new and respond.
///
/// Required members follow the iOS SDK's decoder (`ID`, `client_user_id`, `issuer`, `event`,
/// `ip`, `location`, `timestamp`, `method`, `new`, `approved`). Cotter's Go structs write the
/// times as `CreatedAt`/`UpdatedAt`/`DeletedAt`, its docs as `created_at`/…; both spellings
/// are kept (`*_pascal` for the Go one), see [`created`](Self::created).
/// `GET /event/new` answers JSON `null` when nothing is pending: decode `Option<Event>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct Event<'a> {
    /// Event ID (a JSON integer).
    #[serde(rename = "ID")]
    pub id: u64,
    /// Creation time (`CreatedAt`).
    #[serde(rename = "CreatedAt", default, borrow, skip_serializing_if = "Option::is_none")]
    pub created_at_pascal: Option<&'a str>,
    /// Update time (`UpdatedAt`).
    #[serde(rename = "UpdatedAt", default, borrow, skip_serializing_if = "Option::is_none")]
    pub updated_at_pascal: Option<&'a str>,
    /// Deletion time (`DeletedAt`), may be `null`.
    #[serde(rename = "DeletedAt", default, borrow, skip_serializing_if = "Option::is_none")]
    pub deleted_at_pascal: Option<&'a str>,
    /// Creation time (`created_at`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<&'a str>,
    /// Update time (`updated_at`).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<&'a str>,
    /// Deletion time (`deleted_at`), may be `null`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<&'a str>,
    /// Cotter user UUID (Flutter sends and reads it).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    /// The application's user ID.
    pub client_user_id: &'a str,
    /// API key ID.
    pub issuer: &'a str,
    /// Event name, e.g. `LOGIN_WITH_DEVICE`.
    pub event: &'a str,
    /// Requesting IP (`"unknown"` when not known).
    pub ip: &'a str,
    /// Requesting location (`"unknown"` when not known).
    pub location: &'a str,
    /// Event time, Unix seconds as a string; responses sign over it.
    pub timestamp: UnixSeconds,
    /// `"TRUSTED_DEVICE"`.
    pub method: &'a str,
    /// Whether the event is still pending.
    pub new: bool,
    /// Whether it was approved.
    pub approved: bool,
    /// Cotter's base64 Ed25519 signature over
    /// [`SignedMessage::event`](crate::SignedMessage::event).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub signature: Option<&'a str>,
    /// Tokens, when the event is approved and `?oauth_token=true` was asked.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub oauth_token: Option<OAuthToken<'a>>,
}

impl<'a> Event<'a> {
    /// Creation time under either spelling.
    #[must_use]
    pub fn created(&self) -> Option<&'a str> {
        self.created_at.or(self.created_at_pascal)
    }

    /// Update time under either spelling.
    #[must_use]
    pub fn updated(&self) -> Option<&'a str> {
        self.updated_at.or(self.updated_at_pascal)
    }
}

/// Body of `POST /event/create[?oauth_token=true]`: sign-in approved by this trusted device,
/// or (with the `register_new_device` members) approval of a new device.
///
/// `code` is the device signature over [`SignedMessage::approved_event`] or
/// [`SignedMessage::register_new_device`](crate::SignedMessage::register_new_device). Send
/// `user_id` (Cotter UUID, Flutter) or `client_user_id` (others), or both.
///
/// [`SignedMessage::approved_event`]: crate::SignedMessage::approved_event
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct CreateEventRequest<'a> {
    /// API key ID.
    pub issuer: &'a str,
    /// Event name.
    pub event: &'a str,
    /// IP (`"unknown"`).
    pub ip: &'a str,
    /// Location (`"unknown"`).
    pub location: &'a str,
    /// The time signed in `code`.
    pub timestamp: UnixSeconds,
    /// `"TRUSTED_DEVICE"`.
    pub method: &'a str,
    /// Base64 device signature.
    pub code: &'a str,
    /// `true`.
    pub approved: bool,
    /// The device public-key string.
    pub public_key: &'a str,
    /// `"EC"` or `"ED25519"`.
    pub algorithm: &'a str,
    /// Cotter user UUID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    /// The application's user ID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub client_user_id: Option<&'a str>,
    /// `true` when approving a new device (event `ENROLL_NEW_TRUSTED_DEVICE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_new_device: Option<bool>,
    /// The new device's public-key string.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub new_device_public_key: Option<&'a str>,
    /// The new device's algorithm.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub new_device_algorithm: Option<&'a str>,
    /// The new device's type.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<&'a str>,
    /// The new device's name.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<&'a str>,
}

/// Body of `POST /event/create_pending`: a sign-in request from a device that is not trusted,
/// to be approved on a trusted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct CreatePendingEventRequest<'a> {
    /// API key ID.
    pub issuer: &'a str,
    /// Event name.
    pub event: &'a str,
    /// IP (`"unknown"`).
    pub ip: &'a str,
    /// Location (`"unknown"`).
    pub location: &'a str,
    /// Request time.
    pub timestamp: UnixSeconds,
    /// `"TRUSTED_DEVICE"`.
    pub method: &'a str,
    /// Cotter user UUID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    /// The application's user ID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub client_user_id: Option<&'a str>,
    /// iOS also sends `approved: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    /// iOS also sends the requesting device's public key.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<&'a str>,
}

/// Body of `POST /event/respond/<ID>`: a trusted device approves or rejects a pending event.
///
/// `event` and `timestamp` are the pending event's own; `code` signs
/// [`SignedMessage::respond_event`](crate::SignedMessage::respond_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct RespondEventRequest<'a> {
    /// API key ID.
    pub issuer: &'a str,
    /// The pending event's name.
    pub event: &'a str,
    /// IP (`"unknown"`).
    pub ip: &'a str,
    /// Location (`"unknown"`).
    pub location: &'a str,
    /// The pending event's timestamp.
    pub timestamp: UnixSeconds,
    /// `"TRUSTED_DEVICE"`.
    pub method: &'a str,
    /// Base64 device signature.
    pub code: &'a str,
    /// The decision.
    pub approved: bool,
    /// The device public-key string.
    pub public_key: &'a str,
    /// `"EC"` or `"ED25519"`.
    pub algorithm: &'a str,
    /// Cotter user UUID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    /// The application's user ID.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub client_user_id: Option<&'a str>,
}
