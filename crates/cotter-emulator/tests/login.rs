//! Hosted page (OTP and magic link, through the HTML forms): attempts, expiry, direct login, parameters.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;

#[test]
fn three_wrong_otps_end_the_challenge() {
    let emu = start();
    let (_, challenge) = pkce("c");
    let page = get(&emu, &app_target(&challenge, "st8", ""));
    let login = hidden(&page.text(), "login");
    assert_eq!(
        post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "c@example.com")])
            .status,
        200
    );
    let otp = latest_otp(&emu, "c@example.com");
    assert_eq!(otp.len(), 6);
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let first = post_form(&emu, "/app/otp", &[("login", &login), ("otp", wrong)]);
    assert_eq!(first.status, 400);
    assert!(first.text().contains("id=\"error\"") && first.text().contains("2 attempts left"));
    assert_eq!(post_form(&emu, "/app/otp", &[("login", &login), ("otp", wrong)]).status, 400);
    let third = post_form(&emu, "/app/otp", &[("login", &login), ("otp", wrong)]);
    assert_eq!(third.status, 303);
    let location = third.header("location").unwrap();
    assert_eq!(query_value(location, "error").as_deref(), Some("too_many_attempts"));
    assert_eq!(query_value(location, "state").as_deref(), Some("st8"));
    assert!(query_value(location, "code").is_none());
    // The right code no longer works.
    let late = post_form(&emu, "/app/otp", &[("login", &login), ("otp", &otp)]);
    assert_eq!(late.status, 400);
    assert!(late.header("location").is_none());
}

#[test]
fn otp_expires_after_ten_minutes() {
    let emu = start();
    let (_, challenge) = pkce("d");
    let login = hidden(&get(&emu, &app_target(&challenge, "s", "")).text(), "login");
    post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "d@example.com")]);
    let otp = latest_otp(&emu, "d@example.com");
    emu.advance_clock(600);
    let late = post_form(&emu, "/app/otp", &[("login", &login), ("otp", &otp)]);
    assert_eq!(late.status, 303);
    assert_eq!(
        query_value(late.header("location").unwrap(), "error").as_deref(),
        Some("otp_expired")
    );
}

#[test]
fn direct_login_phone_and_outbox() {
    let emu = start();
    let (verifier, challenge) = pkce("e");
    let target = format!(
        "/app?api_key={KEY}&redirect_url={}&type=PHONE&code_challenge={challenge}&state=x&direct_login=true&input={}",
        enc(REDIRECT),
        enc("+1 415 555 0100")
    );
    let page = get(&emu, &target);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("id=\"otp\""));
    let login = hidden(&page.text(), "login");
    let outbox = get(&emu, "/dev/outbox?identifier=%2B14155550100").json();
    let entry = &outbox.as_array().unwrap()[0];
    assert_eq!(entry["identifier"], "+14155550100");
    assert!(entry["magic_link"].is_null());
    assert!(entry["created_at"].as_str().unwrap().ends_with('Z'));
    let otp = entry["otp"].as_str().unwrap();
    let (code, id, _) =
        redirect_parts(&post_form(&emu, "/app/otp", &[("login", &login), ("otp", otp)]));
    let resp = exchange(&emu, &verifier, &code, id, REDIRECT);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["identifier"]["identifier_type"], "PHONE");
    // Invalid identifiers re-render the form with an error.
    let bad =
        post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "no-at-sign")]);
    assert_eq!(bad.status, 400);
    // The outbox of all identifiers, newest last.
    assert!(get(&emu, "/dev/outbox").json().as_array().unwrap().len() == 1);
}

#[test]
fn magic_link_flow() {
    let emu = start();
    let (verifier, challenge) = pkce("m");
    let page = get(&emu, &app_target(&challenge, "mstate", "&auth_method=MAGIC_LINK"));
    let login = hidden(&page.text(), "login");
    let sent =
        post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "m@example.com")]);
    assert_eq!(sent.status, 200);
    assert!(sent.text().contains("sign-in link"));
    let outbox = get(&emu, "/dev/outbox?identifier=m%40example.com").json();
    let link = outbox[0]["magic_link"].as_str().unwrap().to_owned();
    assert!(outbox[0]["otp"].is_null());
    assert!(link.starts_with(&format!("{}/app/magic?token=", emu.base_url())));
    let path = &link[emu.base_url().len()..];
    let opened = send(emu.local_addr(), "GET", path, &[], None);
    let (code, id, state) = redirect_parts(&opened);
    assert_eq!(state, "mstate");
    let resp = exchange(&emu, &verifier, &code, id, REDIRECT);
    assert_eq!(resp.status, 200);
    let oauth = &resp.json()["oauth_token"];
    assert_eq!(oauth["auth_method"], "MAGIC_LINK");
    let (_, claims) = verify_jwt(&emu, oauth["access_token"].as_str().unwrap());
    assert!(claims.contains("\"authentication_method\":\"MAGIC_LINK\""));
    // A link works once.
    assert_eq!(send(emu.local_addr(), "GET", path, &[], None).status, 400);

    // An expired link redirects with an error.
    let login = hidden(
        &get(&emu, &app_target(&challenge, "s2", "&auth_method=MAGIC_LINK")).text(),
        "login",
    );
    post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "m@example.com")]);
    let outbox = get(&emu, "/dev/outbox?identifier=m%40example.com").json();
    let link =
        outbox.as_array().unwrap().last().unwrap()["magic_link"].as_str().unwrap().to_owned();
    emu.advance_clock(601);
    let late = send(emu.local_addr(), "GET", &link[emu.base_url().len()..], &[], None);
    assert_eq!(late.status, 303);
    assert_eq!(
        query_value(late.header("location").unwrap(), "error").as_deref(),
        Some("magic_link_expired")
    );
}

