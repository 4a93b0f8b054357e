//! The `cotter` facade end to end against the emulator over real HTTP on 127.0.0.1 with
//! `UreqTransport`: sign-in, cached and refreshed access tokens, rotation, logout, and the
//! failure paths. Requests are counted by the emulator.

use cotter::store::MemoryStore;
use cotter::transport::UreqTransport;
use cotter::{Client, Clock, Config, Error, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};

/// The emulator's own clock (which tests move forward with `advance_clock`).
struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

type TestClient<'c> = Client<'c, UreqTransport, MemoryStore<8192>, EmuClock<'c>>;

const KEY: &str = "cotter-dev-api-key";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn emulator() -> Emulator {
    Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emulator starts")
}

fn client<'c>(emu: &'c Emulator, api: &'c str, page: &'c str) -> TestClient<'c> {
    let config = Config::new(KEY).base_url(api).hosted_page_url(page);
    Client::new(config, UreqTransport::new(), MemoryStore::new(), EmuClock(emu)).expect("client")
}

fn sign_in(c: &mut TestClient<'_>, who: &str) {
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, Some(who), REDIRECT, &mut OsRandom).expect("begin");
    let redirect = browser::complete_login(&url, who).expect("the user signs in");
    c.complete_login(&pending, &redirect).expect("complete_login");
}

#[test]
fn sign_in_cached_token_refresh_and_logout() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    assert!(matches!(c.access_token(), Err(Error::NotSignedIn)));

    let before = emu.stats();
    sign_in(&mut c, "ada@example.com");
    let after_login = emu.stats();
    // Per login: one code exchange and one JWKS fetch (plus the hosted page's own requests).
    assert_eq!(after_login.get_identity - before.get_identity, 1);
    assert_eq!(after_login.jwks - before.jwks, 1);
    assert_eq!(after_login.refresh, before.refresh);
    assert_eq!(c.prepared_keys(), 1, "on std the JWKS key is prepared for fast verification");

    let first = c.access_token().expect("token").to_owned();
    let jwks: String = ureq_get(&format!("{api}/token/jwks"));
    let keys = cotter_jwt::Jwks::<4>::from_json(&jwks).expect("jwks");
    let mut buf = vec![0u8; 2048];
    let v = cotter_jwt::Validation::cotter(KEY, emu.now());
    let t = keys.verify(&first, &v, &mut buf).expect("the stored access token verifies");
    assert!(t.claims().cotter_access().expect("access claims").authentication_method.eq_str("OTP"));

    // Cached: zero requests.
    let cached = emu.stats();
    for _ in 0..100 {
        assert_eq!(c.access_token().expect("cached"), first);
    }
    assert_eq!(emu.stats().total, cached.total, "a cached access token costs zero requests");

    // Past expiry (minus leeway): exactly one refresh, rotated refresh token, new token.
    let old_refresh = stored_refresh(&mut c);
    emu.advance_clock(3600 - 30);
    let renewed = c.access_token().expect("refreshed").to_owned();
    assert_ne!(renewed, first);
    let s = emu.stats();
    assert_eq!(s.refresh - cached.refresh, 1, "one refresh request");
    assert_eq!(s.jwks, cached.jwks, "no JWKS re-fetch for a known kid");
    assert_eq!(s.total - cached.total, 1, "a refresh is one request");
    let new_refresh = stored_refresh(&mut c);
    assert_ne!(new_refresh, old_refresh, "the refresh token rotated");
    assert_eq!(new_refresh.split(':').next(), old_refresh.split(':').next(), "same id prefix");

    // Logout: local session gone, refresh token revoked on the server.
    c.logout().expect("logout");
    assert!(matches!(c.access_token(), Err(Error::NotSignedIn)));
    assert!(c.store_mut().is_empty());
    assert_eq!(emu.stats().revoke, 1);
    let (status, body) = ureq_post(&format!("{api}/token/{KEY}"), &new_refresh);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not valid"));
}

fn stored_refresh(c: &mut TestClient<'_>) -> String {
    let mut buf = vec![0u8; 8192];
    let s = cotter::store::TokenStore::load(c.store_mut(), &mut buf).expect("load").expect("some");
    s.refresh_token.to_owned()
}

fn ureq_get(url: &str) -> String {
    let mut t = UreqTransport::new();
    let mut buf = vec![0u8; 65536];
    let r =
        cotter::transport::Transport::send(&mut t, &cotter::transport::Request::get(url), &mut buf)
            .expect("get");
    String::from_utf8(r.body.to_vec()).expect("utf8")
}

