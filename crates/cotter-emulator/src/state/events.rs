//! Sign in with a trusted device (`docs/protocol.md#events`): approved events signed by a device, pending
//! requests from other devices with polling and a response, and QR enrolment of a new device (messages of
//! `docs/protocol.md#signed-messages`).

use super::{Failure, State};
use crate::util::time::rfc3339;
use crate::wire::{EventJson, OAuthToken};
use serde::Deserialize;
use std::string::String;

/// Accepted distance between a signed `timestamp` and the emulator clock, seconds.
pub(crate) const SIGNATURE_WINDOW: u64 = 5 * 60;
/// How long a pending request can be answered, seconds.
const PENDING_TTL: u64 = 5 * 60;

/// A stored event.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Event {
    user_id: String,
    issuer: String,
    name: String,
    ip: String,
    location: String,
    timestamp: String,
    method: String,
    new: bool,
    approved: bool,
    created_at: u64,
    updated_at: u64,
    oauth_token: Option<OAuthToken>,
}

/// Body of `event/create`, `event/create_pending` and `event/respond`.
#[derive(Debug, Deserialize)]
pub(crate) struct EventBody {
    issuer: String,
    event: String,
    #[serde(default)]
    ip: Option<String>,
    #[serde(default)]
    location: Option<String>,
    timestamp: String,
    method: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    approved: Option<bool>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    client_user_id: Option<String>,
    #[serde(default)]
    register_new_device: Option<bool>,
    #[serde(default)]
    new_device_public_key: Option<String>,
    #[serde(default)]
    new_device_algorithm: Option<String>,
}

impl EventBody {
    /// The user reference the client signed with: `user_id` (Flutter) or `client_user_id` (others).
    fn signer(&self) -> Result<&str, Failure> {
        self.user_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.client_user_id.as_deref().filter(|s| !s.is_empty()))
            .ok_or_else(|| Failure::bad("invalid_request", "user_id or client_user_id is required"))
    }
}

/// An event as `GET /dev/events` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct EventView {
    pub(crate) id: u64,
    pub(crate) user: String,
    pub(crate) identifier: String,
    pub(crate) api_key: String,
    pub(crate) event: String,
    pub(crate) method: String,
    pub(crate) ip: String,
    pub(crate) location: String,
    pub(crate) created: String,
    /// `pending`, `approved`, `rejected` or `expired`.
    pub(crate) status: &'static str,
}

impl State {
    /// Every event, oldest first.
    pub(crate) fn event_views(&self) -> std::vec::Vec<EventView> {
        let now = self.now();
        self.events
            .iter()
            .map(|(id, e)| EventView {
                id: *id,
                user: e.user_id.clone(),
                identifier: self
                    .user(&e.user_id)
                    .map_or_else(String::new, |u| u.identifier.clone()),
                api_key: e.issuer.clone(),
                event: e.name.clone(),
                method: e.method.clone(),
                ip: e.ip.clone(),
                location: e.location.clone(),
                created: rfc3339(e.created_at),
                status: match (e.new, e.approved) {
                    (true, _) if now >= e.created_at.saturating_add(PENDING_TTL) => "expired",
                    (true, _) => "pending",
                    (false, true) => "approved",
                    (false, false) => "rejected",
                },
            })
            .collect()
    }

    /// Removes every event of `user_id`.
    pub(crate) fn drop_events_of(&mut self, user_id: &str) {
        self.events.retain(|_, e| e.user_id != user_id);
    }

    /// Answers pending event `id` as the user's trusted device would, without a signature (the
    /// development console, `POST /dev/events/{id}/respond`).
    ///
    /// # Errors
    ///
    /// 404 for an unknown event, 400 for one already answered or expired.
    pub(crate) fn respond_as_device(
        &mut self,
        id: u64,
        approved: bool,
    ) -> Result<EventJson, Failure> {
        let now = self.now();
        let event = self.events.get(&id).ok_or_else(|| Failure::not_found("event not found"))?;
        if !event.new {
            return Err(Failure::bad("invalid_request", "this request was already answered"));
        }
        if now >= event.created_at.saturating_add(PENDING_TTL) {
            return Err(Failure::bad("expired", "this request has expired"));
        }
        let (user_id, api_key) = (event.user_id.clone(), event.issuer.clone());
        self.record_answer(id, approved, &user_id, &api_key, now)
    }

