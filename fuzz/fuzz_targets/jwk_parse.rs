//! Fuzz target `jwk_parse`: see [`cotter_fuzz::jwk::jwk`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::jwk::jwk(data));
