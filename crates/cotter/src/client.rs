//! The client: a session kept fresh through a [`Transport`], persisted in a [`TokenStore`].

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::http;
use crate::io::{Inbox, Io};
use crate::session::{HeldSession, NewSession};
use crate::verify::TokenKind;
use core::fmt;
use cotter_proto::{Endpoint, OAuthToken, RefreshRequest};
use cotter_store::TokenStore;
use cotter_transport::Transport;
use zeroize::Zeroize;

/// The result type of client calls.
pub type Result<V, T, S> = core::result::Result<
    V,
    Error<<T as cotter_transport::ErrorType>::Error, <S as cotter_store::ErrorType>::Error>,
>;

/// A Cotter client: sign-in, an access token that stays fresh, logout.
///
/// Generic over the HTTP [`Transport`] (ureq on std, `Http1Transport` over any byte stream on
/// a microcontroller), the [`TokenStore`] (file, keyring, flash, memory) and the [`Clock`].
/// It allocates nothing: `SESSION` bytes hold the session's tokens, `WORK` bytes the largest
/// server response (a sign-in answer is about 3 KiB), plus fixed scratch space.
pub struct Client<'c, T, S, C, const SESSION: usize = 4096, const WORK: usize = 8192> {
    // Three parts by role, so that a method borrows the ones it needs (see module `io`).
    /// Transport, configuration, clock, JWKS cache, last server message, scratch space.
    pub(crate) io: Io<'c, T, C>,
    /// The buffers a server answer lands in.
    pub(crate) inbox: Inbox<WORK>,
    /// The session: in memory and in the store.
    pub(crate) session: HeldSession<S, SESSION>,
}

impl<T, S, C, const SESSION: usize, const WORK: usize> fmt::Debug
    for Client<'_, T, S, C, SESSION, WORK>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.io.config)
            .field("session", &self.session.cache)
            .finish_non_exhaustive()
    }
}

