//! The JWKS cache and the verification of tokens the server hands out.

use crate::clock::Clock;
use crate::error::Error;
use crate::http;
use crate::io::Io;
use cotter_jwt::{FetchError, JwksPolicy, Validation};
use cotter_proto::Endpoint;
use cotter_transport::Transport;

/// How many keys the JWKS cache holds.
pub const JWKS_CAPACITY: usize = 4;

/// The key type of the JWKS cache. With `std`, each key is prepared with the small table
/// profile as it is read (8 KiB and 0.3 ms a key, over one shared generator table; the large
/// profile costs 256 KiB a key): the one set verifies fast, with no parallel copy. Without
/// `std`: with `compact`, cotter-jwt's compact verifier (less flash, slower), otherwise p256's
/// arithmetic. Only this cache's keys change: no other key in the build does.
#[cfg(feature = "std")]
type CacheKey = std::boxed::Box<cotter_jwt::SmallTableKey<'static>>;
#[cfg(all(not(feature = "std"), feature = "compact"))]
type CacheKey = cotter_jwt::CompactKey;
#[cfg(all(not(feature = "std"), not(feature = "compact")))]
type CacheKey = cotter_jwt::Es256Key;

/// An unknown `kid` triggers at most one JWKS re-fetch per this many seconds.
pub const JWKS_REFETCH_INTERVAL: u64 = 300;

/// The server's keys: cotter-jwt's [`JwksCache`](cotter_jwt::JwksCache), which decides when
/// to fetch (the first verification, the answer's `max-age` running out, an unknown `kid` at
/// most once per [`JWKS_REFETCH_INTERVAL`], so a flood of forged kids is not a flood of
/// requests) and keeps the last good set through failed fetches, for a bounded time.
pub(crate) type JwksCache = cotter_jwt::JwksCache<JWKS_CAPACITY, CacheKey>;

/// The client's policy: cotter-jwt's defaults, with the longer `kid` interval above.
pub(crate) const JWKS_POLICY: JwksPolicy =
    JwksPolicy::new().refetch_interval(JWKS_REFETCH_INTERVAL);

/// How many keys of the cache are prepared for fast verification: all of them with `std`,
/// none without.
pub(crate) fn prepared_count(cache: &JwksCache) -> usize {
    #[cfg(feature = "std")]
    return cache.last_good().map_or(0, cotter_jwt::Jwks::len);
    #[cfg(not(feature = "std"))]
    {
        let _ = cache;
        0
    }
}

/// Which of the server's two tokens is verified: each has its own claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// The access token (`cotter_access` claims).
    Access,
    /// The ID token (`cotter_id` claims).
    Id,
}

/// What the client keeps from a verified access token.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) exp: u64,
    /// `iat`: the server's time when it issued the token.
    pub(crate) iat: Option<u64>,
    pub(crate) sub: heapless::String<64>,
    /// ID tokens: `identifier` (email or phone) and `client_user_id`.
    pub(crate) identifier: heapless::String<128>,
    pub(crate) client_user_id: heapless::String<64>,
}

