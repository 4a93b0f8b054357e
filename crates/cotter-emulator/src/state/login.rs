//! The hosted-page sign-in (`docs/protocol.md#sign-in-through-the-hosted-page`): login contexts, OTP and
//! magic-link challenges, authorization codes, and their exchange at `get_identity` with the PKCE S256
//! check.

use super::{Failure, State, ct_eq};
use crate::util::{b64, time::rfc3339, url::append_query};
use crate::wire::{IdentifierJson, IdentityResponse, IdentityTokenJson, OutboxEntry};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::string::String;

/// How long a hosted-page login context lives.
const LOGIN_TTL: u64 = 30 * 60;
/// How long an OTP or magic link stays usable.
pub(crate) const CHALLENGE_TTL: u64 = 10 * 60;
/// Wrong OTP entries that end a challenge.
pub(crate) const MAX_OTP_ATTEMPTS: u32 = 3;
/// How long an authorization code stays usable.
const CODE_TTL: u64 = 5 * 60;
/// How long the identity token of get_identity is valid (Cotter's examples: 30 days).
const IDENTITY_TOKEN_TTL: u64 = 30 * 24 * 3600;

/// The `/app` query parameters that outlive the first page.
#[derive(Debug, Clone)]
pub(crate) struct LoginParams {
    pub(crate) api_key: String,
    pub(crate) redirect_url: String,
    /// `EMAIL` or `PHONE`.
    pub(crate) identifier_type: String,
    pub(crate) code_challenge: String,
    pub(crate) state: String,
    /// `OTP` or `MAGIC_LINK`.
    pub(crate) auth_method: String,
}

/// A hosted-page login in progress.
#[derive(Debug)]
pub(crate) struct Login {
    pub(crate) params: LoginParams,
    created_at: u64,
    challenge: Option<Challenge>,
}

/// The OTP or magic link sent for one identifier.
#[derive(Debug)]
struct Challenge {
    identifier: String,
    otp: Option<String>,
    magic_token: Option<String>,
    created_at: u64,
    attempts: u32,
}

/// An issued authorization code.
#[derive(Debug)]
pub(crate) struct AuthCode {
    challenge_id: u64,
    api_key: String,
    redirect_url: String,
    code_challenge: String,
    user_id: String,
    auth_method: String,
    created_at: u64,
    used: bool,
}

/// Body of `POST /verify/get_identity`.
#[derive(Debug, Deserialize)]
pub(crate) struct GetIdentityBody {
    code_verifier: String,
    authorization_code: String,
    challenge_id: u64,
    redirect_url: String,
}

/// What an OTP entry leads to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OtpOutcome {
    /// Go to this URL: the code on success, or `?error=` once the challenge is dead.
    Redirect(String),
    /// Wrong code; this many tries remain.
    Wrong(u32),
}

impl State {
    /// Stores the context of a new `/app` visit; returns its ID (the form's hidden `login` field).
    pub(crate) fn begin_login(&mut self, params: LoginParams) -> String {
        self.prune_logins();
        let id = self.rng.alnum(32);
        let created_at = self.now();
        self.logins.insert(id.clone(), Login { params, created_at, challenge: None });
        id
    }

    /// Binds the code of login `id` to `redirect_url` instead (the JS SDK's form, when the app set
    /// no redirect URL and exchanges the code with its origin).
    ///
    /// # Errors
    ///
    /// 400 when the login has expired.
    pub(crate) fn set_login_redirect(
        &mut self,
        id: &str,
        redirect_url: String,
    ) -> Result<(), Failure> {
        self.login(id).ok_or_else(expired_login)?;
        let login = self.logins.get_mut(id).ok_or_else(expired_login)?;
        login.params.redirect_url = redirect_url;
        Ok(())
    }

    /// The live login `id`.
    pub(crate) fn login(&self, id: &str) -> Option<&Login> {
        let now = self.now();
        self.logins.get(id).filter(|l| now < l.created_at.saturating_add(LOGIN_TTL))
    }

