//! `cotter-emulator`: run the Cotter-compatible development server until SIGINT or SIGTERM.
//!
//! ```text
//! cotter-emulator [--host ADDR] [--port N] [--public-url URL] [--api-key ID]... [--redirect-url URL]... [--seed N] [--token-ttl SECS]
//!                 [--reuse-interval SECS] [--allowed-host NAME]... [--allowed-origin ORIGIN]...
//!                 [--state FILE] [--quiet] [--log-requests]
//!                 [--tls] [--tls-cert FILE --tls-key FILE] [--tls-ca-out FILE]
//! ```
//!
//! The first line on stdout is exactly `cotter-emulator listening on http://127.0.0.1:PORT`, or
//! `https://…` with TLS. `--tls-ca-out` is written (atomically) before that line.
//!
//! Requests are served only when their `Host` header is `127.0.0.1:PORT`, `localhost:PORT` or
//! `[::1]:PORT`, or a name given with `--allowed-host` (`NAME` matches any port, `NAME:PORT` only that
//! one); any other `Host`, or none, gets `421 Misdirected Request`, so a web page cannot read the
//! emulator through DNS rebinding.

#![forbid(unsafe_code)]
#![allow(clippy::std_instead_of_core, reason = "std-only binary")]

use cotter_emulator::{Config, DEFAULT_API_KEY_ID, Emulator, Tls};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const USAGE: &str = "usage: cotter-emulator [--host ADDR] [--port N] [--public-url URL] [--api-key ID]... [--redirect-url URL]... [--seed N] \
[--token-ttl SECS] [--reuse-interval SECS] [--allowed-host NAME]... [--allowed-origin ORIGIN]... [--state FILE] [--quiet] [--log-requests] \
[--tls] [--tls-cert FILE --tls-key FILE] [--tls-ca-out FILE]

  --host ADDR           IP address to listen on (default 127.0.0.1; any other makes the /dev/
                        endpoints and the console reachable from the network)
  --port N              TCP port (default 0: any free port)
  --public-url URL      the base URL clients reach it at (http[s]://host[:port]), used in magic links
                        and the hosted page; its host is served too (phones, simulators, tunnels)
  --api-key ID          accepted API key ID, repeatable (default: cotter-dev-api-key)
  --redirect-url URL    allowed redirect_url, repeatable (default: any http://localhost:* or http://127.0.0.1:*)
  --seed N              deterministic keys, codes and refresh tokens
  --token-ttl SECS      access/ID token lifetime and expires_in (default 3600)
  --reuse-interval SECS refresh-token reuse grace window (default 10; 0 disables)
  --allowed-host NAME   also serve requests with this Host (NAME: any port, NAME:PORT: that port), repeatable
                        (default: only 127.0.0.1:PORT, localhost:PORT and [::1]:PORT; others get 421)
  --allowed-origin ORIGIN  let pages at ORIGIN (http[s]://host[:port]) call the API (CORS), repeatable
                        (default: any http://localhost:* and http://127.0.0.1:*)
  --state FILE          keep users, devices, sessions, keys, clock and counters in FILE: loaded at
                        start if present, written atomically after every change
  --quiet               do not print outbox messages (OTPs, magic links) on stdout
  --log-requests        print one line per request on stdout (GET /dev/requests has them anyway)
  --tls                 serve HTTPS with a certificate made at start (ECDSA P-256, for 127.0.0.1, ::1 and
                        localhost) signed by a CA also made at start; --seed makes both repeat
  --tls-ca-out FILE     write that CA certificate (PEM) to FILE for clients to trust (needs --tls)
  --tls-cert FILE       serve HTTPS with your own certificate chain (PEM, server certificate first);
  --tls-key FILE          needs --tls-key, the private key (PEM); no CA is made, so no --tls-ca-out
  --help, --version";

/// What the command line asks for: the configuration, and the TLS files to read or write.
#[derive(Debug, Default)]
struct Cli {
    config: Config,
    tls: bool,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_ca_out: Option<PathBuf>,
}

impl Cli {
    /// Checks the TLS flags together and reads the user's PEM files into the configuration.
    fn resolve_tls(mut self) -> Result<(Config, Option<PathBuf>), String> {
        let read = |flag: &str, path: &Path| {
            std::fs::read_to_string(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
        };
        match (self.tls_cert.take(), self.tls_key.take()) {
            (Some(cert), Some(key)) => {
                if self.tls_ca_out.is_some() {
                    return Err(
                        "--tls-ca-out writes the CA that --tls makes; with --tls-cert the \
                                certificate is your own and the emulator makes no CA"
                            .into(),
                    );
                }
                let cert_chain_pem = read("--tls-cert", &cert)?;
                let key_pem = read("--tls-key", &key)?;
                self.config.tls = Some(Tls::Pem { cert_chain_pem, key_pem });
            }
            (Some(_), None) => return Err("--tls-cert needs --tls-key".into()),
            (None, Some(_)) => return Err("--tls-key needs --tls-cert".into()),
            (None, None) if self.tls => self.config.tls = Some(Tls::Generated),
            (None, None) if self.tls_ca_out.is_some() => {
                return Err("--tls-ca-out needs --tls".into());
            }
            (None, None) => {}
        }
        Ok((self.config, self.tls_ca_out))
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Cli>, String> {
    let mut cli = Cli::default();
    let config = &mut cli.config;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, text: String| -> Result<u64, String> {
            text.parse::<u64>()
                .map_err(|_| format!("{name}: {text:?} is not a non-negative integer"))
        };
        match flag.as_str() {
            "--host" => {
                let text = value("--host")?;
                config.host =
                    text.parse().map_err(|_| format!("--host: {text:?} is not an IP address"))?;
            }
            "--public-url" => config.public_url = Some(value("--public-url")?),
            "--port" => {
                let text = value("--port")?;
                config.port =
                    text.parse().map_err(|_| format!("--port: {text:?} is not a port number"))?;
            }
            "--api-key" => config.api_keys.push(value("--api-key")?),
            "--redirect-url" => config.redirect_urls.push(value("--redirect-url")?),
            "--seed" => config.seed = Some(number("--seed", value("--seed")?)?),
            "--token-ttl" => config.token_ttl = number("--token-ttl", value("--token-ttl")?)?,
            "--reuse-interval" => {
                config.reuse_interval = number("--reuse-interval", value("--reuse-interval")?)?
            }
            "--allowed-host" => config.allowed_hosts.push(value("--allowed-host")?),
            "--allowed-origin" => config.allowed_origins.push(value("--allowed-origin")?),
            "--quiet" => config.log_outbox = false,
            "--state" => config.state_file = Some(value("--state")?.into()),
            "--log-requests" if inline.is_none() => config.log_requests = true,
            "--tls" if inline.is_none() => cli.tls = true,
            "--tls" => return Err("--tls takes no value".into()),
            "--tls-cert" => cli.tls_cert = Some(value("--tls-cert")?.into()),
            "--tls-key" => cli.tls_key = Some(value("--tls-key")?.into()),
            "--tls-ca-out" => cli.tls_ca_out = Some(value("--tls-ca-out")?.into()),
            "--help" | "-h" => return Ok(None),
            "--version" | "-V" => {
                println!("cotter-emulator {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(cli))
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so that a
/// reader never sees half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut name = path.file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let written = std::fs::File::create(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn main() -> ExitCode {
    let parsed =
        parse_args(std::env::args().skip(1)).and_then(|cli| cli.map(Cli::resolve_tls).transpose());
    let (config, tls_ca_out) = match parsed {
        Ok(Some(resolved)) => resolved,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("cotter-emulator: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            eprintln!("cotter-emulator: cannot handle signal {signal}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let default_key = config.api_keys.is_empty();
    let state_file = config.state_file.clone();
    let emulator = match Emulator::start(config) {
        Ok(emulator) => emulator,
        Err(e) => {
            let cause =
                core::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            eprintln!("cotter-emulator: {e}{cause}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(path), Some(ca)) = (&tls_ca_out, emulator.tls_ca_pem())
        && let Err(e) = write_atomically(path, ca)
    {
        eprintln!("cotter-emulator: --tls-ca-out {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    if !emulator.local_addr().ip().is_loopback() {
        eprintln!(
            "cotter-emulator: warning: listening on {}: the /dev/ endpoints and the console \
             (/dev/ui), which read and change users, sessions and keys without authentication, are \
             reachable from the network; for development only",
            emulator.local_addr().ip()
        );
        if emulator.tls_ca_pem().is_some() {
            eprintln!(
                "cotter-emulator: warning: the generated certificate names only 127.0.0.1, ::1 and \
                 localhost; clients on the network need --tls-cert/--tls-key for their name"
            );
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "cotter-emulator listening on {}", emulator.listen_url());
    if emulator.base_url() != emulator.listen_url() {
        let _ = writeln!(out, "  public url: {}", emulator.base_url());
    }
    let _ = writeln!(out, "  api base: {}", emulator.api_base());
    let _ = writeln!(out, "  hosted page: {}", emulator.hosted_page_url());
    if default_key {
        let _ = writeln!(out, "  api key: {DEFAULT_API_KEY_ID} (development default)");
    } else {
        let _ = writeln!(out, "  api keys: {}", emulator.api_keys().join(", "));
    }
    if let Some(path) = &state_file {
        let _ = writeln!(out, "  state: {} (development only: holds private keys)", path.display());
    }
    let _ = writeln!(
        out,
        "  jwks: {}/token/jwks (kid {})",
        emulator.api_base(),
        emulator.current_kid()
    );
    let ca = tls_ca_out.as_ref().map(|p| format!(" --ca-file {}", p.display())).unwrap_or_default();
    let _ = writeln!(
        out,
        "  login: cargo run -p cotter-examples --example login -- --base-url {} --api-key {}{ca}",
        emulator.base_url(),
        emulator.api_keys().first().map_or(DEFAULT_API_KEY_ID, String::as_str)
    );
    let _ = out.flush();
    drop(out);
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    emulator.shutdown();
    // stdout may be closed by now (a parent that read only the first line): never panic on it.
    let _ = writeln!(std::io::stdout().lock(), "cotter-emulator stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn parse(args: &[&str]) -> Result<Option<cotter_emulator::Config>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
            .and_then(|cli| cli.map(|cli| cli.resolve_tls().map(|(config, _)| config)).transpose())
    }

    #[test]
    fn flags() {
        let config = parse(&[
            "--port",
            "8080",
            "--api-key",
            "a",
            "--api-key=b",
            "--seed",
            "5",
            "--token-ttl",
            "60",
        ])
        .expect("valid")
        .expect("config");
        assert_eq!(config.port, 8080);
        assert!(config.host.is_loopback());
        assert_eq!(config.api_keys, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(config.seed, Some(5));
        assert_eq!(config.token_ttl, 60);
        let config = parse(&[
            "--redirect-url",
            "cotter://auth",
            "--reuse-interval",
            "0",
            "--allowed-host",
            "127.0.0.1",
            "--allowed-host=box.test:8080",
            "--allowed-origin",
            "https://app.test",
            "--quiet",
            "--log-requests",
            "--state",
            "/tmp/s.json",
        ])
        .expect("valid")
        .expect("config");
        assert_eq!(config.redirect_urls, vec!["cotter://auth".to_owned()]);
        assert_eq!(config.allowed_hosts, vec!["127.0.0.1".to_owned(), "box.test:8080".to_owned()]);
        assert_eq!(config.reuse_interval, 0);
        assert!(!config.log_outbox);
        assert!(config.log_requests);
        assert_eq!(config.state_file, Some("/tmp/s.json".into()));
        assert_eq!(config.allowed_origins, vec!["https://app.test".to_owned()]);
        let config = parse(&["--host", "0.0.0.0", "--public-url", "http://192.168.1.5:8080"])
            .expect("valid")
            .expect("config");
        assert!(config.host.is_unspecified());
        assert_eq!(config.public_url.as_deref(), Some("http://192.168.1.5:8080"));
        assert_eq!(parse(&["--help"]), Ok(None));
    }

    #[test]
    fn errors() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "70000"]).is_err());
        assert!(parse(&["--seed", "-1"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--allowed-host"]).is_err());
        assert!(parse(&["--host", "localhost"]).is_err());
    }

    #[test]
    fn tls_flags() {
        use cotter_emulator::Tls;
        assert_eq!(parse(&["--tls"]).expect("valid").expect("config").tls, Some(Tls::Generated));
        assert_eq!(parse(&[]).expect("valid").expect("config").tls, None);
        let cli = parse_args(["--tls", "--tls-ca-out", "ca.pem"].iter().map(|s| (*s).to_owned()))
            .expect("valid")
            .expect("cli");
        let (config, out) = cli.resolve_tls().expect("valid");
        assert_eq!((config.tls, out), (Some(Tls::Generated), Some("ca.pem".into())));
        for bad in [
            &["--tls-ca-out", "ca.pem"][..],
            &["--tls-cert", "c.pem"],
            &["--tls-key", "k.pem"],
            &["--tls", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca-out", "ca.pem"],
            &["--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"],
            &["--tls=yes"],
            &["--tls-ca-out"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
