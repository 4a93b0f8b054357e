//! The verified claims handlers receive: [`CotterClaims`] (typed) and [`Claims<T>`] (serde).

use crate::error::AuthError;
use axum_core::extract::FromRequestParts;
use cotter_jwt::CachedToken;
use http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The claims of the request's verified Cotter access token, put in the request's extensions
/// by the [`AuthLayer`](crate::AuthLayer) and taken by handlers as an extractor.
///
/// The common claims are typed fields (owned strings, unescaped); [`CotterClaims::raw`] reads
/// any other claim, and [`CotterClaims::deserialize`] (or the [`Claims<T>`] extractor) reads
/// them all into the app's own `serde` type.
///
/// ```
/// use cotter_axum::CotterClaims;
///
/// async fn whoami(user: CotterClaims) -> String {
///     format!("{} signed in with {}", user.sub, user.auth_method.as_deref().unwrap_or("?"))
/// }
/// # let _ = whoami;
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct CotterClaims {
    /// `sub`: the Cotter user ID.
    pub sub: String,
    /// `identifier` (email address or phone number), when the token has it.
    pub identifier: Option<String>,
    /// `identifier_type` (`EMAIL`, `PHONE`), when the token has it.
    pub identifier_type: Option<String>,
    /// `authentication_method` (`OTP`, `MAGIC_LINK`, `WEBAUTHN`, …).
    pub auth_method: Option<String>,
    /// `scope` (`access`).
    pub scope: Option<String>,
    /// `client_user_id`: the user's ID in the app.
    pub client_user_id: Option<String>,
    /// `exp`, Unix seconds.
    pub exp: Option<i64>,
    token: Arc<CachedToken>,
}

impl core::fmt::Debug for CotterClaims {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Claims are not secrets, but the identifier is personal data: show only its presence.
        f.debug_struct("CotterClaims")
            .field("sub", &self.sub)
            .field("identifier", &self.identifier.as_ref().map(|_| "<present>"))
            .field("auth_method", &self.auth_method)
            .field("scope", &self.scope)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

fn text(claims: &cotter_jwt::Claims<'_>, name: &'static str) -> Option<String> {
    claims.get_str(name).ok().flatten().map(|s| s.to_string())
}

/// The typed claims in one pass over the JSON (the claims reader looks one name up per scan).
#[derive(serde::Deserialize)]
struct Common {
    sub: Option<String>,
    identifier: Option<String>,
    identifier_type: Option<String>,
    authentication_method: Option<String>,
    scope: Option<String>,
    client_user_id: Option<String>,
}

impl CotterClaims {
    pub(crate) fn new(token: Arc<CachedToken>) -> Self {
        let claims = token.claims();
        let exp = claims.exp();
        if let Ok(c) = serde_json::from_str::<Common>(claims.json()) {
            return Self {
                sub: c.sub.unwrap_or_default(),
                identifier: c.identifier,
                identifier_type: c.identifier_type,
                auth_method: c.authentication_method,
                scope: c.scope,
                client_user_id: c.client_user_id,
                exp,
                token,
            };
        }
        // A claim of another type than a string, or a duplicate: claim by claim.
        let sub = claims.sub().map(|s| s.to_string()).unwrap_or_default();
        let identifier = text(&claims, "identifier");
        let identifier_type = text(&claims, "identifier_type");
        let auth_method = text(&claims, "authentication_method");
        let scope = text(&claims, "scope");
        let client_user_id = text(&claims, "client_user_id");
        Self { sub, identifier, identifier_type, auth_method, scope, client_user_id, exp, token }
    }

    /// Every claim, as `cotter-jwt` reads them (`get`, `get_str`, the registered claims).
    #[must_use]
    pub fn raw(&self) -> cotter_jwt::Claims<'_> {
        self.token.claims()
    }

    /// The claims set as JSON text.
    #[must_use]
    pub fn json(&self) -> &str {
        self.token.claims().json()
    }

    /// The claims read into the app's own type.
    ///
    /// # Errors
    /// When the claims do not fit `T`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CotterClaims {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or(AuthError::NotConfigured)
    }
}

/// An extractor of the verified claims as the app's own `serde` type (custom claims included).
///
/// A token whose claims do not fit `T` is refused with 401 `invalid_token` ("claims do not
/// match the expected type": the `serde` error is not shown, it could quote claim values).
///
/// ```
/// use cotter_axum::Claims;
///
/// #[derive(serde::Deserialize)]
/// struct MyClaims {
///     sub: String,
///     plan: Option<String>, // a custom claim set through Cotter's /token/custom
/// }
///
/// async fn handler(Claims(claims): Claims<MyClaims>) -> String {
///     format!("{} on plan {}", claims.sub, claims.plan.as_deref().unwrap_or("free"))
/// }
/// # let _ = handler;
/// ```
#[derive(Clone, Debug)]
pub struct Claims<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Claims<T> {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let claims = parts.extensions.get::<CotterClaims>().ok_or(AuthError::NotConfigured)?;
        claims
            .deserialize()
            .map(Claims)
            .map_err(|_| AuthError::InvalidToken("claims do not match the expected type"))
    }
}
