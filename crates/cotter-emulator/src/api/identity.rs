//! `POST /api/v0/verify/get_identity[?oauth_token=true]`: authorization code → identity and tokens.
//!
//! `oauth_token` is always in the response (iOS needs it without asking for it).

use super::{api_key, json_body, respond};
use crate::app::App;
use crate::cors::set_refresh_cookie;
use crate::http::{Request, Response};
use crate::state::GetIdentityBody;

pub(crate) fn get_identity(app: &App, req: &Request) -> Response {
    respond((|| {
        let key = api_key(app, req)?;
        let body: GetIdentityBody = json_body(req)?;
        let identity = app.lock().exchange(&key, &body)?;
        // As Cotter did for its JS SDK: the refresh token also in an HttpOnly cookie.
        let refresh = identity.oauth_token.refresh_token.clone();
        Ok(set_refresh_cookie(Response::json(200, &identity), &refresh, app.settings.https()))
    })())
}
