//! Users per API key (issuer), found by Cotter ID, client user ID or identifier.

use super::{Failure, State};
use crate::crypto::device::DeviceKey;
use crate::util::{b64, time::rfc3339};
use crate::wire::UserJson;
use std::string::String;
use std::vec::Vec;

/// The user ID SDKs read as "no such user".
pub(crate) const ZERO_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// One user.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct User {
    /// Cotter user ID (UUID).
    pub(crate) id: String,
    /// The app's user ID; equals `id` unless given at creation.
    pub(crate) client_user_id: String,
    /// The API key ID the user belongs to.
    pub(crate) issuer: String,
    pub(crate) identifier: String,
    pub(crate) identifier_type: String,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
    /// ID of the identifier record returned by get_identity.
    pub(crate) identifier_id: String,
    /// Public key of the identifier record (random, as a browser's would be).
    pub(crate) identifier_public_key: String,
    pub(crate) devices: Vec<Device>,
}

/// An enrolled trusted device; saved as its [`DeviceRecord`] and parsed again on load.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "DeviceRecord", into = "DeviceRecord")]
pub(crate) struct Device {
    /// Decoded public-key bytes: what identifies the device whatever base64 spelling a client sends.
    pub(crate) canonical: Vec<u8>,
    pub(crate) key: DeviceKey,
    /// The algorithm as enrolled (`EC`, `ED25519`, …).
    pub(crate) algorithm: String,
    /// The public key as the client sent it.
    pub(crate) public_key: String,
    /// Emulator clock at enrolment.
    pub(crate) enrolled_at: u64,
}

/// A device as the `--state` file holds it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct DeviceRecord {
    algorithm: String,
    public_key: String,
    enrolled_at: u64,
}

impl From<Device> for DeviceRecord {
    fn from(d: Device) -> Self {
        Self { algorithm: d.algorithm, public_key: d.public_key, enrolled_at: d.enrolled_at }
    }
}

impl TryFrom<DeviceRecord> for Device {
    type Error = &'static str;

    fn try_from(r: DeviceRecord) -> Result<Self, Self::Error> {
        let (key, canonical) = crate::crypto::device::parse(&r.algorithm, &r.public_key)?;
        Ok(Self {
            canonical,
            key,
            algorithm: r.algorithm,
            public_key: r.public_key,
            enrolled_at: r.enrolled_at,
        })
    }
}

/// A user as `GET /dev/users` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct UserView {
    pub(crate) id: String,
    pub(crate) client_user_id: String,
    pub(crate) api_key: String,
    pub(crate) identifier: String,
    pub(crate) identifier_type: String,
    pub(crate) created: String,
    pub(crate) updated: String,
    pub(crate) devices: usize,
}

/// A trusted device as `GET /dev/devices` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct DeviceView {
    pub(crate) user: String,
    pub(crate) identifier: String,
    pub(crate) api_key: String,
    pub(crate) algorithm: String,
    pub(crate) public_key: String,
    pub(crate) enrolled: String,
}

/// `EMAIL` for text with `@`, `PHONE` for `+digits`, otherwise `USERNAME`.
pub(crate) fn identifier_type_of(identifier: &str) -> &'static str {
    if identifier.contains('@') {
        "EMAIL"
    } else if identifier.starts_with('+') {
        "PHONE"
    } else {
        "USERNAME"
    }
}

impl State {
    /// Every user, oldest first.
    pub(crate) fn user_views(&self) -> Vec<UserView> {
        let mut users: Vec<&User> = self.users.values().collect();
        users.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        users
            .into_iter()
            .map(|u| UserView {
                id: u.id.clone(),
                client_user_id: u.client_user_id.clone(),
                api_key: u.issuer.clone(),
                identifier: u.identifier.clone(),
                identifier_type: u.identifier_type.clone(),
                created: rfc3339(u.created_at),
                updated: rfc3339(u.updated_at),
                devices: u.devices.len(),
            })
            .collect()
    }

    /// Every trusted device, by user.
    pub(crate) fn device_views(&self) -> Vec<DeviceView> {
        let mut users: Vec<&User> = self.users.values().collect();
        users.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        users
            .into_iter()
            .flat_map(|u| {
                u.devices.iter().map(move |d| DeviceView {
                    user: u.id.clone(),
                    identifier: u.identifier.clone(),
                    api_key: u.issuer.clone(),
                    algorithm: d.algorithm.clone(),
                    public_key: d.public_key.clone(),
                    enrolled: rfc3339(d.enrolled_at),
                })
            })
            .collect()
    }

