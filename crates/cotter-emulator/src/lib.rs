#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod app;
pub mod browser;
mod config;
mod cors;
mod crypto;
mod emulator;
mod error;
mod faults;
mod host;
mod http;
mod routes;
mod state;
mod statefile;
mod stats;
mod tls;
mod util;
mod wire;

pub use config::{
    Config, DEFAULT_API_KEY_ID, DEFAULT_KID, DEFAULT_REUSE_INTERVAL, DEFAULT_TOKEN_TTL,
    DEFAULT_WORKERS,
};
pub use emulator::{Emulator, OutboxMessage};
pub use error::Error;
pub use stats::Stats;
pub use tls::Tls;