#[test]
fn hosted_page_rejects_bad_parameters() {
    let emu = start();
    let (_, challenge) = pkce("p");
    let page = |target: String| get(&emu, &target).status;
    assert_eq!(
        page(format!(
            "/app?api_key=nope&redirect_url={}&code_challenge={challenge}",
            enc(REDIRECT)
        )),
        401
    );
    assert_eq!(
        page(format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge={challenge}",
            enc("https://evil.example/")
        )),
        400
    );
    assert_eq!(
        page(format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge={challenge}",
            enc("http://localhost:1/\r\nX: y")
        )),
        400
    );
    assert_eq!(page(format!("/app?api_key={KEY}&redirect_url={}", enc(REDIRECT))), 400);
    assert_eq!(
        page(format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge=c&type=FAX",
            enc(REDIRECT)
        )),
        400
    );
    assert_eq!(
        page(format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge=c&auth_method=PIGEON",
            enc(REDIRECT)
        )),
        400
    );
    assert_eq!(
        page(format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge=c",
            enc("http://127.0.0.1:5/x?y=1")
        )),
        200
    );
    assert_eq!(
        post_form(&emu, "/app/identifier", &[("login", "unknown"), ("identifier", "a@b.c")]).status,
        400
    );
    assert_eq!(post_form(&emu, "/app/otp", &[("login", "unknown"), ("otp", "123456")]).status, 400);
    assert_eq!(get(&emu, "/app/magic?token=unknown").status, 400);
}

#[test]
fn configured_redirect_urls_are_exact() {
    let emu = cotter_emulator::Emulator::start(
        cotter_emulator::Config::new().with_redirect_url("cotter://auth").with_log_outbox(false),
    )
    .unwrap();
    let (verifier, challenge) = pkce("r");
    let ok = get(
        &emu,
        &format!(
            "/app?api_key={KEY}&redirect_url={}&code_challenge={challenge}&state=z",
            enc("cotter://auth")
        ),
    );
    assert_eq!(ok.status, 200);
    let denied = get(
        &emu,
        &format!("/app?api_key={KEY}&redirect_url={}&code_challenge={challenge}", enc(REDIRECT)),
    );
    assert_eq!(denied.status, 400);
    let login = hidden(&ok.text(), "login");
    post_form(&emu, "/app/identifier", &[("login", &login), ("identifier", "r@example.com")]);
    let otp = latest_otp(&emu, "r@example.com");
    let done = post_form(&emu, "/app/otp", &[("login", &login), ("otp", &otp)]);
    let location = done.header("location").unwrap();
    assert!(location.starts_with("cotter://auth?code="), "{location}");
    let code = query_value(location, "code").unwrap();
    let id: u64 = query_value(location, "challenge_id").unwrap().parse().unwrap();
    assert_eq!(exchange(&emu, &verifier, &code, id, "cotter://auth").status, 200);
}

#[test]
fn the_scripted_user_signs_in_or_types_wrong_codes() {
    let emu = start();
    let (_, challenge) = pkce("f");
    let url = format!("{}{}", emu.base_url(), app_target(&challenge, "st-f", ""));
    let failed = cotter_emulator::browser::fail_login(&url, "f@example.com").unwrap();
    assert!(failed.starts_with(&format!("{REDIRECT}?")), "{failed}");
    assert_eq!(query_value(&failed, "error").as_deref(), Some("too_many_attempts"));
    assert_eq!(query_value(&failed, "state").as_deref(), Some("st-f"));
    let signed_in = cotter_emulator::browser::complete_login(&url, "f@example.com").unwrap();
    assert!(query_value(&signed_in, "code").is_some(), "{signed_in}");
    assert_eq!(query_value(&signed_in, "state").as_deref(), Some("st-f"));
}
