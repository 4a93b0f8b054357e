//! Cotter API endpoints (`docs/protocol.md#endpoints`): HTTP method and URL, joined to a base
//! URL such as `https://www.cotter.app/api/v0` or the emulator's
//! `http://127.0.0.1:<port>/api/v0`.

use crate::base64::{self, Alphabet};

use crate::sink::{Sink, sink_outputs};
use crate::{Error, percent};

/// Cotter's production API base URL.
pub const BASE_URL: &str = "https://www.cotter.app/api/v0";

/// One call of the Cotter API. Path segments and query values are percent-encoded.
///
/// ```
/// use cotter_proto::Endpoint;
///
/// let call = Endpoint::UserByIdentifier { identifier: "+1 555@x" };
/// assert_eq!(call.method(), "GET");
/// let mut buf = [0u8; 128];
/// let url = call.url("http://127.0.0.1:8080/api/v0/")?.write_to(&mut buf)?;
/// assert_eq!(url, "http://127.0.0.1:8080/api/v0/user?identifier=%2B1%20555%40x");
/// # Ok::<(), cotter_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint<'a> {
    /// `POST /verify/get_identity?oauth_token=true`: code exchange
    /// (`docs/protocol.md#code-exchange`).
    GetIdentity,
    /// `POST /token/<API_KEY_ID>`: refresh (`docs/protocol.md#refresh`).
    Refresh {
        /// The API key ID.
        api_key_id: &'a str,
    },
    /// `POST /token`: legacy refresh (RN, iOS).
    RefreshLegacy,
    /// `DELETE /token/<API_KEY_ID>`: revoke the refresh token
    /// (`docs/protocol.md#logout-and-revocation`).
    Revoke {
        /// The API key ID.
        api_key_id: &'a str,
    },
    /// `GET /token/jwks` (`docs/protocol.md#jwks`).
    Jwks,
    /// `POST /user/create`, with `?oauth_token=true` when tokens are wanted
    /// (`docs/protocol.md#users`).
    CreateUser {
        /// Ask for tokens too.
        oauth_token: bool,
    },
    /// `GET /user?identifier=<identifier>` (`docs/protocol.md#users`).
    UserByIdentifier {
        /// Email, phone or username.
        identifier: &'a str,
    },
    /// `GET /user/<client_user_id>` (`docs/protocol.md#users`).
    UserByClientId {
        /// The application's user ID.
        client_user_id: &'a str,
    },
    /// `PUT /user/methods?cotter_user_id=<id>&oauth_token=true`: enrol or remove a device
    /// (`docs/protocol.md#enrolment-and-status`).
    UpdateMethods {
        /// Cotter user UUID.
        cotter_user_id: &'a str,
    },
    /// `PUT /user/<client_user_id>?oauth_token=true`: legacy enrolment call
    /// (`docs/protocol.md#enrolment-and-status`).
    UpdateMethodsByClientId {
        /// The application's user ID.
        client_user_id: &'a str,
    },
    /// `GET /user/methods?cotter_user_id=<id>&method=TRUSTED_DEVICE&public_key=<P>`
    /// (`docs/protocol.md#enrolment-and-status`).
    /// `P` is written as base64url without padding of the public-key string.
    TrustedDeviceStatus {
        /// Cotter user UUID.
        cotter_user_id: &'a str,
        /// The device public-key string (encoded by the builder).
        public_key: &'a str,
    },
    /// `GET /user/enrolled/<client_user_id>/TRUSTED_DEVICE/<P>`
    /// (`docs/protocol.md#enrolment-and-status`), `P` as above.
    TrustedDeviceEnrolled {
        /// The application's user ID.
        client_user_id: &'a str,
        /// The device public-key string (encoded by the builder).
        public_key: &'a str,
    },
    /// `POST /event/create`, with `?oauth_token=true` when tokens are wanted
    /// (`docs/protocol.md#events`).
    CreateEvent {
        /// Ask for tokens too.
        oauth_token: bool,
    },
    /// `POST /event/create_pending` (`docs/protocol.md#events`).
    CreatePendingEvent,
    /// `GET /event/get/<ID>?oauth_token=true`: poll a pending event (`docs/protocol.md#events`).
    GetEvent {
        /// Event ID.
        id: u64,
    },
    /// `GET /event/new?cotter_user_id=<id>`: pending requests for a trusted device
    /// (`docs/protocol.md#events`).
    NewEvent {
        /// Cotter user UUID.
        cotter_user_id: &'a str,
    },
    /// `GET /event/new/<client_user_id>`: same, by client user ID (`docs/protocol.md#events`).
    NewEventByClientId {
        /// The application's user ID.
        client_user_id: &'a str,
    },
    /// `POST /event/respond/<ID>`: approve or reject (`docs/protocol.md#events`).
    RespondEvent {
        /// Event ID.
        id: u64,
    },
}

