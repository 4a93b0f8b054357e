//! Users (`docs/protocol.md#users`) and trusted-device enrolment and status
//! (`docs/protocol.md#enrolment-and-status`), under `/api/v0/user`.

use super::{api_key, flag, json_body, method_not_allowed, not_found, respond};
use crate::app::App;
use crate::http::{Request, Response};
use crate::state::Failure;
use crate::util::b64;
use crate::wire::{EnrolledJson, UserWithToken};
use serde::Deserialize;
use std::string::String;
use std::vec::Vec;

#[derive(Debug, Deserialize)]
struct CreateBody {
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default)]
    client_user_id: Option<String>,
    #[serde(default)]
    identifiers: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct MethodBody {
    method: String,
    enrolled: bool,
    code: String,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    change_code: Option<bool>,
    #[serde(default)]
    current_code: Option<String>,
}

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    let method = req.method.as_str();
    respond(match rest {
        ["create"] if method == "POST" => create(app, req),
        ["create"] => Ok(method_not_allowed("POST")),
        [] if method == "GET" => by_identifier(app, req),
        [] => Ok(method_not_allowed("GET")),
        ["methods"] if method == "GET" => {
            let user = req.query_param("cotter_user_id").unwrap_or_default();
            if req.query_param("method").as_deref() != Some("TRUSTED_DEVICE") {
                Err(Failure::bad("invalid_request", "method must be TRUSTED_DEVICE"))
            } else {
                status(app, req, &user, req.query_param("public_key").as_deref())
            }
        }
        ["methods"] if method == "PUT" => {
            let user = req.query_param("cotter_user_id").unwrap_or_default();
            update_methods(app, req, &user)
        }
        ["methods"] => Ok(method_not_allowed("GET, PUT")),
        ["enrolled", "any", user, "TRUSTED_DEVICE"] if method == "GET" => {
            status(app, req, user, None)
        }
        ["enrolled", user, "TRUSTED_DEVICE", key @ ..] if method == "GET" && !key.is_empty() => {
            status(app, req, user, Some(&key.join("/")))
        }
        [user] if method == "GET" => get_user(app, req, user),
        [user] if method == "PUT" => update_methods(app, req, user),
        [_] => Ok(method_not_allowed("GET, PUT")),
        _ => Ok(not_found(app, req)),
    })
}

fn create(app: &App, req: &Request) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let body: CreateBody = json_body(req)?;
    let identifier = body
        .identifier
        .or_else(|| body.identifiers.and_then(|list| list.into_iter().next()))
        .map(|i| String::from(i.trim()))
        .filter(|i| !i.is_empty())
        .ok_or_else(|| Failure::bad("invalid_request", "identifier is required"))?;
    let mut state = app.lock();
    let id = state.create_user(
        &key,
        &identifier,
        body.client_user_id.as_deref().filter(|c| !c.is_empty()),
    )?;
    let user = state.user(&id).ok_or_else(|| Failure::not_found("user not found"))?;
    Ok(Response::json(200, &user.json()))
}

fn by_identifier(app: &App, req: &Request) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let identifier = req
        .query_param("identifier")
        .ok_or_else(|| Failure::bad("invalid_request", "identifier query parameter is required"))?;
    let state = app.lock();
    // Flutter and React Native read the all-zero ID as "no such user".
    let json = state
        .user_by_identifier(&key, identifier.trim())
        .map_or_else(|| crate::state::zero_user(&key), |u| u.json());
    Ok(Response::json(200, &json))
}

fn get_user(app: &App, req: &Request, id: &str) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let state = app.lock();
    let user =
        state.user_by_any_id(&key, id).ok_or_else(|| Failure::not_found("user not found"))?;
    Ok(Response::json(200, &user.json()))
}

/// `enrolled` for one key (`public_key` = base64 of the key string, any spelling) or for any key.
fn status(
    app: &App,
    req: &Request,
    user: &str,
    public_key: Option<&str>,
) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let state = app.lock();
    let user_id = state
        .user_by_any_id(&key, user)
        .ok_or_else(|| Failure::not_found("user not found"))?
        .id
        .clone();
    let enrolled = match public_key {
        None => state.has_trusted_device(&user_id),
        Some(encoded) => {
            let decoded =
                b64::lenient_decode(encoded).and_then(|bytes| String::from_utf8(bytes).ok());
            decoded.is_some_and(|k| state.trusted_key(&user_id, &k).is_some())
                || state.trusted_key(&user_id, encoded).is_some()
        }
    };
    Ok(Response::json(200, &EnrolledJson { method: "TRUSTED_DEVICE", enrolled }))
}

/// `PUT /user/methods?cotter_user_id=` and legacy `PUT /user/<client_user_id>`: enrol or disable a device.
fn update_methods(app: &App, req: &Request, user: &str) -> Result<Response, Failure> {
    let key = api_key(app, req)?;
    let body: MethodBody = json_body(req)?;
    if body.method != "TRUSTED_DEVICE" {
        return Err(Failure::bad(
            "invalid_request",
            "only the TRUSTED_DEVICE method can be updated",
        ));
    }
    let mut state = app.lock();
    let user_id = state
        .user_by_any_id(&key, user)
        .ok_or_else(|| Failure::not_found("user not found"))?
        .id
        .clone();
    let oauth_token = if body.enrolled {
        let algorithm =
            body.algorithm.clone().unwrap_or_else(|| guess_algorithm(&body.code).into());
        if body.change_code == Some(true)
            && let Some(current) = body.current_code.as_deref()
        {
            state.disable_device(&user_id, current)?;
        }
        state.enroll_device(&user_id, &algorithm, &body.code)?;
        flag(req, "oauth_token").then(|| state.new_session(&user_id, &key, "TRUSTED_DEVICE"))
    } else {
        state.disable_device(&user_id, &body.code)?;
        None
    };
    let user = state.user(&user_id).ok_or_else(|| Failure::not_found("user not found"))?;
    Ok(Response::json(200, &UserWithToken { user: user.json(), oauth_token }))
}

/// Without `algorithm`: a 32-byte key is Ed25519, anything else is taken for a P-256 SPKI.
fn guess_algorithm(code: &str) -> &'static str {
    if crate::crypto::device::canonical(code).is_some_and(|b| b.len() == 32) {
        "ED25519"
    } else {
        "EC"
    }
}
