//! Start-up configuration of an emulator (the library's [`Config`], the binary's flags).

use crate::tls::Tls;
use std::string::String;
use std::vec::Vec;

/// The API key ID accepted when no key is configured (`--api-key` not given).
pub const DEFAULT_API_KEY_ID: &str = "cotter-dev-api-key";

/// The `kid` of the first signing key: the one Cotter's production tokens carry.
pub const DEFAULT_KID: &str = "SPACE_JWT_PUBLIC:8028AAA3-EC2D-4BAA-BE7A-7C8359CCB9F9";

/// Default access/ID token lifetime and `expires_in`, in seconds.
pub const DEFAULT_TOKEN_TTL: u64 = 3600;

/// Default refresh-token reuse interval (grace window), in seconds.
pub const DEFAULT_REUSE_INTERVAL: u64 = 10;

/// Default number of worker threads.
pub const DEFAULT_WORKERS: usize = 32;

/// How an [`Emulator`](crate::Emulator) starts.
///
/// Build one with [`Config::new`] and the `with_*` methods:
///
/// ```
/// let config = cotter_emulator::Config::new().with_seed(7).with_api_key("my-key").with_token_ttl(60);
/// assert_eq!(config.token_ttl, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The address to listen on (`--host`); default `127.0.0.1`. Any other address makes the
    /// `/dev/` endpoints and the console reachable from the network.
    pub host: core::net::IpAddr,
    /// TCP port; `0` (the default) lets the OS pick a free one.
    pub port: u16,
    /// The base URL clients reach the emulator at (`--public-url`), used in magic links, the
    /// hosted page, `GET /` and [`Emulator::base_url`](crate::Emulator::base_url); its host is
    /// also served (the `Host` check). `None`: `http[s]://HOST:PORT`.
    pub public_url: Option<String>,
    /// Accepted API key IDs; empty means only [`DEFAULT_API_KEY_ID`].
    pub api_keys: Vec<String>,
    /// Allowed `redirect_url`s (exact match); empty means any `http://localhost[:port]`,
    /// `http://127.0.0.1[:port]` or `http://[::1][:port]` URL.
    pub redirect_urls: Vec<String>,
    /// Seed of the random generator: keys, codes, OTPs and refresh secrets repeat across runs that send the
    /// same requests in the same order. `None` seeds from the operating system.
    pub seed: Option<u64>,
    /// Access/ID token lifetime and `expires_in`, seconds.
    pub token_ttl: u64,
    /// Refresh-token reuse interval in seconds: a rotated refresh token presented again within this long
    /// after its rotation gets the tokens its rotation issued; later, the reuse revokes the session.
    /// `0` disables the grace window.
    pub reuse_interval: u64,
    /// `kid` of the initial signing key.
    pub kid: String,
    /// Worker threads, each serving one connection at a time.
    pub workers: usize,
    /// Print OTPs and magic links to stdout (the dev outbox holds them either way).
    pub log_outbox: bool,
    /// Print one line per request to stdout (`--log-requests`; `GET /dev/requests` has them either
    /// way).
    pub log_requests: bool,
    /// Extra `Host` header values to serve, each `name` (any port, or none) or `name:port`. Requests
    /// whose `Host` is neither one of these nor `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` (the
    /// listening port) get `421 Misdirected Request`: a web page cannot reach the emulator through DNS
    /// rebinding.
    pub allowed_hosts: Vec<String>,
    /// Origins (`http[s]://host[:port]`) whose pages may call the API, besides any
    /// `http://localhost[:port]` and `http://127.0.0.1[:port]`; others get no CORS headers.
    pub allowed_origins: Vec<String>,
    /// Stop the clock at the time the emulator starts: it then moves only by `/dev/clock`
    /// advances (`Emulator::advance_clock`). For tests that count seconds exactly, which a real
    /// second ticking by in the middle would upset. Library only.
    pub frozen_clock: bool,
    /// Load the state from this file at start (when it exists) and write it there after every
    /// change (`--state FILE`). `None` (the default): memory only.
    pub state_file: Option<std::path::PathBuf>,
    /// Serve HTTPS instead of HTTP (`None`, the default: plain HTTP). The base URL, the hosted page and
    /// magic links then use `https://`.
    pub tls: Option<Tls>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: core::net::IpAddr::V4(core::net::Ipv4Addr::LOCALHOST),
            port: 0,
            public_url: None,
            api_keys: Vec::new(),
            redirect_urls: Vec::new(),
            seed: None,
            token_ttl: DEFAULT_TOKEN_TTL,
            reuse_interval: DEFAULT_REUSE_INTERVAL,
            kid: String::from(DEFAULT_KID),
            workers: DEFAULT_WORKERS,
            log_outbox: true,
            log_requests: false,
            frozen_clock: false,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            state_file: None,
            tls: None,
        }
    }
}

