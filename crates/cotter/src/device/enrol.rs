//! Enrolment of this device's key for the signed-in user
//! (`docs/protocol.md#enrolment-and-status`): enrol, remove, and ask whether the server still
//! trusts it.

use super::{DEFAULT_DEVICE_NAME, DeviceKey, DevicePublicKey};
use crate::client::{Client, Grant, Result, accept};
use crate::clock::Clock;
use crate::error::Error;
use crate::random::Entropy;
use cotter_proto::{
    ALGORITHM_EC, DEVICE_TYPE_MOBILE, Endpoint, EnrolledMethod, METHOD_TRUSTED_DEVICE,
    UpdateMethodsRequest, User,
};
use cotter_store::TokenStore;
use cotter_transport::Transport;

impl<T, S, C, const SESSION: usize, const WORK: usize> Client<'_, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// The public key of this device's key, if it has one (no request).
    ///
    /// # Errors
    /// As [`Client::load`].
    pub fn device_public_key(&mut self) -> Result<Option<DevicePublicKey>, T, S> {
        match self.stored_device_key() {
            Ok(key) => Ok(Some(key.public_key())),
            Err(Error::DeviceNotEnrolled) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Enrols this device as a trusted device of the signed-in user, as a `"MOBILE"` device
    /// named [`DEFAULT_DEVICE_NAME`]; see [`Client::enroll_device_named`].
    ///
    /// ```
    /// use cotter::store::MemoryStore;
    /// use cotter::transport::UreqTransport;
    /// use cotter::{Client, Config, LoginKind, OsRandom, SystemClock, UserRef};
    ///
    /// let emulator = cotter_emulator::Emulator::start(
    ///     cotter_emulator::Config::new().with_log_outbox(false),
    /// )?;
    /// let (api, page) = (emulator.api_base(), emulator.hosted_page_url());
    /// let config = Config::new("cotter-dev-api-key").base_url(&api).hosted_page_url(&page);
    /// let mut client: Client<'_, _, _, _> =
    ///     Client::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), SystemClock)?;
    ///
    /// // Signed in once by email OTP (the emulator's scripted user reads the code) …
    /// let (url, pending) = client.begin_login(
    ///     LoginKind::EmailOtp,
    ///     Some("ada@example.com"),
    ///     "http://127.0.0.1:8080/cb",
    ///     &mut OsRandom,
    /// )?;
    /// let redirect = cotter_emulator::browser::complete_login(&url, "ada@example.com")?;
    /// client.complete_login(&pending, &redirect)?;
    ///
    /// // … the device is enrolled, and from then on signs in with its key alone.
    /// client.enroll_device(&mut OsRandom)?;
    /// assert!(client.is_device_trusted()?);
    /// let user_id = client.user()?.id;
    /// client.logout()?;
    /// client.sign_in_with_device(UserRef::CotterId(&user_id), &mut OsRandom)?;
    /// assert!(client.access_token()?.starts_with("eyJ"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Client::enroll_device_named`].
    pub fn enroll_device(&mut self, rng: &mut impl Entropy) -> Result<(), T, S> {
        self.enroll_device_named(DEVICE_TYPE_MOBILE, DEFAULT_DEVICE_NAME, rng)
    }

    /// Enrols this device as a trusted device of the signed-in user: a new P-256 key from
    /// `rng` (or the one this device already holds) is sent with
    /// `PUT /user/methods?cotter_user_id=…&oauth_token=true`, then stored with the session.
    /// The `TRUSTED_DEVICE` tokens the server answers with are verified and replace the
    /// session's. One request (two if the access token is due for a refresh first, plus a
    /// JWKS fetch for an unknown `kid`).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`] / [`Error::SessionExpired`] without a valid session,
    /// [`Error::Random`] if `rng` fails, [`Error::Api`] if the server refuses the key,
    /// [`Error::Jwt`] if its tokens do not verify, [`Error::Transport`], [`Error::Store`].
    /// A key generated for a failed enrolment is dropped (zeroized), not stored.
    pub fn enroll_device_named(
        &mut self,
        device_type: &str,
        device_name: &str,
        rng: &mut impl Entropy,
    ) -> Result<(), T, S> {
        self.access_token()?;
        let user = self.session_user()?;
        let key = match self.stored_device_key() {
            Ok(key) => key,
            Err(Error::DeviceNotEnrolled) => DeviceKey::generate(rng).map_err(Error::Random)?,
            Err(e) => return Err(e),
        };
        let public = key.public_key();
        let request = UpdateMethodsRequest::enroll_trusted_device(
            public.as_str(),
            ALGORITHM_EC,
            device_type,
            device_name,
        );
        let endpoint = Endpoint::UpdateMethods { cotter_user_id: &user };
        let answer: User<'_> = self.io.call(endpoint, &request, &mut self.inbox)?;
        // The server trusts the key from here on: keep it even if its tokens are refused.
        self.session.cache.set_device_key(Some(&*key.to_secret()));
        let accepted = match answer.oauth_token {
            // `accept` stores the session (key included) when the tokens verify.
            Some(token) => match accept(&mut self.io, &mut self.session, &token, Grant::Renewal) {
                Ok(()) => return Ok(()),
                Err(e) => Err(e),
            },
            None => Ok(()),
        };
        let stored = self.session.persist();
        accepted.and(stored)
    }

    /// Removes this device from the signed-in user's trusted devices on the server
    /// (`enrolled: false`), then forgets its key; the session's tokens stay. One request.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::DeviceNotEnrolled`], [`Error::Api`],
    /// [`Error::Transport`] (the key is kept when the server was not told),
    /// [`Error::Store`].
    pub fn unenroll_device(&mut self) -> Result<(), T, S> {
        let user = self.session_user()?;
        let public = self.stored_device_key()?.public_key();
        let request = UpdateMethodsRequest::remove_trusted_device(
            public.as_str(),
            ALGORITHM_EC,
            DEVICE_TYPE_MOBILE,
            DEFAULT_DEVICE_NAME,
        );
        let endpoint = Endpoint::UpdateMethods { cotter_user_id: &user };
        let resp = self.io.send_json(endpoint, &request, &mut self.inbox.work)?;
        if resp.status != 200 {
            let (status, body) = (resp.status, resp.body);
            return Err(self.io.api_error(status, body, &mut self.inbox.unescape));
        }
        self.session.cache.set_device_key(None);
        self.session.persist()
    }

    /// Whether the server still lists this device's key as trusted for the signed-in user
    /// (`GET /user/methods?cotter_user_id=…&method=TRUSTED_DEVICE&public_key=…`). `false`
    /// without a request when the device holds no key.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`] (the user ID comes from the session), [`Error::Api`],
    /// [`Error::Transport`], [`Error::Protocol`].
    pub fn is_device_trusted(&mut self) -> Result<bool, T, S> {
        let user = self.session_user()?;
        let public = match self.stored_device_key() {
            Ok(key) => key.public_key(),
            Err(Error::DeviceNotEnrolled) => return Ok(false),
            Err(e) => return Err(e),
        };
        let endpoint =
            Endpoint::TrustedDeviceStatus { cotter_user_id: &user, public_key: public.as_str() };
        let resp = self.io.send_empty(endpoint, &mut self.inbox.work)?;
        let (status, body) = (resp.status, resp.body);
        let answer: EnrolledMethod<'_> = self.io.answer(status, body, &mut self.inbox.unescape)?;
        Ok(answer.is_enrolled(METHOD_TRUSTED_DEVICE))
    }
}