impl<'a> Endpoint<'a> {
    /// The HTTP method of the call, as its token on the request line: `"GET"`, `"POST"`,
    /// `"PUT"` or `"DELETE"`. (A token rather than a type, so that this crate depends on no
    /// transport; `cotter_transport::Method::from_token` reads it.)
    #[must_use]
    pub const fn method(&self) -> &'static str {
        self.verb().token()
    }

    const fn verb(&self) -> Verb {
        match self {
            Self::Jwks
            | Self::UserByIdentifier { .. }
            | Self::UserByClientId { .. }
            | Self::TrustedDeviceStatus { .. }
            | Self::TrustedDeviceEnrolled { .. }
            | Self::GetEvent { .. }
            | Self::NewEvent { .. }
            | Self::NewEventByClientId { .. } => Verb::Get,
            Self::UpdateMethods { .. } | Self::UpdateMethodsByClientId { .. } => Verb::Put,
            Self::Revoke { .. } => Verb::Delete,
            Self::GetIdentity
            | Self::Refresh { .. }
            | Self::RefreshLegacy
            | Self::CreateUser { .. }
            | Self::CreateEvent { .. }
            | Self::CreatePendingEvent
            | Self::RespondEvent { .. } => Verb::Post,
        }
    }

    /// Whether the call sends a JSON body.
    #[must_use]
    pub const fn has_body(&self) -> bool {
        matches!(self.verb(), Verb::Post | Verb::Put)
    }

    /// The call joined to `base` (one trailing `/` of `base` is dropped); write it with
    /// [`EndpointUrl::write_to`], [`EndpointUrl::to_heapless`] or `Display`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBaseUrl`] unless `base` is an `http://` or `https://` URL with a host
    /// and without query, fragment, whitespace or control characters.
    pub fn url(self, base: &'a str) -> Result<EndpointUrl<'a>, Error> {
        if !is_http_url(base, false) {
            return Err(Error::InvalidBaseUrl);
        }
        let base = base.strip_suffix('/').unwrap_or(base);
        Ok(EndpointUrl { base, endpoint: self })
    }

    /// Writes path and query (no base).
    fn write<S: Sink>(&self, out: &mut S) -> Result<(), Error> {
        match *self {
            Self::GetIdentity => out.put("/verify/get_identity?oauth_token=true"),
            Self::Refresh { api_key_id } | Self::Revoke { api_key_id } => {
                out.put("/token/")?;
                percent::encode(api_key_id, out)
            }
            Self::RefreshLegacy => out.put("/token"),
            Self::Jwks => out.put("/token/jwks"),
            Self::CreateUser { oauth_token } => {
                out.put("/user/create")?;
                out.put(if oauth_token { "?oauth_token=true" } else { "" })
            }
            Self::UserByIdentifier { identifier } => {
                out.put("/user?identifier=")?;
                percent::encode(identifier, out)
            }
            Self::UserByClientId { client_user_id } => {
                out.put("/user/")?;
                percent::encode(client_user_id, out)
            }
            Self::UpdateMethods { cotter_user_id } => {
                out.put("/user/methods?cotter_user_id=")?;
                percent::encode(cotter_user_id, out)?;
                out.put("&oauth_token=true")
            }
            Self::UpdateMethodsByClientId { client_user_id } => {
                out.put("/user/")?;
                percent::encode(client_user_id, out)?;
                out.put("?oauth_token=true")
            }
            Self::TrustedDeviceStatus { cotter_user_id, public_key } => {
                out.put("/user/methods?cotter_user_id=")?;
                percent::encode(cotter_user_id, out)?;
                out.put("&method=TRUSTED_DEVICE&public_key=")?;
                base64url_text(public_key, out)
            }
            Self::TrustedDeviceEnrolled { client_user_id, public_key } => {
                out.put("/user/enrolled/")?;
                percent::encode(client_user_id, out)?;
                out.put("/TRUSTED_DEVICE/")?;
                base64url_text(public_key, out)
            }
            Self::CreateEvent { oauth_token } => {
                out.put("/event/create")?;
                out.put(if oauth_token { "?oauth_token=true" } else { "" })
            }
            Self::CreatePendingEvent => out.put("/event/create_pending"),
            Self::GetEvent { id } => {
                out.put("/event/get/")?;
                put_u64(id, out)?;
                out.put("?oauth_token=true")
            }
            Self::NewEvent { cotter_user_id } => {
                out.put("/event/new?cotter_user_id=")?;
                percent::encode(cotter_user_id, out)
            }
            Self::NewEventByClientId { client_user_id } => {
                out.put("/event/new/")?;
                percent::encode(client_user_id, out)
            }
            Self::RespondEvent { id } => {
                out.put("/event/respond/")?;
                put_u64(id, out)
            }
        }
    }
}

