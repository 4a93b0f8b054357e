#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod error;
mod headers;
#[cfg(feature = "embedded-io")]
mod http1;
mod method;
mod request;
mod transport;
#[cfg(feature = "ureq")]
mod ureq_transport;
mod url;

pub use error::{Error, ErrorKind, ErrorType};
pub use headers::{CacheControl, Headers, RetryAfter};
#[cfg(feature = "embedded-io")]
#[cfg_attr(docsrs, doc(cfg(feature = "embedded-io")))]
pub use http1::{
    DEFAULT_DRAIN_LIMIT, DEFAULT_HEADER_BUF, DEFAULT_MAX_HEADERS, Http1Error, Http1Transport,
    ProtocolViolation,
};
pub use method::Method;
pub use request::{RESERVED_HEADERS, Request, Response};
pub use transport::Transport;
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub use ureq_transport::{CaError, TrustedRoots};
#[cfg(feature = "ureq")]
#[cfg_attr(docsrs, doc(cfg(feature = "ureq")))]
pub use ureq_transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, UreqConfig, UreqError, UreqTransport,
};
pub use url::{Scheme, Url, is_loopback_host};
