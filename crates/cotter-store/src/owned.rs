//! [`OwnedSession`]: a heap copy of a [`Session`] for code that keeps one past its buffer.

use crate::session::{DEVICE_KEY_LEN, Session};
use alloc::string::String;
use core::fmt;
use zeroize::Zeroize;

/// A [`Session`] that owns its strings; zeroized on drop. `Debug` redacts like [`Session`]'s.
///
/// ```
/// use cotter_store::{OwnedSession, Session};
///
/// let owned = OwnedSession::from(&Session::new("a", "i", "r", 5).with_user_id("u"));
/// assert_eq!(owned.as_session().user_id, "u");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct OwnedSession {
    /// See [`Session::access_token`].
    pub access_token: String,
    /// See [`Session::id_token`].
    pub id_token: String,
    /// See [`Session::refresh_token`].
    pub refresh_token: String,
    /// See [`Session::expires_at`].
    pub expires_at: u64,
    /// See [`Session::token_type`].
    pub token_type: String,
    /// See [`Session::auth_method`].
    pub auth_method: String,
    /// See [`Session::user_id`].
    pub user_id: String,
    /// See [`Session::device_key`].
    pub device_key: Option<[u8; DEVICE_KEY_LEN]>,
}

impl OwnedSession {
    /// A borrowed view, e.g. to [`save`](crate::TokenStore::save) it.
    #[must_use]
    pub fn as_session(&self) -> Session<'_> {
        Session {
            access_token: &self.access_token,
            id_token: &self.id_token,
            refresh_token: &self.refresh_token,
            expires_at: self.expires_at,
            token_type: &self.token_type,
            auth_method: &self.auth_method,
            user_id: &self.user_id,
            device_key: self.device_key.as_ref(),
        }
    }
}

impl From<&Session<'_>> for OwnedSession {
    fn from(s: &Session<'_>) -> Self {
        Self {
            access_token: s.access_token.into(),
            id_token: s.id_token.into(),
            refresh_token: s.refresh_token.into(),
            expires_at: s.expires_at,
            token_type: s.token_type.into(),
            auth_method: s.auth_method.into(),
            user_id: s.user_id.into(),
            device_key: s.device_key.copied(),
        }
    }
}

impl Drop for OwnedSession {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.id_token.zeroize();
        self.refresh_token.zeroize();
        if let Some(key) = self.device_key.as_mut() {
            key.zeroize();
        }
    }
}

impl fmt::Debug for OwnedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_session(), f)
    }
}
