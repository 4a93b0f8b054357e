//! `cargo xtask clients`: Cotter's own published clients and a real browser against the emulator.
//!
//! Installs what is missing (Debian `chromium chromium-driver`, a Python venv with the pinned
//! `tests/clients/requirements.txt`, `npm ci` of `tests/clients/js`), builds `cotter-emulator`,
//! then for each client starts a fresh emulator on port 0, runs the client under a time limit,
//! and stops the emulator (`python_restart.py` also starts emulators of its own, from
//! `COTTER_EMULATOR_BIN`). A client passes when it exits 0 and printed its `PASS` line. Nothing
//! is skipped: a component that cannot be installed fails the check with the reason.
//! Output and screenshots go to `<target>/clients/`; see `tests/clients/README.md`.

use crate::setup;
use crate::util::{self, StepResult};
use core::time::Duration;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// Debian packages: (executable that proves it is installed, package).
const APT: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("node", "nodejs"),
    ("npm", "npm"),
    ("python3", "python3"),
    ("curl", "curl"),
];

/// One client run: a name, the program and script, its time limit, and whether the emulator
/// serves HTTPS (`--tls --tls-ca-out <out>/<name>-ca.pem`; the client gets the CA file in
/// `REQUESTS_CA_BUNDLE` and `COTTER_CA_FILE`).
struct Client {
    name: &'static str,
    program: PathBuf,
    script: &'static str,
    limit: Duration,
    tls: bool,
}

pub(crate) fn run() -> StepResult {
    let started = Instant::now();
    let root = util::root();
    let clients = root.join("tests/clients");
    let target = util::target_dir()?;
    let out = target.join("clients");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    setup::apt_install(APT).map_err(|e| format!("installing Chromium, Node, Python: {e}"))?;
    let python = python_venv(&target.join("clients-venv"), &clients.join("requirements.txt"))?;
    let npm_dir = target.join("clients-npm");
    npm_install(&npm_dir, &clients.join("js"))?;
    util::run(util::cargo().args(["build", "-p", "cotter-emulator"]))?;
    let emulator = target.join("debug").join("cotter-emulator");
    let installed = started.elapsed().as_secs_f64();
    eprintln!("xtask clients: components ready in {installed:.1} s");

    let runs = [
        Client {
            name: "python-sdk",
            program: python.clone(),
            script: "python_sdk.py",
            limit: Duration::from_secs(90),
            tls: false,
        },
        Client {
            name: "python-restart",
            program: python.clone(),
            script: "python_restart.py",
            limit: Duration::from_secs(90),
            tls: false,
        },
        Client {
            name: "python-sdk-tls",
            program: python.clone(),
            script: "python_sdk.py",
            limit: Duration::from_secs(90),
            tls: true,
        },
        Client {
            name: "curl-tls",
            program: PathBuf::from("bash"),
            script: "curl_tls.sh",
            limit: Duration::from_secs(30),
            tls: true,
        },
        Client {
            name: "js-sdk",
            program: PathBuf::from("node"),
            script: "js_sdk.js",
            limit: Duration::from_secs(60),
            tls: false,
        },
        Client {
            name: "browser",
            program: python.clone(),
            script: "browser_hosted_page.py",
            limit: Duration::from_secs(120),
            tls: false,
        },
        Client {
            name: "browser-js-sdk",
            program: python.clone(),
            script: "browser_js_sdk.py",
            limit: Duration::from_secs(120),
            tls: false,
        },
        Client {
            name: "browser-console",
            program: python.clone(),
            script: "browser_console.py",
            limit: Duration::from_secs(90),
            tls: false,
        },
    ];
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    for client in &runs {
        let t = Instant::now();
        let result = run_client(client, &emulator, &clients, &out, &npm_dir);
        let secs = t.elapsed().as_secs_f64();
        match &result {
            Ok(pass) => summary.push(format!("{:<16} ok     {secs:>5.1} s  {pass}", client.name)),
            Err(e) => {
                summary.push(format!("{:<16} FAILED {secs:>5.1} s  {e}", client.name));
                failures.push(format!("{}: {e}", client.name));
            }
        }
    }
    println!("\nclient           result  seconds  detail");
    for line in &summary {
        println!("{line}");
    }
    println!(
        "xtask clients: {} passed, {} failed; install/build {installed:.1} s, total {:.1} s; logs in {}",
        runs.len() - failures.len(),
        failures.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    if failures.is_empty() { Ok(()) } else { Err(failures.join("; ")) }
}

/// The venv's python with `requirements` installed; (re)installs when the pins changed.
fn python_venv(venv: &Path, requirements: &Path) -> Result<PathBuf, String> {
    let python = venv.join("bin").join("python");
    let wanted = read(requirements)?;
    let stamp = venv.join("clients-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        if !python.is_file() {
            let create = || util::run(Command::new("python3").arg("-m").arg("venv").arg(venv));
            if create().is_err() {
                // Debian's python3 needs python3-venv for ensurepip. The package has no
                // executable of its own: name one that never exists, so it is always installed.
                let _ = std::fs::remove_dir_all(venv);
                setup::apt_install(&[("no-such-binary-python3-venv", "python3-venv")])?;
                create().map_err(|e| format!("cannot create the Python venv: {e}"))?;
            }
        }
        util::run(
            Command::new(&python)
                .args(["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r"])
                .arg(requirements),
        )
        .map_err(|e| format!("pip install of tests/clients/requirements.txt failed: {e}"))?;
        write(&stamp, &wanted)?;
    }
    util::output(Command::new(&python).args([
        "-c",
        "import importlib.metadata as m, cotter, selenium, jose, cryptography; \
         assert m.version('cotter') == '0.0.7', m.version('cotter')",
    ]))
    .map_err(|e| format!("the venv lacks Cotter's python SDK 0.0.7 or selenium: {e}"))?;
    Ok(python)
}

