//! Parsing the redirect back from the hosted page (`docs/protocol.md#the-redirect-back`):
//! `<redirect_url>?code=…&state=…&challenge_id=…` or `?error=…`.

use core::fmt;

use crate::bump::Bump;
use crate::redact::{Redacted, redact_opt};
use crate::{Error, RejectionKind, State, percent};

/// The parameters of a redirect, percent-decoded (`+` read as a space).
///
/// Unknown parameters are ignored; a known one given twice is an error. `Debug` hides `code`
/// and `state`.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct RedirectParams<'a> {
    /// The authorization code.
    pub code: Option<&'a str>,
    /// The state echoed back.
    pub state: Option<&'a str>,
    /// The challenge ID (an integer).
    pub challenge_id: Option<u64>,
    /// The error text when the page rejected the login.
    pub error: Option<&'a str>,
}

/// What the code exchange needs from a checked redirect. `Debug` hides the code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthorizationCode<'a> {
    /// The authorization code, sent as `authorization_code`.
    pub code: &'a str,
    /// The challenge ID, sent as `challenge_id`.
    pub challenge_id: u64,
}

impl<'a> RedirectParams<'a> {
    /// Parses a full redirect URL (`http://127.0.0.1:8080/cb?code=…#frag`) or just its query
    /// (`code=…&state=…`, with or without the leading `?`). A URL without `?` has no
    /// parameters. Decoded values are borrowed from `url_or_query` when nothing needed
    /// decoding, otherwise copied into `scratch` (its length as `url_or_query` always suffices).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPercentEncoding`], [`Error::InvalidUtf8`],
    /// [`Error::DuplicateParameter`], [`Error::InvalidChallengeId`], or
    /// [`Error::BufferTooSmall`] when `scratch` is too small.
    pub fn parse(url_or_query: &'a str, scratch: &'a mut [u8]) -> Result<Self, Error> {
        let mut scratch = Bump::new(scratch);
        let mut params = Self::default();
        for pair in query_of(url_or_query).split('&') {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut key_buf = [0u8; 16];
            let Ok(key) = percent::decode(raw_key, &mut Bump::new(&mut key_buf)) else {
                // Undecodable or long keys cannot be one of ours.
                continue;
            };
            match key {
                "code" => set(&mut params.code, "code", percent::decode(raw_value, &mut scratch)?)?,
                "state" => {
                    set(&mut params.state, "state", percent::decode(raw_value, &mut scratch)?)?
                }
                "error" => {
                    set(&mut params.error, "error", percent::decode(raw_value, &mut scratch)?)?
                }
                "challenge_id" => {
                    let mut id_buf = [0u8; 24];
                    let text = percent::decode(raw_value, &mut Bump::new(&mut id_buf))
                        .map_err(|_| Error::InvalidChallengeId)?;
                    set(&mut params.challenge_id, "challenge_id", parse_id(text)?)?;
                }
                _ => {}
            }
        }
        Ok(params)
    }

    /// Checks the redirect against the login that was started and returns what the code
    /// exchange needs.
    ///
    /// # Errors
    ///
    /// In this order: [`Error::StateMissing`] when `state` is absent or empty;
    /// [`Error::StateMismatch`] when it differs from `expected` (compared in constant time);
    /// [`Error::AuthorizationRejected`] when `error` is present; [`Error::MissingParameter`]
    /// when `code` (absent or empty) or `challenge_id` is missing.
    ///
    /// `state` comes first: a redirect that does not carry this login's `state` was not sent
    /// for it (RFC 6749 §4.1.2.1 echoes `state` in error redirects too), so its `error=` must
    /// not end the login either.
    pub fn check(&self, expected: &State) -> Result<AuthorizationCode<'a>, Error> {
        let state = self.state.filter(|s| !s.is_empty()).ok_or(Error::StateMissing)?;
        if !expected.matches(state) {
            return Err(Error::StateMismatch);
        }
        if let Some(error) = self.error {
            return Err(Error::AuthorizationRejected(RejectionKind::from_code(error)));
        }
        let code = self.code.filter(|c| !c.is_empty()).ok_or(Error::MissingParameter("code"))?;
        let challenge_id = self.challenge_id.ok_or(Error::MissingParameter("challenge_id"))?;
        Ok(AuthorizationCode { code, challenge_id })
    }
}

/// The query part of a URL (before any fragment), or the input itself when it is a query.
fn query_of(input: &str) -> &str {
    let without_fragment = input.split_once('#').map_or(input, |(before, _)| before);
    match without_fragment.split_once('?') {
        Some((_, query)) => query,
        None if crate::api_error::contains(without_fragment, "://") => "",
        None => without_fragment,
    }
}

fn set<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::DuplicateParameter(name));
    }
    *slot = Some(value);
    Ok(())
}

/// A non-negative decimal integer: digits only (no sign, no spaces), within `u64`.
fn parse_id(text: &str) -> Result<u64, Error> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidChallengeId);
    }
    text.parse().map_err(|_| Error::InvalidChallengeId)
}

impl fmt::Debug for RedirectParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectParams")
            .field("code", &redact_opt(self.code))
            .field("state", &redact_opt(self.state))
            .field("challenge_id", &self.challenge_id)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Debug for AuthorizationCode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("code", &Redacted)
            .field("challenge_id", &self.challenge_id)
            .finish()
    }
}

#[cfg(test)]
mod tests;
