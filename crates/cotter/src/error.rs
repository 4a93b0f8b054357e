//! The client's one error type, wrapping the layers below.

use crate::config::ConfigError;
use crate::random::RandomError;
use core::fmt;

/// The longest server message the client keeps ([`Client::api_message`]).
///
/// [`Client::api_message`]: crate::Client::api_message
pub const API_MESSAGE_LEN: usize = 160;

/// A message from the server's `{"msg": …, "type": …}` error body, cut to
/// [`API_MESSAGE_LEN`] bytes.
pub type ApiMessage = heapless::String<API_MESSAGE_LEN>;

/// The server's message of an [`Error::Api`] (Cotter's `msg`, at most [`API_MESSAGE_LEN`]
/// bytes). It holds the text with `alloc`; without it, it is always empty and
/// [`Client::api_message`](crate::Client::api_message) has the message.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ServerMessage {
    #[cfg(feature = "alloc")]
    text: alloc::string::String,
}

impl ServerMessage {
    #[cfg_attr(not(feature = "alloc"), allow(clippy::missing_const_for_fn, unused_variables))]
    pub(crate) fn new(msg: &str) -> Self {
        Self {
            #[cfg(feature = "alloc")]
            text: msg.into(),
        }
    }

    /// The message; empty when there is none (always without `alloc`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        #[cfg(feature = "alloc")]
        return &self.text;
        #[cfg(not(feature = "alloc"))]
        ""
    }
}

impl fmt::Debug for ServerMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Why a client call failed. `T` is the transport's error, `S` the store's.
///
/// How to recover: [`Error::SessionExpired`] and [`Error::NotSignedIn`] mean "sign in again";
/// [`Error::Transport`] and a 5xx [`Error::Api`] are worth retrying later (the session is
/// kept); [`Error::Store`] depends on the store (see its error's `kind()`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<T, S> {
    /// The configuration is unusable.
    Config(ConfigError),
    /// The request did not complete (connection, timeout, TLS, size).
    Transport(T),
    /// The token store failed.
    Store(S),
    /// The server answered with an error status.
    ///
    /// With `alloc`, the server's message (Cotter's `msg`, e.g. `refresh token is not valid`)
    /// travels inside the error, so another thread sharing the client cannot overwrite it
    /// before it is read. Without a heap the message stays out of the error (every `Result`
    /// of the client stays small on a microcontroller) and [`Client::api_message`] keeps the
    /// last one.
    ///
    /// [`Client::api_message`]: crate::Client::api_message
    Api {
        /// HTTP status.
        status: u16,
        /// The server's message: empty without `alloc`, or when the body was not Cotter's
        /// error JSON.
        message: ServerMessage,
    },
    /// A request or response did not fit the protocol (or the client's buffers).
    Protocol(cotter_proto::Error),
    /// A token from the server failed verification.
    Jwt(cotter_jwt::Error),
    /// The server's JWKS could not be used.
    Jwks(cotter_jwt::JwkError),
    /// The redirect said the user or server rejected the sign-in (`?error=…`).
    LoginRejected,
    /// The redirect's `state` is missing or not the one this login sent.
    StateMismatch,
    /// The refresh token is no longer valid: the session was cleared; sign in again.
    SessionExpired,
    /// There is no session: sign in first.
    NotSignedIn,
    /// The session does not fit the client's session buffer.
    SessionTooLarge,
    /// The random source failed.
    Random(RandomError),
    /// The browser did not come back before the login's deadline.
    LoginTimeout,
    /// A local I/O operation failed (e.g. binding the loopback port).
    Io,
    /// This device holds no device key: enrol it first ([`Client::enroll_device`]).
    ///
    /// [`Client::enroll_device`]: crate::Client::enroll_device
    DeviceNotEnrolled,
    /// The trusted device rejected the sign-in request.
    ApprovalRejected,
    /// The sign-in request was not answered before the deadline; request again.
    ApprovalTimeout,
    /// The clock does not know the time yet (a signed event needs it).
    ClockNotSet,
    /// No user has this identifier.
    UserNotFound,
}

impl<T, S> Error<T, S> {
    /// Whether signing in again is the way out.
    #[must_use]
    pub const fn needs_login(&self) -> bool {
        matches!(self, Self::SessionExpired | Self::NotSignedIn)
    }

