//! The crate's error type: one `#[non_exhaustive]` enum for every phase.

use core::fmt;

use cotter_json::JsonError;

/// Everything that can go wrong in `cotter-proto`.
///
/// The variants are grouped by phase: output buffers, JSON bodies, PKCE and state values, URL
/// building, and the redirect back from the hosted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The output (a JSON body, a URL, a signed message) does not fit in the caller's buffer.
    /// Recover by retrying with a larger buffer.
    BufferTooSmall,
    /// A JSON body could not be decoded: `error` says what (and, for malformed JSON, at which
    /// byte), `object` and `member` where.
    Json {
        /// What was wrong: malformed JSON or invalid UTF-8 (with the byte offset into the
        /// body), or JSON that does not fit the type: a wrong type, an unacceptable value, a
        /// missing or repeated member, a scratch buffer too small for the escaped strings.
        error: JsonError,
        /// The Rust type (e.g. `"OAuthToken"`) of the innermost object being decoded, when
        /// known.
        object: Option<&'static str>,
        /// The JSON member (e.g. `"expires_in"`) whose value failed, when known. `None` for a
        /// missing member; `object` says where it is missing.
        member: Option<&'static str>,
    },
    /// The random input for a [`CodeVerifier`](crate::CodeVerifier) or [`State`](crate::State)
    /// has the wrong length.
    RandomLength {
        /// The smallest accepted number of bytes.
        min: usize,
        /// The largest accepted number of bytes.
        max: usize,
        /// The number of bytes supplied.
        actual: usize,
    },
    /// A stored PKCE code verifier is not 43–128 characters of the RFC 7636 alphabet.
    InvalidVerifier,
    /// A stored state value is not 22–128 URL-safe characters.
    InvalidState,
    /// A base URL is not an absolute `http://` or `https://` URL without query or fragment.
    InvalidBaseUrl,
    /// A redirect query holds a malformed `%` escape.
    InvalidPercentEncoding,
    /// A percent-decoded redirect parameter is not valid UTF-8.
    InvalidUtf8,
    /// A redirect parameter occurs more than once (ambiguous, so rejected).
    DuplicateParameter(&'static str),
    /// A redirect parameter the flow needs is missing or empty.
    MissingParameter(&'static str),
    /// The redirect's `challenge_id` is not a non-negative integer.
    InvalidChallengeId,
    /// The redirect carries no `state`: it cannot be tied to the login that was started.
    StateMissing,
    /// The redirect's `state` differs from the one sent: possible CSRF, the login is refused.
    StateMismatch,
    /// The hosted page redirected back with `error=…`: the user or the server refused.
    AuthorizationRejected(RejectionKind),
}

impl Error {
    /// A fixed, lowercase description of the error, without the details that [`Display`]
    /// adds (lengths, parameter names, the rejection's kind).
    ///
    /// It needs no `core::fmt`: firmware that reports errors as text can print it and leave
    /// the formatting machinery out of its image.
    ///
    /// [`Display`]: fmt::Display
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::BufferTooSmall => "output buffer too small",
            Self::Json { .. } => "invalid json body",
            Self::RandomLength { .. } => "random input of the wrong length",
            Self::InvalidVerifier => "invalid pkce code verifier",
            Self::InvalidState => "invalid state value",
            Self::InvalidBaseUrl => "base url must be http(s) without query or fragment",
            Self::InvalidPercentEncoding => "invalid percent-encoding in redirect query",
            Self::InvalidUtf8 => "redirect parameter is not valid utf-8",
            Self::DuplicateParameter(_) => "redirect parameter repeated",
            Self::MissingParameter(_) => "redirect parameter missing",
            Self::InvalidChallengeId => "redirect `challenge_id` is not an integer",
            Self::StateMissing => "redirect carries no state",
            Self::StateMismatch => "redirect state does not match the login",
            Self::AuthorizationRejected(_) => "authorization rejected",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RandomLength { min, max, actual } => {
                write!(f, "random input of {actual} bytes, expected {min} to {max}")
            }
            Self::DuplicateParameter(name) => write!(f, "redirect parameter `{name}` repeated"),
            Self::MissingParameter(name) => write!(f, "redirect parameter `{name}` missing"),
            Self::AuthorizationRejected(kind) => write!(f, "authorization rejected: {kind}"),
            Self::Json { object: Some(o), member: Some(m), .. } => {
                write!(f, "invalid json body at `{o}.{m}`")
            }
            Self::Json { object: Some(o), member: None, .. } => {
                write!(f, "invalid json body in `{o}`")
            }
            Self::Json { object: None, member: Some(m), .. } => {
                write!(f, "invalid json body at `{m}`")
            }
            _ => f.write_str(self.reason()),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Json { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A JSON error not yet located in an object or member.
impl From<JsonError> for Error {
    fn from(error: JsonError) -> Self {
        Self::Json { error, object: None, member: None }
    }
}

/// The `error=` value of a redirect, mapped to the OAuth 2.0 codes (RFC 6749 §4.1.2.1).
///
/// Cotter never documented its own values; the text itself stays available in
/// [`RedirectParams::error`](crate::RedirectParams::error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// `access_denied`: the user or the server refused.
    AccessDenied,
    /// `invalid_request`: a parameter of the hosted-page URL was wrong.
    InvalidRequest,
    /// `unauthorized_client`: the API key may not use this flow.
    UnauthorizedClient,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `invalid_scope`.
    InvalidScope,
    /// `server_error`: retry later.
    ServerError,
    /// `temporarily_unavailable`: retry later.
    TemporarilyUnavailable,
    /// Any other value (Cotter's page may send free text).
    Other,
}

impl RejectionKind {
    /// Maps an `error=` value; unknown values become [`RejectionKind::Other`].
    #[must_use]
    pub fn from_code(code: &str) -> Self {
        match code {
            "access_denied" => Self::AccessDenied,
            "invalid_request" => Self::InvalidRequest,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "invalid_scope" => Self::InvalidScope,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            _ => Self::Other,
        }
    }

    /// True when the OAuth 2.0 meaning is "try again later".
    #[must_use]
    pub fn is_transient(self) -> bool {
        matches!(self, Self::ServerError | Self::TemporarilyUnavailable)
    }
}

impl fmt::Display for RejectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AccessDenied => "access denied",
            Self::InvalidRequest => "invalid request",
            Self::UnauthorizedClient => "unauthorized client",
            Self::UnsupportedResponseType => "unsupported response type",
            Self::InvalidScope => "invalid scope",
            Self::ServerError => "server error",
            Self::TemporarilyUnavailable => "temporarily unavailable",
            Self::Other => "other reason",
        })
    }
}
