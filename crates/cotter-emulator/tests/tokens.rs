//! Refresh rotation and reuse, revocation, JWKS and key rotation, and the `/dev/` controls over HTTP.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use serde_json::{Value, json};

fn refresh_token(identity: &Value) -> String {
    identity["oauth_token"]["refresh_token"].as_str().unwrap().to_owned()
}

#[test]
fn rotation_keeps_prefix_and_kills_the_old_secret() {
    let emu = start();
    let identity = sign_in(&emu, "rot@example.com");
    let first = refresh_token(&identity);
    let resp = refresh(&emu, &first);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    // The whole oauth_token object, no wrapper.
    for field in
        ["access_token", "auth_method", "expires_in", "id_token", "refresh_token", "token_type"]
    {
        assert!(!body[field].is_null(), "{field}");
    }
    assert_eq!(body["auth_method"], "OTP", "refreshed tokens keep the original method");
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(first.split(':').next(), second.split(':').next());
    assert_ne!(first, second);
    let secret = second.split(':').nth(1).unwrap();
    assert!(secret.len() == 50 && secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    let (_, claims) = verify_jwt(&emu, body["access_token"].as_str().unwrap());
    assert!(claims.contains("\"authentication_method\":\"OTP\""));

    // Past the grace window the old token is a reuse: 400 "not valid", and the session is revoked.
    emu.advance_clock(11);
    let reuse = refresh(&emu, &first);
    assert_eq!(reuse.status, 400);
    assert!(reuse.json()["msg"].as_str().unwrap().contains("not valid"));
    let after = refresh(&emu, &second);
    assert_eq!(after.status, 400, "the whole session is revoked");
    assert!(after.json()["msg"].as_str().unwrap().contains("not valid"));
}

#[test]
fn reuse_within_the_grace_window_gets_the_same_tokens() {
    let emu = start();
    let first = refresh_token(&sign_in(&emu, "grace@example.com"));
    let a = refresh(&emu, &first).json();
    emu.advance_clock(9);
    let b = refresh(&emu, &first).json();
    assert_eq!(a["refresh_token"], b["refresh_token"]);
    assert_eq!(a["access_token"], b["access_token"]);
    // The chain goes on from the shared token.
    let c = refresh(&emu, a["refresh_token"].as_str().unwrap());
    assert_eq!(c.status, 200);
    // Parallel callers with one token (the JS SDK pattern): all succeed with the same tokens.
    let current = c.json()["refresh_token"].as_str().unwrap().to_owned();
    let addr = emu.local_addr();
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let token = current.clone();
            std::thread::spawn(move || {
                let mut client = Client::open(addr);
                let resp = refresh_on(&mut client, &format!("/api/v0/token/{KEY}"), &token);
                (resp.status, resp.json()["refresh_token"].as_str().unwrap_or_default().to_owned())
            })
        })
        .collect();
    let results: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().all(|(status, _)| *status == 200), "{results:?}");
    assert!(results.windows(2).all(|w| w[0].1 == w[1].1), "{results:?}");
}

#[test]
fn zero_reuse_interval_revokes_at_once() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_reuse_interval(0).with_log_outbox(false),
    )
    .unwrap();
    let first = refresh_token(&sign_in(&emu, "z@example.com"));
    let second = refresh(&emu, &first).json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&emu, &first).status, 400);
    assert_eq!(refresh(&emu, &second).status, 400);
}

#[test]
fn legacy_path_header_key_and_bad_requests() {
    let emu = start();
    let token = refresh_token(&sign_in(&emu, "legacy@example.com"));
    let mut client = Client::open(emu.local_addr());
    let resp = refresh_on(&mut client, "/api/v0/token", &token);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let token = resp.json()["refresh_token"].as_str().unwrap().to_owned();

    let body = |v: Value| serde_json::to_vec(&v).unwrap();
    let post = |path: &str, headers: &[(&str, &str)], b: &[u8]| {
        send(emu.local_addr(), "POST", path, headers, Some(b))
    };
    let good = body(json!({"grant_type": "refresh_token", "refresh_token": token}));
    // Legacy path without the header: 401.
    assert_eq!(post("/api/v0/token", &[], &good).status, 401);
    // Unknown key in the path, or a header that disagrees with the path: 401 (and no "not valid").
    let unknown = post("/api/v0/token/other-key", &[], &good);
    assert_eq!(unknown.status, 401);
    assert!(!unknown.json()["msg"].as_str().unwrap().contains("not valid"));
    assert_eq!(post(&format!("/api/v0/token/{KEY}"), &[("API_KEY_ID", "x")], &good).status, 401);
    // Path key alone is enough (header omitted).
    let ok = post(&format!("/api/v0/token/{KEY}"), &[], &good);
    assert_eq!(ok.status, 200);
    let path = format!("/api/v0/token/{KEY}");
    // Missing token (the JS SDK's cookie mode), wrong grant, wrong types, malformed JSON.
    let missing = post(&path, &[], &body(json!({"grant_type": "refresh_token"})));
    assert_eq!(missing.status, 400);
    assert!(missing.json()["msg"].as_str().unwrap().contains("not valid"));
    let grant = post(&path, &[], &body(json!({"grant_type": "password", "refresh_token": "1:x"})));
    assert_eq!(grant.status, 400);
    assert_eq!(grant.json()["type"], "unsupported_grant_type");
    let typed = post(&path, &[], &body(json!({"grant_type": 5})));
    assert_eq!(typed.status, 400);
    assert_eq!(typed.json()["type"], "invalid_request");
    let malformed = post(&path, &[], b"{\"grant_type\":");
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["type"], "malformed_json");
    let garbage =
        post(&path, &[], &body(json!({"grant_type": "refresh_token", "refresh_token": "garbage"})));
    assert_eq!(garbage.status, 400);
    assert!(garbage.json()["msg"].as_str().unwrap().contains("not valid"));
}

