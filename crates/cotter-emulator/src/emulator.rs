//! The running emulator: start, addresses, test controls, shutdown on drop.

use crate::app::App;
use crate::config::Config;
use crate::crypto::keys::Keys;
use crate::error::Error;
use crate::host::HostCheck;
use crate::http::Server;
use crate::state::{Settings, State};
use crate::stats::Stats;
use crate::util::rng::Csprng;
use core::net::SocketAddr;
use std::net::TcpListener;
use std::string::String;
use std::sync::Arc;
use std::vec::Vec;

/// A message the emulator "sent" instead of an email or SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxMessage {
    /// The email address or phone number it went to.
    pub identifier: String,
    /// The 6-digit code, for OTP sign-ins.
    pub otp: Option<String>,
    /// The link that completes the sign-in, for magic-link sign-ins.
    pub magic_link: Option<String>,
    /// When it was sent (emulator clock), RFC 3339.
    pub created_at: String,
}

/// A running emulator on 127.0.0.1. Dropping it stops the server and joins its threads.
pub struct Emulator {
    app: Arc<App>,
    server: Server,
    /// The generated CA certificate (PEM), with [`Tls::Generated`](crate::Tls::Generated).
    tls_ca_pem: Option<String>,
    /// Serving HTTPS: the scripted user trusts this emulator's certificate until it stops.
    tls: bool,
    /// `http[s]://ADDRESS:PORT`.
    listen_url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.shutdown();
        if self.tls {
            crate::browser::unregister(self.local_addr().port());
        }
    }
}

