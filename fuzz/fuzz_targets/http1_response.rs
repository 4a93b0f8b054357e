//! Fuzz target `http1_response`: see [`cotter_fuzz::http1_response::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::http1_response::run(data));
