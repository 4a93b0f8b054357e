#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
pub mod format;
mod lock;
mod store;

pub use error::{Damage, KeyringStoreError};
pub use keyring_core;
pub use store::{DEFAULT_CHUNK_SIZE, KeyringStore, MIN_CHUNK_SIZE};
