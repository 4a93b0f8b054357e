//! Fuzz target `redirect_query`: see [`cotter_fuzz::redirect_query::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::redirect_query::run(data));
