//! The limit on JWKS refetches that tokens naming an unknown `kid` can cause.
//!
//! `cotter-jwt`'s [`JwksCache`](cotter_jwt::JwksCache) counts its `refetch_interval` from the
//! previous fetch of any kind, so a key rotated in within that interval of the initial fetch
//! (a backend just started) would be refused until it ran out. This limiter counts from the
//! previous fetch *for an unknown kid* only: the first is at once, then at most one per
//! interval, so a flood of forged `kid`s costs the issuer one request per interval.

use core::time::Duration;

/// At most one unknown-`kid` fetch per interval (seconds on the caller's monotonic clock).
#[derive(Debug)]
pub(crate) struct KidLimiter {
    interval: u64,
    last: Option<u64>,
}

impl KidLimiter {
    pub(crate) fn new(interval: Duration) -> Self {
        Self { interval: interval.as_secs(), last: None }
    }

    /// Whether a fetch for an unknown `kid` may start at `now`; if so it counts as started.
    pub(crate) fn allow(&mut self, now: u64) -> bool {
        let allowed = self.last.is_none_or(|last| now >= last.saturating_add(self.interval));
        if allowed {
            self.last = Some(now);
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_interval_the_first_at_once() {
        let mut l = KidLimiter::new(Duration::from_secs(30));
        assert!(l.allow(1));
        assert!(!l.allow(2));
        assert!(!l.allow(30));
        assert!(l.allow(31));
        assert!(!l.allow(60));
    }
}