#[test]
fn revoke_with_and_without_body() {
    let emu = start();
    let token = refresh_token(&sign_in(&emu, "rev@example.com"));
    let path = format!("/api/v0/token/{KEY}");
    let addr = emu.local_addr();
    // No body (cotter-js): success, nothing revoked.
    let bare = send(
        addr,
        "DELETE",
        &path,
        &[("API_KEY_ID", KEY), ("Content-type", "application/json")],
        None,
    );
    assert_eq!(bare.status, 200);
    assert_eq!(bare.json(), json!({"success": true}));
    let rotated = refresh(&emu, &token);
    assert_eq!(rotated.status, 200, "the session survived a body-less DELETE");
    let token = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    let body = serde_json::to_vec(&json!({"refresh_token": token})).unwrap();
    let revoked = send(addr, "DELETE", &path, &[("API_KEY_ID", KEY)], Some(&body));
    assert_eq!(revoked.json(), json!({"success": true}));
    let after = refresh(&emu, &token);
    assert_eq!(after.status, 400);
    assert!(after.json()["msg"].as_str().unwrap().contains("not valid"));
    // Unknown tokens are fine (RFC 7009); unknown keys are not.
    let unknown = serde_json::to_vec(&json!({"refresh_token": "5:abc"})).unwrap();
    assert_eq!(send(addr, "DELETE", &path, &[], Some(&unknown)).status, 200);
    assert_eq!(send(addr, "DELETE", "/api/v0/token/nope", &[], Some(&unknown)).status, 401);
    assert_eq!(send(addr, "DELETE", &path, &[], Some(b"{")).status, 400);
    assert_eq!(emu.stats().revoke, 5);
}

#[test]
fn jwks_and_key_rotation() {
    let emu = start();
    let jwks = get(&emu, "/api/v0/token/jwks").json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kid"], cotter_emulator::DEFAULT_KID);
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["use"].as_str(), key["alg"].as_str()),
        (Some("EC"), Some("P-256"), Some("sig"), Some("ES256"))
    );
    // No API key needed for the JWKS.
    assert_eq!(send(emu.local_addr(), "GET", "/api/v0/token/jwks", &[], None).status, 200);

    let old_token = sign_in(&emu, "jwks@example.com")["oauth_token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rotated = send(emu.local_addr(), "POST", "/dev/rotate-key", &[], None).json();
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert!(new_kid.starts_with("SPACE_JWT_PUBLIC:"));
    let jwks = get(&emu, "/api/v0/token/jwks").json();
    let kids: Vec<&str> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![new_kid.as_str(), cotter_emulator::DEFAULT_KID]);
    // Old tokens still verify; new tokens carry the new kid.
    assert!(verify_jwt_with(&jwks, &old_token).is_ok());
    let new_token = sign_in(&emu, "jwks@example.com")["oauth_token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (header, _) = verify_jwt_with(&jwks, &new_token).unwrap();
    assert_eq!(header["kid"], new_kid.as_str());
    assert_eq!(header.as_object().unwrap().len(), 3);
    // A second rotation drops the original key: old tokens no longer verify against the JWKS.
    let third = emu.rotate_key();
    let jwks = get(&emu, "/api/v0/token/jwks").json();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    assert_eq!(jwks["keys"][0]["kid"], third.as_str());
    assert!(verify_jwt_with(&jwks, &old_token).is_err());
    assert!(verify_jwt_with(&jwks, &new_token).is_ok());
    // A flipped signature byte fails.
    let mut tampered = new_token.into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(verify_jwt_with(&jwks, &String::from_utf8(tampered).unwrap()).is_err());
}

