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
//! 200 fails the run. It prints a table, then `key=value` lines: every figure is the median
//! of the rounds. Requests per second are counted per second of the app's CPU time (all its
//! threads, from `/proc/PID/stat`): on a machine other work shares, wall-clock throughput
//! measures the neighbours as much as the app; the wall-clock ratios are printed too.
//!
//! The `spawn_blocking` question: cotter-axum verifying on the blocking pool (N workers, at
//! most N blocking threads) against verifying inline, CPU per request and p99.

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
    /// Requests per second of wall-clock time.
    rps: f64,
    /// Requests per second of the app's CPU time (all its threads): what it serves when it
    /// has its cores to itself, whatever else the machine runs.
    cpu_rps: f64,
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
        cpu_rps: 0.0,
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

/// CPU time of a process, all threads, in clock ticks (`/proc/PID/stat` utime + stime).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 if unknown).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

async fn measured(
    app: &App,
    tokens: &Arc<Vec<HeaderValue>>,
    count: usize,
    a: &Args,
    tick: f64,
) -> Result<Load, String> {
    let deadline = Duration::from_secs(a.max_secs);
    let before = cpu_ticks(app.child.id());
    let mut l = load(&app.addr, Arc::clone(tokens), count, a.connections, deadline).await?;
    let cpu = (cpu_ticks(app.child.id()) - before) as f64 / tick;
    l.cpu_rps = if cpu > 0.0 { l.requests as f64 / cpu } else { 0.0 };
    if l.requests < count {
        eprintln!("backend_load: time bound reached ({} s): {} of {count}", a.max_secs, l.requests);
    }
    Ok(l)
}

