//! Wall time of one ES256 token verification, every crate on the same token and key, in one
//! run. `cargo xtask bench` reads criterion's estimates and prints the ratios.

use core::hint::black_box;
use cotter_bench::{Verifiers, now};
use criterion::{Criterion, criterion_group, criterion_main};

fn verify(c: &mut Criterion) {
    let v = Verifiers::new();
    let t = now();
    assert!(
        v.bare_p256() && v.cotter_jwt(t) && v.jsonwebtoken() && v.jwt_compact() && v.jwt_simple()
    );
    let mut g = c.benchmark_group("verify");
    g.bench_function("p256", |b| b.iter(|| black_box(v.bare_p256())));
    g.bench_function("cotter_jwt", |b| b.iter(|| black_box(v.cotter_jwt(black_box(t)))));
    g.bench_function("jsonwebtoken", |b| b.iter(|| black_box(v.jsonwebtoken())));
    g.bench_function("jwt_compact", |b| b.iter(|| black_box(v.jwt_compact())));
    g.bench_function("jwt_simple", |b| b.iter(|| black_box(v.jwt_simple())));
    g.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
