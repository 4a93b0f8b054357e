//! The state API (`/dev/users`, `/dev/sessions`, `/dev/devices`, `/dev/events`, revoke, delete,
//! respond, reset) and the console's forms (`/dev/ui`) over HTTP; the console in a browser is
//! `tests/clients/browser_console.py`.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use serde_json::{Value, json};

fn dev_post(emu: &cotter_emulator::Emulator, path: &str, body: Option<&Value>) -> Resp {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    send(
        emu.local_addr(),
        "POST",
        path,
        &[("Content-Type", "application/json")],
        Some(bytes.as_deref().unwrap_or_default()),
    )
}

fn pending_event(emu: &cotter_emulator::Emulator, user: &str) -> Value {
    let now = get(emu, "/dev/clock").json()["now"].as_u64().unwrap();
    let body = json!({"issuer": KEY, "event": "LOGIN", "timestamp": now.to_string(),
                      "method": "TRUSTED_DEVICE", "client_user_id": user, "ip": "10.0.0.1"});
    let resp = post_json(emu, "/api/v0/event/create_pending", &body);
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json()
}

#[test]
fn users_sessions_events_and_their_actions() {
    let emu = start();
    let signed = sign_in(&emu, "state@example.com");
    let user = signed["user"]["ID"].as_str().unwrap().to_owned();
    let token = signed["oauth_token"]["refresh_token"].as_str().unwrap().to_owned();
    sign_in(&emu, "other@example.com");

    let users = get(&emu, "/dev/users").json();
    assert_eq!(users.as_array().unwrap().len(), 2);
    let me = users.as_array().unwrap().iter().find(|u| u["id"] == user.as_str()).unwrap();
    assert_eq!(
        (me["identifier"].as_str(), me["api_key"].as_str()),
        (Some("state@example.com"), Some(KEY))
    );
    assert_eq!(me["devices"], 0);
    let resp = get(&emu, "/dev/sessions");
    assert!(resp.header("x-development-only").unwrap().contains("development"));
    let sessions = resp.json();
    let session = &sessions[0];
    for field in ["id", "user", "api_key", "created", "last_refresh", "status"] {
        assert!(session.get(field).is_some(), "{field} in {session}");
    }
    assert_eq!(
        (session["user"].as_str(), session["status"].as_str()),
        (Some(user.as_str()), Some("active"))
    );
    assert_eq!(session["last_refresh"], Value::Null);
    let renewed = refresh(&emu, &token);
    assert_eq!(renewed.status, 200);
    let token = renewed.json()["refresh_token"].as_str().unwrap().to_owned();
    assert!(get(&emu, "/dev/sessions").json()[0]["last_refresh"].is_string());
    assert_eq!(get(&emu, "/dev/devices").json(), json!([]));

    // Revoking a session: its next refresh fails.
    let id = session["id"].as_u64().unwrap();
    assert_eq!(dev_post(&emu, &format!("/dev/sessions/{id}/revoke"), None).status, 200);
    assert_eq!(get(&emu, "/dev/sessions").json()[0]["status"], "revoked");
    let after = refresh(&emu, &token);
    assert_eq!(after.status, 400);
    assert!(after.text().contains("not valid"));
    assert_eq!(dev_post(&emu, "/dev/sessions/999/revoke", None).status, 404);
    assert_eq!(dev_post(&emu, "/dev/sessions/x/revoke", None).status, 404);

    // The console acts as the trusted device: approve one event, reject another.
    let first = pending_event(&emu, &user);
    let second = pending_event(&emu, &user);
    let events = get(&emu, "/dev/events").json();
    assert_eq!(events[0]["status"], "pending");
    assert_eq!(events[0]["ip"], "10.0.0.1");
    let approve = dev_post(
        &emu,
        &format!("/dev/events/{}/respond", first["ID"]),
        Some(&json!({"approved": true})),
    );
    assert_eq!(approve.status, 200, "{}", approve.text());
    let polled = get(&emu, &format!("/api/v0/event/get/{}", first["ID"])).json();
    assert_eq!(polled["approved"], true);
    assert!(polled["oauth_token"]["access_token"].is_string(), "{polled}");
    let reject = dev_post(
        &emu,
        &format!("/dev/events/{}/respond", second["ID"]),
        Some(&json!({"approved": false})),
    );
    assert_eq!(reject.status, 200);
    let statuses: Vec<Value> = get(&emu, "/dev/events")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!("approved"), json!("rejected")]);
    let again = dev_post(
        &emu,
        &format!("/dev/events/{}/respond", second["ID"]),
        Some(&json!({"approved": true})),
    );
    assert_eq!(again.status, 400, "already answered");

    // Deleting a user removes their sessions and events.
    let resp = send(emu.local_addr(), "DELETE", &format!("/dev/users/{user}"), &[], None);
    assert_eq!(resp.status, 200);
    assert_eq!(get(&emu, "/dev/users").json().as_array().unwrap().len(), 1);
    assert!(
        get(&emu, "/dev/sessions")
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["user"] != user.as_str())
    );
    assert_eq!(get(&emu, "/dev/events").json(), json!([]));
    let lookup = get(&emu, "/api/v0/user?identifier=state%40example.com").json();
    assert_eq!(lookup["ID"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(send(emu.local_addr(), "DELETE", "/dev/users/nobody", &[], None).status, 404);
}

#[test]
fn reset_keeps_only_the_configuration() {
    let emu = start();
    let signed = sign_in(&emu, "reset@example.com");
    let token = signed["oauth_token"]["refresh_token"].as_str().unwrap().to_owned();
    let kid = emu.current_kid();
    emu.rotate_key();
    emu.advance_clock(100);
    emu.inject_failure("/api/v0/user", 503, 1);
    assert_eq!(dev_post(&emu, "/dev/reset", None).status, 200);
    assert_eq!(get(&emu, "/dev/users").json(), json!([]));
    assert_eq!(get(&emu, "/dev/sessions").json(), json!([]));
    assert_eq!(get(&emu, "/dev/outbox").json(), json!([]));
    assert_eq!(get(&emu, "/dev/fail").json(), json!([]));
    assert_eq!(get(&emu, "/dev/clock").json()["offset"], 0);
    let jwks = get(&emu, "/api/v0/token/jwks").json();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], kid.as_str(), "the configured kid again");
    assert_eq!(refresh(&emu, &token).status, 400);
    // Still configured: the same API key signs in again.
    sign_in(&emu, "reset@example.com");
}

