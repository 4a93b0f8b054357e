//! Shared by the device tests: the emulator's clock, a transport that tampers with event
//! bodies, client builders, store helpers, token verification and request counting.

use cotter::store::{MemoryStore, TokenStore};
use cotter::transport::{ErrorType, Request, Response, Transport, UreqTransport};
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
pub(crate) use cotter_emulator::Emulator;
use cotter_emulator::browser;

/// The emulator's own clock (real time plus whatever a test advanced it by).
pub(crate) struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

/// How a [`Tamper`] transport changes `POST /event/create` bodies on their way out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Off,
    /// One character of the signature (`code`) flipped.
    Signature,
    /// The signed `event` name changed (the signature no longer covers the message).
    Message,
}

/// `UreqTransport` that can tamper with event bodies, like an attacker on the path would.
pub(crate) struct Tamper {
    inner: UreqTransport,
    pub(crate) mode: Mode,
}

impl ErrorType for Tamper {
    type Error = <UreqTransport as ErrorType>::Error;
}

impl Transport for Tamper {
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        if self.mode == Mode::Off || !req.url.contains("/event/create") {
            return self.inner.send(req, buf);
        }
        let body = String::from_utf8(req.body.to_vec()).expect("json body");
        let tampered = match self.mode {
            Mode::Signature => {
                let start = body.find("\"code\":\"").expect("code") + 8 + 10;
                let old = body.as_bytes()[start];
                let new = if old == b'A' { "B" } else { "A" };
                format!("{}{new}{}", &body[..start], &body[start + 1..])
            }
            _ => body.replace("\"LOGIN_WITH_DEVICE\"", "\"LOGIN\""),
        };
        assert_ne!(tampered, body);
        self.inner.send(&req.with_body(tampered.as_bytes()), buf)
    }
}

pub(crate) type TestClient<'c> = Client<'c, Tamper, MemoryStore<8192>, EmuClock<'c>>;

pub(crate) const KEY: &str = "cotter-dev-api-key";
pub(crate) const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub(crate) fn emulator() -> Emulator {
    // A frozen clock: the tests count simulated seconds exactly (polls per timeout), which a
    // real second ticking by mid-test would upset.
    Emulator::start(cotter_emulator::Config::new().with_log_outbox(false).with_frozen_clock())
        .expect("emulator starts")
}

pub(crate) fn client<'c>(emu: &'c Emulator, api: &'c str, page: &'c str) -> TestClient<'c> {
    with_store(emu, api, page, MemoryStore::new())
}

pub(crate) fn with_store<'c>(
    emu: &'c Emulator,
    api: &'c str,
    page: &'c str,
    store: MemoryStore<8192>,
) -> TestClient<'c> {
    let config = Config::new(KEY).base_url(api).hosted_page_url(page);
    let transport = Tamper { inner: UreqTransport::new(), mode: Mode::Off };
    Client::new(config, transport, store, EmuClock(emu)).expect("client")
}

pub(crate) fn sign_in(c: &mut TestClient<'_>, who: &str) {
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, Some(who), REDIRECT, &mut OsRandom).expect("begin");
    let redirect = browser::complete_login(&url, who).expect("the user signs in");
    c.complete_login(&pending, &redirect).expect("complete_login");
}

/// The stored record: (auth method, user ID, device key).
pub(crate) fn stored(c: &mut TestClient<'_>) -> (String, String, Option<[u8; 32]>) {
    let mut buf = vec![0u8; 8192];
    let s = c.store_mut().load(&mut buf).expect("load").expect("a record");
    (s.auth_method.to_owned(), s.user_id.to_owned(), s.device_key.copied())
}

/// A copy of the client's store, as another process (or the same app restarted) would see it.
pub(crate) fn copy_store(c: &mut TestClient<'_>) -> MemoryStore<8192> {
    let mut buf = vec![0u8; 8192];
    let mut copy = MemoryStore::new();
    if let Some(s) = c.store_mut().load(&mut buf).expect("load") {
        copy.save(&s).expect("save");
    }
    copy
}

/// The access token verified against the emulator's JWKS; returns its `authentication_method`.
pub(crate) fn verified_method(emu: &Emulator, api: &str, token: &str) -> String {
    let mut t = UreqTransport::new();
    let mut buf = vec![0u8; 65536];
    let url = format!("{api}/token/jwks");
    let r = t.send(&Request::get(&url), &mut buf).expect("jwks");
    let keys = cotter_jwt::Jwks::<4>::from_json(core::str::from_utf8(r.body).expect("utf8"))
        .expect("jwks");
    let mut scratch = vec![0u8; 4096];
    let v = cotter_jwt::Validation::cotter(KEY, emu.now());
    let verified = keys.verify(token, &v, &mut scratch).expect("the access token verifies");
    let claims = verified.claims().cotter_access().expect("access claims");
    claims.authentication_method.to_string()
}

/// Requests made by `f`, by endpoint class: (total, device, event, user, jwks).
pub(crate) fn count<R>(emu: &Emulator, f: impl FnOnce() -> R) -> (R, [u64; 5]) {
    let before = emu.stats();
    let r = f();
    let after = emu.stats();
    let d = [
        after.total - before.total,
        after.device - before.device,
        after.event - before.event,
        after.user - before.user,
        after.jwks - before.jwks,
    ];
    (r, d)
}