    /// Deletes user `id` with its devices, sessions and events; `false` when there is none.
    pub(crate) fn delete_user(&mut self, id: &str) -> bool {
        if self.users.remove(id).is_none() {
            return false;
        }
        self.drop_sessions_of(id);
        self.drop_events_of(id);
        true
    }

    /// The user with Cotter ID or client user ID `id` under `issuer`.
    pub(crate) fn user_by_any_id(&self, issuer: &str, id: &str) -> Option<&User> {
        if let Some(user) = self.users.get(id).filter(|u| u.issuer == issuer) {
            return Some(user);
        }
        self.users.values().find(|u| u.issuer == issuer && u.client_user_id == id)
    }

    pub(crate) fn user_by_identifier(&self, issuer: &str, identifier: &str) -> Option<&User> {
        self.users.values().find(|u| u.issuer == issuer && u.identifier == identifier)
    }

    pub(crate) fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users.get_mut(id)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    /// The ID of the user with `identifier`, created if new.
    pub(crate) fn ensure_user(
        &mut self,
        issuer: &str,
        identifier: &str,
        identifier_type: &str,
    ) -> String {
        if let Some(user) = self.user_by_identifier(issuer, identifier) {
            return user.id.clone();
        }
        self.insert_user(issuer, identifier, identifier_type, None)
    }

    /// `POST /user/create`: a new user, or 400 `User already exists` (the message Flutter checks for).
    pub(crate) fn create_user(
        &mut self,
        issuer: &str,
        identifier: &str,
        client_user_id: Option<&str>,
    ) -> Result<String, Failure> {
        if self.user_by_identifier(issuer, identifier).is_some()
            || client_user_id.is_some_and(|c| self.user_by_any_id(issuer, c).is_some())
        {
            return Err(Failure::bad("conflict", "User already exists"));
        }
        Ok(self.insert_user(issuer, identifier, identifier_type_of(identifier), client_user_id))
    }

    fn insert_user(
        &mut self,
        issuer: &str,
        identifier: &str,
        identifier_type: &str,
        client_user_id: Option<&str>,
    ) -> String {
        let now = self.now();
        let id = self.rng.uuid_v4();
        let identifier_id = self.rng.uuid_v4();
        let identifier_public_key = b64::std_encode(&self.rng.bytes::<32>());
        let user = User {
            id: id.clone(),
            client_user_id: client_user_id.map_or_else(|| id.clone(), String::from),
            issuer: issuer.into(),
            identifier: identifier.into(),
            identifier_type: identifier_type.into(),
            created_at: now,
            updated_at: now,
            identifier_id,
            identifier_public_key,
            devices: Vec::new(),
        };
        self.users.insert(id.clone(), user);
        id
    }
}

impl User {
    /// Cotter's JSON for this user.
    pub(crate) fn json(&self) -> UserJson {
        let trusted = !self.devices.is_empty();
        UserJson {
            id: self.id.clone(),
            client_user_id: self.client_user_id.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            update_at: rfc3339(self.updated_at),
            deleted_at: "0001-01-01T00:00:00Z",
            default_method: trusted.then_some("TRUSTED_DEVICE"),
            enrolled: if trusted { vec!["TRUSTED_DEVICE"] } else { Vec::new() },
            identifier: self.identifier.clone(),
            identifiers: None,
            issuer: self.issuer.clone(),
        }
    }
}

/// The all-zero user Flutter and React Native read as "does not exist".
pub(crate) fn zero_user(issuer: &str) -> UserJson {
    UserJson {
        id: ZERO_UUID.into(),
        client_user_id: String::new(),
        created_at: "0001-01-01T00:00:00Z".into(),
        updated_at: "0001-01-01T00:00:00Z".into(),
        update_at: "0001-01-01T00:00:00Z".into(),
        deleted_at: "0001-01-01T00:00:00Z",
        default_method: None,
        enrolled: Vec::new(),
        identifier: String::new(),
        identifiers: None,
        issuer: issuer.into(),
    }
}
