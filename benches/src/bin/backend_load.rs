//! `backend_load`: the load generator of `cargo xtask bench backend`.
//!
//! `backend_load --cotter PATH --jwt-authorizer PATH [--workers N] [--connections C]
//! [--rounds R] [--distinct N] [--repeat N] [--max-secs S]`
//!
//! It makes a P-256 key and Cotter-shaped tokens signed with it, serves the key's JWKS on
//! loopback to both apps, and for each of R rounds starts each app afresh (alternating which
//! goes first; each on N tokio worker threads) and loads it over loopback from C keep-alive
//! HTTP/1.1 connections on one thread: a warm-up (its own tokens), the `distinct` workload
//! (each request a token never seen: no cache hits), then the `repeat` workload (one token,
//! again and again). Every workload is bounded in requests and in time; any answer other than
//! 200 fails the run. It prints a table, then `key=value` lines: requests per second are the
//! best of the rounds, p99 the lowest, for every app alike.
//!
//! The `spawn_blocking` question is measured at equal threads: cotter-axum verifying on the
//! blocking pool (N workers and at most N blocking threads) against cotter-axum verifying
//! inline on 2N workers.

use bytes::Bytes;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use cotter_bench::backend::{BenchKeys, LISTENING, ROUTE};
use http_body_util::{BodyExt as _, Empty};
use hyper::header::{AUTHORIZATION, HOST, HeaderValue};
use hyper_util::rt::TokioIo;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Instant;

struct Args {
    cotter: String,
    jwt_authorizer: String,
    workers: usize,
    connections: usize,
    rounds: usize,
    distinct: usize,
    repeat: usize,
    max_secs: u64,
}

const USAGE: &str = "usage: backend_load --cotter PATH --jwt-authorizer PATH [--workers N] \
                     [--connections C] [--rounds R] [--distinct N] [--repeat N] [--max-secs S]";

fn parse() -> Result<Args, String> {
    let mut a = Args {
        cotter: String::new(),
        jwt_authorizer: String::new(),
        workers: 1,
        connections: 16,
        rounds: 5,
        distinct: 10_000,
        repeat: 40_000,
        max_secs: 60,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        let number = || value.parse::<usize>().map_err(|_| USAGE.to_owned());
        match flag.as_str() {
            "--cotter" => a.cotter = value.clone(),
            "--jwt-authorizer" => a.jwt_authorizer = value.clone(),
            "--workers" => a.workers = number()?,
            "--connections" => a.connections = number()?,
            "--rounds" => a.rounds = number()?,
            "--distinct" => a.distinct = number()?,
            "--repeat" => a.repeat = number()?,
            "--max-secs" => a.max_secs = number()? as u64,
            _ => return Err(USAGE.to_owned()),
        }
    }
    if a.cotter.is_empty() || a.jwt_authorizer.is_empty() || a.rounds == 0 || a.connections == 0 {
        return Err(USAGE.to_owned());
    }
    Ok(a)
}

/// A bench app's process, killed on drop.
struct App {
    child: Child,
    addr: String,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl App {
    fn start(path: &str, jwks_url: &str, workers: usize, extra: &[&str]) -> Result<Self, String> {
        let mut child = Command::new(path)
            .args(["--jwks-url", jwks_url, "--workers", &workers.to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{path}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("{path}: {e}"))?;
        let addr = line
            .trim()
            .strip_prefix(LISTENING)
            .ok_or_else(|| format!("{path} did not start: {line:?}"))?
            .to_owned();
        Ok(Self { child, addr })
    }

    /// Resident set size in bytes (Linux `/proc`).
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()));
        status
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(0, |kib| kib * 1024)
    }
}

/// One workload's outcome.
#[derive(Clone, Copy, Debug, Default)]
struct Load {
    requests: usize,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
}

/// `count` requests (token `i % tokens.len()` for request `i`) over `connections` keep-alive
/// connections, stopping early at `deadline`.
async fn load(
    addr: &str,
    tokens: Arc<Vec<HeaderValue>>,
    count: usize,
    connections: usize,
    deadline: Duration,
) -> Result<Load, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, tokens, addr) = (Arc::clone(&next), Arc::clone(&tokens), addr.to_owned());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(&addr).await.map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let host = HeaderValue::from_str(&addr).map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || started.elapsed() > deadline {
                    break;
                }
                let mut request = hyper::Request::get(ROUTE)
                    .body(Empty::<Bytes>::new())
                    .map_err(|e| e.to_string())?;
                request.headers_mut().insert(HOST, host.clone());
                request.headers_mut().insert(AUTHORIZATION, tokens[i % tokens.len()].clone());
                let t0 = Instant::now();
                sender.ready().await.map_err(|e| e.to_string())?;
                let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
                let status = response.status();
                let body = response.into_body().collect().await.map_err(|e| e.to_string())?;
                latencies.push(t0.elapsed().as_nanos() as u64);
                if status != 200 {
                    return Err(format!("answer {status}: {:?}", body.to_bytes()));
                }
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |&ns| ns as f64 / 1000.0)
    };
    Ok(Load {
        requests: all.len(),
        rps: all.len() as f64 / elapsed,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
    })
}

