#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod claims;
mod error;
mod fetch;
mod layer;
mod refresh;

pub use auth::{Builder, COTTER_ISSUER_URL, CotterAuth, JWKS_PATH, MAX_KEYS};
pub use claims::{Claims, CotterClaims};
pub use error::AuthError;
pub use layer::{AuthLayer, AuthService};

/// Why [`Builder::build`] failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The issuer or JWKS URL is not an absolute `http`/`https` URL.
    InvalidUrl(String),
    /// A plain-`http` URL to a host other than this machine.
    InsecureUrl(String),
    /// The CA file is not usable.
    InvalidCa(&'static str),
    /// rustls refused the TLS configuration.
    Tls,
    /// Not called from inside a tokio runtime (the refresh task needs one).
    NoRuntime,
}

impl core::fmt::Display for BuildError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::InvalidUrl(url) => write!(f, "not an http(s) URL: {url}"),
            Self::InsecureUrl(url) => {
                write!(f, "plain http is allowed only to a loopback address: {url}")
            }
            Self::InvalidCa(why) => write!(f, "CA file: {why}"),
            Self::Tls => f.write_str("TLS configuration refused"),
            Self::NoRuntime => f.write_str("CotterAuth::build needs a tokio runtime"),
        }
    }
}

impl core::error::Error for BuildError {}
