//! Sign-in approved on another device (`docs/protocol.md#events`): a device that is not
//! trusted asks (`event/create_pending`) and polls (`event/get/<ID>`); the user's trusted
//! device sees the request (`event/new`) and answers it with a signature
//! (`event/respond/<ID>`).

use super::{Signer, UNKNOWN, USER_ID_CAP, UserRef, user_id};
use crate::client::{Client, Grant, Result, accept};
use crate::clock::Clock;
use crate::error::Error;
use crate::random::Entropy;
use cotter_proto::{
    ALGORITHM_EC, CreatePendingEventRequest, Endpoint, Event, METHOD_TRUSTED_DEVICE,
    RespondEventRequest, SignedMessage, UnixSeconds, event_name,
};
use cotter_store::TokenStore;
use cotter_transport::Transport;

/// How often [`Client::poll_approval`] asks by default: every second, as every Cotter SDK did.
pub const DEFAULT_POLL_INTERVAL_MS: u32 = 1000;
/// How long [`Client::poll_approval`] waits by default: 60 s (the RN, iOS and Android SDKs).
pub const DEFAULT_APPROVAL_TIMEOUT_MS: u32 = 60_000;

/// Polling cadence and deadline of [`Client::poll_approval`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollOptions {
    interval_ms: u32,
    timeout_ms: u32,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl PollOptions {
    /// Every [`DEFAULT_POLL_INTERVAL_MS`] for [`DEFAULT_APPROVAL_TIMEOUT_MS`].
    #[must_use]
    pub const fn new() -> Self {
        Self { interval_ms: DEFAULT_POLL_INTERVAL_MS, timeout_ms: DEFAULT_APPROVAL_TIMEOUT_MS }
    }

    /// Milliseconds between two requests (at least 1).
    #[must_use]
    pub const fn interval_ms(mut self, ms: u32) -> Self {
        self.interval_ms = if ms == 0 { 1 } else { ms };
        self
    }

    /// Milliseconds after which polling gives up with [`Error::ApprovalTimeout`].
    #[must_use]
    pub const fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }
}

/// A sign-in request waiting for the trusted device, from [`Client::request_approval`].
///
/// Cotter hands the tokens to whoever polls the event ID with the API key ID, so treat the ID
/// as confidential while the request is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingApproval {
    id: u64,
    timestamp: UnixSeconds,
}

impl PendingApproval {
    /// The event ID.
    #[must_use]
    pub const fn id(&self) -> u64 {
        self.id
    }

    /// When the request was made (the event's `timestamp`).
    #[must_use]
    pub const fn timestamp(&self) -> UnixSeconds {
        self.timestamp
    }
}

/// Where a sign-in request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApprovalStatus {
    /// Not answered yet.
    Pending,
    /// Approved: the tokens were verified and are now the session.
    Approved,
    /// Rejected on the trusted device.
    Rejected,
}

/// A sign-in request shown to the trusted device by [`Client::pending_request`], to answer with
/// [`Client::approve`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingRequest {
    /// The event ID.
    pub id: u64,
    /// The event name (e.g. `LOGIN_WITH_DEVICE`).
    pub event: heapless::String<32>,
    /// When it was requested; the answer signs over it.
    pub timestamp: UnixSeconds,
    /// The method (`TRUSTED_DEVICE`).
    pub method: heapless::String<32>,
    /// Cotter's user ID, when the server sends it.
    pub user_id: Option<heapless::String<USER_ID_CAP>>,
    /// The application's user ID.
    pub client_user_id: heapless::String<USER_ID_CAP>,
    /// Where the request came from, as the requester said (`"unknown"` from this SDK);
    /// cut to 64 bytes.
    pub ip: heapless::String<64>,
    /// The requester's location, likewise; cut to 64 bytes.
    pub location: heapless::String<64>,
}

impl PendingRequest {
    fn from_event<T, S>(e: &Event<'_>) -> core::result::Result<Self, Error<T, S>> {
        let exact = |s: &str| {
            heapless::String::try_from(s)
                .map_err(|_| Error::Protocol(cotter_proto::Error::BufferTooSmall))
        };
        Ok(Self {
            id: e.id,
            event: exact(e.event)?,
            timestamp: e.timestamp,
            method: exact(e.method)?,
            user_id: e.user_id.filter(|u| !u.is_empty()).map(user_id).transpose()?,
            client_user_id: user_id(e.client_user_id)?,
            ip: cut(e.ip),
            location: cut(e.location),
        })
    }

