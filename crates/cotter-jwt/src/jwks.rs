//! A fixed-capacity JSON Web Key Set of ES256 keys.

use crate::error::JwkError;
use crate::key::Es256Key;
use crate::verifier::{JwkKey, Verifier, kid_matches};
use cotter_json::{self as json, JsonStr, JsonValue};

/// A JWKS entry that was skipped, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position of the entry in the `keys` array.
    pub index: usize,
    /// Why it is not usable here.
    pub reason: JwkError,
}

/// Up to `N` ES256 keys, parsed from a JWKS (`{"keys":[…]}`) or added one by one.
///
/// One key-set type for every back end: the keys are [`Es256Key`]s (p256's arithmetic) unless
/// the set is given another [`Verifier`] type `K`: `Jwks<N, CompactKey>` (feature `compact`)
/// checks signatures with the compact arithmetic, and `Jwks<N, Box<LargeTableKey<'static>>>`
/// (features `prepared` and `std`) prepares every key it reads, several times faster to verify
/// (see the [crate-level section on prepared keys](crate#prepared-keys)). [`Jwks::from_json`]
/// builds any [`JwkKey`] type; [`Jwks::push`] takes any `Verifier` (e.g. a `SmallTableKey`
/// over a generator table in flash).
///
/// Entries this crate cannot use (other key types, `use` other than `sig`, another `alg`,
/// malformed members) are skipped, not fatal; [`Jwks::skipped`] tells which and why (the
/// first `N` of them; [`Jwks::skipped_count`] counts all).
#[derive(Clone, Debug)]
pub struct Jwks<const N: usize, K = Es256Key> {
    keys: heapless::Vec<K, N>,
    skipped: heapless::Vec<SkippedKey, N>,
    skipped_count: usize,
}

impl<const N: usize, K> Default for Jwks<N, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, K> Jwks<N, K> {
    /// An empty set.
    #[must_use]
    pub const fn new() -> Self {
        Self { keys: heapless::Vec::new(), skipped: heapless::Vec::new(), skipped_count: 0 }
    }
}

impl<const N: usize, K: JwkKey> Jwks<N, K> {
    /// Parses a JWKS document. Usable entries beyond the capacity `N` are skipped with
    /// [`JwkError::CapacityExceeded`].
    ///
    /// # Errors
    /// [`JwkError::Json`] when the document is not valid JSON, [`JwkError::MissingKeys`] when it
    /// has no `keys` array, [`JwkError::DuplicateMember`] for two `keys` members.
    pub fn from_json(json: &str) -> Result<Self, JwkError> {
        let mut keys: Option<&str> = None;
        json::for_each_member(json, |k: JsonStr<'_>, v| {
            if k.eq_str("keys") {
                if keys.is_some() {
                    return Err(JwkError::DuplicateMember("keys"));
                }
                match v {
                    JsonValue::Array(a) => keys = Some(a),
                    _ => return Err(JwkError::MissingKeys),
                }
            }
            Ok(())
        })?;
        let array = keys.ok_or(JwkError::MissingKeys)?;
        let mut set = Self::new();
        let mut index = 0;
        json::for_each_element(array, |v| {
            let result = match v {
                JsonValue::Object(obj) => crate::key::parse_jwk::<K>(obj),
                _ => Err(JwkError::InvalidMember("keys")),
            };
            if let Err(reason) = result.and_then(|key| set.push(key)) {
                set.note_skipped(index, reason);
            }
            index += 1;
            Ok::<(), JwkError>(())
        })?;
        Ok(set)
    }
}

impl<const N: usize, K: Verifier> Jwks<N, K> {
    /// Adds a key.
    ///
    /// # Errors
    /// [`JwkError::CapacityExceeded`] when the set already holds `N` keys.
    pub fn push(&mut self, key: K) -> Result<(), JwkError> {
        self.keys.push(key).map_err(|_| JwkError::CapacityExceeded)
    }

    /// The usable keys, in document order.
    #[must_use]
    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    /// Number of usable keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is usable.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key with this `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&K> {
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }

    /// Skipped entries with their reasons (the first `N`).
    #[must_use]
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// How many entries were skipped in all.
    #[must_use]
    pub const fn skipped_count(&self) -> usize {
        self.skipped_count
    }

    fn note_skipped(&mut self, index: usize, reason: JwkError) {
        self.skipped_count += 1;
        // Past the capacity only the count is kept: the first reasons are the useful ones.
        let _ = self.skipped.push(SkippedKey { index, reason });
    }

    /// Chooses the key for a token's `kid` (see [`crate::Header::kid`]) and returns its
    /// position in [`Jwks::keys`] with it, so that callers can keep per-key state (such as a
    /// prepared key) beside the set.
    ///
    /// A token `kid` selects the key with that `kid`. A set of exactly one key also serves a
    /// token without `kid`, and a lone key without `kid` (pinned by the caller) serves any token.
    ///
    /// # Errors
    /// [`crate::Error::UnknownKid`] or [`crate::Error::MissingKid`].
    pub fn select(&self, kid: Option<&JsonStr<'_>>) -> Result<(usize, &K), crate::Error> {
        if let Some(kid) = kid
            && let Some(found) = self.keys.iter().enumerate().find(|(_, k)| kid_matches(*k, kid))
        {
            return Ok(found);
        }
        match (self.keys.as_slice(), kid) {
            ([only], None) => Ok((0, only)),
            ([only], Some(_)) if only.kid().is_none() => Ok((0, only)),
            (_, None) => Err(crate::Error::MissingKid),
            (_, Some(_)) => Err(crate::Error::UnknownKid),
        }
    }
}
