//! The session survives what goes wrong around a token answer: a rotated refresh token is
//! kept even when the tokens beside it fail verification, a new sign-in replaces the old
//! session only once it verified, tokens of two different users are refused, a refresh token
//! that cannot be revoked is reported, and the server's message travels inside the error.

use cotter::store::{MemoryStore, Session, TokenStore};
use cotter::transport::{Request, Response, Transport, UreqTransport};
use cotter::{Client, Error, ManualClock};
use cotter_tests::{config, emulator, sign_in, transport};

type MemoryClient<'c> = Client<'c, UreqTransport, MemoryStore<8192>, &'c ManualClock>;

/// A client of `emu` on a memory store, with `clock`.
fn memory_client<'c>(emu: &cotter_emulator::Emulator, clock: &'c ManualClock) -> MemoryClient<'c> {
    Client::new(config(emu), transport(), MemoryStore::new(), clock).expect("client")
}

fn stored_refresh<S: TokenStore>(store: &mut S) -> String {
    let mut buf = vec![0u8; 8192];
    let s = store.load(&mut buf).ok().flatten().expect("a stored session");
    s.refresh_token.to_owned()
}

#[test]
fn rotated_refresh_token_is_kept_when_the_tokens_fail_verification() {
    // No grace window: presenting a retired refresh token revokes the session at once.
    let emu = emulator(cotter_emulator::Config::new().with_reuse_interval(0));
    let clock = ManualClock::new(emu.now());
    let mut c = memory_client(&emu, &clock);
    sign_in(&mut c, "fast@example.com").expect("sign-in");
    let first = stored_refresh(c.store_mut());

    // The device clock runs two hours fast: the refresh succeeds on the server, but its
    // tokens look expired here.
    clock.set(emu.now() + 2 * 3600);
    let err = c.access_token().expect_err("the new tokens look expired");
    assert!(matches!(err, Error::Jwt(cotter::jwt::Error::Expired)), "{err}");
    let rotated = stored_refresh(c.store_mut());
    assert_ne!(rotated, first, "the rotated refresh token was saved anyway");

    // The clock is corrected; the next refreshes use the rotated token.
    clock.set(emu.now());
    c.refresh().expect("a refresh with the rotated token");
    emu.advance_clock(3600);
    clock.set(emu.now());
    c.access_token().expect("the scheduled refresh an hour later");
    let stats = emu.stats();
    assert_eq!(stats.refresh, 3);
    assert_eq!(stats.reuse_revocations, 0, "no retired refresh token was presented");
}

#[test]
fn a_new_sign_in_replaces_the_session_only_once_it_verified() {
    let emu = emulator(cotter_emulator::Config::new());
    let clock = ManualClock::new(emu.now());
    let mut c = memory_client(&emu, &clock);
    sign_in(&mut c, "ada@example.com").expect("ada signs in");
    let ada_refresh = stored_refresh(c.store_mut());

    // Bob's sign-in answer fails verification (the clock is two hours fast).
    clock.set(emu.now() + 2 * 3600);
    let err = sign_in(&mut c, "bob@example.com").expect_err("bob's tokens look expired");
    assert!(matches!(err, Error::Jwt(cotter::jwt::Error::Expired)), "{err}");

    clock.set(emu.now());
    assert_eq!(stored_refresh(c.store_mut()), ada_refresh, "ada's session is still stored");
    let user = c.user().expect("ada is still signed in");
    assert_eq!(user.identifier.as_str(), "ada@example.com");
}

/// A transport that, on the way back from the code exchange, swaps the answer's ID token for
/// another one (a valid token of another user, as a confused or hostile server might send).
struct SwapIdToken {
    inner: UreqTransport,
    id_token: String,
}

impl cotter::transport::ErrorType for SwapIdToken {
    type Error = <UreqTransport as cotter::transport::ErrorType>::Error;
}

