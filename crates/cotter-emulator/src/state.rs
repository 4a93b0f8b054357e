//! Everything the emulator remembers, in memory behind one lock: users and devices, hosted-page logins,
//! authorization codes, refresh sessions, events, the dev outbox, keys and the movable clock.

mod devices;
mod events;
mod login;
mod persist;
mod sessions;
mod users;

pub(crate) use events::EventBody;
pub(crate) use login::{GetIdentityBody, LoginParams, OtpOutcome};
pub(crate) use persist::Snapshot;
pub(crate) use sessions::Refresh;
pub(crate) use users::zero_user;

use crate::crypto::keys::Keys;
use crate::host::HostCheck;
use crate::http::Response;
use crate::util::rng::Csprng;
use crate::wire::OutboxEntry;
use std::collections::{BTreeMap, HashMap};
use std::string::String;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::vec::Vec;

/// Fixed settings of one emulator.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) api_keys: Vec<String>,
    pub(crate) redirect_urls: Vec<String>,
    pub(crate) token_ttl: u64,
    pub(crate) reuse_interval: u64,
    pub(crate) log_outbox: bool,
    /// Print one line per request (`--log-requests`).
    pub(crate) log_requests: bool,
    /// `http://127.0.0.1:PORT`, or `https://…` with TLS.
    pub(crate) base_url: String,
    /// The `Host` values requests may carry (DNS-rebinding guard).
    pub(crate) hosts: HostCheck,
    /// The origins whose pages may read the API (CORS).
    pub(crate) origins: crate::cors::Origins,
    /// With a frozen clock, the system time at start: the clock's base instead of the time now.
    pub(crate) frozen_at: Option<u64>,
    /// `kid` of the first signing key (and of the first after `POST /dev/reset`).
    pub(crate) kid: String,
    /// `--seed`: a state loaded from a file reseeds the generator from it and the load count.
    pub(crate) seed: Option<u64>,
}

impl Settings {
    /// Whether the emulator serves HTTPS.
    pub(crate) fn https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// Whether `key` is an accepted API key ID.
    pub(crate) fn known_key(&self, key: &str) -> bool {
        self.api_keys.iter().any(|k| k == key)
    }

    /// Whether `url` may receive codes: listed exactly, or loopback `http` when no list is configured.
    pub(crate) fn redirect_allowed(&self, url: &str) -> bool {
        if url.chars().any(char::is_control) {
            return false;
        }
        if self.redirect_urls.is_empty() {
            crate::util::url::is_loopback_http(url)
        } else {
            self.redirect_urls.iter().any(|allowed| allowed == url)
        }
    }
}

/// A request the emulator refuses: status, Cotter error `type`, and `msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) kind: &'static str,
    pub(crate) msg: String,
}

impl Failure {
    /// 400 with `kind`.
    pub(crate) fn bad(kind: &'static str, msg: impl Into<String>) -> Self {
        Self { status: 400, kind, msg: msg.into() }
    }

    /// 401: unknown or missing API key.
    pub(crate) fn unauthorized(msg: impl Into<String>) -> Self {
        Self { status: 401, kind: "unauthorized", msg: msg.into() }
    }

    /// 404.
    pub(crate) fn not_found(msg: impl Into<String>) -> Self {
        Self { status: 404, kind: "not_found", msg: msg.into() }
    }

    /// The JSON error response.
    pub(crate) fn into_response(self) -> Response {
        Response::error(self.status, self.kind, &self.msg)
    }
}

/// The mutable state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) settings: Arc<Settings>,
    pub(crate) rng: Csprng,
    pub(crate) keys: Keys,
    clock_offset: u64,
    users: HashMap<String, users::User>,
    logins: HashMap<String, login::Login>,
    magic_links: HashMap<String, String>,
    codes: HashMap<String, login::AuthCode>,
    next_challenge_id: u64,
    sessions: HashMap<u64, sessions::Session>,
    next_session_id: u64,
    events: BTreeMap<u64, events::Event>,
    next_event_id: u64,
    /// Device signatures already accepted, with the time they stop mattering (replay guard).
    seen_signatures: HashMap<String, u64>,
    outbox: Vec<OutboxEntry>,
    /// Lines for the stdout logger thread, when outbox logging is on.
    log: Option<SyncSender<String>>,
    /// How many times this state was loaded from a `--state` file (reseeds a seeded generator, so
    /// that a restart does not draw the same secrets again).
    loads: u64,
}

