//! The signed-in session a client holds: in memory ([`SessionCache`]: token text in one fixed
//! buffer, so the cached [`access_token`](crate::Client::access_token) path is a comparison
//! and a slice) and in the [`TokenStore`] ([`HeldSession`]).

use crate::error::Error;
use core::fmt;
use core::ops::Range;
use cotter_store::{DEVICE_KEY_LEN, Session, TokenStore};
use zeroize::Zeroize;

/// The session part of a [`Client`](crate::Client): the store, and the session in memory
/// (which also knows whether it has been loaded from the store yet).
pub(crate) struct HeldSession<S, const N: usize> {
    pub(crate) store: S,
    pub(crate) cache: SessionCache<N>,
}

impl<S: TokenStore, const N: usize> HeldSession<S, N> {
    pub(crate) const fn new(store: S) -> Self {
        Self { store, cache: SessionCache::new() }
    }

    /// Reads the stored session into memory (through `buf`); whether one is held. `E` is the
    /// transport's error, for the client's error type.
    pub(crate) fn load<E>(&mut self, buf: &mut [u8]) -> Result<bool, Error<E, S::Error>> {
        let loaded = self.store.load(buf).map_err(Error::Store)?;
        match loaded {
            Some(s) if !s.access_token.is_empty() => {
                self.cache.set_from(&s).map_err(|_| Error::SessionTooLarge)?;
            }
            Some(s) => {
                // A record with only a device key: signed out, device still enrolled.
                self.cache.clear_tokens();
                self.cache.set_device_key(s.device_key);
            }
            None => self.cache.wipe(),
        }
        self.cache.mark_loaded();
        Ok(self.cache.is_present())
    }

    /// Writes the session in memory (or only the device key, or nothing) to the store.
    pub(crate) fn persist<E>(&mut self) -> Result<(), Error<E, S::Error>> {
        match self.cache.session() {
            Some(s) => self.store.save(&s),
            None => match self.cache.device_key() {
                Some(key) => {
                    let mut s = Session::new("", "", "", 0);
                    s.device_key = Some(key);
                    self.store.save(&s)
                }
                None => self.store.clear(),
            },
        }
        .map_err(Error::Store)
    }
}

/// Fields of a session to store; `refresh_token: None` keeps the current one (Cotter's refresh
/// responses may omit it).
#[derive(Clone, Copy)]
pub(crate) struct NewSession<'a> {
    pub(crate) access_token: &'a str,
    pub(crate) id_token: &'a str,
    pub(crate) refresh_token: Option<&'a str>,
    pub(crate) expires_at: u64,
    pub(crate) token_type: &'a str,
    pub(crate) auth_method: &'a str,
    pub(crate) user_id: &'a str,
}

/// The longest refresh token kept across a response that omits it.
const REFRESH_KEEP_CAP: usize = 512;

/// A session in `N` bytes of text. Wiped (every byte of the buffer) on clear and drop.
pub(crate) struct SessionCache<const N: usize> {
    text: heapless::String<N>,
    refresh: Range<usize>,
    access: Range<usize>,
    id: Range<usize>,
    token_type: Range<usize>,
    auth_method: Range<usize>,
    user_id: Range<usize>,
    expires_at: u64,
    device_key: Option<[u8; DEVICE_KEY_LEN]>,
    present: bool,
    /// Memory holds what the store held, or what was saved to it since. (Kept here rather
    /// than beside the cache in [`HeldSession`]: here it fits this struct's padding, there it
    /// would take a word of RAM of its own.)
    loaded: bool,
}

impl<const N: usize> fmt::Debug for SessionCache<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("present", &self.present)
            .field("expires_at", &self.expires_at)
            .field("tokens", &"<redacted>")
            .finish()
    }
}

/// The session does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooLarge;

impl<const N: usize> SessionCache<N> {
    pub(crate) const fn new() -> Self {
        Self {
            text: heapless::String::new(),
            refresh: 0..0,
            access: 0..0,
            id: 0..0,
            token_type: 0..0,
            auth_method: 0..0,
            user_id: 0..0,
            expires_at: 0,
            device_key: None,
            present: false,
            loaded: false,
        }
    }

    pub(crate) const fn is_present(&self) -> bool {
        self.present
    }

    /// Whether memory holds what the store held: loaded, or saved since.
    pub(crate) const fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// Memory now holds what the store holds. (Wiping memory leaves the flag as it is.)
    pub(crate) const fn mark_loaded(&mut self) {
        self.loaded = true;
    }

    pub(crate) const fn expires_at(&self) -> u64 {
        self.expires_at
    }

    fn field(&self, r: &Range<usize>) -> &str {
        self.text.get(r.clone()).unwrap_or("")
    }

    pub(crate) fn access_token(&self) -> Option<&str> {
        self.present.then(|| self.field(&self.access))
    }

    pub(crate) fn refresh_token(&self) -> Option<&str> {
        self.present.then(|| self.field(&self.refresh))
    }

    pub(crate) fn id_token(&self) -> Option<&str> {
        self.present.then(|| self.field(&self.id))
    }

    /// The Cotter user ID (`sub` of the access token) of the session.
    pub(crate) fn user_id(&self) -> Option<&str> {
        self.present.then(|| self.field(&self.user_id))
    }

    pub(crate) fn device_key(&self) -> Option<&[u8; DEVICE_KEY_LEN]> {
        self.device_key.as_ref()
    }