impl<'c, T, S, C, const SESSION: usize, const WORK: usize> Client<'c, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// A client with a checked configuration. Nothing is sent and nothing is loaded yet.
    ///
    /// # Errors
    /// [`Error::Config`] when [`Config::validate`] refuses the configuration.
    pub fn new(config: Config<'c>, transport: T, store: S, clock: C) -> Result<Self, T, S> {
        config.validate().map_err(Error::Config)?;
        Ok(Self {
            io: Io::new(config, transport, clock),
            inbox: Inbox::new(),
            session: HeldSession::new(store),
        })
    }

    /// The configuration.
    pub const fn config(&self) -> &Config<'c> {
        &self.io.config
    }

    /// The clock.
    pub const fn clock(&self) -> &C {
        &self.io.clock
    }

    /// The transport (e.g. to reconnect a stream).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.io.transport
    }

    /// The token store.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.session.store
    }

    /// The server's message (Cotter's `msg`, cut to [`API_MESSAGE_LEN`] bytes) of the last
    /// [`Error::Api`] this client returned: why the server refused, e.g. `refresh token is not
    /// valid: …`. Empty before any, or when that answer's body was not Cotter's error JSON.
    ///
    /// [`API_MESSAGE_LEN`]: crate::API_MESSAGE_LEN
    pub fn api_message(&self) -> &str {
        &self.io.api_msg
    }

    /// How many JWKS fetches were made, answered or failed.
    pub const fn jwks_fetches(&self) -> u32 {
        self.io.jwks.fetches()
    }

    /// How many keys of the cached JWKS are prepared for fast verification: all of them with
    /// `std` (cotter-jwt's `PreparedKey`, small table profile), none without.
    pub fn prepared_keys(&self) -> usize {
        crate::verify::prepared_count(&self.io.jwks)
    }

    /// Loads the session from the store (done automatically on first use).
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails (a corrupt record is reported, not discarded),
    /// [`Error::SessionTooLarge`] when the stored session does not fit `SESSION`.
    pub fn load(&mut self) -> Result<bool, T, S> {
        self.session.load(&mut self.inbox.work)
    }

    fn ensure_loaded(&mut self) -> Result<(), T, S> {
        if !self.session.cache.is_loaded() {
            self.load()?;
        }
        Ok(())
    }

    /// Whether a session is held (it may need a refresh).
    ///
    /// # Errors
    /// As [`Client::load`].
    pub fn is_signed_in(&mut self) -> Result<bool, T, S> {
        self.ensure_loaded()?;
        Ok(self.session.cache.is_present())
    }

    /// Unix seconds at which the access token expires.
    pub const fn expires_at(&self) -> Option<u64> {
        let cache = &self.session.cache;
        if cache.is_present() { Some(cache.expires_at()) } else { None }
    }

    /// A valid access token: the stored one while `exp - leeway > now` (no request, no
    /// allocation), otherwise one refresh.
    ///
    /// The refresh runs under the store's lock and reads the stored session first: when
    /// another holder of the store (another process, another client) renewed it meanwhile,
    /// its fresh token is used and nothing is sent.
    ///
    /// After a refresh that fails for a transient reason (network, 5xx), the old token is
    /// still returned if it has not actually expired yet; the session is kept. A refresh the
    /// server refuses as invalid clears the session: [`Error::SessionExpired`].
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::SessionExpired`], or the refresh's error.
    pub fn access_token(&mut self) -> Result<&str, T, S> {
        self.ensure_loaded()?;
        if !self.session.cache.is_present() {
            return Err(Error::NotSignedIn);
        }
        let exp = self.session.cache.expires_at();
        if !self.io.is_fresh(exp) {
            match self.renew(false) {
                Ok(()) => {}
                Err(e) if e.needs_login() => return Err(e),
                Err(e @ (Error::Transport(_) | Error::Api { status: 500.., .. })) => {
                    let still_valid = self.io.clock.now().is_some_and(|now| exp > now);
                    if !still_valid {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.session.cache.access_token().ok_or(Error::NotSignedIn)
    }

    /// `Bearer <access token>` written into `buf` (refreshing first when needed).
    ///
    /// # Errors
    /// As [`Client::access_token`]; [`Error::Protocol`] when `buf` is too small.
    pub fn bearer_header<'b>(&mut self, buf: &'b mut [u8]) -> Result<&'b str, T, S> {
        let token = self.access_token()?;
        let total = 7 + token.len();
        let out =
            buf.get_mut(..total).ok_or(Error::Protocol(cotter_proto::Error::BufferTooSmall))?;
        out[..7].copy_from_slice(b"Bearer ");
        out[7..].copy_from_slice(token.as_bytes());
        core::str::from_utf8(out).map_err(|_| Error::Protocol(cotter_proto::Error::InvalidUtf8))
    }

    /// Who is signed in, from the stored ID token (verified again against the JWKS; the
    /// tokens are refreshed first when they are due).
    ///
    /// # Errors
    /// As [`Client::access_token`], and [`Error::Jwt`] if the stored ID token does not verify.
    pub fn user(&mut self) -> Result<User, T, S> {
        self.access_token()?;
        let id_token = self.session.cache.id_token().ok_or(Error::NotSignedIn)?;
        let v = self.io.verify::<S::Error>(id_token, TokenKind::Id)?;
        Ok(User { id: v.sub, client_user_id: v.client_user_id, identifier: v.identifier })
    }

    /// Renews the tokens with the refresh token now, whatever their expiry.
    ///
    /// Runs under the store's lock ([`TokenStore::lock`]): the stored session is read first
    /// (another holder of the store may have rotated the refresh token since this client read
    /// it) and the renewed one is saved before the lock is released. The rotated refresh
    /// token of a `200` answer is saved before the new tokens are verified, so a verification
    /// failure (a device clock that is far off, a key not known yet) never loses it.
    ///
    /// # Errors
    /// [`Error::SessionExpired`] (and the session is cleared) when the server says the grant
    /// is invalid; [`Error::Transport`] or [`Error::Api`] otherwise, with the session kept.
    pub fn refresh(&mut self) -> Result<(), T, S> {
        self.renew(true)
    }

    /// [`Client::refresh`] under the store's lock; unless `always`, nothing is sent when the
    /// stored session turns out to be fresh (another holder renewed it).
    fn renew(&mut self, always: bool) -> Result<(), T, S> {
        self.session.store.lock().map_err(Error::Store)?;
        let result = self.renew_locked(always);
        self.session.store.unlock();
        result
    }

    fn renew_locked(&mut self, always: bool) -> Result<(), T, S> {
        // The store, not memory, holds the current session: another process may have renewed
        // it (or signed out) since this client last read it.
        if !self.load()? {
            return Err(Error::NotSignedIn);
        }
        if !always && self.io.is_fresh(self.session.cache.expires_at()) {
            return Ok(());
        }
        let refresh_token = self.session.cache.refresh_token().ok_or(Error::NotSignedIn)?;
        let endpoint = Endpoint::Refresh { api_key_id: self.io.config.api_key_id };
        let request = RefreshRequest::new(refresh_token);
        let resp = self.io.send_json(endpoint, &request, &mut self.inbox.work)?;
        let (status, body) = (resp.status, resp.body);
        // Only a 400/401 saying the grant is invalid ends the session; any other error status
        // keeps it (as `Io::answer` reports it).
        if http::is_invalid_grant(status, body, &mut self.inbox.unescape) {
            return self.end_refused_session();
        }
        let token: OAuthToken<'_> = self.io.answer(status, body, &mut self.inbox.unescape)?;
        accept(&mut self.io, &mut self.session, &token, Grant::Renewal)
    }

    /// The server refused the refresh token as invalid: the session ends. The refresh token
    /// that failed is the stored one: it was read under the store's lock, which is still
    /// held, so no other holder's renewal can be discarded here.
    fn end_refused_session(&mut self) -> Result<(), T, S> {
        self.session.cache.clear_tokens();
        self.session.persist()?;
        Err(Error::SessionExpired)
    }

    /// Signs out: the local session is wiped first (memory and store, always), then the
    /// refresh token is revoked on the server, best effort (`DELETE /token/<API_KEY_ID>`).
    /// A device key stays (the device remains enrolled); see [`Client::forget_device`].
    ///
    /// The stored session is read under the store's lock first, so the refresh token revoked
    /// is the newest one even when another holder of the store rotated it. The client's
    /// buffers, which held the last answers of the server, are wiped.
    ///
    /// # Errors
    /// [`Error::Store`] if the store could not be read or cleared (memory is wiped anyway),
    /// [`Error::Protocol`] when the refresh token does not fit the request buffer (so it was
    /// not revoked), or the server call's error — the local session is gone in every case.
    pub fn logout(&mut self) -> Result<(), T, S> {
        let result = self.logout_wiping();
        self.wipe_buffers();
        result
    }

    fn logout_wiping(&mut self) -> Result<(), T, S> {
        let loaded = self.session.store.lock().map_err(Error::Store).and_then(|()| self.load());
        // The revocation request, encoded while the session still holds the refresh token
        // (0 bytes: nothing to revoke).
        let revoke = self.session.cache.refresh_token().map_or(Ok(0), |r| {
            cotter_proto::json::encode(&RefreshRequest::new(r), &mut self.io.scratch)
                .map(str::len)
                .map_err(Error::Protocol)
        });
        self.session.cache.clear_tokens();
        let stored = self.session.persist();
        self.session.store.unlock();
        loaded?;
        stored?;
        let len = revoke?;
        if len == 0 {
            return Ok(());
        }
        let endpoint = Endpoint::Revoke { api_key_id: self.io.config.api_key_id };
        let resp = self.io.send_encoded(endpoint, len, &mut self.inbox.work)?;
        if resp.status / 100 == 2 {
            Ok(())
        } else {
            let (status, body) = (resp.status, resp.body);
            Err(self.io.api_error(status, body, &mut self.inbox.unescape))
        }
    }

    /// Forgets the device key too (after [`Client::logout`], or instead of it).
    ///
    /// # Errors
    /// [`Error::Store`] if the store could not be cleared.
    pub fn forget_device(&mut self) -> Result<(), T, S> {
        self.session.cache.wipe();
        self.session.store.clear().map_err(Error::Store)
    }
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK> {
    /// Overwrites the buffers that held server answers, request bodies and decoded strings
    /// (with `zeroize`, which the compiler may not drop as dead stores).
    fn wipe_buffers(&mut self) {
        // As slices: one zeroize routine for the three sizes.
        for buf in
            [&mut self.inbox.work[..], &mut self.io.scratch[..], &mut self.inbox.unescape[..]]
        {
            buf.zeroize();
        }
    }
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Drop for Client<'_, T, S, C, SESSION, WORK> {
    /// Wipes the buffers that held the server's answers (the session wipes itself).
    fn drop(&mut self) {
        self.wipe_buffers();
    }
}

/// The signed-in user, from the verified ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// Cotter's user ID (`sub`).
    pub id: heapless::String<64>,
    /// The app's user ID (`client_user_id`).
    pub client_user_id: heapless::String<64>,
    /// The email address or phone number signed in with.
    pub identifier: heapless::String<128>,
}

/// Where a server answer's tokens come from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// A new sign-in: it replaces the session (if any) only once its tokens verified, and
    /// must carry a refresh token.
    SignIn,
    /// A renewal of the session held (a refresh, a device enrolment): a rotated refresh
    /// token is saved at once, before the tokens are verified; none keeps the current one.
    Renewal,
}

/// Verifies the tokens of a server answer and makes them the session: new access and ID
/// tokens are never stored unverified, and they must name the same user (`sub`).
///
/// A renewal's rotated refresh token is saved first, whatever the verification says: it came
/// over the same channel, in the same answer, as the tokens, so it is exactly as trustworthy
/// as they are, and the server has already retired the one it replaces — dropping it would
/// turn the next refresh into a reuse that revokes the session.
pub(crate) fn accept<T: Transport, S: TokenStore, C: Clock, const SESSION: usize>(
    io: &mut Io<'_, T, C>,
    session: &mut HeldSession<S, SESSION>,
    token: &OAuthToken<'_>,
    grant: Grant,
) -> Result<(), T, S> {
    let refresh = token.refresh_token.filter(|r| !r.is_empty());
    match (grant, refresh) {
        (Grant::Renewal, Some(r)) if session.cache.is_present() => {
            session.cache.replace_refresh_token(r).map_err(|_| Error::SessionTooLarge)?;
            session.persist()?;
        }
        (Grant::SignIn, None) => {
            return Err(Error::Protocol(cotter_proto::Error::MissingParameter("refresh_token")));
        }
        _ => {}
    }
    let access = io.verify::<S::Error>(token.access_token, TokenKind::Access)?;
    let id = io.verify::<S::Error>(token.id_token, TokenKind::Id)?;
    if id.sub != access.sub {
        return Err(Error::Jwt(cotter_jwt::Error::InvalidClaim("sub")));
    }
    // The tokens just came from the server: their `iat` is its time now.
    if let Some(iat) = access.iat {
        io.clock.observe_server_time(iat);
    }
    session
        .cache
        .set(&NewSession {
            access_token: token.access_token,
            id_token: token.id_token,
            refresh_token: refresh,
            expires_at: access.exp,
            token_type: token.token_type,
            auth_method: token.auth_method,
            user_id: &access.sub,
        })
        .map_err(|_| Error::SessionTooLarge)?;
    session.persist()?;
    // What the store holds now is what memory holds.
    session.cache.mark_loaded();
    Ok(())
}

#[cfg(test)]
mod tests;
