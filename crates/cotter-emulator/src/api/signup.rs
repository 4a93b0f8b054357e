//! The JS SDK's own sign-in form (`GET /signup`, the stand-in for `js.cotter.app/signup`): the page
//! that `CotterVerify.showEmailForm()` / `showPhoneForm()` of Cotter's JS SDK loads in an iframe, and
//! its `postMessage` protocol with the SDK in the parent page (`lib/CotterVerify.js` of npm `cotter`
//! 0.3.35 shows the parent's side).
//!
//! The iframe URL is `/signup?challenge=…&type=EMAIL|PHONE&domain=<parent origin>&api_key=…&
//! redirect_url=…&state=…&id=<cID>`. Every message is a JSON string; the iframe sends
//! `{"callbackName": cID + NAME, "payload": …}` to `domain`, the parent sends `{"action": …}` to the
//! emulator's origin:
//!
//! 1. iframe → `FIRST_LOAD`; parent → `CONFIG` (`payload.skipRedirectURL`, button text …); iframe →
//!    `LOADED`.
//! 2. The user enters the identifier: iframe → `ON_BEGIN` `{identifier, identifier_type, device_type,
//!    device_name, client_json}`; parent → `CONTINUE_SUBMIT` (or `ON_ERROR` with `errorMsg`, which the
//!    form shows). The iframe then asks the emulator to send the OTP (`POST /signup/identifier`).
//! 3. The user enters the OTP (`POST /signup/otp`): iframe → `ON_SUBMIT_AUTHORIZATION_CODE`
//!    `{authorization_code, challenge_id, state, client_json}`; the parent exchanges it at
//!    `get_identity` with its PKCE verifier and `redirect_url` (the parent's origin when it has no
//!    redirect URL), then → `DONE_SUCCESS` or `DONE_ERROR`. A challenge that dies (three wrong codes,
//!    10 minutes) is iframe → `ON_ERROR`.

use super::hosted_page::normalize_identifier;
use super::{Failure, json_body, method_not_allowed, not_found, respond};
use crate::app::App;
use crate::http::{Request, Response};
use crate::state::{LoginParams, OtpOutcome};
use crate::util::html::escape;
use crate::util::url::parse_pairs;
use serde::Deserialize;
use std::string::String;

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    match (rest, req.method.as_str()) {
        ([], "GET") => page(app, req),
        (["identifier"], "POST") => respond(send_code(app, req)),
        (["otp"], "POST") => respond(check_code(app, req)),
        ([], _) => method_not_allowed("GET"),
        (["identifier" | "otp"], _) => method_not_allowed("POST"),
        _ => not_found(app, req),
    }
}

/// Whether `text` is an origin: `http[s]://host[:port]` and nothing else.
fn is_origin(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https")
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
    })
}

/// A redirect URL the SDK fills in from an unset config value.
fn unset(url: &str) -> bool {
    matches!(url, "" | "undefined" | "null")
}

fn page(app: &App, req: &Request) -> Response {
    let param = |name| req.query_param(name).unwrap_or_default();
    let problem = |status, message: &str| error_page(status, message);
    let api_key = param("api_key");
    if !app.settings.known_key(&api_key) {
        return problem(401, "The api_key parameter is missing or not a known API key ID.");
    }
    let domain = param("domain");
    if !is_origin(&domain) {
        return problem(400, "domain must be the origin of the page that shows this form.");
    }
    let identifier_type = param("type").to_ascii_uppercase();
    if identifier_type != "EMAIL" && identifier_type != "PHONE" {
        return problem(400, "type must be EMAIL or PHONE.");
    }
    let code_challenge = param("challenge");
    if code_challenge.is_empty() {
        return problem(400, "challenge (PKCE S256) is required.");
    }
    let id = param("id");
    if id.is_empty() || id.len() > 200 {
        return problem(400, "id (the SDK instance's message prefix) is required.");
    }
    // Without a redirect URL the SDK exchanges the code with its page's origin as `redirect_url`.
    let redirect_url = param("redirect_url");
    let redirect_url = if unset(&redirect_url) { domain.clone() } else { redirect_url };
    for url in [&redirect_url, &domain] {
        if !app.settings.redirect_allowed(url) {
            return problem(
                400,
                &format!("{url:?} is not an allowed redirect URL (see --redirect-url)."),
            );
        }
    }
    let params = LoginParams {
        api_key,
        redirect_url,
        identifier_type: identifier_type.clone(),
        code_challenge,
        state: param("state"),
        auth_method: "OTP".into(),
    };
    let login = app.lock().begin_login(params);
    let data = serde_json::json!({
        "login": login, "domain": domain, "id": id, "type": identifier_type,
    });
    // In a <script> element: no `<` may close it early.
    let data = data.to_string().replace('<', "\\u003c");
    let label = if identifier_type == "PHONE" { "Phone number" } else { "Email" };
    let html = include_str!("signup.html").replace("@DATA@", &data).replace("@LABEL@", label);
    Response::html(200, html)
}

