//! Email/phone sign-in through the hosted page: OAuth 2.0 authorization code with PKCE.

use crate::client::{Client, Grant, Result, accept};
use crate::clock::Clock;
use crate::error::Error;
use crate::io::UNESCAPE;
use crate::random::Entropy;
use core::fmt;
use cotter_proto::{
    CodeVerifier, Endpoint, GetIdentityRequest, HostedPageUrl, IdentifierType, IdentityResponse,
    LoginMethod, RedirectParams, State,
};
use cotter_store::TokenStore;
use cotter_transport::Transport;

/// The longest hosted-page URL [`Client::begin_login`] builds.
pub const LOGIN_URL_CAP: usize = 1024;
/// The longest redirect URL a login may use.
pub const REDIRECT_URL_CAP: usize = 256;

/// The hosted-page URL to open in a browser.
pub type LoginUrl = heapless::String<LOGIN_URL_CAP>;

/// How the user proves who they are: what they sign in with ([`IdentifierType`], the hosted
/// page's `type`) and how the page checks it ([`LoginMethod`], its `auth_method`), as one
/// value. [`LoginKind::new`] builds it from the two; [`LoginKind::identifier_type`] and
/// [`LoginKind::method`] take it apart. The tokens of such a sign-in name the method in their
/// `authentication_method` claim: `cotter::proto::AuthMethod::from(kind.method())`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginKind {
    /// A one-time code sent by email.
    EmailOtp,
    /// A link sent by email.
    EmailMagicLink,
    /// A one-time code sent by SMS.
    PhoneOtp,
    /// A link sent by SMS.
    PhoneMagicLink,
}

impl LoginKind {
    /// The sign-in with `identifier_type` checked by `method`.
    #[must_use]
    pub const fn new(identifier_type: IdentifierType, method: LoginMethod) -> Self {
        match (identifier_type, method) {
            (IdentifierType::Email, LoginMethod::Otp) => Self::EmailOtp,
            (IdentifierType::Email, LoginMethod::MagicLink) => Self::EmailMagicLink,
            (IdentifierType::Phone, LoginMethod::Otp) => Self::PhoneOtp,
            (IdentifierType::Phone, LoginMethod::MagicLink) => Self::PhoneMagicLink,
        }
    }

    /// What the user signs in with: the hosted page's `type`.
    #[must_use]
    pub const fn identifier_type(self) -> IdentifierType {
        match self {
            Self::EmailOtp | Self::EmailMagicLink => IdentifierType::Email,
            Self::PhoneOtp | Self::PhoneMagicLink => IdentifierType::Phone,
        }
    }

    /// How the hosted page checks it: its `auth_method`.
    #[must_use]
    pub const fn method(self) -> LoginMethod {
        match self {
            Self::EmailOtp | Self::PhoneOtp => LoginMethod::Otp,
            Self::EmailMagicLink | Self::PhoneMagicLink => LoginMethod::MagicLink,
        }
    }
}

/// A login in progress: the PKCE verifier and `state` (secrets: redacted in `Debug`, zeroized
/// on drop) and the redirect URL, kept until the browser comes back.
pub struct PendingLogin {
    verifier: CodeVerifier,
    state: State,
    redirect_url: heapless::String<REDIRECT_URL_CAP>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("verifier", &"<redacted>")
            .field("state", &"<redacted>")
            .field("redirect_url", &self.redirect_url.as_str())
            .finish()
    }
}

impl PendingLogin {
    /// The redirect URL the hosted page will send the browser back to.
    #[must_use]
    pub fn redirect_url(&self) -> &str {
        &self.redirect_url
    }
}

