//! Trusted-device enrolment, removal and look-up (`docs/protocol.md#enrolment-and-status`).

use super::users::Device;
use super::{Failure, State};
use crate::crypto::device::{self, DeviceKey};

impl State {
    /// Enrols (or re-enrols) a device key for user `user_id`. Device type and name are not kept.
    pub(crate) fn enroll_device(
        &mut self,
        user_id: &str,
        algorithm: &str,
        public_key: &str,
    ) -> Result<(), Failure> {
        let (key, canonical) =
            device::parse(algorithm, public_key).map_err(|m| Failure::bad("invalid_key", m))?;
        let now = self.now();
        let user = self.user_mut(user_id).ok_or_else(|| Failure::not_found("user not found"))?;
        user.devices.retain(|d| d.canonical != canonical);
        user.devices.push(Device {
            canonical,
            key,
            algorithm: algorithm.to_ascii_uppercase(),
            public_key: public_key.into(),
            enrolled_at: now,
        });
        user.updated_at = now;
        Ok(())
    }

    /// Removes the device whose key is `public_key`; unknown keys are ignored (idempotent).
    pub(crate) fn disable_device(
        &mut self,
        user_id: &str,
        public_key: &str,
    ) -> Result<(), Failure> {
        let canonical = device::canonical(public_key)
            .ok_or_else(|| Failure::bad("invalid_key", "public key is not base64"))?;
        let now = self.now();
        let user = self.user_mut(user_id).ok_or_else(|| Failure::not_found("user not found"))?;
        let before = user.devices.len();
        user.devices.retain(|d| d.canonical != canonical);
        if user.devices.len() != before {
            user.updated_at = now;
        }
        Ok(())
    }

    /// The enrolled key of `user_id` whose public key is `public_key`.
    pub(crate) fn trusted_key(&self, user_id: &str, public_key: &str) -> Option<DeviceKey> {
        let canonical = device::canonical(public_key)?;
        self.user(user_id)?.devices.iter().find(|d| d.canonical == canonical).map(|d| d.key.clone())
    }

    /// Whether any device of `user_id` is enrolled.
    pub(crate) fn has_trusted_device(&self, user_id: &str) -> bool {
        self.user(user_id).is_some_and(|u| !u.devices.is_empty())
    }
}
