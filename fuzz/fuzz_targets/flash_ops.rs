//! Fuzz target `flash_ops`: see [`cotter_fuzz::flash_ops::run`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cotter_fuzz::flash_ops::run(data));
