//! The benchmark fixture: one ES256 token in Cotter's exact layout, its key in a JWKS of four
//! keys, and one verify function per crate compared, each with the same checks (signature,
//! `exp`, `aud`, `iss`).
//!
//! The token is minted here from a fixed key (exp in 2100) rather than taken from Cotter's 2020
//! token, because the other crates read the system clock for `exp` and cannot be told "now".

// Panics in set-up (`expect`) are deliberate: a benchmark with a broken fixture must stop.
#![allow(clippy::missing_panics_doc, reason = "benchmark set-up fails loudly by design")]

use base64ct::{Base64UrlUnpadded, Encoding};
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicU64, Ordering};
use cotter_jwt::{
    Jwks, LargeGeneratorTable, LargeTableKey, SmallGeneratorTable, SmallTableKey, Validation,
    VerifiedCache, Verifier as _,
};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde::Deserialize;
use std::alloc::System;
use std::time::{SystemTime, UNIX_EPOCH};

pub mod backend;
pub mod store;

/// The API key ID the token is issued for.
pub const AUD: &str = "19024767-a0b2-4221-8faa-ef116dc853d0";
/// Cotter's issuer.
pub const ISS: &str = "https://www.cotter.app";
/// The token's key ID, Cotter's.
pub const KID: &str = "SPACE_JWT_PUBLIC:8028AAA3-EC2D-4BAA-BE7A-7C8359CCB9F9";

/// Everything the verifiers need, built once.
#[derive(Debug)]
pub struct Fixture {
    /// The compact token.
    pub token: String,
    /// `header.payload`, the signed bytes.
    pub signing_input: String,
    /// The 64-byte signature.
    pub signature: [u8; 64],
    /// The JWKS document (four keys, the token's last).
    pub jwks_json: String,
    /// The signer's SEC1 uncompressed public key.
    pub sec1: Vec<u8>,
    /// x and y in base64url.
    pub x: String,
    /// y in base64url.
    pub y: String,
}

fn key(seed: u8) -> SigningKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(u8::try_from(i).unwrap_or(0)) | 1;
    }
    SigningKey::from_slice(&bytes).expect("fixed scalar is valid")
}

fn jwk(sk: &SigningKey, kid: &str) -> (String, String, String) {
    let point = sk.verifying_key().to_sec1_point(false);
    let x = Base64UrlUnpadded::encode_string(point.x().expect("x"));
    let y = Base64UrlUnpadded::encode_string(point.y().expect("y"));
    let doc = format!(
        r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","use":"sig","alg":"ES256","x":"{x}","y":"{y}"}}"#
    );
    (doc, x, y)
}

impl Fixture {
    /// Builds the fixture.
    #[must_use]
    pub fn new() -> Self {
        let sk = key(7);
        let header = format!(r#"{{"alg":"ES256","kid":"{KID}","typ":"JWT"}}"#);
        let payload = format!(
            r#"{{"client_user_id":"ee1982e9-1596-41db-b1a1-4c1880c1f016","authentication_method":"OTP","type":"client_access_token","scope":"access","aud":"{AUD}","exp":4102444800,"jti":"901528f3-d4b5-4d3f-a5a7-b11e7d928acb","iat":1598129092,"iss":"{ISS}","sub":"ee1982e9-1596-41db-b1a1-4c1880c1f016"}}"#
        );
        let signing_input = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(header.as_bytes()),
            Base64UrlUnpadded::encode_string(payload.as_bytes())
        );
        let sig: Signature = sk.sign(signing_input.as_bytes());
        let signature: [u8; 64] = sig.to_bytes().into();
        let token = format!("{signing_input}.{}", Base64UrlUnpadded::encode_string(&signature));
        let mut keys: Vec<String> =
            (1..4).map(|i| jwk(&key(i), &format!("SPACE_JWT_PUBLIC:decoy-{i}")).0).collect();
        let (doc, x, y) = jwk(&sk, KID);
        keys.push(doc);
        let jwks_json = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        let sec1 = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        Self { token, signing_input, signature, jwks_json, sec1, x, y }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The claims the serde-based crates decode into.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "fields are decoded to cost what a real caller pays")]
pub struct CotterClaims {
    client_user_id: String,
    authentication_method: String,
    #[serde(rename = "type")]
    kind: String,
    scope: String,
    aud: String,
    exp: u64,
    jti: String,
    iat: u64,
    iss: String,
    sub: String,
}

/// The custom claims for jwt-compact, which reads `exp`, `iat` and `nbf` itself.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "fields are decoded to cost what a real caller pays")]
pub struct CotterCustomClaims {
    client_user_id: String,
    authentication_method: String,
    #[serde(rename = "type")]
    kind: String,
    scope: String,
    aud: String,
    jti: String,
    iss: String,
    sub: String,
}