impl Config {
    /// The defaults: free port, the development API key, loopback redirects, OS randomness, 3600 s tokens.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens on `host` instead of 127.0.0.1 (e.g. `0.0.0.0` for phones and simulators on the
    /// network; the `/dev/` endpoints are then reachable from it too).
    #[must_use]
    pub fn with_host(mut self, host: core::net::IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The base URL clients use (`http[s]://host[:port]`, e.g. the machine's LAN address or a
    /// tunnel): magic links and the hosted page name it, and its host passes the `Host` check.
    #[must_use]
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Listens on `port` (0 = any free port).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accepts `api_key_id` (call repeatedly for several keys; replaces the default key).
    #[must_use]
    pub fn with_api_key(mut self, api_key_id: impl Into<String>) -> Self {
        self.api_keys.push(api_key_id.into());
        self
    }

    /// Allows exactly `url` as a redirect target (call repeatedly; replaces the loopback default).
    #[must_use]
    pub fn with_redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_urls.push(url.into());
        self
    }

    /// Makes keys and codes deterministic.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets the token lifetime (`expires_in`).
    #[must_use]
    pub fn with_token_ttl(mut self, seconds: u64) -> Self {
        self.token_ttl = seconds;
        self
    }

    /// Sets the refresh-token reuse interval.
    #[must_use]
    pub fn with_reuse_interval(mut self, seconds: u64) -> Self {
        self.reuse_interval = seconds;
        self
    }

    /// Sets the `kid` of the initial signing key.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    /// Sets the number of worker threads (at least 1).
    #[must_use]
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Stops the clock at the start time (see [`Config::frozen_clock`]).
    #[must_use]
    pub fn with_frozen_clock(mut self) -> Self {
        self.frozen_clock = true;
        self
    }

    /// Turns printing of outbox messages to stdout on or off.
    #[must_use]
    pub fn with_log_outbox(mut self, log: bool) -> Self {
        self.log_outbox = log;
        self
    }

    /// Turns printing of one line per request to stdout on or off.
    #[must_use]
    pub fn with_log_requests(mut self, log: bool) -> Self {
        self.log_requests = log;
        self
    }

    /// Also serves requests whose `Host` is `host` (a name or IP literal, with or without `:port`; call
    /// repeatedly). Without a port, the name matches with any port or none, e.g. `127.0.0.1` for a client
    /// whose base URL names no port because its connection is bridged, as the QEMU firmware's is.
    #[must_use]
    pub fn with_allowed_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into());
        self
    }

    /// Lets pages at `origin` (`http[s]://host[:port]`, exactly) call the API from the browser
    /// (CORS, with credentials); call repeatedly. Loopback `http` origins are always allowed.
    #[must_use]
    pub fn with_allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Keeps the state in `path`: loaded at start when the file exists, written atomically after
    /// every change (see the README's *State that survives a restart*).
    #[must_use]
    pub fn with_state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Serves HTTPS: with a certificate made at start ([`Tls::Generated`]) or the user's own
    /// ([`Tls::Pem`]).
    #[must_use]
    pub fn with_tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The API keys in force (the configured ones, or the default one).
    pub(crate) fn effective_api_keys(&self) -> Vec<String> {
        if self.api_keys.is_empty() {
            vec![String::from(DEFAULT_API_KEY_ID)]
        } else {
            self.api_keys.clone()
        }
    }
}
