//! Unit tests of the state machine without HTTP: refresh rotation, reuse grace and revocation, OTP
//! attempts, code exchange and the device-signature checks.

use super::*;
use crate::crypto::keys::Keys;
use crate::util::b64;
use crate::wire::OAuthToken;
use sha2::{Digest as _, Sha256};

fn state(reuse_interval: u64) -> State {
    let settings = Arc::new(Settings {
        api_keys: vec!["k".into()],
        redirect_urls: Vec::new(),
        token_ttl: 60,
        reuse_interval,
        log_outbox: false,
        log_requests: false,
        base_url: "http://127.0.0.1:9".into(),
        hosts: crate::host::HostCheck::new(&[]).expect("no allowed hosts").bound_to(9),
        origins: crate::cors::Origins::default(),
        frozen_at: None,
        kid: "kid".into(),
        seed: None,
    });
    let mut rng = Csprng::from_seed(5);
    let keys = Keys::generate(&mut rng, "kid".into());
    State::new(settings, rng, keys)
}

/// [`State::refresh`] as a client sees it: a revocation is one more failure.
fn refresh(state: &mut State, key: &str, token: &str) -> Result<OAuthToken, Failure> {
    match state.refresh(key, token)? {
        Refresh::Rotated(tokens) | Refresh::Replayed(tokens) => Ok(tokens),
        Refresh::Revoked(failure) => Err(failure),
    }
}

fn session(state: &mut State) -> String {
    let user = state.ensure_user("k", "a@b.c", "EMAIL");
    state.new_session(&user, "k", "OTP").refresh_token
}

#[test]
fn rotation_keeps_the_prefix_and_retires_the_secret() {
    let mut s = state(0);
    let first = session(&mut s);
    let second = refresh(&mut s, "k", &first).expect("rotates").refresh_token;
    assert_eq!(first.split(':').next(), second.split(':').next());
    assert_ne!(first, second);
    assert_eq!(second.split(':').nth(1).map(str::len), Some(50));
    // No grace: reuse revokes the whole session, including the current token.
    let reuse = refresh(&mut s, "k", &first).expect_err("reuse");
    assert!(reuse.msg.contains("not valid"));
    assert!(refresh(&mut s, "k", &second).expect_err("revoked").msg.contains("not valid"));
}

#[test]
fn grace_window_replays_the_issued_tokens() {
    let mut s = state(10);
    let first = session(&mut s);
    let issued = refresh(&mut s, "k", &first).expect("rotates");
    assert!(matches!(s.refresh("k", &first), Ok(Refresh::Replayed(_))));
    let replay = refresh(&mut s, "k", &first).expect("within grace");
    assert_eq!(replay.refresh_token, issued.refresh_token);
    assert_eq!(replay.access_token, issued.access_token);
    s.advance_clock(10);
    assert!(matches!(s.refresh("k", &first), Ok(Refresh::Revoked(_))));
    assert!(refresh(&mut s, "k", &first).is_err());
    assert!(refresh(&mut s, "k", &issued.refresh_token).is_err(), "session revoked");
}

#[test]
fn refresh_rejects_foreign_and_malformed_tokens() {
    let mut s = state(10);
    let token = session(&mut s);
    for bad in [
        "",
        "nocolon",
        "x:y",
        "999:abc",
        &format!("{}:wrong", token.split(':').next().unwrap_or_default()),
    ] {
        assert!(refresh(&mut s, "k", bad).expect_err(bad).msg.contains("not valid"), "{bad}");
    }
    assert!(refresh(&mut s, "other", &token).is_err());
    // A wrong secret for a live session does not revoke it.
    assert!(refresh(&mut s, "k", &token).is_ok());
}

#[test]
fn revoke_ends_the_session() {
    let mut s = state(10);
    let token = session(&mut s);
    assert!(!s.revoke("k", "1:wrong"));
    assert!(!s.revoke("other", &token));
    assert!(s.revoke("k", &token));
    assert!(refresh(&mut s, "k", &token).is_err());
    assert!(!s.revoke("k", &token), "already revoked");
}

#[test]
fn otp_login_and_exchange() {
    let mut s = state(10);
    let verifier = "v".repeat(43);
    let challenge = b64::url_encode(&Sha256::digest(verifier.as_bytes()));
    let params = LoginParams {
        api_key: "k".into(),
        redirect_url: "http://localhost:1/cb".into(),
        identifier_type: "EMAIL".into(),
        code_challenge: challenge,
        state: "s".into(),
        auth_method: "OTP".into(),
    };
    let login = s.begin_login(params);
    s.send_challenge(&login, "a@b.c").expect("sent");
    let otp = s.outbox(Some("a@b.c"))[0].otp.clone().expect("otp");
    let wrong = if otp == "999999" { "000000" } else { "999999" };
    assert_eq!(s.check_otp(&login, wrong), Ok(OtpOutcome::Wrong(2)));
    let Ok(OtpOutcome::Redirect(location)) = s.check_otp(&login, &otp) else { panic!("redirect") };
    let code =
        location.split("code=").nth(1).and_then(|r| r.split('&').next()).expect("code").to_owned();
    let body: GetIdentityBody = serde_json::from_value(serde_json::json!({
        "code_verifier": verifier, "authorization_code": code, "challenge_id": 1, "redirect_url": "http://localhost:1/cb"
    }))
    .expect("body");
    let identity = s.exchange("k", &body).expect("exchange");
    assert_eq!(identity.oauth_token.auth_method, "OTP");
    assert!(s.exchange("k", &body).is_err(), "single use");
}

#[test]
fn clock_moves_forward_only() {
    let mut s = state(10);
    let before = s.now();
    assert_eq!(s.advance_clock(100), 100);
    assert!(s.now() >= before + 100);
    assert_eq!(s.advance_clock(u64::MAX), u64::MAX, "saturates");
}

#[test]
fn constant_time_eq() {
    assert!(ct_eq("abc", "abc"));
    assert!(!ct_eq("abc", "abd"));
    assert!(!ct_eq("abc", "ab"));
}