fn copy<const N: usize>(s: Option<cotter_jwt::JsonStr<'_>>) -> heapless::String<N> {
    let mut out = heapless::String::new();
    for c in s.into_iter().flat_map(|s| s.chars()) {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

impl<T: Transport, C: Clock> Io<'_, T, C> {
    /// Fetches the JWKS (through the scratch space) and feeds the answer to the cache, with
    /// its `Cache-Control: max-age`.
    ///
    /// # Errors
    /// The transport's, [`Error::Api`] for a status other than 200, [`Error::Jwks`] for a
    /// body that is not a JWKS with a usable key. The cache keeps its last good set either way.
    ///
    /// Out of line: the new set is parsed in this frame, which must not add to the frame of
    /// the verification that calls it (the firmware's peak-stack path).
    #[inline(never)]
    fn fetch_jwks<S>(&mut self, now: u64) -> Result<(), Error<T::Error, S>> {
        let (transport, config) = (&mut self.transport, &self.config);
        let resp = match http::send(transport, config, Endpoint::Jwks, None, &mut self.scratch) {
            Ok(resp) => resp,
            Err(e) => {
                self.jwks.on_failure(now);
                return Err(e);
            }
        };
        let max_age = resp.headers.cache_control.and_then(|c| c.max_age);
        // The set is parsed and stored inside the cache, not returned through a helper here:
        // a JWKS is large, and a copy of it on this frame would lie on the firmware's
        // peak-stack path (880 B more, measured).
        match self.jwks.on_response(now, resp.status, resp.body, max_age) {
            Ok(()) => Ok(()),
            Err(FetchError::Jwks(e)) => Err(Error::Jwks(e)),
            Err(_) => {
                let mut unescape = [0u8; 256];
                Err(http::api_error(resp.status, resp.body, &mut unescape, &mut self.api_msg))
            }
        }
    }

    /// Verifies a token from the server: signature by a JWKS key (fetching the JWKS when the
    /// cache says so, or when it has no usable set), `aud` = API key, `iss` = Cotter, `exp`,
    /// and the claims of its `kind`. With an unknown clock, time checks use the token's own
    /// `iat`. The clock is not told the token's time here: only the caller knows whether the
    /// token just came from the server (see [`Clock::observe_server_time`]).
    ///
    /// The cache counts time from 0 while the clock is unknown; the first token verified then
    /// moves the cache's times to its `iat` ([`cotter_jwt::JwksCache::shift_clock`]). A
    /// client with no usable set fetches at every verification, whatever the cache's back-off:
    /// each is one of the application's calls, and without keys it can do nothing (nor learn
    /// the time, on a device that learns it from a verified token).
    pub(crate) fn verify<S>(
        &mut self,
        token: &str,
        kind: TokenKind,
    ) -> Result<Verified, Error<T::Error, S>> {
        let now = self.clock.now();
        let t = now.unwrap_or(0);
        // First pass: the signature, with times checked against `now` when known.
        let first = Validation::cotter(self.config.api_key_id, t).leeway(if now.is_some() {
            self.config.leeway
        } else {
            u64::MAX / 4
        });
        // A device that learns the time from the first verified token loads the keys before:
        // on the cache's clock that starts at 0. Once that token's `iat` is known, the cache's
        // times move with it, or the keys would look decades old and be fetched again.
        let first_load_blind = now.is_none() && self.jwks.fetches() == 0;
        let mut refetched = false;
        loop {
            // Fetched when the cache says so (an unknown `kid` seen by the pass before makes
            // it due, rate-limited), or when it has no usable set. A failed fetch is reported
            // only if the set it was for is missing: otherwise the cached keys serve.
            if (self.jwks.poll_fetch(t).is_some() || self.jwks.jwks(t).is_none())
                && let Err(e) = self.fetch_jwks(t)
                && (refetched || self.jwks.jwks(t).is_none())
            {
                return Err(e);
            }
            let result = self.jwks.verify(t, token, &first, &mut self.scratch);
            match result {
                Ok(token) => {
                    let claims = token.claims();
                    let iat = claims.iat().and_then(|i| u64::try_from(i).ok());
                    if now.is_none() {
                        let iat = iat.ok_or(Error::Jwt(cotter_jwt::Error::MissingClaim("iat")))?;
                        Validation::cotter(self.config.api_key_id, iat)
                            .leeway(self.config.leeway)
                            .check(claims)
                            .map_err(Error::Jwt)?;
                        if first_load_blind {
                            self.jwks.shift_clock(iat);
                        }
                    }
                    let (identifier, client_user_id) = match kind {
                        TokenKind::Access => {
                            let a = claims.cotter_access().map_err(Error::Jwt)?;
                            (a.identifier, Some(a.client_user_id))
                        }
                        TokenKind::Id => {
                            let i = claims.cotter_id().map_err(Error::Jwt)?;
                            (Some(i.identifier), Some(i.client_user_id))
                        }
                    };
                    let exp = claims.exp().and_then(|e| u64::try_from(e).ok()).unwrap_or(0);
                    return Ok(Verified {
                        exp,
                        iat,
                        sub: copy(claims.sub()),
                        identifier: copy(identifier),
                        client_user_id: copy(client_user_id),
                    });
                }
                Err(cotter_jwt::Error::UnknownKid | cotter_jwt::Error::MissingKid)
                    if !refetched =>
                {
                    refetched = true;
                }
                Err(e) => return Err(Error::Jwt(e)),
            }
        }
    }
}