impl State {
    pub(crate) fn new(settings: Arc<Settings>, rng: Csprng, keys: Keys) -> Self {
        let log = if settings.log_outbox { spawn_logger("log") } else { None };
        Self {
            log,
            settings,
            rng,
            keys,
            clock_offset: 0,
            users: HashMap::new(),
            logins: HashMap::new(),
            magic_links: HashMap::new(),
            codes: HashMap::new(),
            next_challenge_id: 1,
            sessions: HashMap::new(),
            next_session_id: 1,
            events: BTreeMap::new(),
            next_event_id: 1,
            seen_signatures: HashMap::new(),
            outbox: Vec::new(),
            loads: 0,
        }
    }

    /// The emulator clock: system time (or the start time, when frozen) plus every `/dev/clock`
    /// advance, Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        let base = self.settings.frozen_at.unwrap_or_else(system_time);
        base.saturating_add(self.clock_offset)
    }

    /// Forgets everything but the configuration (`POST /dev/reset`): users, devices, sessions,
    /// events, logins, codes, the outbox and the clock offset; new signing keys (the first with the
    /// configured `kid`). The random generator carries on.
    pub(crate) fn reset(&mut self) {
        self.keys = Keys::generate(&mut self.rng, self.settings.kid.clone());
        self.clock_offset = 0;
        self.users.clear();
        self.logins.clear();
        self.magic_links.clear();
        self.codes.clear();
        self.next_challenge_id = 1;
        self.sessions.clear();
        self.next_session_id = 1;
        self.events.clear();
        self.next_event_id = 1;
        self.seen_signatures.clear();
        self.outbox.clear();
    }

    /// How far `/dev/clock` has moved the clock, seconds.
    pub(crate) fn clock_offset(&self) -> u64 {
        self.clock_offset
    }

    /// Moves the clock forward; returns the total offset.
    pub(crate) fn advance_clock(&mut self, seconds: u64) -> u64 {
        self.clock_offset = self.clock_offset.saturating_add(seconds);
        self.clock_offset
    }

    /// Outbox messages, oldest first, optionally for one identifier.
    pub(crate) fn outbox(&self, identifier: Option<&str>) -> Vec<OutboxEntry> {
        self.outbox
            .iter()
            .filter(|entry| identifier.is_none_or(|wanted| entry.identifier == wanted))
            .cloned()
            .collect()
    }

    fn push_outbox(&mut self, entry: OutboxEntry) {
        if let Some(log) = &self.log {
            let line = match (&entry.otp, &entry.magic_link) {
                (Some(otp), _) => {
                    format!("[cotter-emulator outbox] to {}: OTP {otp}", entry.identifier)
                }
                (None, Some(link)) => {
                    format!("[cotter-emulator outbox] to {}: magic link {link}", entry.identifier)
                }
                (None, None) => String::new(),
            };
            // Never block a request on stdout: a full log queue drops the line (the outbox keeps it).
            let _ = log.try_send(line);
        }
        // Bounded: a long-running emulator keeps the newest 10 000 messages.
        if self.outbox.len() >= 10_000 {
            self.outbox.remove(0);
        }
        self.outbox.push(entry);
    }
}

/// A thread that writes log lines to stdout (flushed, errors ignored); it ends when its sender is
/// dropped. `name` names the thread (`cotter-emulator-NAME`).
pub(crate) fn spawn_logger(name: &str) -> Option<SyncSender<String>> {
    let (sender, lines) = std::sync::mpsc::sync_channel::<String>(1024);
    let thread = format!("cotter-emulator-{name}");
    let spawned = std::thread::Builder::new().name(thread).spawn(move || {
        use std::io::Write as _;
        for line in lines {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
    spawned.ok().map(|_| sender)
}

/// Constant-time equality of two strings' bytes (lengths are not secret).
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;

/// The system clock in Unix seconds.
pub(crate) fn system_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
