//! [`JwksCache`]: a key set that keeps itself fresh, sans-IO. It decides *when* the JWKS
//! should be fetched and is fed what the fetch brought (status, body, `max-age`); the caller
//! does the HTTP however it likes (blocking, async, over a UART).
//!
//! The rules, each with its reason:
//!
//! - **Initial load**: a cache that never loaded wants a fetch at once.
//! - **Periodic refresh**: a good set is fresh for the response's `Cache-Control: max-age`
//!   (the default without one), clamped to the policy's bounds, so a server cannot make the
//!   cache poll it every second nor keep a key for a year; then a fetch is due.
//! - **Unknown `kid`**: a token naming a key the set lacks (the server rotated) wants a fetch,
//!   at most one per [`JwksPolicy::refetch_interval`] after the previous one, so a flood of
//!   forged `kid`s is not a flood of requests.
//! - **Failures back off**: after a failed fetch (transport error, a status other than 200, a
//!   body that is not a JWKS with a usable key) the next is due after
//!   the first wait of [`JwksPolicy::retry_after_failure`], doubling up to its cap.
//! - **Stale if error, bounded**: a failed fetch never takes the last good set away; it keeps
//!   verifying until [`JwksPolicy::stale_if_error`] past its freshness, and not beyond (a key
//!   the server revoked while it could not be reached stops being trusted then).
//! - **Keys leave only when the server drops them**: a good response replaces the set, so a key
//!   goes when the server no longer lists it; a refresh that fails, times out or brings garbage
//!   (including a JWKS of which no key is usable) drops nothing.

use crate::error::{Error, JwkError};
use crate::jwks::Jwks;
use crate::key::Es256Key;
use crate::token::{Token, UntrustedToken};
use crate::validation::Validation;
use crate::verifier::{JwkKey, Verifier};
use core::fmt;
use cotter_json::{JsonError, JsonErrorKind};

/// When a [`JwksCache`] fetches, in seconds; [`JwksPolicy::new`] gives the defaults, each
/// setter changes one. (Kept as `u32`, saturated: 136 years is bound enough, and a
/// microcontroller's 32-bit arithmetic is cheaper.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksPolicy {
    refetch_interval: u32,
    default_max_age: u32,
    min_max_age: u32,
    max_max_age: u32,
    retry_after_failure: u32,
    max_retry_interval: u32,
    stale_if_error: u32,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        Self::new()
    }
}

/// Seconds as stored, saturated at `u32::MAX`.
const fn secs(seconds: u64) -> u32 {
    if seconds > u32::MAX as u64 { u32::MAX } else { seconds as u32 }
}

impl JwksPolicy {
    /// The defaults: an unknown `kid` refetches at most every 30 s; a set is fresh for its
    /// `max-age` clamped to 60 s – 24 h, or 1 h without one; a failed fetch is retried after
    /// 30 s, doubling up to 5 min; the last good set is served up to 24 h past its freshness
    /// while fetches fail.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            refetch_interval: 30,
            default_max_age: 3600,
            min_max_age: 60,
            max_max_age: 86_400,
            retry_after_failure: 30,
            max_retry_interval: 300,
            stale_if_error: 86_400,
        }
    }

    /// Least time between a fetch and one for an unknown `kid`.
    #[must_use]
    pub const fn refetch_interval(mut self, seconds: u64) -> Self {
        self.refetch_interval = secs(seconds);
        self
    }

    /// How long a set is fresh when its response had no `max-age` (clamped like one).
    #[must_use]
    pub const fn default_max_age(mut self, seconds: u64) -> Self {
        self.default_max_age = secs(seconds);
        self
    }

    /// The bounds a response's `max-age` is clamped to (the lower wins if they cross).
    #[must_use]
    pub const fn max_age_bounds(mut self, min: u64, max: u64) -> Self {
        self.min_max_age = secs(min);
        self.max_max_age = secs(max);
        self
    }

    /// The wait before retrying after a failed fetch, and its cap as it doubles with each
    /// further failure (raised to the first wait if below it).
    #[must_use]
    pub const fn retry_after_failure(mut self, first: u64, max: u64) -> Self {
        self.retry_after_failure = secs(first);
        self.max_retry_interval = secs(max);
        self
    }

    /// How long past its freshness the last good set is served while fetches fail.
    #[must_use]
    pub const fn stale_if_error(mut self, seconds: u64) -> Self {
        self.stale_if_error = secs(seconds);
        self
    }

    /// The shortest time the cache lets pass between two fetches it asks for: the least of
    /// [`JwksPolicy::refetch_interval`], the first retry wait and the lower `max-age` bound.
    #[must_use]
    pub const fn min_fetch_interval(&self) -> u64 {
        let mut least = self.refetch_interval;
        if self.retry_after_failure < least {
            least = self.retry_after_failure;
        }
        if self.min_max_age < least {
            least = self.min_max_age;
        }
        least as u64
    }

    /// How long a response with this `max-age` is fresh.
    fn freshness(&self, max_age: Option<u32>) -> u64 {
        let age = max_age.unwrap_or(self.default_max_age);
        u64::from(age.min(self.max_max_age).max(self.min_max_age))
    }

    /// The wait after `failures` failed fetches in a row (at least one).
    fn retry_delay(&self, failures: u32) -> u64 {
        let first = self.retry_after_failure;
        let cap = self.max_retry_interval.max(first);
        let doublings = failures.saturating_sub(1);
        // In u32, never past the top bit: doubling that would overflow is past the cap.
        let delay = if first.leading_zeros() < doublings.min(32) {
            cap
        } else {
            (first << doublings.min(31)).min(cap)
        };
        u64::from(delay)
    }
}

