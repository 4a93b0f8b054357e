#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without a heap, the server's error message travels inside the error by value.
#![allow(clippy::result_large_err, reason = "no_std errors carry the server message by value")]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod client;
mod clock;
mod config;
mod device;
mod error;
mod http;
mod io;
mod login;
#[cfg(feature = "std")]
mod loopback;
mod random;
mod session;
#[cfg(feature = "std")]
mod shared;
mod verify;

pub use client::{Client, Result, User};
#[cfg(feature = "std")]
pub use clock::SystemClock;
pub use clock::{AnchoredClock, Clock, ManualClock, Monotonic};
pub use config::{Config, ConfigError, DEFAULT_BASE_URL, DEFAULT_HOSTED_PAGE_URL, DEFAULT_LEEWAY};
pub use device::{
    ApprovalStatus, DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_DEVICE_NAME, DEFAULT_POLL_INTERVAL_MS,
    DeviceKey, DevicePublicKey, DeviceSignature, PUBLIC_KEY_TEXT_LEN, PendingApproval,
    PendingRequest, PollOptions, SIGNATURE_TEXT_LEN, SPKI_LEN, USER_ID_CAP, UserRef,
};
pub use error::{API_MESSAGE_LEN, ApiMessage, Error, ServerMessage};
pub use login::{LOGIN_URL_CAP, LoginKind, LoginUrl, PendingLogin, REDIRECT_URL_CAP};
#[cfg(feature = "std")]
pub use loopback::LoopbackOptions;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::{Entropy, RandomError};
#[cfg(feature = "std")]
pub use shared::SharedClient;
pub use verify::{JWKS_CAPACITY, JWKS_REFETCH_INTERVAL};

pub use cotter_jwt as jwt;
pub use cotter_proto as proto;
pub use cotter_store as store;
pub use cotter_transport as transport;
