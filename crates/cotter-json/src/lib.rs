#![no_std]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(test)]
extern crate std;

mod error;
mod reader;
mod string;
mod value;

pub use error::{JsonError, JsonErrorKind};
pub use reader::{MAX_DEPTH, for_each_element, for_each_member};
pub use string::{BufferTooSmall, Chars, JsonStr};
pub use value::{JsonNumber, JsonValue};

#[cfg(test)]
mod tests;
