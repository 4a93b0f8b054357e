//! Wall time of one ES256 token verification, every crate on the same token and key, in one
//! run, with cotter-jwt's prepared keys, ring as the assembly anchor and the verified-token
//! cache; plus the facade's cached `Client::access_token()` and the `cotter-store` codec.
//! `cargo xtask bench` reads criterion's estimates and prints the ratios.

use core::hint::black_box;
use cotter::store::MemoryStore;
use cotter::transport::UreqTransport;
use cotter::{Client, Config, LoginKind, ManualClock, OsRandom};
use cotter_bench::store::SessionFixture;
use cotter_bench::{Verifiers, now};
use cotter_emulator::{Emulator, browser};
use criterion::{Criterion, criterion_group, criterion_main};

fn verify(c: &mut Criterion) {
    let v = Verifiers::new();
    let t = now();
    assert!(
        v.bare_p256() && v.cotter_jwt(t) && v.jsonwebtoken() && v.jwt_compact() && v.jwt_simple()
    );
    assert!(v.prepared_server(t) && v.prepared_mcu(t) && v.ring() && v.cached_verify(t));
    let mut g = c.benchmark_group("verify");
    g.bench_function("p256", |b| b.iter(|| black_box(v.bare_p256())));
    g.bench_function("cotter_jwt", |b| b.iter(|| black_box(v.cotter_jwt(black_box(t)))));
    g.bench_function("cotter_jwt_prepared", |b| {
        b.iter(|| black_box(v.cotter_jwt_prepared(black_box(t))));
    });
    g.bench_function("jsonwebtoken", |b| b.iter(|| black_box(v.jsonwebtoken())));
    g.bench_function("jwt_compact", |b| b.iter(|| black_box(v.jwt_compact())));
    g.bench_function("jwt_simple", |b| b.iter(|| black_box(v.jwt_simple())));
    g.bench_function("prepared_server", |b| {
        b.iter(|| black_box(v.prepared_server(black_box(t))));
    });
    g.bench_function("prepared_mcu", |b| b.iter(|| black_box(v.prepared_mcu(black_box(t)))));
    g.bench_function("ring", |b| b.iter(|| black_box(v.ring())));
    g.bench_function("cached_verify", |b| b.iter(|| black_box(v.cached_verify(black_box(t)))));
    assert_eq!(v.cache_verifications(), 1, "every measured cached_verify call was a hit");

    access_token(&mut g);
    store_codec(&mut g, &v);
    g.finish();
}

/// The facade's `Client::access_token()` on a fresh session: signed in once against an
/// in-process emulator, then answered from the session with no request.
fn access_token(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    const KEY: &str = "cotter-dev-api-key";
    const REDIRECT: &str = "http://127.0.0.1:9/callback";
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false))
        .expect("emulator starts");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(KEY).base_url(&api).hosted_page_url(&page);
    let mut client: Client<'_, UreqTransport, MemoryStore<8192>, ManualClock> =
        Client::new(config, UreqTransport::new(), MemoryStore::new(), ManualClock::new(emu.now()))
            .expect("client");
    let who = "ada@example.com";
    let (url, pending) = client
        .begin_login(LoginKind::EmailOtp, Some(who), REDIRECT, &mut OsRandom)
        .expect("begin_login");
    let redirect = browser::complete_login(&url, who).expect("the user signs in");
    client.complete_login(&pending, &redirect).expect("complete_login");
    let token = client.access_token().expect("signed in").to_owned();

    let before = emu.stats();
    g.bench_function("cached_access_token", |b| {
        b.iter(|| black_box(client.access_token().map(str::len).unwrap_or(0)));
    });
    assert_eq!(client.access_token().expect("still cached"), token);
    assert_eq!(emu.stats().total, before.total, "the cached access token made no request");
    emu.shutdown();
}

/// `cotter_store::encode` and `decode` of a realistic session (about 1.7 KiB).
fn store_codec(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    v: &Verifiers,
) {
    let parts = SessionFixture::new(v.fixture());
    let session = parts.session(4_102_444_800);
    let mut out = vec![0u8; cotter_store::MAX_ENCODED_LEN];
    let len = cotter_store::encode(&session, &mut out).expect("encodes");
    let record = out[..len].to_vec();
    assert_eq!(cotter_store::decode(&record).expect("decodes"), session);
    g.bench_function("store_encode", |b| {
        b.iter(|| black_box(cotter_store::encode(black_box(&session), &mut out).is_ok()));
    });
    g.bench_function("store_decode", |b| {
        b.iter(|| black_box(cotter_store::decode(black_box(&record)).is_ok()));
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
