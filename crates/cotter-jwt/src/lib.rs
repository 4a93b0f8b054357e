#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod b64;
#[cfg(feature = "std")]
mod cache;
mod claims;
#[cfg(feature = "compact")]
mod compact;
mod error;
#[cfg(any(feature = "compact", all(feature = "prepared", target_pointer_width = "64")))]
mod jacobian;
mod jwks;
mod key;
#[cfg(feature = "prepared")]
mod prepared;
mod refresh;
mod token;
mod validation;
mod verifier;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use cache::{CacheStats, CachedToken, MAX_SHARDS, VerifiedCache};
pub use claims::{Audience, Claims, CotterAccessClaims, CotterIdClaims};
#[cfg(feature = "compact")]
#[cfg_attr(docsrs, doc(cfg(feature = "compact")))]
pub use compact::CompactKey;
/// The JSON types of this crate's API (claims, the header's `kid`, errors), from the
/// `cotter-json` reader it reads tokens and keys with.
pub use cotter_json::{JsonError, JsonErrorKind, JsonNumber, JsonStr, JsonValue};
pub use error::{Error, JwkError, Phase, Segment};
pub use jwks::{Jwks, SkippedKey};
pub use key::{Es256Key, KID_MAX_LEN, Kid};
#[cfg(feature = "prepared")]
pub use prepared::{
    GeneratorTable, LargeGeneratorTable, LargeTableKey, PreparedKey, SmallGeneratorTable,
    SmallTableKey,
};
pub use refresh::{FetchError, FetchReason, JwksCache, JwksPolicy};
pub use token::{Header, Token, UntrustedToken};
pub use validation::{COTTER_ISSUER, DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LEN, Validation};
pub use verifier::{JwkKey, Verifier};

/// The p256 crate this one verifies with, for building keys from its types.
pub use p256;