/// Why a [`JwksCache`] wants a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchReason {
    /// No set was loaded yet, and no fetch failed.
    Initial,
    /// The set's freshness (`max-age`) ran out.
    Expired,
    /// A token named a `kid` the set lacks ([`JwksCache::unknown_kid`]).
    UnknownKid,
    /// The last fetch failed, and its retry wait is over.
    Retry,
}

/// Why a fetched answer was not taken as the new key set ([`JwksCache::on_response`]); the
/// cache keeps serving the last good set either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// The server answered this status instead of 200.
    Status(u16),
    /// The body is not a JWKS with a usable key: not UTF-8 or not JSON, no `keys` array
    /// ([`JwkError::MissingKeys`], also for an empty one), or every entry skipped (the first
    /// entry's reason).
    Jwks(JwkError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "jwks fetch answered status {status}"),
            Self::Jwks(e) => write!(f, "jwks fetch brought no usable key set: {e}"),
        }
    }
}

impl core::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Jwks(e) => Some(e),
            Self::Status(_) => None,
        }
    }
}

impl From<JwkError> for FetchError {
    fn from(e: JwkError) -> Self {
        Self::Jwks(e)
    }
}

/// A JWKS of up to `N` keys of type `K` that knows when to fetch it again: the initial load,
/// a refresh when its `max-age` runs out, a rate-limited refetch for an unknown `kid`, retries
/// with back-off, and the last good set served while fetches fail (bounded). It does no I/O
/// and reads no clock: every call takes `now`, in seconds on any clock that does not go back
/// (Unix time in practice); the caller fetches when told and feeds the answer. `no_std`, no
/// heap; with `std` and `prepared`, `JwksCache<N, Box<SmallTableKey<'static>>>` keeps every
/// key prepared (each fetch prepares the keys it brings).
///
/// The loop of a caller: [`JwksCache::poll_fetch`] (or [`JwksCache::next_due`] to sleep until
/// then); when it says so, fetch the JWKS and report with [`JwksCache::on_response`] (any
/// status) or [`JwksCache::on_failure`] (no answer). Verify with [`JwksCache::verify`] (or
/// through [`JwksCache::jwks`]); on [`Error::UnknownKid`], poll again: a refetch may be due.
/// The crate-level documentation has an example.
#[derive(Clone, Debug)]
pub struct JwksCache<const N: usize, K = Es256Key> {
    policy: JwksPolicy,
    keys: Jwks<N, K>,
    /// Until when `keys` is fresh; `None` before the first good response.
    fresh_until: Option<u64>,
    /// When the next fetch is due: `fresh_until` while fetches succeed, the retry time after
    /// a failure (0 at first: due at once).
    next_fetch: u64,
    /// The last fetch started or reported (0: none yet); the `kid` rate limit counts from it.
    last_attempt: u64,
    /// Failed fetches in a row since the last good response.
    failures: u32,
    /// A token named a `kid` the set lacks, and no fetch was started since.
    kid_wanted: bool,
    /// Answers and failures reported.
    fetches: u32,
}

impl<const N: usize, K> Default for JwksCache<N, K> {
    fn default() -> Self {
        Self::new(JwksPolicy::new())
    }
}