#[test]
fn the_console_renders_and_acts() {
    let emu = start();
    let signed = sign_in(&emu, "console@example.com");
    let token = signed["oauth_token"]["refresh_token"].as_str().unwrap().to_owned();
    let page = get(&emu, "/dev/ui");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("For development only"), "the console says so");
    for id in [
        "users",
        "sessions",
        "devices",
        "events",
        "outbox",
        "keys",
        "faults",
        "requests",
        "revoke-1",
        "advance",
        "rotate-key",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
    }
    assert!(html.contains("console@example.com"));
    assert!(!html.contains("<script"), "works without JavaScript");
    // A form post from the console's own origin revokes, then redirects back.
    let origin = emu.base_url().to_owned();
    let revoke = send(
        emu.local_addr(),
        "POST",
        "/dev/ui/sessions/revoke",
        &[("Content-Type", "application/x-www-form-urlencoded"), ("Origin", &origin)],
        Some(b"session=1"),
    );
    assert_eq!(revoke.status, 303);
    assert!(revoke.header("location").unwrap().starts_with("/dev/ui?done=Session%201%20revoked"));
    assert_eq!(refresh(&emu, &token).status, 400);
    // The same post from a page elsewhere is refused: no cross-site form changes the emulator.
    for (path, body) in [("/dev/ui/keys/rotate", &b""[..]), ("/dev/clock", &b"{\"advance\":5}"[..])]
    {
        let forged = send(
            emu.local_addr(),
            "POST",
            path,
            &[("Content-Type", "text/plain"), ("Origin", "http://evil.test")],
            Some(body),
        );
        assert_eq!(forged.status, 403, "{path}");
    }
    assert_eq!(get(&emu, "/dev/clock").json()["offset"], 0);
    // Faults from the console's form.
    let add = send(
        emu.local_addr(),
        "POST",
        "/dev/ui/faults/add",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"prefix=%2Fapi%2Fv0%2Ftoken%2Fjwks&method=&kind=status&status=502&delay_ms=&times="),
    );
    assert_eq!(add.status, 303, "{}", add.text());
    let faults = get(&emu, "/dev/fail").json();
    assert_eq!((faults[0]["status"].as_u64(), &faults[0]["times"]), (Some(502), &Value::Null));
    assert!(get(&emu, "/dev/ui").text().contains("until cleared"));
}
