//! [`CotterAuth`]: the issuer's key set, kept fresh in the background, and the verification of
//! one bearer token.

use crate::error::{AuthError, describe};
use crate::fetch::Fetcher;
use crate::refresh::KidLimiter;
use crate::{AuthLayer, BuildError};
use bytes::Bytes;
use core::time::Duration;
use cotter_jwt::{
    CachedToken, Jwks, JwksCache, JwksPolicy, LargeTableKey, Validation, VerifiedCache,
};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, Weak};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::task::AbortHandle;

/// Most keys of one JWKS kept (Cotter publishes one or two at a time).
pub const MAX_KEYS: usize = 8;

/// The key set: every key prepared (large tables, 256 KiB a key) as it is read.
pub(crate) type KeySet = Jwks<MAX_KEYS, Box<LargeTableKey<'static>>>;

/// Cotter's JWKS path under the issuer's base URL.
pub const JWKS_PATH: &str = "/api/v0/token/jwks";

/// Cotter's issuer base URL.
pub const COTTER_ISSUER_URL: &str = "https://www.cotter.app";

/// The prepared set in use and until when (on [`Shared::mono`]'s clock) it may be used.
#[derive(Default)]
struct Current {
    keys: Option<Arc<KeySet>>,
    usable_until: u64,
    generation: u64,
}

/// What a fetch attempt came to, for the request that asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refresh {
    /// A new set is in place (by this fetch or a concurrent one).
    Changed,
    /// The issuer answered the set already in use.
    Unchanged,
    /// Not fetched: rate-limited or backing off after a failure.
    NotNow,
    /// The fetch failed.
    Failed,
}

/// Unix seconds now, as the app tells it.
#[derive(Clone)]
struct Clock(Option<Arc<dyn Fn() -> u64 + Send + Sync>>);

impl Clock {
    fn now(&self) -> u64 {
        match &self.0 {
            Some(clock) => clock(),
            None => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        }
    }
}

impl core::fmt::Debug for Clock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.0.is_some() { "Clock(app)" } else { "Clock(system)" })
    }
}

/// The fetch state: `cotter-jwt`'s sans-IO [`JwksCache`] decides when to fetch and whether an
/// answer is a good key set (over cheap `Es256Key`s), the unknown-`kid` limiter bounds the
/// refetches tokens can cause, and the last good body spares re-preparing an unchanged set.
struct FetchState {
    cache: JwksCache<MAX_KEYS>,
    kid_limiter: KidLimiter,
    last_body: Option<Bytes>,
}

pub(crate) struct Shared {
    api_key: Box<str>,
    clock: Clock,
    leeway: u64,
    blocking: bool,
    cache: VerifiedCache,
    current: RwLock<Current>,
    /// Held for the whole of a fetch: concurrent requests wait for one fetch, not make many.
    fetch: tokio::sync::Mutex<FetchState>,
    fetcher: Fetcher,
    /// The origin of [`Shared::mono`].
    epoch: Instant,
    task: OnceLock<AbortHandle>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }
}