impl<const N: usize, K> JwksCache<N, K> {
    /// An empty cache: it wants its initial fetch.
    #[must_use]
    pub const fn new(policy: JwksPolicy) -> Self {
        Self {
            policy,
            keys: Jwks::new(),
            fresh_until: None,
            next_fetch: 0,
            last_attempt: 0,
            failures: 0,
            kid_wanted: false,
            fetches: 0,
        }
    }

    /// The policy it was made with.
    #[must_use]
    pub const fn policy(&self) -> &JwksPolicy {
        &self.policy
    }

    /// The key set to verify with at `now`: the last good set while it is fresh, or stale by
    /// at most [`JwksPolicy::stale_if_error`]; `None` before the first good response and
    /// after that bound.
    #[must_use]
    pub fn jwks(&self, now: u64) -> Option<&Jwks<N, K>> {
        let usable_until = self.usable_until()?;
        (now < usable_until).then_some(&self.keys)
    }

    /// The last good set whatever its age (`None` before the first good response): for
    /// diagnostics; verify through [`JwksCache::jwks`], which enforces the staleness bound.
    #[must_use]
    pub const fn last_good(&self) -> Option<&Jwks<N, K>> {
        match self.fresh_until {
            Some(_) => Some(&self.keys),
            None => None,
        }
    }

    /// Until when the last good set is fresh (its `max-age` after the response brought it).
    #[must_use]
    pub const fn fresh_until(&self) -> Option<u64> {
        self.fresh_until
    }

    /// Until when [`JwksCache::jwks`] serves the last good set if no fetch succeeds.
    #[must_use]
    pub const fn usable_until(&self) -> Option<u64> {
        match self.fresh_until {
            Some(fresh) => Some(fresh.saturating_add(self.policy.stale_if_error as u64)),
            None => None,
        }
    }

    /// Answers and failures reported so far ([`JwksCache::on_response`],
    /// [`JwksCache::on_failure`]).
    #[must_use]
    pub const fn fetches(&self) -> u32 {
        self.fetches
    }

    /// Failed fetches in a row since the last good response.
    #[must_use]
    pub const fn failures(&self) -> u32 {
        self.failures
    }

    /// The earliest time [`JwksCache::poll_fetch`] starts a fetch, if nothing else happens
    /// first: what a background task sleeps until (it may be in the past: due now).
    #[must_use]
    pub fn next_due(&self) -> u64 {
        if self.kid_wanted && self.failures == 0 {
            let kid = self.last_attempt.saturating_add(u64::from(self.policy.refetch_interval));
            return self.next_fetch.min(kid);
        }
        self.next_fetch
    }

    /// The fetch due at `now`, if any, without starting it.
    #[must_use]
    pub fn due(&self, now: u64) -> Option<FetchReason> {
        if now < self.next_due() {
            return None;
        }
        Some(if self.failures > 0 {
            FetchReason::Retry
        } else if self.fresh_until.is_none() {
            FetchReason::Initial
        } else if now >= self.next_fetch {
            FetchReason::Expired
        } else {
            FetchReason::UnknownKid
        })
    }

    /// Starts the fetch due at `now`, if any: the caller must then fetch the JWKS and report
    /// the outcome ([`JwksCache::on_response`] or [`JwksCache::on_failure`]). Until then the
    /// next fetch waits as after a failure, so concurrent callers do not fetch twice; a fetch
    /// never reported is asked for again after that wait, for the same reason.
    pub fn poll_fetch(&mut self, now: u64) -> Option<FetchReason> {
        let reason = self.due(now)?;
        self.last_attempt = self.last_attempt.max(now);
        self.kid_wanted = false;
        self.next_fetch = self.next_fetch.max(self.retry_at(now));
        Some(reason)
    }

    /// Moves every time the cache holds forward by `seconds`: for a device that counted from 0
    /// until it learned the time (a device without a real-time clock that learns it from the
    /// first verified token), so that the set it loaded then stays fresh for its `max-age`
    /// from when it really came, instead of looking decades old.
    pub fn shift_clock(&mut self, seconds: u64) {
        if let Some(fresh) = &mut self.fresh_until {
            *fresh = fresh.saturating_add(seconds);
        }
        self.next_fetch = self.next_fetch.saturating_add(seconds);
        self.last_attempt = self.last_attempt.saturating_add(seconds);
    }