/// What one app did in one round.
#[derive(Clone, Copy, Debug, Default)]
struct Round {
    distinct: Load,
    repeat: Load,
    rss_ready: u64,
    rss_growth_distinct: i64,
}

fn bearer(tokens: impl IntoIterator<Item = String>) -> Arc<Vec<HeaderValue>> {
    Arc::new(
        tokens
            .into_iter()
            .map(|t| {
                HeaderValue::from_str(&format!("Bearer {t}")).expect("a token is a header value")
            })
            .collect(),
    )
}

struct Workloads {
    warmup: Arc<Vec<HeaderValue>>,
    distinct: Arc<Vec<HeaderValue>>,
    repeat: Arc<Vec<HeaderValue>>,
}

async fn run_app(app: &App, w: &Workloads, a: &Args) -> Result<Round, String> {
    let deadline = Duration::from_secs(a.max_secs);
    // Warm-up: the verification path, the connections, the repeat token's cache entry.
    load(&app.addr, Arc::clone(&w.warmup), w.warmup.len(), a.connections, deadline).await?;
    load(&app.addr, Arc::clone(&w.repeat), 2_000, a.connections, deadline).await?;
    let rss_ready = app.rss();
    let distinct =
        load(&app.addr, Arc::clone(&w.distinct), a.distinct, a.connections, deadline).await?;
    let rss_after = app.rss();
    let repeat = load(&app.addr, Arc::clone(&w.repeat), a.repeat, a.connections, deadline).await?;
    if distinct.requests < a.distinct || repeat.requests < a.repeat {
        eprintln!(
            "backend_load: time bound reached ({} s): {} distinct, {} repeat requests",
            a.max_secs, distinct.requests, repeat.requests
        );
    }
    Ok(Round {
        distinct,
        repeat,
        rss_ready,
        rss_growth_distinct: rss_after as i64 - rss_ready as i64,
    })
}

fn best(rounds: &[Round], pick: impl Fn(&Round) -> Load) -> Load {
    let mut out = Load::default();
    for r in rounds {
        let l = pick(r);
        if l.rps > out.rps {
            out.rps = l.rps;
            out.requests = l.requests;
        }
        if out.p99_us == 0.0 || l.p99_us < out.p99_us {
            out.p99_us = l.p99_us;
        }
        if out.p50_us == 0.0 || l.p50_us < out.p50_us {
            out.p50_us = l.p50_us;
        }
    }
    out
}

/// Serves the JWKS on its own thread (the load generator's thread blocks while an app starts,
/// and cotter-axum fetches its keys before it prints its address).
fn serve_jwks(keys: &BenchKeys) -> Result<String, String> {
    use axum::routing::get;
    let one = keys.jwks(0);
    let four = keys.jwks(3);
    let app = axum::Router::new()
        .route("/jwks", get(move || async move { ([("content-type", "application/json")], one) }))
        .route(
            "/jwks4",
            get(move || async move { ([("content-type", "application/json")], four) }),
        );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, app).await
        })
    });
    Ok(format!("http://{addr}"))
}

