#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod fsio;
mod store;

pub use cotter_store::lockfile::Refusal;
pub use error::{FileStoreError, Step};
pub use store::FileStore;