#[derive(Debug, Deserialize)]
struct IdentifierBody {
    login: String,
    identifier: String,
    /// The parent's `CONFIG` said it has no redirect URL: the code is bound to its origin.
    #[serde(default)]
    skip_redirect_url: bool,
    /// The parent's origin (`domain`), for `skip_redirect_url`.
    #[serde(default)]
    domain: Option<String>,
}

/// `POST /signup/identifier`: validates the identifier and sends the OTP to the outbox.
fn send_code(app: &App, req: &Request) -> Result<Response, Failure> {
    let body: IdentifierBody = json_body(req)?;
    let mut state = app.lock();
    let kind = state
        .login(&body.login)
        .map(|l| l.params.identifier_type.clone())
        .ok_or_else(|| Failure::bad("expired", "this sign-in form has expired; reload it"))?;
    let identifier = normalize_identifier(&kind, &body.identifier)
        .map_err(|message| Failure::bad("invalid_identifier", message))?;
    if body.skip_redirect_url {
        let domain = body.domain.filter(|d| is_origin(d)).ok_or_else(|| {
            Failure::bad("invalid_request", "skip_redirect_url needs the page's origin in domain")
        })?;
        if !app.settings.redirect_allowed(&domain) {
            return Err(Failure::bad("invalid_request", "domain is not an allowed redirect URL"));
        }
        state.set_login_redirect(&body.login, domain)?;
    }
    state.send_challenge(&body.login, &identifier)?;
    Ok(Response::json(200, &serde_json::json!({ "identifier": identifier })))
}

#[derive(Debug, Deserialize)]
struct OtpBody {
    login: String,
    otp: String,
}

/// `POST /signup/otp`: checks the code; on success the authorization code for the parent.
fn check_code(app: &App, req: &Request) -> Result<Response, Failure> {
    let body: OtpBody = json_body(req)?;
    let outcome = app.lock().check_otp(&body.login, &body.otp)?;
    let location = match outcome {
        OtpOutcome::Wrong(left) => {
            return Ok(Response::json(
                400,
                &serde_json::json!({
                    "msg": format!("That code is not right. {left} attempt{} left.",
                                   if left == 1 { "" } else { "s" }),
                    "type": "wrong_code",
                    "attempts_left": left,
                }),
            ));
        }
        OtpOutcome::Redirect(location) => location,
    };
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let pairs = parse_pairs(query);
    let get = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        return Ok(Response::json(
            400,
            &serde_json::json!({ "msg": "This sign-in has ended; start again.", "type": error }),
        ));
    }
    Ok(Response::json(
        200,
        &serde_json::json!({
            "authorization_code": get("code").unwrap_or_default(),
            "challenge_id": get("challenge_id").unwrap_or_default(),
            "state": get("state").unwrap_or_default(),
        }),
    ))
}

fn error_page(status: u16, message: &str) -> Response {
    Response::html(
        status,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · Cotter \
             emulator</title></head><body><p id=\"error\" role=\"alert\">{}</p></body></html>\n",
            escape(message)
        ),
    )
}
