//! Browser apps: CORS preflights and origin headers for loopback and `--allowed-origin` origins
//! (none for others, none on `/dev/`), and the refresh-token cookie — set by `get_identity` and
//! every refresh, used by a refresh without a token, revoked and cleared by a `DELETE` without a body.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use serde_json::json;

const APP: &str = "http://localhost:3000";

fn preflight(emu: &cotter_emulator::Emulator, path: &str, origin: &str) -> Resp {
    raw_send(
        emu.local_addr(),
        "OPTIONS",
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "api_key_id,content-type"),
        ],
        None,
    )
}

#[test]
fn preflight_and_origin_headers() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new()
            .with_allowed_origin("https://app.test:8443")
            .with_log_outbox(false),
    )
    .unwrap();
    for origin in [APP, "http://127.0.0.1:5173", "https://app.test:8443"] {
        let resp = preflight(&emu, &format!("/api/v0/token/{KEY}"), origin);
        assert_eq!(resp.status, 204, "{origin}");
        assert!(resp.body.is_empty());
        assert_eq!(resp.header("access-control-allow-origin"), Some(origin));
        assert_eq!(resp.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(resp.header("vary"), Some("Origin"));
        let allowed = resp.header("access-control-allow-headers").unwrap();
        for header in ["API_KEY_ID", "API_SECRET_KEY", "Content-Type", "Authorization"] {
            assert!(allowed.contains(header), "{allowed}");
        }
        let methods = resp.header("access-control-allow-methods").unwrap();
        for method in ["GET", "POST", "PUT", "DELETE"] {
            assert!(methods.contains(method), "{methods}");
        }
        // The actual response carries the origin headers too.
        let jwks = send(emu.local_addr(), "GET", "/api/v0/token/jwks", &[("Origin", origin)], None);
        assert_eq!(jwks.status, 200);
        assert_eq!(jwks.header("access-control-allow-origin"), Some(origin));
        assert_eq!(jwks.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(jwks.header("vary"), Some("Origin"));
        // Error responses as well, so the page can read the message.
        let unknown = send(emu.local_addr(), "GET", "/api/v0/nothing", &[("Origin", origin)], None);
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.header("access-control-allow-origin"), Some(origin));
    }
    for origin in
        ["http://evil.test", "https://localhost:3000", "http://localhost.evil.test", "null"]
    {
        let resp = preflight(&emu, "/api/v0/token/jwks", origin);
        assert_eq!(resp.status, 204);
        assert!(resp.header("access-control-allow-origin").is_none(), "{origin}");
        assert!(resp.header("access-control-allow-headers").is_none(), "{origin}");
        let jwks = send(emu.local_addr(), "GET", "/api/v0/token/jwks", &[("Origin", origin)], None);
        assert!(jwks.header("access-control-allow-origin").is_none(), "{origin}");
    }
    // The development controls are not for pages on other origins.
    let outbox = send(emu.local_addr(), "GET", "/dev/outbox", &[("Origin", APP)], None);
    assert_eq!(outbox.status, 200);
    assert!(outbox.header("access-control-allow-origin").is_none());
    // A preflight is never faulted: the fault waits for the request itself.
    emu.inject_fault(&json!({"prefix": "/api/v0/token/jwks", "kind": "reset"})).unwrap();
    assert_eq!(preflight(&emu, "/api/v0/token/jwks", APP).status, 204);
    assert!(
        cotter_emulator::Emulator::start(
            cotter_emulator::Config::new().with_allowed_origin("https://app.test/path")
        )
        .is_err()
    );
}

/// `name=value` of a `Set-Cookie` header, and its attributes.
fn set_cookie(resp: &Resp) -> (String, String) {
    let header = resp.header("set-cookie").expect("a Set-Cookie header");
    let (pair, attributes) = header.split_once(';').unwrap();
    (pair.to_owned(), attributes.to_owned())
}

