#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod geometry;
mod io;
mod raw;
mod record;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod sim;
mod store;

pub use error::{Error, GeometryError};
pub use geometry::MAX_WRITE_SIZE;
pub use store::FlashStore;