    /// Sends a new OTP or magic link for `identifier` (already validated) to the outbox.
    pub(crate) fn send_challenge(
        &mut self,
        login_id: &str,
        identifier: &str,
    ) -> Result<(), Failure> {
        let method = self.login(login_id).ok_or_else(expired_login)?.params.auth_method.clone();
        let now = self.now();
        let (otp, magic_token) = if method == "MAGIC_LINK" {
            (None, Some(self.rng.alnum(43)))
        } else {
            (Some(self.rng.digits(6)), None)
        };
        let magic_link =
            magic_token.as_ref().map(|t| format!("{}/app/magic?token={t}", self.settings.base_url));
        if let Some(token) = &magic_token {
            self.magic_links.insert(token.clone(), login_id.into());
        }
        let login = self.logins.get_mut(login_id).ok_or_else(expired_login)?;
        if let Some(old) = login.challenge.take().and_then(|c| c.magic_token) {
            self.magic_links.remove(&old);
        }
        login.challenge = Some(Challenge {
            identifier: identifier.into(),
            otp: otp.clone(),
            magic_token,
            created_at: now,
            attempts: 0,
        });
        self.push_outbox(OutboxEntry {
            identifier: identifier.into(),
            otp,
            magic_link,
            created_at: rfc3339(now),
        });
        Ok(())
    }

    /// The identifier the current challenge of `login_id` went to.
    pub(crate) fn challenge_identifier(&self, login_id: &str) -> Option<&str> {
        self.login(login_id)?.challenge.as_ref().map(|c| c.identifier.as_str())
    }

    /// Checks an entered OTP.
    pub(crate) fn check_otp(
        &mut self,
        login_id: &str,
        entered: &str,
    ) -> Result<OtpOutcome, Failure> {
        let now = self.now();
        let login = self.login(login_id).ok_or_else(expired_login)?;
        let params = login.params.clone();
        let challenge = login
            .challenge
            .as_ref()
            .ok_or_else(|| Failure::bad("invalid_request", "no code was sent yet"))?;
        let Some(otp) = challenge.otp.clone() else {
            return Err(Failure::bad("invalid_request", "this sign-in uses a magic link"));
        };
        if now >= challenge.created_at.saturating_add(CHALLENGE_TTL) {
            self.logins.remove(login_id);
            return Ok(OtpOutcome::Redirect(error_redirect(&params, "otp_expired")));
        }
        if ct_eq(entered.trim(), &otp) {
            return Ok(OtpOutcome::Redirect(self.complete_login(login_id)?));
        }
        let login = self.logins.get_mut(login_id).ok_or_else(expired_login)?;
        let attempts = login.challenge.as_mut().map_or(MAX_OTP_ATTEMPTS, |c| {
            c.attempts += 1;
            c.attempts
        });
        if attempts >= MAX_OTP_ATTEMPTS {
            self.logins.remove(login_id);
            return Ok(OtpOutcome::Redirect(error_redirect(&params, "too_many_attempts")));
        }
        Ok(OtpOutcome::Wrong(MAX_OTP_ATTEMPTS - attempts))
    }

    /// Opens a magic link: the redirect with a code, or with `?error=` when the link has expired.
    pub(crate) fn open_magic_link(&mut self, token: &str) -> Result<String, Failure> {
        let now = self.now();
        let login_id = self.magic_links.remove(token).ok_or_else(|| {
            Failure::bad("invalid_link", "this link is not valid or was already used")
        })?;
        let login = self.login(&login_id).ok_or_else(expired_login)?;
        let params = login.params.clone();
        let fresh = login.challenge.as_ref().is_some_and(|c| {
            c.magic_token.as_deref() == Some(token)
                && now < c.created_at.saturating_add(CHALLENGE_TTL)
        });
        if !fresh {
            self.logins.remove(&login_id);
            return Ok(error_redirect(&params, "magic_link_expired"));
        }
        self.complete_login(&login_id)
    }

