//! Trusted-device enrolment and status (`docs/protocol.md#enrolment-and-status`): the
//! update-methods body, the status answer, and the wire names of device methods, algorithms
//! and events.

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

/// `"TRUSTED_DEVICE"`: the `method` of device enrolment, status and events.
pub const METHOD_TRUSTED_DEVICE: &str = "TRUSTED_DEVICE";
/// `"EC"`: a P-256 device key (SPKI DER, base64), as iOS/Android and this project use.
pub const ALGORITHM_EC: &str = "EC";
/// `"ED25519"`: an Ed25519 device key (raw 32 bytes, base64), as Flutter/RN use.
pub const ALGORITHM_ED25519: &str = "ED25519";
/// `"MOBILE"`: a `device_type` value.
pub const DEVICE_TYPE_MOBILE: &str = "MOBILE";

/// Event names used with trusted devices (`docs/protocol.md#events`).
pub mod event_name {
    /// Sign-in with a trusted device (Flutter's name).
    pub const LOGIN_WITH_DEVICE: &str = "LOGIN_WITH_DEVICE";
    /// Sign-in with a trusted device (RN/Android/iOS name).
    pub const LOGIN: &str = "LOGIN";
    /// Registering a new device, approved from a trusted one.
    pub const ENROLL_NEW_TRUSTED_DEVICE: &str = "ENROLL_NEW_TRUSTED_DEVICE";
}

/// Body of `PUT /user/methods?cotter_user_id=…&oauth_token=true` (or legacy
/// `PUT /user/<client_user_id>`) to enrol or remove a trusted device
/// (`docs/protocol.md#enrolment-and-status`):
/// `{"method":"TRUSTED_DEVICE","enrolled":true,"code":"<public key>","device_type":…,
/// "device_name":…,"algorithm":"EC","change_code":false,"current_code":null}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct UpdateMethodsRequest<'a> {
    /// The method, [`METHOD_TRUSTED_DEVICE`].
    pub method: &'a str,
    /// `true` to enrol, `false` to remove.
    pub enrolled: bool,
    /// The device public-key string.
    pub code: &'a str,
    /// E.g. [`DEVICE_TYPE_MOBILE`].
    pub device_type: &'a str,
    /// A human-readable device name.
    pub device_name: &'a str,
    /// [`ALGORITHM_EC`] or [`ALGORITHM_ED25519`].
    pub algorithm: &'a str,
    /// Whether `code` replaces `current_code`.
    pub change_code: bool,
    /// The key being replaced when `change_code` is true; sent as `null` otherwise.
    #[serde(default, borrow)]
    pub current_code: Option<&'a str>,
}

impl<'a> UpdateMethodsRequest<'a> {
    /// Enrols `public_key` as a trusted device.
    #[must_use]
    pub const fn enroll_trusted_device(
        public_key: &'a str,
        algorithm: &'a str,
        device_type: &'a str,
        device_name: &'a str,
    ) -> Self {
        Self {
            method: METHOD_TRUSTED_DEVICE,
            enrolled: true,
            code: public_key,
            device_type,
            device_name,
            algorithm,
            change_code: false,
            current_code: None,
        }
    }

    /// Removes `public_key` from the trusted devices (same call with `enrolled: false`).
    #[must_use]
    pub const fn remove_trusted_device(
        public_key: &'a str,
        algorithm: &'a str,
        device_type: &'a str,
        device_name: &'a str,
    ) -> Self {
        let mut body = Self::enroll_trusted_device(public_key, algorithm, device_type, device_name);
        body.enrolled = false;
        body
    }
}

/// Answer of the "is this device trusted" calls: `{"method":"TRUSTED_DEVICE","enrolled":true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct EnrolledMethod<'a> {
    /// The method asked about.
    pub method: &'a str,
    /// Whether it is enrolled.
    pub enrolled: bool,
}

impl EnrolledMethod<'_> {
    /// `enrolled`, counted only when `method` is the one asked about (Flutter's rule).
    #[must_use]
    pub fn is_enrolled(&self, method: &str) -> bool {
        self.enrolled && self.method == method
    }
}
