//! Sending one Cotter API call through the [`Transport`] and mapping the answer.

use crate::config::Config;
use crate::error::{ApiMessage, Error, ServerMessage, api_message};
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
    let url = endpoint
        .url(config.base_url)
        .and_then(|u| u.to_heapless::<URL_CAP>())
        .map_err(Error::Protocol)?;
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

/// Encodes `request` as JSON into `scratch` and sends it; any status is returned.
pub(crate) fn send_json<'w, T: Transport, S, Q: Serialize>(
    transport: &mut T,
    config: &Config<'_>,
    endpoint: Endpoint<'_>,
    request: &Q,
    scratch: &mut [u8],
    work: &'w mut [u8],
) -> Result<Response<'w>, Error<T::Error, S>> {
    let body = cotter_proto::json::encode(request, scratch).map_err(Error::Protocol)?;
    send(transport, config, endpoint, Some(body.as_bytes()), work)
}

/// [`call`] with a client's own transport, configuration and buffers. The fields are
/// borrowed one by one (as [`crate::client::parts`] does), so the decoded answer can borrow
/// `work` and `unescape` while the caller goes on using the session, the JWKS and the store.
macro_rules! client_call {
    ($client:expr, $endpoint:expr, $request:expr) => {
        $crate::http::call(
            &mut $client.transport,
            &$client.config,
            $endpoint,
            $request,
            &mut $client.scratch,
            &mut $client.work,
            &mut $client.unescape,
            &mut $client.api_msg,
        )
    };
}
pub(crate) use client_call;

/// One JSON call: encodes `request` into `scratch`, sends it, and reads the answer as
/// [`answer`] does (borrowing `work` and `unescape`).
#[allow(clippy::too_many_arguments, reason = "disjoint borrows of the client's fields")]
pub(crate) fn call<'w, T: Transport, S, Q: Serialize, R: Decode<'w>>(
    transport: &mut T,
    config: &Config<'_>,
    endpoint: Endpoint<'_>,
    request: &Q,
    scratch: &mut [u8],
    work: &'w mut [u8],
    unescape: &'w mut [u8],
    api_msg: &mut ApiMessage,
) -> Result<R, Error<T::Error, S>> {
    let resp = send_json(transport, config, endpoint, request, scratch, work)?;
    answer(resp.status, resp.body, unescape, api_msg)
}

/// A `200` answer's `body` decoded as `R` (strings with escapes decoded into `unescape`); any
/// other status is [`Error::Api`], with the server's message in `api_msg`. (Inlined: each
/// caller decodes its own response type, and on a microcontroller an out-of-line copy per
/// type costs more flash than the few lines it saves.)
#[inline(always)]
pub(crate) fn answer<'w, E, S, R: Decode<'w>>(
    status: u16,
    body: &'w [u8],
    unescape: &'w mut [u8],
    api_msg: &mut ApiMessage,
) -> Result<R, Error<E, S>> {
    if status != 200 {
        return Err(api_error(status, body, unescape, api_msg));
    }
    cotter_proto::json::decode(body, unescape).map_err(Error::Protocol)
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