/// Which of the four method tokens a call uses. [`Endpoint::method`] goes through it so that a
/// build keeps one byte per endpoint and one table of four tokens, not a pointer and a length
/// per endpoint: 124 bytes less flash in the full-client firmware (`cargo xtask size`).
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    const fn token(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// An [`Endpoint`] joined to a checked base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointUrl<'a> {
    base: &'a str,
    endpoint: Endpoint<'a>,
}

impl EndpointUrl<'_> {
    /// The HTTP method of the call, as [`Endpoint::method`] gives it.
    #[must_use]
    pub const fn method(&self) -> &'static str {
        self.endpoint.method()
    }

    fn write<S: Sink>(&self, out: &mut S) -> Result<(), Error> {
        out.put(self.base)?;
        self.endpoint.write(out)
    }
}

sink_outputs!(EndpointUrl<'_>);

/// `http://` or `https://` (any case), a host, no whitespace/control characters, no fragment,
/// and a query only when `query_ok`.
pub(crate) fn is_http_url(url: &str, query_ok: bool) -> bool {
    let lower_prefix = |p: &str| url.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p));
    let rest = if lower_prefix("https://") {
        url.get(8..)
    } else if lower_prefix("http://") {
        url.get(7..)
    } else {
        None
    };
    let Some(rest) = rest else { return false };
    let host_present = rest.bytes().next().is_some_and(|b| !matches!(b, b'/' | b'?' | b'#'));
    host_present
        && !url.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#' || (!query_ok && b == b'?'))
}

/// Writes base64url without padding of the UTF-8 bytes of `text`, three bytes at a time.
fn base64url_text<S: Sink>(text: &str, out: &mut S) -> Result<(), Error> {
    for chunk in text.as_bytes().chunks(3) {
        let mut buf = [0u8; 4];
        let encoded = base64::encode(chunk, &mut buf, Alphabet::UrlUnpadded)
            .map_err(|_| Error::BufferTooSmall)?;
        out.put(encoded)?;
    }
    Ok(())
}

fn put_u64<S: Sink>(n: u64, out: &mut S) -> Result<(), Error> {
    let mut buf = [0u8; crate::decimal::MAX_DIGITS];
    let start = crate::decimal::digits(n, &mut buf);
    let text = buf.get(start..).and_then(|d| core::str::from_utf8(d).ok());
    out.put(text.ok_or(Error::BufferTooSmall)?)
}

#[cfg(test)]
mod tests;
