//! `--state FILE` and `/dev/export` / `/dev/import`: users, devices, sessions (refresh tokens keep
//! working), signing keys, the clock offset and the id counters survive a restart; the file is
//! rewritten atomically after every change, so `kill -9` at any moment leaves a file that loads.

#![cfg(unix)]
#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::device::{EcDevice, enroll_ec, enrolled};
use common::*;
use core::panic::AssertUnwindSafe;
use core::time::Duration;
use cotter_emulator::{Config, Emulator};
use serde_json::json;
use std::panic::catch_unwind;
use std::path::PathBuf;
use std::time::Instant;

/// An OTP sign-in through the hosted page of the emulator at `addr`; the refresh token.
fn sign_in_at(addr: core::net::SocketAddr) -> String {
    let (verifier, challenge) = pkce("kill");
    let form = "application/x-www-form-urlencoded";
    let page = send(addr, "GET", &app_target(&challenge, "st", ""), &[], None);
    let login = hidden(&page.text(), "login");
    let who = "kill@example.com";
    let body = format!("login={login}&identifier={}", enc(who));
    send(addr, "POST", "/app/identifier", &[("Content-Type", form)], Some(body.as_bytes()));
    let outbox =
        send(addr, "GET", &format!("/dev/outbox?identifier={}", enc(who)), &[], None).json();
    let otp = outbox.as_array().unwrap().last().unwrap()["otp"].as_str().unwrap().to_owned();
    let body = format!("login={login}&otp={otp}");
    let done = send(addr, "POST", "/app/otp", &[("Content-Type", form)], Some(body.as_bytes()));
    let (code, challenge_id, _) = redirect_parts(&done);
    let body = json!({"code_verifier": verifier, "authorization_code": code,
                      "challenge_id": challenge_id, "redirect_url": REDIRECT});
    let identity = send(
        addr,
        "POST",
        "/api/v0/verify/get_identity",
        &[("API_KEY_ID", KEY), ("Content-Type", "application/json")],
        Some(&serde_json::to_vec(&body).unwrap()),
    );
    identity.json()["oauth_token"]["refresh_token"].as_str().unwrap().to_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cotter-emu-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn with_state(path: &PathBuf) -> Emulator {
    Emulator::start(Config::new().with_seed(11).with_state_file(path).with_log_outbox(false))
        .unwrap()
}

#[test]
fn everything_comes_back_after_a_restart() {
    let dir = temp_dir("restart");
    let path = dir.join("state.json");
    let (token, user, jwks, device, offset, old_access) = {
        let emu = with_state(&path);
        let signed = sign_in(&emu, "keep@example.com");
        let user = signed["user"]["ID"].as_str().unwrap().to_owned();
        let device = EcDevice::new(7);
        enroll_ec(&emu, &user, &device);
        emu.rotate_key();
        emu.advance_clock(500);
        let renewed = refresh(&emu, signed["oauth_token"]["refresh_token"].as_str().unwrap());
        assert_eq!(renewed.status, 200);
        let renewed = renewed.json();
        let jwks = get(&emu, "/api/v0/token/jwks").json();
        let offset = get(&emu, "/dev/clock").json()["offset"].clone();
        // The file is the export, written after the last change.
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(saved, get(&emu, "/dev/export").json());
        assert!(saved["note"].as_str().unwrap().contains("development only"));
        (
            renewed["refresh_token"].as_str().unwrap().to_owned(),
            user,
            jwks,
            device,
            offset,
            renewed["access_token"].as_str().unwrap().to_owned(),
        )
    };
    let emu = with_state(&path);
    assert_eq!(get(&emu, "/api/v0/token/jwks").json(), jwks, "the same keys");
    verify_jwt(&emu, &old_access);
    assert_eq!(get(&emu, "/dev/clock").json()["offset"], offset);
    let target = format!("/api/v0/user/enrolled/{user}/TRUSTED_DEVICE/{}", enc(&device.public));
    assert!(enrolled(&emu, &target), "the device is still trusted");
    let again = refresh(&emu, &token);
    assert_eq!(again.status, 200, "{}", again.text());
    // Counters carry on: a new sign-in gets the next session id, and a new seed stream.
    let second = sign_in(&emu, "new@example.com");
    let id = second["oauth_token"]["refresh_token"]
        .as_str()
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(id, "3", "after the sign-in (1) and the enrolment's tokens (2)");
    assert_eq!(get(&emu, "/dev/sessions").json().as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_import_and_bad_files() {
    let source = start();
    let signed = sign_in(&source, "move@example.com");
    let token = signed["oauth_token"]["refresh_token"].as_str().unwrap().to_owned();
    let exported = get(&source, "/dev/export");
    assert_eq!(exported.status, 200);
    let target = Emulator::start(Config::new().with_log_outbox(false)).unwrap();
    let resp = post_json(&target, "/dev/import", &exported.json());
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(refresh(&target, &token).status, 200, "the session moved with the export");
    assert_eq!(
        get(&target, "/api/v0/token/jwks").json(),
        get(&source, "/api/v0/token/jwks").json()
    );
    let mut broken = exported.json();
    broken["keys"]["identity"] = json!("not-a-key");
    assert_eq!(post_json(&target, "/dev/import", &broken).status, 400);
    assert_eq!(post_json(&target, "/dev/import", &json!({"format": 1})).status, 400);
    assert_eq!(get(&target, "/dev/export").json()["users"], exported.json()["users"], "unchanged");
    // A file that is not a state stops the start with a clear error.
    let dir = temp_dir("bad");
    let path = dir.join("state.json");
    std::fs::write(&path, "{\"half\": ").unwrap();
    let err = Emulator::start(Config::new().with_state_file(&path)).unwrap_err();
    assert!(err.to_string().contains("is not a saved state"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The binary under load, killed with SIGKILL at arbitrary moments: every restart loads the file,
/// and the newest refresh token the client saw before the kill (or the one after it) still works.
#[test]
fn kill_9_at_any_moment_leaves_a_loadable_file() {
    let dir = temp_dir("kill9");
    let path = dir.join("state.json");
    let path_text = path.to_str().unwrap().to_owned();
    let mut token: Option<String> = None;
    for round in 0..5u64 {
        let (mut child, _, first) =
            spawn_binary(&["--port", "0", "--quiet", "--state", &path_text]);
        let url = first.trim_end().strip_prefix("cotter-emulator listening on http://");
        let addr: core::net::SocketAddr =
            url.unwrap_or_else(|| panic!("round {round}: {first:?}")).parse().unwrap();
        let mut client = Client::open(addr);
        // The token from before the last kill: either it or its successor was saved; one refreshes.
        if let Some(old) = token.take() {
            let resp = refresh_on(&mut client, &format!("/api/v0/token/{KEY}"), &old);
            assert_eq!(resp.status, 200, "round {round}: {}", resp.text());
            token = Some(resp.json()["refresh_token"].as_str().unwrap().to_owned());
        }
        let stop = Instant::now() + Duration::from_millis(150 + 70 * round);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(stop.saturating_duration_since(Instant::now()));
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap()
        });
        // Load: clock moves and refreshes, each a state change and a file write, until the kill.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let body = br#"{"advance": 1}"#;
            let moved = catch_unwind(AssertUnwindSafe(|| {
                send(
                    addr,
                    "POST",
                    "/dev/clock",
                    &[("Content-Type", "application/json")],
                    Some(body),
                )
            }));
            if moved.is_err() {
                break; // killed
            }
            if let Some(current) = &token {
                let renewed = catch_unwind(AssertUnwindSafe(|| {
                    refresh_on(&mut Client::open(addr), &format!("/api/v0/token/{KEY}"), current)
                }));
                match renewed {
                    Ok(resp) if resp.status == 200 => {
                        token = Some(resp.json()["refresh_token"].as_str().unwrap().to_owned());
                    }
                    _ => break,
                }
            } else {
                let signed = catch_unwind(AssertUnwindSafe(|| sign_in_at(addr)));
                match signed {
                    Ok(t) => token = Some(t),
                    Err(_) => break,
                }
            }
        }
        let status = killer.join().unwrap();
        assert!(!status.success(), "round {round}: killed");
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("round {round}: the file does not parse: {e}"));
        let leftovers: Vec<_> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(leftovers.len() <= 2, "round {round}: {leftovers:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