impl Transport for SwapIdToken {
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        let resp = self.inner.send(req, buf)?;
        let (status, len) = (resp.status, resp.body.len());
        if !req.url.contains("get_identity") {
            return Ok(Response::new(status, &buf[..len]));
        }
        let mut json: serde_json::Value = serde_json::from_slice(&buf[..len]).expect("JSON");
        json["oauth_token"]["id_token"] = self.id_token.clone().into();
        let body = serde_json::to_vec(&json).expect("JSON");
        buf[..body.len()].copy_from_slice(&body);
        Ok(Response::new(status, &buf[..body.len()]))
    }
}

#[test]
fn tokens_of_two_users_in_one_answer_are_refused() {
    let emu = emulator(cotter_emulator::Config::new());
    let clock = ManualClock::new(emu.now());
    let mut ada = memory_client(&emu, &clock);
    sign_in(&mut ada, "ada@example.com").expect("ada signs in");
    let mut buf = vec![0u8; 8192];
    let ada_id =
        ada.store_mut().load(&mut buf).expect("load").expect("session").id_token.to_owned();

    let swap = SwapIdToken { inner: transport(), id_token: ada_id };
    let mut c = Client::<_, _, _>::new(config(&emu), swap, MemoryStore::<8192>::new(), &clock)
        .expect("client");
    let err = sign_in(&mut c, "bob@example.com").expect_err("bob's access token, ada's ID token");
    assert!(matches!(err, Error::Jwt(cotter::jwt::Error::InvalidClaim("sub"))), "{err}");
    assert!(!c.is_signed_in().expect("store"), "nothing was stored");
}

#[test]
fn a_refresh_token_too_long_to_revoke_is_an_error_and_the_session_still_ends() {
    let emu = emulator(cotter_emulator::Config::new());
    let clock = ManualClock::new(emu.now());
    let mut store = MemoryStore::<16384>::new();
    let long = "r".repeat(3000);
    store.save(&Session::new("a.b.c", "i.d.t", &long, emu.now() + 3600)).expect("seed");
    let mut c = Client::<_, _, _>::new(config(&emu), transport(), store, &clock).expect("client");
    let before = emu.stats();
    let err = c.logout().expect_err("the revocation cannot be sent");
    assert!(matches!(err, Error::Protocol(_)), "{err}");
    assert!(!c.is_signed_in().expect("store"), "signed out locally all the same");
    let mut buf = vec![0u8; 16384];
    assert!(c.store_mut().load(&mut buf).expect("load").is_none(), "the store is cleared");
    assert_eq!(emu.stats().revoke, before.revoke, "nothing half-sent");
}

#[test]
fn the_servers_message_travels_inside_the_error() {
    let emu = emulator(cotter_emulator::Config::new());
    let clock = ManualClock::new(emu.now());
    let mut c = memory_client(&emu, &clock);
    sign_in(&mut c, "msg@example.com").expect("sign-in");
    // An injected rate limit: the server says why in its JSON error.
    emu.inject_failure("/api/v0/token", 429, 1);
    let err = c.refresh().expect_err("rate limited");
    let Error::Api { status: 429, message } = &err else { panic!("{err}") };
    assert_eq!(message.as_str(), c.api_message(), "the same text the client keeps");
    assert_eq!(err.to_string(), format!("server error 429: {}", c.api_message()));
    assert!(!message.as_str().is_empty(), "the emulator's fault has a message");
}

#[test]
fn std_error_types_are_send_sync_and_static() {
    fn check<E: core::error::Error + Send + Sync + 'static>() {}
    type Ureq = cotter::transport::UreqError;
    check::<Error<Ureq, cotter::store::MemoryStoreError>>();
    check::<Error<Ureq, cotter_store_file::FileStoreError>>();
    check::<Error<Ureq, cotter_store_keyring::KeyringStoreError>>();
    // `source()` is the transport's error itself.
    let e = Error::<Ureq, cotter::store::MemoryStoreError>::Store(
        cotter::store::MemoryStoreError::TooLarge { needed: 9, capacity: 1 },
    );
    let source = core::error::Error::source(&e).expect("a source");
    assert!(source.downcast_ref::<cotter::store::MemoryStoreError>().is_some());
}