    /// The user the answer is signed for: Cotter's ID when known, else the client user ID.
    fn signer(&self) -> Signer {
        match &self.user_id {
            Some(id) => Signer { id: id.clone(), is_client_id: false },
            None => Signer { id: self.client_user_id.clone(), is_client_id: true },
        }
    }
}

fn cut<const N: usize>(s: &str) -> heapless::String<N> {
    let mut out = heapless::String::new();
    for c in s.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// Asks `user`'s trusted device to approve a sign-in on this device
    /// (`POST /event/create_pending`, event `LOGIN_WITH_DEVICE`). Wait for the answer with
    /// [`Client::poll_approval`] or [`Client::check_approval`]. One request (two with
    /// [`UserRef::Identifier`]); this device needs no key.
    ///
    /// # Errors
    /// [`Error::ClockNotSet`], [`Error::UserNotFound`], [`Error::Api`], [`Error::Transport`],
    /// [`Error::Protocol`].
    pub fn request_approval(&mut self, user: UserRef<'_>) -> Result<PendingApproval, T, S> {
        let signer = self.resolve_user(user)?;
        let timestamp = self.event_time()?;
        let (user_id, client_user_id) = signer.fields();
        let request = CreatePendingEventRequest {
            issuer: self.io.config.api_key_id,
            event: event_name::LOGIN_WITH_DEVICE,
            ip: UNKNOWN,
            location: UNKNOWN,
            timestamp,
            method: METHOD_TRUSTED_DEVICE,
            user_id,
            client_user_id,
            approved: None,
            public_key: None,
        };
        let event: Event<'_> =
            self.io.call(Endpoint::CreatePendingEvent, &request, &mut self.inbox)?;
        Ok(PendingApproval { id: event.id, timestamp: event.timestamp })
    }

    /// Asks once how `pending` stands (`GET /event/get/<ID>?oauth_token=true`). When it was
    /// approved, the tokens are verified and become the session (`TRUSTED_DEVICE`). For event
    /// loops that wait their own way; [`Client::poll_approval`] loops over it.
    ///
    /// # Errors
    /// [`Error::Api`] (404 for an unknown ID), [`Error::Jwt`], [`Error::Transport`],
    /// [`Error::Store`], [`Error::Protocol`] for an approval without tokens.
    pub fn check_approval(&mut self, pending: &PendingApproval) -> Result<ApprovalStatus, T, S> {
        let endpoint = Endpoint::GetEvent { id: pending.id };
        let resp = self.io.send_empty(endpoint, &mut self.inbox.work)?;
        let (status, body) = (resp.status, resp.body);
        let event: Event<'_> = self.io.answer(status, body, &mut self.inbox.unescape)?;
        if !event.approved {
            return Ok(if event.new { ApprovalStatus::Pending } else { ApprovalStatus::Rejected });
        }
        let token = event
            .oauth_token
            .ok_or(Error::Protocol(cotter_proto::Error::MissingParameter("oauth_token")))?;
        // A new sign-in replaces whatever session was there once its tokens verified (the
        // device key stays).
        accept(&mut self.io, &mut self.session, &token, Grant::SignIn)?;
        Ok(ApprovalStatus::Approved)
    }

    /// Polls `pending` until it is answered: one request, then `delay(ms)` for the interval,
    /// and again. Time passed is the larger of the client clock's reading and the sum of the
    /// delays, so a clock that stands still (or is not set) cannot make it wait forever.
    /// With [`PollOptions::default`] that is at most 61 requests over 60 s.
    ///
    /// `delay` is the caller's sleep (`embedded_hal::delay::DelayNs::delay_ms`, a timer, …);
    // The method exists only with `std`: linked there, named without it.
    #[cfg_attr(
        feature = "std",
        doc = "under `std`, [`Client::wait_for_approval`] sleeps the thread."
    )]
    #[cfg_attr(
        not(feature = "std"),
        doc = "under `std`, `Client::wait_for_approval` sleeps the thread."
    )]
    ///
    /// # Errors
    /// [`Error::ApprovalRejected`], [`Error::ApprovalTimeout`], or a request's error (the
    /// request stays open on the server: polling again with the same `pending` resumes).
    pub fn poll_approval(
        &mut self,
        pending: &PendingApproval,
        options: PollOptions,
        mut delay: impl FnMut(u32),
    ) -> Result<(), T, S> {
        let timeout = u64::from(options.timeout_ms);
        let start = self.io.clock.now();
        let mut waited: u64 = 0;
        loop {
            match self.check_approval(pending)? {
                ApprovalStatus::Approved => return Ok(()),
                ApprovalStatus::Rejected => return Err(Error::ApprovalRejected),
                ApprovalStatus::Pending => {}
            }
            let by_clock = match (start, self.io.clock.now()) {
                (Some(start), Some(now)) => now.saturating_sub(start).saturating_mul(1000),
                _ => 0,
            };
            let elapsed = waited.max(by_clock);
            if elapsed >= timeout {
                return Err(Error::ApprovalTimeout);
            }
            let step = u64::from(options.interval_ms).min(timeout - elapsed);
            delay(u32::try_from(step).unwrap_or(options.interval_ms));
            waited = waited.saturating_add(step);
        }
    }

    /// [`Client::poll_approval`] sleeping the current thread between requests.
    ///
    /// # Errors
    /// As [`Client::poll_approval`].
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn wait_for_approval(
        &mut self,
        pending: &PendingApproval,
        options: PollOptions,
    ) -> Result<(), T, S> {
        self.poll_approval(pending, options, |ms| {
            std::thread::sleep(core::time::Duration::from_millis(u64::from(ms)));
        })
    }

    /// On the trusted device: the newest unanswered sign-in request for the signed-in user
    /// (`GET /event/new?cotter_user_id=…`), or `None`. Cotter answers one request at a time.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Api`], [`Error::Transport`], [`Error::Protocol`].
    pub fn pending_request(&mut self) -> Result<Option<PendingRequest>, T, S> {
        let user = self.session_user()?;
        let endpoint = Endpoint::NewEvent { cotter_user_id: &user };
        let resp = self.io.send_empty(endpoint, &mut self.inbox.work)?;
        let (status, body) = (resp.status, resp.body);
        let event: Option<Event<'_>> = self.io.answer(status, body, &mut self.inbox.unescape)?;
        event.as_ref().map(PendingRequest::from_event).transpose()
    }

    /// On the trusted device: approves (`approved = true`) or rejects `request`, signing
    /// `userID + API_KEY_ID + event + timestamp + method + approved` with the device key
    /// (`POST /event/respond/<ID>`). The tokens go to the requesting device, not to this one.
    /// One request.
    ///
    /// # Errors
    /// [`Error::DeviceNotEnrolled`], [`Error::Random`], [`Error::Api`] (e.g. a request that
    /// was already answered or has expired, or a key the server no longer trusts),
    /// [`Error::Transport`], [`Error::Protocol`].
    pub fn approve(
        &mut self,
        request: &PendingRequest,
        approved: bool,
        rng: &mut impl Entropy,
    ) -> Result<(), T, S> {
        let key = self.stored_device_key()?;
        let signer = request.signer();
        let api_key_id = self.io.config.api_key_id;
        let pending = Event {
            id: request.id,
            created_at_pascal: None,
            updated_at_pascal: None,
            deleted_at_pascal: None,
            created_at: None,
            updated_at: None,
            deleted_at: None,
            user_id: request.user_id.as_deref(),
            client_user_id: &request.client_user_id,
            issuer: api_key_id,
            event: &request.event,
            ip: &request.ip,
            location: &request.location,
            timestamp: request.timestamp,
            method: &request.method,
            new: true,
            approved: false,
            signature: None,
            oauth_token: None,
        };
        let message = SignedMessage::respond_event(&signer.id, api_key_id, &pending, approved);
        let code = key.sign(&message, rng).map_err(Error::Random)?;
        let public = key.public_key();
        let (user_id, client_user_id) = signer.fields();
        let body = RespondEventRequest {
            issuer: api_key_id,
            event: &request.event,
            ip: UNKNOWN,
            location: UNKNOWN,
            timestamp: request.timestamp,
            method: &request.method,
            code: &code,
            approved,
            public_key: public.as_str(),
            algorithm: ALGORITHM_EC,
            user_id,
            client_user_id,
        };
        let endpoint = Endpoint::RespondEvent { id: request.id };
        let resp = self.io.send_json(endpoint, &body, &mut self.inbox.work)?;
        if resp.status == 200 {
            Ok(())
        } else {
            let (status, body) = (resp.status, resp.body);
            Err(self.io.api_error(status, body, &mut self.inbox.unescape))
        }
    }
}