impl Shared {
    /// Seconds since this was built, on a clock that does not go back: the clock of the
    /// fetch schedule (the tokens' clock is [`Clock`]).
    fn mono(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    fn usable(&self) -> Option<(Arc<KeySet>, u64)> {
        let now = self.mono();
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let keys = current.keys.as_ref()?;
        (now < current.usable_until).then(|| (Arc::clone(keys), current.generation))
    }

    fn generation(&self) -> u64 {
        self.current.read().unwrap_or_else(PoisonError::into_inner).generation
    }

    /// Fetches if the schedule allows it now, unless another request did since `seen` (then
    /// answers `Changed`). `unknown_kid`: the request's token named a `kid` the set lacks.
    async fn refresh(&self, seen: u64, unknown_kid: bool) -> Refresh {
        let mut state = self.fetch.lock().await;
        if self.generation() != seen {
            return Refresh::Changed;
        }
        let now = self.mono();
        if unknown_kid {
            if !state.kid_limiter.allow(now) {
                return Refresh::NotNow;
            }
            state.cache.unknown_kid();
        }
        if state.cache.poll_fetch(now).is_none() {
            return Refresh::NotNow;
        }
        self.fetch_locked(&mut state).await
    }

    /// One fetch, which [`JwksCache::poll_fetch`] has just allowed.
    async fn fetch_locked(&self, state: &mut FetchState) -> Refresh {
        let fetched = self.fetcher.fetch().await;
        let now = self.mono();
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(_) => {
                state.cache.on_failure(now);
                return Refresh::Failed;
            }
        };
        let max_age = fetched.max_age.map(|age| u32::try_from(age).unwrap_or(u32::MAX));
        if state.cache.on_response(now, fetched.status, &fetched.body, max_age).is_err() {
            return Refresh::Failed;
        }
        let usable_until = state.cache.usable_until().unwrap_or(0);
        if state.last_body.as_ref() == Some(&fetched.body) {
            self.current.write().unwrap_or_else(PoisonError::into_inner).usable_until =
                usable_until;
            return Refresh::Unchanged;
        }
        // The cache took the body as a good set; prepare the same keys from the same bytes
        // (a few milliseconds a key: off the async workers).
        let body = fetched.body.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            core::str::from_utf8(&body).ok().and_then(|text| KeySet::from_json(text).ok())
        })
        .await;
        let Ok(Some(keys)) = prepared else {
            return Refresh::Failed;
        };
        state.last_body = Some(fetched.body);
        // Entries vouched for by keys the issuer removed go now (look-ups would drop them too).
        self.cache.retain_keys(keys.keys());
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        current.keys = Some(Arc::new(keys));
        current.usable_until = usable_until;
        current.generation += 1;
        Refresh::Changed
    }

    async fn retry_after(&self) -> u64 {
        let state = self.fetch.lock().await;
        state.cache.next_due().saturating_sub(self.mono())
    }

    fn verify_now(
        &self,
        keys: &KeySet,
        token: &str,
    ) -> Result<Arc<CachedToken>, cotter_jwt::Error> {
        let validation = Validation::cotter(&self.api_key, self.clock.now()).leeway(self.leeway);
        self.cache.verify(keys, token, &validation)
    }

    async fn verify(
        self: &Arc<Self>,
        keys: Arc<KeySet>,
        token: &str,
    ) -> Result<Arc<CachedToken>, cotter_jwt::Error> {
        if !self.blocking {
            return self.verify_now(&keys, token);
        }
        let (shared, token) = (Arc::clone(self), token.to_owned());
        tokio::task::spawn_blocking(move || shared.verify_now(&keys, &token))
            .await
            .unwrap_or(Err(cotter_jwt::Error::InvalidSignature))
    }

    /// Verifies `token`: the set in use, or one fetched now if there is none; one refetch
    /// (rate-limited) when the token names a `kid` the set lacks.
    pub(crate) async fn authenticate(
        self: &Arc<Self>,
        token: &str,
    ) -> Result<Arc<CachedToken>, AuthError> {
        let unavailable =
            || async { AuthError::Unavailable { retry_after: self.retry_after().await } };
        let (keys, seen) = match self.usable() {
            Some(found) => found,
            None => {
                let seen = self.generation();
                self.refresh(seen, false).await;
                match self.usable() {
                    Some(found) => found,
                    None => return Err(unavailable().await),
                }
            }
        };
        match self.verify(keys, token).await {
            Err(cotter_jwt::Error::UnknownKid) => match self.refresh(seen, true).await {
                Refresh::Changed => {
                    let Some((keys, _)) = self.usable() else {
                        return Err(unavailable().await);
                    };
                    self.verify(keys, token)
                        .await
                        .map_err(|e| AuthError::InvalidToken(describe(&e)))
                }
                Refresh::Failed => Err(unavailable().await),
                Refresh::Unchanged | Refresh::NotNow => {
                    Err(AuthError::InvalidToken(describe(&cotter_jwt::Error::UnknownKid)))
                }
            },
            result => result.map_err(|e| AuthError::InvalidToken(describe(&e))),
        }
    }
}