    /// Records the device's answer to pending event `id`: a trusted-device session when it
    /// approved, the event closed either way. Both ways of answering end here (a signed
    /// `POST /event/respond/<ID>` and the development console).
    fn record_answer(
        &mut self,
        id: u64,
        approved: bool,
        user_id: &str,
        api_key: &str,
        now: u64,
    ) -> Result<EventJson, Failure> {
        let oauth_token = approved.then(|| self.new_session(user_id, api_key, "TRUSTED_DEVICE"));
        let event =
            self.events.get_mut(&id).ok_or_else(|| Failure::not_found("event not found"))?;
        event.new = false;
        event.approved = approved;
        event.updated_at = now;
        event.oauth_token = oauth_token;
        self.event_json(id, false)
    }

    /// `POST /event/create`: a login (or new-device enrolment) approved by a trusted device's signature.
    pub(crate) fn create_approved_event(
        &mut self,
        api_key: &str,
        body: &EventBody,
    ) -> Result<EventJson, Failure> {
        if body.approved != Some(true) {
            return Err(Failure::bad(
                "invalid_request",
                "approved must be true; use event/create_pending",
            ));
        }
        let user_id = self.check_request(api_key, body)?;
        let register = body.register_new_device == Some(true);
        let suffix = if register {
            body.new_device_public_key.as_deref().ok_or_else(|| {
                Failure::bad("invalid_request", "new_device_public_key is required")
            })?
        } else {
            ""
        };
        self.check_device_signature(api_key, &user_id, body, &body.timestamp, true, suffix)?;
        if register {
            let algorithm = body.new_device_algorithm.as_deref().unwrap_or("EC");
            self.enroll_device(&user_id, algorithm, suffix)?;
        }
        let oauth_token = Some(self.new_session(&user_id, api_key, "TRUSTED_DEVICE"));
        let id = self.insert_event(&user_id, body, false, true, oauth_token);
        self.event_json(id, true)
    }

    /// `POST /event/create_pending`: a sign-in request a trusted device must answer.
    pub(crate) fn create_pending_event(
        &mut self,
        api_key: &str,
        body: &EventBody,
    ) -> Result<EventJson, Failure> {
        let user_id = self.check_request(api_key, body)?;
        let id = self.insert_event(&user_id, body, true, false, None);
        self.event_json(id, false)
    }

    /// `GET /event/get/<ID>`: the event, with `oauth_token` once approved.
    pub(crate) fn get_event(&self, api_key: &str, id: u64) -> Result<EventJson, Failure> {
        match self.events.get(&id) {
            Some(event) if event.issuer == api_key => self.event_json(id, true),
            _ => Err(Failure::not_found("event not found")),
        }
    }

    /// `GET /event/new`: the newest unanswered, unexpired request for `user` (Cotter ID or client ID).
    pub(crate) fn newest_pending(
        &self,
        api_key: &str,
        user: &str,
    ) -> Result<Option<EventJson>, Failure> {
        let user_id = self
            .user_by_any_id(api_key, user)
            .ok_or_else(|| Failure::not_found("user not found"))?
            .id
            .clone();
        let now = self.now();
        let found = self.events.iter().rev().find(|(_, e)| {
            e.issuer == api_key
                && e.user_id == user_id
                && e.new
                && now < e.created_at.saturating_add(PENDING_TTL)
        });
        found.map(|(id, _)| self.event_json(*id, false)).transpose()
    }

    /// `POST /event/respond/<ID>`: a trusted device approves or rejects a pending request.
    pub(crate) fn respond_event(
        &mut self,
        api_key: &str,
        id: u64,
        body: &EventBody,
    ) -> Result<EventJson, Failure> {
        let now = self.now();
        let event = self
            .events
            .get(&id)
            .filter(|e| e.issuer == api_key)
            .ok_or_else(|| Failure::not_found("event not found"))?;
        if !event.new {
            return Err(Failure::bad("invalid_request", "this request was already answered"));
        }
        if now >= event.created_at.saturating_add(PENDING_TTL) {
            return Err(Failure::bad("expired", "this request has expired"));
        }
        let (event_user, event_timestamp) = (event.user_id.clone(), event.timestamp.clone());
        let user_id = self.check_request(api_key, body)?;
        if user_id != event_user {
            return Err(Failure::bad("invalid_request", "the event belongs to another user"));
        }
        if body.timestamp != event_timestamp {
            return Err(Failure::bad(
                "invalid_request",
                "timestamp must be the pending event's timestamp",
            ));
        }
        let approved = body.approved.unwrap_or(false);
        self.check_device_signature(api_key, &user_id, body, &event_timestamp, approved, "")?;
        self.record_answer(id, approved, &user_id, api_key, now)
    }

