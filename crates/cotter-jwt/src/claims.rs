//! Claims of a verified token: registered claims, Cotter's access and ID token views, and
//! generic access to any other claim.

use crate::error::{Error, Segment};
use cotter_json::{self as json, JsonStr, JsonValue};

/// The `aud` claim: one string or an array of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience<'a> {
    /// `"aud": "…"` (what Cotter sends).
    One(JsonStr<'a>),
    /// `"aud": ["…", …]`, as validated raw array text.
    Many(&'a str),
}

impl<'a> Audience<'a> {
    /// Whether the audience is, or contains, `aud`.
    #[must_use]
    pub fn contains(&self, aud: &str) -> bool {
        let mut found = false;
        self.for_each(|a| found |= a.eq_str(aud));
        found
    }

    /// Calls `f` with each audience string.
    pub fn for_each(&self, mut f: impl FnMut(JsonStr<'a>)) {
        match self {
            Self::One(s) => f(*s),
            Self::Many(array) => {
                // The array was checked to hold only strings when the claims were read.
                let _ = json::for_each_element(array, |v| {
                    if let JsonValue::Str(s) = v {
                        f(s);
                    }
                    Ok::<(), json::JsonError>(())
                });
            }
        }
    }
}

/// The claims of a token whose signature has been verified.
///
/// Registered claims are read once, with their types checked (`exp` must be a number, `iss`
/// a string, `aud` a string or array of strings…); a claim of the wrong type is an error, never
/// taken as absent. Other claims are read with [`Claims::get`]. Strings borrow from the
/// caller's buffer and keep their JSON escapes until decoded (see [`JsonStr`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims<'a> {
    // Crate-visible so that the verified-token cache can rebuild claims over its own copies.
    pub(crate) json: &'a str,
    pub(crate) iss: Option<JsonStr<'a>>,
    pub(crate) sub: Option<JsonStr<'a>>,
    pub(crate) jti: Option<JsonStr<'a>>,
    pub(crate) aud: Option<Audience<'a>>,
    pub(crate) exp: Option<i64>,
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
}

const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Maps a member name (escapes decoded) to one of `names`.
pub(crate) fn known_name(key: &JsonStr<'_>, names: &[&'static str]) -> Option<&'static str> {
    match key.as_str() {
        Some(raw) => names.iter().copied().find(|n| *n == raw),
        None => names.iter().copied().find(|n| key.eq_str(n)),
    }
}

fn string_claim<'a>(v: JsonValue<'a>, name: &'static str) -> Result<JsonStr<'a>, Error> {
    match v {
        JsonValue::Str(s) => Ok(s),
        _ => Err(Error::InvalidClaim(name)),
    }
}

fn time_claim(v: JsonValue<'_>, name: &'static str) -> Result<i64, Error> {
    match v {
        JsonValue::Number(n) => n.as_seconds().ok_or(Error::InvalidClaim(name)),
        _ => Err(Error::InvalidClaim(name)),
    }
}

