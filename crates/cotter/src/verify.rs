//! The JWKS cache and the verification of tokens the server hands out.

use crate::clock::Clock;
use crate::error::Error;
use crate::http;
use crate::io::Io;
use cotter_jwt::{Jwks, UntrustedToken, Validation};
use cotter_proto::Endpoint;
use cotter_transport::Transport;

/// How many keys the JWKS cache holds.
pub const JWKS_CAPACITY: usize = 4;

/// The key type of the JWKS cache: with `compact`, cotter-jwt's compact verifier (less flash,
/// slower); otherwise p256's arithmetic. Only this cache's keys change: no other key in the
/// build does.
#[cfg(feature = "compact")]
type CacheKey = cotter_jwt::CompactKey;
#[cfg(not(feature = "compact"))]
type CacheKey = cotter_jwt::Es256Key;

/// With `std`, each JWKS key is also prepared with the small table profile: 8 KiB and 0.3 ms
/// per key, with one shared generator table (the large profile costs 256 KiB per key).
#[cfg(feature = "std")]
type FastKey = cotter_jwt::SmallTableKey<'static>;

/// An unknown `kid` triggers at most one JWKS re-fetch per this many seconds.
pub const JWKS_REFETCH_INTERVAL: u64 = 300;

/// The server's keys, fetched once and re-fetched only for an unknown `kid`, at most once per
/// [`JWKS_REFETCH_INTERVAL`] (so a flood of forged kids is not a flood of requests).
#[derive(Debug, Default)]
pub(crate) struct JwksCache {
    keys: Option<Jwks<JWKS_CAPACITY, CacheKey>>,
    /// With `std`, each key of `keys` prepared for fast verification ([`FastKey`]), same order
    /// as `keys`.
    #[cfg(feature = "std")]
    prepared: std::vec::Vec<std::boxed::Box<FastKey>>,
    last_fetch: Option<u64>,
    /// Fetches made (for tests and diagnostics).
    pub(crate) fetches: u32,
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

impl JwksCache {
    /// How many JWKS keys are prepared for fast verification (0 without `std`).
    pub(crate) fn prepared_count(&self) -> usize {
        #[cfg(feature = "std")]
        return self.prepared.len();
        #[cfg(not(feature = "std"))]
        0
    }

    fn may_refetch(&self, now: Option<u64>) -> bool {
        match (self.last_fetch, now) {
            (None, _) => true,
            (Some(last), Some(now)) => now >= last.saturating_add(JWKS_REFETCH_INTERVAL),
            (Some(_), None) => false,
        }
    }
}

impl<T: Transport, C: Clock> Io<'_, T, C> {
    /// Fetches the JWKS into the cache (through the scratch space).
    fn fetch_jwks<S>(&mut self, now: Option<u64>) -> Result<(), Error<T::Error, S>> {
        self.jwks.fetches = self.jwks.fetches.saturating_add(1);
        self.jwks.last_fetch = Some(now.unwrap_or(0));
        let (transport, config) = (&mut self.transport, &self.config);
        let resp = http::send(transport, config, Endpoint::Jwks, None, &mut self.scratch)?;
        let (status, body) = (resp.status, resp.body);
        if status != 200 {
            let mut unescape = [0u8; 256];
            return Err(http::api_error(status, body, &mut unescape, &mut self.api_msg));
        }
        let text = core::str::from_utf8(body)
            .map_err(|_| Error::Jwks(cotter_jwt::JwkError::MissingKeys))?;
        let keys = Jwks::from_json(text).map_err(Error::Jwks)?;
        #[cfg(feature = "std")]
        {
            let g = cotter_jwt::SmallGeneratorTable::shared();
            self.jwks.prepared = keys.keys().iter().map(|k| FastKey::new_boxed(g, k)).collect();
        }
        // Stored here, not by a helper taking the JWKS by value: a JWKS is large, and such a
        // helper's copy of it lies on the firmware's peak-stack path (880 B more, measured).
        self.jwks.keys = Some(keys);
        Ok(())
    }

    /// Verifies a token from the server: signature by a JWKS key (fetching the JWKS when
    /// needed), `aud` = API key, `iss` = Cotter, `exp`, and the claims of its `kind`. With an
    /// unknown clock, time checks use the token's own `iat`. The clock is not told the token's
    /// time here: only the caller knows whether the token just came from the server (see
    /// [`Clock::observe_server_time`]).
    pub(crate) fn verify<S>(
        &mut self,
        token: &str,
        kind: TokenKind,
    ) -> Result<Verified, Error<T::Error, S>> {
        let now = self.clock.now();
        if self.jwks.keys.is_none() {
            self.fetch_jwks(now)?;
        }
        let mut refetched = false;
        loop {
            let jwks = &self.jwks;
            let keys = jwks.keys.as_ref().ok_or(Error::NotSignedIn)?;
            // First pass: the signature, with times checked against `now` when known.
            let first = Validation::cotter(self.config.api_key_id, now.unwrap_or(0))
                .leeway(if now.is_some() { self.config.leeway } else { u64::MAX / 4 });
            let result = UntrustedToken::parse(token, &mut self.scratch).and_then(|t| {
                let (index, key) = keys.select(t.header().kid().as_ref())?;
                // Same verdicts either way; the prepared key is only faster.
                #[cfg(feature = "std")]
                if let Some(prepared) = jwks.prepared.get(index) {
                    return t.verify_with(prepared.as_ref(), &first);
                }
                let _ = index;
                t.verify_with(key, &first)
            });
            match result {
                Ok(t) => {
                    let claims = t.claims();
                    let iat = claims.iat().and_then(|i| u64::try_from(i).ok());
                    if now.is_none() {
                        let iat = iat.ok_or(Error::Jwt(cotter_jwt::Error::MissingClaim("iat")))?;
                        Validation::cotter(self.config.api_key_id, iat)
                            .leeway(self.config.leeway)
                            .check(claims)
                            .map_err(Error::Jwt)?;
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
                    if !refetched && self.jwks.may_refetch(now) =>
                {
                    refetched = true;
                    self.fetch_jwks(now)?;
                }
                Err(e) => return Err(Error::Jwt(e)),
            }
        }
    }
}
