//! Fuzz target `proto_decode`: see [`cotter_fuzz::proto_decode::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::proto_decode::run(data));