/// `npm ci` of `tests/clients/js` into `dir` when the lock file changed or nothing is installed.
fn npm_install(dir: &Path, source: &Path) -> StepResult {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock = read(&source.join("package-lock.json"))?;
    let stamp = dir.join(".clients-installed-lock");
    let sdk = dir.join("node_modules/cotter/package.json");
    if !sdk.is_file() || std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        write(&dir.join("package.json"), &read(&source.join("package.json"))?)?;
        write(&dir.join("package-lock.json"), &lock)?;
        util::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
            .map_err(|e| format!("npm ci of tests/clients/js failed: {e}"))?;
        write(&stamp, &lock)?;
    }
    if read(&sdk)?.contains("\"version\": \"0.3.35\"") {
        Ok(())
    } else {
        Err(format!("{} is not cotter 0.3.35", sdk.display()))
    }
}

/// Starts a fresh emulator, runs one client under its time limit, stops the emulator.
/// `Ok` carries the client's PASS line.
fn run_client(
    client: &Client,
    emulator: &Path,
    clients: &Path,
    out: &Path,
    npm_dir: &Path,
) -> Result<String, String> {
    eprintln!("\n===== xtask clients: {} =====", client.name);
    let ca = client.tls.then(|| out.join(format!("{}-ca.pem", client.name)));
    let (mut server, url, server_log) = start_emulator(emulator, ca.as_deref())?;
    let mut cmd = Command::new(&client.program);
    if let Some(ca) = &ca {
        cmd.env("REQUESTS_CA_BUNDLE", ca).env("COTTER_CA_FILE", ca);
    } else {
        cmd.env_remove("REQUESTS_CA_BUNDLE").env_remove("COTTER_CA_FILE");
    }
    cmd.arg(clients.join(client.script))
        .current_dir(out)
        .env("COTTER_EMULATOR_URL", &url)
        .env("COTTER_CLIENTS_OUT", out)
        .env("COTTER_NODE_MODULES", npm_dir)
        // For the clients that start emulators of their own (python_restart.py).
        .env("COTTER_EMULATOR_BIN", emulator)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .process_group(0);
    let result = run_limited(cmd, client.name, client.limit);
    util::stop(&mut server);
    let log = server_log.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    write(&out.join(format!("{}-emulator.log", client.name)), &log)?;
    let (lines, outcome) = result?;
    write(&out.join(format!("{}.log", client.name)), &lines.join("\n"))?;
    // The client's own `FAIL name: reason` line if it printed one, else its last lines.
    let tail = || match lines.iter().rev().find(|l| l.starts_with("FAIL ")) {
        Some(fail) => fail.clone(),
        None => lines.iter().rev().take(8).rev().cloned().collect::<Vec<_>>().join(" | "),
    };
    match outcome {
        Outcome::Exited(true) => lines
            .iter()
            .find(|l| l.starts_with("PASS "))
            .cloned()
            .ok_or_else(|| format!("exited 0 without a PASS line: {}", tail())),
        Outcome::Exited(false) => Err(format!("exited non-zero: {}", tail())),
        Outcome::TimedOut => {
            Err(format!("no result within {} s: {}", client.limit.as_secs(), tail()))
        }
    }
}

enum Outcome {
    Exited(bool),
    TimedOut,
}

/// Runs `cmd` (in its own process group) with stdout and stderr merged, echoing each line with a
/// `[name]` prefix; kills the whole group on timeout and any leftovers after it exits.
fn run_limited(
    mut cmd: Command,
    name: &str,
    limit: Duration,
) -> Result<(Vec<String>, Outcome), String> {
    let (reader, writer) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let writer2 = writer.try_clone().map_err(|e| format!("pipe: {e}"))?;
    cmd.stdout(writer).stderr(writer2);
    let mut child =
        cmd.spawn().map_err(|e| format!("cannot start {}: {e}", cmd.get_program().display()))?;
    drop(cmd); // closes this process's copies of the pipe's write end
    let (tx, rx) = mpsc::channel();
    let prefix = format!("[{name}] ");
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{prefix}{line}");
            let _ = stdout.flush();
            lines.push(line);
        }
        let _ = tx.send(lines);
    });
    let deadline = Instant::now() + limit;
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Outcome::Exited(status.success()),
            Ok(None) if Instant::now() >= deadline => break Outcome::TimedOut,
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for {name}: {e}")),
        }
    };
    kill_group(&child);
    let _ = child.wait();
    let lines = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    Ok((lines, outcome))
}

/// SIGKILL to the process group led by `child` (started with `process_group(0)`), if any is left.
fn kill_group(child: &Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
}

/// Starts `cotter-emulator --port 0` (with `--tls --tls-ca-out CA` when `tls_ca` is given);
/// returns it, its URL (from the first stdout line) and a receiver of everything else it
/// printed (delivered when its stdout closes).
fn start_emulator(
    binary: &Path,
    tls_ca: Option<&Path>,
) -> Result<(Child, String, mpsc::Receiver<String>), String> {
    let mut cmd = Command::new(binary);
    cmd.args(["--port", "0"]);
    if let Some(ca) = tls_ca {
        let _ = std::fs::remove_file(ca);
        cmd.arg("--tls").arg("--tls-ca-out").arg(ca);
    }
    let scheme = if tls_ca.is_some() { "https://" } else { "http://" };
    let started = util::start_emulator(&mut cmd, scheme)?;
    eprintln!("xtask clients: emulator pid {} at {}", started.child.id(), started.url);
    Ok((started.child, started.url, started.log))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> StepResult {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