fn refresh_with_cookie(emu: &cotter_emulator::Emulator, cookie: &str) -> Resp {
    send(
        emu.local_addr(),
        "POST",
        &format!("/api/v0/token/{KEY}"),
        &[("API_KEY_ID", KEY), ("Content-Type", "application/json"), ("Cookie", cookie)],
        Some(br#"{"grant_type":"refresh_token"}"#),
    )
}

#[test]
fn the_refresh_cookie() {
    let emu = start();
    let (verifier, challenge) = pkce("cookie");
    let done = otp_login(&emu, "cookie@example.com", &challenge, "st");
    let (code, challenge_id, _) = redirect_parts(&done);
    let identity = exchange(&emu, &verifier, &code, challenge_id, REDIRECT);
    assert_eq!(identity.status, 200);
    let refresh_token =
        identity.json()["oauth_token"]["refresh_token"].as_str().unwrap().to_owned();
    let (pair, attributes) = set_cookie(&identity);
    assert_eq!(pair, format!("cotter_refresh_token={refresh_token}"));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/api/v0/token"] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    assert!(!attributes.contains("Secure"), "plain HTTP: {attributes}");

    // A refresh without a token in the body uses the cookie, and sets the rotated one.
    let renewed = refresh_with_cookie(&emu, &format!("other=1; {pair}"));
    assert_eq!(renewed.status, 200, "{}", renewed.text());
    let rotated = renewed.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, refresh_token);
    assert_eq!(set_cookie(&renewed).0, format!("cotter_refresh_token={rotated}"));
    // A token in the body wins over the cookie.
    let body = refresh(&emu, &rotated);
    assert_eq!(body.status, 200);
    let current = body.json()["refresh_token"].as_str().unwrap().to_owned();
    let cookie = format!("cotter_refresh_token={current}");

    // DELETE without a body revokes the cookie's session and clears the cookie.
    let logout = send(
        emu.local_addr(),
        "DELETE",
        &format!("/api/v0/token/{KEY}"),
        &[("API_KEY_ID", KEY), ("Cookie", &cookie)],
        None,
    );
    assert_eq!(logout.status, 200);
    assert_eq!(logout.json(), json!({"success": true}));
    let (cleared, attributes) = set_cookie(&logout);
    assert_eq!(cleared, "cotter_refresh_token=");
    assert!(attributes.contains("Max-Age=0") && attributes.contains("Path=/api/v0/token"));
    let after = refresh(&emu, &current);
    assert_eq!(after.status, 400);
    assert!(after.text().contains("not valid"), "{}", after.text());
    let by_cookie = refresh_with_cookie(&emu, &cookie);
    assert_eq!(by_cookie.status, 400);
    // No token and no cookie: the usual "not valid".
    let none = refresh_with_cookie(&emu, "unrelated=1");
    assert!(none.text().contains("none was sent"), "{}", none.text());
}

#[test]
fn the_cookie_is_secure_over_https() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new()
            .with_tls(cotter_emulator::Tls::Generated)
            .with_log_outbox(false),
    )
    .unwrap();
    let redirect = cotter_emulator::browser::complete_login(
        &format!(
            "{}?api_key={KEY}&redirect_url={}&type=EMAIL&code_challenge={}&state=s",
            emu.hosted_page_url(),
            enc(REDIRECT),
            pkce("tls").1
        ),
        "tls@example.com",
    )
    .unwrap();
    let code = query_value(&redirect, "code").unwrap();
    let challenge_id = query_value(&redirect, "challenge_id").unwrap();
    let roots: Vec<_> = ureq::tls::parse_pem(emu.tls_ca_pem().unwrap().as_bytes())
        .filter_map(|item| match item.unwrap() {
            ureq::tls::PemItem::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(roots)))
        .build();
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().tls_config(tls).build());
    let body = json!({"code_verifier": pkce("tls").0, "authorization_code": code,
                      "challenge_id": challenge_id.parse::<u64>().unwrap(), "redirect_url": REDIRECT});
    let resp = agent
        .post(&format!("{}/verify/get_identity", emu.api_base()))
        .header("API_KEY_ID", KEY)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .unwrap();
    let cookie = resp.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}
