//! Fuzz target `jwks_parse`: see [`cotter_fuzz::jwk::jwks`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::jwk::jwks(data));
