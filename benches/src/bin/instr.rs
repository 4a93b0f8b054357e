//! `instr CASE N`: runs one verification case N times, for instruction counts under
//! `valgrind --tool=callgrind` (xtask runs it with two N and takes the difference, so set-up
//! cancels out), and prints allocations per call counted by a counting allocator.

use core::hint::black_box;
use cotter_bench::{CountingAlloc, Verifiers, allocations, now};
use std::process::ExitCode;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(case), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: instr p256|cotter_jwt|jsonwebtoken|jwt_compact|jwt_simple N");
        return ExitCode::from(2);
    };
    let v = Verifiers::new();
    let t = now();
    let run: Box<dyn Fn() -> bool> = match case.as_str() {
        "p256" => Box::new(|| v.bare_p256()),
        "cotter_jwt" => Box::new(|| v.cotter_jwt(black_box(t))),
        "jsonwebtoken" => Box::new(|| v.jsonwebtoken()),
        "jwt_compact" => Box::new(|| v.jwt_compact()),
        "jwt_simple" => Box::new(|| v.jwt_simple()),
        other => {
            eprintln!("instr: unknown case `{other}`");
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
    let per_call = if n == 0 { 0.0 } else { (allocations() - before) as f64 / n as f64 };
    println!("allocations_per_call={per_call}");
    ExitCode::SUCCESS
}
