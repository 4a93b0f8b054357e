//! Fuzz target `store_decode`: see [`cotter_fuzz::store_decode::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::store_decode::run(data));