fn audience_claim(v: JsonValue<'_>) -> Result<Audience<'_>, Error> {
    match v {
        JsonValue::Str(s) => Ok(Audience::One(s)),
        JsonValue::Array(a) => {
            json::for_each_element(a, |e| match e {
                JsonValue::Str(_) => Ok(()),
                _ => Err(JsonOr::Claim(Error::InvalidClaim("aud"))),
            })
            .map_err(|_| Error::InvalidClaim("aud"))?;
            Ok(Audience::Many(a))
        }
        _ => Err(Error::InvalidClaim("aud")),
    }
}

fn put<T>(slot: &mut Option<T>, v: T, name: &'static str) -> Result<(), Error> {
    if slot.replace(v).is_some() {
        Err(Error::DuplicateMember(Segment::Payload, name))
    } else {
        Ok(())
    }
}

impl<'a> Claims<'a> {
    /// Reads the registered claims of a claims-set JSON text.
    pub(crate) fn parse(json: &'a str) -> Result<Self, Error> {
        let mut c = Self {
            json,
            iss: None,
            sub: None,
            jti: None,
            aud: None,
            exp: None,
            nbf: None,
            iat: None,
        };
        json::for_each_member(json, |k, v| {
            let Some(name) = known_name(&k, &REGISTERED) else { return Ok(()) };
            Ok::<(), JsonOr>(match name {
                "iss" => put(&mut c.iss, string_claim(v, name)?, name),
                "sub" => put(&mut c.sub, string_claim(v, name)?, name),
                "jti" => put(&mut c.jti, string_claim(v, name)?, name),
                "aud" => put(&mut c.aud, audience_claim(v)?, name),
                "exp" => put(&mut c.exp, time_claim(v, name)?, name),
                "nbf" => put(&mut c.nbf, time_claim(v, name)?, name),
                _ => put(&mut c.iat, time_claim(v, name)?, name),
            }?)
        })
        .map_err(|e| match e {
            JsonOr::Json(e) => Error::MalformedJson(Segment::Payload, e),
            JsonOr::Claim(e) => e,
        })?;
        Ok(c)
    }

    /// The claims set as JSON text (the decoded payload).
    #[must_use]
    pub const fn json(&self) -> &'a str {
        self.json
    }

    /// `iss`.
    #[must_use]
    pub const fn iss(&self) -> Option<JsonStr<'a>> {
        self.iss
    }

    /// `sub` (Cotter: the user's UUID).
    #[must_use]
    pub const fn sub(&self) -> Option<JsonStr<'a>> {
        self.sub
    }

    /// `jti`.
    #[must_use]
    pub const fn jti(&self) -> Option<JsonStr<'a>> {
        self.jti
    }

    /// `aud`.
    #[must_use]
    pub const fn aud(&self) -> Option<Audience<'a>> {
        self.aud
    }

    /// `exp` in Unix seconds.
    #[must_use]
    pub const fn exp(&self) -> Option<i64> {
        self.exp
    }

    /// `nbf` in Unix seconds.
    #[must_use]
    pub const fn nbf(&self) -> Option<i64> {
        self.nbf
    }

    /// `iat` in Unix seconds.
    #[must_use]
    pub const fn iat(&self) -> Option<i64> {
        self.iat
    }

    /// Any claim by name (escapes in member names decoded); the first one if a claim other
    /// than the registered ones appears twice.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<JsonValue<'a>> {
        let mut found = None;
        // The text was read once already, so this scan cannot fail.
        let _ = json::for_each_member(self.json, |k, v| {
            if found.is_none() && k.eq_str(name) {
                found = Some(v);
            }
            Ok::<(), json::JsonError>(())
        });
        found
    }

    /// A string claim by name: `Ok(None)` when absent.
    ///
    /// # Errors
    /// [`Error::InvalidClaim`] when present but not a string (`name` must then be `'static`
    /// to be named in the error; use [`Claims::get`] for dynamic names).
    pub fn get_str(&self, name: &'static str) -> Result<Option<JsonStr<'a>>, Error> {
        self.get(name).map(|v| string_claim(v, name)).transpose()
    }

    /// The view of a Cotter access token (`type` `client_access_token`).
    ///
    /// # Errors
    /// [`Error::MissingClaim`] / [`Error::InvalidClaim`] when a Cotter claim is absent, of the
    /// wrong type, or `type` is not `client_access_token` (an ID token is not an access token).
    pub fn cotter_access(&self) -> Result<CotterAccessClaims<'a>, Error> {
        let r = self.cotter_members()?;
        let kind = r.kind.ok_or(Error::MissingClaim("type"))?;
        if !kind.eq_str("client_access_token") {
            return Err(Error::InvalidClaim("type"));
        }
        Ok(CotterAccessClaims {
            client_user_id: r.client_user_id.ok_or(Error::MissingClaim("client_user_id"))?,
            authentication_method: r
                .authentication_method
                .ok_or(Error::MissingClaim("authentication_method"))?,
            scope: r.scope.ok_or(Error::MissingClaim("scope"))?,
            identifier: r.identifier,
        })
    }

    /// The view of a Cotter ID token (`type` `client_id_token`).
    ///
    /// # Errors
    /// As [`Claims::cotter_access`], with `type` `client_id_token`.
    pub fn cotter_id(&self) -> Result<CotterIdClaims<'a>, Error> {
        let r = self.cotter_members()?;
        let kind = r.kind.ok_or(Error::MissingClaim("type"))?;
        if !kind.eq_str("client_id_token") {
            return Err(Error::InvalidClaim("type"));
        }
        Ok(CotterIdClaims {
            client_user_id: r.client_user_id.ok_or(Error::MissingClaim("client_user_id"))?,
            auth_time: r.auth_time.ok_or(Error::MissingClaim("auth_time"))?,
            identifier: r.identifier.ok_or(Error::MissingClaim("identifier"))?,
        })
    }

    fn cotter_members(&self) -> Result<CotterMembers<'a>, Error> {
        const NAMES: [&str; 6] =
            ["client_user_id", "authentication_method", "type", "scope", "identifier", "auth_time"];
        let mut r = CotterMembers::default();
        json::for_each_member(self.json, |k, v| {
            let Some(name) = known_name(&k, &NAMES) else { return Ok(()) };
            let s = string_claim(v, name)?;
            let slot = match name {
                "client_user_id" => &mut r.client_user_id,
                "authentication_method" => &mut r.authentication_method,
                "type" => &mut r.kind,
                "scope" => &mut r.scope,
                "identifier" => &mut r.identifier,
                _ => &mut r.auth_time,
            };
            Ok::<(), JsonOr>(put(slot, s, name)?)
        })
        .map_err(|e| match e {
            JsonOr::Json(e) => Error::MalformedJson(Segment::Payload, e),
            JsonOr::Claim(e) => e,
        })?;
        Ok(r)
    }
}