    /// A fixed, lowercase description of the variant: the [`Display`](fmt::Display) text
    /// without the wrapped error, the status or the server's message (match the variant for
    /// those; the wrapped errors of this workspace have a `reason()` of their own).
    ///
    /// It needs no `core::fmt`: firmware that reports errors as text can print it and leave
    /// the formatting machinery out of its image.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Config(_) => "invalid configuration",
            Self::Transport(_) => "transport error",
            Self::Store(_) => "token store error",
            Self::Api { .. } => "server error",
            Self::Protocol(_) => "protocol error",
            Self::Jwt(_) => "token rejected",
            Self::Jwks(_) => "unusable jwks",
            Self::LoginRejected => "the sign-in was rejected",
            Self::StateMismatch => "the redirect's state does not match this login",
            Self::SessionExpired => "the session expired: sign in again",
            Self::NotSignedIn => "not signed in",
            Self::SessionTooLarge => "the session does not fit the session buffer",
            Self::Random(_) => RandomError.reason(),
            Self::LoginTimeout => "the sign-in timed out waiting for the browser",
            Self::Io => "local i/o error",
            Self::DeviceNotEnrolled => "this device has no device key",
            Self::ApprovalRejected => "the sign-in request was rejected",
            Self::ApprovalTimeout => "the sign-in request was not answered in time",
            Self::ClockNotSet => "the current time is not known",
            Self::UserNotFound => "no such user",
        }
    }
}

impl<T: fmt::Display, S: fmt::Display> fmt::Display for Error<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "invalid configuration: {e}"),
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Store(e) => write!(f, "token store error: {e}"),
            Self::Api { status, message } if message.as_str().is_empty() => {
                write!(f, "server error {status}")
            }
            Self::Api { status, message } => {
                write!(f, "server error {status}: {}", message.as_str())
            }
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::Jwt(e) => write!(f, "token rejected: {e}"),
            Self::Jwks(e) => write!(f, "unusable jwks: {e}"),
            _ => f.write_str(self.reason()),
        }
    }
}

impl<T, S> core::error::Error for Error<T, S>
where
    T: core::error::Error + 'static,
    S: core::error::Error + 'static,
{
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::Transport(e) => Some(e),
            Self::Store(e) => Some(e),
            Self::Protocol(e) => Some(e),
            Self::Jwt(e) => Some(e),
            Self::Jwks(e) => Some(e),
            Self::Random(e) => Some(e),
            _ => None,
        }
    }
}

pub(crate) fn api_message(msg: &str) -> ApiMessage {
    let mut out = ApiMessage::new();
    for c in msg.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn reason_is_the_display_text_without_details() {
        type E = Error<RandomError, RandomError>;
        for e in [E::NotSignedIn, E::SessionExpired, E::ClockNotSet, E::Random(RandomError)] {
            assert_eq!(format!("{e}"), e.reason());
        }
        let api = E::Api { status: 400, message: ServerMessage::default() };
        assert_eq!(format!("{api}"), "server error 400");
        assert!(format!("{api}").starts_with(api.reason()));
        let said =
            E::Api { status: 400, message: ServerMessage::new("refresh token is not valid") };
        #[cfg(feature = "alloc")]
        assert_eq!(format!("{said}"), "server error 400: refresh token is not valid");
        #[cfg(not(feature = "alloc"))]
        assert_eq!(format!("{said}"), "server error 400");
        let config = E::Config(ConfigError::EmptyApiKey);
        assert_eq!(
            format!("{config}"),
            format!("{}: {}", config.reason(), ConfigError::EmptyApiKey.reason())
        );
    }

    #[test]
    fn display_shows_inner_errors_with_display_and_source_returns_them() {
        use core::error::Error as _;
        // A wrapped error is shown with its `Display`, never its `Debug`.
        let e = Error::<RandomError, RandomError>::Transport(RandomError);
        assert_eq!(format!("{e}"), format!("transport error: {RandomError}"));
        assert!(!format!("{e}").contains("RandomError"), "{e}");
        let source = e.source().expect("a transport error has a source");
        assert_eq!(format!("{source}"), format!("{RandomError}"));
        let e = Error::<RandomError, RandomError>::Store(RandomError);
        assert!(e.source().is_some());
        assert!(Error::<RandomError, RandomError>::NotSignedIn.source().is_none());
    }
}