fn map_redirect_error<T, S>(e: cotter_proto::Error) -> Error<T, S> {
    match e {
        cotter_proto::Error::StateMissing | cotter_proto::Error::StateMismatch => {
            Error::StateMismatch
        }
        cotter_proto::Error::AuthorizationRejected(_) => Error::LoginRejected,
        other => Error::Protocol(other),
    }
}

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// Starts a sign-in: a fresh PKCE verifier (256 bits) and `state` (128 bits) from `rng`,
    /// and the hosted-page URL to open. `identifier` (an email address or phone number)
    /// skips the page's first form.
    ///
    /// # Errors
    /// [`Error::Random`] if `rng` fails, [`Error::Protocol`] for a URL that does not fit.
    pub fn begin_login(
        &self,
        kind: LoginKind,
        identifier: Option<&str>,
        redirect_url: &str,
        rng: &mut impl Entropy,
    ) -> Result<(LoginUrl, PendingLogin), T, S> {
        let mut random = [0u8; 48];
        rng.fill(&mut random).map_err(Error::Random)?;
        let verifier = CodeVerifier::from_random(&random[..32]).map_err(Error::Protocol);
        let state = State::from_random(&random[32..]).map_err(Error::Protocol);
        zeroize::Zeroize::zeroize(&mut random);
        let (verifier, state) = (verifier?, state?);
        let challenge = verifier.challenge();
        // The default page goes with Cotter's own base URL only; another server's is its `/app`.
        let mut hosted = heapless::String::<{ crate::http::URL_CAP }>::new();
        let hosted = self
            .io
            .config
            .hosted_page(&mut hosted)
            .map_err(|_| Error::Protocol(cotter_proto::Error::InvalidBaseUrl))?;
        let mut page = HostedPageUrl::new(
            self.io.config.api_key_id,
            redirect_url,
            kind.identifier_type(),
            &challenge,
            &state,
        )
        .with_page(hosted)
        .map_err(Error::Protocol)?
        .auth_method(kind.method());
        if let Some(id) = identifier {
            page = page.direct_login(id);
        }
        let url = page.to_heapless::<LOGIN_URL_CAP>().map_err(Error::Protocol)?;
        let redirect_url = heapless::String::try_from(redirect_url)
            .map_err(|_| Error::Protocol(cotter_proto::Error::BufferTooSmall))?;
        Ok((url, PendingLogin { verifier, state, redirect_url }))
    }

    /// Finishes a sign-in from the redirect the browser came back with (the whole URL or its
    /// query): checks `state`, maps `error=`, exchanges the code at
    /// `/verify/get_identity?oauth_token=true` with the PKCE verifier, verifies the access
    /// and ID tokens (ES256 against the JWKS, `aud`, `iss`, `exp`) and stores them.
    ///
    /// # Errors
    /// [`Error::StateMismatch`], [`Error::LoginRejected`], [`Error::Api`] (e.g. a used or
    /// expired code), [`Error::Jwt`], [`Error::Transport`], [`Error::Store`].
    pub fn complete_login(&mut self, pending: &PendingLogin, redirect: &str) -> Result<(), T, S> {
        // Percent-decoded redirect parameters (the code is a secret: wiped when done).
        let mut redirect_scratch = zeroize::Zeroizing::new([0u8; UNESCAPE]);
        let params =
            RedirectParams::parse(redirect, &mut *redirect_scratch).map_err(map_redirect_error)?;
        let code = params.check(&pending.state).map_err(map_redirect_error)?;
        let request = GetIdentityRequest {
            code_verifier: pending.verifier.as_str(),
            authorization_code: code.code,
            challenge_id: code.challenge_id,
            redirect_url: &pending.redirect_url,
        };
        let identity: IdentityResponse<'_> =
            self.io.call(Endpoint::GetIdentity, &request, &mut self.inbox)?;
        // A new sign-in replaces whatever session was there once its tokens verified (the
        // device key stays).
        accept(&mut self.io, &mut self.session, &identity.oauth_token, Grant::SignIn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_kind_is_its_identifier_type_and_method() {
        let kinds = [
            LoginKind::EmailOtp,
            LoginKind::EmailMagicLink,
            LoginKind::PhoneOtp,
            LoginKind::PhoneMagicLink,
        ];
        for kind in kinds {
            assert_eq!(LoginKind::new(kind.identifier_type(), kind.method()), kind);
        }
        assert_eq!(LoginKind::EmailMagicLink.identifier_type(), IdentifierType::Email);
        assert_eq!(LoginKind::EmailMagicLink.method(), LoginMethod::MagicLink);
        assert_eq!(LoginKind::new(IdentifierType::Phone, LoginMethod::Otp), LoginKind::PhoneOtp);
    }
}
