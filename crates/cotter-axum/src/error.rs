//! [`AuthError`]: every way a request can be refused, as the RFC 6750 response it becomes.

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use core::fmt;
use http::{HeaderValue, StatusCode, header};

/// Why a request was refused; each becomes the response RFC 6750 (section 3) prescribes.
///
/// Descriptions are fixed texts chosen by this crate or by the app (for
/// [`AuthLayer::require`](crate::AuthLayer::require)): they name the check that failed and
/// never contain any part of the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer` credentials (no header, a blank one, or another scheme):
    /// 401, `WWW-Authenticate: Bearer`.
    Missing,
    /// The request is malformed (e.g. two `Authorization` headers): 400,
    /// `WWW-Authenticate: Bearer error="invalid_request", error_description="…"`.
    InvalidRequest(&'static str),
    /// The token is malformed, expired, not yet valid, badly signed, for another audience or
    /// issuer, or signed by an unknown key: 401,
    /// `WWW-Authenticate: Bearer error="invalid_token", error_description="…"`.
    InvalidToken(&'static str),
    /// The token verified but a check the app added refused it: 403,
    /// `WWW-Authenticate: Bearer error="insufficient_scope", error_description="…"`.
    InsufficientScope(&'static str),
    /// No usable key set: it was never fetched (or is stale past the bound) and the issuer
    /// cannot be reached now: 503 with `Retry-After`.
    Unavailable {
        /// Seconds until the next fetch attempt.
        retry_after: u64,
    },
    /// An extractor ran on a route without the [`AuthLayer`](crate::AuthLayer): 500.
    NotConfigured,
}

impl AuthError {
    /// The HTTP status of the response.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::Missing | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `WWW-Authenticate` value, when the response carries one.
    #[must_use]
    pub fn www_authenticate(&self) -> Option<String> {
        let (code, description) = match self {
            Self::Missing => return Some("Bearer".to_owned()),
            Self::InvalidRequest(d) => ("invalid_request", d),
            Self::InvalidToken(d) => ("invalid_token", d),
            Self::InsufficientScope(d) => ("insufficient_scope", d),
            Self::Unavailable { .. } | Self::NotConfigured => return None,
        };
        Some(format!("Bearer error=\"{code}\", error_description=\"{description}\""))
    }

    /// The description (for [`AuthError::Missing`], a fixed text).
    #[must_use]
    pub const fn description(&self) -> &'static str {
        match self {
            Self::Missing => "no bearer token",
            Self::InvalidRequest(d) | Self::InvalidToken(d) | Self::InsufficientScope(d) => d,
            Self::Unavailable { .. } => "the issuer's key set is not available",
            Self::NotConfigured => "the route has no cotter-axum AuthLayer",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl core::error::Error for AuthError {}

/// Whether `text` may appear inside an RFC 6750 quoted `error_description` (printable ASCII
/// without `"` and `\`).
pub(crate) fn is_description(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.description()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        if let Some(value) = self.www_authenticate().and_then(|v| HeaderValue::try_from(v).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Self::Unavailable { retry_after } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
        }
        response
    }
}

/// The `error_description` for a verification error: which check failed, never the token.
pub(crate) const fn describe(error: &cotter_jwt::Error) -> &'static str {
    use cotter_jwt::Error as E;
    match error {
        E::TokenTooLarge { .. } => "token too large",
        E::AlgorithmNotAllowed => "algorithm not allowed (ES256 only)",
        E::CriticalHeader => "unsupported critical header",
        E::UnknownKid => "unknown signing key (kid)",
        E::MissingKid => "no kid in the token header",
        E::InvalidSignature => "invalid signature",
        E::Expired => "token expired",
        E::NotYetValid => "token not yet valid",
        E::MissingClaim(_) => "a required claim is missing",
        E::InvalidClaim(_) => "a claim has an invalid value",
        E::AudienceMismatch => "wrong audience",
        E::IssuerMismatch => "wrong issuer",
        _ => "malformed token",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_valid_quoted_strings() {
        use cotter_jwt::Error as E;
        let all = [
            E::TokenTooLarge { len: 1, max: 0 },
            E::MalformedSegments,
            E::AlgorithmNotAllowed,
            E::CriticalHeader,
            E::UnknownKid,
            E::MissingKid,
            E::InvalidSignature,
            E::Expired,
            E::NotYetValid,
            E::MissingClaim("exp"),
            E::InvalidClaim("exp"),
            E::AudienceMismatch,
            E::IssuerMismatch,
        ];
        for e in all {
            assert!(is_description(describe(&e)), "{e:?}");
        }
        assert!(!is_description("a \"quote\""));
        assert!(!is_description("new\nline"));
    }

    #[test]
    fn headers_are_exact() {
        assert_eq!(AuthError::Missing.www_authenticate().as_deref(), Some("Bearer"));
        assert_eq!(
            AuthError::InvalidToken("token expired").www_authenticate().as_deref(),
            Some("Bearer error=\"invalid_token\", error_description=\"token expired\"")
        );
        let r = AuthError::Unavailable { retry_after: 0 }.into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_none());
    }
}
