//! Sending one Cotter API call through the [`Transport`] and mapping the answer: the
//! [`Io`] side's requests.

use crate::config::Config;
use crate::error::{ApiMessage, Error, ServerMessage, api_message};
use crate::io::{Inbox, Io};
use cotter_proto::json::Decode;
use cotter_proto::{ApiError, Endpoint};
use cotter_transport::{Request, Response, Transport};
use serde::Serialize;

/// The longest API URL the client builds.
pub(crate) const URL_CAP: usize = 512;

/// Sends `endpoint` with an optional JSON `body`; the response body lands in `work`.
/// Any status is returned: callers decide what an error status means.
pub(crate) fn send<'w, T: Transport, S>(
    transport: &mut T,
    config: &Config<'_>,
    endpoint: Endpoint<'_>,
    body: Option<&[u8]>,
    work: &'w mut [u8],
) -> Result<Response<'w>, Error<T::Error, S>> {
    // The base URL may be the server's root; `/api/v0` is added then.
    let mut base = heapless::String::<URL_CAP>::new();
    let base = config
        .api_base(&mut base)
        .map_err(|_| Error::Protocol(cotter_proto::Error::InvalidBaseUrl))?;
    let url =
        endpoint.url(base).and_then(|u| u.to_heapless::<URL_CAP>()).map_err(Error::Protocol)?;
    let json_headers = [("API_KEY_ID", config.api_key_id), ("Content-Type", "application/json")];
    let plain_headers = [("API_KEY_ID", config.api_key_id)];
    // Unreachable in practice: `Endpoint::method` gives only the four tokens that
    // `Method::from_token` reads (cotter-proto's endpoint tests pin each endpoint's token,
    // cotter-transport's method tests read them back). An error rather than a panic path;
    // no variant names a method, and `InvalidBaseUrl` is the nearest: no request was built.
    let method = cotter_transport::Method::from_token(endpoint.method())
        .ok_or(Error::Protocol(cotter_proto::Error::InvalidBaseUrl))?;
    let mut req = Request::new(method, &url);
    req = match body {
        Some(b) => req.with_headers(&json_headers).with_body(b),
        None => req.with_headers(&plain_headers),
    };
    transport.send(&req, work).map_err(Error::Transport)
}

impl<T: Transport, C> Io<'_, T, C> {
    /// Sends `endpoint` without a body; the response body lands in `work`. Any status is
    /// returned.
    pub(crate) fn send_empty<'w, S>(
        &mut self,
        endpoint: Endpoint<'_>,
        work: &'w mut [u8],
    ) -> Result<Response<'w>, Error<T::Error, S>> {
        send(&mut self.transport, &self.config, endpoint, None, work)
    }

    /// Encodes `request` as JSON into the scratch space and sends it; any status is returned.
    pub(crate) fn send_json<'w, S, Q: Serialize>(
        &mut self,
        endpoint: Endpoint<'_>,
        request: &Q,
        work: &'w mut [u8],
    ) -> Result<Response<'w>, Error<T::Error, S>> {
        let body =
            cotter_proto::json::encode(request, &mut self.scratch).map_err(Error::Protocol)?;
        send(&mut self.transport, &self.config, endpoint, Some(body.as_bytes()), work)
    }

    /// Sends the first `len` bytes of the scratch space, a JSON body encoded there earlier;
    /// any status is returned.
    pub(crate) fn send_encoded<'w, S>(
        &mut self,
        endpoint: Endpoint<'_>,
        len: usize,
        work: &'w mut [u8],
    ) -> Result<Response<'w>, Error<T::Error, S>> {
        let body =
            self.scratch.get(..len).ok_or(Error::Protocol(cotter_proto::Error::BufferTooSmall))?;
        send(&mut self.transport, &self.config, endpoint, Some(body), work)
    }

    /// One JSON call: encodes `request`, sends it, and reads the answer as [`Io::answer`]
    /// does. The answer borrows `inbox`; the rest of the client stays free to accept it.
    pub(crate) fn call<'w, S, Q: Serialize, R: Decode<'w>, const WORK: usize>(
        &mut self,
        endpoint: Endpoint<'_>,
        request: &Q,
        inbox: &'w mut Inbox<WORK>,
    ) -> Result<R, Error<T::Error, S>> {
        let resp = self.send_json(endpoint, request, &mut inbox.work)?;
        self.answer(resp.status, resp.body, &mut inbox.unescape)
    }

    /// A `200` answer's `body` decoded as `R` (strings with escapes decoded into
    /// `unescape`); any other status is [`Error::Api`], with the server's message kept.
    /// (Inlined: each caller decodes its own response type, and on a microcontroller an
    /// out-of-line copy per type costs more flash than the few lines it saves.)
    #[inline(always)]
    pub(crate) fn answer<'w, S, R: Decode<'w>>(
        &mut self,
        status: u16,
        body: &'w [u8],
        unescape: &'w mut [u8],
    ) -> Result<R, Error<T::Error, S>> {
        if status != 200 {
            return Err(api_error(status, body, unescape, &mut self.api_msg));
        }
        cotter_proto::json::decode(body, unescape).map_err(Error::Protocol)
    }

    /// [`api_error`] keeping the server's message in this side's slot.
    pub(crate) fn api_error<S>(
        &mut self,
        status: u16,
        body: &[u8],
        unescape: &mut [u8],
    ) -> Error<T::Error, S> {
        api_error(status, body, unescape, &mut self.api_msg)
    }
}

/// Maps an error status to [`Error::Api`], keeping Cotter's `msg` from the body in `api_msg`
/// (emptied when the body is not Cotter's error JSON).
pub(crate) fn api_error<T, S>(
    status: u16,
    body: &[u8],
    unescape: &mut [u8],
    api_msg: &mut ApiMessage,
) -> Error<T, S> {
    let msg = cotter_proto::json::decode::<ApiError<'_>>(body, unescape).map_or("", |e| e.msg);
    *api_msg = api_message(msg);
    Error::Api { status, message: ServerMessage::new(api_msg) }
}

/// Whether an error status with this body says the refresh grant is invalid for good.
pub(crate) fn is_invalid_grant(status: u16, body: &[u8], unescape: &mut [u8]) -> bool {
    matches!(status, 400 | 401)
        && cotter_proto::json::decode::<ApiError<'_>>(body, unescape)
            .is_ok_and(|e| e.is_invalid_grant())
}
