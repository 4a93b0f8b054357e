//! The facade's failure paths against the emulator over HTTP: 5xx during refresh, JWKS key
//! rotation (and the re-fetch rate limit), and an `error=` redirect.

use cotter::store::MemoryStore;
use cotter::transport::UreqTransport;
use cotter::{Client, Clock, Config, Error, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};

struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

const KEY: &str = "cotter-dev-api-key";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn signed_in<'e>(
    emu: &'e Emulator,
    api: &'e str,
    page: &'e str,
) -> Client<'e, UreqTransport, MemoryStore<8192>, EmuClock<'e>> {
    let config = Config::new(KEY).base_url(api).hosted_page_url(page);
    let mut c = Client::new(config, UreqTransport::new(), MemoryStore::new(), EmuClock(emu))
        .expect("client");
    let (url, pending) = c
        .begin_login(LoginKind::EmailOtp, Some("zoe@example.com"), REDIRECT, &mut OsRandom)
        .expect("begin");
    let redirect = browser::complete_login(&url, "zoe@example.com").expect("user");
    c.complete_login(&pending, &redirect).expect("login");
    c
}

#[test]
fn server_errors_during_refresh_keep_the_session() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = signed_in(&emu, &api, &page);
    let old = c.access_token().expect("token").to_owned();

    // Inside the leeway window: the refresh fails with 503, the still-valid token is returned.
    emu.advance_clock(3600 - 30);
    emu.inject_failure("/api/v0/token", 503, 1);
    assert_eq!(c.access_token().expect("old token during a 503"), old);
    // Past exp: the 500 is reported, the session is kept (not cleared).
    emu.advance_clock(60);
    emu.inject_failure("/api/v0/token", 500, 1);
    match c.access_token() {
        Err(Error::Api { status: 500, .. }) => {}
        other => panic!("expected the 500: {other:?}"),
    }
    assert!(!c.api_message().contains("not valid"), "{}", c.api_message());
    assert!(c.is_signed_in().expect("load"), "a 5xx never destroys the session");
    // The server recovers: the next call refreshes.
    let new = c.access_token().expect("refreshed after recovery").to_owned();
    assert_ne!(new, old);
    // A 4xx that is not an invalid grant also keeps the session.
    emu.advance_clock(3600);
    emu.inject_failure("/api/v0/token", 429, 1);
    assert!(matches!(c.access_token(), Err(Error::Api { status: 429, .. })));
    assert!(c.is_signed_in().expect("load"));
    c.access_token().expect("and recovers");
}

#[test]
fn jwks_rotation_refetches_once_and_is_rate_limited() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = signed_in(&emu, &api, &page);
    assert_eq!(c.jwks_fetches(), 1);

    // A new signing key: the next refresh's tokens carry an unknown kid → one re-fetch.
    emu.rotate_key();
    emu.advance_clock(3600);
    c.access_token().expect("refresh under the new key");
    assert_eq!(c.jwks_fetches(), 2, "one re-fetch for the new kid");
    assert_eq!(emu.stats().jwks, 2);

    // Another rotation within 5 minutes of that fetch: no re-fetch allowed yet, so the new
    // tokens cannot be verified and are not stored; the session is kept.
    emu.advance_clock(10);
    emu.rotate_key();
    assert!(matches!(c.refresh(), Err(Error::Jwt(cotter_jwt::Error::UnknownKid))));
    assert_eq!(c.jwks_fetches(), 2, "rate-limited: no second re-fetch within 5 minutes");
    assert!(c.is_signed_in().expect("load"));
    // The server rotated the refresh token in that answer; the client kept the new one, so
    // once the re-fetch is allowed again the session carries on under the newest key.
    emu.advance_clock(301);
    c.refresh().expect("after the interval the new kid is fetched and the refresh succeeds");
    assert_eq!(c.jwks_fetches(), 3);
    c.access_token().expect("token");
}

#[test]
fn error_redirect_is_login_rejected() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new(KEY).base_url(&api).hosted_page_url(&page);
    let mut c: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("c");
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, None, REDIRECT, &mut OsRandom).expect("b");
    let state = url.split("state=").nth(1).and_then(|s| s.split('&').next()).expect("state");
    let rejected = format!("{REDIRECT}?error=access_denied&state={state}");
    assert!(matches!(c.complete_login(&pending, &rejected), Err(Error::LoginRejected)));
    // Three wrong OTPs on the hosted page end in an error redirect too.
    let (url, pending) = c
        .begin_login(LoginKind::EmailOtp, Some("x@example.com"), REDIRECT, &mut OsRandom)
        .expect("b");
    let redirect = browser::fail_login(&url, "x@example.com").expect("the user gives up");
    assert!(redirect.contains("error="), "{redirect}");
    assert!(matches!(c.complete_login(&pending, &redirect), Err(Error::LoginRejected)));
}
