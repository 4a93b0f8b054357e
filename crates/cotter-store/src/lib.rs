#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod codec;
pub mod crc;
mod error;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod lockfile;
mod memory;
#[cfg(feature = "alloc")]
mod owned;
mod session;
mod store;

pub use codec::{
    DecodeError, EncodeError, Field, MAX_ENCODED_LEN, MAX_FIELD_LEN, decode, encode, encode_with,
    encoded_len,
};
pub use error::{Error, ErrorKind, ErrorType};
pub use memory::{MemoryStore, MemoryStoreError};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use owned::OwnedSession;
pub use session::{DEVICE_KEY_LEN, Session};
pub use store::TokenStore;