    /// Common checks: `issuer` is the API key, `method`, and the user exists. Returns the Cotter user ID.
    fn check_request(&self, api_key: &str, body: &EventBody) -> Result<String, Failure> {
        if body.issuer != api_key {
            return Err(Failure::bad("invalid_request", "issuer must equal the API_KEY_ID header"));
        }
        if body.method != "TRUSTED_DEVICE" {
            return Err(Failure::bad("invalid_request", "method must be TRUSTED_DEVICE"));
        }
        if body.timestamp.parse::<u64>().is_err() {
            return Err(Failure::bad(
                "invalid_request",
                "timestamp must be Unix seconds as a decimal string",
            ));
        }
        let user = self
            .user_by_any_id(api_key, body.signer()?)
            .ok_or_else(|| Failure::not_found("user not found"))?;
        Ok(user.id.clone())
    }

    /// Verifies `code` over `userID + API_KEY_ID + event + timestamp + method + approved + suffix` with the
    /// trusted key `public_key`, the timestamp window (±5 min) and the replay guard.
    fn check_device_signature(
        &mut self,
        api_key: &str,
        user_id: &str,
        body: &EventBody,
        timestamp: &str,
        approved: bool,
        suffix: &str,
    ) -> Result<(), Failure> {
        let now = self.now();
        let public_key = body
            .public_key
            .as_deref()
            .ok_or_else(|| Failure::bad("invalid_request", "public_key is required"))?;
        let code = body
            .code
            .as_deref()
            .ok_or_else(|| Failure::bad("invalid_request", "code (the signature) is required"))?;
        let key = self.trusted_key(user_id, public_key).ok_or_else(|| {
            Failure::bad("untrusted_device", "public_key is not a trusted device of this user")
        })?;
        let signed_at: u64 = timestamp
            .parse()
            .map_err(|_| Failure::bad("invalid_request", "malformed timestamp"))?;
        if signed_at.abs_diff(now) > SIGNATURE_WINDOW {
            return Err(Failure::bad(
                "invalid_signature",
                "timestamp is more than 5 minutes from the server clock",
            ));
        }
        let message = format!(
            "{}{api_key}{}{timestamp}{}{approved}{suffix}",
            body.signer()?,
            body.event,
            body.method
        );
        if !key.verify(message.as_bytes(), code) {
            return Err(Failure::bad("invalid_signature", "device signature does not verify"));
        }
        self.seen_signatures.retain(|_, until| *until > now);
        if self.seen_signatures.contains_key(code) {
            return Err(Failure::bad("invalid_signature", "this signature was already used"));
        }
        self.seen_signatures.insert(code.into(), signed_at.saturating_add(SIGNATURE_WINDOW + 1));
        Ok(())
    }

    fn insert_event(
        &mut self,
        user_id: &str,
        body: &EventBody,
        new: bool,
        approved: bool,
        oauth_token: Option<OAuthToken>,
    ) -> u64 {
        let id = self.next_event_id;
        self.next_event_id += 1;
        let now = self.now();
        let event = Event {
            user_id: user_id.into(),
            issuer: body.issuer.clone(),
            name: body.event.clone(),
            ip: body.ip.clone().unwrap_or_else(|| "unknown".into()),
            location: body.location.clone().unwrap_or_else(|| "unknown".into()),
            timestamp: body.timestamp.clone(),
            method: body.method.clone(),
            new,
            approved,
            created_at: now,
            updated_at: now,
            oauth_token,
        };
        self.events.insert(id, event);
        id
    }

    /// The JSON of event `id`, signed with the identity key; `with_token` adds `oauth_token` when present.
    fn event_json(&self, id: u64, with_token: bool) -> Result<EventJson, Failure> {
        let event = self.events.get(&id).ok_or_else(|| Failure::not_found("event not found"))?;
        let client_user_id = self
            .user(&event.user_id)
            .map_or_else(|| event.user_id.clone(), |u| u.client_user_id.clone());
        let message = format!(
            "{client_user_id}{}{}{}{}{}{}",
            event.issuer, event.name, event.timestamp, event.method, event.new, event.approved
        );
        Ok(EventJson {
            id,
            created_at_go: rfc3339(event.created_at),
            updated_at_go: rfc3339(event.updated_at),
            deleted_at_go: None,
            created_at: rfc3339(event.created_at),
            user_id: event.user_id.clone(),
            client_user_id,
            issuer: event.issuer.clone(),
            event: event.name.clone(),
            ip: event.ip.clone(),
            location: event.location.clone(),
            timestamp: event.timestamp.clone(),
            method: event.method.clone(),
            new: event.new,
            approved: event.approved,
            signature: self.keys.sign_identity(message.as_bytes()),
            oauth_token: if with_token { event.oauth_token.clone() } else { None },
        })
    }
}