fn ureq_post(url: &str, refresh_token: &str) -> (u16, String) {
    let body = format!(r#"{{"grant_type":"refresh_token","refresh_token":"{refresh_token}"}}"#);
    let headers = [("API_KEY_ID", KEY), ("Content-Type", "application/json")];
    let req = cotter::transport::Request::post(url, body.as_bytes()).with_headers(&headers);
    let mut t = UreqTransport::new();
    let mut buf = vec![0u8; 65536];
    let r = cotter::transport::Transport::send(&mut t, &req, &mut buf).expect("post");
    (r.status, String::from_utf8(r.body.to_vec()).expect("utf8"))
}

#[test]
fn magic_link_sign_in() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    let (url, pending) = c
        .begin_login(LoginKind::EmailMagicLink, Some("bob@example.com"), REDIRECT, &mut OsRandom)
        .expect("begin");
    let redirect = browser::complete_login(&url, "bob@example.com").expect("magic link");
    c.complete_login(&pending, &redirect).expect("complete");
    c.access_token().expect("token");
}

#[test]
fn wrong_state_and_rejections() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    let (url, pending) = c
        .begin_login(LoginKind::EmailOtp, Some("eve@example.com"), REDIRECT, &mut OsRandom)
        .expect("b");
    let (_, other) = c
        .begin_login(LoginKind::EmailOtp, Some("eve@example.com"), REDIRECT, &mut OsRandom)
        .expect("b");
    let redirect = browser::complete_login(&url, "eve@example.com").expect("sign in");
    assert!(matches!(c.complete_login(&other, &redirect), Err(Error::StateMismatch)));
    let no_state = redirect.split("&state=").next().unwrap_or_default().to_owned();
    assert!(matches!(c.complete_login(&pending, &no_state), Err(Error::StateMismatch)));
    let rejected = format!("{REDIRECT}?error=access_denied&state=x");
    assert!(matches!(
        c.complete_login(&pending, &rejected),
        Err(Error::StateMismatch | Error::LoginRejected)
    ));
    // The right state succeeds once; the code is single-use.
    c.complete_login(&pending, &redirect).expect("first use");
    match c.complete_login(&pending, &redirect) {
        Err(Error::Api { status: 400, .. }) => {}
        other => panic!("reused code: {other:?}"),
    }
}

#[test]
fn revoked_refresh_token_expires_the_session_and_clears_the_store() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut c = client(&emu, &api, &page);
    sign_in(&mut c, "carol@example.com");
    let refresh = stored_refresh(&mut c);
    // Revoke it behind the client's back.
    let body = format!(r#"{{"refresh_token":"{refresh}"}}"#);
    let headers = [("API_KEY_ID", KEY), ("Content-Type", "application/json")];
    let url = format!("{api}/token/{KEY}");
    let req = cotter::transport::Request::new(cotter::transport::Method::Delete, &url)
        .with_headers(&headers)
        .with_body(body.as_bytes());
    let mut buf = vec![0u8; 4096];
    cotter::transport::Transport::send(&mut UreqTransport::new(), &req, &mut buf).expect("revoke");
    emu.advance_clock(3600);
    assert!(matches!(c.access_token(), Err(Error::SessionExpired)));
    assert!(c.store_mut().is_empty(), "SessionExpired clears the store");
}

#[test]
fn server_down_keeps_the_session() {
    let emu = emulator();
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let mut store = MemoryStore::<8192>::new();
    {
        let mut c = Client::<_, _, _>::new(
            Config::new(KEY).base_url(&api).hosted_page_url(&page),
            UreqTransport::new(),
            &mut store,
            EmuClock(&emu),
        )
        .expect("client");
        sign_in_generic(&mut c, "dan@example.com");
    }
    let now = emu.now();
    drop(emu);
    // A client pointed at a port where nothing listens any more: inside the leeway window,
    // the still-valid token is returned; past exp, the network error; the session is kept.
    let clock = cotter::ManualClock::new(now + 3600 - 30);
    let mut c = Client::<_, _, _>::new(
        Config::new(KEY).base_url(&api).hosted_page_url(&page),
        UreqTransport::new(),
        &mut store,
        &clock,
    )
    .expect("client");
    c.access_token().expect("old token still valid during the outage");
    clock.advance(60);
    assert!(matches!(c.access_token(), Err(Error::Transport(_))));
    assert!(c.is_signed_in().expect("load"), "the session survives a network error");
}

fn sign_in_generic<S: cotter::store::TokenStore, C: Clock>(
    c: &mut Client<'_, UreqTransport, S, C>,
    who: &str,
) {
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, Some(who), REDIRECT, &mut OsRandom).expect("begin");
    let redirect = browser::complete_login(&url, who).expect("the user signs in");
    c.complete_login(&pending, &redirect).expect("complete_login");
}
