//! `instr CASE N`: runs one verification case N times, for instruction counts under
//! `valgrind --tool=callgrind` (xtask runs it with two N and takes the difference, so set-up
//! cancels out), and prints allocations per call counted by a counting allocator.
//!
//! `instr flash_save N`: N `FlashStore::save` calls of a realistic session on `SimFlash`,
//! printing the flash operations per save (counts, not time; run it without valgrind).
//! `instr table_bytes 0`: the prepared profiles' table sizes.

use core::hint::black_box;
use cotter_bench::store::{FLASH_ERASE, FLASH_SECTORS, FLASH_WRITE, SessionFixture};
use cotter_bench::{CountingAlloc, Fixture, Verifiers, allocations, now};
use cotter_jwt::{LargeGeneratorTable, LargeTableKey, SmallGeneratorTable, SmallTableKey};
use std::process::ExitCode;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str = "usage: instr p256|cotter_jwt|cotter_jwt_compact|jsonwebtoken|jwt_compact|jwt_simple|\
                     prepared_server|prepared_mcu|ring|cached_verify|flash_save|table_bytes N";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(case), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if case == "flash_save" {
        let parts = SessionFixture::new(&Fixture::new());
        let ops = cotter_bench::store::flash_save_ops(&parts, n);
        println!("flash_geometry={FLASH_SECTORS}x{FLASH_ERASE}B sectors, {FLASH_WRITE}B words");
        println!("record_len={}", ops.record_len);
        println!("program_ops_per_save={}", ops.program_ops);
        println!("bytes_programmed_per_save={}", ops.bytes_programmed);
        println!("erase_ops_per_save={}", ops.erase_ops);
        println!("read_ops_per_save={}", ops.read_ops);
        return ExitCode::SUCCESS;
    }
    if case == "table_bytes" {
        // Bytes of the tables a prepared key owns, and of the generator table each profile
        // shares between all its keys (once per process).
        println!("server_key={}", LargeTableKey::TABLE_BYTES);
        println!("mcu_key={}", SmallTableKey::TABLE_BYTES);
        println!("server_g={}", LargeGeneratorTable::BYTES);
        println!("mcu_g={}", SmallGeneratorTable::BYTES);
        return ExitCode::SUCCESS;
    }
    let v = Verifiers::new();
    let t = now();
    let run: Box<dyn Fn() -> bool> = match case.as_str() {
        "p256" => Box::new(|| v.bare_p256()),
        "cotter_jwt" => Box::new(|| v.cotter_jwt(black_box(t))),
        "cotter_jwt_compact" => Box::new(|| v.cotter_jwt_compact(black_box(t))),
        "cotter_jwt_prepared" => Box::new(|| v.cotter_jwt_prepared(black_box(t))),
        "jsonwebtoken" => Box::new(|| v.jsonwebtoken()),
        "jwt_compact" => Box::new(|| v.jwt_compact()),
        "jwt_simple" => Box::new(|| v.jwt_simple()),
        "prepared_server" => Box::new(|| v.prepared_server(black_box(t))),
        "prepared_mcu" => Box::new(|| v.prepared_mcu(black_box(t))),
        "ring" => Box::new(|| v.ring()),
        "cached_verify" => Box::new(|| v.cached_verify(black_box(t))),
        other => {
            eprintln!("instr: unknown case `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // One warm-up call so lazy initialisation is not counted.
    if !run() {
        eprintln!("instr: {case} did not verify the fixture");
        return ExitCode::FAILURE;
    }
    let before = allocations();
    for _ in 0..n {
        black_box(run());
    }
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let per_call = if n == 0 { 0.0 } else { (allocations() - before) as f64 / n as f64 };
    println!("allocations_per_call={per_call}");
    ExitCode::SUCCESS
}
