//! The code exchange at get_identity: response shape, token layout and signatures, and every rejection.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use base64ct::{Base64, Encoding as _};
use common::*;
use ed25519_dalek::Verifier as _;
use serde_json::{Value, json};

#[test]
fn otp_flow_and_exchange_response_shape() {
    let emu = start();
    let (verifier, challenge) = pkce("a");
    let done = otp_login(&emu, "ada@example.com", &challenge, "state-123");
    let (code, challenge_id, state) = redirect_parts(&done);
    assert_eq!(state, "state-123");
    assert_eq!(code.len(), 43);

    let resp = post_json(
        &emu,
        "/api/v0/verify/get_identity?oauth_token=true",
        &json!({"code_verifier": verifier, "authorization_code": code, "challenge_id": challenge_id, "redirect_url": REDIRECT}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    for field in [
        "ID",
        "created_at",
        "identifier",
        "identifier_type",
        "public_key",
        "device_type",
        "device_name",
        "expiry",
    ] {
        assert!(!body["identifier"][field].is_null(), "identifier.{field}");
    }
    assert_eq!(body["identifier"]["identifier"], "ada@example.com");
    assert_eq!(body["identifier"]["identifier_type"], "EMAIL");
    assert!(body["identifier"]["deleted_at"].is_null());
    let user = &body["user"];
    assert_eq!(user["issuer"], KEY);
    assert_eq!(user["identifier"], "ada@example.com");
    assert_eq!(user["ID"], user["client_user_id"]);
    assert_eq!(user["deleted_at"], "0001-01-01T00:00:00Z");
    let oauth = &body["oauth_token"];
    assert_eq!(oauth["auth_method"], "OTP");
    assert_eq!(oauth["token_type"], "Bearer");
    assert_eq!(oauth["expires_in"], 3600);
    let refresh = oauth["refresh_token"].as_str().unwrap();
    let (id, secret) = refresh.split_once(':').unwrap();
    assert!(id.parse::<u64>().is_ok());
    assert!(secret.len() == 50 && secret.bytes().all(|b| b.is_ascii_alphanumeric()));

    // Access and ID tokens: signature, header and claims in Cotter's order.
    let (header, claims) = verify_jwt(&emu, oauth["access_token"].as_str().unwrap());
    assert_eq!(header["kid"], cotter_emulator::DEFAULT_KID);
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&claims)
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let order = [
        "client_user_id",
        "authentication_method",
        "type",
        "scope",
        "aud",
        "exp",
        "jti",
        "iat",
        "iss",
        "sub",
    ];
    let mut positions: Vec<usize> =
        order.iter().map(|k| claims.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "claim order in {claims}");
    assert_eq!(keys.len(), order.len());
    let claims: Value = serde_json::from_str(&claims).unwrap();
    assert_eq!(claims["type"], "client_access_token");
    assert_eq!(claims["scope"], "access");
    assert_eq!(claims["aud"], KEY);
    assert_eq!(claims["iss"], "https://www.cotter.app");
    assert_eq!(claims["authentication_method"], "OTP");
    assert_eq!(claims["sub"], user["ID"]);
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 3600);
    let (_, id_claims) = verify_jwt(&emu, oauth["id_token"].as_str().unwrap());
    let id_order = [
        "client_user_id",
        "auth_time",
        "identifier",
        "type",
        "aud",
        "exp",
        "jti",
        "iat",
        "iss",
        "sub",
    ];
    positions = id_order.iter().map(|k| id_claims.find(&format!("\"{k}\":")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "claim order in {id_claims}");
    let id_claims: Value = serde_json::from_str(&id_claims).unwrap();
    assert!(id_claims["auth_time"].is_string());
    assert_eq!(id_claims["identifier"], "ada@example.com");
    assert_eq!(id_claims["type"], "client_id_token");

    // Identity token: Ed25519 over identifier + identifier_type + receiver + expire_at, by the emulator's key.
    let token = &body["token"];
    assert_eq!(token["receiver"], KEY);
    let message = format!(
        "{}{}{}{}",
        token["identifier"].as_str().unwrap(),
        token["identifier_type"].as_str().unwrap(),
        token["receiver"].as_str().unwrap(),
        token["expire_at"].as_str().unwrap()
    );
    let public: [u8; 32] =
        Base64::decode_vec(&emu.identity_public_key()).unwrap().try_into().unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let signature = ed25519_dalek::Signature::from_slice(
        &Base64::decode_vec(token["signature"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert!(public.verify(message.as_bytes(), &signature).is_ok());
    assert!(public.verify(b"tampered", &signature).is_err());

    // The same identifier signs in again as the same user.
    let again = sign_in(&emu, "ada@example.com");
    assert_eq!(again["user"]["ID"], user["ID"]);
    let stats = emu.stats();
    assert_eq!(stats.get_identity, 2);
    assert!(stats.app >= 6);
}

#[test]
fn exchange_rejections() {
    let emu = start();
    let (verifier, challenge) = pkce("b");

    // Wrong verifier: 400, and the code is burnt (the right verifier fails afterwards).
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    let wrong = exchange(&emu, "not-the-verifier", &code, id, REDIRECT);
    assert_eq!(wrong.status, 400);
    assert!(wrong.json()["msg"].as_str().unwrap().contains("code_verifier"));
    assert_eq!(exchange(&emu, &verifier, &code, id, REDIRECT).status, 400);

    // Right verifier works once; reuse fails.
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    assert_eq!(exchange(&emu, &verifier, &code, id, REDIRECT).status, 200);
    let reused = exchange(&emu, &verifier, &code, id, REDIRECT);
    assert_eq!(reused.status, 400);
    assert!(reused.json()["msg"].as_str().unwrap().contains("already used"));

    // Wrong redirect_url and wrong challenge_id.
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    assert_eq!(exchange(&emu, &verifier, &code, id, "http://localhost:1/other").status, 400);
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    assert_eq!(exchange(&emu, &verifier, &code, id + 1000, REDIRECT).status, 400);

    // Expired: valid 5 minutes on the emulator clock.
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    // Through the HTTP control, as an out-of-process test would.
    assert_eq!(post_json(&emu, "/dev/clock", &json!({"advance": 301})).status, 200);
    let expired = exchange(&emu, &verifier, &code, id, REDIRECT);
    assert_eq!(expired.status, 400);
    assert!(expired.json()["msg"].as_str().unwrap().contains("expired"));
    let (code, id, _) = redirect_parts(&otp_login(&emu, "b@example.com", &challenge, "s"));
    emu.advance_clock(299);
    assert_eq!(exchange(&emu, &verifier, &code, id, REDIRECT).status, 200);

    // Unknown code, unknown or missing API key, and a code presented under another API key.
    assert_eq!(exchange(&emu, &verifier, "nope", 1, REDIRECT).status, 400);
    let body = serde_json::to_vec(&json!({"code_verifier": "v", "authorization_code": "c", "challenge_id": 1, "redirect_url": REDIRECT})).unwrap();
    let addr = emu.local_addr();
    let no_key = send(addr, "POST", "/api/v0/verify/get_identity", &[], Some(&body));
    assert_eq!(no_key.status, 401);
    assert_eq!(no_key.json()["type"], "unauthorized");
    let bad_key =
        send(addr, "POST", "/api/v0/verify/get_identity", &[("api_key_id", "other")], Some(&body));
    assert_eq!(bad_key.status, 401);
}

#[test]
fn code_bound_to_its_api_key() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new()
            .with_api_key(KEY)
            .with_api_key("second-key")
            .with_log_outbox(false),
    )
    .unwrap();
    let (verifier, challenge) = pkce("k");
    let (code, id, _) = redirect_parts(&otp_login(&emu, "k@example.com", &challenge, "s"));
    let body = serde_json::to_vec(&json!({"code_verifier": verifier, "authorization_code": code, "challenge_id": id, "redirect_url": REDIRECT})).unwrap();
    let other = send(
        emu.local_addr(),
        "POST",
        "/api/v0/verify/get_identity",
        &[("API_KEY_ID", "second-key")],
        Some(&body),
    );
    assert_eq!(other.status, 400);
    // Not burnt by another tenant's attempt.
    assert_eq!(exchange(&emu, &verifier, &code, id, REDIRECT).status, 200);
}
