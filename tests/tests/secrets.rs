//! Security checklist: secrets never appear in `Debug` output or error messages, and `state`
//! and the PKCE verifier come from the OS CSPRNG with at least 128 bits.

use cotter::store::{MemoryStore, TokenStore};
use cotter::transport::UreqTransport;
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};
use std::collections::HashSet;

struct EmuClock<'e>(&'e Emulator);

impl Clock for EmuClock<'_> {
    fn now(&self) -> Option<u64> {
        Some(self.0.now())
    }
}

fn query(url: &str, name: &str) -> String {
    url.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn no_secret_in_debug_or_errors() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new("cotter-dev-api-key").base_url(&api).hosted_page_url(&page);
    let mut c: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("client");
    let (url, pending) = c
        .begin_login(
            LoginKind::EmailOtp,
            Some("kim@example.com"),
            "http://127.0.0.1:9/cb",
            &mut OsRandom,
        )
        .expect("begin");
    let pending_debug = format!("{pending:?}");
    assert!(pending_debug.contains("<redacted>"), "{pending_debug}");
    let redirect = browser::complete_login(&url, "kim@example.com").expect("user");
    let code = query(&redirect, "code");
    c.complete_login(&pending, &redirect).expect("login");

    let access = c.access_token().expect("token").to_owned();
    let mut buf = vec![0u8; 8192];
    let stored = c.store_mut().load(&mut buf).expect("load").expect("session");
    let (refresh, id) = (stored.refresh_token.to_owned(), stored.id_token.to_owned());
    let secrets = [access.as_str(), refresh.as_str(), id.as_str(), code.as_str()];
    let signature = |t: &str| t.rsplit('.').next().unwrap_or(t).to_owned();

    let session_debug = format!("{stored:?}");
    let client_debug = format!("{c:?}");
    let store_debug = format!("{:?}", c.store_mut());
    // An error after a failed login carries no secret either (reused code).
    let err = c.complete_login(&pending, &redirect).expect_err("code reuse fails");
    let err_text = format!("{err} / {err:?}");
    for text in [&pending_debug, &session_debug, &client_debug, &store_debug, &err_text] {
        for secret in secrets {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
            assert!(!text.contains(&signature(secret)), "a token signature leaked into: {text}");
        }
        let secret_part = refresh.split(':').nth(1).expect("id:secret");
        assert!(!text.contains(secret_part), "the refresh secret leaked into: {text}");
    }
}

#[test]
fn state_and_verifier_are_fresh_and_long() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new("cotter-dev-api-key").base_url(&api).hosted_page_url(&page);
    let c: Client<'_, _, _, _> =
        Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), EmuClock(&emu))
            .expect("client");
    let mut states = HashSet::new();
    let mut challenges = HashSet::new();
    for _ in 0..200 {
        let (url, _) = c
            .begin_login(LoginKind::EmailOtp, None, "http://127.0.0.1:9/cb", &mut OsRandom)
            .expect("begin");
        let state = query(&url, "state");
        let challenge = query(&url, "code_challenge");
        // 16 random bytes = 128 bits → 22 base64url characters; the challenge is a SHA-256.
        assert!(state.len() >= 22, "{state}");
        assert_eq!(challenge.len(), 43);
        states.insert(state);
        challenges.insert(challenge);
    }
    assert_eq!((states.len(), challenges.len()), (200, 200), "every login gets fresh randomness");
}