/// The background task: fetch when [`JwksCache`] says so, until the last [`CotterAuth`] is
/// dropped.
async fn keep_fresh(shared: Weak<Shared>) {
    loop {
        let wake = {
            let Some(shared) = shared.upgrade() else { return };
            let mut state = shared.fetch.lock().await;
            if state.cache.poll_fetch(shared.mono()).is_some() {
                shared.fetch_locked(&mut state).await;
            }
            let due = state.cache.next_due();
            // At least a second from now, whatever the schedule says.
            shared.epoch + Duration::from_secs(due.max(shared.mono() + 1))
        };
        tokio::time::sleep_until(wake.into()).await;
    }
}

/// Bearer-token authentication for one Cotter app (issuer and API key ID): the JWKS, fetched
/// in the background and refetched when a token names a key it lacks, and a cache of verified
/// tokens. Cheap to clone (an `Arc`); make one per app and a [`layer`](Self::layer) per router
/// or route.
#[derive(Clone)]
pub struct CotterAuth {
    shared: Arc<Shared>,
}

impl core::fmt::Debug for CotterAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CotterAuth")
            .field("fetcher", &self.shared.fetcher)
            .field("keys", &self.key_count())
            .field("cache", &self.shared.cache)
            .finish_non_exhaustive()
    }
}

impl CotterAuth {
    /// A builder for tokens issued to `api_key_id` (their `aud`) by Cotter, or by the issuer at
    /// [`Builder::issuer_url`] (e.g. the emulator).
    pub fn builder(api_key_id: impl Into<String>) -> Builder {
        Builder {
            api_key: api_key_id.into(),
            issuer_url: COTTER_ISSUER_URL.to_owned(),
            jwks_url: None,
            ca_pem: None,
            cache_capacity: 10_000,
            leeway: cotter_jwt::DEFAULT_LEEWAY,
            timeout: Duration::from_secs(10),
            blocking: false,
            policy: JwksPolicy::new().retry_after_failure(5, 300),
            refetch_interval: Duration::from_secs(30),
            clock: Clock(None),
        }
    }

    /// A tower layer that authenticates every request of the service it wraps.
    #[must_use]
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(Arc::clone(&self.shared))
    }

    /// Verifies one token as the layer does (for non-HTTP uses such as a WebSocket's first
    /// message).
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] or [`AuthError::Unavailable`].
    pub async fn verify(&self, token: &str) -> Result<crate::CotterClaims, AuthError> {
        self.shared.authenticate(token).await.map(crate::CotterClaims::new)
    }

    /// Fetches the JWKS now unless a set is in use already (e.g. at start, to fail early).
    ///
    /// # Errors
    /// [`AuthError::Unavailable`] when the issuer cannot be reached or answers no usable set.
    pub async fn ready(&self) -> Result<(), AuthError> {
        if self.shared.usable().is_some() {
            return Ok(());
        }
        let seen = self.shared.generation();
        self.shared.refresh(seen, false).await;
        match self.shared.usable() {
            Some(_) => Ok(()),
            None => Err(AuthError::Unavailable { retry_after: self.shared.retry_after().await }),
        }
    }

    /// Keys in the set in use (0 before the first fetch).
    #[must_use]
    pub fn key_count(&self) -> usize {
        let current = self.shared.current.read().unwrap_or_else(PoisonError::into_inner);
        current.keys.as_ref().map_or(0, |k| k.len())
    }

    /// The verified-token cache's counters.
    #[must_use]
    pub fn cache_stats(&self) -> cotter_jwt::CacheStats {
        self.shared.cache.stats()
    }

    /// Tokens in the verified-token cache now.
    #[must_use]
    pub fn cached_tokens(&self) -> usize {
        self.shared.cache.len()
    }
}

