//! Trusted devices (`docs/protocol.md#trusted-devices`): enrol this device's P-256 key for the
//! signed-in user, ask whether it is still trusted, and sign in with it — no email, no code.
//!
//! The key lives in the token store beside the tokens (the session record's `device_key`), so
//! it survives [`Client::logout`]; [`Client::forget_device`] drops it. From a device that is
//! not trusted, [`Client::request_approval`] asks the user's trusted device, which sees the
//! request with [`Client::pending_request`] and answers with [`Client::approve`], while the
//! asking device waits with [`Client::poll_approval`].

mod approval;
mod enrol;
mod key;

pub use approval::{
    ApprovalStatus, DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, PendingApproval,
    PendingRequest, PollOptions,
};
pub use key::{
    DeviceKey, DevicePublicKey, DeviceSignature, PUBLIC_KEY_TEXT_LEN, SIGNATURE_TEXT_LEN, SPKI_LEN,
};

use crate::client::{Client, Grant, Result, accept};
use crate::clock::Clock;
use crate::error::Error;
use crate::random::Entropy;
use cotter_proto::{
    ALGORITHM_EC, CreateEventRequest, Endpoint, Event, METHOD_TRUSTED_DEVICE, SignedMessage,
    UnixSeconds, User, event_name,
};
use cotter_store::TokenStore;
use cotter_transport::Transport;

/// The longest user ID the device flows carry (a Cotter ID is a 36-character UUID).
pub const USER_ID_CAP: usize = 64;

/// The device name [`Client::enroll_device`] sends.
pub const DEFAULT_DEVICE_NAME: &str = "cotter-rs";

/// `ip` and `location` of events: this SDK asks no geolocation service (`docs/protocol.md#events`).
const UNKNOWN: &str = "unknown";

/// Which user a device sign-in is for, when nobody is signed in on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserRef<'a> {
    /// Cotter's user ID (the `sub` of the user's tokens); sent as `user_id`, as Flutter does.
    CotterId(&'a str),
    /// The application's user ID; sent as `client_user_id`, as the RN/Android/iOS SDKs do.
    ClientUserId(&'a str),
    /// The email address or phone number: looked up first (`GET /user?identifier=…`, one more
    /// request), then sent as the Cotter ID.
    Identifier(&'a str),
}

/// A user as an event body names it, and as the device signs it.
pub(crate) struct Signer {
    pub(crate) id: heapless::String<USER_ID_CAP>,
    pub(crate) is_client_id: bool,
}

impl Signer {
    pub(crate) fn cotter_id<T, S>(id: &str) -> core::result::Result<Self, Error<T, S>> {
        Ok(Self { id: user_id(id)?, is_client_id: false })
    }

    /// `(user_id, client_user_id)` of an event body.
    pub(crate) fn fields(&self) -> (Option<&str>, Option<&str>) {
        if self.is_client_id { (None, Some(&self.id)) } else { (Some(&self.id), None) }
    }
}

pub(crate) fn user_id<T, S>(
    id: &str,
) -> core::result::Result<heapless::String<USER_ID_CAP>, Error<T, S>> {
    heapless::String::try_from(id).map_err(|_| Error::Protocol(cotter_proto::Error::BufferTooSmall))
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// The stored device key.
    pub(crate) fn stored_device_key(&mut self) -> Result<DeviceKey, T, S> {
        self.is_signed_in()?;
        let secret = self.session.cache.device_key();
        secret.and_then(DeviceKey::from_secret).ok_or(Error::DeviceNotEnrolled)
    }

    /// The signed-in user's Cotter ID, copied out of the session.
    pub(crate) fn session_user(&mut self) -> Result<heapless::String<USER_ID_CAP>, T, S> {
        self.is_signed_in()?;
        user_id(self.session.cache.user_id().ok_or(Error::NotSignedIn)?)
    }

    /// The time for a signed event.
    pub(crate) fn event_time(&self) -> Result<UnixSeconds, T, S> {
        let now = self.io.clock.now().ok_or(Error::ClockNotSet)?;
        i64::try_from(now).map(UnixSeconds).map_err(|_| Error::ClockNotSet)
    }

    /// Signs `user` in with this trusted device: an approved `LOGIN_WITH_DEVICE` event signed
    /// by the device key (`POST /event/create?oauth_token=true`); the `TRUSTED_DEVICE` tokens
    /// are verified and become the session. Works after [`Client::logout`] (the key stays).
    /// One request (two with [`UserRef::Identifier`]), plus a JWKS fetch for an unknown `kid`.
    ///
    /// # Errors
    /// [`Error::DeviceNotEnrolled`], [`Error::ClockNotSet`] (the event is signed with the
    /// current time; the server accepts ±5 minutes), [`Error::UserNotFound`],
    /// [`Error::Random`], [`Error::Api`] (e.g. 400 `untrusted_device` once the key was
    /// removed), [`Error::Jwt`], [`Error::Transport`], [`Error::Store`]. The previous session
    /// is kept when the sign-in fails before new tokens arrive.
    pub fn sign_in_with_device(
        &mut self,
        user: UserRef<'_>,
        rng: &mut impl Entropy,
    ) -> Result<(), T, S> {
        let key = self.stored_device_key()?;
        let signer = self.resolve_user(user)?;
        let timestamp = self.event_time()?;
        let api_key_id = self.io.config.api_key_id;
        let message = SignedMessage::approved_event(
            &signer.id,
            api_key_id,
            event_name::LOGIN_WITH_DEVICE,
            timestamp,
        );
        let code = key.sign(&message, rng).map_err(Error::Random)?;
        let public = key.public_key();
        let (user_id, client_user_id) = signer.fields();
        let request = CreateEventRequest {
            issuer: api_key_id,
            event: event_name::LOGIN_WITH_DEVICE,
            ip: UNKNOWN,
            location: UNKNOWN,
            timestamp,
            method: METHOD_TRUSTED_DEVICE,
            code: &code,
            approved: true,
            public_key: public.as_str(),
            algorithm: ALGORITHM_EC,
            user_id,
            client_user_id,
            register_new_device: None,
            new_device_public_key: None,
            new_device_algorithm: None,
            device_type: None,
            device_name: None,
        };
        let endpoint = Endpoint::CreateEvent { oauth_token: true };
        let event: Event<'_> = self.io.call(endpoint, &request, &mut self.inbox)?;
        let token = event
            .oauth_token
            .filter(|_| event.approved)
            .ok_or(Error::Protocol(cotter_proto::Error::MissingParameter("oauth_token")))?;
        // A new sign-in replaces whatever session was there once its tokens verified (the
        // device key stays).
        accept(&mut self.io, &mut self.session, &token, Grant::SignIn)
    }

    /// The user a device flow names: as given, or looked up by identifier.
    pub(crate) fn resolve_user(&mut self, user: UserRef<'_>) -> Result<Signer, T, S> {
        let identifier = match user {
            UserRef::CotterId(id) => return Signer::cotter_id(id),
            UserRef::ClientUserId(id) => {
                return Ok(Signer { id: user_id(id)?, is_client_id: true });
            }
            UserRef::Identifier(identifier) => identifier,
        };
        let endpoint = Endpoint::UserByIdentifier { identifier };
        let resp = self.io.send_empty(endpoint, &mut self.inbox.work)?;
        let (status, body) = (resp.status, resp.body);
        if status == 404 {
            return Err(Error::UserNotFound);
        }
        let found: User<'_> = self.io.answer(status, body, &mut self.inbox.unescape)?;
        if !found.exists() {
            return Err(Error::UserNotFound);
        }
        Signer::cotter_id(found.id)
    }
}
