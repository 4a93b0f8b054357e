//! Request counters per endpoint class and refresh-token reuse counters, for tests that count requests
//! (`handle.stats()`, `GET /dev/stats`).

use core::sync::atomic::{AtomicU64, Ordering};
use serde::Serialize;

/// Which counter a request increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    App,
    GetIdentity,
    Refresh,
    Revoke,
    Jwks,
    User,
    Device,
    Event,
    Dev,
    NotFound,
}

const CLASSES: usize = 10;

/// Which reuse counter a refresh with a retired token increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reuse {
    /// Within the grace window: answered with the tokens its rotation issued.
    Replay,
    /// After the grace window: the session was revoked.
    Revocation,
}

/// Request counts since start, per endpoint class, and how often a retired refresh token came back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Every request that reached the router (rejected ones excluded).
    pub total: u64,
    /// Hosted page: `/app`, `/app/identifier`, `/app/otp`, `/app/magic`.
    pub app: u64,
    /// `POST /api/v0/verify/get_identity`.
    pub get_identity: u64,
    /// `POST /api/v0/token/<API_KEY_ID>` and `POST /api/v0/token`.
    pub refresh: u64,
    /// `DELETE /api/v0/token/<API_KEY_ID>`.
    pub revoke: u64,
    /// `GET /api/v0/token/jwks`.
    pub jwks: u64,
    /// User create/get.
    pub user: u64,
    /// Trusted-device enrolment and status.
    pub device: u64,
    /// Events (create, pending, get, new, respond).
    pub event: u64,
    /// `/dev/*` controls.
    pub dev: u64,
    /// Unknown paths and wrong methods.
    pub not_found: u64,
    /// Requests rejected before reaching an endpoint: malformed, too large or too slow, a `Host` that does
    /// not name the emulator (421), or an injected failure.
    pub rejected: u64,
    /// Refreshes with a retired refresh token within the reuse interval after its rotation, answered with
    /// the tokens that rotation issued (parallel callers sharing one token).
    pub reuse_replays: u64,
    /// Refreshes with a retired refresh token after the reuse interval, each of which revoked its session
    /// (a stolen or replayed token). Tokens of an already revoked session do not count again.
    pub reuse_revocations: u64,
}

/// Lock-free counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    by_class: [AtomicU64; CLASSES],
    rejected: AtomicU64,
    reuse: [AtomicU64; 2],
}

impl Counters {
    pub(crate) fn count(&self, endpoint: Endpoint) {
        self.by_class[endpoint as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_reuse(&self, reuse: Reuse) {
        self.reuse[reuse as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let get = |e: Endpoint| self.by_class[e as usize].load(Ordering::Relaxed);
        let mut stats = Stats {
            app: get(Endpoint::App),
            get_identity: get(Endpoint::GetIdentity),
            refresh: get(Endpoint::Refresh),
            revoke: get(Endpoint::Revoke),
            jwks: get(Endpoint::Jwks),
            user: get(Endpoint::User),
            device: get(Endpoint::Device),
            event: get(Endpoint::Event),
            dev: get(Endpoint::Dev),
            not_found: get(Endpoint::NotFound),
            rejected: self.rejected.load(Ordering::Relaxed),
            reuse_replays: self.reuse[Reuse::Replay as usize].load(Ordering::Relaxed),
            reuse_revocations: self.reuse[Reuse::Revocation as usize].load(Ordering::Relaxed),
            total: 0,
        };
        stats.total = self.by_class.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        stats
    }
}