impl core::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The state holds OTPs, codes and refresh secrets: never print it.
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .field("api_keys", &self.api_keys())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds `config.host` (127.0.0.1 by default) on `config.port` and starts serving.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for an empty or malformed API key ID, `kid` or allowed host, [`Error::Tls`]
    /// for a PEM certificate chain or key that cannot be used, [`Error::Bind`] when the port cannot be
    /// bound, [`Error::Spawn`] when a thread cannot be started, [`Error::Entropy`] when the operating
    /// system gives no random bytes for the generator's seed.
    pub fn start(config: Config) -> Result<Self, Error> {
        let api_keys = config.effective_api_keys();
        if api_keys.iter().any(|k| {
            k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
        }) {
            return Err(Error::InvalidConfig(
                "API key IDs must be 1-200 printable ASCII characters without '/'",
            ));
        }
        if config.kid.is_empty() {
            return Err(Error::InvalidConfig("kid must not be empty"));
        }
        let public_url = match &config.public_url {
            Some(url) => Some(public_authority(url)?),
            None => None,
        };
        let mut allowed_hosts = config.allowed_hosts.clone();
        allowed_hosts.extend(public_url.as_ref().map(|(_, authority)| authority.clone()));
        let hosts = HostCheck::new(&allowed_hosts)?;
        let origins = crate::cors::Origins::new(&config.allowed_origins)?;
        let tls = match &config.tls {
            Some(tls) => Some(crate::tls::setup(tls, config.seed).map_err(Error::Tls)?),
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind((config.host, config.port)).map_err(Error::Bind)?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let listen_url = format!("{scheme}://{addr}");
        let hosts = if config.host.is_unspecified() {
            hosts
        } else {
            // Its own address, as clients on the network name it.
            let mut with_addr = allowed_hosts;
            with_addr.push(addr.to_string());
            HostCheck::new(&with_addr)?
        };
        let settings = Arc::new(Settings {
            api_keys,
            redirect_urls: config.redirect_urls.clone(),
            token_ttl: config.token_ttl,
            reuse_interval: config.reuse_interval,
            log_outbox: config.log_outbox,
            log_requests: config.log_requests,
            base_url: public_url.map_or_else(|| listen_url.clone(), |(url, _)| url),
            hosts: hosts.bound_to(addr.port()),
            origins,
            frozen_at: config.frozen_clock.then(crate::state::system_time),
            kid: config.kid.clone(),
            seed: config.seed,
        });
        let mut rng = match config.seed {
            Some(seed) => Csprng::from_seed(seed),
            None => Csprng::from_os().map_err(|e| Error::Entropy(e.into()))?,
        };
        let keys = Keys::generate(&mut rng, config.kid.clone());
        let mut state = State::new(Arc::clone(&settings), rng, keys);
        let state_file = config.state_file.clone().map(crate::statefile::StateFile::new);
        if let Some(file) = &state_file {
            file.remove_stale_temporaries();
            let shown = file.path().display().to_string();
            let text = file.read().map_err(|e| Error::State(format!("{shown}: {e}")))?;
            if let Some(text) = text {
                let snapshot = serde_json::from_str(&text)
                    .map_err(|e| Error::State(format!("{shown} is not a saved state: {e}")))?;
                state.restore(snapshot).map_err(|e| Error::State(format!("{shown}: {e}")))?;
                state.reseed();
            }
        }
        let app = Arc::new(App::new(Arc::clone(&settings), state, state_file));
        // Written once at start: the file exists and is writable before the first request.
        app.persist().map_err(|e| Error::State(format!("cannot write it: {e}")))?;
        let handler: Arc<dyn crate::http::Handler> = app.clone();
        let (tls_config, anchor, tls_ca_pem) = match tls {
            Some(setup) => (Some(setup.config), Some(setup.anchor), setup.ca_pem),
            None => (None, None, None),
        };
        let server =
            Server::start(listener, config.workers, handler, tls_config).map_err(Error::Spawn)?;
        let tls = anchor.is_some();
        if let Some(anchor) = anchor {
            crate::browser::register(addr.port(), anchor);
        }
        Ok(Self { app, server, tls_ca_pem, tls, listen_url })
    }

    /// The URL clients use: `http://127.0.0.1:PORT` (`https://…` with TLS, the `--host` address
    /// instead of 127.0.0.1), or the [`Config::public_url`].
    pub fn base_url(&self) -> &str {
        &self.app.settings.base_url
    }

    /// `http[s]://ADDRESS:PORT` of the listening socket (what the binary's first line names).
    pub fn listen_url(&self) -> &str {
        &self.listen_url
    }

    /// The CA certificate (PEM) that signed the server certificate made at start with
    /// [`Tls::Generated`](crate::Tls::Generated): what a client must trust to connect. `None` for plain
    /// HTTP and for the user's own certificate ([`Tls::Pem`](crate::Tls::Pem)).
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.tls_ca_pem.as_deref()
    }

    /// `http[s]://127.0.0.1:PORT/api/v0`: the base URL to give a Cotter client.
    pub fn api_base(&self) -> String {
        format!("{}/api/v0", self.base_url())
    }

    /// `http[s]://127.0.0.1:PORT/app`: the hosted login page (stand-in for `https://js.cotter.app/app`).
    pub fn hosted_page_url(&self) -> String {
        format!("{}/app", self.base_url())
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The API key IDs it accepts.
    pub fn api_keys(&self) -> &[String] {
        &self.app.settings.api_keys
    }

    /// Request counts per endpoint class, and refresh-token reuse counts, since start.
    pub fn stats(&self) -> Stats {
        self.app.counters.snapshot()
    }

    /// The emulator clock, Unix seconds.
    pub fn now(&self) -> u64 {
        self.app.lock().now()
    }

    /// Moves the emulator clock forward by `seconds` (token `iat`/`exp` and every expiry check follow it).
    pub fn advance_clock(&self, seconds: u64) {
        self.app.lock().advance_clock(seconds);
        self.app.persist_or_report();
    }

    /// Makes a new signing key the current one and returns its `kid`; the previous key stays in the JWKS
    /// until the next rotation.
    pub fn rotate_key(&self) -> String {
        let kid = {
            let mut state = self.app.lock();
            let state = &mut *state;
            state.keys.rotate(&mut state.rng)
        };
        self.app.persist_or_report();
        kid
    }

    /// Makes the next `count` requests whose path starts with `prefix` (e.g. `/api/v0/token`)
    /// fail with `status` (400–599) and a JSON error that is not an invalid-grant message, like
    /// `POST /dev/fail {"prefix": …, "status": …, "count": …}`.
    ///
    /// # Panics
    ///
    /// When `status` is not 400–599 or `count` is 0.
    pub fn inject_failure(&self, prefix: &str, status: u16, count: u32) {
        let request = serde_json::json!({ "prefix": prefix, "status": status, "times": count });
        let request = serde_json::from_value(request).expect("a well-formed fault");
        if let Err(e) = self.app.faults().add(request) {
            panic!("inject_failure: {}", e.msg);
        }
    }

    /// Injects a fault described as the JSON body of `POST /dev/fail` (e.g. `{"prefix":
    /// "/api/v0/token", "kind": "reset"}`); returns its id, as `GET /dev/fail` lists it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `fault` is not a valid fault (the message says why, as the
    /// endpoint's 400 would).
    pub fn inject_fault(&self, fault: &serde_json::Value) -> Result<u64, Error> {
        let request = serde_json::from_value(fault.clone())
            .map_err(|_| Error::InvalidConfig("not a POST /dev/fail body"))?;
        self.app
            .faults()
            .add(request)
            .map(|f| f.id)
            .map_err(|_| Error::InvalidConfig("invalid fault (POST /dev/fail would answer 400)"))
    }

    /// Removes every injected fault (`DELETE /dev/fail`).
    pub fn clear_faults(&self) {
        self.app.faults().clear();
    }

    /// The whole state as the JSON document `GET /dev/export` returns and `--state` files hold
    /// (private keys and refresh secrets included: keep it like a password file).
    pub fn export_state(&self) -> String {
        let snapshot = self.app.lock().snapshot();
        serde_json::to_string_pretty(&snapshot).unwrap_or_default()
    }

    /// Replaces the state with an exported one (`POST /dev/import`); logins in progress end.
    ///
    /// # Errors
    ///
    /// [`Error::State`] when `json` is not an exported state or its keys do not parse.
    pub fn import_state(&self, json: &str) -> Result<(), Error> {
        let snapshot = serde_json::from_str(json)
            .map_err(|e| Error::State(format!("not an exported state: {e}")))?;
        {
            let mut state = self.app.lock();
            state.restore(snapshot).map_err(|e| Error::State(e.into()))?;
            state.reseed();
        }
        self.app.persist_or_report();
        Ok(())
    }

    /// The `kid` of the key that signs new tokens.
    pub fn current_kid(&self) -> String {
        self.app.lock().keys.current().kid.clone()
    }

    /// The Ed25519 public key (standard base64) that signs identity tokens and events.
    pub fn identity_public_key(&self) -> String {
        self.app.lock().keys.identity_public()
    }

    /// Outbox messages, oldest first; only those to `identifier` when given.
    pub fn outbox(&self, identifier: Option<&str>) -> Vec<OutboxMessage> {
        self.app
            .lock()
            .outbox(identifier)
            .into_iter()
            .map(|m| OutboxMessage {
                identifier: m.identifier,
                otp: m.otp,
                magic_link: m.magic_link,
                created_at: m.created_at,
            })
            .collect()
    }

    /// Stops the server now (also done on drop).
    pub fn shutdown(mut self) {
        self.server.shutdown();
    }
}

