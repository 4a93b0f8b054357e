//! The hosted login page URL (`https://js.cotter.app/app?api_key=…`), described in
//! `docs/protocol.md#the-hosted-page`.

use crate::sink::{Sink, sink_outputs};
use crate::{AuthMethod, CodeChallenge, Error, State, percent};

/// Cotter's hosted login page.
pub const HOSTED_PAGE_URL: &str = "https://js.cotter.app/app";

/// What the user signs in with: the `type` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierType {
    /// `EMAIL`.
    Email,
    /// `PHONE`.
    Phone,
}

impl IdentifierType {
    /// The wire text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
        }
    }
}

/// A channel for phone codes: `use_channel` and `phone_channels[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `SMS`.
    Sms,
    /// `WHATSAPP`.
    Whatsapp,
}

impl Channel {
    /// The wire text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "SMS",
            Self::Whatsapp => "WHATSAPP",
        }
    }
}

/// How the hosted page verifies the identifier: the `auth_method` parameter.
///
/// These are the two [`AuthMethod`]s a hosted-page sign-in can choose, with the same wire
/// text; the tokens such a sign-in ends with name the same method (their
/// `authentication_method`, the answer's `auth_method`). `AuthMethod::from` converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoginMethod {
    /// `OTP` (the page's default).
    Otp,
    /// `MAGIC_LINK`.
    MagicLink,
}

impl LoginMethod {
    /// The wire text: that of the same [`AuthMethod`].
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        self.auth_method().as_str()
    }

    const fn auth_method(self) -> AuthMethod {
        match self {
            Self::Otp => AuthMethod::Otp,
            Self::MagicLink => AuthMethod::MagicLink,
        }
    }
}

impl From<LoginMethod> for AuthMethod {
    fn from(method: LoginMethod) -> Self {
        method.auth_method()
    }
}

/// The iOS-only `identifier_field` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierField {
    /// `email`.
    Email,
    /// `phone`.
    Phone,
}

impl IdentifierField {
    /// The wire text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }
}

/// Builder of the hosted-page URL (`docs/protocol.md#the-hosted-page`). Every parameter is
/// percent-encoded (RFC 3986 unreserved characters kept, everything else `%XX`, including the
/// `[]` of `phone_channels[]`). No `code_challenge_method` is sent: Cotter implies S256.
///
/// ```
/// use cotter_proto::{CodeVerifier, HostedPageUrl, IdentifierType, LoginMethod, State};
///
/// let verifier = CodeVerifier::from_random(&[7; 32])?;
/// let state = State::from_random(&[9; 16])?;
/// let challenge = verifier.challenge();
/// let url = HostedPageUrl::new("KEY", "http://127.0.0.1:8080/cb", IdentifierType::Email, &challenge, &state)
///     .direct_login("me+x@example.com")
///     .auth_method(LoginMethod::MagicLink);
/// let mut buf = [0u8; 512];
/// let text = url.write_to(&mut buf)?;
/// assert!(text.starts_with("https://js.cotter.app/app?api_key=KEY&redirect_url=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&type=EMAIL&code_challenge="));
/// assert!(text.ends_with("&direct_login=true&input=me%2Bx%40example.com&auth_method=MAGIC_LINK"));
/// # Ok::<(), cotter_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HostedPageUrl<'a> {
    page: &'a str,
    api_key: &'a str,
    redirect_url: &'a str,
    identifier_type: IdentifierType,
    code_challenge: &'a CodeChallenge,
    state: &'a State,
    input: Option<&'a str>,
    use_channel: Option<Channel>,
    phone_channels: &'a [Channel],
    cotter_user_id: Option<&'a str>,
    auth_method: Option<LoginMethod>,
    identifier_field: Option<IdentifierField>,
}

impl<'a> HostedPageUrl<'a> {
    /// The required parameters: `api_key`, `redirect_url`, `type`, `code_challenge`, `state`.
    #[must_use]
    pub const fn new(
        api_key: &'a str,
        redirect_url: &'a str,
        identifier_type: IdentifierType,
        code_challenge: &'a CodeChallenge,
        state: &'a State,
    ) -> Self {
        Self {
            page: HOSTED_PAGE_URL,
            api_key,
            redirect_url,
            identifier_type,
            code_challenge,
            state,
            input: None,
            use_channel: None,
            phone_channels: &[],
            cotter_user_id: None,
            auth_method: None,
            identifier_field: None,
        }
    }

    /// Uses another page than [`HOSTED_PAGE_URL`] (e.g. the emulator's
    /// `http://127.0.0.1:<port>/app`). A page that already has a query is extended with `&`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBaseUrl`] unless `page` is an `http://` or `https://` URL with a host,
    /// without fragment, whitespace or control characters.
    pub fn with_page(mut self, page: &'a str) -> Result<Self, Error> {
        if !crate::endpoint::is_http_url(page, true) {
            return Err(Error::InvalidBaseUrl);
        }
        self.page = page;
        Ok(self)
    }

    /// `direct_login=true&input=<identifier>`: skip the page's identifier form.
    #[must_use]
    pub const fn direct_login(mut self, identifier: &'a str) -> Self {
        self.input = Some(identifier);
        self
    }

    /// `use_channel` (PHONE only).
    #[must_use]
    pub const fn use_channel(mut self, channel: Channel) -> Self {
        self.use_channel = Some(channel);
        self
    }

    /// `phone_channels[]`, repeated once per channel offered on the page.
    #[must_use]
    pub const fn phone_channels(mut self, channels: &'a [Channel]) -> Self {
        self.phone_channels = channels;
        self
    }

    /// `cotter_user_id`: verify an existing user.
    #[must_use]
    pub const fn cotter_user_id(mut self, id: &'a str) -> Self {
        self.cotter_user_id = Some(id);
        self
    }

    /// `auth_method`: OTP (default on the page) or magic link.
    #[must_use]
    pub const fn auth_method(mut self, method: LoginMethod) -> Self {
        self.auth_method = Some(method);
        self
    }

    /// `identifier_field` (iOS only).
    #[must_use]
    pub const fn identifier_field(mut self, field: IdentifierField) -> Self {
        self.identifier_field = Some(field);
        self
    }

    fn write<S: Sink>(&self, out: &mut S) -> Result<(), Error> {
        out.put(self.page)?;
        out.put(if self.page.contains('?') { "&" } else { "?" })?;
        param(out, "api_key=", self.api_key)?;
        param(out, "&redirect_url=", self.redirect_url)?;
        param(out, "&type=", self.identifier_type.as_str())?;
        param(out, "&code_challenge=", self.code_challenge.as_str())?;
        param(out, "&state=", self.state.as_str())?;
        if let Some(input) = self.input {
            param(out, "&direct_login=true&input=", input)?;
        }
        if let Some(channel) = self.use_channel {
            param(out, "&use_channel=", channel.as_str())?;
        }
        for channel in self.phone_channels {
            param(out, "&phone_channels%5B%5D=", channel.as_str())?;
        }
        if let Some(id) = self.cotter_user_id {
            param(out, "&cotter_user_id=", id)?;
        }
        if let Some(method) = self.auth_method {
            param(out, "&auth_method=", method.as_str())?;
        }
        if let Some(field) = self.identifier_field {
            param(out, "&identifier_field=", field.as_str())?;
        }
        Ok(())
    }
}

sink_outputs!(HostedPageUrl<'_>);

/// Writes `prefix` (already encoded) then `value` percent-encoded.
fn param<S: Sink>(out: &mut S, prefix: &str, value: &str) -> Result<(), Error> {
    out.put(prefix)?;
    percent::encode(value, out)
}

#[cfg(test)]
mod tests;
