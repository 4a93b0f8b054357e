//! [`VerifiedCache`] (feature `std`): a bounded, sharded cache of tokens that verified, so
//! that a token seen again skips the curve arithmetic but never the claim checks.

mod entry;

pub use entry::CachedToken;

use crate::error::Error;
use crate::jwks::Jwks;
use crate::token::UntrustedToken;
use crate::validation::Validation;
use crate::verifier::Verifier;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{BuildHasherDefault, Hasher};
use core::sync::atomic::{AtomicU64, Ordering};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Most shards a cache uses (fewer when its capacity is below this).
pub const MAX_SHARDS: usize = 16;

/// SHA-256 of a whole compact token: the cache key.
type TokenDigest = [u8; 32];

/// The map of one shard. The key is already a uniform digest, so the hasher takes 8 of its
/// bytes (not the ones that chose the shard) instead of running SipHash over all 32.
type ShardMap = HashMap<TokenDigest, Arc<CachedToken>, BuildHasherDefault<DigestHasher>>;

/// A [`Hasher`] for [`TokenDigest`] keys: bytes 8..16 of the digest as the hash.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(word) = bytes.get(8..16).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            self.0 = u64::from_le_bytes(word);
        } else {
            // Only the length prefix of the array comes through here: fold it in.
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
    }
}

struct Shard {
    map: RwLock<ShardMap>,
    capacity: usize,
}

impl Shard {
    fn read(&self) -> RwLockReadGuard<'_, ShardMap> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters here (entries are immutable `Arc`s): keep using it.
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, ShardMap> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counters of a [`VerifiedCache`] since it was created (relaxed atomics: exact once the
/// threads using the cache are done, approximate while they run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Lookups answered from the cache (the claims were still re-checked; a hit whose
    /// re-check failed counts too).
    pub hits: u64,
    /// Full verifications (signature and claims) run because the token was not cached, or its
    /// entry was dropped; failed ones included.
    pub verifications: u64,
    /// Entries added.
    pub insertions: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Entries dropped because the key that verified them left the key set (on a lookup, or
    /// by [`VerifiedCache::retain_keys`]).
    pub invalidations: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    verifications: AtomicU64,
    insertions: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

/// A bounded cache of tokens that verified, keyed by the SHA-256 of the whole compact token,
/// so that a token presented again (every request of a session carries the same access token)
/// costs a hash and a map look-up instead of an ECDSA verification.
///
/// **What a hit still checks.** The token's length against the validation's limit; that the
/// key its `kid` selects *in the key set passed now* is the very key (`kid` and point, whatever
/// its back end) that verified it, otherwise the entry is dropped and the token verified afresh; and its `exp`,
/// `nbf`, `iss` and `aud` against the `validation` passed now, with the same
/// [`Validation::check`] as a fresh verification: a cached token expires on time, and an entry
/// verified for one audience is refused for another. Only tokens that passed the full
/// verification are ever inserted; failures are never cached.
///
/// **Capacity and eviction.** The capacity is fixed at creation and split over up to
/// [`MAX_SHARDS`] shards (chosen by the digest), each bounded on its own, so the cache never
/// holds more than `capacity` entries (a shard may be full, and evict, before the others). A
/// full shard evicts the entry with the earliest `exp` (expired tokens first; tokens without
/// `exp` last), found by a linear scan of the shard: at most `capacity / 16` comparisons per
/// insertion, negligible next to the verification that precedes it.
///
/// **Concurrency.** Each shard is a `std::sync::RwLock`: hits take a read lock for one map
/// look-up and an `Arc` clone, so concurrent hits do not serialise; misses verify without any
/// lock and take the write lock only to insert.
///
/// **Memory per entry** (x86-64, measured by the `entry_memory` test): the map slot (32-byte
/// digest and an `Arc` pointer, at most 7/8 load: about 46 bytes), the `Arc` allocation (16
/// bytes of counts plus `size_of::<CachedToken>()` = 360 bytes, most of it the identity of the
/// key, its point and its inline `kid` buffer), and the owned text: the claims JSON plus copies of `iss`, `sub`,
/// `jti`, `aud` and the `kid` ([`CachedToken::heap_bytes`]: 516 bytes for Cotter's real access
/// token) in up to 7 allocations. About 1 KiB per Cotter token with allocator overhead:
/// 10 000 cached tokens ≈ 10 MB.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use cotter_jwt::{Jwks, Validation, VerifiedCache};
///
/// let jwks = Jwks::<4>::from_json(include_str!("../../../tests/data/cotter-real/jwks.json"))?;
/// let token = include_str!("../../../tests/data/cotter-real/access_token.jwt").trim();
/// let validation = Validation::cotter("19024767-a0b2-4221-8faa-ef116dc853d0", 1_598_130_000);
///
/// let cache = VerifiedCache::new(10_000);
/// let first = cache.verify(&jwks, token, &validation)?; // full verification
/// let again = cache.verify(&jwks, token, &validation)?; // a hit: hash, look-up, claim checks
/// assert_eq!(again.claims().exp(), Some(1_598_132_692));
/// assert_eq!((cache.stats().verifications, cache.stats().hits), (1, 1));
///
/// // Cached or not, it expires on time.
/// let later = validation.at(1_598_140_000);
/// assert_eq!(cache.verify(&jwks, token, &later).unwrap_err(), cotter_jwt::Error::Expired);
/// # let _ = first;
/// # }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct VerifiedCache {
    shards: Vec<Shard>,
    capacity: usize,
    counters: Counters,
}

impl fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedCache")
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .field("len", &self.len())
            .field("stats", &self.stats())
            .finish()
    }
}