async fn run_app(app: &App, w: &Workloads, a: &Args, tick: f64) -> Result<Round, String> {
    let deadline = Duration::from_secs(a.max_secs);
    // Warm-up: the verification path, the connections, the repeat token's cache entry.
    load(&app.addr, Arc::clone(&w.warmup), w.warmup.len(), a.connections, deadline).await?;
    load(&app.addr, Arc::clone(&w.repeat), 2_000, a.connections, deadline).await?;
    let rss_ready = app.rss();
    let distinct = measured(app, &w.distinct, a.distinct, a, tick).await?;
    let rss_after = app.rss();
    let repeat = measured(app, &w.repeat, a.repeat, a, tick).await?;
    Ok(Round {
        distinct,
        repeat,
        rss_ready,
        rss_growth_distinct: rss_after as i64 - rss_ready as i64,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The median of the rounds, figure by figure.
fn summary(rounds: &[Round], pick: impl Fn(&Round) -> Load) -> Load {
    let of = |f: fn(&Load) -> f64| median(rounds.iter().map(|r| f(&pick(r))).collect());
    Load {
        requests: rounds.iter().map(|r| pick(r).requests).min().unwrap_or(0),
        rps: of(|l| l.rps),
        cpu_rps: of(|l| l.cpu_rps),
        p50_us: of(|l| l.p50_us),
        p99_us: of(|l| l.p99_us),
    }
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
    let tick = ticks_per_second();
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
    let load_avg = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load_before = load_avg();

    let names = ["jwt_authorizer", "cotter", "cotter_blocking"];
    let mut rounds: [Vec<Round>; 3] = Default::default();
    let threads = a.workers.to_string();
    for round in 0..a.rounds {
        let mut order = [0, 1, 2];
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let app = match i {
                0 => App::start(&a.jwt_authorizer, &jwks, a.workers, &[])?,
                1 => App::start(&a.cotter, &jwks, a.workers, &[])?,
                _ => App::start(
                    &a.cotter,
                    &jwks,
                    a.workers,
                    &["--blocking", "--blocking-threads", &threads],
                )?,
            };
            let r = run_app(&app, &w, &a, tick).await.map_err(|e| format!("{}: {e}", names[i]))?;
            eprintln!(
                "round {round} {:<15} distinct {:>6.0} rps ({:>6.0}/cpu-s) p99 {:>6.0} µs | \
                 repeat {:>6.0} rps ({:>6.0}/cpu-s) p99 {:>6.0} µs",
                names[i],
                r.distinct.rps,
                r.distinct.cpu_rps,
                r.distinct.p99_us,
                r.repeat.rps,
                r.repeat.cpu_rps,
                r.repeat.p99_us
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

    let [theirs, ours, blocking] = &rounds;
    let (td, tr) = (summary(theirs, |r| r.distinct), summary(theirs, |r| r.repeat));
    let (od, or) = (summary(ours, |r| r.distinct), summary(ours, |r| r.repeat));
    let (bd, br) = (summary(blocking, |r| r.distinct), summary(blocking, |r| r.repeat));
    let growth = |rs: &[Round]| median(rs.iter().map(|r| r.rss_growth_distinct as f64).collect());
    let per_token = growth(ours) / a.distinct as f64;

    println!(
        "\n{} rounds (medians below), {} worker thread(s) per app, {} connections, {} distinct \
         tokens, {} repeats; load average before {}, after {}",
        a.rounds,
        a.workers,
        a.connections,
        a.distinct,
        a.repeat,
        load_before.trim(),
        load_avg().trim()
    );
    println!(
        "{:<40} {:>9} {:>11} {:>9} {:>9}",
        "app / workload", "req/s", "req/cpu-s", "p50 µs", "p99 µs"
    );
    for (name, d, r) in [
        ("jwt-authorizer 0.15", td, tr),
        ("cotter-axum", od, or),
        ("cotter-axum, spawn_blocking", bd, br),
    ] {
        for (workload, l) in [("distinct", d), ("repeat", r)] {
            println!(
                "{:<40} {:>9.0} {:>11.0} {:>9.0} {:>9.0}",
                format!("{name} / {workload}"),
                l.rps,
                l.cpu_rps,
                l.p50_us,
                l.p99_us
            );
        }
    }
    println!(
        "resident after warm-up: jwt-authorizer {:.0} KiB, cotter-axum {:.0} KiB; growth over the \
         distinct workload: jwt-authorizer {:.0} KiB, cotter-axum {:.0} KiB",
        median(theirs.iter().map(|r| r.rss_ready as f64).collect()) / 1024.0,
        median(ours.iter().map(|r| r.rss_ready as f64).collect()) / 1024.0,
        growth(theirs) / 1024.0,
        growth(ours) / 1024.0,
    );
    println!(
        "cotter-axum resident with 1 key {} KiB, with 4 keys {} KiB (LargeTableKey table: {} bytes a key)",
        one_key / 1024,
        four_keys / 1024,
        cotter_jwt::LargeTableKey::TABLE_BYTES
    );
    println!(
        "\nRequests per second are per second of the app's CPU time (req/cpu-s: what one worker \
         thread serves with its core to itself, unmoved by other load on the machine); the \
         wall-clock ratios follow as *_wall_*. p99 is wall-clock latency with {} requests in \
         flight.\n",
        a.connections
    );
    println!("backend_vs_jwt_authorizer_rps_ratio_distinct={:.3}", od.cpu_rps / td.cpu_rps);
    println!("backend_vs_jwt_authorizer_rps_ratio_repeat={:.3}", or.cpu_rps / tr.cpu_rps);
    println!("backend_p99_us_distinct={:.0}", od.p99_us);
    println!("jwt_authorizer_p99_us_distinct={:.0}", td.p99_us);
    println!("backend_vs_jwt_authorizer_wall_rps_ratio_distinct={:.3}", od.rps / td.rps);
    println!("backend_vs_jwt_authorizer_wall_rps_ratio_repeat={:.3}", or.rps / tr.rps);
    println!("backend_p99_us_repeat={:.0}", or.p99_us);
    println!("jwt_authorizer_p99_us_repeat={:.0}", tr.p99_us);
    println!("backend_rss_bytes_per_cached_token={per_token:.0}");
    println!("backend_rss_bytes_per_key={per_key:.0}");
    println!("spawn_blocking_vs_inline_cpu_rps_ratio_distinct={:.3}", bd.cpu_rps / od.cpu_rps);
    println!("spawn_blocking_vs_inline_cpu_rps_ratio_repeat={:.3}", br.cpu_rps / or.cpu_rps);
    println!("spawn_blocking_p99_us_distinct={:.0}", bd.p99_us);
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