    /// Ends a verified login: makes sure the user exists, issues a code, returns the redirect URL.
    fn complete_login(&mut self, login_id: &str) -> Result<String, Failure> {
        let login = self.logins.remove(login_id).ok_or_else(expired_login)?;
        let identifier = login.challenge.map(|c| c.identifier).unwrap_or_default();
        let params = login.params;
        let user_id = self.ensure_user(&params.api_key, &identifier, &params.identifier_type);
        let code = self.rng.alnum(43);
        let challenge_id = self.next_challenge_id;
        self.next_challenge_id += 1;
        let now = self.now();
        self.codes.insert(
            code.clone(),
            AuthCode {
                challenge_id,
                api_key: params.api_key.clone(),
                redirect_url: params.redirect_url.clone(),
                code_challenge: params.code_challenge.clone(),
                user_id,
                auth_method: params.auth_method.clone(),
                created_at: now,
                used: false,
            },
        );
        let challenge_id = challenge_id.to_string();
        Ok(append_query(
            &params.redirect_url,
            &[("code", &code), ("state", &params.state), ("challenge_id", &challenge_id)],
        ))
    }

    /// `POST /verify/get_identity`: checks the code and PKCE verifier, returns identity and tokens.
    ///
    /// A code is single-use and lives 5 minutes. Any failed attempt with a known code under the right
    /// API key (wrong verifier, `challenge_id` or `redirect_url`) burns it.
    pub(crate) fn exchange(
        &mut self,
        api_key: &str,
        body: &GetIdentityBody,
    ) -> Result<IdentityResponse, Failure> {
        let now = self.now();
        let invalid = |why: &str| {
            Failure::bad("invalid_grant", format!("authorization code is not valid: {why}"))
        };
        let code =
            self.codes.get_mut(&body.authorization_code).ok_or_else(|| invalid("unknown code"))?;
        if code.api_key != api_key {
            return Err(invalid("issued for another API key"));
        }
        if code.used {
            return Err(invalid("already used"));
        }
        code.used = true;
        if now >= code.created_at.saturating_add(CODE_TTL) {
            return Err(invalid("expired"));
        }
        if code.challenge_id != body.challenge_id {
            return Err(invalid("challenge_id does not match"));
        }
        if code.redirect_url != body.redirect_url {
            return Err(invalid("redirect_url does not match the one used at /app"));
        }
        let computed = b64::url_encode(&Sha256::digest(body.code_verifier.as_bytes()));
        if !ct_eq(&computed, &code.code_challenge) {
            return Err(invalid("code_verifier does not match code_challenge"));
        }
        let (user_id, auth_method) = (code.user_id.clone(), code.auth_method.clone());
        let oauth_token = self.new_session(&user_id, api_key, &auth_method);
        let user = self.user(&user_id).ok_or_else(|| Failure::not_found("user not found"))?;
        let expire_at = now.saturating_add(IDENTITY_TOKEN_TTL).to_string();
        let message =
            format!("{}{}{}{}", user.identifier, user.identifier_type, api_key, expire_at);
        let token = IdentityTokenJson {
            identifier_id: user.identifier_id.clone(),
            expire_at,
            identifier: user.identifier.clone(),
            identifier_type: user.identifier_type.clone(),
            receiver: api_key.into(),
            signature: self.keys.sign_identity(message.as_bytes()),
            timestamp: now.to_string(),
        };
        let identifier = IdentifierJson {
            id: user.identifier_id.clone(),
            created_at: rfc3339(user.created_at),
            update_at: rfc3339(user.updated_at),
            deleted_at: None,
            identifier: user.identifier.clone(),
            identifier_type: user.identifier_type.clone(),
            public_key: user.identifier_public_key.clone(),
            device_type: "BROWSER",
            device_name: "cotter-emulator",
            expiry: rfc3339(now.saturating_add(IDENTITY_TOKEN_TTL)),
            timestamp: rfc3339(now),
        };
        Ok(IdentityResponse { identifier, token, user: user.json(), oauth_token })
    }

    fn prune_logins(&mut self) {
        let now = self.now();
        self.logins.retain(|_, l| now < l.created_at.saturating_add(LOGIN_TTL));
        let logins = &self.logins;
        self.magic_links.retain(|_, login_id| logins.contains_key(login_id));
        self.codes.retain(|_, c| now < c.created_at.saturating_add(CODE_TTL * 2));
    }
}

fn expired_login() -> Failure {
    Failure::bad("invalid_request", "this sign-in page has expired; start again")
}

/// `redirect_url?error=<error>&state=<state>`.
pub(crate) fn error_redirect(params: &LoginParams, error: &str) -> String {
    append_query(&params.redirect_url, &[("error", error), ("state", &params.state)])
}
