//! Request counters per endpoint class, for tests that count requests (`handle.stats()`, `GET /dev/stats`).

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

/// Request counts since start, per endpoint class.
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
    /// Requests the HTTP layer rejected before routing (malformed, too large, too slow).
    pub rejected: u64,
}

/// Lock-free counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    by_class: [AtomicU64; CLASSES],
    rejected: AtomicU64,
}

impl Counters {
    pub(crate) fn count(&self, endpoint: Endpoint) {
        self.by_class[endpoint as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
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
            total: 0,
        };
        stats.total = self.by_class.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        stats
    }
}
