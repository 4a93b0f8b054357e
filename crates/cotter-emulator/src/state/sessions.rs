//! Refresh sessions: token minting, rotation with reuse detection and a grace window, and revocation.
//!
//! A refresh token is `<session id>:<50 alphanumerics>`. Each refresh replaces the secret and keeps the id.
//! Presenting a secret that was already rotated away is a reuse: within the reuse interval after its rotation
//! it gets exactly the tokens that rotation issued (Cotter's JS SDK sends one refresh per caller, so parallel
//! callers present the same token); later, it revokes the whole session (OAuth 2.0 Security BCP §4.14).

use super::{Failure, State, ct_eq};
use crate::crypto::jwt::{self, AccessClaims, IdClaims};
use crate::wire::OAuthToken;
use sha2::{Digest as _, Sha256};
use std::collections::VecDeque;
use std::string::String;

/// Most retired secrets remembered per session (older ones are then merely unknown).
const MAX_RETIRED: usize = 100_000;

/// What presenting a usable-looking refresh token did. The two reuse outcomes are counted in the stats
/// (`reuse_replays`, `reuse_revocations`), so they are told apart here rather than inside a [`Failure`].
#[derive(Debug)]
pub(crate) enum Refresh {
    /// The current secret: rotated; these are the new tokens.
    Rotated(OAuthToken),
    /// A retired secret within the reuse interval after its rotation: the tokens that rotation issued.
    Replayed(OAuthToken),
    /// A retired secret after the reuse interval: the session is revoked now; this is the 400 to send.
    Revoked(Failure),
}

/// What a session grants: the same for every token of its chain.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Grant {
    api_key: String,
    user_id: String,
    auth_method: String,
    auth_time: u64,
}

/// One login's chain of refresh tokens (saved with `--state`: its secret and retired hashes too).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Session {
    grant: Grant,
    secret: String,
    retired: VecDeque<Retired>,
    revoked: bool,
    /// Emulator clock at sign-in.
    created_at: u64,
    /// Emulator clock at the last rotation.
    #[serde(default)]
    last_refresh: Option<u64>,
}

/// A session as `GET /dev/sessions` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct SessionView {
    pub(crate) id: u64,
    pub(crate) user: String,
    pub(crate) identifier: String,
    pub(crate) api_key: String,
    pub(crate) auth_method: String,
    pub(crate) created: String,
    pub(crate) last_refresh: Option<String>,
    /// `active` or `revoked`.
    pub(crate) status: &'static str,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("grant", &self.grant)
            .field("retired", &self.retired.len())
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