async fn run(a: Args) -> Result<(), String> {
    let keys = BenchKeys::new();
    let exp = cotter_bench::now() + 6 * 3600;
    let t = Instant::now();
    // Token numbers: warm-up 1..=1000, the repeated token 0, distinct from 1_000_001 on.
    let warmup = bearer((1..=1000).map(|n| keys.token(n, exp)));
    let distinct = bearer((0..a.distinct as u64).map(|n| keys.token(1_000_001 + n, exp)));
    let repeat = bearer([keys.token(0, exp)]);
    eprintln!(
        "backend_load: {} tokens signed in {:.1} s",
        1001 + a.distinct,
        t.elapsed().as_secs_f64()
    );
    let w = Workloads { warmup, distinct, repeat };
    let base = serve_jwks(&keys)?;
    let jwks = format!("{base}/jwks");

    let names = ["jwt_authorizer", "cotter", "cotter_blocking", "cotter_inline_2x"];
    let mut rounds: [Vec<Round>; 4] = Default::default();
    let threads = a.workers.to_string();
    for round in 0..a.rounds {
        let mut order = [0, 1, 2, 3];
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let app = match i {
                0 => App::start(&a.jwt_authorizer, &jwks, a.workers, &[])?,
                1 => App::start(&a.cotter, &jwks, a.workers, &[])?,
                2 => App::start(
                    &a.cotter,
                    &jwks,
                    a.workers,
                    &["--blocking", "--blocking-threads", &threads],
                )?,
                _ => App::start(&a.cotter, &jwks, 2 * a.workers, &[])?,
            };
            let r = run_app(&app, &w, &a).await.map_err(|e| format!("{}: {e}", names[i]))?;
            eprintln!(
                "round {round} {:<16} distinct {:>8.0} rps p99 {:>7.0} µs | repeat {:>8.0} rps p99 {:>7.0} µs",
                names[i], r.distinct.rps, r.distinct.p99_us, r.repeat.rps, r.repeat.p99_us
            );
            rounds[i].push(r);
        }
    }

    // Memory per key: cotter-axum's resident size with one key and with four, at start.
    let rss_keys = |path: &str| -> Result<u64, String> {
        let app = App::start(&a.cotter, &format!("{base}/{path}"), a.workers, &[])?;
        Ok(app.rss())
    };
    let (one_key, four_keys) = (rss_keys("jwks")?, rss_keys("jwks4")?);
    let per_key = four_keys.saturating_sub(one_key) as f64 / 3.0;

    let [theirs, ours, blocking, inline2] = &rounds;
    let (td, tr) = (best(theirs, |r| r.distinct), best(theirs, |r| r.repeat));
    let (od, or) = (best(ours, |r| r.distinct), best(ours, |r| r.repeat));
    let (bd, br) = (best(blocking, |r| r.distinct), best(blocking, |r| r.repeat));
    let (id, ir) = (best(inline2, |r| r.distinct), best(inline2, |r| r.repeat));
    let growth = |rs: &[Round]| rs.iter().map(|r| r.rss_growth_distinct).min().unwrap_or(0);
    let per_token = growth(ours) as f64 / a.distinct as f64;

    println!(
        "\n{} rounds, {} worker thread(s) per app, {} connections, {} distinct tokens, {} repeats",
        a.rounds, a.workers, a.connections, a.distinct, a.repeat
    );
    println!("{:<44} {:>10} {:>9} {:>9}", "app / workload", "req/s", "p50 µs", "p99 µs");
    for (name, d, r) in [
        ("jwt-authorizer 0.15", td, tr),
        ("cotter-axum", od, or),
        ("cotter-axum, spawn_blocking (N+N)", bd, br),
        ("cotter-axum, inline (2N workers)", id, ir),
    ] {
        println!(
            "{:<34} {:>10.0} {:>9.0} {:>9.0}",
            format!("{name} / distinct"),
            d.rps,
            d.p50_us,
            d.p99_us
        );
        println!(
            "{:<34} {:>10.0} {:>9.0} {:>9.0}",
            format!("{name} / repeat"),
            r.rps,
            r.p50_us,
            r.p99_us
        );
    }
    println!(
        "resident after warm-up: jwt-authorizer {} KiB, cotter-axum {} KiB; growth over the \
         distinct workload: jwt-authorizer {} KiB, cotter-axum {} KiB",
        theirs.iter().map(|r| r.rss_ready).min().unwrap_or(0) / 1024,
        ours.iter().map(|r| r.rss_ready).min().unwrap_or(0) / 1024,
        growth(theirs) / 1024,
        growth(ours) / 1024,
    );
    println!(
        "cotter-axum resident with 1 key {} KiB, with 4 keys {} KiB (LargeTableKey table: {} bytes a key)",
        one_key / 1024,
        four_keys / 1024,
        cotter_jwt::LargeTableKey::TABLE_BYTES
    );
    println!();
    println!("backend_vs_jwt_authorizer_rps_ratio_distinct={:.3}", od.rps / td.rps);
    println!("backend_vs_jwt_authorizer_rps_ratio_repeat={:.3}", or.rps / tr.rps);
    println!("backend_p99_us_distinct={:.0}", od.p99_us);
    println!("jwt_authorizer_p99_us_distinct={:.0}", td.p99_us);
    println!("backend_p99_us_repeat={:.0}", or.p99_us);
    println!("jwt_authorizer_p99_us_repeat={:.0}", tr.p99_us);
    println!("backend_rss_bytes_per_cached_token={per_token:.0}");
    println!("backend_rss_bytes_per_key={per_key:.0}");
    println!("spawn_blocking_vs_inline_rps_ratio_distinct={:.3}", bd.rps / id.rps);
    println!("spawn_blocking_vs_inline_rps_ratio_repeat={:.3}", br.rps / ir.rps);
    println!("spawn_blocking_p99_us_distinct={:.0}", bd.p99_us);
    println!("inline_2x_workers_p99_us_distinct={:.0}", id.p99_us);
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    // One thread drives every connection: the other cores are the app's.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("backend_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backend_load: {e}");
            ExitCode::FAILURE
        }
    }
}