#[test]
fn dev_clock_moves_token_times_and_stats_count() {
    let emu = start();
    let before = get(&emu, "/dev/clock").json()["now"].as_u64().unwrap();
    let moved = post_json(&emu, "/dev/clock", &json!({"advance": 7200})).json();
    assert_eq!(moved["offset"], 7200);
    assert!(moved["now"].as_u64().unwrap() >= before + 7200);
    let token = sign_in(&emu, "clock@example.com")["oauth_token"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, claims) = verify_jwt(&emu, &token);
    let claims: Value = serde_json::from_str(&claims).unwrap();
    assert!(claims["iat"].as_u64().unwrap() >= before + 7200);
    assert_eq!(post_json(&emu, "/dev/clock", &json!({"advance": -5})).status, 400);
    assert_eq!(post_json(&emu, "/dev/clock", &json!({})).status, 400);

    let stats = get(&emu, "/dev/stats").json();
    assert_eq!(stats["get_identity"], 1);
    assert_eq!(stats["jwks"], 1);
    assert_eq!(stats["refresh"], 0);
    assert_eq!(emu.stats().jwks, 1);
    let info = get(&emu, "/").json();
    assert_eq!(info["api_base"], emu.api_base());
}

#[test]
fn ttl_is_configurable() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_token_ttl(120).with_log_outbox(false),
    )
    .unwrap();
    let oauth = sign_in(&emu, "ttl@example.com")["oauth_token"].clone();
    assert_eq!(oauth["expires_in"], 120);
    let (_, claims) = verify_jwt(&emu, oauth["access_token"].as_str().unwrap());
    let claims: Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 120);
}

#[test]
fn same_seed_same_keys_and_codes() {
    let a = start();
    let b = start();
    assert_eq!(get(&a, "/api/v0/token/jwks").json(), get(&b, "/api/v0/token/jwks").json());
    assert_eq!(a.identity_public_key(), b.identity_public_key());
    let (_, challenge) = pkce("seed");
    let first = otp_login(&a, "seed@example.com", &challenge, "s");
    let second = otp_login(&b, "seed@example.com", &challenge, "s");
    assert_eq!(latest_otp(&a, "seed@example.com"), latest_otp(&b, "seed@example.com"));
    assert_eq!(first.header("location"), second.header("location"));
    let other = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_seed(43).with_log_outbox(false),
    )
    .unwrap();
    assert_ne!(get(&a, "/api/v0/token/jwks").json(), get(&other, "/api/v0/token/jwks").json());
}

/// `reuse_replays` counts retired tokens answered within the grace window, `reuse_revocations` retired
/// tokens that revoked their session after it; both in `Emulator::stats` and `GET /dev/stats`.
#[test]
fn reuse_counters_count_replays_and_revocations() {
    let emu = start();
    let counters = |emu: &cotter_emulator::Emulator| {
        let stats = emu.stats();
        let json = get(emu, "/dev/stats").json();
        assert_eq!(json["reuse_replays"], stats.reuse_replays, "{json}");
        assert_eq!(json["reuse_revocations"], stats.reuse_revocations, "{json}");
        (stats.reuse_replays, stats.reuse_revocations)
    };
    assert_eq!(counters(&emu), (0, 0));
    let first = refresh_token(&sign_in(&emu, "count@example.com"));
    let second = refresh(&emu, &first).json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(counters(&emu), (0, 0), "a rotation is not a reuse");
    // Two replays within the grace window.
    emu.advance_clock(5);
    assert_eq!(refresh(&emu, &first).status, 200);
    assert_eq!(refresh(&emu, &first).status, 200);
    assert_eq!(counters(&emu), (2, 0));
    // Unknown and malformed tokens are neither.
    assert_eq!(refresh(&emu, "1:unknownsecret").status, 400);
    assert_eq!(refresh(&emu, "garbage").status, 400);
    assert_eq!(counters(&emu), (2, 0));
    // After the window: the reuse revokes the session, once.
    emu.advance_clock(10);
    assert_eq!(refresh(&emu, &first).status, 400);
    assert_eq!(counters(&emu), (2, 1));
    // The session is already revoked: presenting its tokens again revokes nothing more.
    assert_eq!(refresh(&emu, &first).status, 400);
    assert_eq!(refresh(&emu, &second).status, 400);
    assert_eq!(counters(&emu), (2, 1));

    // With the grace window off, the first reuse revokes at once.
    let strict = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_reuse_interval(0).with_log_outbox(false),
    )
    .unwrap();
    let first = refresh_token(&sign_in(&strict, "strict@example.com"));
    assert_eq!(refresh(&strict, &first).status, 200);
    assert_eq!(refresh(&strict, &first).status, 400);
    assert_eq!(counters(&strict), (0, 1));
    assert_eq!(strict.stats().refresh, 2);
}

#[test]
fn a_frozen_clock_moves_only_when_advanced() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_log_outbox(false).with_frozen_clock(),
    )
    .expect("emulator");
    let start = emu.now();
    std::thread::sleep(core::time::Duration::from_millis(1100));
    assert_eq!(emu.now(), start, "a real second went by; the frozen clock did not move");
    emu.advance_clock(60);
    assert_eq!(emu.now(), start + 60);
}
