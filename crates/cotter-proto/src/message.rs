//! The plain-concatenation messages that trusted devices sign, and those Cotter's server signs
//! (identity token, event), built without a buffer and written into one or streamed into a
//! hasher. The messages are described in `docs/protocol.md#signed-messages`.

use crate::device::{METHOD_TRUSTED_DEVICE, event_name};
use crate::sink::{Sink, sink_outputs};
use crate::{Error, Event, IdentityToken, UnixSeconds};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Seconds(UnixSeconds),
    Flag(bool),
}

const MAX_PARTS: usize = 7;

/// A message to sign or verify: UTF-8 pieces concatenated without separators; booleans are
/// `true`/`false` and timestamps decimal Unix seconds.
///
/// ```
/// use cotter_proto::{SignedMessage, UnixSeconds};
///
/// let msg = SignedMessage::approved_event("uid", "KEY", "LOGIN_WITH_DEVICE", UnixSeconds(1598129092));
/// let mut buf = [0u8; 128];
/// assert_eq!(msg.write_to(&mut buf)?, "uidKEYLOGIN_WITH_DEVICE1598129092TRUSTED_DEVICEtrue");
/// assert_eq!(msg.len(), 51);
/// # Ok::<(), cotter_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedMessage<'a> {
    parts: [Part<'a>; MAX_PARTS],
    count: usize,
}

impl<'a> SignedMessage<'a> {
    fn of(parts: &[Part<'a>]) -> Self {
        let mut all = [Part::Text(""); MAX_PARTS];
        for (slot, part) in all.iter_mut().zip(parts) {
            *slot = *part;
        }
        Self { parts: all, count: parts.len().min(MAX_PARTS) }
    }

    /// Device signature for a sign-in (or other event) approved on this trusted device:
    /// `user_id + api_key_id + event + timestamp + "TRUSTED_DEVICE" + "true"`.
    ///
    /// `user_id` is the Cotter UUID (Flutter) or the client user ID (RN/Android/iOS), the same
    /// one sent in the event body; `timestamp` is the body's.
    #[must_use]
    pub fn approved_event(
        user_id: &'a str,
        api_key_id: &'a str,
        event: &'a str,
        timestamp: UnixSeconds,
    ) -> Self {
        Self::of(&[
            Part::Text(user_id),
            Part::Text(api_key_id),
            Part::Text(event),
            Part::Seconds(timestamp),
            Part::Text(METHOD_TRUSTED_DEVICE),
            Part::Flag(true),
        ])
    }

    /// Device signature for a response to a pending event:
    /// `user_id + api_key_id + event + timestamp + method + approved`, with `event`,
    /// `timestamp` and `method` taken from the pending event.
    #[must_use]
    pub fn respond_event(
        user_id: &'a str,
        api_key_id: &'a str,
        pending: &Event<'a>,
        approved: bool,
    ) -> Self {
        Self::of(&[
            Part::Text(user_id),
            Part::Text(api_key_id),
            Part::Text(pending.event),
            Part::Seconds(pending.timestamp),
            Part::Text(pending.method),
            Part::Flag(approved),
        ])
    }

    /// Device signature approving a new device: the approved-event message for
    /// `ENROLL_NEW_TRUSTED_DEVICE` followed by the new device's public-key string.
    #[must_use]
    pub fn register_new_device(
        user_id: &'a str,
        api_key_id: &'a str,
        timestamp: UnixSeconds,
        new_public_key: &'a str,
    ) -> Self {
        Self::of(&[
            Part::Text(user_id),
            Part::Text(api_key_id),
            Part::Text(event_name::ENROLL_NEW_TRUSTED_DEVICE),
            Part::Seconds(timestamp),
            Part::Text(METHOD_TRUSTED_DEVICE),
            Part::Flag(true),
            Part::Text(new_public_key),
        ])
    }

    /// What Cotter's Ed25519 `signature` of an identity token covers:
    /// `identifier + identifier_type + receiver + expire_at`.
    #[must_use]
    pub fn identity_token(token: &IdentityToken<'a>) -> Self {
        Self::of(&[
            Part::Text(token.identifier),
            Part::Text(token.identifier_type),
            Part::Text(token.receiver),
            Part::Seconds(token.expire_at),
        ])
    }

    /// What Cotter's Ed25519 `signature` of an event covers:
    /// `client_user_id + issuer + event + timestamp + method + new + approved`.
    #[must_use]
    pub fn event(event: &Event<'a>) -> Self {
        Self::of(&[
            Part::Text(event.client_user_id),
            Part::Text(event.issuer),
            Part::Text(event.event),
            Part::Seconds(event.timestamp),
            Part::Text(event.method),
            Part::Flag(event.new),
            Part::Flag(event.approved),
        ])
    }

    /// Calls `f` with each piece in order, e.g. to feed a hasher or signer without a buffer.
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) {
        for part in self.parts.iter().take(self.count) {
            match *part {
                Part::Text(text) => f(text.as_bytes()),
                Part::Seconds(secs) => {
                    f(secs.format(&mut [0; UnixSeconds::MAX_TEXT_LEN]).as_bytes())
                }
                Part::Flag(flag) => f(if flag { b"true" } else { b"false" }),
            }
        }
    }

    /// Length of the message in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        let mut len = 0usize;
        self.for_each_chunk(|chunk| len = len.saturating_add(chunk.len()));
        len
    }

    /// Whether the message is empty (only when every text piece is empty and there are no
    /// timestamps or flags — never for the constructors above).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write<S: Sink>(&self, out: &mut S) -> Result<(), Error> {
        let mut result = Ok(());
        self.for_each_chunk(|chunk| {
            if result.is_ok() {
                // Every chunk comes from a `&str` or ASCII, so it is UTF-8.
                result = core::str::from_utf8(chunk)
                    .map_err(|_| Error::BufferTooSmall)
                    .and_then(|text| out.put(text));
            }
        });
        result
    }
}

sink_outputs!(SignedMessage<'_>);

#[cfg(test)]
mod tests;
