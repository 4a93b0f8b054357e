//! When to fetch the JWKS: the timing state of one issuer's key set, with no I/O.
//!
//! Private on purpose: it is the minimal policy of this crate until `cotter-jwt`'s sans-IO
//! JWKS cache (issue 15 §1) takes its place behind the same calls.

use core::time::Duration;
use std::time::Instant;

/// The timing rules.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Policy {
    /// Least time between two fetches caused by tokens naming an unknown `kid`.
    pub(crate) refetch_interval: Duration,
    /// How long a set is fresh when the answer has no `Cache-Control: max-age`.
    pub(crate) default_max_age: Duration,
    /// Bounds of an announced `max-age`.
    pub(crate) min_max_age: Duration,
    pub(crate) max_max_age: Duration,
    /// First retry after a failed fetch; it doubles up to `retry_max`.
    pub(crate) retry_first: Duration,
    pub(crate) retry_max: Duration,
    /// How long past its `max-age` the last good set is still served while fetches fail.
    pub(crate) stale_if_error: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            refetch_interval: Duration::from_secs(30),
            default_max_age: Duration::from_secs(3600),
            min_max_age: Duration::from_secs(60),
            max_max_age: Duration::from_secs(86_400),
            retry_first: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            stale_if_error: Duration::from_secs(86_400),
        }
    }
}

/// The timing state.
#[derive(Debug)]
pub(crate) struct Timing {
    policy: Policy,
    loaded_at: Option<Instant>,
    max_age: Duration,
    last_failure: Option<Instant>,
    failures: u32,
    last_unknown_kid: Option<Instant>,
}

impl Timing {
    pub(crate) fn new(policy: Policy) -> Self {
        Self {
            policy,
            loaded_at: None,
            max_age: policy.default_max_age,
            last_failure: None,
            failures: 0,
            last_unknown_kid: None,
        }
    }

    fn backoff(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(16);
        self.policy.retry_first.saturating_mul(1 << doublings).min(self.policy.retry_max)
    }

    /// When the background task should fetch next.
    pub(crate) fn next_due(&self, now: Instant) -> Instant {
        match (self.last_failure, self.loaded_at) {
            (Some(failed), _) => failed + self.backoff(),
            (None, Some(loaded)) => loaded + self.max_age,
            (None, None) => now,
        }
    }

    /// Whether a request that found no usable set may fetch now (not while backing off).
    pub(crate) fn may_fetch_now(&self, now: Instant) -> bool {
        self.last_failure.is_none_or(|failed| now >= failed + self.backoff())
    }

    /// Seconds until a fetch is allowed again (for `Retry-After`).
    pub(crate) fn retry_after(&self, now: Instant) -> u64 {
        self.last_failure
            .map_or(0, |failed| (failed + self.backoff()).saturating_duration_since(now).as_secs())
    }

    /// A token named a `kid` the set lacks: whether to fetch now. Rate-limited to one such
    /// fetch per `refetch_interval`, counted from the last one of its kind (a scheduled or
    /// initial fetch does not delay the first, so a key rotated in just after start is found).
    pub(crate) fn unknown_kid(&mut self, now: Instant) -> bool {
        let allowed =
            self.last_unknown_kid.is_none_or(|last| now >= last + self.policy.refetch_interval);
        if allowed {
            self.last_unknown_kid = Some(now);
        }
        allowed
    }

    /// A good set arrived; returns until when it may be used (max-age plus the stale bound).
    pub(crate) fn on_success(&mut self, now: Instant, max_age: Option<u64>) -> Instant {
        let p = &self.policy;
        self.max_age = max_age
            .map_or(p.default_max_age, Duration::from_secs)
            .clamp(p.min_max_age, p.max_max_age);
        self.loaded_at = Some(now);
        self.last_failure = None;
        self.failures = 0;
        now + self.max_age + p.stale_if_error
    }

    /// A fetch failed (transport error, non-200, or a body that is no usable JWKS).
    pub(crate) fn on_failure(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        self.last_failure = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_backoff_and_rate_limit() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut t = Timing::new(Policy::default());
        assert_eq!(t.next_due(t0), t0);
        assert!(t.may_fetch_now(t0));
        t.on_failure(t0);
        assert!(!t.may_fetch_now(t0 + s(1)));
        assert_eq!(t.retry_after(t0), 2);
        t.on_failure(t0 + s(2));
        assert_eq!(t.next_due(t0), t0 + s(6));
        let until = t.on_success(t0 + s(6), Some(10));
        // max-age is clamped to at least 60 s; stale-if-error adds a day.
        assert_eq!(t.next_due(t0), t0 + s(66));
        assert_eq!(until, t0 + s(66 + 86_400));
        assert!(t.unknown_kid(t0 + s(7)), "the first unknown kid fetches at once");
        assert!(!t.unknown_kid(t0 + s(20)));
        assert!(t.unknown_kid(t0 + s(37)));
        t.on_success(t0 + s(40), Some(1_000_000));
        assert_eq!(t.next_due(t0), t0 + s(40 + 86_400));
    }
}