/// A rotated-away secret: its hash, when it was rotated, and (within the grace window) what that rotation issued.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Retired {
    hash: [u8; 32],
    rotated_at: u64,
    issued: Option<OAuthToken>,
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The 400 every unusable refresh token gets; its `msg` contains "not valid" (Cotter's JS SDK reads that
/// as final). Transient failures never use it.
fn invalid(reason: &str) -> Failure {
    Failure::bad("invalid_grant", format!("refresh token is not valid: {reason}"))
}

impl State {
    /// Starts a session for `user_id` and returns its first tokens.
    pub(crate) fn new_session(
        &mut self,
        user_id: &str,
        api_key: &str,
        auth_method: &str,
    ) -> OAuthToken {
        let id = self.next_session_id;
        self.next_session_id += 1;
        let secret = self.rng.alnum(50);
        let now = self.now();
        let grant = Grant {
            api_key: api_key.into(),
            user_id: user_id.into(),
            auth_method: auth_method.into(),
            auth_time: now,
        };
        let tokens = self.mint(&grant, format!("{id}:{secret}"));
        self.sessions.insert(
            id,
            Session {
                grant,
                secret,
                retired: VecDeque::new(),
                revoked: false,
                created_at: now,
                last_refresh: None,
            },
        );
        tokens
    }

    /// Every session, oldest first.
    pub(crate) fn session_views(&self) -> std::vec::Vec<SessionView> {
        let mut ids: std::vec::Vec<&u64> = self.sessions.keys().collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| {
                let s = self.sessions.get(id)?;
                Some(SessionView {
                    id: *id,
                    user: s.grant.user_id.clone(),
                    identifier: self
                        .user(&s.grant.user_id)
                        .map_or_else(String::new, |u| u.identifier.clone()),
                    api_key: s.grant.api_key.clone(),
                    auth_method: s.grant.auth_method.clone(),
                    created: crate::util::time::rfc3339(s.created_at),
                    last_refresh: s.last_refresh.map(crate::util::time::rfc3339),
                    status: if s.revoked { "revoked" } else { "active" },
                })
            })
            .collect()
    }

    /// Revokes session `id` (the console's revoke); `false` when there is no such session.
    pub(crate) fn revoke_session(&mut self, id: u64) -> bool {
        self.sessions.get_mut(&id).map(|s| s.revoked = true).is_some()
    }

    /// Removes every session of `user_id`.
    pub(crate) fn drop_sessions_of(&mut self, user_id: &str) {
        self.sessions.retain(|_, s| s.grant.user_id != user_id);
    }

    /// Exchanges `refresh_token` for new tokens (rotation), or replays / revokes on reuse.
    ///
    /// # Errors
    ///
    /// A `400` "not valid" [`Failure`] for a malformed, unknown or foreign token and for a session revoked
    /// before; a reuse that revokes the session now is [`Refresh::Revoked`] instead.
    pub(crate) fn refresh(
        &mut self,
        api_key: &str,
        refresh_token: &str,
    ) -> Result<Refresh, Failure> {
        let (id_text, secret) =
            refresh_token.split_once(':').ok_or_else(|| invalid("malformed"))?;
        let id: u64 = id_text.parse().map_err(|_| invalid("malformed"))?;
        let now = self.now();
        let grace = self.settings.reuse_interval;
        let session = self.sessions.get_mut(&id).ok_or_else(|| invalid("unknown session"))?;
        if session.grant.api_key != api_key {
            return Err(invalid("issued for another API key"));
        }
        if session.revoked {
            return Err(invalid("session revoked"));
        }
        if !ct_eq(secret, &session.secret) {
            let presented = hash(secret);
            let Some(retired) = session.retired.iter().find(|r| r.hash == presented) else {
                return Err(invalid("unknown token"));
            };
            return Ok(match &retired.issued {
                Some(issued) if now < retired.rotated_at.saturating_add(grace) => {
                    Refresh::Replayed(issued.clone())
                }
                _ => {
                    session.revoked = true;
                    Refresh::Revoked(invalid("already used; the session is revoked"))
                }
            });
        }
        let grant = session.grant.clone();
        let new_secret = self.rng.alnum(50);
        let tokens = self.mint(&grant, format!("{id}:{new_secret}"));
        let session = self.sessions.get_mut(&id).ok_or_else(|| invalid("unknown session"))?;
        let old_secret = core::mem::replace(&mut session.secret, new_secret);
        session.last_refresh = Some(now);
        let session = self.sessions.get_mut(&id).ok_or_else(|| invalid("unknown session"))?;
        // Responses are only needed within the grace window; keep the hashes for reuse detection.
        for old in session.retired.iter_mut().rev() {
            if old.issued.is_none() {
                break;
            }
            if now >= old.rotated_at.saturating_add(grace) {
                old.issued = None;
            }
        }
        if session.retired.len() >= MAX_RETIRED {
            session.retired.pop_front();
        }
        session.retired.push_back(Retired {
            hash: hash(&old_secret),
            rotated_at: now,
            issued: (grace > 0).then(|| tokens.clone()),
        });
        Ok(Refresh::Rotated(tokens))
    }

    /// Revokes the session that `refresh_token` (current or retired) belongs to. Unknown tokens are ignored,
    /// as RFC 7009 asks. Returns whether a session was revoked.
    pub(crate) fn revoke(&mut self, api_key: &str, refresh_token: &str) -> bool {
        let Some((id_text, secret)) = refresh_token.split_once(':') else {
            return false;
        };
        let Ok(id) = id_text.parse::<u64>() else {
            return false;
        };
        let Some(session) = self.sessions.get_mut(&id) else {
            return false;
        };
        let presented = hash(secret);
        let matches =
            ct_eq(secret, &session.secret) || session.retired.iter().any(|r| r.hash == presented);
        if session.grant.api_key != api_key || !matches || session.revoked {
            return false;
        }
        session.revoked = true;
        true
    }

    /// Signs an access token and an ID token for `session` and pairs them with `refresh_token`.
    fn mint(&mut self, session: &Grant, refresh_token: String) -> OAuthToken {
        let now = self.now();
        let ttl = self.settings.token_ttl;
        let (client_user_id, identifier) = self.user(&session.user_id).map_or_else(
            || (session.user_id.clone(), String::new()),
            |u| (u.client_user_id.clone(), u.identifier.clone()),
        );
        let access_jti = self.rng.uuid_v4();
        let id_jti = self.rng.uuid_v4();
        let key = self.keys.current();
        let access_token = jwt::sign(
            key,
            &AccessClaims {
                client_user_id: &client_user_id,
                authentication_method: &session.auth_method,
                kind: "client_access_token",
                scope: "access",
                aud: &session.api_key,
                exp: now.saturating_add(ttl),
                jti: &access_jti,
                iat: now,
                iss: jwt::ISSUER,
                sub: &session.user_id,
            },
        );
        let id_token = jwt::sign(
            key,
            &IdClaims {
                client_user_id: &client_user_id,
                auth_time: session.auth_time.to_string(),
                identifier: &identifier,
                kind: "client_id_token",
                aud: &session.api_key,
                exp: now.saturating_add(ttl),
                jti: &id_jti,
                iat: now,
                iss: jwt::ISSUER,
                sub: &session.user_id,
            },
        );
        OAuthToken {
            access_token,
            auth_method: session.auth_method.clone(),
            expires_in: ttl,
            id_token,
            refresh_token,
            token_type: "Bearer".into(),
        }
    }
}