/// One verifier per crate, ready to run.
pub struct Verifiers {
    prepared_jwks: Jwks<4, Box<LargeTableKey<'static>>>,
    fixture: Fixture,
    jwks: Jwks<4>,
    compact_jwks: Jwks<4, cotter_jwt::CompactKey>,
    bare: p256::ecdsa::VerifyingKey,
    server: Box<LargeTableKey<'static>>,
    mcu: Box<SmallTableKey<'static>>,
    ring_key: ring::signature::UnparsedPublicKey<Vec<u8>>,
    cache: VerifiedCache,
    jsonwebtoken_key: jsonwebtoken::DecodingKey,
    jsonwebtoken_validation: jsonwebtoken::Validation,
    jwt_compact_key: p256_013::ecdsa::VerifyingKey,
    jwt_simple_key: jwt_simple::prelude::ES256PublicKey,
    jwt_simple_options: jwt_simple::prelude::VerificationOptions,
}

impl core::fmt::Debug for Verifiers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verifiers").finish_non_exhaustive()
    }
}

impl Verifiers {
    /// Prepares every verifier from the fixture (key parsing is outside the measured path).
    #[must_use]
    pub fn new() -> Self {
        use jwt_compact::alg::VerifyingKey as _;
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let fixture = Fixture::new();
        let jwks = Jwks::from_json(&fixture.jwks_json).expect("jwks");
        let compact_jwks = Jwks::from_json(&fixture.jwks_json).expect("jwks");
        let bare = p256::ecdsa::VerifyingKey::from_sec1_bytes(&fixture.sec1).expect("sec1");
        let key = jwks.get(KID).expect("the token's key");
        let server = LargeTableKey::new_boxed(LargeGeneratorTable::shared(), key);
        let mcu = SmallTableKey::new_boxed(SmallGeneratorTable::shared(), key);
        let ring_key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            fixture.sec1.clone(),
        );
        // Warm: every measured call is a hit.
        let prepared_jwks = Jwks::from_json(&fixture.jwks_json).expect("jwks");
        let cache = VerifiedCache::new(1024);
        cache.verify(&jwks, &fixture.token, &Validation::cotter(AUD, now())).expect("cached");
        let jsonwebtoken_key =
            jsonwebtoken::DecodingKey::from_ec_components(&fixture.x, &fixture.y).expect("ec");
        let mut jsonwebtoken_validation =
            jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        jsonwebtoken_validation.set_audience(&[AUD]);
        jsonwebtoken_validation.set_issuer(&[ISS]);
        jsonwebtoken_validation.leeway = 60;
        let jwt_compact_key =
            p256_013::ecdsa::VerifyingKey::from_slice(&fixture.sec1).expect("key");
        let jwt_simple_key =
            jwt_simple::prelude::ES256PublicKey::from_bytes(&fixture.sec1).expect("key");
        let jwt_simple_options = jwt_simple::prelude::VerificationOptions {
            allowed_issuers: Some([ISS.to_owned()].into_iter().collect()),
            allowed_audiences: Some([AUD.to_owned()].into_iter().collect()),
            time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(60)),
            ..Default::default()
        };
        Self {
            fixture,
            prepared_jwks,
            jwks,
            bare,
            compact_jwks,
            server,
            mcu,
            ring_key,
            cache,
            jsonwebtoken_key,
            jsonwebtoken_validation,
            jwt_compact_key,
            jwt_simple_key,
            jwt_simple_options,
        }
    }

    /// The fixture.
    #[must_use]
    pub const fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The floor: p256's own verify over the same signing input.
    #[must_use]
    pub fn bare_p256(&self) -> bool {
        use p256::ecdsa::signature::Verifier;
        let sig = Signature::from_slice(&self.fixture.signature).expect("sig");
        self.bare.verify(self.fixture.signing_input.as_bytes(), &sig).is_ok()
    }

    /// cotter-jwt: split, base64, header, key lookup in a JWKS of four, signature, claims.
    #[must_use]
    pub fn cotter_jwt(&self, now: u64) -> bool {
        let mut buf = [0u8; 1024];
        let v = Validation::cotter(AUD, now);
        self.jwks.verify(&self.fixture.token, &v, &mut buf).is_ok()
    }

    /// cotter-jwt with `CompactKey`s (its compact arithmetic, feature `compact`): the same
    /// token path as [`Verifiers::cotter_jwt`].
    #[must_use]
    pub fn cotter_jwt_compact(&self, now: u64) -> bool {
        let mut buf = [0u8; 1024];
        let v = Validation::cotter(AUD, now);
        self.compact_jwks.verify(&self.fixture.token, &v, &mut buf).is_ok()
    }

    /// cotter-jwt on std backends: `Jwks::verify` over prepared keys — the same token path as
    /// [`Verifiers::cotter_jwt`] (kid lookup in 4 keys, signature, claims) with every key of the
    /// set prepared (server profile).
    #[must_use]
    pub fn cotter_jwt_prepared(&self, now: u64) -> bool {
        let mut buf = [0u8; 1024];
        let v = Validation::cotter(AUD, now);
        self.prepared_jwks.verify(&self.fixture.token, &v, &mut buf).is_ok()
    }

    /// cotter-jwt's prepared server profile (`LargeTableKey`, W = 8): the same token path as
    /// [`Verifiers::cotter_jwt`] (split, base64, header, `kid` check, signature, claims) with
    /// the key chosen up front instead of looked up in the JWKS.
    #[must_use]
    pub fn prepared_server(&self, now: u64) -> bool {
        let mut buf = [0u8; 1024];
        let v = Validation::cotter(AUD, now);
        self.server.verify_token(&self.fixture.token, &v, &mut buf).is_ok()
    }

    /// As [`Verifiers::prepared_server`] with the MCU profile (`SmallTableKey`, W = 4, S = 4).
    #[must_use]
    pub fn prepared_mcu(&self, now: u64) -> bool {
        let mut buf = [0u8; 1024];
        let v = Validation::cotter(AUD, now);
        self.mcu.verify_token(&self.fixture.token, &v, &mut buf).is_ok()
    }

    /// The assembly anchor: ring 0.17's `ECDSA_P256_SHA256_FIXED` over the same signing input
    /// (signature only, like [`Verifiers::bare_p256`]).
    #[must_use]
    pub fn ring(&self) -> bool {
        self.ring_key.verify(self.fixture.signing_input.as_bytes(), &self.fixture.signature).is_ok()
    }

    /// A `VerifiedCache` hit for the fixture token: SHA-256 of the token, a shard look-up, the
    /// key identity check and the claim checks against `now`.
    #[must_use]
    pub fn cached_verify(&self, now: u64) -> bool {
        let v = Validation::cotter(AUD, now);
        self.cache.verify(&self.jwks, &self.fixture.token, &v).is_ok()
    }

    /// Full verifications the cache has run (1 after set-up: the measured calls must be hits).
    #[must_use]
    pub fn cache_verifications(&self) -> u64 {
        self.cache.stats().verifications
    }

    /// jsonwebtoken 11 with its RustCrypto backend.
    #[must_use]
    pub fn jsonwebtoken(&self) -> bool {
        jsonwebtoken::decode::<CotterClaims>(
            &self.fixture.token,
            &self.jsonwebtoken_key,
            &self.jsonwebtoken_validation,
        )
        .is_ok()
    }

    /// jwt-compact with its p256 feature; `exp`, `aud` and `iss` checked as the others do.
    #[must_use]
    pub fn jwt_compact(&self) -> bool {
        use jwt_compact::{AlgorithmExt, TimeOptions, UntrustedToken, alg::Es256};
        let Ok(untrusted) = UntrustedToken::new(&self.fixture.token) else { return false };
        let Ok(token) =
            Es256.validator::<CotterCustomClaims>(&self.jwt_compact_key).validate(&untrusted)
        else {
            return false;
        };
        let options = TimeOptions::new(chrono::Duration::seconds(60), chrono::Utc::now);
        let claims = token.claims();
        claims.validate_expiration(&options).is_ok()
            && claims.custom.aud == AUD
            && claims.custom.iss == ISS
    }

    /// jwt-simple with its pure-Rust backend.
    #[must_use]
    pub fn jwt_simple(&self) -> bool {
        use jwt_simple::prelude::ECDSAP256PublicKeyLike;
        self.jwt_simple_key
            .verify_token::<jwt_simple::prelude::NoCustomClaims>(
                &self.fixture.token,
                Some(self.jwt_simple_options.clone()),
            )
            .is_ok()
    }
}

impl Default for Verifiers {
    fn default() -> Self {
        Self::new()
    }
}

/// A global allocator that counts allocations, for "allocations per verify".
#[derive(Debug)]
pub struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY-free: delegates to `System`; only counts.
#[allow(unsafe_code, reason = "a GlobalAlloc impl is unsafe by definition; it only delegates")]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations counted so far by [`CountingAlloc`].
#[must_use]
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}
