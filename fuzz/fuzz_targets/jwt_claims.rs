//! Fuzz target `jwt_claims`: see [`cotter_fuzz::jwt::claims`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::jwt::claims(data));