/// Configures a [`CotterAuth`].
#[derive(Clone, Debug)]
#[must_use]
pub struct Builder {
    api_key: String,
    issuer_url: String,
    jwks_url: Option<String>,
    ca_pem: Option<String>,
    cache_capacity: usize,
    leeway: u64,
    timeout: Duration,
    blocking: bool,
    policy: JwksPolicy,
    refetch_interval: Duration,
    clock: Clock,
}

impl Builder {
    /// The clock tokens are checked against, Unix seconds (default the system clock): for
    /// demos and tests that move time, such as the emulator's clock.
    pub fn clock(mut self, now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Clock(Some(Arc::new(now)));
        self
    }

    /// The issuer's base URL (default [`COTTER_ISSUER_URL`]); the JWKS is at
    /// `{issuer_url}`[`JWKS_PATH`]. Plain `http` is refused except to a loopback address.
    pub fn issuer_url(mut self, url: impl Into<String>) -> Self {
        self.issuer_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The JWKS URL itself, instead of the one under [`issuer_url`](Self::issuer_url).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Also trusts the CA certificates of `pem` (beside the web PKI roots) for the JWKS fetch,
    /// e.g. the emulator's `--tls-ca-out` file.
    pub fn ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Most verified tokens cached (default 10 000, about 1 KiB each; 0 turns caching off).
    pub const fn cache_capacity(mut self, tokens: usize) -> Self {
        self.cache_capacity = tokens;
        self
    }

    /// Clock leeway for `exp` and `nbf`, seconds (default [`cotter_jwt::DEFAULT_LEEWAY`]).
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Timeout of one JWKS fetch (default 10 s).
    pub const fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Least time between two refetches caused by unknown `kid`s (default 30 s).
    pub const fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How long past its `max-age` the last good key set is still used while the issuer is
    /// unreachable (default one day).
    pub const fn stale_if_error(mut self, bound: Duration) -> Self {
        self.policy = self.policy.stale_if_error(bound.as_secs());
        self
    }

    /// Runs each verification on tokio's blocking pool instead of inline (default off: a
    /// verification with prepared keys is about 30 µs of CPU and a cache hit about 1 µs,
    /// short enough for an async worker; see the crate documentation for the measurement).
    pub const fn verify_on_blocking_pool(mut self, on: bool) -> Self {
        self.blocking = on;
        self
    }

    /// Builds it and starts the background refresh task (the first fetch starts at once).
    ///
    /// # Errors
    /// [`BuildError`] for a bad URL, a plain-`http` URL to another host, a bad CA file, or
    /// no tokio runtime.
    pub fn build(self) -> Result<CotterAuth, BuildError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
        let url = self.jwks_url.unwrap_or_else(|| format!("{}{JWKS_PATH}", self.issuer_url));
        let fetcher = Fetcher::new(&url, self.ca_pem.as_deref(), self.timeout)?;
        let shared = Arc::new(Shared {
            api_key: self.api_key.into_boxed_str(),
            clock: self.clock,
            leeway: self.leeway,
            blocking: self.blocking,
            cache: VerifiedCache::new(self.cache_capacity),
            current: RwLock::new(Current::default()),
            fetch: tokio::sync::Mutex::new(FetchState {
                // The unknown-kid limit is the limiter's (counted from the last such fetch,
                // so a key rotated in just after start is found at once).
                cache: JwksCache::new(self.policy.refetch_interval(0)),
                kid_limiter: KidLimiter::new(self.refetch_interval),
                last_body: None,
            }),
            fetcher,
            epoch: Instant::now(),
            task: OnceLock::new(),
        });
        let task = runtime.spawn(keep_fresh(Arc::downgrade(&shared)));
        let _ = shared.task.set(task.abort_handle());
        Ok(CotterAuth { shared })
    }
}