    /// Notes that a token named a `kid` the set lacks: a fetch becomes due
    /// [`JwksPolicy::refetch_interval`] after the previous one (at once if that is past).
    /// [`JwksCache::verify`] calls it itself.
    pub fn unknown_kid(&mut self) {
        self.kid_wanted = true;
    }

    /// Reports a fetch that brought no answer (a transport error, a timeout): the last good set
    /// stays, and a retry is due after the back-off.
    pub fn on_failure(&mut self, now: u64) {
        let now = self.reported(now);
        self.failures = self.failures.saturating_add(1);
        self.next_fetch = self.retry_at(now);
    }

    /// When a retry is due if the fetch started (or failed) at `at` fails.
    fn retry_at(&self, at: u64) -> u64 {
        at.saturating_add(self.policy.retry_delay(self.failures.max(1)))
    }

    /// The time of a report, never before the last attempt; counts the report.
    fn reported(&mut self, now: u64) -> u64 {
        let now = self.last_attempt.max(now);
        self.last_attempt = now;
        self.kid_wanted = false;
        self.fetches = self.fetches.saturating_add(1);
        now
    }
}

impl<const N: usize, K: JwkKey> JwksCache<N, K> {
    /// Reports the answer of a fetch: its status, its body, and the `max-age` of its
    /// `Cache-Control` header if it had one (pass `None` otherwise; `no-store` and `no-cache`
    /// are not about a key set kept in memory). A 200 whose body is a JWKS with at least one
    /// usable key replaces the set (keys it no longer lists are gone) and is fresh for the
    /// clamped `max-age`; anything else is a failed fetch ([`JwksCache::on_failure`]).
    ///
    /// # Errors
    /// Why the answer was not taken ([`FetchError`]); the last good set is kept.
    pub fn on_response(
        &mut self,
        now: u64,
        status: u16,
        body: &[u8],
        max_age: Option<u32>,
    ) -> Result<(), FetchError> {
        let taken = self.take(now, status, body, max_age);
        if taken.is_err() {
            self.on_failure(now);
        }
        taken
    }

    /// Replaces the set with the one in a 200 answer that has a usable key; otherwise says
    /// why not and changes nothing. (The new set goes straight into place: a JWKS is large,
    /// and each move of it through a `Result` costs a copy, and stack on a microcontroller.)
    fn take(
        &mut self,
        now: u64,
        status: u16,
        body: &[u8],
        max_age: Option<u32>,
    ) -> Result<(), FetchError> {
        if status != 200 {
            return Err(FetchError::Status(status));
        }
        let text = core::str::from_utf8(body)
            .map_err(|_| JwkError::Json(JsonError::new(JsonErrorKind::InvalidUtf8)))?;
        let keys = Jwks::from_json(text)?;
        if keys.is_empty() {
            let first = keys.skipped().first().map_or(JwkError::MissingKeys, |s| s.reason);
            return Err(FetchError::Jwks(first));
        }
        self.keys = keys;
        let now = self.reported(now);
        let fresh = now.saturating_add(self.policy.freshness(max_age));
        self.fresh_until = Some(fresh);
        self.next_fetch = fresh;
        self.failures = 0;
        Ok(())
    }
}

impl<const N: usize, K: Verifier> JwksCache<N, K> {
    /// Verifies `token` with the set [`JwksCache::jwks`] gives at `now`, as
    /// [`Jwks::verify`] does. When no key matches its `kid` ([`Error::UnknownKid`]; also
    /// when there is no usable set) it notes the wish for a refetch
    /// ([`JwksCache::unknown_kid`]): poll, fetch if told, and verify again.
    ///
    /// # Errors
    /// As [`Jwks::verify`]; [`Error::UnknownKid`] or [`Error::MissingKid`] without a usable
    /// set.
    pub fn verify<'b>(
        &mut self,
        now: u64,
        token: &str,
        validation: &Validation<'_>,
        buf: &'b mut [u8],
    ) -> Result<Token<'b>, Error> {
        let untrusted = UntrustedToken::parse_with_limit(token, buf, validation.token_len_limit())?;
        let result = match self.jwks(now) {
            Some(keys) => untrusted.verify(keys, validation),
            None if untrusted.header().kid().is_some() => Err(Error::UnknownKid),
            None => Err(Error::MissingKid),
        };
        if matches!(result, Err(Error::UnknownKid)) {
            self.unknown_kid();
        }
        result
    }
}

#[cfg(test)]
mod tests;
