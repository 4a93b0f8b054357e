//! The JS SDK's sign-in form (`/signup`): the page's checks, the message data it embeds, and the
//! JSON steps its script calls (send the OTP, check it) ending in a code the parent exchanges with
//! its origin as `redirect_url`. The whole flow with the SDK itself runs in Chromium
//! (`tests/clients/browser_js_sdk.py`, `cargo xtask clients`).

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;

use common::*;
use serde_json::json;

const ORIGIN: &str = "http://127.0.0.1:3000";

fn signup_target(challenge: &str, redirect: &str) -> String {
    format!(
        "/signup?challenge={challenge}&type=EMAIL&domain={ORIGIN}&api_key={KEY}&redirect_url={redirect}&state=st&id=abccotter-form-container"
    )
}

/// The JSON in the page's `signup-data` script element.
fn page_data(html: &str) -> serde_json::Value {
    let start = html.find("id=\"signup-data\">").unwrap() + "id=\"signup-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn the_form_and_its_steps() {
    let emu = start();
    let (verifier, challenge) = pkce("signup");
    let page = get(&emu, &signup_target(&challenge, "undefined"));
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    for id in ["identifier", "submit", "otp", "verify", "error"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
    }
    assert!(html.contains("FIRST_LOAD") && html.contains("ON_SUBMIT_AUTHORIZATION_CODE"));
    let data = page_data(&html);
    assert_eq!((data["domain"].as_str(), data["type"].as_str()), (Some(ORIGIN), Some("EMAIL")));
    assert_eq!(data["id"], "abccotter-form-container");
    let login = data["login"].as_str().unwrap().to_owned();

    let bad = post_json(&emu, "/signup/identifier", &json!({"login": login, "identifier": "nope"}));
    assert_eq!((bad.status, bad.json()["type"].as_str()), (400, Some("invalid_identifier")));
    let sent = post_json(
        &emu,
        "/signup/identifier",
        &json!({"login": login, "identifier": " js@example.com ", "skip_redirect_url": true,
                "domain": ORIGIN}),
    );
    assert_eq!(sent.status, 200, "{}", sent.text());
    assert_eq!(sent.json()["identifier"], "js@example.com");
    let otp = latest_otp(&emu, "js@example.com");
    let wrong = post_json(&emu, "/signup/otp", &json!({"login": login, "otp": "000000x"}));
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["attempts_left"], 2);
    let done = post_json(&emu, "/signup/otp", &json!({"login": login, "otp": otp}));
    assert_eq!(done.status, 200, "{}", done.text());
    let done = done.json();
    assert_eq!(done["state"], "st");
    // What the SDK then does: get_identity with its verifier and its page's origin.
    let challenge_id: u64 = done["challenge_id"].as_str().unwrap().parse().unwrap();
    let code = done["authorization_code"].as_str().unwrap();
    let identity = exchange(&emu, &verifier, code, challenge_id, ORIGIN);
    assert_eq!(identity.status, 200, "{}", identity.text());
    assert_eq!(identity.json()["user"]["identifier"], "js@example.com");
}

#[test]
fn three_wrong_codes_end_the_sign_in() {
    let emu = start();
    let page = get(&emu, &signup_target(&pkce("x").1, REDIRECT));
    let login = page_data(&page.text())["login"].as_str().unwrap().to_owned();
    post_json(&emu, "/signup/identifier", &json!({"login": login, "identifier": "w@example.com"}));
    let statuses: Vec<_> = (0..3)
        .map(|_| post_json(&emu, "/signup/otp", &json!({"login": login, "otp": "x"})).json())
        .collect();
    assert_eq!(statuses[1]["attempts_left"], 1);
    assert_eq!(statuses[2]["type"], "too_many_attempts");
}

#[test]
fn bad_parameters() {
    let emu = start();
    let challenge = pkce("b").1;
    let good = signup_target(&challenge, "undefined");
    assert_eq!(get(&emu, &good).status, 200);
    for (from, to, status) in [
        (format!("api_key={KEY}"), "api_key=nope".to_owned(), 401),
        (format!("domain={ORIGIN}"), "domain=javascript:alert(1)".to_owned(), 400),
        (format!("domain={ORIGIN}"), "domain=http://evil.test".to_owned(), 400),
        ("type=EMAIL".to_owned(), "type=SMS".to_owned(), 400),
        (format!("challenge={challenge}"), "challenge=".to_owned(), 400),
        ("redirect_url=undefined".to_owned(), "redirect_url=https://evil.test/cb".to_owned(), 400),
    ] {
        let target = good.replace(&from, &to);
        assert_ne!(target, good);
        assert_eq!(get(&emu, &target).status, status, "{target}");
    }
    // Data that could break out of the script element is escaped.
    let sneaky = good.replace("id=abccotter", "id=%3C%2Fscript%3E%3Cb%3E");
    let html = get(&emu, &sneaky).text();
    assert!(!html.contains("</script><b>"), "{html}");
    assert_eq!(page_data(&html)["id"], "</script><b>-form-container");
}
