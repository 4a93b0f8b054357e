//! The emulator's keys, its ES256 JWTs, and the checks on device keys and device signatures.

pub(crate) mod device;
pub(crate) mod jwt;
pub(crate) mod keys;