/// `(the URL without a trailing /, its host[:port])` of a `--public-url`.
fn public_authority(url: &str) -> Result<(String, String), Error> {
    let invalid =
        Error::InvalidConfig("the public URL must be http[s]://host[:port], without a path");
    let url = url.strip_suffix('/').unwrap_or(url);
    let authority =
        url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).ok_or(invalid)?;
    let invalid =
        Error::InvalidConfig("the public URL must be http[s]://host[:port], without a path");
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(invalid);
    }
    Ok((url.to_owned(), authority.to_owned()))
}

/// An [`App`] with default settings, not bound to a socket, for unit tests.
#[cfg(test)]
pub(crate) fn test_app() -> App {
    let settings = Arc::new(Settings {
        api_keys: vec![String::from(crate::DEFAULT_API_KEY_ID)],
        redirect_urls: Vec::new(),
        token_ttl: 3600,
        reuse_interval: 10,
        log_outbox: false,
        log_requests: false,
        base_url: "http://127.0.0.1:1".into(),
        hosts: crate::host::HostCheck::new(&[]).expect("no allowed hosts").bound_to(1),
        origins: crate::cors::Origins::default(),
        frozen_at: None,
        kid: "kid".into(),
        seed: None,
    });
    let mut rng = Csprng::from_seed(1);
    let keys = Keys::generate(&mut rng, "kid".into());
    App::new(Arc::clone(&settings), State::new(settings, rng, keys), None)
}