    pub(crate) fn set_device_key(&mut self, key: Option<&[u8; DEVICE_KEY_LEN]>) {
        if let Some(old) = self.device_key.as_mut() {
            old.zeroize();
        }
        self.device_key = key.copied();
    }

    /// The stored form.
    pub(crate) fn session(&self) -> Option<Session<'_>> {
        self.present.then(|| Session {
            access_token: self.field(&self.access),
            id_token: self.field(&self.id),
            refresh_token: self.field(&self.refresh),
            expires_at: self.expires_at,
            token_type: self.field(&self.token_type),
            auth_method: self.field(&self.auth_method),
            user_id: self.field(&self.user_id),
            device_key: self.device_key.as_ref(),
        })
    }

    /// Overwrites every byte of the text buffer past `keep`, leaving `keep` bytes.
    fn wipe_from(&mut self, keep: usize) {
        self.text.truncate(keep);
        while self.text.push('\0').is_ok() {}
        self.text.truncate(keep);
    }

    /// Forgets the session and wipes its memory (the device key is kept: it belongs to the
    /// device, not the sign-in, unless [`SessionCache::wipe`] is used).
    pub(crate) fn clear_tokens(&mut self) {
        self.wipe_from(0);
        self.present = false;
        self.expires_at = 0;
    }

    /// Forgets everything, device key included.
    pub(crate) fn wipe(&mut self) {
        self.clear_tokens();
        self.set_device_key(None);
    }

    /// Replaces the tokens with `new`. The refresh token is stored last, so that it can be
    /// replaced on its own ([`SessionCache::replace_refresh_token`]).
    pub(crate) fn set(&mut self, new: &NewSession<'_>) -> Result<(), TooLarge> {
        let mut kept = heapless::String::<REFRESH_KEEP_CAP>::new();
        let refresh = match new.refresh_token {
            Some(r) => r,
            None if self.present => {
                kept.push_str(self.field(&self.refresh)).map_err(|_| TooLarge)?;
                &kept
            }
            None => "",
        };
        self.wipe_from(0);
        self.access = self.push(new.access_token)?;
        self.id = self.push(new.id_token)?;
        self.token_type = self.push(new.token_type)?;
        self.auth_method = self.push(new.auth_method)?;
        self.user_id = self.push(new.user_id)?;
        self.refresh = self.push(refresh)?;
        self.expires_at = new.expires_at;
        self.present = true;
        kept.zeroize_string();
        Ok(())
    }

    /// Replaces only the refresh token (the server rotated it, but the tokens that came with it
    /// could not be verified yet).
    pub(crate) fn replace_refresh_token(&mut self, refresh: &str) -> Result<(), TooLarge> {
        if !self.present {
            return Err(TooLarge);
        }
        self.wipe_from(self.refresh.start);
        self.refresh = self.push(refresh)?;
        Ok(())
    }

    /// Loads a stored session.
    pub(crate) fn set_from(&mut self, s: &Session<'_>) -> Result<(), TooLarge> {
        self.set(&NewSession {
            access_token: s.access_token,
            id_token: s.id_token,
            refresh_token: Some(s.refresh_token),
            expires_at: s.expires_at,
            token_type: s.token_type,
            auth_method: s.auth_method,
            user_id: s.user_id,
        })
        .inspect_err(|_| self.clear_tokens())?;
        self.set_device_key(s.device_key);
        Ok(())
    }

    fn push(&mut self, s: &str) -> Result<Range<usize>, TooLarge> {
        let start = self.text.len();
        if self.text.push_str(s).is_err() {
            self.clear_tokens();
            return Err(TooLarge);
        }
        Ok(start..self.text.len())
    }
}

/// Overwrites a small secret string in place before it is dropped.
trait ZeroizeString {
    fn zeroize_string(&mut self);
}

impl<const M: usize> ZeroizeString for heapless::String<M> {
    fn zeroize_string(&mut self) {
        self.clear();
        while self.push('\0').is_ok() {}
        self.clear();
    }
}

impl<const N: usize> Drop for SessionCache<N> {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new<'a>(access: &'a str, refresh: Option<&'a str>) -> NewSession<'a> {
        NewSession {
            access_token: access,
            id_token: "id",
            refresh_token: refresh,
            expires_at: 10,
            token_type: "Bearer",
            auth_method: "OTP",
            user_id: "u",
        }
    }

    #[test]
    fn keeps_refresh_token_when_absent_and_replaces_when_given() {
        let mut c = SessionCache::<256>::new();
        c.set(&new("a1", Some("r1"))).expect("fits");
        assert_eq!(c.refresh_token(), Some("r1"));
        c.set(&new("a2-longer", None)).expect("fits");
        assert_eq!((c.access_token(), c.refresh_token()), (Some("a2-longer"), Some("r1")));
        c.set(&new("a3", Some("r2"))).expect("fits");
        assert_eq!((c.access_token(), c.refresh_token()), (Some("a3"), Some("r2")));
        c.clear_tokens();
        assert_eq!(c.access_token(), None);
    }

    #[test]
    fn too_large_leaves_no_partial_session() {
        let mut c = SessionCache::<8>::new();
        assert_eq!(c.set(&new("0123456789", Some("r"))), Err(TooLarge));
        assert!(!c.is_present());
    }
}