#[derive(Default)]
struct CotterMembers<'a> {
    client_user_id: Option<JsonStr<'a>>,
    authentication_method: Option<JsonStr<'a>>,
    kind: Option<JsonStr<'a>>,
    scope: Option<JsonStr<'a>>,
    identifier: Option<JsonStr<'a>>,
    auth_time: Option<JsonStr<'a>>,
}

/// Either a JSON syntax error or a claim error, while reading members.
pub(crate) enum JsonOr {
    Json(json::JsonError),
    Claim(Error),
}

impl From<json::JsonError> for JsonOr {
    fn from(e: json::JsonError) -> Self {
        Self::Json(e)
    }
}

impl From<Error> for JsonOr {
    fn from(e: Error) -> Self {
        Self::Claim(e)
    }
}

/// Cotter's access token claims (`docs/protocol.md#access-token`), besides the registered ones
/// on [`Claims`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CotterAccessClaims<'a> {
    /// `client_user_id`: the user's ID in the app.
    pub client_user_id: JsonStr<'a>,
    /// `authentication_method`: `OTP`, `MAGIC_LINK`, `TRUSTED_DEVICE`, …
    pub authentication_method: JsonStr<'a>,
    /// `scope` (`access`).
    pub scope: JsonStr<'a>,
    /// `identifier`, present in later tokens.
    pub identifier: Option<JsonStr<'a>>,
}

/// Cotter's ID token claims (`docs/protocol.md#id-token`), besides the registered ones on
/// [`Claims`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CotterIdClaims<'a> {
    /// `client_user_id`.
    pub client_user_id: JsonStr<'a>,
    /// `auth_time`, which Cotter sends as a *string* of Unix seconds.
    pub auth_time: JsonStr<'a>,
    /// `identifier`: the email address or phone number.
    pub identifier: JsonStr<'a>,
}
