//! Fuzz target `jwt_verify`: see [`cotter_fuzz::jwt::verify`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::jwt::verify(data));
