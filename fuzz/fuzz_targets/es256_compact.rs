//! Fuzz target `es256_compact`: see [`cotter_fuzz::es256_compact::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::es256_compact::run(data));