impl VerifiedCache {
    /// A cache of at most `capacity` verified tokens. A capacity of 0 caches nothing (every
    /// call verifies in full).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        // A power of two of shards, at most MAX_SHARDS and at most `capacity`, so that no
        // shard has a capacity of zero.
        let mut count = 1;
        while count * 2 <= capacity.min(MAX_SHARDS) {
            count *= 2;
        }
        let shards = (0..count)
            .map(|i| Shard {
                map: RwLock::new(ShardMap::default()),
                capacity: capacity / count + usize::from(i < capacity % count),
            })
            .collect();
        Self { shards, capacity, counters: Counters::default() }
    }

    /// The most entries the cache holds.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entries held now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().len()).sum()
    }

    /// Whether no entry is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counters so far.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: get(&c.hits),
            verifications: get(&c.verifications),
            insertions: get(&c.insertions),
            evictions: get(&c.evictions),
            invalidations: get(&c.invalidations),
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        for shard in &self.shards {
            shard.write().clear();
        }
    }

    /// Drops the entries verified under a key that is not in `keys` (compared by `kid` and
    /// point, so keys of any back end compare): call it with the new key set after a JWKS
    /// refresh, e.g. `cache.retain_keys(jwks.keys())`. Returns how many entries were dropped.
    ///
    /// Lookups also check this for the entry they find, so calling it is about freeing
    /// memory early, not about correctness.
    pub fn retain_keys<K: Verifier>(&self, keys: &[K]) -> usize {
        let mut dropped = 0;
        for shard in &self.shards {
            let mut map = shard.write();
            let before = map.len();
            map.retain(|_, entry| keys.iter().any(|key| entry.verified_by(key)));
            dropped += before - map.len();
        }
        bump(&self.counters.invalidations, dropped as u64);
        dropped
    }

    /// Verifies `token` with the key its `kid` selects from `keys` (a [`Jwks`] of any key type:
    /// an entry verified with one back end serves the others, since it is the same key) and
    /// validates its claims, or answers from the cache when the same token verified before
    /// under the same key; the claims are checked against `validation` either way (see the
    /// type's documentation).
    ///
    /// # Errors
    /// Any [`Error`] of [`Jwks::verify`]; on a hit, [`Error::TokenTooLarge`] and the
    /// validation errors of [`Validation::check`].
    pub fn verify<const N: usize, K: Verifier>(
        &self,
        keys: &Jwks<N, K>,
        token: &str,
        validation: &Validation<'_>,
    ) -> Result<Arc<CachedToken>, Error> {
        let max = validation.token_len_limit();
        if token.len() > max {
            return Err(Error::TokenTooLarge { len: token.len(), max });
        }
        let digest: TokenDigest = Sha256::digest(token.as_bytes()).into();
        let shard = self.shard(&digest);
        let found = shard.read().get(&digest).cloned();
        if let Some(entry) = found {
            let kid = entry.kid();
            let same_key = keys.select(kid.as_ref()).is_ok_and(|(_, key)| entry.verified_by(key));
            if same_key {
                bump(&self.counters.hits, 1);
                validation.check(&entry.claims())?;
                return Ok(entry);
            }
            // The key that verified it left the set (or was replaced): forget the entry and
            // let the full verification decide.
            let mut map = shard.write();
            if map.get(&digest).is_some_and(|e| Arc::ptr_eq(e, &entry)) {
                map.remove(&digest);
                bump(&self.counters.invalidations, 1);
            }
        }

        bump(&self.counters.verifications, 1);
        let mut buf = vec![0u8; UntrustedToken::buffer_len(token)];
        let untrusted = UntrustedToken::parse_with_limit(token, &mut buf, max)?;
        let kid = untrusted.header().kid();
        let (_, key) = keys.select(kid.as_ref())?;
        let verified = untrusted.verify_with(key, validation)?;
        let entry = Arc::new(CachedToken::new(verified.claims(), kid, key));
        self.insert(shard, digest, Arc::clone(&entry));
        Ok(entry)
    }

    fn shard(&self, digest: &TokenDigest) -> &Shard {
        // The shard count is a power of two no larger than 16: the low bits of byte 0 choose.
        &self.shards[usize::from(digest[0]) & (self.shards.len() - 1)]
    }

    fn insert(&self, shard: &Shard, digest: TokenDigest, entry: Arc<CachedToken>) {
        if shard.capacity == 0 {
            return;
        }
        let mut map = shard.write();
        if !map.contains_key(&digest) && map.len() >= shard.capacity {
            let victim = map
                .iter()
                .min_by_key(|(_, e)| e.exp().unwrap_or(i64::MAX))
                .map(|(digest, _)| *digest);
            if let Some(victim) = victim {
                map.remove(&victim);
                bump(&self.counters.evictions, 1);
            }
        }
        if map.insert(digest, entry).is_none() {
            bump(&self.counters.insertions, 1);
        }
    }
}
